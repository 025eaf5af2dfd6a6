// Package app wires Cairn together: configuration, the data folder, the
// verifier and the HTTP server. It is the only package that knows them all;
// cmd/cairn calls New and Run, and end-to-end tests boot the same App on
// 127.0.0.1:0 with a temporary data folder.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/web"
)

// Config is read once, from CAIRN_* variables and flags.
type Config struct {
	Addr    string // listen address, e.g. 127.0.0.1:8080 (CAIRN_ADDR)
	BaseURL string // public base URL (CAIRN_BASE_URL); default http://Addr
	DataDir string // data folder (CAIRN_DATA); created on first run
	Offline bool   // the verifier never uses the network (CAIRN_OFFLINE)
}

// ConfigFromEnv returns the configuration given by the environment, with
// defaults for what it does not set.
func ConfigFromEnv() Config {
	c := Config{Addr: "127.0.0.1:8080", DataDir: "cairn-data"}
	if v := os.Getenv("CAIRN_ADDR"); v != "" {
		c.Addr = v
	}
	if v := os.Getenv("CAIRN_DATA"); v != "" {
		c.DataDir = v
	}
	c.BaseURL = os.Getenv("CAIRN_BASE_URL")
	c.Offline = os.Getenv("CAIRN_OFFLINE") == "1" || os.Getenv("CAIRN_OFFLINE") == "true"
	return c
}

// App is a running Cairn instance.
type App struct {
	cfg      Config
	log      *slog.Logger
	listener net.Listener
	server   *http.Server
	// FirstRun is true when New created the data folder's contents.
	FirstRun bool
	// Demo is the demo badge created on the first run.
	Demo *web.Demo
}

// New prepares the data folder (creating the issuer key and the demo badge
// on the first run) and listens on cfg.Addr. Run serves.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", cfg.DataDir, err)
	}
	a := &App{cfg: cfg, log: log}
	demo, created, err := loadOrCreateDemo(ctx, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data folder %s: %w", cfg.DataDir, err)
	}
	a.Demo, a.FirstRun = demo, created

	var f fetch.Fetcher = fetch.Offline
	if !cfg.Offline {
		f = &fetch.HTTP{}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ready") })
	h := &web.Handler{Verifier: verify.New(f), Demo: demo, Log: log}
	h.Register(mux)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	a.listener = ln
	if a.cfg.BaseURL == "" {
		a.cfg.BaseURL = "http://" + ln.Addr().String()
	}
	a.server = &http.Server{
		Handler:           logRequests(log, mux),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	return a, nil
}

// BaseURL is the URL the instance is reachable at.
func (a *App) BaseURL() string { return a.cfg.BaseURL }

// Run serves until ctx is done, then shuts down gracefully.
func (a *App) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- a.server.Serve(a.listener) }()
	a.log.Info("serving", "url", a.cfg.BaseURL, "data", a.cfg.DataDir)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return a.Close()
}

// Close stops the server, waiting up to 10 seconds for requests in flight.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.server.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// DataPath returns the path of name in the data folder.
func (a *App) DataPath(name string) string { return filepath.Join(a.cfg.DataDir, name) }

func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		log.Debug("request", "method", r.Method, "path", r.URL.Path, "duration", time.Since(start))
	})
}
