package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/sso"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/wallet"
	"github.com/cairn-badges/cairn/webhooks"
)

// MasterKeyPath returns the master key file cfg uses, or "" when the key
// comes from CAIRN_MASTER_KEY.
func MasterKeyPath(cfg Config) string {
	return keyring.MasterKeyPath(cfg.getenv, filepath.Join(cfg.DataDir, "master.key"))
}

// MasterKeys loads the master keys cfg names, a rotation's included (see
// keyring.LoadMasterKeys); the file is created if missing.
func MasterKeys(cfg Config) (keyring.MasterKeys, error) {
	return keyring.LoadMasterKeys(cfg.getenv, filepath.Join(cfg.DataDir, "master.key"))
}

// getenv is os.Getenv, except that Config.MasterKeyFile, when set, is the
// master key file.
func (cfg Config) getenv(name string) string {
	if name == keyring.EnvMasterKeyFile && cfg.MasterKeyFile != "" {
		return cfg.MasterKeyFile
	}
	if name == keyring.EnvMasterKeyPrevious {
		return env(name) // or CAIRN_MASTER_KEY_PREVIOUS_FILE
	}
	return os.Getenv(name)
}

// newKeyring returns the keyring of a server: it holds the master keys cfg
// names and re-reads them when it meets a blob sealed under another key or
// before it seals, so it follows a rotation made while it runs.
func newKeyring(cfg Config) (*keyring.Keyring, error) {
	mks, err := MasterKeys(cfg)
	if err != nil {
		return nil, err
	}
	return keyring.New(mks.Current, &keyring.Options{
		Previous: mks.Previous,
		Reload:   func() (keyring.MasterKeys, error) { return MasterKeys(cfg) },
	})
}

// ResealKeys re-seals, in one transaction, every private key in db (the
// issuers' and the transparency log's) and every webhook and single sign-on
// client secret that kr's current master key did not
// seal, under that key, and returns how many it re-sealed. A key kr cannot
// open fails the call and changes nothing.
func ResealKeys(ctx context.Context, db *store.DB, kr *keyring.Keyring) (int, error) {
	return db.RewriteSealedKeys(ctx, func(k *store.SealedKey) ([]byte, error) {
		if !kr.NeedsReseal(k.Sealed) {
			return nil, nil
		}
		aad, what := issuing.LogKeyAAD(k.LogName), "the transparency log key"
		switch {
		case k.WebhookID != "":
			aad, what = webhooks.SecretAAD(k.WebhookID), "the secret of webhook endpoint "+k.WebhookID
		case k.LearnerID != "":
			aad, what = wallet.LearnerKeyAAD(k.LearnerID), "the wallet key of learner "+k.LearnerID
		case k.SSOOrgID != "":
			aad, what = sso.SecretAAD(k.SSOOrgID), "the single sign-on client secret of organization "+k.SSOOrgID
		case k.LogName == "":
			aad, what = issuing.IssuerKeyAAD(k.IssuerID, k.Fragment), fmt.Sprintf("issuer %s key %s", k.IssuerID, k.Fragment)
		}
		sealed, err := kr.Reseal(k.Sealed, aad)
		if err != nil {
			return nil, fmt.Errorf("re-sealing %s: %w", what, err)
		}
		return sealed, nil
	})
}

// ErrDataDirLocked reports a data folder locked by another process (see
// LockDataDir).
var ErrDataDirLocked = errors.New("the data folder is locked by another Cairn process (a running server, or a restore)")
