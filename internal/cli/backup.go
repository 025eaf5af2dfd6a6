package cli

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/store"
)

// A backup archive is a gzip-compressed tar file holding, in this order:
//
//	cairn-backup.json  the manifest (backupManifest)
//	cairn.db           a consistent copy of the SQLite database
//	first-run.json     the ids of what the first run made, when there is one
//	master.key         the master key, only with --include-master-key
const (
	manifestName  = "cairn-backup.json"
	backupFormat  = "cairn-backup/1"
	dbName        = "cairn.db"
	firstRunName  = "first-run.json"
	masterKeyName = "master.key"
)

// backupManifest describes a backup archive.
type backupManifest struct {
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"createdAt"`
	// SHA256 has the SHA-256 of each other file of the archive, by name.
	SHA256 map[string]string `json:"sha256"`
	// SealedUnder lists the ids (hex) of the master keys the database's
	// private keys are sealed under: the key that restores them.
	SealedUnder []string `json:"sealedUnder"`
	// MasterKeyIncluded tells whether master.key is in the archive.
	MasterKeyIncluded bool `json:"masterKeyIncluded"`
}

func dataFlags(e *env, name, synopsis string, cfg *app.Config) *flag.FlagSet {
	flags := newFlags(e, name, synopsis)
	flags.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder (CAIRN_DATA)")
	flags.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "postgres://… (CAIRN_DATABASE_URL; default SQLite in the data folder)")
	flags.StringVar(&cfg.MasterKeyFile, "master-key-file", cfg.MasterKeyFile, "the master key file (CAIRN_MASTER_KEY_FILE; default DATA/master.key)")
	return flags
}

func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

func runBackup(e *env, args []string) error {
	cfg := app.ConfigFromEnv()
	flags := dataFlags(e, "backup", "--out FILE [--data DIR] [--include-master-key]", &cfg)
	out := flags.String("out", "", "the archive to write (a .tar.gz; must not exist); required")
	withKey := flags.Bool("include-master-key", false, "put the master key in the archive too (then keep the archive as secret as the key)")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("backup: --out is required")
	}
	if _, err := os.Lstat(*out); !errors.Is(err, fs.ErrNotExist) {
		return usagef("backup: --out %s exists; choose a new file", *out)
	}
	if isPostgres(cfg.DatabaseURL) {
		return backupPostgres(e, cfg.DatabaseURL, *out)
	}
	dbPath := filepath.Join(cfg.DataDir, dbName)
	fi, err := os.Stat(dbPath)
	if err != nil {
		return usagef("backup: no database in %s: %v", cfg.DataDir, err)
	}
	start := time.Now()
	fmt.Fprintf(e.stderr, "backing up %s (%s)…\n", dbPath, size(fi.Size()))

	// The snapshot goes beside the archive, so the rename at the end stays
	// on one file system.
	work, err := os.MkdirTemp(filepath.Dir(*out), ".cairn-backup-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(work)
	snap := filepath.Join(work, dbName)
	db, err := store.Open(e.ctx, dbPath)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	err = db.BackupSQLite(e.ctx, snap)
	db.Close()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(e.stderr, "copied a consistent snapshot in %s\n", time.Since(start).Round(time.Millisecond))

	m := &backupManifest{Format: backupFormat, CreatedAt: time.Now().UTC().Truncate(time.Second), SHA256: map[string]string{}}
	if m.SealedUnder, err = sealedUnder(e, snap); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	files := []archiveFile{{name: dbName, path: snap}}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, firstRunName)); err == nil {
		files = append(files, archiveFile{name: firstRunName, path: filepath.Join(cfg.DataDir, firstRunName)})
	}
	keyPath := app.MasterKeyPath(cfg)
	if *withKey {
		if keyPath == "" {
			return usagef("backup: --include-master-key: the master key comes from CAIRN_MASTER_KEY; back it up where it is kept")
		}
		if _, err := os.Stat(keyPath + keyring.NextSuffix); err == nil {
			return usagef("backup: a master key rotation is in progress (%s exists); finish it (cairn keys rotate-master) first", keyPath+keyring.NextSuffix)
		}
		mk, err := keyring.ReadMasterKeyFile(keyPath)
		if err != nil {
			return usagef("backup: %v", err)
		}
		if !contains(m.SealedUnder, idHex(mk)) && len(m.SealedUnder) > 0 {
			fmt.Fprintf(e.stderr, "warning: %s (%s) is not the key the database's keys are sealed under (%s)\n", keyPath, idHex(mk), strings.Join(m.SealedUnder, ", "))
		}
		files = append(files, archiveFile{name: masterKeyName, path: keyPath})
		m.MasterKeyIncluded = true
	}
	for i := range files {
		if files[i].sum, files[i].size, err = hashFile(files[i].path); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		m.SHA256[files[i].name] = files[i].sum
	}
	if err := writeArchive(e, *out, m, files); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	ofi, _ := os.Stat(*out)
	fmt.Fprintf(e.stdout, "wrote %s (%s) in %s\n", *out, size(ofi.Size()), time.Since(start).Round(time.Millisecond))
	if !m.MasterKeyIncluded {
		fmt.Fprintf(e.stderr, "warning: the backup holds no master key. Its issuer keys are sealed under master key %s:\n"+
			"  without that key (%s) a restore cannot sign anything. Back the key up apart from this archive,\n"+
			"  or take the backup with --include-master-key and keep the archive as secret as the key.\n",
			strings.Join(m.SealedUnder, ", "), orEnv(keyPath))
	}
	return nil
}

func orEnv(path string) string {
	if path == "" {
		return keyring.EnvMasterKey
	}
	return path
}

// backupPostgres runs pg_dump (custom format) when it is installed.
func backupPostgres(e *env, dbURL, out string) error {
	args := []string{"--format=custom", "--no-owner", "--file", out}
	// pg_dump does not know pgx's search_path parameter: it becomes the
	// schema to dump.
	if u, err := url.Parse(dbURL); err == nil && u.Query().Has("search_path") {
		q := u.Query()
		for _, schema := range strings.Split(q.Get("search_path"), ",") {
			args = append(args, "--schema="+strings.TrimSpace(schema))
		}
		q.Del("search_path")
		u.RawQuery = q.Encode()
		dbURL = u.String()
	}
	args = append(args, dbURL)
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return usagef("backup: a PostgreSQL database is backed up with pg_dump, which is not installed here: run pg_dump --format=custom --file %s DATABASE_URL (and back up the master key apart)", out)
	}
	fmt.Fprintf(e.stderr, "running pg_dump --format=custom --file %s …\n", out)
	cmd := exec.CommandContext(e.ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = e.stderr, e.stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("backup: pg_dump: %w", err)
	}
	fmt.Fprintf(e.stdout, "wrote %s (pg_dump custom format; restore with pg_restore)\n", out)
	fmt.Fprintln(e.stderr, "warning: the dump holds no master key: back it up apart")
	return nil
}

// sealedUnder lists the master key ids the private keys in the SQLite
// database at path are sealed under.
func sealedUnder(e *env, path string) ([]string, error) {
	db, err := store.Open(e.ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	seen := map[string]bool{}
	var ids []string
	_, err = db.RewriteSealedKeys(e.ctx, func(k *store.SealedKey) ([]byte, error) {
		if len(k.Sealed) > 1+keyring.MasterKeyIDSize {
			id := hex.EncodeToString(k.Sealed[1 : 1+keyring.MasterKeyIDSize])
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		return nil, nil // a read: nothing is changed
	})
	return ids, err
}

func idHex(mk *keyring.MasterKey) string {
	id := mk.ID()
	return hex.EncodeToString(id[:])
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type archiveFile struct {
	name, path, sum string
	size            int64
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// writeArchive writes the archive to a temporary file, syncs it and renames
// it to out, so a crash never leaves half an archive under that name.
func writeArchive(e *env, out string, m *backupManifest, files []archiveFile) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".cairn-backup-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	gz := gzip.NewWriter(tmp)
	tw := tar.NewWriter(gz)
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(manifest)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(manifest); err != nil {
		return err
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o600, Size: f.size, ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		src, err := os.Open(f.path)
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, &progress{r: src, w: e.stderr, what: "archiving " + f.name, total: f.size})
		src.Close()
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// Link, not rename: an archive that appeared at out meanwhile is kept.
	if err := os.Link(tmp.Name(), out); err != nil {
		return err
	}
	syncDir(filepath.Dir(out))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// progress reports, on w, how much of a long copy is done: a line every
// 64 MiB, for files that large.
type progress struct {
	r           io.Reader
	w           io.Writer
	what        string
	total, done int64
	next        int64
}

const progressStep = 64 << 20

func (p *progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if p.total >= 2*progressStep && p.done >= p.next+progressStep {
		p.next = p.done - p.done%progressStep
		fmt.Fprintf(p.w, "%s: %s of %s (%d%%)\n", p.what, size(p.done), size(p.total), p.done*100/p.total)
	}
	return n, err
}

// size writes a byte count for people.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
