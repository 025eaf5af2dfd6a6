package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn/logserver"
	"github.com/cairn-badges/cairn/translog"
)

const logSynopsis = `audit --checkpoint FILE [--update] [--key VKEY] [--credentials [--max-credentials N]] URL
       cairn log monitor [--issuer DID] [--interval 30s] [--checkpoint FILE] [--key VKEY] [--credentials [--max-credentials N]] URL

URL is a Cairn server's base URL or its log's prefix (…/log).

audit downloads the log (checkpoint, entry bundles, tiles), recomputes the
tree, checks it against the log's signed checkpoint and against the
checkpoint saved in FILE by an earlier audit, and reports the first
divergence. --update saves the log's checkpoint in FILE when the tree
checks pass. The log key is --key, else FILE.vkey (saved by the first --update),
else the key the log serves (trusted on first use, with a warning).

The tree checks prove what the log committed to, not that the issuer
still serves what it logged: an event holds only the digest of the
credential's signed bytes, so a credential rewritten in the issuer's
database leaves the log intact. --credentials then fetches every
credential the log names (its id, with Accept: application/vc+ld+json;
the .jwt beside it for a JWT-only credential), up to --max-credentials,
the most recently changed first, and compares its SHA-256 with the digest
of the credential's latest event. A credential served with other bytes is
a divergence (exit 1); one that cannot be fetched makes the audit
indeterminate (exit 2).

monitor audits the log every --interval until interrupted, and prints the
events appended since the last round (one issuer's with --issuer).`

func runLog(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("log: want a subcommand: audit or monitor (cairn log -h)")
	}
	switch args[0] {
	case "audit":
		return runLogAudit(e, args[1:])
	case "monitor":
		return runLogMonitor(e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintf(e.stderr, "Usage: cairn log %s\n", logSynopsis)
		return nil
	}
	return usagef("log: unknown subcommand %q (want audit or monitor)", args[0])
}

// logPrefix returns the log's prefix URL from a server or log URL.
func logPrefix(raw string) (string, error) {
	u := strings.TrimRight(raw, "/")
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return "", usagef("log: %q is not an http(s) URL", raw)
	}
	if !strings.HasSuffix(u, "/log") {
		u += "/log"
	}
	return u, nil
}

// logClient is how the log commands reach a log.
var logClient = &http.Client{Timeout: 30 * time.Second}

// logKey returns the log's verifier: --key, else the key pinned in
// checkpointFile.vkey, else the one the log serves. pin is the vkey to
// save beside the checkpoint ("" when it is already pinned or given).
func logKey(e *env, flagKey, checkpointFile string, fetch translog.Fetcher) (v note.Verifier, pin string, err error) {
	vkey := strings.TrimSpace(flagKey)
	if vkey == "" && checkpointFile != "" {
		if b, err := os.ReadFile(checkpointFile + ".vkey"); err == nil {
			vkey = strings.TrimSpace(string(b))
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, "", usagef("log: %v", err)
		}
	}
	if vkey == "" {
		b, err := fetch(e.ctx, "key")
		if err != nil {
			return nil, "", &exitError{code: ExitIndeterminate, msg: fmt.Sprintf("log: cannot get the log's key: %v", err)}
		}
		vkey = strings.TrimSpace(string(b))
		pin = vkey
		fmt.Fprintf(e.stderr, "cairn: trusting the key the log serves on first use: %s (pin it with --key)\n", vkey)
	}
	v, err = note.NewVerifier(vkey)
	if err != nil {
		return nil, "", usagef("log: bad log key %q: %v", vkey, err)
	}
	return v, pin, nil
}

// readSaved returns the checkpoint saved in file, nil if there is none.
func readSaved(file string) ([]byte, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, usagef("log: %v", err)
	}
	return b, nil
}

