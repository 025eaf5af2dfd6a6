package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/proof"
	"github.com/cairn-badges/cairn/translog"
)

// The transparency log check
//
// A Cairn issuer appends every issuance, re-issue and status change to its
// transparency log (package translog), an append-only Merkle tree whose
// signed checkpoints anyone can check. The log check asks the issuer's log
// about the credential and proves the answer:
//
//   - Where: a Cairn credential's id is {base}/credentials/{id} and its
//     log is {base}/log; for other http(s) ids the log would be at
//     {origin}/log. The check fetches {log}/lookup/{escaped credential id}
//     (one fetch, through the Verifier's Fetcher). A 404 there means the
//     issuer runs no log, and the check is left out of the report, not
//     failed; ids that are not http(s) URLs (urn:uuid:…) fetch nothing.
//     When the lookup cannot be made (offline, network error), the check
//     is indeterminate for a credential shaped like a Cairn one (id
//     {base}/credentials/…, issuer did:web:{host}:issuers:…) or of a log
//     the verifier knows (key or checkpoint), and left out for others.
//   - What is proven: an entry of the log whose credential id is the
//     credential's and whose digest is the SHA-256 of the exact bytes
//     presented (the signed JSON; for a VC-JWT the compact token), with an
//     inclusion proof (RFC 9162 §2.1.3) against a checkpoint signed by the
//     log key (https://c2sp.org/tlog-checkpoint).
//   - Which key: a key in [Verifier.LogKeys] named as the checkpoint's
//     origin; else the key pinned for that log in [Verifier.LogPins]; else
//     the key the log serves at {log}/key, which is then pinned. That last
//     case is trust on first use: the first answer is trusted as much as
//     the HTTPS connection that brought it, and from then on a log that
//     changes its key fails the check. Give LogKeys (cairn verify
//     --log-key) to trust no first answer.
//   - Against what history: each checkpoint in [Verifier.LogCheckpoints]
//     (saved earlier, e.g. by cairn log audit) of the same log must be
//     consistent with the one the log answers with: the same root at the
//     same size, or a consistency proof (RFC 9162 §2.1.4) fetched from
//     {log}/proof/consistency. And every witness in [Verifier.LogWitnesses]
//     must have cosigned the checkpoint (https://c2sp.org/tlog-cosignature),
//     so that the log cannot show this verifier a history it hides from
//     others.
//
// Outcomes: Verified as above. Failed when the log answers that it has no
// entry about the credential, or entries none of whose digests is the
// presented bytes' (the credential was rewritten after it was logged, or
// never issued by this log), when the latest logged event is a revocation
// or suspension, or when a signature or proof does not check. Indeterminate
// when the log cannot be reached, or its events about the credential are
// not yet under a signed checkpoint.

// LogKeyPins remembers the log keys a Verifier trusted on first use, by log
// URL ({base}/log). Implementations must be safe for concurrent use.
type LogKeyPins interface {
	// LogKey returns the note verifier key pinned for the log at logURL,
	// or "" if none is.
	LogKey(logURL string) (string, error)
	// PinLogKey pins vkey for the log at logURL.
	PinLogKey(logURL, vkey string) error
}

// MemoryPins is a LogKeyPins kept in memory. The zero value is ready.
type MemoryPins struct {
	mu   sync.Mutex
	keys map[string]string
}

// LogKey implements LogKeyPins.
func (m *MemoryPins) LogKey(logURL string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keys[logURL], nil
}

// PinLogKey implements LogKeyPins.
func (m *MemoryPins) PinLogKey(logURL, vkey string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = make(map[string]string)
	}
	m.keys[logURL] = vkey
	return nil
}

// LogURL returns where the transparency log of the issuer of the
// credential with id credentialID would be: {base}/log for a Cairn
// credential id {base}/credentials/{id}, {origin}/log for another http(s)
// URL, and "" for an id that is not an http(s) URL.
func LogURL(credentialID string) string {
	u, err := url.Parse(credentialID)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	base := u.Scheme + "://" + u.Host
	if i := strings.LastIndex(u.EscapedPath(), "/credentials/"); i >= 0 {
		base += u.EscapedPath()[:i]
	}
	return base + "/log"
}

