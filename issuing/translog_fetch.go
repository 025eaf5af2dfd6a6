package issuing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/translog"
)

// Lookup returns the log's entries about the credential credentialID (its
// id URL) with inclusion proofs against the latest signed checkpoint: what
// GET {base}/log/lookup/{id} answers. A credential the log knows nothing
// about gets a response with no entries. Errors wrap translog.ErrNotFound
// before the first checkpoint is signed.
func (l *TransparencyLog) Lookup(ctx context.Context, credentialID string) (*translog.LookupResponse, error) {
	msg, cp, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	recs, err := l.log.Lookup(ctx, credentialID)
	if err != nil {
		return nil, err
	}
	pending, err := l.Pending(ctx, credentialID)
	if err != nil {
		return nil, err
	}
	resp := &translog.LookupResponse{CredentialID: credentialID, Checkpoint: string(msg), TreeSize: cp.Size, Entries: []translog.LookupEntry{}, Pending: pending}
	for _, rec := range recs {
		entry, err := rec.Event.Marshal()
		if err != nil {
			return nil, err
		}
		e := translog.LookupEntry{Index: rec.Index, Type: string(rec.Event.Type), Time: rec.Event.Time.UTC().Format("2006-01-02T15:04:05.000Z"), Entry: entry}
		if rec.Index < cp.Size {
			if e.InclusionProof, err = l.log.InclusionProof(ctx, rec.Index, cp.Size); err != nil {
				return nil, err
			}
			e.Included = true
		} else {
			resp.Pending = true
		}
		resp.Entries = append(resp.Entries, e)
	}
	return resp, nil
}

// Consistency returns the proof that the tree of size old is a prefix of
// the tree of size nw, both at most the latest signed checkpoint's size
// (nw = 0 means that size): what GET {base}/log/proof/consistency answers.
// Errors wrap translog.ErrInvalid for sizes out of range.
func (l *TransparencyLog) Consistency(ctx context.Context, old, nw uint64) (*translog.ConsistencyResponse, error) {
	_, cp, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	if nw == 0 {
		nw = cp.Size
	}
	if old > nw || nw > cp.Size {
		return nil, fmt.Errorf("want old ≤ new ≤ %d, the checkpoint's size: %w", cp.Size, translog.ErrInvalid)
	}
	p, err := l.log.ConsistencyProof(ctx, old, nw)
	if err != nil {
		return nil, err
	}
	if p == nil {
		p = [][]byte{}
	}
	return &translog.ConsistencyResponse{Old: old, New: nw, Proof: p}, nil
}

// localLookupWait is how long the server's own verifier waits for a
// credential's pending events to reach a signed checkpoint: the worker
// signs within about a second, and a credential page shown right after
// issuance should say where the credential is rather than "pending".
const localLookupWait = 3 * time.Second

// Fetcher returns a fetch.Fetcher that answers this server's own log
// resources ({base}/log/lookup/{id}, /log/key, /log/checkpoint,
// /log/proof/consistency) from the store, as the log's HTTP endpoints
// would, and hands every other URL to next. With it, the server's
// verifier (credential pages) checks its own credentials' inclusion
// without reaching itself over the network. A lookup of a credential with
// pending events first waits a moment for them to be included.
func (l *TransparencyLog) Fetcher(next fetch.Fetcher) fetch.Fetcher {
	return fetch.Func(func(ctx context.Context, raw string) ([]byte, error) {
		if data, ok, err := l.fetchLocal(ctx, raw); ok {
			return data, err
		}
		if next == nil {
			return nil, fmt.Errorf("fetch %s: %w", raw, fetch.ErrUnavailable)
		}
		return next.Fetch(ctx, raw)
	})
}

func (l *TransparencyLog) fetchLocal(ctx context.Context, raw string) ([]byte, bool, error) {
	u, err := url.Parse(raw)
	if err != nil || l.base == nil || u.Host != l.base.Host || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, false, nil
	}
	rest, ok := strings.CutPrefix(u.EscapedPath(), strings.TrimRight(l.base.EscapedPath(), "/")+"/log/")
	if !ok {
		return nil, false, nil
	}
	answer := func(v any, err error) ([]byte, bool, error) {
		if err != nil {
			return nil, true, logFetchError(raw, err)
		}
		b, err := json.Marshal(v)
		return b, true, err
	}
	switch {
	case rest == "key":
		return []byte(l.vkey + "\n"), true, nil
	case rest == "checkpoint":
		b, err := l.log.Checkpoint(ctx)
		if err != nil {
			return nil, true, logFetchError(raw, err)
		}
		return b, true, nil
	case strings.HasPrefix(rest, "lookup/"):
		id, err := url.PathUnescape(strings.TrimPrefix(rest, "lookup/"))
		if err != nil || strings.Contains(id, "/") && !strings.Contains(id, ":") {
			return nil, true, &fetch.StatusError{URL: raw, StatusCode: 404}
		}
		if !strings.Contains(id, ":") {
			id = l.credentialURL(id)
		}
		if pending, err := l.Pending(ctx, id); err == nil && pending {
			l.WaitIncluded(ctx, id, localLookupWait) // best effort: the answer says pending otherwise
		}
		return answer(l.Lookup(ctx, id))
	case rest == "proof/consistency":
		q := u.Query()
		old, err1 := strconv.ParseUint(q.Get("old"), 10, 64)
		var nw uint64
		var err2 error
		if s := q.Get("new"); s != "" {
			nw, err2 = strconv.ParseUint(s, 10, 64)
		}
		if err1 != nil || err2 != nil {
			return nil, true, &fetch.StatusError{URL: raw, StatusCode: 400}
		}
		return answer(l.Consistency(ctx, old, nw))
	}
	return nil, true, &fetch.StatusError{URL: raw, StatusCode: 404}
}

// logFetchError maps a log error to what the HTTP endpoint would answer.
func logFetchError(raw string, err error) error {
	switch {
	case errors.Is(err, translog.ErrNotFound):
		return &fetch.StatusError{URL: raw, StatusCode: 404}
	case errors.Is(err, translog.ErrInvalid):
		return &fetch.StatusError{URL: raw, StatusCode: 400}
	}
	return cairn.Wrapf(cairn.Unavailable, fetch.ErrUnavailable, "%s: %v", raw, err)
}
