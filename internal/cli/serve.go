package cli

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/store"
)

func serveFlags(e *env, name, synopsis string, cfg *app.Config) *flag.FlagSet {
	fs := newFlags(e, name, synopsis)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (CAIRN_ADDR)")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder, created on first run (CAIRN_DATA)")
	fs.StringVar(&cfg.BaseURL, "base-url", cfg.BaseURL, "public base URL (CAIRN_BASE_URL; default http://ADDR)")
	fs.StringVar(&cfg.PrivacyURL, "privacy-url", cfg.PrivacyURL, "your privacy policy's URL, linked from the wallet and named by the OB 3.0 API (CAIRN_PRIVACY_URL; default Cairn's own page, /privacy)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "postgres://… (CAIRN_DATABASE_URL; default SQLite in the data folder)")
	fs.StringVar(&cfg.MasterKeyFile, "master-key-file", cfg.MasterKeyFile, "file of the key that seals issuer keys (CAIRN_MASTER_KEY_FILE; default DATA/master.key)")
	return fs
}

func runServe(e *env, args []string) error {
	cfg := app.ConfigFromEnv()
	fs := serveFlags(e, "serve", "[--addr HOST:PORT] [--data DIR] [--base-url URL] [--database-url URL] [--metrics-addr HOST:PORT] [--demo] [--offline]", &cfg)
	fs.BoolVar(&cfg.Offline, "offline", cfg.Offline, "the verifier never uses the network (CAIRN_OFFLINE)")
	fs.BoolVar(&cfg.WebhooksAllowPrivate, "webhooks-allow-private", cfg.WebhooksAllowPrivate, "allow webhook endpoints on private and loopback addresses, and plain http (CAIRN_WEBHOOKS_ALLOW_PRIVATE)")
	fs.BoolVar(&cfg.Demo, "demo", cfg.Demo, "on the first run, also seed sample achievements and awards (CAIRN_DEMO)")
	fs.StringVar(&cfg.SMTPFrom, "smtp-from", cfg.SMTPFrom, "sender of mail to learners (CAIRN_SMTP_FROM; the server is CAIRN_SMTP_URL or CAIRN_SMTP_URL_FILE)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr, "serve /metrics on this address only, e.g. 127.0.0.1:9090 (CAIRN_METRICS_ADDR; CAIRN_METRICS_TOKEN serves it on --addr to that bearer token)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	serverRuntime()
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		cfg.IssuingProc = true
	}
	a, err := app.New(e.ctx, cfg, log)
	if err != nil {
		return usagef("serve: %v", err)
	}
	base := a.BaseURL()
	if fr := a.FirstRun; fr != nil {
		fmt.Fprintf(e.stdout, `
Cairn's first run: created an organization, its owner, an issuer with signing keys,
an achievement and a first badge, in %s.

  Your first badge:  %s/credentials/%s
  Log in:            %s/login  as %s / %s   (shown once)
  API key (owner):   %s   (shown once)

Issue a badge:
  curl -s -X POST %s/api/v1/awards \
    -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \
    -d '{"achievementId":"%s","recipient":{"email":"learner@example.org","name":"A. Learner"}}'

Verify it anywhere:  go run ./cmd/cairn verify %s/credentials/%s.json

`, cfg.DataDir, base, fr.AwardID, base, fr.OwnerEmail, fr.OwnerPassword, fr.APIKey, base, fr.APIKey, fr.AchievementID, base, fr.AwardID)
	} else {
		fmt.Fprintf(e.stdout, "Cairn is running at %s/ (data in %s)\n", base, cfg.DataDir)
	}
	return a.Run(e.ctx)
}

func runMigrate(e *env, args []string) error {
	cfg := app.ConfigFromEnv()
	fs := serveFlags(e, "migrate", "[--data DIR] [--database-url URL]", &cfg)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	url := cfg.DatabaseURL
	if url == "" {
		url = cfg.DataDir + "/cairn.db"
	}
	db, err := store.Open(e.ctx, url)
	if err != nil {
		return usagef("migrate: %v", err)
	}
	defer db.Close()
	applied, err := db.Migrate(e.ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(e.stdout, "applied %d migration(s): %v\n", len(applied), applied)
	return nil
}

// serverGCPercent is the server's GOGC unless the environment sets one:
// issuing allocates about 170 KB an award, and at Go's default (100) the
// collector took a tenth of the CPU under load; single awards from 8
// clients ran 7-10 % faster at 200 and 7 % faster again at 400
// (docs/PERFORMANCE.md). The heap may then grow to five times what is
// live, which serverMemoryShare bounds.
const serverGCPercent = 400

// serverMemoryShare: unless GOMEMLIMIT is set, the Go heap's soft limit
// is this share of the memory the process may use (its cgroup's limit,
// else the machine's); near it, the collector runs as often as it must.
const serverMemoryShare = 4 // a quarter

// serverRuntime sets the server's GOGC (serverGCPercent) and its memory
// limit (serverMemoryShare) unless the environment sets them. (Unless
// GOMAXPROCS is set, the server also takes one more P while it issues:
// app.Config.IssuingProc.)
func serverRuntime() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serverGCPercent)
		if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
			if m := availableMemory(); m > 0 {
				debug.SetMemoryLimit(m / serverMemoryShare)
			}
		}
	}
}

// availableMemory is the memory limit of the process's cgroup (v2), else
// the machine's memory (Linux), else 0.
func availableMemory() int64 {
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 {
			return n
		}
	}
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
