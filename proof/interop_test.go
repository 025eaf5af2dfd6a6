package proof

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/did"
)

// vcVerifyDir returns the vc-verify folder named by CAIRN_VC_VERIFY, or skips.
func vcVerifyDir(t *testing.T) string {
	dir := os.Getenv("CAIRN_VC_VERIFY")
	if dir == "" {
		t.Skip("interop with the third-party verifier is off: set CAIRN_VC_VERIFY to the vc-verify folder (e.g. /work/shared/tools/vc-verify, after `npm ci` there)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("CAIRN_VC_VERIFY is set but node is not on PATH: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		t.Fatalf("CAIRN_VC_VERIFY=%s: no node_modules, run `npm ci` there", dir)
	}
	return dir
}

type vcVerifyLine struct {
	File     string   `json:"file"`
	Verified bool     `json:"verified"`
	Format   string   `json:"format"`
	Errors   []string `json:"errors"`
}

// TestInteropCairnToVCVerify signs with Cairn and has vc-verify (Digital
// Bazaar + jose) verify the result; tampered copies must fail there.
func TestInteropCairnToVCVerify(t *testing.T) {
	vv := vcVerifyDir(t)
	ctx := context.Background()
	tmp := t.TempDir()
	want := map[string]bool{}
	write := func(name string, data []byte, verified bool) {
		t.Helper()
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		want[p] = verified
	}
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

	// Data Integrity, did:key, proof as a one-element array.
	ed := vcVerifyKey(t, "ed25519")
	edDID, edVM, _ := did.KeyDID(ed.Public())
	for _, base := range []string{"ob3-basic", "ob3-full"} {
		cred := readJSON(t, "vc-verify/examples/"+base+"-unsigned.json")
		setIssuer(cred, edDID)
		signed, err := SignDI(ctx, cred, ed, edVM, created)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.MarshalIndent(signed, "", "  ")
		write(base+".cairn-di.json", b, true)
		signed["name"] = "Tampered"
		b, _ = json.Marshal(signed)
		write(base+".cairn-di.TAMPERED.json", b, false)
	}

	// VC-JWT.
	for _, j := range []struct{ key, issuer, kid string }{
		{"p256", "did:web:issuer.example", "did:web:issuer.example#key-p256"},
		{"rsa", "did:web:issuer.example", "did:web:issuer.example#key-rsa"},
		{"ed25519", edDID, edVM},
	} {
		cred := ob3Unsigned(t)
		setIssuer(cred, j.issuer)
		tok, err := SignJWT(cred, vcVerifyKey(t, j.key), j.kid)
		if err != nil {
			t.Fatal(err)
		}
		write("ob3-basic.cairn."+j.key+".jwt", []byte(tok), true)
		write("ob3-basic.cairn."+j.key+".TAMPERED.jwt", []byte(tamperJWT(t, tok)), false)
	}

	mapFile, _ := filepath.Abs("testdata/vc-verify/keys/didweb-map.json")
	args := []string{filepath.Join(vv, "verify.mjs"), "--map", mapFile}
	for p := range want {
		args = append(args, p)
	}
	cmd := exec.Command("node", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.Output() // exits 1 because of the tampered inputs
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l vcVerifyLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("vc-verify output %q: %v", sc.Text(), err)
		}
		w, ok := want[l.File]
		if !ok {
			t.Fatalf("vc-verify reported an unknown file %q", l.File)
		}
		seen++
		if l.Verified != w {
			t.Errorf("%s: vc-verify verified=%v, want %v; errors %q", filepath.Base(l.File), l.Verified, w, l.Errors)
		} else {
			t.Logf("%s: verified=%v (%s) %q", filepath.Base(l.File), l.Verified, l.Format, l.Errors)
		}
	}
	if seen != len(want) {
		t.Fatalf("vc-verify reported %d of %d files; stderr: %s", seen, len(want), stderr.String())
	}
}

// tamperJWT changes the credential's name in a token, keeping the signature.
func tamperJWT(t *testing.T, tok string) string {
	parts := strings.Split(tok, ".")
	_, payload := decodeJWT(t, tok)
	payload["name"] = "Tampered"
	b, _ := json.Marshal(payload)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

func setIssuer(cred map[string]any, id string) {
	if m, ok := cred["issuer"].(map[string]any); ok {
		m["id"] = id
	} else {
		cred["issuer"] = id
	}
}

// TestInteropVCVerifyToCairn has vc-verify's sign.mjs sign with its test keys
// and verifies the output with Cairn; tampered copies must fail.
func TestInteropVCVerifyToCairn(t *testing.T) {
	vv := vcVerifyDir(t)
	ctx := context.Background()
	tmp := t.TempDir()
	unsigned, _ := filepath.Abs("testdata/vc-verify/examples/ob3-basic-unsigned.json")
	r := didWebResolver(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"eddsa-rdfc-2022.didkey.json", []string{"--suite", "eddsa-rdfc-2022"}},
		{"eddsa-rdfc-2022.didweb.json", []string{"--suite", "eddsa-rdfc-2022", "--did", "web"}},
		{"Ed25519Signature2020.json", []string{"--suite", "Ed25519Signature2020"}},
		{"EdDSA.jwt", []string{"--suite", "jwt", "--alg", "EdDSA"}},
		{"EdDSA.didweb.jwt", []string{"--suite", "jwt", "--alg", "EdDSA", "--did", "web"}},
		{"ES256.jwt", []string{"--suite", "jwt", "--alg", "ES256"}},
		{"ES256.didweb.jwt", []string{"--suite", "jwt", "--alg", "ES256", "--did", "web"}},
		{"RS256.didweb.jwt", []string{"--suite", "jwt", "--alg", "RS256", "--did", "web"}},
		{"EdDSA.jwt_vc_json.jwt", []string{"--suite", "jwt", "--alg", "EdDSA", "--jwt-format", "jwt_vc_json"}},
		{"RS256.embedded-jwk.jwt", []string{"--suite", "jwt", "--alg", "RS256", "--embed-jwk", "--no-kid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(tmp, tc.name)
			args := append([]string{filepath.Join(vv, "sign.mjs"), unsigned, "--set-issuer", "--created", "2024-01-01T00:00:00Z", "-o", out}, tc.args...)
			if msg, err := exec.Command("node", args...).CombinedOutput(); err != nil {
				t.Fatalf("sign.mjs %v: %v\n%s", tc.args, err, msg)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(tc.name, ".jwt") {
				tok := strings.TrimSpace(string(data))
				if _, err := VerifyJWTWithOptions(ctx, tok, r, fixedClock); err != nil {
					t.Fatalf("Cairn rejects vc-verify's token: %v", err)
				}
				_, err = VerifyJWTWithOptions(ctx, tamperJWT(t, tok), r, fixedClock)
				wantOutcome(t, err, Failed, "signature")
				return
			}
			var cred map[string]any
			if err := json.Unmarshal(data, &cred); err != nil {
				t.Fatal(err)
			}
			if _, err := VerifyDI(ctx, cred, r); err != nil {
				t.Fatalf("Cairn rejects vc-verify's credential: %v", err)
			}
			cred["name"] = "Tampered"
			_, err = VerifyDI(ctx, cred, r)
			wantOutcome(t, err, Failed, "signature")
		})
	}
}
