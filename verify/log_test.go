package verify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/translog"
)

// logFixture is an issuer's transparency log in memory, served through a
// memFetcher at http://example.com/log, the log of the fixture credential
// http://example.com/credentials/3527 (a did:key issuer: verifiable
// without fetching anything else).
type logFixture struct {
	t      *testing.T
	log    *translog.Log
	signer note.Signer
	vkey   string
	cred   []byte
	id     string
	fetch  memFetcher
}

const fixtureLogURL = "http://example.com/log"

func newLogFixture(t *testing.T) *logFixture {
	t.Helper()
	cred, err := os.ReadFile("testdata/vc-verify/ob3-basic.eddsa-rdfc-2022.json")
	if err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "example.com/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	f := &logFixture{t: t, log: translog.New(translog.NewMemStorage()), signer: signer, vkey: vkey,
		cred: bytes.TrimSpace(cred), id: "http://example.com/credentials/3527", fetch: memFetcher{}}
	f.fetch[fixtureLogURL+"/key"] = []byte(vkey + "\n")
	// Other credentials' events around it.
	f.append(translog.Event{CredentialID: "http://example.com/credentials/other", Issuer: "did:example:x", Type: translog.Issued})
	return f
}

// append logs events (with a default time and digest) and signs a
// checkpoint, then serves the lookup of the fixture credential.
func (f *logFixture) append(evs ...translog.Event) {
	f.t.Helper()
	ctx := context.Background()
	for i := range evs {
		if evs[i].Time.IsZero() {
			evs[i].Time = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		}
		if evs[i].CredentialDigest == ([32]byte{}) {
			evs[i].CredentialDigest = sha256.Sum256(f.cred)
		}
	}
	if _, err := f.log.Append(ctx, evs...); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.log.SignCheckpoint(ctx, f.signer); err != nil {
		f.t.Fatal(err)
	}
	f.serveLookup()
}

func (f *logFixture) event(t translog.EventType) translog.Event {
	return translog.Event{CredentialID: f.id, Issuer: "did:key:z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB", Type: t}
}

