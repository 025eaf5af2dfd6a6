// Package cli implements the cairn command line: keys, sign, verify, bake,
// unbake, event and serve. Run is the whole program; main only wires signals and
// the process's standard streams to it, so tests drive exactly what users run.
//
// Exit codes are part of the interface: 0 success (verify: verified),
// 1 failed (verify: failed), 2 indeterminate (verify only), 3 usage or input
// errors. Every error is one line on stderr, prefixed with "cairn: ".
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes.
const (
	ExitOK            = 0
	ExitFailed        = 1
	ExitIndeterminate = 2
	ExitUsage         = 3
)

// usageError marks an error caused by how the command was called or by its
// input; it maps to ExitUsage.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitError carries a specific exit code with an optional message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// env is what a subcommand may touch: streams and the context.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the Cairn server", runServe},
		{"migrate", "apply database migrations (serve does it too)", runMigrate},
		{"backup", "back up the database while it serves (backup --out FILE)", runBackup},
		{"restore", "restore a backup into a data folder (restore --in FILE)", runRestore},
		{"keys", "create keys and DID documents (keys new, did-web); rotate the master key (keys rotate-master)", runKeys},
		{"sign", "sign a credential (Data Integrity or VC-JWT)", runSign},
		{"verify", "verify a credential: JSON, JWT or baked PNG/SVG, from a file, URL or stdin", runVerify},
		{"bake", "bake a credential into a PNG or SVG badge image", runBake},
		{"unbake", "extract the credential baked into a PNG or SVG image", runUnbake},
		{"event", "send a completion event to a server; its rules award achievements (event --server URL --key KEY …)", runEvent},
		{"pathway", "check a pathway rule's form offline (pathway check RULE.json)", runPathway},
		{"learner", "a learner's wallet on a server: signup, login, verify-email, did-add, claim, credentials, export, delete", runLearner},
		{"lti", "connected LMS courses (LTI 1.3): list them, or read their gradebooks now (lti courses|poll --server URL --key KEY [--course ID])", runLTI},
		{"award-job", "issue awards from a CSV or XLSX file on a server (award-job --server URL --key KEY FILE)", runAwardJob},
		{"log", "audit or monitor a transparency log (log audit, log monitor)", runLog},
		{"admin", "operator commands on the database (admin reset-password EMAIL: a link to set a new password)", runAdmin},
		{"mail-test", "send a test mail through CAIRN_SMTP_URL (mail-test --to ADDRESS)", runMailTest},
		{"witness", "run a witness that cosigns Cairn logs' checkpoints", runWitness},
	}
}

// Run runs the cairn command line with args (without the program name) and
// returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(stderr, c.run(e, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "cairn: unknown command %q (run \"cairn help\")\n", args[0])
	return ExitUsage
}

func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(stderr, "cairn: %s\n", oneLine(ee.msg))
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "cairn: %s\n", oneLine(err.Error()))
	var ue *usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailed
}

// oneLine keeps error output to a single readable line.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.ReplaceAll(s, "\n", "; ")
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "cairn: digital badges and micro-credentials (Open Badges 3.0)")
	fmt.Fprintln(w, "\nUsage: cairn COMMAND [flags] [args]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"cairn COMMAND -h\" for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 ok/verified, 1 failed, 2 indeterminate, 3 usage or input error.")
}

// newFlags returns a FlagSet whose errors are reported as one-line usage
// errors; -h prints the synopsis and flags to stderr.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("cairn "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: cairn %s %s\n", name, synopsis)
		fs.SetOutput(e.stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args, turning flag errors into usage errors. Flags may
// come before or after positional arguments.
// parseNoArgs is parseFlags for a command that takes flags only: a
// positional argument is a usage error naming it.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("%s: unexpected argument %q", strings.TrimPrefix(fs.Name(), "cairn "), rest[0])
	}
	return nil
}

func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	usage := fs.Usage
	fs.Usage = func() {} // the flag package calls it on every error
	defer func() { fs.Usage = usage }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, err
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
