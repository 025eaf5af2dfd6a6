package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVerifyLogOffline verifies a credential of the running server with
// cairn verify --offline, answering the issuer's DID document, status list
// and log lookup from saved files, against a saved checkpoint and its key.
func TestVerifyLogOffline(t *testing.T) {
	dir := t.TempDir()
	a := bootApp(t, filepath.Join(dir, "data"))
	base := a.BaseURL()
	body := `{"achievementId":"` + a.FirstRun.AchievementID + `","recipient":{"email":"off@example.org"},"formats":["di"]}`
	req, _ := http.NewRequest("POST", base+"/api/v1/awards", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+a.FirstRun.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	credID := a.Service().CredentialURL(out.ID)
	if _, err := a.TransparencyLog().WaitIncluded(context.Background(), credID, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	save := func(name, u string) string {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		f := filepath.Join(dir, name)
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
		}
		os.WriteFile(f, b, 0o644)
		return f
	}
	credFile := save("cred.json", credID+".json")
	var cred struct {
		Issuer struct {
			ID string `json:"id"`
		} `json:"issuer"`
		CredentialStatus struct {
			StatusListCredential string `json:"statusListCredential"`
		} `json:"credentialStatus"`
	}
	b, _ := os.ReadFile(credFile)
	json.Unmarshal(b, &cred)
	did := cred.Issuer.ID
	didFile := save("did.json", base+"/issuers/"+did[strings.LastIndex(did, ":")+1:]+"/did.json")
	statusFile := save("status.json", cred.CredentialStatus.StatusListCredential)
	lookupURL := base + "/log/lookup/" + url.PathEscape(credID)
	lookupFile := save("lookup.json", lookupURL)
	cpFile := save("checkpoint", base+"/log/checkpoint")
	os.WriteFile(cpFile+".vkey", []byte(a.TransparencyLog().VerifierKey()+"\n"), 0o644)

	args := []string{"verify", "--offline", "--now", time.Now().UTC().Format(time.RFC3339),
		"--resolve", did + "=" + didFile,
		"--resolve", cred.CredentialStatus.StatusListCredential + "=" + statusFile}
	code, stdout, stderr := cairn(t, dir, "", append(args, "--resolve", lookupURL+"="+lookupFile, "--checkpoint", cpFile, credFile)...)
	if code != ExitOK || !strings.Contains(stdout, "transparency-log") || !strings.Contains(stdout, "given to the verifier") {
		t.Fatalf("offline with the saved lookup and checkpoint: exit %d\n%s%s", code, stdout, stderr)
	}
	// Without the lookup, a Cairn credential's log cannot be asked.
	code, stdout, _ = cairn(t, dir, "", append(args, credFile)...)
	if code != ExitIndeterminate || !strings.Contains(stdout, "could not be reached") {
		t.Fatalf("offline without the lookup: exit %d\n%s", code, stdout)
	}
}