// serveLookup answers the fixture credential's lookup as a Cairn log does.
func (f *logFixture) serveLookup() {
	f.t.Helper()
	ctx := context.Background()
	msg, err := f.log.Checkpoint(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	size, _ := f.log.Size(ctx)
	recs, err := f.log.Lookup(ctx, f.id)
	if err != nil {
		f.t.Fatal(err)
	}
	lr := translog.LookupResponse{CredentialID: f.id, Checkpoint: string(msg), TreeSize: size, Entries: []translog.LookupEntry{}}
	for _, r := range recs {
		entry, _ := r.Event.Marshal()
		p, err := f.log.InclusionProof(ctx, r.Index, size)
		if err != nil {
			f.t.Fatal(err)
		}
		lr.Entries = append(lr.Entries, translog.LookupEntry{Index: r.Index, Type: string(r.Event.Type), Entry: entry, InclusionProof: p, Included: true})
	}
	f.fetch[fixtureLogURL+"/lookup/"+url.PathEscape(f.id)], _ = json.Marshal(lr)
}

func (f *logFixture) verify(v *Verifier, input []byte) (*Report, *Check) {
	rep := v.Verify(context.Background(), input)
	return rep, rep.Check(CheckLog)
}

func TestLogCheck(t *testing.T) {
	t.Run("included", func(t *testing.T) {
		f := newLogFixture(t)
		f.append(f.event(translog.Issued))
		f.append(translog.Event{CredentialID: "http://example.com/credentials/later", Issuer: "did:example:x", Type: translog.Issued})
		v := testVerifier(f.fetch)
		rep, c := f.verify(v, f.cred)
		if rep.Result != Verified || c == nil || c.Outcome != Verified ||
			!strings.Contains(c.Reason, "included in the issuer's transparency log at index 1 (checkpoint of 3 entries") ||
			!strings.Contains(c.Reason, "trusted on first use") {
			t.Fatalf("%s; %+v", rep.Summary(), c)
		}
		// The key is now pinned: a log that changes it fails.
		_, vkey2, _ := note.GenerateKey(rand.Reader, "example.com/log")
		f.fetch[fixtureLogURL+"/key"] = []byte(vkey2)
		if _, c := f.verify(v, f.cred); c == nil || c.Outcome != Verified || !strings.Contains(c.Reason, "pinned on first use") {
			t.Fatalf("second verification with the pinned key: %+v", c)
		}
		skey2, _, _ := note.GenerateKey(rand.Reader, "example.com/log")
		f.signer, _ = note.NewSigner(skey2)
		f.append(f.event(translog.Renewed))
		if _, c := f.verify(v, f.cred); c == nil || c.Outcome != Failed || !strings.Contains(c.Reason, "does not verify with the log key") {
			t.Fatalf("checkpoint signed by another key than the pinned one: %+v", c)
		}
	})
	t.Run("given key, no fetch of /key", func(t *testing.T) {
		f := newLogFixture(t)
		f.append(f.event(translog.Issued))
		delete(f.fetch, fixtureLogURL+"/key")
		v := testVerifier(f.fetch)
		kv, _ := note.NewVerifier(f.vkey)
		v.LogKeys = []note.Verifier{kv}
		if _, c := f.verify(v, f.cred); c == nil || c.Outcome != Verified || !strings.Contains(c.Reason, "given to the verifier") {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("tampered bytes", func(t *testing.T) {
		f := newLogFixture(t)
		f.append(f.event(translog.Issued))
		// The same credential, re-encoded: the signature still verifies
		// (Data Integrity signs the canonical form), the log does not.
		var m map[string]any
		json.Unmarshal(f.cred, &m)
		other, _ := json.Marshal(m)
		rep, c := f.verify(testVerifier(f.fetch), other)
		if rep.Result != Failed || c == nil || c.Outcome != Failed || !strings.Contains(c.Reason, "none of them for these bytes") {
			t.Fatalf("%s; %+v", rep.Summary(), c)
		}
		if pc := rep.Check(CheckProof); pc == nil || pc.Outcome != Verified {
			t.Fatalf("the proof should still verify: %s", rep.Summary())
		}
	})
	t.Run("revoked", func(t *testing.T) {
		f := newLogFixture(t)
		f.append(f.event(translog.Issued), f.event(translog.Revoked))
		if _, c := f.verify(testVerifier(f.fetch), f.cred); c == nil || c.Outcome != Failed || !strings.Contains(c.Reason, "was revoked") {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("reinstated", func(t *testing.T) {
		f := newLogFixture(t)
		f.append(f.event(translog.Issued), f.event(translog.Suspended), f.event(translog.Reinstated))
		if _, c := f.verify(testVerifier(f.fetch), f.cred); c == nil || c.Outcome != Verified || !strings.Contains(c.Reason, "index 3") {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("not in the log", func(t *testing.T) {
		f := newLogFixture(t)
		f.serveLookup()
		if _, c := f.verify(testVerifier(f.fetch), f.cred); c == nil || c.Outcome != Failed || !strings.Contains(c.Reason, "has no entry for this credential") {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("bad inclusion proof", func(t *testing.T) {
		f := newLogFixture(t)
		f.append(f.event(translog.Issued))
		u := fixtureLogURL + "/lookup/" + url.PathEscape(f.id)
		var lr translog.LookupResponse
		json.Unmarshal(f.fetch[u], &lr)
		lr.Entries[0].InclusionProof[0][0] ^= 1
		f.fetch[u], _ = json.Marshal(lr)
		if _, c := f.verify(testVerifier(f.fetch), f.cred); c == nil || c.Outcome != Failed || !strings.Contains(c.Reason, "inclusion proof") {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("no log", func(t *testing.T) {
		f := newLogFixture(t)
		m := memFetcher{}
		notFound := fetch.Func(func(ctx context.Context, u string) ([]byte, error) {
			if strings.HasPrefix(u, fixtureLogURL+"/") {
				return nil, &fetch.StatusError{URL: u, StatusCode: 404}
			}
			return m.Fetch(ctx, u)
		})
		rep, c := f.verify(testVerifier(notFound), f.cred)
		if rep.Result != Verified || c != nil {
			t.Fatalf("a 404 means no log, and no check: %s", rep.Summary())
		}
		// Unreachable: nothing says this (non-Cairn) issuer runs a log.
		rep, c = f.verify(testVerifier(m), f.cred)
		if rep.Result != Verified || c != nil {
			t.Fatalf("an unreachable log of a non-Cairn credential: %s", rep.Summary())
		}
	})
	t.Run("known log unreachable", func(t *testing.T) {
		f := newLogFixture(t)
		v := testVerifier(memFetcher{})
		kv, _ := note.NewVerifier(f.vkey)
		v.LogKeys = []note.Verifier{kv}
		rep, c := f.verify(v, f.cred)
		if rep.Result != Indeterminate || c == nil || c.Outcome != Indeterminate || !strings.Contains(c.Reason, "could not be reached") {
			t.Fatalf("%s; %+v", rep.Summary(), c)
		}
	})
	t.Run("saved checkpoint", func(t *testing.T) {
		f := newLogFixture(t)
		saved, _ := f.log.Checkpoint(context.Background()) // size 1, before the credential
		f.append(f.event(translog.Issued))
		v := testVerifier(f.fetch)
		v.LogCheckpoints = [][]byte{saved}
		if _, c := f.verify(v, f.cred); c == nil || c.Outcome != Indeterminate || !strings.Contains(c.Reason, "consistency") {
			t.Fatalf("without a consistency proof: %+v", c)
		}
		p, _ := f.log.ConsistencyProof(context.Background(), 1, 2)
		f.fetch[fixtureLogURL+"/proof/consistency?old=1&new=2"], _ = json.Marshal(translog.ConsistencyResponse{Old: 1, New: 2, Proof: p})
		if _, c := f.verify(v, f.cred); c == nil || c.Outcome != Verified {
			t.Fatalf("with a consistency proof: %+v", c)
		}
		// A checkpoint of the same size and another root: a fork.
		fork := translog.Checkpoint{Origin: "example.com/log", Size: 2, Hash: make([]byte, 32)}
		forked, err := translog.SignCheckpoint(fork, f.signer)
		if err != nil {
			t.Fatal(err)
		}
		v.LogCheckpoints = [][]byte{forked}
		if _, c := f.verify(v, f.cred); c == nil || c.Outcome != Failed || !strings.Contains(c.Reason, "forked") {
			t.Fatalf("fork: %+v", c)
		}
	})
	t.Run("witnesses", func(t *testing.T) {
		f := newLogFixture(t)
		f.append(f.event(translog.Issued))
		wkey, wvkey, err := translog.GenerateCosignerKey(rand.Reader, "witness.example/w1")
		if err != nil {
			t.Fatal(err)
		}
		w, _ := translog.NewCosignatureVerifier(wvkey)
		v := testVerifier(f.fetch)
		v.LogWitnesses = []note.Verifier{w}
		if _, c := f.verify(v, f.cred); c == nil || c.Outcome != Indeterminate || !strings.Contains(c.Reason, "witness.example/w1") {
			t.Fatalf("not cosigned: %+v", c)
		}
		cosigner, _ := translog.NewCosigner("witness.example/w1", wkey, nil)
		msg, _ := f.log.Checkpoint(context.Background())
		n, err := note.Open(msg, note.VerifierList(mustVerifier(t, f.vkey)))
		if err != nil {
			t.Fatal(err)
		}
		cosigned, err := note.Sign(&note.Note{Text: n.Text}, cosigner)
		if err != nil {
			t.Fatal(err)
		}
		_, sigs, _ := bytes.Cut(cosigned, []byte("\n\n"))
		kv := mustVerifier(t, f.vkey)
		if _, err := f.log.AddCosignatures(context.Background(), kv, sigs, w); err != nil {
			t.Fatal(err)
		}
		f.serveLookup()
		if _, c := f.verify(v, f.cred); c == nil || c.Outcome != Verified {
			t.Fatalf("cosigned: %+v", c)
		}
	})
	t.Run("urn id fetches nothing", func(t *testing.T) {
		var m map[string]any
		f := newLogFixture(t)
		json.Unmarshal(f.cred, &m)
		if LogURL("urn:uuid:2f7a1c4e-0000-4000-8000-000000000000") != "" || LogURL(f.id) != fixtureLogURL ||
			LogURL("https://b.example/badges/credentials/x") != "https://b.example/badges/log" {
			t.Fatal("LogURL")
		}
	})
}

func mustVerifier(t *testing.T, vkey string) note.Verifier {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
