package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/verify"
)

// plainVC is an unsigned VC 2.0 credential with one claim.
func plainVC() map[string]any {
	return map[string]any{
		"@context":          []any{"https://www.w3.org/ns/credentials/v2"},
		"type":              []any{"VerifiableCredential"},
		"credentialSubject": map[string]any{"id": "did:example:alice", "name": "Alice"},
	}
}

// issued is the answer of POST /vc-api/credentials/issue.
type issued struct {
	VerifiableCredential map[string]any `json:"verifiableCredential"`
}

func (e *env) issuerDID(o org, id string) string {
	e.t.Helper()
	is, err := e.db.Issuer(context.Background(), o.id, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.svc.IssuerDID(is)
}

func TestVCAPIIssue(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("vc"))
	first := e.issuerDID(f.org, f.issuerID)
	var second struct{ ID string }
	e.do("POST", "/api/v1/issuers", f.org.key, map[string]any{"name": "Second issuer"}).must(t, 201, &second)
	secondDID := e.issuerDID(f.org, second.ID)

	t.Run("default issuer", func(t *testing.T) {
		var out issued
		e.do("POST", "/vc-api/credentials/issue", f.org.key, map[string]any{"credential": plainVC(), "options": map[string]any{}}).must(t, 201, &out)
		vc := out.VerifiableCredential
		if vc["issuer"] != first {
			t.Fatalf("issuer %v, want the organization's first issuer %s", vc["issuer"], first)
		}
		p, ok := vc["proof"].(map[string]any)
		if !ok || p["cryptosuite"] != "eddsa-rdfc-2022" || p["proofPurpose"] != "assertionMethod" ||
			!strings.HasPrefix(p["verificationMethod"].(string), first+"#") {
			t.Fatalf("proof %v", vc["proof"])
		}
		if _, ok := vc["validFrom"].(string); !ok {
			t.Fatalf("validFrom not set: %v", vc)
		}
		data, _ := json.Marshal(vc)
		rep := e.verifier.Verify(context.Background(), data)
		if c := rep.Check(verify.CheckProof); c == nil || c.Outcome != verify.Verified {
			t.Fatalf("Cairn's verifier: %s", rep.Summary())
		}
	})
	t.Run("issuer chosen by credential.issuer", func(t *testing.T) {
		for _, iss := range []any{secondDID, map[string]any{"id": secondDID, "name": "Second issuer"}} {
			c := plainVC()
			c["issuer"] = iss
			var out issued
			e.do("POST", "/vc-api/credentials/issue", f.org.key, map[string]any{"credential": c}).must(t, 201, &out)
			p := out.VerifiableCredential["proof"].(map[string]any)
			if !strings.HasPrefix(p["verificationMethod"].(string), secondDID+"#") {
				t.Fatalf("issuer %v signed with %v", iss, p["verificationMethod"])
			}
			if b, _ := json.Marshal(out.VerifiableCredential["issuer"]); !strings.Contains(string(b), secondDID) {
				t.Fatalf("issuer changed to %s", b)
			}
		}
	})
	t.Run("VC 1.1", func(t *testing.T) {
		c := plainVC()
		c["@context"] = []any{"https://www.w3.org/2018/credentials/v1"}
		delete(c["credentialSubject"].(map[string]any), "name") // not in the 1.1 context
		var out issued
		e.do("POST", "/vc-api/credentials/issue", f.org.key, map[string]any{"credential": c}).must(t, 201, &out)
		vc := out.VerifiableCredential
		ctx, _ := vc["@context"].([]any)
		if _, ok := vc["issuanceDate"].(string); !ok || len(ctx) != 2 || ctx[1] != "https://w3id.org/security/data-integrity/v2" {
			t.Fatalf("VC 1.1 issued as %v", vc)
		}
	})

	bad := []struct {
		name  string
		mod   func(c map[string]any)
		body  any // instead of the credential
		field string
	}{
		{name: "undefined term", mod: func(c map[string]any) { c["credentialSubject"].(map[string]any)["favouriteColour"] = "blue" }, field: "credential.credentialSubject.favouriteColour"},
		{name: "undefined type", mod: func(c map[string]any) { c["type"] = []any{"VerifiableCredential", "MadeUpCredential"} }, field: "credential.type[1]"},
		{name: "unknown context", mod: func(c map[string]any) {
			c["@context"] = []any{"https://www.w3.org/ns/credentials/v2", "https://contexts.example/v1"}
		}, field: "credential.@context"},
		{name: "first context", mod: func(c map[string]any) { c["@context"] = []any{"https://contexts.example/v1"} }, field: "credential.@context[0]"},
		{name: "no context", mod: func(c map[string]any) { delete(c, "@context") }, field: "credential.@context"},
		{name: "context not a URL", mod: func(c map[string]any) {
			c["@context"] = []any{"https://www.w3.org/ns/credentials/v2", "https ://not-a-url"}
		}, field: "credential.@context[1]"},
		{name: "no VerifiableCredential type", mod: func(c map[string]any) { c["type"] = []any{"Thing"} }, field: "credential.type"},
		{name: "no type", mod: func(c map[string]any) { delete(c, "type") }, field: "credential.type"},
		{name: "id not a URL", mod: func(c map[string]any) { c["id"] = "not a url" }, field: "credential.id"},
		{name: "two ids", mod: func(c map[string]any) { c["id"] = []any{"urn:a", "urn:b"} }, field: "credential.id"},
		{name: "id of an award", mod: func(c map[string]any) { c["id"] = testBase + "/credentials/x" }, field: "credential.id"},
		{name: "other organization's issuer", mod: func(c map[string]any) { c["issuer"] = "did:web:badges.example.org:issuers:nope" }, field: "credential.issuer"},
		{name: "issuer object without id", mod: func(c map[string]any) { c["issuer"] = map[string]any{"name": "X"} }, field: "credential.issuer.id"},
		{name: "no subject", mod: func(c map[string]any) { delete(c, "credentialSubject") }, field: "credential.credentialSubject"},
		{name: "subject without claims", mod: func(c map[string]any) { c["credentialSubject"] = map[string]any{} }, field: "credential.credentialSubject"},
		{name: "name with extra member", mod: func(c map[string]any) {
			c["name"] = map[string]any{"@value": "X", "@language": "en", "url": "x"}
		}, field: "credential.name.url"},
		{name: "validFrom", mod: func(c map[string]any) { c["validFrom"] = "Sat 25 Feb 2023" }, field: "credential.validFrom"},
		{name: "validUntil before validFrom", mod: func(c map[string]any) {
			c["validFrom"], c["validUntil"] = "2025-01-02T00:00:00Z", "2025-01-01T00:00:00Z"
		}, field: "credential.validUntil"},
		{name: "status without type", mod: func(c map[string]any) { c["credentialStatus"] = map[string]any{"id": "https://example.org/s"} }, field: "credential.credentialStatus.type"},
		{name: "schema without id", mod: func(c map[string]any) {
			c["credentialSchema"] = map[string]any{"type": "JsonSchema"}
		}, field: "credential.credentialSchema.id"},
		{name: "refresh without type", mod: func(c map[string]any) {
			c["refreshService"] = []any{map[string]any{"id": "https://example.org/refresh"}}
		}, field: "credential.refreshService[0].type"},
		{name: "related resource without digest", mod: func(c map[string]any) {
			c["relatedResource"] = []any{map[string]any{"id": "https://example.org/r"}}
		}, field: "credential.relatedResource[0]"},
		{name: "related resource as a string", mod: func(c map[string]any) {
			c["relatedResource"] = []any{"https://example.org/r"}
		}, field: "credential.relatedResource[0]"},
		{name: "already signed", mod: func(c map[string]any) { c["proof"] = map[string]any{"type": "DataIntegrityProof"} }, field: "credential.proof"},
		{name: "an option", body: map[string]any{"credential": plainVC(), "options": map[string]any{"credentialId": "urn:x"}}, field: "options.credentialId"},
		{name: "no credential", body: map[string]any{"options": map[string]any{}}, field: "credential"},
		{name: "unknown member", body: map[string]any{"credential": plainVC(), "verifiableCredential": plainVC()}, field: "verifiableCredential"},
		{name: "credential not an object", body: `{"credential":"x"}`, field: "credential"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if body == nil {
				c := plainVC()
				tc.mod(c)
				body = map[string]any{"credential": c}
			}
			p := e.do("POST", "/vc-api/credentials/issue", f.org.key, body).problem(t, 400)
			if p.Field != tc.field {
				t.Fatalf("field %q, want %q: %s", p.Field, tc.field, p.Detail)
			}
		})
	}

	t.Run("auth", func(t *testing.T) {
		body := map[string]any{"credential": plainVC()}
		e.do("POST", "/vc-api/credentials/issue", "", body).problem(t, 401)
		e.do("POST", "/vc-api/credentials/issue", e.keyFor(f.org, cairn.RoleViewer), body).problem(t, 403)
		e.do("POST", "/vc-api/credentials/issue", e.keyFor(f.org, cairn.RoleIssuer), body).must(t, 201, nil)
		e.do("POST", "/vc-api/credentials/issue", f.org.key, rawBody{"text/plain", []byte("{}")}).problem(t, 415)
		e.do("POST", "/vc-api/credentials/issue", f.org.key, `{"credential":`).problem(t, 400)
		e.do("GET", "/vc-api/credentials/issue", f.org.key, nil).problem(t, 405)
		e.do("POST", "/vc-api/credentials/nothing", f.org.key, body).problem(t, 404)
	})
	t.Run("organization without an issuer", func(t *testing.T) {
		o := e.newOrg("empty")
		p := e.do("POST", "/vc-api/credentials/issue", o.key, map[string]any{"credential": plainVC()}).problem(t, 400)
		if p.Field != "credential.issuer" {
			t.Fatalf("%+v", p)
		}
	})
}