// writeFileAtomic replaces file with b, never leaving it half written.
func writeFileAtomic(file string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".cairn-checkpoint-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

func runLogAudit(e *env, args []string) error {
	fs := newFlags(e, "log audit", logSynopsis)
	file := fs.String("checkpoint", "", "file holding the checkpoint saved by the last audit (required)")
	update := fs.Bool("update", false, "save the log's checkpoint in the file when the audit passes")
	key := fs.String("key", "", "the log's note verifier key (default: FILE.vkey, else the key the log serves)")
	creds := fs.Bool("credentials", false, "also fetch the credentials the log names and compare them with their latest event")
	maxCreds := fs.Int("max-credentials", defaultCredentialChecks, "with --credentials, check at most this many credentials, the most recently changed first")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || *file == "" {
		return usagef("log audit: want --checkpoint FILE and one URL")
	}
	if *maxCreds < 1 {
		return usagef("log audit: --max-credentials must be positive")
	}
	prefix, err := logPrefix(rest[0])
	if err != nil {
		return err
	}
	fetch := logserver.Fetcher(logClient, prefix)
	v, pin, err := logKey(e, *key, *file, fetch)
	if err != nil {
		return err
	}
	saved, err := readSaved(*file)
	if err != nil {
		return err
	}
	a := &translog.Auditor{Fetch: fetch, LogKey: v}
	ca := newCredentialAudit()
	if *creds {
		a.Visit = func(r translog.Record) error { ca.visit(r); return nil }
	}
	res, err := a.Audit(e.ctx, saved)
	if err != nil {
		return auditError(e, err)
	}
	c := res.Checkpoint
	if saved == nil {
		fmt.Fprintf(e.stdout, "ok: log %s, %d entries, root %x; no saved checkpoint to compare with\n", c.Origin, c.Size, c.Hash)
	} else {
		old, _, _ := translog.OpenCheckpoint(saved, v)
		fmt.Fprintf(e.stdout, "ok: log %s, %d entries, root %x; extends the saved checkpoint of %d entries\n", c.Origin, c.Size, c.Hash, old.Size)
	}
	var cerr error
	if *creds {
		// The tree passed, so its checkpoint is saved even when a
		// credential diverges: that is the issuer's doing, not the log's,
		// and the next audit checks the credentials again.
		cerr = ca.run(e, prefix, c.Size, *maxCreds)
	}
	if *update {
		if err := writeFileAtomic(*file, res.Note); err != nil {
			return fmt.Errorf("log audit: saving the checkpoint: %w", err)
		}
		if pin != "" {
			if err := writeFileAtomic(*file+".vkey", []byte(pin+"\n")); err != nil {
				return fmt.Errorf("log audit: saving the log key: %w", err)
			}
		}
	}
	return cerr
}

// auditError reports a failed audit: a fork or divergence is a failure
// (exit 1) with the evidence on stdout; a log that cannot be reached makes
// the audit indeterminate (exit 2).
func auditError(e *env, err error) error {
	var fork *translog.ForkError
	var div *translog.DivergenceError
	var fe *translog.FetchError
	var se *logserver.StatusError
	var ne net.Error
	switch {
	case errors.As(err, &div):
		fmt.Fprintf(e.stdout, "DIVERGENCE: %s\n", strings.TrimPrefix(div.Error(), "translog: "))
		if div.Fork != nil {
			printFork(e, div.Fork)
		}
		return &exitError{code: ExitFailed, msg: "log audit: the log diverges"}
	case errors.As(err, &fork):
		fmt.Fprintf(e.stdout, "FORK: the log signed two checkpoints of size %d with different roots (%x, %x)\n", fork.A.Size, fork.A.Hash, fork.B.Hash)
		printFork(e, fork)
		return &exitError{code: ExitFailed, msg: "log audit: the log forked"}
	case errors.As(err, &fe) && errors.As(fe.Err, &se) && !transientStatus(se.Code):
		// The checkpoint commits to data the log does not serve.
		them := "them"
		if fe.End == fe.Start+1 {
			them = "it"
		}
		d := &translog.DivergenceError{Start: fe.Start, End: fe.End, Path: fe.Path,
			Reason: fmt.Sprintf("the log's checkpoint covers %[1]s and the log does not serve %[1]s (HTTP %[2]d)", them, se.Code)}
		fmt.Fprintf(e.stdout, "DIVERGENCE: %s\n", strings.TrimPrefix(d.Error(), "translog: "))
		return &exitError{code: ExitFailed, msg: "log audit: the log diverges"}
	case errors.As(err, &se) || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded):
		return &exitError{code: ExitIndeterminate, msg: fmt.Sprintf("log audit: cannot reach the log: %v", err)}
	}
	return &exitError{code: ExitFailed, msg: fmt.Sprintf("log audit: %v", err)}
}

