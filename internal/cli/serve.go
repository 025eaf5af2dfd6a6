package cli

import (
	"fmt"
	"log/slog"

	"github.com/cairn-badges/cairn/internal/app"
)

func runServe(e *env, args []string) error {
	cfg := app.ConfigFromEnv()
	fs := newFlags(e, "serve", "[--addr HOST:PORT] [--data DIR] [--base-url URL] [--offline]")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (CAIRN_ADDR)")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder, created on first run (CAIRN_DATA)")
	fs.StringVar(&cfg.BaseURL, "base-url", cfg.BaseURL, "public base URL (CAIRN_BASE_URL; default http://ADDR)")
	fs.BoolVar(&cfg.Offline, "offline", cfg.Offline, "the verifier never uses the network (CAIRN_OFFLINE)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("serve: unexpected argument %q", rest[0])
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	a, err := app.New(e.ctx, cfg, log)
	if err != nil {
		return usagef("serve: %v", err)
	}
	if a.FirstRun {
		fmt.Fprintf(e.stdout, `
First run: created an issuer key and a signed demo badge in %s.

  Open %s/ and press "Verify the demo badge now", or from another terminal:
    curl -s %s/demo/badge.png -o demo.png && go run ./cmd/cairn verify demo.png

`, cfg.DataDir, a.BaseURL(), a.BaseURL())
	} else {
		fmt.Fprintf(e.stdout, "Cairn is running at %s/ (data in %s)\n", a.BaseURL(), cfg.DataDir)
	}
	return a.Run(e.ctx)
}