// logAnswer is what checkLog learned, for the report.
type logOutcome struct {
	o      Outcome
	reason Message
	warn   []Message
}

func logResult(o Outcome, format string, args ...any) *logOutcome {
	return &logOutcome{o: o, reason: msg(format, args...)}
}

// checkLog adds the transparency log check for the credential cred whose
// presented bytes are signed (one of them, when there are several
// spellings: trimmed and as given), or nothing when its issuer runs no log.
func (r *run) checkLog(ctx context.Context, rep *Report, cred map[string]any, signed [][]byte) {
	id := stringField(cred, "id")
	logURL := LogURL(id)
	if logURL == "" || len(signed) == 0 {
		return
	}
	res := r.lookupLog(ctx, logURL, id, cairnShaped(id, proof.IssuerID(cred)), rep.Format != "ldp_vc", signed)
	if res == nil {
		return
	}
	if res.o != "" {
		rep.addMessages(CheckLog, res.o, res.reason)
	}
	for _, w := range res.warn {
		rep.warnMessage(w)
	}
}

// known reports whether the verifier already knows the log at logURL (a
// pinned key or a saved checkpoint): then a missing log is suspicious,
// not a sign that the issuer runs none.
func (r *run) knownLog(logURL string) bool {
	if vkey, _ := r.v.pins().LogKey(logURL); vkey != "" {
		return true
	}
	origin := strings.TrimPrefix(strings.TrimPrefix(logURL, "https://"), "http://")
	for _, k := range r.v.LogKeys {
		if k.Name() == origin {
			return true
		}
	}
	for _, c := range r.v.LogCheckpoints {
		if o, err := checkpointOrigin(c); err == nil && o == origin {
			return true
		}
	}
	return false
}

// cairnShaped reports whether a credential looks issued by a Cairn server:
// id {base}/credentials/{id} and issuer did:web:{base host and path}:issuers:{id}.
// When such a credential's log cannot be reached the check is
// indeterminate; for other credentials it is left out, since most issuers
// run no log and offline verification must not suffer for it.
func cairnShaped(id, issuer string) bool {
	u, err := url.Parse(id)
	if err != nil {
		return false
	}
	i := strings.LastIndex(u.Path, "/credentials/")
	if i < 0 {
		return false
	}
	var b strings.Builder
	b.WriteString("did:web:")
	b.WriteString(strings.ReplaceAll(u.Host, ":", "%3A"))
	for _, seg := range strings.Split(u.Path[:i], "/") {
		if seg != "" {
			b.WriteString(":" + url.PathEscape(seg))
		}
	}
	b.WriteString(":issuers:")
	return strings.HasPrefix(issuer, b.String())
}

