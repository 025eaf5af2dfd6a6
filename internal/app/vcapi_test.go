package app

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestVCAPIIssueInterop issues credentials through the real server's
// VC-API (VC 2.0 and 1.1, with the issuer left out and named) and checks
// them with the independent vc-verify, which resolves the issuer's did:web
// against the running server; and that the server's own VC-API verifies
// the proof.
func TestVCAPIIssueInterop(t *testing.T) {
	a, stop := boot(t, t.TempDir())
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	post := func(path, key, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	is, err := a.db.Issuer(t.Context(), fr.OrgID, fr.IssuerID)
	if err != nil {
		t.Fatal(err)
	}
	did := a.svc.IssuerDID(is)
	for name, cred := range map[string]string{
		"vc2":              `{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"type":["VerifiableCredential","ExampleAlumniCredential"],"id":"urn:uuid:5b2e3c0a-7a41-4b3e-9f0e-0d7f1d1d2b11","credentialSubject":{"id":"did:example:alice","alumniOf":{"name":"Example University"}}}`,
		"vc2 named issuer": `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":{"id":"` + did + `","name":"My Organization"},"validFrom":"2025-01-01T00:00:00Z","credentialSubject":{"id":"did:example:bob","name":"Bob"}}`,
		"vc1.1":            `{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"issuer":"` + did + `","credentialSubject":{"id":"did:example:carol"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			code, out := post("/vc-api/credentials/issue", fr.APIKey, `{"credential":`+cred+`}`)
			if code != http.StatusCreated {
				t.Fatalf("issue: %d %s", code, out)
			}
			var res struct {
				VerifiableCredential json.RawMessage `json:"verifiableCredential"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			code, v := post("/vc-api/credentials/verify", "", `{"verifiableCredential":`+string(res.VerifiableCredential)+`}`)
			var ver struct{ Checks []string }
			json.Unmarshal(v, &ver)
			if !strings.Contains(strings.Join(ver.Checks, ","), "proof") {
				t.Fatalf("the server's VC-API does not verify the proof: %d %s", code, v)
			}
			vcVerify(t, base, res.VerifiableCredential, nil, true)
		})
	}
}
