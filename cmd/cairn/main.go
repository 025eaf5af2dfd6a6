// Command cairn issues, signs, verifies and bakes Open Badges 3.0 credentials.
//
// Run "cairn help" for the subcommands. The work is done in internal/cli so
// that tests can drive the same code the binary runs.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/cairn-badges/cairn/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