// awardJSON returns the signed credential of the fixture's award, as
// served.
func (e *env) awardJSON(f fixture) []byte {
	e.t.Helper()
	aw, err := e.db.Award(context.Background(), f.org.id, f.awardID)
	if err != nil {
		e.t.Fatal(err)
	}
	return aw.CredentialJSON
}

func hasProblem(ps []api.VCProblem, check, detail string) bool {
	for _, p := range ps {
		if p.Check == check && strings.Contains(p.Detail, detail) && p.Type != "" && p.Title != "" {
			return true
		}
	}
	return false
}

func TestVCAPIVerify(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("vcv"))
	cred := e.awardJSON(f)

	body := `{"verifiableCredential":` + string(cred) + `,"options":{"checks":["proof"]}}`
	var ok api.VCVerification
	e.do("POST", "/vc-api/credentials/verify", "", body).must(t, 200, &ok)
	for _, c := range []string{"format", "schema", "proof", "issuer-key", "status", "validity-dates"} {
		if !strings.Contains(strings.Join(ok.Checks, " "), c) {
			t.Errorf("checks %v lack %s", ok.Checks, c)
		}
	}
	if ok.Result != verify.Verified || ok.Errors == nil || len(ok.Errors) != 0 || ok.Warnings == nil {
		t.Fatalf("%+v", ok)
	}

	tampered := strings.Replace(string(cred), `"Go Programming"`, `"Go Programming II"`, 1)
	var failed api.VCVerification
	e.do("POST", "/vc-api/credentials/verify", "", `{"verifiableCredential":`+tampered+`}`).must(t, 400, &failed)
	if failed.Result != verify.Failed || !hasProblem(failed.Errors, "proof", "signature") || slicesContain(failed.Checks, "proof") {
		t.Fatalf("tampered: %+v", failed)
	}

	// Revoked: the status check fails.
	e.do("POST", "/api/v1/awards/"+f.awardID+"/revoke", f.org.key, map[string]any{"reason": "test"}).must(t, 200, nil)
	var revoked api.VCVerification
	e.do("POST", "/vc-api/credentials/verify", "", body).must(t, 400, &revoked)
	if !hasProblem(revoked.Errors, "status", "revoked") || !slicesContain(revoked.Checks, "proof") {
		t.Fatalf("revoked: %+v", revoked)
	}

	for name, tc := range map[string]struct {
		body  string
		code  int
		field string
	}{
		"no credential":   {`{"options":{}}`, 400, "verifiableCredential"},
		"null credential": {`{"verifiableCredential":null}`, 400, "verifiableCredential"},
		"unknown member":  {`{"credential":{}}`, 400, "credential"},
		"checks mistyped": {`{"verifiableCredential":{},"options":{"checks":"proof"}}`, 400, "options.checks"},
		"options array":   {`{"verifiableCredential":{},"options":[]}`, 400, "options"},
	} {
		t.Run(name, func(t *testing.T) {
			p := e.do("POST", "/vc-api/credentials/verify", "", tc.body).problem(t, tc.code)
			if p.Field != tc.field {
				t.Fatalf("%+v", p)
			}
		})
	}
	// Unknown options are ignored; a credential that is not one fails.
	var notVC api.VCVerification
	e.do("POST", "/vc-api/credentials/verify", "", `{"verifiableCredential":{"a":1},"options":{"unknown":true}}`).must(t, 400, &notVC)
	if notVC.Result != verify.Failed || !hasProblem(notVC.Errors, "format", "@context") {
		t.Fatalf("%+v", notVC)
	}
	// The size limit is the verifier's, as on /api/v1/verify.
	huge := `{"verifiableCredential":"` + strings.Repeat("a", verify.MaxInputBytes) + `"}`
	e.do("POST", "/vc-api/credentials/verify", "", huge).problem(t, 413)
}

