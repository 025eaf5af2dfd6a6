package proof

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/keys"
)

// testNow is the clock of the JWT tests, so that no expiry bites.
var testNow = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

// mapResolver resolves did:key DIDs by computation and everything else from
// a fixed set of controller documents; it checks the proof purpose like
// did.Resolver does.
type mapResolver struct {
	docs map[string]*did.Document
	// err, when set, is returned for every method that is not a did:key.
	err error
}

func (m *mapResolver) Resolve(ctx context.Context, id string) (*did.Document, error) {
	if strings.HasPrefix(id, "did:key:") {
		return did.ResolveKey(id)
	}
	if m.err != nil {
		return nil, m.err
	}
	doc, ok := m.docs[id]
	if !ok {
		return nil, fmt.Errorf("%s: not found", id)
	}
	return doc, nil
}

func (m *mapResolver) VerificationMethod(ctx context.Context, id, purpose string) (*did.VerificationMethod, error) {
	base, _, _ := strings.Cut(id, "#")
	doc, err := m.Resolve(ctx, base)
	if err != nil {
		return nil, err
	}
	if !doc.Lists(purpose, id) {
		return nil, fmt.Errorf("%s is not listed under %s of %s", id, purpose, base)
	}
	vm := doc.Method(id)
	if vm == nil {
		return nil, fmt.Errorf("%s: no such verification method", id)
	}
	return vm, nil
}

// newResolver loads controller documents from testdata files.
func newResolver(t testing.TB, files ...string) *mapResolver {
	t.Helper()
	m := &mapResolver{docs: map[string]*did.Document{}}
	for _, f := range files {
		var doc did.Document
		if err := json.Unmarshal(readFile(t, f), &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		m.docs[doc.ID] = &doc
	}
	return m
}

// unavailableResolver fails every lookup as a network outage would.
type unavailableResolver struct{}

func (unavailableResolver) VerificationMethod(ctx context.Context, id, purpose string) (*did.VerificationMethod, error) {
	return nil, fmt.Errorf("fetching %s: connection refused: %w", id, fetch.ErrUnavailable)
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readJSON(t testing.TB, name string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readFile(t, name), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func readText(t testing.TB, name string) string {
	t.Helper()
	return strings.TrimSpace(string(readFile(t, name)))
}

// loadKey parses a private key file (or a bare multibase secret key).
func loadKey(t testing.TB, data []byte) *keys.PrivateKey {
	t.Helper()
	k, err := keys.ParsePrivateKey(data)
	if err != nil {
		t.Fatalf("key: %v", err)
	}
	return k
}

// vcVerifyKey loads one of vc-verify's public test keys (ed25519, p256, rsa).
func vcVerifyKey(t testing.TB, name string) *keys.PrivateKey {
	return loadKey(t, readFile(t, "vc-verify/keys/"+name+".json"))
}

// didWebResolver resolves did:key and did:web:issuer.example.
func didWebResolver(t testing.TB) *mapResolver {
	return newResolver(t, "vc-verify/keys/did-web-issuer.example.json")
}

// wantOutcome checks an error's classification.
func wantOutcome(t *testing.T, err error, want Outcome, check string) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *proof.Error", err, err)
	}
	if pe.Outcome != want || (check != "" && pe.Check != check) {
		t.Fatalf("got outcome %s check %q (%v), want %s %q", pe.Outcome, pe.Check, err, want, check)
	}
	switch want {
	case Indeterminate:
		if !errors.Is(err, ErrIndeterminate) || errors.Is(err, ErrFailed) {
			t.Fatalf("errors.Is does not classify %v as indeterminate only", err)
		}
	default:
		if !errors.Is(err, ErrFailed) || errors.Is(err, ErrIndeterminate) {
			t.Fatalf("errors.Is does not classify %v as failed only", err)
		}
	}
}
