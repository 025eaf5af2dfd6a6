package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cairnpkg "github.com/cairn-badges/cairn"
)

// TestVerifyCLRVectors: `cairn verify` reads 1EdTech's CLR 2.0 test
// credentials (verify/testdata/1edtech/clr20, from the public validator)
// as that validator does: the ones it accepts verify, with warnings for
// what it warns about (old contexts, keys no document binds to a urn:uuid
// issuer); the canonical one, offline, has its signature checked but its
// key unconfirmed (its controller document is not served anywhere), and
// verifies when the document is given.
func TestVerifyCLRVectors(t *testing.T) {
	dir := t.TempDir()
	vec := func(name string) string {
		p, err := filepath.Abs(filepath.Join("..", "..", "verify", "testdata", "1edtech", "clr20", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, want := range map[string]int{
		"simple_v1.json":      0,
		"complex.json":        0,
		"simple.jwt":          0,
		"simple.json":         ExitIndeterminate,
		"simple-noproof.json": ExitFailed,
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := cairn(t, dir, "", "verify", "--offline", "--now", "2026-01-01T00:00:00Z", vec(name))
			if code != want {
				t.Fatalf("exit %d, want %d\n%s%s", code, want, out, errOut)
			}
			if want == 0 && !strings.Contains(out, "warning:") {
				t.Errorf("verified without a warning:\n%s", out)
			}
			if strings.Count(out, "inner-credentials") == 0 {
				t.Errorf("no inner credential check:\n%s", out)
			}
		})
	}
	// With the issuer's controller documents, the canonical vector verifies.
	doc := func(id string, keys ...string) string {
		var vms, refs []any
		for _, k := range keys {
			vms = append(vms, map[string]any{"id": id + "#" + k, "type": "Multikey", "controller": id, "publicKeyMultibase": k})
			refs = append(refs, id+"#"+k)
		}
		b, _ := json.Marshal(map[string]any{"@context": []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
			"id": id, "verificationMethod": vms, "assertionMethod": refs})
		p := filepath.Join(dir, strings.NewReplacer("/", "_", ":", "_").Replace(id)+".json")
		os.WriteFile(p, b, 0o644)
		return id + "=" + p
	}
	code, out, errOut := cairn(t, dir, "", "verify", "--offline",
		"--resolve", doc("https://example.edu/issuers/565049", "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"),
		"--resolve", doc("https://example.com/issuers/876543", "z6MkvREVgsHx7Ppae68vCoByy73ZD4aMSJiPML2cryVL8JAx"),
		vec("simple.json"))
	if code != 0 || strings.Count(out, "VERIFIED") != 2 {
		t.Fatalf("simple.json with its controller documents: exit %d\n%s%s", code, out, errOut)
	}
}

// TestVerifyPathwayCLR: the CLR of a pathway award made by the real server
// verifies in `cairn verify`, which reports each inner credential.
func TestVerifyPathwayCLR(t *testing.T) {
	dir := t.TempDir()
	a := bootApp(t, dir)
	base, fr := a.BaseURL(), a.FirstRun
	post := func(path string, body any) string {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+fr.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ ID string }
		json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != 201 {
			t.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
		return out.ID
	}
	ach := func(name string) string {
		return post("/api/v1/achievements", map[string]any{"issuerId": fr.IssuerID, "name": name, "description": name + ".", "criteriaNarrative": "Do it."})
	}
	b1, b2, goal := ach("Part one"), ach("Part two"), ach("The whole")
	post("/api/v1/pathways", map[string]any{"name": "Whole", "achievementId": goal, "autoAward": true,
		"rule": map[string]any{"all": []any{map[string]any{"achievement": b1}, map[string]any{"achievement": b2}}}})
	for _, b := range []string{b1, b2} {
		post("/api/v1/awards", map[string]any{"achievementId": b, "recipient": map[string]any{"email": "kim@example.org"}})
	}
	ctx := context.Background()
	var clr []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && clr == nil; time.Sleep(20 * time.Millisecond) {
		aws, _, err := a.Service().Store().Awards(ctx, cairnpkg.AwardFilter{OrgID: fr.OrgID, AchievementID: goal})
		if err != nil || len(aws) == 0 {
			continue
		}
		if c, err := a.Pathways().AwardCLR(ctx, fr.OrgID, aws[0].ID); err == nil {
			clr = c.JSON
		}
	}
	if clr == nil {
		t.Fatal("no CLR of the pathway award after 20 s")
	}
	f := filepath.Join(dir, "clr.json")
	os.WriteFile(f, clr, 0o644)
	code, out, errOut := cairn(t, dir, "", "verify", f)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if n := strings.Count(out, "VERIFIED"); n != 4 || !strings.Contains(out, "all 3 inner credentials verified") {
		t.Errorf("want the CLR and its 3 inner credentials each VERIFIED, got %d:\n%s", n, out)
	}
}
