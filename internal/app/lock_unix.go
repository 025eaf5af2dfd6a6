//go:build unix

package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockDataDir locks the data folder dir through the file dir/.lock: a
// server holds a shared lock while it runs (several processes may share a
// data folder: cairn serve beside cairn migrate or cairn backup), and
// cairn restore takes an exclusive one, so it never replaces the database
// under a running server. It does not wait: a lock held the other way
// fails with ErrDataDirLocked. release gives the lock back.
func LockDataDir(dir string, exclusive bool) (release func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrDataDirLocked
		}
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	return func() { f.Close() }, nil
}
