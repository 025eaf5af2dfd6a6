package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/fetch"
)

// memFetcher answers URLs from memory; anything else is unavailable.
type memFetcher map[string][]byte

func (m memFetcher) Fetch(ctx context.Context, url string) ([]byte, error) {
	if b, ok := m[url]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%s: not served in this test: %w", url, fetch.ErrUnavailable)
}

// controllerDocs serves, for every https verification method of the files
// whose fragment is a Multikey, a controller document listing that key.
func controllerDocs(t *testing.T, files ...string) memFetcher {
	t.Helper()
	m := memFetcher{}
	vms := map[string][]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if json.Unmarshal(data, &doc) != nil {
			continue
		}
		walkProofs(doc, func(vm string) {
			base, frag, ok := strings.Cut(vm, "#")
			if ok && strings.HasPrefix(base, "https://") && strings.HasPrefix(frag, "z6Mk") {
				vms[base] = append(vms[base], frag)
			}
		})
	}
	for base, frags := range vms {
		doc := map[string]any{
			"@context": []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
			"id":       base,
		}
		var methods, refs []any
		seen := map[string]bool{}
		for _, f := range frags {
			if seen[f] {
				continue
			}
			seen[f] = true
			id := base + "#" + f
			methods = append(methods, map[string]any{"id": id, "type": "Multikey", "controller": base, "publicKeyMultibase": f})
			refs = append(refs, id)
		}
		doc["verificationMethod"], doc["assertionMethod"] = methods, refs
		m[base], _ = json.Marshal(doc)
	}
	return m
}

// walkProofs calls fn with the verificationMethod of every proof in v, at
// any depth (CLR inner credentials, endorsements).
func walkProofs(v any, fn func(vm string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if k == "proof" {
				for _, p := range asList(val) {
					if pm, ok := p.(map[string]any); ok {
						if vm, ok := pm["verificationMethod"].(string); ok {
							fn(vm)
						}
					}
				}
				continue
			}
			walkProofs(val, fn)
		}
	case []any:
		for _, e := range x {
			walkProofs(e, fn)
		}
	}
}

func testVerifier(f fetch.Fetcher) *Verifier {
	v := New(f)
	v.Now = func() time.Time { return time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC) }
	return v
}

// fixtureWant is the expected outcome of a 1EdTech fixture, and the check
// that decides it (for failed and indeterminate results).
type fixtureWant struct {
	result Outcome
	check  string
}

var oneEdTechWant = map[string]fixtureWant{
	"simple.json":                 {Verified, ""},
	"simple_v1.json":              {Verified, ""},
	"simple-context-alias.json":   {Verified, ""},
	"simple-context-version.json": {Verified, ""},
	"simple-did-web-method.json":  {Verified, ""},
	"endorsement-valid.json":      {Verified, ""},
	"simple-json.png":             {Verified, ""},
	"simple-json.svg":             {Verified, ""},
	"simple-jwt.png":              {Verified, ""},
	"simple-jwt.svg":              {Verified, ""},
	"simple-jwt_v1.png":           {Verified, ""},
	"simple-jwt_v1.svg":           {Verified, ""},
	// Status list unreachable (offline). Its endorsements, with an obsolete
	// cryptosuite name and expired, are warnings: they do not decide.
	"complete.json":    {Indeterminate, CheckStatus},
	"complete_v1.json": {Failed, CheckIssuerKey},
	// did:web document and status list not served: nothing failed, but the
	// key and the status could not be checked.
	"credential-status-revoked.json":             {Indeterminate, CheckIssuerKey},
	"endorsement-err-schema-status-refresh.json": {Failed, CheckProof},
	// The key is a did:key, the issuer a urn:uuid that no document can
	// speak for: accepted with a warning, as 1EdTech's validator does
	// (keyforms.go).
	"simple-did-key-method.json": {Verified, ""},
	// Only the obsolete "eddsa-2022" cryptosuite name: it cannot be checked.
	"simple-eddsa-2022.json":  {Indeterminate, CheckProof},
	"simple-err-context.json": {Failed, CheckIssuerKey},
	"simple-err-credential-subject-achievement-result-description-type.json": {Failed, CheckProof},
	"simple-err-credential-subject-identifier-type.json":                     {Failed, CheckProof},
	"simple-err-credential-subject-profile-type.json":                        {Failed, CheckProof},
	"simple-err-credential-subject-result-type.json":                         {Failed, CheckProof},
	"simple-err-credential-subject-type.json":                                {Failed, CheckProof},
	"simple-err-evidence-type.json":                                          {Failed, CheckProof},
	"simple-err-expired.json":                                                {Failed, CheckDates},
	"simple-err-issued.json":                                                 {Failed, CheckDates},
	"simple-err-issuer-otheridentifier-type.json":                            {Failed, CheckProof},
	"simple-err-issuer-parentorg-type.json":                                  {Failed, CheckProof},
	"simple-err-issuer-type.json":                                            {Failed, CheckProof},
	"simple-err-issuer.json":                                                 {Failed, CheckIssuerKey},
	"simple-err-proof-method-no-scheme.json":                                 {Failed, CheckIssuerKey},
	"simple-err-proof-method-unknown-did-method.json":                        {Failed, CheckIssuerKey},
	"simple-err-proof-method-unknown-scheme.json":                            {Failed, CheckIssuerKey},
	"simple-err-proof-method.json":                                           {Failed, CheckIssuerKey},
	"simple-err-proof-value.json":                                            {Failed, CheckProof},
	"simple-err-type.json":                                                   {Failed, CheckProof},
	// One proof of an unknown type beside one that verifies: the unknown one
	// could not be checked, so the result cannot be "verified".
	"simple-multiple-proofs.json": {Indeterminate, CheckProof},
	"simple-noproof.json":         {Failed, CheckProof},
}