// transientStatus reports whether an HTTP status says the server is busy
// or a proxy could not reach it, rather than that it cannot serve a
// resource: the audit is then indeterminate, not failed.
func transientStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func printFork(e *env, f *translog.ForkError) {
	fmt.Fprintf(e.stdout, "Evidence (both signed by the log's key):\n\n%s\n%s", f.NoteA, f.NoteB)
}

func runLogMonitor(e *env, args []string) error {
	fs := newFlags(e, "log monitor", logSynopsis)
	issuer := fs.String("issuer", "", "print only this issuer's events (its DID)")
	interval := fs.Duration("interval", 30*time.Second, "time between rounds")
	file := fs.String("checkpoint", "", "file to start from and keep the latest audited checkpoint in (optional)")
	key := fs.String("key", "", "the log's note verifier key (default: FILE.vkey, else the key the log serves)")
	rounds := fs.Int("rounds", 0, "stop after this many rounds (0: until interrupted)")
	creds := fs.Bool("credentials", false, "every round, also fetch the credentials the log names and compare them with their latest event")
	maxCreds := fs.Int("max-credentials", defaultCredentialChecks, "with --credentials, check at most this many credentials a round, the most recently changed first")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("log monitor: want one URL")
	}
	if *maxCreds < 1 {
		return usagef("log monitor: --max-credentials must be positive")
	}
	if *interval <= 0 {
		return usagef("log monitor: --interval must be positive")
	}
	prefix, err := logPrefix(rest[0])
	if err != nil {
		return err
	}
	fetch := logserver.Fetcher(logClient, prefix)
	v, pin, err := logKey(e, *key, *file, fetch)
	if err != nil {
		return err
	}
	saved, err := readSaved(*file)
	if err != nil {
		return err
	}
	var from uint64
	if saved != nil {
		c, _, err := translog.OpenCheckpoint(saved, v)
		if err != nil {
			return usagef("log monitor: saved checkpoint: %v", err)
		}
		from = c.Size
	}
	for round := 1; ; round++ {
		ca := newCredentialAudit()
		a := &translog.Auditor{Fetch: fetch, LogKey: v, Visit: func(r translog.Record) error {
			if *creds {
				ca.visit(r)
			}
			if r.Index < from || (*issuer != "" && r.Event.Issuer != *issuer) {
				return nil
			}
			fmt.Fprintf(e.stdout, "%d %s %s %s %s sha256:%x\n", r.Index, r.Event.Time.UTC().Format(time.RFC3339),
				r.Event.Type, r.Event.Issuer, r.Event.CredentialID, r.Event.CredentialDigest)
			return nil
		}}
		res, err := a.Audit(e.ctx, saved)
		switch {
		case err == nil:
			if !bytes.Equal(res.Note, saved) {
				saved, from = res.Note, res.Checkpoint.Size
				if *file != "" {
					if err := writeFileAtomic(*file, saved); err != nil {
						return fmt.Errorf("log monitor: saving the checkpoint: %w", err)
					}
					if pin != "" {
						writeFileAtomic(*file+".vkey", []byte(pin+"\n"))
						pin = ""
					}
				}
			}
			if *creds {
				cerr := ca.run(e, prefix, res.Checkpoint.Size, *maxCreds)
				var ee *exitError
				if errors.As(cerr, &ee) && ee.code == ExitIndeterminate {
					// Credentials that cannot be fetched are tried again.
					fmt.Fprintf(e.stderr, "cairn: %s\n", ee.msg)
				} else if cerr != nil {
					return cerr
				}
			}
		case e.ctx.Err() != nil:
			return nil
		default:
			aerr := auditError(e, err)
			var ee *exitError
			if errors.As(aerr, &ee) && ee.code == ExitIndeterminate {
				// A log that is down for a round is retried.
				fmt.Fprintf(e.stderr, "cairn: %s\n", ee.msg)
				break
			}
			return aerr
		}
		if *rounds > 0 && round >= *rounds {
			return nil
		}
		select {
		case <-e.ctx.Done():
			return nil
		case <-time.After(*interval):
		}
	}
}
