package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn/translog"
)

type testLog struct {
	log    *translog.Log
	signer note.Signer
	vkey   string
	n      int
}

func newTestLog(t *testing.T, name string) *testLog {
	skey, vkey, err := note.GenerateKey(nil, name)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	return &testLog{log: translog.New(translog.NewMemStorage()), signer: s, vkey: vkey}
}

// grow appends n events and signs a checkpoint.
func (l *testLog) grow(t *testing.T, n int) ([]byte, translog.Checkpoint) {
	t.Helper()
	ctx := context.Background()
	for range n {
		l.n++
		if _, err := l.log.Append(ctx, translog.Event{CredentialID: fmt.Sprintf("urn:c:%d", l.n), Issuer: "did:web:x",
			CredentialDigest: sha256.Sum256([]byte{byte(l.n)}), Type: translog.Issued, Time: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	msg, err := l.log.SignCheckpoint(ctx, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := translog.OpenCheckpoint(msg, mustVerifier(t, l.vkey))
	return msg, c
}

func mustVerifier(t *testing.T, vkey string) note.Verifier {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func addCheckpoint(t *testing.T, url string, old uint64, proof [][]byte, msg []byte) (int, []byte) {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		fmt.Fprintln(&b, base64.StdEncoding.EncodeToString(h))
	}
	b.WriteString("\n")
	b.Write(msg)
	resp, err := http.Post(url+"/add-checkpoint", "text/plain", &b)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// TestWitness cosigns a growing log, refuses stale old sizes, bad proofs,
// forks and unknown logs, and keeps its state across restarts.
func TestWitness(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := newTestLog(t, "badges.example.org/log")
	w, err := openWitness(dir, "witness.example.org/w1", []string{l.vkey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	defer srv.Close()
	cosig, err := translog.NewCosignatureVerifier(w.vkey)
	if err != nil {
		t.Fatal(err)
	}

	msg3, c3 := l.grow(t, 3)
	code, sigs := addCheckpoint(t, srv.URL, 0, nil, msg3)
	if code != 200 {
		t.Fatalf("first checkpoint: %d %s", code, sigs)
	}
	merged, err := translog.AddSignatures(msg3, sigs)
	if err != nil {
		t.Fatal(err)
	}
	if _, n, err := translog.OpenCheckpoint(merged, mustVerifier(t, l.vkey), cosig); err != nil || len(n.Sigs) != 2 {
		t.Fatalf("cosigned checkpoint: %v", err)
	}

	msg5, c5 := l.grow(t, 2)
	if code, body := addCheckpoint(t, srv.URL, 0, nil, msg5); code != 409 || string(body) != "3\n" {
		t.Errorf("stale old size: %d %q", code, body)
	}
	p, _ := l.log.ConsistencyProof(ctx, c3.Size, c5.Size)
	bad := append([][]byte{make([]byte, 32)}, p[1:]...)
	if code, _ := addCheckpoint(t, srv.URL, 3, bad, msg5); code != 422 {
		t.Errorf("bad proof: %d", code)
	}
	if code, body := addCheckpoint(t, srv.URL, 3, p, msg5); code != 200 {
		t.Errorf("consistent checkpoint: %d %s", code, body)
	}

	// A fork: the same log key signs another tree of size 5.
	fork := newTestLog(t, "x")
	fork.signer, fork.vkey = l.signer, l.vkey
	fork.n = 100
	forged, _ := fork.grow(t, 5)
	if code, _ := addCheckpoint(t, srv.URL, 5, nil, forged); code != 409 {
		t.Errorf("forked checkpoint of the same size: %d", code)
	}
	other := newTestLog(t, "other.example/log")
	msgO, _ := other.grow(t, 1)
	if code, _ := addCheckpoint(t, srv.URL, 0, nil, msgO); code != 404 {
		t.Errorf("unknown log: %d", code)
	}
	if code, _ := addCheckpoint(t, srv.URL, 0, nil, []byte("garbage")); code != 400 {
		t.Errorf("garbage: %d", code)
	}

	// Restart: same key, same logs, same state.
	w2, err := openWitness(dir, "", nil)
	if err != nil || w2.vkey != w.vkey || len(w2.logs) != 1 {
		t.Fatalf("restarted witness: %v %s", err, w2.vkey)
	}
	srv2 := httptest.NewServer(w2)
	defer srv2.Close()
	if code, body := addCheckpoint(t, srv2.URL, 0, nil, msg5); code != 409 || strings.TrimSpace(string(body)) != "5" {
		t.Errorf("after restart: %d %q", code, body)
	}
}
