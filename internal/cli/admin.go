package cli

import (
	"fmt"

	cairnerr "github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/team"
)

// runAdmin runs operator commands on the data folder or database directly:
// admin reset-password EMAIL.
func runAdmin(e *env, args []string) error {
	if len(args) == 0 || args[0] != "reset-password" {
		return usagef("admin: want a subcommand: reset-password EMAIL")
	}
	cfg := app.ConfigFromEnv()
	fs := serveFlags(e, "admin reset-password", "[--data DIR] [--database-url URL] EMAIL", &cfg)
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("admin reset-password: %v", err)
	}
	if fs.NArg() != 1 {
		return usagef("admin reset-password: want one EMAIL, the staff account's")
	}
	url := cfg.DatabaseURL
	if url == "" {
		url = cfg.DataDir + "/cairn.db"
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	db, err := store.Open(e.ctx, url)
	if err != nil {
		return usagef("admin reset-password: %v", err)
	}
	defer db.Close()
	if _, err := db.Migrate(e.ctx); err != nil {
		return fmt.Errorf("admin reset-password: %w", err)
	}
	link, err := team.New(db, cfg.BaseURL, team.Options{}).ResetLink(e.ctx, fs.Arg(0))
	switch {
	case err == nil:
	case cairnerr.KindOf(err) == cairnerr.NotFound:
		return fmt.Errorf("admin reset-password: no staff account has the email %s", fs.Arg(0))
	case cairnerr.KindOf(err) == cairnerr.Invalid:
		return fmt.Errorf("admin reset-password: %s", cairnerr.PublicMessage(err))
	default:
		return fmt.Errorf("admin reset-password: %w", err)
	}
	fmt.Fprintf(e.stdout, "Open this link to set a new password for %s (it works once, for %d minutes):\n%s\n",
		fs.Arg(0), int(team.PasswordResetTTL.Minutes()), link)
	return nil
}
