package cli

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/cairn-badges/cairn/logserver"
	"github.com/cairn-badges/cairn/translog"
)

// Settings of log audit --credentials.
const (
	credentialWorkers       = 8    // credentials fetched at once
	defaultCredentialChecks = 1000 // --max-credentials
	credentialJWTSuffix     = ".jwt"
	credentialJWTMediaType  = "application/vc+jwt, text/plain;q=0.9"
)

// loggedCredential is what the log says last about one credential.
type loggedCredential struct {
	id     string
	index  uint64
	typ    translog.EventType
	digest [32]byte
}

// credentialAudit compares the credentials a log names with the bytes
// their issuer serves. The tree audit proves the log's events are the
// ones it committed to; it cannot see a credential whose stored bytes
// were changed behind the log, because the log only holds their digest.
// This check reads the credentials back and compares.
type credentialAudit struct {
	latest map[string]*loggedCredential
}

func newCredentialAudit() *credentialAudit {
	return &credentialAudit{latest: map[string]*loggedCredential{}}
}

// visit records one of the log's events; events come in index order, so
// the last one recorded for a credential is its latest.
func (c *credentialAudit) visit(r translog.Record) {
	lc := c.latest[r.Event.CredentialID]
	if lc == nil {
		lc = &loggedCredential{id: r.Event.CredentialID}
		c.latest[lc.id] = lc
	}
	lc.index, lc.typ, lc.digest = r.Index, r.Event.Type, r.Event.CredentialDigest
}

// credentialResult is the outcome of checking one credential.
type credentialResult struct {
	diverges bool
	problem  string // set when the credential could not be checked
}

// run fetches up to max credentials (those with an https id, or an http
// id on a loopback host), the most recently changed first, and compares
// them with the log, whose audited tree has size treeSize. It prints a
// line per credential that diverges or could not be checked and a
// summary, and returns the exit error: a divergence (exit 1) over an
// unchecked credential (exit 2).
func (c *credentialAudit) run(e *env, prefix string, treeSize uint64, max int) error {
	var todo []*loggedCredential
	skipped := 0
	for _, lc := range c.latest {
		if !fetchableCredential(lc.id) {
			skipped++
			continue
		}
		todo = append(todo, lc)
	}
	slices.SortFunc(todo, func(a, b *loggedCredential) int { return cmp.Compare(b.index, a.index) })
	total := len(todo)
	if len(todo) > max {
		todo = todo[:max]
	}
	results := make([]credentialResult, len(todo))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(credentialWorkers, len(todo)) {
		wg.Go(func() {
			for i := range next {
				results[i] = checkCredential(e.ctx, prefix, treeSize, todo[i])
			}
		})
	}
	for i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()

	diverged, unchecked := 0, 0
	for i, r := range results {
		lc := todo[i]
		switch {
		case r.diverges:
			diverged++
			fmt.Fprintf(e.stdout, "DIVERGENCE: credential %s: the bytes served differ from the log (latest event index %d, type %s)\n", lc.id, lc.index, lc.typ)
		case r.problem != "":
			unchecked++
			fmt.Fprintf(e.stdout, "UNCHECKED: credential %s: %s\n", lc.id, r.problem)
		}
	}
	if diverged == 0 && unchecked == 0 {
		fmt.Fprintf(e.stdout, "ok: %d credentials served as the log records them\n", len(todo))
	}
	if skipped > 0 {
		fmt.Fprintf(e.stderr, "cairn: %d credentials not checked: their ids are not https URLs (or http on a loopback host)\n", skipped)
	}
	if total > len(todo) {
		fmt.Fprintf(e.stderr, "cairn: checked the %d most recently changed of %d credentials in the log (--max-credentials)\n", len(todo), total)
	}
	switch {
	case diverged > 0:
		return &exitError{code: ExitFailed, msg: fmt.Sprintf("log audit: %d credentials served differ from the log", diverged)}
	case unchecked > 0:
		return &exitError{code: ExitIndeterminate, msg: fmt.Sprintf("log audit: %d credentials could not be checked", unchecked)}
	}
	return nil
}

// fetchableCredential reports whether a credential id is a URL the audit
// reads: https, or http on a loopback host (a development server), as
// elsewhere in the CLI.
func fetchableCredential(id string) bool {
	u, err := url.Parse(id)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	return u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname())
}

// checkCredential compares the credential served at lc.id with the digest
// of its latest event. The log digests the exact signed bytes: the Data
// Integrity JSON, served for Accept: application/vc+ld+json, or for a
// credential issued only as a VC-JWT the JWT, which Cairn serves at the id
// with ".jwt" appended; the JWT is read only when the JSON does not match.
func checkCredential(ctx context.Context, prefix string, treeSize uint64, lc *loggedCredential) credentialResult {
	served, err := logserver.FetchCredential(ctx, logClient, lc.id, "")
	if err != nil {
		return credentialResult{problem: fmt.Sprintf("cannot fetch it: %v", err)}
	}
	digests := [][32]byte{sha256.Sum256(served)}
	if digests[0] == lc.digest {
		return credentialResult{}
	}
	if u, _ := url.Parse(lc.id); u.RawQuery == "" && u.Fragment == "" && !strings.HasSuffix(u.Path, "/") {
		jwt, err := logserver.FetchCredential(ctx, logClient, lc.id+credentialJWTSuffix, credentialJWTMediaType)
		var se *logserver.StatusError
		switch {
		case err == nil:
			digests = append(digests, sha256.Sum256(jwt))
			if digests[1] == lc.digest {
				return credentialResult{}
			}
		case errors.As(err, &se) && se.Code == 404:
			// Not issued as a JWT: the JSON is what the log digests.
		default:
			return credentialResult{problem: fmt.Sprintf("the JSON served does not match the log, and its VC-JWT cannot be fetched: %v", err)}
		}
	}
	if why := changedSince(ctx, prefix, treeSize, lc.id, digests); why != "" {
		return credentialResult{problem: why}
	}
	return credentialResult{diverges: true}
}

// changedSince tells a credential re-signed after the audited checkpoint
// (the log appends its event within seconds) from one whose bytes were
// changed behind the log: it asks the log's lookup whether it holds, or
// is about to hold, a later event about the credential with one of the
// digests served. It returns why the credential cannot be judged yet, or
// "" if the log knows of no such change. The lookup's word is not
// checked: it can only turn a divergence into "audit again", never into a
// pass, and the next audit checks the events it names.
func changedSince(ctx context.Context, prefix string, treeSize uint64, id string, digests [][32]byte) string {
	b, err := logserver.FetchCredential(ctx, logClient, prefix+"/lookup/"+url.PathEscape(id), "application/json")
	if err != nil {
		return ""
	}
	var lr translog.LookupResponse
	if json.Unmarshal(b, &lr) != nil {
		return ""
	}
	if lr.Pending {
		return "it changed after the audited checkpoint and its event is not yet under a checkpoint: audit again"
	}
	for _, le := range lr.Entries {
		ev, err := translog.ParseEvent(le.Entry)
		if err != nil || le.Index < treeSize || ev.CredentialID != id {
			continue
		}
		for _, d := range digests {
			if ev.CredentialDigest == d {
				return fmt.Sprintf("it changed after the audited checkpoint of size %d (event at index %d): audit again", treeSize, le.Index)
			}
		}
	}
	return ""
}