func (r *run) lookupLog(ctx context.Context, logURL, id string, cairn, jwt bool, signed [][]byte) *logOutcome {
	lookupURL := logURL + "/lookup/" + url.PathEscape(id)
	data, err := r.fetcher.Fetch(ctx, lookupURL)
	if errors.Is(err, fetch.ErrNotFound) && !r.knownLog(logURL) {
		return nil // no log at that address: the issuer runs none
	}
	if err != nil && !cairn && !r.knownLog(logURL) {
		return nil // unreachable, and nothing says the issuer runs a log
	}
	if err != nil {
		return logResult(Indeterminate, "the issuer's transparency log at %s could not be reached (%v), so the credential's inclusion is unknown", logURL, err)
	}
	var lr translog.LookupResponse
	if err := json.Unmarshal(data, &lr); err != nil || lr.Checkpoint == "" {
		if !r.knownLog(logURL) {
			return nil // not a Cairn log (a site answering every path)
		}
		return logResult(Failed, "the transparency log at %s answered a lookup with something that is not a log lookup", logURL)
	}

	key, keyHow, res := r.logKey(ctx, logURL, []byte(lr.Checkpoint))
	if res != nil {
		return res
	}
	cp, n, err := translog.OpenCheckpoint([]byte(lr.Checkpoint), key, r.v.LogWitnesses...)
	if err != nil {
		return logResult(Failed, "the checkpoint of the transparency log at %s does not verify with the log key (%s): %v", logURL, keyHow, err)
	}
	for _, w := range r.v.LogWitnesses {
		if !hasSig(n, w) {
			return logResult(Indeterminate, "the transparency log's checkpoint (size %d) is not cosigned by the required witness %s; try again once it has been witnessed", cp.Size, w.Name())
		}
	}
	if res := r.checkSaved(ctx, logURL, key, cp); res != nil {
		return res
	}

	digests := make([][32]byte, len(signed))
	for i, s := range signed {
		digests[i] = sha256.Sum256(s)
	}
	var (
		match, latest *translog.LookupEntry
		latestEvent   translog.Event
		matchPending  bool
		included      int
	)
	for i := range lr.Entries {
		e := &lr.Entries[i]
		ev, err := translog.ParseEvent(e.Entry)
		if err != nil {
			return logResult(Failed, "the transparency log at %s served entry %d that does not parse: %v", logURL, e.Index, err)
		}
		if ev.CredentialID != id {
			return logResult(Failed, "the transparency log at %s answered a lookup of %s with entry %d about %s", logURL, id, e.Index, ev.CredentialID)
		}
		isMatch := false
		for _, d := range digests {
			isMatch = isMatch || ev.CredentialDigest == d
		}
		if e.Index >= cp.Size || !e.Included {
			matchPending = matchPending || isMatch
			continue
		}
		if err := translog.VerifyInclusion(cp, e.Index, e.Entry, e.InclusionProof); err != nil {
			return logResult(Failed, "the transparency log at %s served an inclusion proof for entry %d that does not verify against its signed checkpoint: %v", logURL, e.Index, err)
		}
		included++
		if latest == nil || e.Index > latest.Index {
			latest, latestEvent = e, ev
		}
		if isMatch && (match == nil || e.Index > match.Index) {
			match = e
		}
	}
	revoked := latest != nil && (latestEvent.Type == translog.Revoked || latestEvent.Type == translog.Suspended)
	switch {
	case match == nil && matchPending:
		return logResult(Indeterminate, "the issuer's transparency log has accepted this credential but not yet included it under a signed checkpoint; try again in a few seconds")
	case included == 0 && lr.Pending:
		return logResult(Indeterminate, "the issuer's transparency log has events about this credential that are not yet under a signed checkpoint; try again in a few seconds")
	case included == 0:
		return logResult(Failed, "the issuer's transparency log at %s has no entry for this credential (checkpoint of %d entries): the issuer did not log it", logURL, cp.Size)
	case revoked && (match != nil || jwt):
		return logResult(Failed, "the issuer's transparency log records that this credential was %s (entry %d, %s; checkpoint of %d entries)", latestEvent.Type, latest.Index, latest.Time, cp.Size)
	case match == nil && jwt:
		// An award issued as both Data Integrity JSON and VC-JWT is
		// logged with the digest of its JSON only: a JWT that matches no
		// digest may be that second signature. Its inclusion is neither
		// claimed nor denied.
		return &logOutcome{warn: []Message{msg("the issuer's transparency log records this credential (entry %d, checkpoint of %d entries) with the digest of another signed form, probably its Data Integrity JSON: these VC-JWT bytes cannot be checked against the log", latest.Index, cp.Size)}}
	case match == nil:
		return logResult(Failed, "the issuer's transparency log records %d event(s) about this credential, none of them for these bytes (sha256:%s): the credential was changed after it was logged", included, hex.EncodeToString(digests[0][:]))
	}
	pending := ""
	if lr.Pending {
		pending = "; newer events about it are accepted but not yet under a signed checkpoint"
	}
	out := logResult(Verified, "included in the issuer's transparency log at index %d (checkpoint of %d entries; log %s, %s)%s", match.Index, cp.Size, cp.Origin, keyHow, pending)
	if latest.Index > match.Index && !slices.Contains(digests, latestEvent.CredentialDigest) {
		out.warn = append(out.warn, msg("the issuer re-signed this credential since (log entry %d, %s): a newer version exists", latest.Index, latestEvent.Type))
	}
	return out
}

