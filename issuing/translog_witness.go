package issuing

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/translog"
)

// Witnessing
//
// The log worker sends each new checkpoint to the configured witnesses
// (https://c2sp.org/tlog-witness, POST {witness}/add-checkpoint with a
// consistency proof from the last checkpoint the witness cosigned), checks
// the cosignature lines they return (https://c2sp.org/tlog-cosignature)
// and stores them with the checkpoint, which {base}/log/checkpoint then
// serves cosigned. A witness only cosigns a checkpoint consistent with
// every one it cosigned before, so verifiers that require its cosignature
// (verify.Verifier.LogWitnesses, translog.OpenCheckpoint) see the history
// everyone else sees. A witness that is down or refuses is retried later;
// the checkpoint is served meanwhile with the cosignatures it has.

// Witness is a witness the log sends its checkpoints to.
type Witness struct {
	// URL is the witness's prefix: requests go to URL + "/add-checkpoint".
	URL string
	// Verifier checks the witness's cosignatures; its name is the
	// witness's name.
	Verifier note.Verifier
}

// ParseWitnesses parses a witness list: entries "name=URL=vkey", separated
// by commas or newlines (blank lines and lines starting with # are
// skipped). vkey is the witness's cosigner verifier key, whose name must
// be name.
func ParseWitnesses(s string) ([]Witness, error) {
	var out []Witness
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, ok := strings.Cut(line, "=")
		i := strings.LastIndex(rest, "="+name+"+")
		if !ok || name == "" || i < 0 {
			return nil, fmt.Errorf("witness %q: want name=URL=vkey, the vkey named name", line)
		}
		raw, vkey := rest[:i], rest[i+1:]
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("witness %s: %q is not an http(s) URL", name, raw)
		}
		v, err := translog.NewCosignatureVerifier(vkey)
		if err != nil {
			return nil, fmt.Errorf("witness %s: %v", name, err)
		}
		out = append(out, Witness{URL: strings.TrimRight(raw, "/"), Verifier: v})
	}
	return out, nil
}

// witnessRetry is how long the worker waits before asking again a witness
// that failed.
const witnessRetry = 30 * time.Second

// witnessState is what the worker remembers about one witness.
type witnessState struct {
	size  uint64    // the size of the last checkpoint it cosigned, as far as known
	retry time.Time // do not ask before
}

// Witness asks every configured witness that has not cosigned the stored
// checkpoint to cosign it, and stores the cosignatures it gets. Failures
// are logged and retried after a while; the error is only for failures
// to read or write the log. Run calls it after each drain.
func (l *TransparencyLog) Witness(ctx context.Context) error {
	if len(l.opts.Witnesses) == 0 {
		return nil
	}
	msg, err := l.log.Checkpoint(ctx)
	if errors.Is(err, translog.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	vs := make([]note.Verifier, len(l.opts.Witnesses))
	for i, w := range l.opts.Witnesses {
		vs[i] = w.Verifier
	}
	cp, n, err := translog.OpenCheckpoint(msg, l.verifier, vs...)
	if err != nil {
		return fmt.Errorf("the stored checkpoint: %w", err)
	}
	for _, w := range l.opts.Witnesses {
		if hasSig(n, w.Verifier) {
			continue
		}
		l.mu.Lock()
		st := l.witnesses[w.URL]
		l.mu.Unlock()
		if time.Now().Before(st.retry) {
			continue
		}
		sigs, size, err := l.addCheckpoint(ctx, w, msg, cp, st.size)
		st.size = size
		if err != nil {
			st.retry = time.Now().Add(witnessRetry)
			l.logger.Warn("transparency log: witness", "witness", w.Verifier.Name(), "url", w.URL, "size", cp.Size, "err", err)
		} else {
			st.retry = time.Time{}
		}
		l.mu.Lock()
		l.witnesses[w.URL] = st
		l.mu.Unlock()
		if err != nil {
			continue
		}
		merged, err := l.log.AddCosignatures(ctx, l.verifier, sigs, vs...)
		switch {
		case errors.Is(err, translog.ErrConflict) || errors.Is(err, translog.ErrInvalid):
			return nil // a newer checkpoint was signed meanwhile: the next round witnesses it
		case err != nil:
			var bad *note.InvalidSignatureError
			if errors.As(err, &bad) {
				return nil // likewise: the lines sign a checkpoint no longer stored
			}
			return err
		}
		msg = merged
	}
	return nil
}

// addCheckpoint sends the checkpoint msg (of cp) to w with a consistency
// proof from old, the size w last cosigned; on 409 it learns w's size and
// tries once more. It returns the cosignature lines and w's size.
func (l *TransparencyLog) addCheckpoint(ctx context.Context, w Witness, msg []byte, cp translog.Checkpoint, old uint64) ([]byte, uint64, error) {
	for try := 0; ; try++ {
		if old > cp.Size {
			return nil, old, fmt.Errorf("the witness has cosigned a tree of size %d, larger than the log's %d", old, cp.Size)
		}
		var body bytes.Buffer
		fmt.Fprintf(&body, "old %d\n", old)
		if old > 0 {
			p, err := l.log.ConsistencyProof(ctx, old, cp.Size)
			if err != nil {
				return nil, old, err
			}
			for _, h := range p {
				body.WriteString(base64.StdEncoding.EncodeToString(h))
				body.WriteByte('\n')
			}
		}
		body.WriteByte('\n')
		body.Write(msg)
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		req, err := http.NewRequestWithContext(rctx, http.MethodPost, w.URL+"/add-checkpoint", &body)
		if err != nil {
			cancel()
			return nil, old, err
		}
		resp, err := l.client().Do(req)
		if err != nil {
			cancel()
			return nil, old, err
		}
		out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		cancel()
		if err != nil {
			return nil, old, err
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return out, cp.Size, nil
		case resp.StatusCode == http.StatusConflict && try == 0:
			// "the witness MUST respond with a 409 Conflict ... with the
			// latest size it has for that log" (text/x.tlog.size).
			n, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
			if err != nil {
				return nil, old, fmt.Errorf("409 without a tree size: %.80q", out)
			}
			if n == old {
				return nil, old, fmt.Errorf("409 at size %d: the witness holds another tree of that size (a fork?)", n)
			}
			old = n
			continue
		}
		return nil, old, cairn.Errorf(cairn.Unavailable, "HTTP %d: %.200s", resp.StatusCode, bytes.TrimSpace(out))
	}
}

func (l *TransparencyLog) client() *http.Client {
	if l.opts.WitnessClient != nil {
		return l.opts.WitnessClient
	}
	return http.DefaultClient
}

func hasSig(n *note.Note, v note.Verifier) bool {
	for _, s := range n.Sigs {
		if s.Name == v.Name() && s.Hash == v.KeyHash() {
			return true
		}
	}
	return false
}
