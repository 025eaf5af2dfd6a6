package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/bake"
)

func simpleCredential(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile("testdata/1edtech/ob30/simple.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBudgets: input past the verifier's limits is not verified
// (indeterminate: the checks could not run), and says which limit.
func TestBudgets(t *testing.T) {
	v := testVerifier(memFetcher{})
	ctx := context.Background()

	evidence := simpleCredential(t)
	ev := make([]any, 28_000)
	for i := range ev {
		ev[i] = map[string]any{"type": []any{"Evidence"}, "name": "e"}
	}
	evidence["evidence"] = ev

	deep := simpleCredential(t)
	var n any = "x"
	for range 200 {
		n = map[string]any{"narrative": n}
	}
	deep["credentialSubject"].(map[string]any)["source"] = n

	proofs := simpleCredential(t)
	p := proofs["proof"]
	if l, ok := p.([]any); ok {
		p = l[0]
	}
	proofs["proof"] = []any{p, p, p, p, p, p, p, p, p}

	for _, tt := range []struct {
		name, check, want string
		input             []byte
	}{
		{"28,000 evidence objects (927 KB)", CheckFormat, "MaxNodes", mustJSON(t, evidence)},
		{"200 levels deep", CheckFormat, "MaxDepth", mustJSON(t, deep)},
		{"9 proofs", CheckProof, "9 proofs", mustJSON(t, proofs)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep := v.Verify(ctx, tt.input)
			if rep.Result != Indeterminate {
				t.Fatalf("result %s, want indeterminate: %s", rep.Result, rep.Summary())
			}
			c := rep.Check(tt.check)
			if c == nil || c.Outcome != Indeterminate || !strings.Contains(c.Reason, tt.want) {
				t.Fatalf("%s check %+v, want indeterminate naming %q", tt.check, c, tt.want)
			}
		})
	}

	// Over MaxCredentialBytes, as JSON or baked in an image: refused.
	big := simpleCredential(t)
	big["description"] = strings.Repeat("x", MaxCredentialBytes)
	data := mustJSON(t, big)
	if rep := v.Verify(ctx, data); rep.Result != Failed || !strings.Contains(rep.Check(CheckFormat).Reason, "more than") {
		t.Errorf("credential over %d bytes: %s", MaxCredentialBytes, rep.Summary())
	}
	img, err := os.ReadFile("testdata/1edtech/ob30/simple-json.png")
	if err != nil {
		t.Fatal(err)
	}
	baked, err := bake.BakePNG(img, data)
	if err != nil {
		t.Fatal(err)
	}
	if rep := v.Verify(ctx, baked); rep.Result != Failed || !strings.Contains(rep.Check(CheckFormat).Reason, "baked credential") {
		t.Errorf("baked credential over %d bytes: %s", MaxCredentialBytes, rep.Summary())
	}
}

// TestOutOfTime: a verification whose context ends is indeterminate and
// says it ran out of time; it never reads as verified or failed.
func TestOutOfTime(t *testing.T) {
	v := testVerifier(controllerDocs(t, "testdata/1edtech/ob30/simple.json"))
	data := mustJSON(t, simpleCredential(t))
	if rep := v.Verify(context.Background(), data); rep.Result != Verified {
		t.Fatalf("the credential itself: %s", rep.Summary())
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("the processing time allowed was used up"))
	rep := v.Verify(ctx, data)
	if rep.Result != Indeterminate {
		t.Fatalf("result %s: %s", rep.Result, rep.Summary())
	}
	found := false
	for _, c := range rep.Checks {
		if c.Outcome == Failed {
			t.Errorf("check %s failed: %s", c.Name, c.Reason)
		}
		found = found || strings.Contains(c.Reason, "ran out of time before every check could run (the processing time allowed was used up)")
	}
	if !found {
		t.Errorf("no check says the time ran out: %s", rep.Summary())
	}
}

func TestReadInput(t *testing.T) {
	png, err := os.ReadFile("testdata/1edtech/ob30/simple-json.png")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		input []byte
		what  string // "" when accepted
	}{
		{"small", []byte(`{"a":1}`), ""},
		{"credential at the limit", bytes.Repeat([]byte(" "), MaxCredentialBytes), ""},
		{"credential over the limit", bytes.Repeat([]byte(" "), MaxCredentialBytes+1), "credential"},
		{"image over the credential limit", append(png, make([]byte, 2<<20)...), ""},
		{"svg over the credential limit", append([]byte("<svg>"), bytes.Repeat([]byte(" "), 2<<20)...), ""},
		{"image over the image limit", append(png, make([]byte, MaxInputBytes)...), "image"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadInput(bytes.NewReader(tt.input))
			var tl *TooLargeError
			switch {
			case tt.what == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.what == "" && !bytes.Equal(got, tt.input):
				t.Fatalf("read %d bytes of %d", len(got), len(tt.input))
			case tt.what != "" && (!errors.As(err, &tl) || tl.What != tt.what):
				t.Fatalf("got %v, want a TooLargeError for the %s", err, tt.what)
			}
		})
	}
}
