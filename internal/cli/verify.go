package cli

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/verify"
)

func runVerify(e *env, args []string) error {
	fs := newFlags(e, "verify", "[--json] [--resolve URL=PATH ...] [--offline] [--checkpoint FILE] [--log-key VKEY] [--witness VKEY] [--log-pins FILE] FILE|URL|-")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	offline := fs.Bool("offline", false, "never use the network (only --resolve answers URLs)")
	var resolves multiFlag
	fs.Var(&resolves, "resolve", "answer URL (or URL prefix ending in /) from a local file (or folder); repeatable")
	now := fs.String("now", "", "check validity dates at this time (RFC 3339) instead of now")
	timeout := fs.Duration("timeout", verify.DefaultTimeout, "give up on the whole verification after this long")
	var lf logFlags
	lf.register(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("verify: want one input: a file, a URL, or - for stdin")
	}
	fetcher, err := buildFetcher(resolves, *offline)
	if err != nil {
		return err
	}
	v := verify.New(fetcher)
	if err := lf.apply(v); err != nil {
		return err
	}
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return usagef("verify: --now %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", *now)
		}
		v.Now = func() time.Time { return t }
	}
	ctx, cancel := context.WithTimeout(e.ctx, *timeout)
	defer cancel()

	input := rest[0]
	var data []byte
	if strings.HasPrefix(input, "https://") || strings.HasPrefix(input, "http://") {
		if data, err = fetcher.Fetch(ctx, input); err != nil {
			return &exitError{code: ExitIndeterminate, msg: fmt.Sprintf("verify: %v", err)}
		}
	} else if data, err = readInput(e, input); err != nil {
		return err
	}
	rep := v.Verify(ctx, data)
	if *asJSON {
		if err := writeJSON(e, rep); err != nil {
			return err
		}
	} else {
		printReport(e, rep, "")
	}
	switch rep.Result {
	case verify.Verified:
		return nil
	case verify.Indeterminate:
		return &exitError{code: ExitIndeterminate}
	}
	return &exitError{code: ExitFailed}
}

// buildFetcher returns the fetcher for --resolve and --offline.
func buildFetcher(resolves []string, offline bool) (fetch.Fetcher, error) {
	var next fetch.Fetcher = fetch.Offline
	if !offline {
		next = loopbackHTTP(&fetch.HTTP{AllowLoopbackHTTP: true})
	}
	if len(resolves) == 0 {
		return next, nil
	}
	m := &fetch.Map{Entries: map[string]string{}, Next: next}
	for _, r := range resolves {
		url, path, err := fetch.ParseMapping(r)
		if err != nil {
			return nil, usagef("verify: --resolve %q: %v", r, err)
		}
		m.Entries[url] = path
	}
	return m, nil
}

// loopbackHTTP lets a development server on a loopback address be
// verified: a did:web always maps to an https URL, which a server on
// http://127.0.0.1:PORT cannot answer, so for loopback hosts only an https
// URL that fails is tried again over http. Other hosts stay https-only.
func loopbackHTTP(f fetch.Fetcher) fetch.Fetcher {
	return fetch.Func(func(ctx context.Context, raw string) ([]byte, error) {
		data, err := f.Fetch(ctx, raw)
		if err == nil || !strings.HasPrefix(raw, "https://") {
			return data, err
		}
		u, perr := url.Parse(raw)
		if perr != nil || !isLoopback(u.Hostname()) {
			return data, err
		}
		u.Scheme = "http"
		return f.Fetch(ctx, u.String())
	})
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

var marks = map[verify.Outcome]string{verify.Verified: "ok  ", verify.Failed: "FAIL", verify.Indeterminate: "??  "}

func printReport(e *env, r *verify.Report, indent string) {
	title := r.Name
	if title == "" {
		title = r.ID
	}
	fmt.Fprintf(e.stdout, "%s%s: %s\n", indent, strings.ToUpper(string(r.Result)), title)
	if r.Issuer != "" {
		fmt.Fprintf(e.stdout, "%s  issuer:  %s\n", indent, r.Issuer)
	}
	if r.Holder != "" {
		fmt.Fprintf(e.stdout, "%s  holder:  %s\n", indent, r.Holder)
	}
	if r.ID != "" && r.ID != title {
		fmt.Fprintf(e.stdout, "%s  id:      %s\n", indent, r.ID)
	}
	for _, c := range r.Checks {
		fmt.Fprintf(e.stdout, "%s  [%s] %-17s %s\n", indent, marks[c.Outcome], c.Name, c.Reason)
		for _, w := range c.Warnings {
			fmt.Fprintf(e.stdout, "%s         %-17s warning: %s\n", indent, "", w)
		}
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(e.stdout, "%s  warning: %s\n", indent, w)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(e.stdout, "%s  note:    %s\n", indent, n)
	}
	for _, in := range r.Inner {
		printReport(e, in, indent+"    ")
	}
	if len(r.Endorsements) > 0 {
		fmt.Fprintf(e.stdout, "%s  endorsements (each the endorser's statement; they do not change the result above):\n", indent)
		for _, en := range r.Endorsements {
			printReport(e, en, indent+"    ")
		}
	}
}
