package verify

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/bake"
	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/proof"
	"github.com/cairn-badges/cairn/status"
)

// The benchmarks below run the whole pipeline on the typical credential of
// ../proof/testdata (see proof/bench_typical_test.go): format and schema,
// proof, issuer key, status, validity dates. The credential's status list is
// served from memory, signed by the issuer, so the status check verifies a
// second Data Integrity proof, as it would online; the "offline" variants
// leave it unreachable (indeterminate) to show what the list costs.

const typicalListURL = "https://badges.northfield.example/status/revocation/1"

// typicalNow lies within the validity of the credential and of its list.
var typicalNow = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

func readProofTestdata(b *testing.B, name string) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "proof", "testdata", name))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// typicalStatusList returns the signed BitstringStatusListCredential at
// typicalListURL, issued by the typical credential's issuer. Index 94567,
// the credential's, is not set.
func typicalStatusList(b *testing.B) []byte {
	b.Helper()
	k, err := keys.ParsePrivateKey(readProofTestdata(b, "vc-verify/keys/ed25519.json"))
	if err != nil {
		b.Fatal(err)
	}
	issuer, vm, err := did.KeyDID(k.Public())
	if err != nil {
		b.Fatal(err)
	}
	bits, err := status.New(status.MinEntries)
	if err != nil {
		b.Fatal(err)
	}
	for _, i := range []int{7, 23, 94566, 94568, 120000} {
		if err := bits.Set(i, true); err != nil {
			b.Fatal(err)
		}
	}
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	list, err := status.NewListCredential(typicalListURL, issuer, status.Revocation, bits, from, from.AddDate(1, 0, 0))
	if err != nil {
		b.Fatal(err)
	}
	signed, err := proof.SignDI(context.Background(), list, k, vm, from)
	if err != nil {
		b.Fatal(err)
	}
	data, err := json.Marshal(signed)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// benchVerify verifies input with v until the benchmark ends, and fails
// unless every report's result is want.
func benchVerify(b *testing.B, v *Verifier, input []byte, want Outcome) {
	b.Helper()
	ctx := context.Background()
	if rep := v.Verify(ctx, input); rep.Result != want {
		b.Fatalf("result %s, want %s: %s", rep.Result, want, rep.Summary())
	}
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		if rep := v.Verify(ctx, input); rep.Result != want {
			b.Fatalf("result %s, want %s", rep.Result, want)
		}
	}
}

func typicalVerifiers(b *testing.B) (online, offline *Verifier) {
	online = New(memFetcher{typicalListURL: typicalStatusList(b)})
	offline = New(fetch.Offline)
	for _, v := range []*Verifier{online, offline} {
		v.Now = func() time.Time { return typicalNow }
	}
	return online, offline
}

// BenchmarkVerifyPipelineDI verifies typical-signed.json (eddsa-rdfc-2022,
// did:key).
func BenchmarkVerifyPipelineDI(b *testing.B) {
	online, offline := typicalVerifiers(b)
	input := readProofTestdata(b, "typical-signed.json")
	b.Run("status-served", func(b *testing.B) { benchVerify(b, online, input, Verified) })
	b.Run("offline", func(b *testing.B) { benchVerify(b, offline, input, Indeterminate) })
}

// BenchmarkVerifyPipelineJWT verifies typical.EdDSA.jwt (VC-JWT, did:key).
func BenchmarkVerifyPipelineJWT(b *testing.B) {
	online, offline := typicalVerifiers(b)
	input := readProofTestdata(b, "typical.EdDSA.jwt")
	b.Run("status-served", func(b *testing.B) { benchVerify(b, online, input, Verified) })
	b.Run("offline", func(b *testing.B) { benchVerify(b, offline, input, Indeterminate) })
}

// BenchmarkVerifyPipelinePNG verifies typical-signed.json baked into the
// 1EdTech sample badge image (84 KB PNG): unbaking, then as DI.
func BenchmarkVerifyPipelinePNG(b *testing.B) {
	online, _ := typicalVerifiers(b)
	img, err := os.ReadFile(filepath.Join("..", "bake", "testdata", "simple-json.png"))
	if err != nil {
		b.Fatal(err)
	}
	baked, err := bake.BakePNG(img, readProofTestdata(b, "typical-signed.json"))
	if err != nil {
		b.Fatal(err)
	}
	benchVerify(b, online, baked, Verified)
}

// BenchmarkVerifyHostile: the issue #7 credential, a real credential with
// 28,000 evidence objects appended (927 KB), took 17 s; it is now refused
// after decoding, by the shape check.
func BenchmarkVerifyHostile(b *testing.B) {
	var cred map[string]any
	if err := json.Unmarshal(readProofTestdata(b, "typical-signed.json"), &cred); err != nil {
		b.Fatal(err)
	}
	ev := make([]any, 28_000)
	for i := range ev {
		ev[i] = map[string]any{"type": []any{"Evidence"}, "name": "e"}
	}
	cred["evidence"] = ev
	input, err := json.Marshal(cred)
	if err != nil {
		b.Fatal(err)
	}
	v := New(fetch.Offline)
	v.Now = func() time.Time { return typicalNow }
	benchVerify(b, v, input, Indeterminate)
}