func TestVCAPIVerifyIssued(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("vci"))
	var out issued
	e.do("POST", "/vc-api/credentials/issue", f.org.key, map[string]any{"credential": plainVC()}).must(t, 201, &out)
	data, _ := json.Marshal(map[string]any{"verifiableCredential": out.VerifiableCredential})
	var v api.VCVerification
	r := e.do("POST", "/vc-api/credentials/verify", "", string(data))
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("%d %s", r.code, r.body)
	}
	// What the verifier thinks of a plain VC's schema is its own rule; the
	// proof and the issuer's key must verify.
	if !slicesContain(v.Checks, "proof") || !slicesContain(v.Checks, "issuer-key") || hasProblem(v.Errors, "proof", "") {
		t.Fatalf("%d %+v", r.code, v)
	}
}

func slicesContain(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestVCAPIPresentations(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("vp"))
	cred := string(e.awardJSON(f))
	vp := func(creds ...string) string {
		return `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"verifiableCredential":[` + strings.Join(creds, ",") + `]}`
	}
	var ok api.VCVerification
	e.do("POST", "/vc-api/presentations/verify", "", `{"verifiablePresentation":`+vp(cred)+`}`).must(t, 200, &ok)
	if ok.Result != verify.Verified || !slicesContain(ok.Checks, "format") || !slicesContain(ok.Checks, "credentials") {
		t.Fatalf("%+v", ok)
	}
	// An unsigned presentation cannot bind a challenge: said as a warning.
	var warned api.VCVerification
	e.do("POST", "/vc-api/presentations/verify", "", `{"verifiablePresentation":`+vp(cred)+`,"options":{"challenge":"c1","domain":"d"}}`).must(t, 200, &warned)
	if !hasProblem(warned.Warnings, "presentation-proof", "challenge") {
		t.Fatalf("%+v", warned)
	}

	tampered := strings.Replace(cred, `"Go Programming"`, `"Go Programming II"`, 1)
	for name, tc := range map[string]struct {
		vp, check, detail string
	}{
		"tampered credential":  {vp(cred, tampered), "proof", "verifiableCredential[1]: "},
		"credential as string": {vp(`"https://example.org/vc"`), "inner-credentials", "verifiableCredential[0]"},
		"no type":              {`{"@context":["https://www.w3.org/ns/credentials/v2"]}`, "format", "VerifiablePresentation"},
		"no context":           {`{"type":"VerifiablePresentation"}`, "format", "@context"},
		"bad holder":           {`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","holder":3}`, "format", "holder"},
		"bad proof":            {strings.TrimSuffix(vp(cred), "}") + `,"proof":{"type":"DataIntegrityProof","cryptosuite":"eddsa-rdfc-2022","proofPurpose":"authentication","verificationMethod":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","proofValue":"z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKFkjiMHBkmCrJZWhh"}}`, "presentation-proof", "signature"},
	} {
		t.Run(name, func(t *testing.T) {
			var out api.VCVerification
			e.do("POST", "/vc-api/presentations/verify", "", `{"verifiablePresentation":`+tc.vp+`}`).must(t, 400, &out)
			if out.Result != verify.Failed || !hasProblem(out.Errors, tc.check, tc.detail) {
				t.Fatalf("%+v", out)
			}
		})
	}
	e.do("POST", "/vc-api/presentations/verify", "", `{"verifiablePresentation":null}`).problem(t, 400)
	e.do("POST", "/vc-api/presentations/verify", "", `{"verifiableCredential":{}}`).problem(t, 400)
}