func TestOneEdTechFixtures(t *testing.T) {
	dir := "testdata/1edtech/ob30"
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	imgs, _ := filepath.Glob(filepath.Join(dir, "simple-*.[ps][nv]g"))
	v := testVerifier(controllerDocs(t, files...))
	seen := 0
	for _, f := range append(files, imgs...) {
		name := filepath.Base(f)
		want, ok := oneEdTechWant[name]
		if !ok {
			continue
		}
		seen++
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rep := v.Verify(context.Background(), data)
			checkReport(t, rep, want)
		})
	}
	if seen != len(oneEdTechWant) {
		t.Errorf("ran %d fixtures, want %d", seen, len(oneEdTechWant))
	}
}

func checkReport(t *testing.T, rep *Report, want fixtureWant) {
	t.Helper()
	if rep.Result != want.result {
		t.Fatalf("result %s, want %s: %s", rep.Result, want.result, rep.Summary())
	}
	if want.check == "" {
		return
	}
	c := rep.Check(want.check)
	if c == nil || c.Outcome != want.result {
		t.Fatalf("check %s is %+v, want %s: %s", want.check, c, want.result, rep.Summary())
	}
	if c.Reason == "" {
		t.Fatalf("check %s has no reason", want.check)
	}
}

func TestStatusListRevoked(t *testing.T) {
	dir := "testdata/1edtech/ob30/bit-string-list"
	list, err := os.ReadFile(filepath.Join(dir, "testlist"))
	if err != nil {
		t.Fatal(err)
	}
	const listURL = "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"
	for _, name := range []string{"credential-status-revoked.json", "credential-status-revoked-blank-nodes.json"} {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join(dir, name)
			data, _ := os.ReadFile(f)
			docs := controllerDocs(t, f, filepath.Join(dir, "testlist"))
			docs[listURL] = list
			rep := testVerifier(docs).Verify(context.Background(), data)
			checkReport(t, rep, fixtureWant{Failed, CheckStatus})
			if c := rep.Check(CheckStatus); !strings.Contains(c.Reason, "revoked") || !strings.Contains(c.Reason, "index 23") {
				t.Errorf("status reason %q does not say revoked at index 23", c.Reason)
			}
			if c := rep.Check(CheckProof); c == nil || c.Outcome != Verified {
				t.Errorf("proof check %+v, want verified", c)
			}

			// Without the list, the status is unknown: indeterminate, never verified.
			delete(docs, listURL)
			rep = testVerifier(docs).Verify(context.Background(), data)
			checkReport(t, rep, fixtureWant{Indeterminate, CheckStatus})
		})
	}
}

