package verify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	"github.com/cairn-badges/cairn/jsonld"
	"github.com/cairn-badges/cairn/status"
)

// The rules for verifying what other platforms issue (docs/INTEROP.md):
// credentials built and signed here by another signer, and fixtures signed by
// the independent signer vc-verify (testdata/foreign, made by
// scripts/foreign-fixtures.mjs), each deviating from OB 3.0 the way real
// credentials do. Authentic, unrevoked and current ones verify, with
// warnings; tampered, revoked, expired and wrongly signed ones still fail on
// the right check.

const (
	foreignList     = "https://status.example/lists/7"
	foreignIndex    = 1234
	foreignDIDWeb   = "https://issuer.example/.well-known/did.json"
	unknownContext  = "https://other-platform.example/contexts/v1.jsonld"
	contextOB3      = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	contextVC2      = "https://www.w3.org/ns/credentials/v2"
	contextVC1      = "https://www.w3.org/2018/credentials/v1"
	contextEd255192 = "https://w3id.org/security/suites/ed25519-2020/v1"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hasWith reports whether one of list contains every substring.
func hasWith(list []string, subs ...string) bool {
	for _, s := range list {
		ok := true
		for _, sub := range subs {
			ok = ok && strings.Contains(s, sub)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestForeignFixtures(t *testing.T) {
	didWeb := readTestdata(t, "vc-verify/did-web-issuer.example.json")
	clean := readTestdata(t, "foreign/status-list.didweb.json")
	revoked := readTestdata(t, "foreign/status-list.didweb.revoked.json")
	unsigned := func() []byte {
		var m map[string]any
		json.Unmarshal(clean, &m)
		delete(m, "proof")
		b, _ := json.Marshal(m)
		return b
	}()
	badge := readTestdata(t, "foreign/ob3-vc2-eddsa-didkey.json")
	tampered := bytes.Replace(badge, []byte(`"name": "Data Analysis 101"`), []byte(`"name": "Data Analysis 901"`), 1)

	for _, tc := range []struct {
		name  string
		input []byte
		list  []byte // served at foreignList; nil: not served
		want  fixtureWant
		then  func(t *testing.T, rep *Report)
	}{
		{"OB 3.0, VC 2.0, eddsa-rdfc-2022, did:key", badge, clean, fixtureWant{Verified, ""}, func(t *testing.T, rep *Report) {
			sc := rep.Check(CheckSchema)
			for _, ptr := range []string{"(root): missing property 'validFrom'", "/issuer/image:", "/credentialSubject/achievement/image:", "/credentialSubject/achievement/achievementType:"} {
				if !hasWith(sc.Warnings, ptr) {
					t.Errorf("the schema line has no warning at %s: %q", ptr, sc.Warnings)
				}
			}
			if c := rep.Check(CheckStatus); !strings.Contains(c.Reason, "signed by did:web:issuer.example, not the credential's issuer") {
				t.Errorf("status reason %q does not say who signed the list", c.Reason)
			}
			if c := rep.Check(CheckDates); !strings.Contains(c.Reason, "no validity period") {
				t.Errorf("dates reason %q", c.Reason)
			}
			// The endorsement's key is not its endorser's: it fails on its
			// own, shown with its own outcome, and is a warning here.
			if len(rep.Endorsements) != 1 {
				t.Fatalf("%d endorsement reports, want 1", len(rep.Endorsements))
			}
			checkReport(t, rep.Endorsements[0], fixtureWant{Failed, CheckIssuerKey})
			if !hasWith(rep.Warnings, "endorsement", "Example Accreditor", "failed", "issuer-key") {
				t.Errorf("no warning for the failed endorsement: %q", rep.Warnings)
			}
		}},
		{"the same, revoked", badge, revoked, fixtureWant{Failed, CheckStatus}, nil},
		{"the same, status list not served", badge, nil, fixtureWant{Indeterminate, CheckStatus}, nil},
		{"the same, status list signed by nobody", badge, unsigned, fixtureWant{Failed, CheckStatus}, nil},
		{"the same, tampered", tampered, clean, fixtureWant{Failed, CheckProof}, nil},
		{"unknown context", readTestdata(t, "foreign/ob3-vc2-eddsa-didkey.unknown-context.json"), clean, fixtureWant{Indeterminate, CheckProof}, func(t *testing.T, rep *Report) {
			if c := rep.Check(CheckProof); !strings.Contains(c.Reason, "cannot verify: unknown JSON-LD context "+unknownContext) {
				t.Errorf("proof reason %q does not name the unknown context", c.Reason)
			}
		}},
		{"OB 3.0, VC 1.1, Ed25519Signature2020, did:web", readTestdata(t, "foreign/ob3-vc1-ed25519signature2020-didweb.json"), nil, fixtureWant{Verified, ""}, func(t *testing.T, rep *Report) {
			if !hasWith(rep.Check(CheckSchema).Warnings, "/issuer/image:") {
				t.Errorf("no warning for the image URL: %+v", rep.Check(CheckSchema))
			}
		}},
		{"plain VC 2.0", readTestdata(t, "foreign/vc2-plain-eddsa-didkey.json"), nil, fixtureWant{Verified, ""}, func(t *testing.T, rep *Report) {
			if !hasWith(rep.Notes, "not an Open Badge") {
				t.Errorf("no note that it is not an Open Badge: %q", rep.Notes)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := memFetcher{foreignDIDWeb: didWeb}
			if tc.list != nil {
				docs[foreignList] = tc.list
			}
			rep := testVerifier(docs).Verify(context.Background(), tc.input)
			checkReport(t, rep, tc.want)
			if tc.then != nil {
				tc.then(t, rep)
			}
		})
	}
}

// TestForeignSignedHere builds credentials as another platform would and
// signs them here with other keys (did:key; eddsa-rdfc-2022 and
// Ed25519Signature2020; VC 2.0 and 1.1), then breaks them one way each.
func TestForeignSignedHere(t *testing.T) {
	const listURL = "https://status.example/lists/9"
	iss, lister, endorser, stranger := newIssuer(t), newIssuer(t), newIssuer(t), newIssuer(t)

	// endorsement returns an endorsement signed by endorser; wrongKey makes
	// it name stranger as its issuer, whose key did not sign it.
	endorsement := func(wrongKey bool) map[string]any {
		e := map[string]any{
			"@context":  []any{contextVC2, contextOB3},
			"id":        "urn:uuid:3f1e2d4c-5b6a-4978-8c1d-0e2f3a4b5c6d",
			"type":      []any{"VerifiableCredential", "EndorsementCredential"},
			"name":      "Endorsement by the Guild",
			"issuer":    map[string]any{"id": endorser.did, "type": []any{"Profile"}, "name": "The Guild"},
			"validFrom": "2025-01-01T00:00:00Z",
			"credentialSubject": map[string]any{
				"id": "https://other.example/achievements/1", "type": []any{"EndorsementSubject"}, "endorsementComment": "Good.",
			},
		}
		var m map[string]any
		json.Unmarshal(endorser.sign(e), &m)
		if wrongKey {
			m["issuer"].(map[string]any)["id"] = stranger.did
		}
		return m
	}
	// badge returns a VC 2.0 badge by iss with the deviations of real ones;
	// edit changes it before it is signed.
	badge := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{
			"@context": []any{contextVC2, contextOB3},
			"id":       "https://other.example/credentials/1",
			"type":     []any{"VerifiableCredential", "OpenBadgeCredential"},
			"issuer":   map[string]any{"id": iss.did, "type": []any{"Profile"}, "name": "Other", "image": "https://other.example/logo.png"},
			"credentialSubject": map[string]any{
				"id":   "did:example:learner",
				"type": []any{"AchievementSubject"},
				"achievement": map[string]any{
					"id": "https://other.example/achievements/1", "type": []any{"Achievement"},
					"name": "Data 1", "description": "Data.", "criteria": map[string]any{"narrative": "Do it."},
					"achievementType": "Bootcamp", "image": "https://other.example/badge.png",
					"endorsement": []any{endorsement(true)},
				},
			},
			"credentialStatus": status.NewEntry(listURL, status.Revocation, 77),
		}
		if edit != nil {
			edit(m)
		}
		return m
	}
	signed := func(m map[string]any) []byte { return iss.sign(m) }
	subject := func(m map[string]any) map[string]any { return m["credentialSubject"].(map[string]any) }

	cleanList := lister.list(listURL, status.Revocation, time.Time{})
	revokedList := lister.list(listURL, status.Revocation, time.Time{}, 77)
	unsignedList := func() []byte {
		bits, _ := status.New(status.MinEntries)
		doc, _ := status.NewListCredential(listURL, lister.did, status.Revocation, bits, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{})
		b, _ := json.Marshal(doc)
		return b
	}()
	tampered := func() []byte {
		var m map[string]any
		json.Unmarshal(signed(badge(nil)), &m)
		subject(m)["id"] = "did:example:someone-else"
		b, _ := json.Marshal(m)
		return b
	}()
	// Signed by stranger for its own DID, then presented as iss's.
	wrongKey := func() []byte {
		m := badge(nil)
		m["issuer"].(map[string]any)["id"] = stranger.did
		var s map[string]any
		json.Unmarshal(stranger.sign(m), &s)
		s["issuer"].(map[string]any)["id"] = iss.did
		b, _ := json.Marshal(s)
		return b
	}()
	vc1 := func(edit func(m map[string]any)) []byte {
		m := badge(func(m map[string]any) {
			m["@context"] = []any{contextVC1, contextOB3, contextEd255192}
			m["issuanceDate"] = "2025-01-01T00:00:00Z"
			delete(m, "credentialStatus")
			delete(subject(m)["achievement"].(map[string]any), "endorsement")
		})
		if edit != nil {
			edit(m)
		}
		return signEd25519Signature2020(t, iss, m)
	}

	for _, tc := range []struct {
		name  string
		input []byte
		list  []byte
		want  fixtureWant
		warns []string // substrings of a warning of the report or of a check
	}{
		{"authentic, with deviations", signed(badge(nil)), cleanList, fixtureWant{Verified, ""},
			[]string{"/issuer/image", "/credentialSubject/achievement/achievementType", "(root): missing property 'validFrom'", "endorsement \"Endorsement by the Guild\" by " + stranger.did + " failed (issuer-key"}},
		{"authentic, with a verified endorsement", signed(badge(func(m map[string]any) {
			subject(m)["achievement"].(map[string]any)["endorsement"] = []any{endorsement(false)}
		})), cleanList, fixtureWant{Verified, ""}, nil},
		{"identified by identifier", signed(badge(func(m map[string]any) {
			delete(subject(m), "id")
			subject(m)["identifier"] = []any{map[string]any{"type": "IdentityObject", "hashed": false, "identityHash": "ada@example.org", "identityType": "emailAddress"}}
		})), cleanList, fixtureWant{Verified, ""}, nil},
		{"VC 1.1, Ed25519Signature2020", vc1(nil), nil, fixtureWant{Verified, ""}, []string{"/issuer/image"}},
		{"plain VC 2.0, no validFrom", signed(map[string]any{
			"@context": []any{contextVC2}, "type": []any{"VerifiableCredential"}, "issuer": iss.did,
			"credentialSubject": map[string]any{"id": "did:example:learner"},
		}), nil, fixtureWant{Verified, ""}, nil},

		// What must still fail, on the right check.
		{"tampered", tampered, cleanList, fixtureWant{Failed, CheckProof}, nil},
		{"revoked (list by another issuer)", signed(badge(nil)), revokedList, fixtureWant{Failed, CheckStatus}, nil},
		{"status list signed by nobody", signed(badge(nil)), unsignedList, fixtureWant{Failed, CheckStatus}, nil},
		{"status list not served", signed(badge(nil)), nil, fixtureWant{Indeterminate, CheckStatus}, nil},
		{"expired", signed(badge(func(m map[string]any) { m["validUntil"] = "2025-06-01T00:00:00Z" })), cleanList, fixtureWant{Failed, CheckDates}, nil},
		{"not yet valid", signed(badge(func(m map[string]any) { m["validFrom"] = "2027-01-01T00:00:00Z" })), cleanList, fixtureWant{Failed, CheckDates}, nil},
		{"wrong key", wrongKey, cleanList, fixtureWant{Failed, CheckIssuerKey}, nil},
		{"VC 1.1 without issuanceDate", vc1(func(m map[string]any) { delete(m, "issuanceDate") }), nil, fixtureWant{Failed, CheckDates}, nil},
		{"VC 1.1 expired", vc1(func(m map[string]any) { m["expirationDate"] = "2025-06-01T00:00:00Z" }), nil, fixtureWant{Failed, CheckDates}, nil},
		{"subject without id or identifier", signed(badge(func(m map[string]any) { delete(subject(m), "id") })), cleanList, fixtureWant{Failed, CheckSchema}, nil},
		// A credential that asks for JSON Schema validation gets it.
		{"credentialSchema asks, and the image is a URL", signed(badge(func(m map[string]any) {
			m["validFrom"] = "2025-01-01T00:00:00Z"
			m["@context"] = append(m["@context"].([]any), "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
			m["credentialSchema"] = []any{map[string]any{"id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json", "type": "1EdTechJsonSchemaValidator2019"}}
		})), cleanList, fixtureWant{Failed, CheckSchema}, nil},
		// (The VC 2.0 context defines no term outside a VerifiableCredential,
		// so the type is removed after signing.)
		{"plain VC without VerifiableCredential type", func() []byte {
			var m map[string]any
			json.Unmarshal(signed(map[string]any{
				"@context": []any{contextVC2}, "type": []any{"VerifiableCredential"}, "issuer": iss.did,
				"credentialSubject": map[string]any{"id": "did:example:learner"},
			}), &m)
			m["type"] = []any{"ExampleCredential"}
			b, _ := json.Marshal(m)
			return b
		}(), nil, fixtureWant{Failed, CheckSchema}, nil},
		{"unknown context", func() []byte {
			var m map[string]any
			json.Unmarshal(signed(badge(nil)), &m)
			m["@context"] = append(m["@context"].([]any), unknownContext)
			b, _ := json.Marshal(m)
			return b
		}(), cleanList, fixtureWant{Indeterminate, CheckProof}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := memFetcher{}
			if tc.list != nil {
				docs[listURL] = tc.list
			}
			rep := testVerifier(docs).Verify(context.Background(), tc.input)
			checkReport(t, rep, tc.want)
			all := append([]string(nil), rep.Warnings...)
			for _, c := range rep.Checks {
				all = append(all, c.Warnings...)
			}
			for _, w := range tc.warns {
				if !hasWith(all, w) {
					t.Errorf("no warning says %q: %q", w, all)
				}
			}
		})
	}
}

// signEd25519Signature2020 signs doc with an Ed25519Signature2020 proof by
// f's key, as legacy issuers do (Cairn verifies the suite but does not issue
// it): Ed25519 over SHA-256(RDFC(proof options)) ‖ SHA-256(RDFC(document)).
func signEd25519Signature2020(t *testing.T, f *issuerFixture, doc map[string]any) []byte {
	t.Helper()
	ctx := context.Background()
	opts := map[string]any{
		"type":               "Ed25519Signature2020",
		"created":            "2025-01-01T00:00:00Z",
		"verificationMethod": f.vm,
		"proofPurpose":       "assertionMethod",
	}
	cfg := map[string]any{"@context": doc["@context"]}
	for k, v := range opts {
		cfg[k] = v
	}
	proofCanon, err := jsonld.Canonicalize(ctx, cfg, jsonld.Options{})
	if err != nil {
		t.Fatal(err)
	}
	docCanon, err := jsonld.Canonicalize(ctx, doc, jsonld.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ph, dh := sha256.Sum256([]byte(proofCanon)), sha256.Sum256([]byte(docCanon))
	sig, err := f.key.Sign(append(ph[:], dh[:]...))
	if err != nil {
		t.Fatal(err)
	}
	opts["proofValue"] = "z" + base58.Encode(sig)
	doc["proof"] = opts
	b, _ := json.Marshal(doc)
	return b
}

// TestForeignFixturesIndependent checks, when CAIRN_VC_VERIFY names the
// independent verifier, that the fixtures are genuine there too (status and
// endorsements aside, which it does not check) and that the endorsement
// signed with the wrong key is refused there as well.
func TestForeignFixturesIndependent(t *testing.T) {
	dir := os.Getenv("CAIRN_VC_VERIFY")
	if dir == "" {
		t.Skip("independent verification of the fixtures is off: set CAIRN_VC_VERIFY to the vc-verify folder (e.g. /work/shared/tools/vc-verify, after `npm ci` there)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("CAIRN_VC_VERIFY is set but node is not on PATH: %v", err)
	}
	tmp := t.TempDir()
	mapFile := filepath.Join(tmp, "map.json")
	didWeb, _ := filepath.Abs("testdata/vc-verify/did-web-issuer.example.json")
	m, _ := json.Marshal(map[string]string{"did:web:issuer.example": didWeb})
	if err := os.WriteFile(mapFile, m, 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, f := range []string{"ob3-vc2-eddsa-didkey.json", "ob3-vc1-ed25519signature2020-didweb.json", "vc2-plain-eddsa-didkey.json", "status-list.didweb.json", "status-list.didweb.revoked.json"} {
		p, _ := filepath.Abs(filepath.Join("testdata/foreign", f))
		want[p] = true
	}
	var badge map[string]any
	json.Unmarshal(readTestdata(t, "foreign/ob3-vc2-eddsa-didkey.json"), &badge)
	e := badge["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["endorsement"].([]any)[0]
	eb, _ := json.Marshal(e)
	endorsementFile := filepath.Join(tmp, "endorsement.json")
	os.WriteFile(endorsementFile, eb, 0o644)
	want[endorsementFile] = false

	args := []string{filepath.Join(dir, "verify.mjs"), "--map", mapFile, "--now", "2026-01-15T12:00:00Z"}
	for f := range want {
		args = append(args, f)
	}
	out, _ := exec.Command("node", args...).Output() // exits 1: the endorsement fails
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	seen := 0
	for sc.Scan() {
		var line struct {
			File     string   `json:"file"`
			Verified bool     `json:"verified"`
			Errors   []string `json:"errors"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("vc-verify printed %q: %v", sc.Text(), err)
		}
		w, ok := want[line.File]
		if !ok {
			continue
		}
		seen++
		if line.Verified != w {
			t.Errorf("vc-verify: %s verified=%v, want %v (%q)", filepath.Base(line.File), line.Verified, w, line.Errors)
		}
	}
	if seen != len(want) {
		t.Errorf("vc-verify answered for %d of %d files:\n%s", seen, len(want), out)
	}
}
