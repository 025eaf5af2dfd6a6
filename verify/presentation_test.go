package verify

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/proof"
)

func TestPresentation(t *testing.T) {
	read := func(name string) any {
		data, err := os.ReadFile("testdata/vc-verify/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	k, err := keys.Generate(keys.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	holder, vm, _ := did.KeyDID(k.Public())
	other, _ := keys.Generate(keys.Ed25519)
	otherDID, _, _ := did.KeyDID(other.Public())
	sign := func(holderID string, creds ...any) map[string]any {
		vp := map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "type": []any{"VerifiablePresentation"},
			"holder": holderID, "verifiableCredential": creds}
		s, err := proof.SignPresentationDI(context.Background(), vp, k, vm, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			proof.PresentationOptions{Domain: "https://example.org/learners/ada", Challenge: "c1"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := read("ob3-basic.eddsa-rdfc-2022.json")
	bad := read("ob3-basic.eddsa-rdfc-2022.TAMPERED.json")
	tampered := sign(holder, good)
	tampered["id"] = "urn:uuid:changed"
	unsigned := sign(holder, good)
	delete(unsigned, "proof")

	if _, err := proof.SignPresentationDI(context.Background(), map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2"},
		"type": "VerifiablePresentation", "holder": otherDID}, k, vm, time.Now(), proof.PresentationOptions{}); err == nil {
		t.Error("SignPresentationDI signed for another holder")
	}
	v := testVerifier(memFetcher{})
	for name, tc := range map[string]struct {
		vp    map[string]any
		want  fixtureWant
		inner int
	}{
		"verified":          {sign(holder, good, good), fixtureWant{Verified, ""}, 2},
		"empty":             {sign(holder), fixtureWant{Verified, ""}, 0},
		"tampered":          {tampered, fixtureWant{Failed, CheckProof}, 1},
		"inner tampered":    {sign(holder, good, bad), fixtureWant{Failed, CheckInner}, 2},
		"unsigned":          {unsigned, fixtureWant{Failed, CheckProof}, 1},
		"holder not signer": {func() map[string]any { m := sign(holder, good); m["holder"] = otherDID; return m }(), fixtureWant{Failed, CheckProof}, 1},
	} {
		t.Run(name, func(t *testing.T) {
			data, _ := json.Marshal(tc.vp)
			rep := v.Verify(context.Background(), data)
			checkReport(t, rep, tc.want)
			if rep.Format != "ldp_vp" || len(rep.Inner) != tc.inner {
				t.Errorf("format %q with %d inner reports, want ldp_vp with %d", rep.Format, len(rep.Inner), tc.inner)
			}
			if tc.want.result == Verified && (rep.Holder != holder || rep.Check(CheckHolder) == nil || rep.Check(CheckHolder).Outcome != Verified) {
				t.Errorf("holder %q, check %+v", rep.Holder, rep.Check(CheckHolder))
			}
		})
	}
}