func TestVCVerifyExamples(t *testing.T) {
	dir := "testdata/vc-verify"
	didWeb, err := os.ReadFile(filepath.Join(dir, "did-web-issuer.example.json"))
	if err != nil {
		t.Fatal(err)
	}
	controller, _ := os.ReadFile(filepath.Join(dir, "1edtech-issuer-565049.controller.json"))
	docs := memFetcher{
		"https://issuer.example/.well-known/did.json": didWeb,
		"https://example.edu/issuers/565049":          controller,
	}
	v := testVerifier(docs)
	for name, want := range map[string]fixtureWant{
		"ob3-basic.eddsa-rdfc-2022.json":        {Verified, ""},
		"ob3-basic.didweb.eddsa-rdfc-2022.json": {Verified, ""},
		// The spec's complete example: its status list is not served, and
		// its endorsements (an obsolete cryptosuite name, expired) are
		// warnings.
		"ob3-full.eddsa-rdfc-2022.json":           {Indeterminate, CheckStatus},
		"1edtech-ob3-ldp-test-vector.json":        {Verified, ""},
		"ob3-basic.EdDSA.jwt":                     {Verified, ""},
		"ob3-basic.ES256.jwt":                     {Verified, ""},
		"ob3-basic.EdDSA.jwt_vc_json.jwt":         {Verified, ""},
		"ob3-basic.RS256.didweb.jwt":              {Verified, ""},
		"ob3-basic.RS256.embedded-jwk.jwt":        {Verified, ""},
		"ob3-basic.eddsa-rdfc-2022.TAMPERED.json": {Failed, CheckProof},
		"ob3-basic.EdDSA.TAMPERED.jwt":            {Failed, CheckProof},
		// ecdsa-rdfc-2019 is not a suite Cairn verifies yet.
		"ob3-basic.ecdsa-rdfc-2019.json": {Indeterminate, CheckProof},
	} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			rep := v.Verify(context.Background(), data)
			checkReport(t, rep, want)
		})
	}
}

func TestCLR(t *testing.T) {
	dir := "testdata/1edtech/clr20"
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	v := testVerifier(controllerDocs(t, files...))
	for name, want := range map[string]fixtureWant{
		"simple.json": {Verified, ""},
		// The method is urn:uuid:…#z6Mk…, the issuer that urn:uuid: no
		// document can bind the key to it, so it is taken on the
		// credential's word, with a warning (1EdTech: valid, with warnings
		// for the old contexts).
		"simple_v1.json": {Verified, ""},
		// Signed by a did:key for a urn:uuid issuer: the same (1EdTech:
		// valid).
		"complex.json": {Verified, ""},
		// Draft CLR and OB contexts, and a credentialSchema Cairn has no
		// copy of: warnings, since a JWS signature does not depend on
		// contexts and no embedded schema is named.
		"simple.jwt": {Verified, ""},
	} {
		t.Run(name, func(t *testing.T) {
			data, _ := os.ReadFile(filepath.Join(dir, name))
			rep := v.Verify(context.Background(), data)
			checkReport(t, rep, want)
			if len(rep.Inner) == 0 {
				t.Error("no inner credential reports")
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	v := testVerifier(memFetcher{})
	for name, tc := range map[string]struct {
		input string
		want  string
	}{
		"empty":         {"", "empty"},
		"syntax":        {"{\n  \"a\": ,\n}", "line 2"},
		"array":         {"[1,2]", "JWT"},
		"not a jwt":     {"hello", "JWT"},
		"no context":    {`{"type":["VerifiableCredential"]}`, "@context"},
		"bad png":       {"\x89PNG\r\n\x1a\nxx", "PNG"},
		"bad svg":       {"<svg><openbadges:credential", ""},
		"number":        {"42", ""},
		"jwt bad parts": {"a.b", "part"},
	} {
		t.Run(name, func(t *testing.T) {
			rep := v.Verify(context.Background(), []byte(tc.input))
			if rep.Result != Failed {
				t.Fatalf("result %s, want failed: %s", rep.Result, rep.Summary())
			}
			c := rep.Check(CheckFormat)
			if c == nil || c.Outcome != Failed {
				t.Fatalf("format check %+v, want failed: %s", c, rep.Summary())
			}
			if !strings.Contains(c.Reason, tc.want) {
				t.Errorf("reason %q does not mention %q", c.Reason, tc.want)
			}
		})
	}
}

// TestNeverVerifiedWithoutProof: a report without a verified proof check
// cannot be verified, whatever else passed.
func TestNeverVerifiedWithoutProof(t *testing.T) {
	r := &Report{}
	r.add(CheckFormat, Verified, "ok")
	r.add(CheckDates, Verified, "ok")
	r.finish()
	if r.Result != Indeterminate {
		t.Fatalf("result %s, want indeterminate", r.Result)
	}
}

func FuzzVerify(f *testing.F) {
	for _, g := range []string{"testdata/1edtech/ob30/simple.json", "testdata/1edtech/ob30/simple-jwt.png", "testdata/1edtech/ob30/simple-json.svg", "testdata/vc-verify/ob3-basic.EdDSA.jwt"} {
		data, err := os.ReadFile(g)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	v := testVerifier(memFetcher{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rep := v.Verify(context.Background(), data)
		if rep.Result == Verified && rep.Check(CheckProof) == nil {
			t.Fatal("verified without a proof check")
		}
	})
}
