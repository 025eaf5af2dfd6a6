package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/bake"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/verify"
)

// TestEndToEnd boots the real server, issues through the API, verifies what
// it serves with Cairn's verifier (over HTTP, as an outsider) and with the
// independent vc-verify (did:web resolved against the running server),
// unbakes the PNG, revokes, and sees the change on the page and in the
// verifiers.
func TestEndToEnd(t *testing.T) {
	a, stop := boot(t, t.TempDir())
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	call := func(method, path, body string, hdr ...string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+fr.APIKey)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	body := `{"achievementId":"` + fr.AchievementID + `","recipient":{"email":"learner@example.org","name":"A. Learner","showName":true},"formats":["di","jwt"]}`
	code, out := call("POST", "/api/v1/awards", body, "Idempotency-Key", "e2e-1")
	if code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, out)
	}
	var award struct {
		ID string `json:"id"`
	}
	json.Unmarshal(out, &award)
	if code, again := call("POST", "/api/v1/awards", body, "Idempotency-Key", "e2e-1"); code != http.StatusOK || !strings.Contains(string(again), award.ID) {
		t.Fatalf("retry with the same Idempotency-Key: %d %s", code, again)
	}

	// Waiting for the transparency log: the answer says where the award is.
	code, out = call("POST", "/api/v1/awards?wait=inclusion&timeout=20s", strings.Replace(body, "learner@", "logged@", 1))
	var logged struct {
		Log struct {
			Index, TreeSize uint64
			Checkpoint      string
			Pending         bool
		} `json:"log"`
	}
	json.Unmarshal(out, &logged)
	if code != http.StatusCreated || logged.Log.Pending || logged.Log.TreeSize <= logged.Log.Index || !strings.Contains(logged.Log.Checkpoint, "/log\n") {
		t.Fatalf("wait=inclusion: %d %s", code, out)
	}
	if code, out := call("POST", "/api/v1/awards?wait=forever", body); code != http.StatusBadRequest || !strings.Contains(string(out), `"wait"`) {
		t.Fatalf("wait=forever: %d %s", code, out)
	}

	credURL := base + "/credentials/" + award.ID
	credJSON := getOK(t, credURL+".json")
	credJWT := getOK(t, credURL+".jwt")
	png := getOK(t, credURL+".png")

	// Cairn's verifier as an outsider: plain HTTP to the loopback server.
	outsider := verify.New(fetch.Func(func(ctx context.Context, u string) ([]byte, error) {
		u = strings.Replace(u, "https://", "http://", 1) // did:web maps to https; the test server is http
		return (&fetch.HTTP{AllowLoopbackHTTP: true}).Fetch(ctx, u)
	}))
	for name, in := range map[string][]byte{"json": credJSON, "jwt": credJWT, "png": png} {
		if rep := outsider.Verify(context.Background(), in); rep.Result != verify.Verified {
			t.Fatalf("%s: %s", name, rep.Summary())
		}
	}
	b, err := bake.Unbake(png)
	if err != nil || string(b.Payload) != string(credJSON) {
		t.Fatalf("unbaked PNG is not the stored credential: %v", err)
	}
	vcVerify(t, base, credJSON, credJWT, true)

	if code, out := call("POST", "/api/v1/awards/"+award.ID+"/revoke", `{"reason":"issued in error"}`); code != http.StatusOK {
		t.Fatalf("revoke: %d %s", code, out)
	}
	rep := outsider.Verify(context.Background(), credJSON)
	if c := rep.Check(verify.CheckStatus); rep.Result != verify.Failed || c == nil || !strings.Contains(c.Reason, "revoked") {
		t.Fatalf("after revocation: %s", rep.Summary())
	}
	page := string(getOK(t, credURL))
	if !strings.Contains(page, "revoked") || !strings.Contains(page, "issued in error") {
		t.Fatal("the credential page does not say it is revoked, with the reason")
	}
	// vc-verify does not read status lists; it can check that the list that
	// now says "revoked" is signed by the issuer.
	var cred struct {
		CredentialStatus struct {
			StatusListCredential string `json:"statusListCredential"`
		} `json:"credentialStatus"`
	}
	json.Unmarshal(credJSON, &cred)
	vcVerify(t, base, getOK(t, cred.CredentialStatus.StatusListCredential), nil, true)
}

func getOK(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

// vcVerify checks credentials with the independent verifier, resolving
// did:web against the running server. It skips unless CAIRN_VC_VERIFY names
// the tool's folder (with node_modules installed).
func vcVerify(t *testing.T, base string, jsonCred, jwt []byte, want bool) {
	t.Helper()
	tool := os.Getenv("CAIRN_VC_VERIFY")
	if tool == "" {
		t.Log("CAIRN_VC_VERIFY not set: skipping the independent verifier (set it to shared/tools/vc-verify after npm ci)")
		return
	}
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "cred.json")}
	os.WriteFile(files[0], jsonCred, 0o644)
	if jwt != nil {
		files = append(files, filepath.Join(dir, "cred.jwt"))
		os.WriteFile(files[1], jwt, 0o644)
	}
	cmd := exec.Command("node", append([]string{filepath.Join(tool, "verify.mjs"), "--didweb-base", base}, files...)...)
	out, err := cmd.CombinedOutput()
	if (err == nil) != want || strings.Count(string(out), `"verified":true`) != len(files) && want {
		t.Fatalf("vc-verify (want verified=%v): %v\n%s", want, err, out)
	}
}
