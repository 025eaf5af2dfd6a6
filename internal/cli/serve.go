package cli

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"

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
// collector took a tenth of the CPU under load; at 200 single awards from
// 8 clients ran 7-10 % faster (docs/PERFORMANCE.md), for a heap that may
// grow to three times what is live instead of two.
const serverGCPercent = 200

// serverRuntime sets the server's GOGC (serverGCPercent) and GOMAXPROCS
// (one more than Go's default) unless the environment sets them. The
// extra P: SQLite's driver (modernc.org/sqlite, pure Go) makes its system
// calls (pread, pwrite, fcntl locks) through the syscall package, whose
// goroutine keeps its P until the runtime takes it back, so with one P per
// core a core sat idle while runnable goroutines waited; with one more,
// single awards from 8 clients ran about 5 % faster on 2 cores.
func serverRuntime() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serverGCPercent)
	}
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	}
}