// logKey returns the verifier of the log key and how it is trusted, or
// the outcome when it cannot be had.
func (r *run) logKey(ctx context.Context, logURL string, checkpoint []byte) (note.Verifier, string, *logOutcome) {
	origin, err := checkpointOrigin(checkpoint)
	if err != nil {
		return nil, "", logResult(Failed, "the transparency log at %s served a malformed checkpoint: %v", logURL, err)
	}
	for _, k := range r.v.LogKeys {
		if k.Name() == origin {
			return k, "log key given to the verifier", nil
		}
	}
	pins := r.v.pins()
	vkey, err := pins.LogKey(logURL)
	if err != nil {
		return nil, "", logResult(Indeterminate, "the pinned key of the transparency log at %s cannot be read: %v", logURL, err)
	}
	how := "log key pinned on first use"
	if vkey == "" {
		b, err := r.fetcher.Fetch(ctx, logURL+"/key")
		if err != nil {
			return nil, "", logResult(Indeterminate, "the key of the issuer's transparency log could not be fetched from %s/key (%v)", logURL, err)
		}
		vkey = strings.TrimSpace(string(b))
		if _, err := note.NewVerifier(vkey); err != nil {
			return nil, "", logResult(Failed, "%s/key is not a note verifier key: %v", logURL, err)
		}
		if err := pins.PinLogKey(logURL, vkey); err != nil {
			return nil, "", logResult(Indeterminate, "the key of the transparency log at %s cannot be pinned: %v", logURL, err)
		}
		how = "log key fetched from " + logURL + "/key and trusted on first use"
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, "", logResult(Failed, "the key pinned for the transparency log at %s is not a note verifier key: %v", logURL, err)
	}
	return v, how, nil
}

// checkSaved checks the log's checkpoint cp against the saved checkpoints
// of the same log: equal at the same size, else proven consistent.
func (r *run) checkSaved(ctx context.Context, logURL string, key note.Verifier, cp translog.Checkpoint) *logOutcome {
	for _, msg := range r.v.LogCheckpoints {
		if o, err := checkpointOrigin(msg); err != nil || o != cp.Origin {
			continue
		}
		saved, _, err := translog.OpenCheckpoint(msg, key)
		if err != nil {
			return logResult(Failed, "the saved checkpoint of %s does not verify with the log key: %v", cp.Origin, err)
		}
		if saved.Size == cp.Size {
			if !bytes.Equal(saved.Hash, cp.Hash) {
				return logResult(Failed, "the transparency log %s forked: it signed two different trees of size %d (the saved checkpoint and the one it answers with)", cp.Origin, cp.Size)
			}
			continue
		}
		older, newer := saved, cp
		if older.Size > newer.Size {
			older, newer = newer, older
		}
		u := fmt.Sprintf("%s/proof/consistency?old=%d&new=%d", logURL, older.Size, newer.Size)
		data, err := r.fetcher.Fetch(ctx, u)
		if err != nil {
			return logResult(Indeterminate, "the consistency of the log's checkpoint (size %d) with the saved one (size %d) could not be checked: %v", cp.Size, saved.Size, err)
		}
		var cr translog.ConsistencyResponse
		if err := json.Unmarshal(data, &cr); err != nil || cr.Old != older.Size || cr.New != newer.Size {
			return logResult(Failed, "%s did not answer with a consistency proof from size %d to %d", u, older.Size, newer.Size)
		}
		if err := translog.VerifyConsistency(older, newer, cr.Proof); err != nil {
			return logResult(Failed, "the transparency log %s is not consistent with the saved checkpoint (size %d): %v", cp.Origin, saved.Size, err)
		}
	}
	return nil
}

// checkpointOrigin returns the origin line of a signed checkpoint, without
// verifying it.
func checkpointOrigin(msg []byte) (string, error) {
	text, _, ok := bytes.Cut(msg, []byte("\n\n"))
	if !ok {
		return "", errors.New("not a signed note")
	}
	c, err := translog.ParseCheckpoint(append(bytes.Clone(text), '\n'))
	if err != nil {
		return "", err
	}
	return c.Origin, nil
}

func hasSig(n *note.Note, v note.Verifier) bool {
	for _, s := range n.Sigs {
		if s.Name == v.Name() && s.Hash == v.KeyHash() {
			return true
		}
	}
	return false
}
