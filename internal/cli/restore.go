package cli

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/store"
)

// maxArchiveFile bounds each file taken from an archive (a database of a
// terabyte is not restored this way).
const maxArchiveFile = 1 << 40

func runRestore(e *env, args []string) error {
	cfg := app.ConfigFromEnv()
	flags := dataFlags(e, "restore", "--in FILE [--data DIR] [--force]", &cfg)
	in := flags.String("in", "", "the archive made by cairn backup; required")
	force := flags.Bool("force", false, "replace the data folder's database (and master key, if the archive has another); the old files are kept beside, renamed")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if *in == "" {
		return usagef("restore: --in is required")
	}
	if isPostgres(cfg.DatabaseURL) {
		return usagef("restore: a PostgreSQL database is restored with pg_restore: pg_restore --clean --if-exists --no-owner -d DATABASE_URL %s (with every replica stopped)", *in)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return usagef("restore: %v", err)
	}
	// No server may run on the folder while its database is replaced.
	unlock, err := app.LockDataDir(cfg.DataDir, true)
	if errors.Is(err, app.ErrDataDirLocked) {
		return usagef("restore: %s is in use by a running Cairn server: stop it first", cfg.DataDir)
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer unlock()
	dbPath := filepath.Join(cfg.DataDir, dbName)
	if _, err := os.Stat(dbPath); err == nil && !*force {
		return usagef("restore: %s already has a database; restore into an empty data folder, or pass --force to replace it (it is kept as %s.replaced-TIME)", cfg.DataDir, dbName)
	}

	start := time.Now()
	work, err := os.MkdirTemp(cfg.DataDir, ".cairn-restore-")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(work)
	m, err := extractArchive(e, *in, work)
	if err != nil {
		return usagef("restore: %s: %v", *in, err)
	}
	snap := filepath.Join(work, dbName)
	db, err := store.Open(e.ctx, snap)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	err = db.QuickCheck(e.ctx)
	db.Close()
	if err != nil {
		return usagef("restore: %s: %v", *in, err)
	}
	fmt.Fprintf(e.stderr, "checked the archive (made %s) in %s\n", m.CreatedAt.Format(time.RFC3339), time.Since(start).Round(time.Millisecond))

	// The master key: decide everything before changing anything.
	keyPath := app.MasterKeyPath(cfg)
	var haveKey *keyring.MasterKey
	if keyPath != "" {
		haveKey, err = keyring.ReadMasterKeyFile(keyPath)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return usagef("restore: %v", err)
		}
	} else if mks, err := app.MasterKeys(cfg); err == nil {
		haveKey = mks.Current
	}
	writeKey := false
	if m.MasterKeyIncluded {
		archived, err := keyring.ReadMasterKeyFile(filepath.Join(work, masterKeyName))
		if err != nil {
			return usagef("restore: the archive's master key: %v", err)
		}
		switch {
		case keyPath == "":
			if haveKey == nil || haveKey.ID() != archived.ID() {
				fmt.Fprintf(e.stderr, "warning: the archive's master key (%s) is not CAIRN_MASTER_KEY's; the key in the archive is not used\n", idHex(archived))
			}
		case haveKey == nil:
			writeKey = true
		case haveKey.ID() != archived.ID() && !*force:
			return usagef("restore: %s holds another master key (%s) than the archive (%s); pass --force to replace it (it is kept as %s.replaced-TIME)", keyPath, idHex(haveKey), idHex(archived), filepath.Base(keyPath))
		case haveKey.ID() != archived.ID():
			writeKey = true
		}
	}

	// Now replace: the old database (with its WAL) and key are kept aside.
	stamp := time.Now().UTC().Format("20060102T150405Z")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		old := dbPath + suffix
		if _, err := os.Lstat(old); err == nil {
			if err := os.Rename(old, old+".replaced-"+stamp); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			fmt.Fprintf(e.stderr, "kept the old %s as %s\n", filepath.Base(old), filepath.Base(old)+".replaced-"+stamp)
		}
	}
	if err := os.Rename(snap, dbPath); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := os.Stat(filepath.Join(work, firstRunName)); err == nil {
		dst := filepath.Join(cfg.DataDir, firstRunName)
		os.Remove(dst)
		if err := os.Rename(filepath.Join(work, firstRunName), dst); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if writeKey {
		if haveKey != nil {
			if err := os.Rename(keyPath, keyPath+".replaced-"+stamp); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			fmt.Fprintf(e.stderr, "kept the old master key as %s\n", keyPath+".replaced-"+stamp)
		}
		archived, _ := keyring.ReadMasterKeyFile(filepath.Join(work, masterKeyName))
		if err := keyring.CreateMasterKeyFile(keyPath, archived); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		haveKey = archived
	}
	syncDir(cfg.DataDir)
	fmt.Fprintf(e.stdout, "restored %s into %s in %s\n", *in, cfg.DataDir, time.Since(start).Round(time.Millisecond))
	if len(m.SealedUnder) > 0 && (haveKey == nil || !contains(m.SealedUnder, idHex(haveKey))) {
		fmt.Fprintf(e.stderr, "warning: the database's issuer keys are sealed under master key %v, which %s does not hold:\n"+
			"  put that key there before cairn serve, or nothing can be signed\n", m.SealedUnder, orEnv(keyPath))
	}
	return nil
}

// extractArchive checks and unpacks a backup archive into dir and returns
// its manifest: the manifest must come first, every file it lists must be
// there with its SHA-256, and nothing else may be.
func extractArchive(e *env, path, dir string) (*backupManifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, _ := f.Stat()
	gz, err := gzip.NewReader(&progress{r: f, w: e.stderr, what: "reading " + filepath.Base(path), total: fi.Size()})
	if err != nil {
		return nil, fmt.Errorf("not a Cairn backup (not gzip): %v", err)
	}
	tr := tar.NewReader(gz)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != manifestName {
		return nil, errors.New("not a Cairn backup (no " + manifestName + " first)")
	}
	var m backupManifest
	if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %v", manifestName, err)
	}
	if m.Format != backupFormat {
		return nil, fmt.Errorf("unknown backup format %q (want %s)", m.Format, backupFormat)
	}
	if _, ok := m.SHA256[dbName]; !ok {
		return nil, fmt.Errorf("%s lists no %s", manifestName, dbName)
	}
	got := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		want, listed := m.SHA256[hdr.Name]
		known := hdr.Name == dbName || hdr.Name == firstRunName || hdr.Name == masterKeyName
		if !listed || !known || got[hdr.Name] || hdr.Typeflag != tar.TypeReg || hdr.Size > maxArchiveFile {
			return nil, fmt.Errorf("unexpected entry %q", hdr.Name)
		}
		got[hdr.Name] = true
		out, err := os.OpenFile(filepath.Join(dir, hdr.Name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		_, err = io.Copy(io.MultiWriter(out, h), io.LimitReader(tr, hdr.Size))
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		if hex.EncodeToString(h.Sum(nil)) != want {
			return nil, fmt.Errorf("%s does not match its SHA-256 in the manifest: the archive is damaged", hdr.Name)
		}
	}
	for name := range m.SHA256 {
		if !got[name] {
			return nil, fmt.Errorf("%s is missing", name)
		}
	}
	if m.MasterKeyIncluded != got[masterKeyName] {
		return nil, fmt.Errorf("the manifest and the files disagree on the master key")
	}
	return &m, nil
}
