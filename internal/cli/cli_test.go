package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/fetch"
)

// cairn runs the command line in dir and returns exit code, stdout, stderr.
func cairn(t *testing.T, dir string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSignVerifyBakeRoundTrip(t *testing.T) {
	dir := t.TempDir()
	unsigned := testdata(t, "ob3-basic-unsigned.json")
	for _, typ := range []string{"ed25519", "p256"} {
		code, out, errs := cairn(t, dir, "", "keys", "new", "--type", typ, "--out", typ+".jwk")
		if code != 0 || !strings.HasPrefix(out, "did:key:z") {
			t.Fatalf("keys new %s: exit %d, out %q, err %q", typ, code, out, errs)
		}
	}
	cases := []struct {
		name, key, format string
		want              string // the format the report names
	}{
		{"di-ed25519", "ed25519.jwk", "di", "ldp_vc"},
		{"jwt-ed25519", "ed25519.jwk", "jwt", "vc+jwt"},
		{"jwt-p256", "p256.jwk", "jwt", "vc+jwt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, signed, errs := cairn(t, dir, "", "sign", "--key", tc.key, "--format", tc.format, "--set-issuer", unsigned)
			if code != 0 {
				t.Fatalf("sign: exit %d: %s", code, errs)
			}
			file := filepath.Join(dir, tc.name+".cred")
			os.WriteFile(file, []byte(signed), 0o644)

			code, out, errs := cairn(t, dir, "", "verify", "--json", "--offline", file)
			if code != ExitOK {
				t.Fatalf("verify: exit %d: %s %s", code, out, errs)
			}
			var rep struct {
				Result string `json:"result"`
				Format string `json:"format"`
				Checks []struct {
					Check, Outcome string
				} `json:"checks"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("--json output is not one JSON object: %v\n%s", err, out)
			}
			if rep.Result != "verified" || rep.Format != tc.want || len(rep.Checks) < 4 {
				t.Fatalf("report %+v", rep)
			}

			// Stdin works too.
			if code, _, errs := cairn(t, dir, signed, "verify", "--offline", "-"); code != ExitOK {
				t.Fatalf("verify -: exit %d: %s", code, errs)
			}

			// Baked into the 1EdTech PNG (replacing its credential), then unbaked.
			baked := filepath.Join(dir, tc.name+".png")
			if code, _, errs := cairn(t, dir, "", "bake", "--credential", file, "--image", testdata(t, "simple-json.png"), "--out", baked); code != 0 {
				t.Fatalf("bake: exit %d: %s", code, errs)
			}
			code, out, _ = cairn(t, dir, "", "unbake", baked)
			if code != 0 || strings.TrimSpace(out) != strings.TrimSpace(signed) {
				t.Fatalf("unbake: exit %d, payload differs:\n%s\nwant\n%s", code, out, signed)
			}
			if code, out, _ := cairn(t, dir, "", "verify", "--offline", baked); code != ExitOK || !strings.Contains(out, "baked in PNG") {
				t.Fatalf("verify baked: exit %d\n%s", code, out)
			}

			// Tampering fails with exit 1 and names the proof.
			tampered := strings.Replace(signed, "Teamwork Badge", "Teamwork Badge!", 1)
			if tc.format == "jwt" {
				tampered = signed[:len(signed)-6] + "AAAAA\n"
			}
			code, out, _ = cairn(t, dir, tampered, "verify", "--offline", "-")
			if code != ExitFailed || !strings.Contains(out, "FAIL") {
				t.Fatalf("tampered: exit %d\n%s", code, out)
			}
		})
	}
}

func TestVerifyIndeterminateOffline(t *testing.T) {
	// A did:web issuer cannot be resolved offline: indeterminate, exit 2.
	dir := t.TempDir()
	cairn(t, dir, "", "keys", "new", "--out", "k.jwk")
	code, signed, errs := cairn(t, dir, "", "sign", "--key", "k.jwk", "--vm", "did:web:issuer.example#key-1", "--set-issuer", testdata(t, "ob3-basic-unsigned.json"))
	if code != 0 {
		t.Fatalf("sign: %d %s", code, errs)
	}
	code, out, _ := cairn(t, dir, signed, "verify", "--offline", "-")
	if code != ExitIndeterminate || !strings.Contains(out, "INDETERMINATE") {
		t.Fatalf("exit %d\n%s", code, out)
	}

	// With --resolve answering the did:web URL from a local file, it verifies.
	code, doc, errs := cairn(t, dir, "", "keys", "did-web", "--did", "did:web:issuer.example", "--key", "k.jwk#key-1")
	if code != 0 {
		t.Fatalf("keys did-web: %d %s", code, errs)
	}
	os.WriteFile(filepath.Join(dir, "did.json"), []byte(doc), 0o644)
	code, out, _ = cairn(t, dir, signed, "verify", "--offline", "--resolve", "https://issuer.example/.well-known/did.json="+filepath.Join(dir, "did.json"), "-")
	if code != ExitOK {
		t.Fatalf("with --resolve: exit %d\n%s", code, out)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{\n \"a\": [1,\n}"), 0o644)
	os.WriteFile(filepath.Join(dir, "short.jwk"), []byte(`{"kty":"OKP","crv":"Ed25519","x":"AAAA","d":"AAAA"}`), 0o600)
	os.WriteFile(filepath.Join(dir, "trunc.png"), []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00"), 0o644)
	cairn(t, dir, "", "keys", "new", "--out", "k.jwk")
	undefinedType := `{"@context":["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
 "id":"urn:uuid:1","type":["VerifiableCredential","OpenBadgeCredential","NotDefinedAnywhere"],"issuer":{"id":"did:example:x","type":["Profile"]},
 "validFrom":"2024-01-01T00:00:00Z","credentialSubject":{"type":["AchievementSubject"],"achievement":{"id":"urn:a","type":["Achievement"],"name":"n","description":"d","criteria":{"narrative":"c"}}}}`
	os.WriteFile(filepath.Join(dir, "undef.json"), []byte(undefinedType), 0o644)

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no args", nil, ExitUsage, ""},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "unknown command"},
		{"unknown flag", []string{"verify", "--nope", "x"}, ExitUsage, "nope"},
		{"missing file", []string{"verify", "nothere.json"}, ExitUsage, "nothere.json"},
		{"malformed JSON", []string{"verify", "--offline", "bad.json"}, ExitFailed, ""},
		{"sign malformed JSON", []string{"sign", "--key", "k.jwk", "bad.json"}, ExitUsage, "line 3"},
		{"bad key type", []string{"keys", "new", "--type", "dsa", "--out", "x"}, ExitUsage, "dsa"},
		{"short key", []string{"sign", "--key", "short.jwk", "bad.json"}, ExitUsage, "short.jwk"},
		{"no key", []string{"sign", "bad.json"}, ExitUsage, "--key"},
		{"truncated png", []string{"unbake", "trunc.png"}, ExitUsage, "PNG"},
		{"bake without image", []string{"bake", "--credential", "bad.json", "--out", "x"}, ExitUsage, "--image"},
		{"bad --now", []string{"verify", "--now", "yesterday", "bad.json"}, ExitUsage, "--now"},
		{"bad --resolve", []string{"verify", "--resolve", "nourl", "bad.json"}, ExitUsage, "--resolve"},
		{"undefined type refused when signing", []string{"sign", "--key", "k.jwk", "--set-issuer", "--no-schema", "undef.json"}, ExitUsage, "NotDefinedAnywhere"},
		{"overwrite key", []string{"keys", "new", "--out", "k.jwk"}, ExitUsage, "k.jwk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := cairn(t, dir, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, errs)
			}
			if tc.want != "" && !strings.Contains(errs, tc.want) {
				t.Fatalf("stderr %q does not mention %q", errs, tc.want)
			}
			if strings.Count(strings.TrimSpace(errs), "\n") > 0 && tc.name != "no args" {
				t.Fatalf("error is more than one line: %q", errs)
			}
			if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine") {
				t.Fatalf("panic: %s", errs)
			}
		})
	}
}

func TestLoopbackFallback(t *testing.T) {
	for host, want := range map[string]bool{"127.0.0.1": true, "127.8.9.10": true, "::1": true, "localhost": true, "example.org": false, "10.0.0.1": false, "": false} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v", host, got)
		}
	}
	var asked []string
	f := loopbackHTTP(fetch.Func(func(ctx context.Context, u string) ([]byte, error) {
		asked = append(asked, u)
		if strings.HasPrefix(u, "https://") {
			return nil, fetch.ErrUnavailable
		}
		return []byte("ok"), nil
	}))
	if b, err := f.Fetch(context.Background(), "https://127.0.0.1:8080/issuers/x/did.json"); err != nil || string(b) != "ok" {
		t.Fatalf("loopback: %q %v", b, err)
	}
	asked = nil
	if _, err := f.Fetch(context.Background(), "https://example.org/did.json"); err == nil || len(asked) != 1 {
		t.Fatalf("a non-loopback https URL was retried over http: %v %v", asked, err)
	}
}

// TestVerifyForeignShowsWarnings: a credential issued elsewhere (signed by
// vc-verify, ../../verify/testdata/foreign) verifies, and the output lists
// the schema deviations under the schema line, who signed the status list,
// and the endorsement with its own outcome.
func TestVerifyForeignShowsWarnings(t *testing.T) {
	foreign, err := filepath.Abs(filepath.Join("..", "..", "verify", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := cairn(t, t.TempDir(), "", "verify", "--offline", "--now", "2026-01-15T12:00:00Z",
		"--resolve", "https://status.example/lists/7="+filepath.Join(foreign, "foreign/status-list.didweb.json"),
		"--resolve", "https://issuer.example/.well-known/did.json="+filepath.Join(foreign, "vc-verify/did-web-issuer.example.json"),
		filepath.Join(foreign, "foreign/ob3-vc2-eddsa-didkey.json"))
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"VERIFIED: Data Analysis 101",
		"warning: /issuer/image: got string, want object",
		"signed by did:web:issuer.example, not the credential's issuer",
		"endorsements (each the endorser's statement",
		"FAILED: Endorsement by the Example Accreditor",
		"[FAIL] issuer-key",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestPathwayCheck(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := cairn(t, dir, `{"name":"x","rule":{"atLeast":1,"of":[{"achievement":"a"},{"achievement":"b","within":"P24M"}]}}`, "pathway", "check", "-")
	if code != 0 || !strings.Contains(out, `ok: a "atLeast" rule naming 2 achievements`) {
		t.Fatalf("good rule: %d %q %q", code, out, errOut)
	}
	code, _, errOut = cairn(t, dir, `{"atLeast":1,"of":[{"achievement":"a"},{"achievement":"b","within":"24 months"}]}`, "pathway", "check", "-")
	if code != 1 || !strings.Contains(errOut, "rule.of[1].within") {
		t.Fatalf("bad rule: %d %q", code, errOut)
	}
	if code, _, _ := cairn(t, dir, "", "pathway"); code != ExitUsage {
		t.Errorf("no subcommand: exit %d, want %d", code, ExitUsage)
	}
}
