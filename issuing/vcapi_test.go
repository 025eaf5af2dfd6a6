package issuing

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/proof"
)

// TestIssueCredentialW3CInputs issues every credential input of the W3C
// VC Data Model 2.0 test suite: the *-ok ones must be signed, with a proof
// that verifies, and the *-fail ones refused as Invalid with a field.
func TestIssueCredentialW3CInputs(t *testing.T) {
	f := newFixture(t)
	files, err := filepath.Glob("testdata/w3c-vcdm2/*.json")
	if err != nil || len(files) < 90 {
		t.Fatalf("%d inputs: %v", len(files), err)
	}
	did := f.svc.IssuerDID(f.is)
	v := f.verifier()
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var cred map[string]any
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			if err := dec.Decode(&cred); err != nil {
				t.Fatal(err)
			}
			switch name {
			case "credential-proof-ok":
				// Not used by the suite. Cairn signs unsigned credentials
				// only: adding its proof to another party's is not issuing.
				if _, err := f.svc.IssueCredential(context.Background(), f.org.ID, cred); cairn.FieldOf(err) != "credential.proof" {
					t.Fatalf("a credential with a proof: %v", err)
				}
				return
			case "credential-validUntil-validFrom-ok":
				// The suite sets the dates when it runs.
				cred["validFrom"], cred["validUntil"] = "2025-03-01T10:00:00Z", "2027-03-01T10:00:00Z"
			}
			if is, ok := cred["issuer"].(map[string]any); ok {
				if _, ok := is["id"]; !ok {
					is["id"] = did
				}
			}
			out, err := f.svc.IssueCredential(context.Background(), f.org.ID, cred)
			if strings.Contains(name, "-fail") {
				if err == nil {
					t.Fatalf("issued: %s", out.JSON)
				}
				if cairn.KindOf(err) != cairn.Invalid || !strings.HasPrefix(cairn.FieldOf(err), "credential") {
					t.Fatalf("error %v (kind %v, field %q)", err, cairn.KindOf(err), cairn.FieldOf(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep := v.Verify(context.Background(), out.JSON); rep.Check("proof") == nil || rep.Check("proof").Outcome != "verified" {
				t.Fatalf("the proof does not verify: %s", rep.Summary())
			}
			if out.Issuer.ID != f.is.ID || proof.IssuerID(out.Credential) != did {
				t.Fatalf("signed by %s as %s", out.Issuer.ID, proof.IssuerID(out.Credential))
			}
		})
	}
}

// FuzzCheckCredential feeds arbitrary JSON to the data model checks: they
// never panic, and what they accept is an object with a credentialSubject.
func FuzzCheckCredential(f *testing.F) {
	files, _ := filepath.Glob("testdata/w3c-vcdm2/*.json")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var cred map[string]any
		if json.Unmarshal(data, &cred) != nil {
			return
		}
		err := checkCredential(cred)
		if err == nil && cred["credentialSubject"] == nil {
			t.Fatalf("accepted a credential without a subject: %s", data)
		}
		if err != nil && (cairn.KindOf(err) != cairn.Invalid || cairn.FieldOf(err) == "") {
			t.Fatalf("error without a field: %v", err)
		}
	})
}
