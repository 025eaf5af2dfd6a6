package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/store"
)

// runKeysRotateMaster replaces the master key, re-sealing every private
// key in the database under the new one, while servers keep running: see
// keyring.LoadMasterKeys for the files and why each step may be
// interrupted (run the command again to finish).
func runKeysRotateMaster(e *env, args []string) error {
	cfg := app.ConfigFromEnv()
	flags := dataFlags(e, "keys rotate-master", "[--data DIR] [--database-url URL] [--new-key-file FILE] [--keep-old] [--reseal-only]", &cfg)
	newKeyFile := flags.String("new-key-file", "", "the new master key (32 raw bytes or base64), e.g. from a secret store; default: a new random key")
	keepOld := flags.Bool("keep-old", false, "keep the previous master key as MASTER.old when done")
	resealOnly := flags.Bool("reseal-only", false, "change no file: re-seal every key under the current master key (after moving CAIRN_MASTER_KEY to a new key, the old one in CAIRN_MASTER_KEY_PREVIOUS)")
	grace := flags.Duration("grace", 2*time.Second, "how long to let running servers take up the new key before the last re-seal")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		dbURL = filepath.Join(cfg.DataDir, dbName)
		if _, err := os.Stat(dbURL); err != nil {
			return usagef("keys rotate-master: no database in %s: %v", cfg.DataDir, err)
		}
	}
	db, err := store.Open(e.ctx, dbURL)
	if err != nil {
		return usagef("keys rotate-master: %v", err)
	}
	defer db.Close()
	reseal := func(what string) (int, error) {
		mks, err := app.MasterKeys(cfg)
		if err != nil {
			return 0, err
		}
		kr, err := keyring.New(mks.Current, &keyring.Options{Previous: mks.Previous, CacheSize: -1})
		if err != nil {
			return 0, err
		}
		n, err := app.ResealKeys(e.ctx, db, kr)
		if err != nil {
			return 0, fmt.Errorf("keys rotate-master: %w (nothing was changed by this step)", err)
		}
		fmt.Fprintf(e.stderr, "re-sealed %d key(s)%s under %s\n", n, what, mks.Current)
		return n, nil
	}

	path := app.MasterKeyPath(cfg)
	if *resealOnly {
		_, err := reseal("")
		return err
	}
	if path == "" {
		return usagef("keys rotate-master: the master key comes from %s: put the new key there and the old one in %s, restart the servers, then run cairn keys rotate-master --reseal-only",
			keyring.EnvMasterKey, keyring.EnvMasterKeyPrevious)
	}
	old, err := keyring.ReadMasterKeyFile(path)
	if err != nil {
		return usagef("keys rotate-master: %v", err)
	}
	var want *keyring.MasterKey
	if *newKeyFile != "" {
		if want, err = keyring.ReadMasterKeyFile(*newKeyFile); err != nil {
			return usagef("keys rotate-master: --new-key-file: %v", err)
		}
	}
	next, resumed, err := keyring.BeginRotation(path, want)
	if err != nil {
		return fmt.Errorf("keys rotate-master: %w", err)
	}
	switch {
	case resumed && want != nil && want.ID() != next.ID():
		return usagef("keys rotate-master: a rotation to another key (%s) is in progress: run the command again without --new-key-file to finish it first", path+keyring.NextSuffix)
	case resumed:
		fmt.Fprintf(e.stderr, "resuming the rotation to %s (%s)\n", next, path+keyring.NextSuffix)
	case next.ID() == old.ID():
		os.Remove(path + keyring.NextSuffix)
		return usagef("keys rotate-master: the new key is the current key")
	default:
		fmt.Fprintf(e.stderr, "wrote the new %s to %s; servers seal new keys under it from now on\n", next, path+keyring.NextSuffix)
	}
	// 1. Every blob moves to the new key, in one transaction; servers open
	// both keys meanwhile.
	if _, err := reseal(""); err != nil {
		return err
	}
	// 2. The new key becomes the key file; the old one stays as .old.
	if err := keyring.CommitRotation(path); err != nil {
		return fmt.Errorf("keys rotate-master: %w", err)
	}
	fmt.Fprintf(e.stderr, "%s now holds the new key; the old one is in %s\n", path, path+keyring.OldSuffix)
	// 3. What a server sealed under the old key before it saw the new one.
	select {
	case <-time.After(*grace):
	case <-e.ctx.Done():
		return e.ctx.Err()
	}
	if _, err := reseal(" sealed meanwhile"); err != nil {
		return err
	}
	// 4. The old key goes.
	if !*keepOld {
		if err := keyring.EndRotation(path); err != nil {
			return fmt.Errorf("keys rotate-master: %w", err)
		}
	}
	cur, err := keyring.ReadMasterKeyFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	fmt.Fprintf(e.stdout, "rotated the %s to %s\n", old, cur)
	fmt.Fprintf(e.stderr, "note: backups taken before now are sealed under the old %s: keep a copy of it as long as you keep them\n", old)
	return nil
}
