package jsonld

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func poisonClique(t testing.TB) string {
	return readText(t, filepath.Join("testdata", "rdf-canon", "rdfc10", "test074-in.nq"))
}

func TestLimits(t *testing.T) {
	ctx := context.Background()
	var chain strings.Builder
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&chain, "_:n%d <http://ex/next> _:n%d .\n", i, i+1)
	}
	tests := []struct {
		name   string
		run    func() error
		wantIn string
	}{
		{"MaxWork poison clique", func() error {
			_, err := CanonicalizeNQuads(ctx, poisonClique(t), Limits{})
			return err
		}, "MaxWork"},
		{"MaxInputBytes N-Quads", func() error {
			_, err := CanonicalizeNQuads(ctx, chain.String(), Limits{MaxInputBytes: 100})
			return err
		}, "MaxInputBytes"},
		{"MaxQuads N-Quads", func() error {
			_, err := CanonicalizeNQuads(ctx, chain.String(), Limits{MaxQuads: 10})
			return err
		}, "MaxQuads"},
		{"MaxBlankNodes N-Quads", func() error {
			_, err := CanonicalizeNQuads(ctx, chain.String(), Limits{MaxBlankNodes: 20})
			return err
		}, "MaxBlankNodes"},
		{"MaxInputBytes JSON", func() error {
			_, err := Canonicalize(ctx, ob3Doc(t), Options{Limits: Limits{MaxInputBytes: 500}})
			return err
		}, "MaxInputBytes"},
		{"MaxQuads JSON", func() error {
			_, err := Canonicalize(ctx, ob3Doc(t), Options{Limits: Limits{MaxQuads: 10}})
			return err
		}, "MaxQuads"},
		{"MaxBlankNodes JSON", func() error {
			v := readJSON(t, filepath.Join("testdata", "1edtech", "clrv2p0", "vector.json"))
			_, err := Canonicalize(ctx, v["unsignedCredential"].(map[string]any), Options{Limits: Limits{MaxBlankNodes: 2}})
			return err
		}, "MaxBlankNodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("got %v, want an error wrapping ErrLimit", err)
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not name %s", err, tt.wantIn)
			}
		})
	}
	// Within the limits, the same inputs succeed.
	if _, err := CanonicalizeNQuads(ctx, chain.String(), Limits{}); err != nil {
		t.Errorf("chain: %v", err)
	}
	if _, err := Canonicalize(ctx, ob3Doc(t), Options{}); err != nil {
		t.Errorf("OB 3.0 vector: %v", err)
	}
}

// A deadline stops the poison clique even with no work limit.
func TestContextDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := CanonicalizeNQuads(ctx, poisonClique(t), Limits{MaxWork: -1})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}

	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Canonicalize(cctx, ob3Doc(t), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Canonicalize with cancelled context: got %v", err)
	}
	if _, err := CanonicalizeNQuads(cctx, "", Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("CanonicalizeNQuads with cancelled context: got %v", err)
	}
}

func TestInvalidInput(t *testing.T) {
	ctx := context.Background()
	for _, in := range []string{
		"<a> <http://p> <http://o> .\n",         // relative IRI
		"<http://s> <http://p> \"x .\n",         // unterminated literal
		"<http://s> <http://p> <http://o>\n",    // no dot
		"<http://s> _:p <http://o> .\n",         // blank predicate
		"\"s\" <http://p> <http://o> .\n",       // literal subject
		"<http://s> <http://p> \"\\uD800\" .\n", // surrogate
	} {
		if _, err := CanonicalizeNQuads(ctx, in, Limits{}); !errors.Is(err, errSyntax) {
			t.Errorf("%q: got %v, want a syntax error", in, err)
		}
	}
	for _, doc := range []map[string]any{
		{"@context": map[string]any{"@vocab": "http://ex/"}, "p": map[string]any{"@value": "x", "@language": "not a tag"}},
		{"@context": map[string]any{"@vocab": "http://ex/"}, "@id": "http://ex/a b", "p": "x"},
		{"@context": "https://www.w3.org/ns/credentials/v2", "@type": []any{map[string]any{}}},
	} {
		if _, err := Canonicalize(ctx, doc, Options{}); err == nil {
			t.Errorf("%v: no error", doc)
		}
	}
}

// Concurrent calls share the context cache; run with -race.
func TestConcurrent(t *testing.T) {
	want, err := Canonicalize(context.Background(), ob3Doc(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			for j := 0; j < 5; j++ {
				got, err := Canonicalize(context.Background(), ob3Doc(t), Options{})
				if err == nil && got != want {
					err = errors.New("different output")
				}
				if err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}
