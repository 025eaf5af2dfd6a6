package keys

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// LoadFile reads a key file in any form accepted by [ParsePrivateKey].
func LoadFile(path string) (*PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("keys: read %s: %w", path, err)
	}
	k, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return k, nil
}

// SaveFile writes the key as a private JWK ([PrivateKey.MarshalJWK]) to a new
// file with mode 0600. It refuses to overwrite an existing file: the error
// then satisfies errors.Is(err, fs.ErrExist).
func (k *PrivateKey) SaveFile(path string) (err error) {
	data, err := k.MarshalJWK()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("keys: %w", cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("keys: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("keys: sync %s: %w", path, err)
	}
	return nil
}
