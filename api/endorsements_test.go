package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/verify"
)

type endorsementOut struct {
	ID, Direction, IssuerID, SubjectType, SubjectID, AchievementID, Comment, State, URL string
	Credential                                                                          json.RawMessage
}

// An organization's issuer endorses another organization's achievement
// and issuer: the EndorsementCredential is signed by the endorser and
// verifies; both sides list it; bad input gets 422 naming the field.
func TestEndorsements(t *testing.T) {
	e := newEnv(t)
	a := e.makeFixture(e.newOrg("endorsed"))
	b := e.newOrg("endorser")
	var bi struct{ ID string }
	e.do("POST", "/api/v1/issuers", b.key, map[string]any{"name": "Endorsing Body"}).must(t, 201, &bi)

	var out endorsementOut
	r := e.do("POST", "/api/v1/endorsements", b.key, map[string]any{"issuerId": bi.ID, "achievementId": a.achievementID, "comment": "Rigorous assessment."})
	r.must(t, 201, &out)
	if r.hdr.Get("Location") != "/api/v1/endorsements/"+out.ID || out.Direction != "given" || out.SubjectType != "achievement" ||
		out.SubjectID != testBase+"/achievements/"+a.achievementID || out.State != "active" || out.URL != testBase+"/endorsements/"+out.ID {
		t.Fatalf("endorsement %+v (Location %q)", out, r.hdr.Get("Location"))
	}
	var cred struct {
		ID                string
		Type              []string
		Issuer            struct{ ID string }
		CredentialSubject struct {
			ID                 string
			Type               []string
			EndorsementComment string
		}
		Proof []struct{ Type, Cryptosuite string }
	}
	if err := json.Unmarshal(out.Credential, &cred); err != nil {
		t.Fatal(err)
	}
	if cred.ID != out.URL || strings.Join(cred.Type, ",") != "VerifiableCredential,EndorsementCredential" ||
		cred.Issuer.ID != e.issuerDID(b, bi.ID) || cred.CredentialSubject.ID != out.SubjectID ||
		strings.Join(cred.CredentialSubject.Type, ",") != "EndorsementSubject" || cred.CredentialSubject.EndorsementComment != "Rigorous assessment." ||
		len(cred.Proof) != 1 || cred.Proof[0].Type != "DataIntegrityProof" || cred.Proof[0].Cryptosuite != "eddsa-rdfc-2022" {
		t.Fatalf("credential %s", out.Credential)
	}
	mustVerify(t, e, out.Credential, verify.Verified)
	vcVerify(t, e, bi.ID, out.Credential)

	// A profile endorsement: the subject is the issuer's DID.
	var prof endorsementOut
	e.do("POST", "/api/v1/endorsements", b.key, map[string]any{"issuerId": bi.ID, "profileId": a.issuerID, "comment": "A trusted issuer."}).must(t, 201, &prof)
	if prof.SubjectType != "profile" || prof.SubjectID != e.issuerDID(a.org, a.issuerID) {
		t.Fatalf("profile endorsement %+v", prof)
	}
	mustVerify(t, e, prof.Credential, verify.Verified)

	// Given by B, received by A.
	var lb, la struct{ Given, Received []endorsementOut }
	e.do("GET", "/api/v1/endorsements", b.key, nil).must(t, 200, &lb)
	e.do("GET", "/api/v1/endorsements", a.org.key, nil).must(t, 200, &la)
	if len(lb.Given) != 2 || len(lb.Received) != 0 || len(la.Given) != 0 || len(la.Received) != 2 || la.Received[0].Direction != "received" {
		t.Fatalf("B lists %+v, A lists %+v", lb, la)
	}
	var got endorsementOut
	e.do("GET", "/api/v1/endorsements/"+out.ID, a.org.key, nil).must(t, 200, &got)
	if string(got.Credential) != string(out.Credential) {
		t.Fatalf("the stored credential changed:\n%s\n%s", got.Credential, out.Credential)
	}

	// Only the endorser revokes.
	e.do("POST", "/api/v1/endorsements/"+prof.ID+"/revoke", a.org.key, map[string]any{"reason": "not mine"}).problem(t, 404)
	var rev endorsementOut
	e.do("POST", "/api/v1/endorsements/"+prof.ID+"/revoke", b.key, map[string]any{"reason": "Withdrawn."}).must(t, 200, &rev)
	if rev.State != "revoked" {
		t.Fatalf("revoked: %+v", rev)
	}
	e.do("POST", "/api/v1/endorsements/"+prof.ID+"/revoke", b.key, nil).problem(t, 409)

	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no issuer", map[string]any{"achievementId": a.achievementID, "comment": "x"}, "issuerId"},
		{"another org's issuer", map[string]any{"issuerId": a.issuerID, "achievementId": a.achievementID, "comment": "x"}, "issuerId"},
		{"nothing endorsed", map[string]any{"issuerId": bi.ID, "comment": "x"}, "achievementId"},
		{"both", map[string]any{"issuerId": bi.ID, "achievementId": a.achievementID, "profileId": a.issuerID, "comment": "x"}, "profileId"},
		{"no such achievement", map[string]any{"issuerId": bi.ID, "achievementId": "nope", "comment": "x"}, "achievementId"},
		{"no such profile", map[string]any{"issuerId": bi.ID, "profileId": "nope", "comment": "x"}, "profileId"},
		{"no comment", map[string]any{"issuerId": bi.ID, "achievementId": a.achievementID, "comment": " "}, "comment"},
		{"long comment", map[string]any{"issuerId": bi.ID, "achievementId": a.achievementID, "comment": strings.Repeat("x", 5001)}, "comment"},
		{"own achievement", map[string]any{"issuerId": a.issuerID, "achievementId": a.achievementID, "comment": "x"}, "achievementId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := b.key
			if tc.name == "own achievement" {
				key = a.org.key
			}
			if p := e.do("POST", "/api/v1/endorsements", key, tc.body).problem(t, 422); p.Field != tc.field {
				t.Fatalf("problem %+v, want field %s", p, tc.field)
			}
		})
	}
}

// vcVerify has the independent verifier (CAIRN_VC_VERIFY, the vc-verify
// folder) verify a credential signed by an issuer of this server, with
// the issuer's DID document given in a map; it skips without the tool.
func vcVerify(t *testing.T, e *env, issuerID string, cred []byte) {
	t.Helper()
	dir := os.Getenv("CAIRN_VC_VERIFY")
	if dir == "" {
		t.Log("not checked with vc-verify: set CAIRN_VC_VERIFY to its folder")
		return
	}
	doc, err := e.svc.DIDDocument(context.Background(), issuerID)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	credFile, mapFile := filepath.Join(tmp, "endorsement.json"), filepath.Join(tmp, "map.json")
	m, _ := json.Marshal(map[string]any{doc.ID: doc})
	if err := os.WriteFile(credFile, cred, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mapFile, m, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", filepath.Join(dir, "verify.mjs"), "--map", mapFile, credFile).CombinedOutput()
	var line struct {
		Verified bool
		Errors   []string
	}
	if jerr := json.Unmarshal(bytes.TrimSpace(out), &line); jerr != nil || err != nil || !line.Verified {
		t.Fatalf("vc-verify: %v %v\n%s", err, jerr, out)
	}
	t.Logf("vc-verify: verified")
}
