package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testKeyFile is the shape of the vc-verify test key files in testdata.
type testKeyFile struct {
	DID          string         `json:"did"`
	PublicKeyJwk map[string]any `json:"publicKeyJwk"`
	Multikey     struct {
		PublicKeyMultibase string `json:"publicKeyMultibase"`
		SecretKeyMultibase string `json:"secretKeyMultibase"`
	} `json:"multikey"`
	PrivateKeyJwk json.RawMessage `json:"privateKeyJwk"`
}

func readTestKey(t *testing.T, name string) ([]byte, testKeyFile) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var f testKeyFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return data, f
}

func equal(a, b crypto.PublicKey) bool {
	return a.(interface{ Equal(crypto.PublicKey) bool }).Equal(b)
}

func TestGenerateSignVerify(t *testing.T) {
	for _, typ := range []Type{Ed25519, P256, RSA} {
		t.Run(string(typ), func(t *testing.T) {
			k, err := Generate(typ)
			if err != nil {
				t.Fatal(err)
			}
			if k.Type() != typ {
				t.Fatalf("Type() = %q", k.Type())
			}
			msg := []byte("hello badges")
			sig, err := k.Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			wantLen := map[Type]int{Ed25519: 64, P256: 64, RSA: 256}[typ]
			if len(sig) != wantLen {
				t.Errorf("signature length %d, want %d", len(sig), wantLen)
			}
			if err := Verify(k.Public(), msg, sig); err != nil {
				t.Errorf("Verify: %v", err)
			}
			sig[len(sig)/2] ^= 1
			if err := Verify(k.Public(), msg, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("Verify(tampered) = %v, want ErrBadSignature", err)
			}
			if got, err := TypeOf(k.Public()); err != nil || got != typ {
				t.Errorf("TypeOf = %q, %v", got, err)
			}

			// JWK round trip.
			data, err := k.MarshalJWK()
			if err != nil {
				t.Fatal(err)
			}
			k2, err := ParsePrivateKey(data)
			if err != nil {
				t.Fatalf("ParsePrivateKey(MarshalJWK()): %v\n%s", err, data)
			}
			if !equal(k.Public(), k2.Public()) {
				t.Error("public key changed in JWK round trip")
			}
			data2, _ := k2.MarshalJWK()
			if !bytes.Equal(data, data2) {
				t.Errorf("MarshalJWK not stable:\n%s\n%s", data, data2)
			}
			sig2, err := k2.Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(k.Public(), msg, sig2); err != nil {
				t.Errorf("signature by re-parsed key: %v", err)
			}

			// Public JWK round trip.
			pj, err := PublicJWK(k.Public())
			if err != nil {
				t.Fatal(err)
			}
			// Through JSON, as it arrives from the network.
			b, _ := json.Marshal(pj)
			var m map[string]any
			json.Unmarshal(b, &m)
			pub, err := ParsePublicJWK(m)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(pub, k.Public()) {
				t.Error("public key changed in public JWK round trip")
			}

			// Multikey round trip (not for RSA).
			mk, err := EncodeMultikey(k.Public())
			if typ == RSA {
				if err == nil {
					t.Error("EncodeMultikey(RSA) succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			prefix := map[Type]string{Ed25519: "z6Mk", P256: "zDn"}[typ]
			if !strings.HasPrefix(mk, prefix) {
				t.Errorf("multikey %s does not start with %s", mk, prefix)
			}
			pub, err = DecodeMultikey(mk)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(pub, k.Public()) {
				t.Error("public key changed in Multikey round trip")
			}
		})
	}
}

func TestJWSAlgorithm(t *testing.T) {
	for typ, alg := range map[Type]string{Ed25519: "EdDSA", P256: "ES256", RSA: "RS256", "x": ""} {
		if got := typ.JWSAlgorithm(); got != alg {
			t.Errorf("%q.JWSAlgorithm() = %q, want %q", typ, got, alg)
		}
	}
	for _, s := range []string{"ed25519", "p256", "P-256", "rsa", "RS256"} {
		if _, err := ParseType(s); err != nil {
			t.Errorf("ParseType(%q): %v", s, err)
		}
	}
	if _, err := ParseType("secp256k1"); err == nil {
		t.Error("ParseType(secp256k1) succeeded")
	}
}

func TestGenerateRSASizes(t *testing.T) {
	if testing.Short() {
		t.Skip("RSA key generation")
	}
	for _, bits := range []int{1024, 4097} {
		if _, err := GenerateRSA(bits); err == nil {
			t.Errorf("GenerateRSA(%d) succeeded", bits)
		}
	}
	k, err := GenerateRSA(3072)
	if err != nil {
		t.Fatal(err)
	}
	if n := k.Public().(*rsa.PublicKey).N.BitLen(); n != 3072 {
		t.Errorf("modulus %d bits", n)
	}
}

// TestVCVerifyKeys checks the vc-verify test key files: every private form
// parses to the same key, whose Multikey and public JWK are those in the file.
func TestVCVerifyKeys(t *testing.T) {
	for _, tc := range []struct {
		file string
		typ  Type
	}{{"ed25519.json", Ed25519}, {"p256.json", P256}, {"rsa.json", RSA}} {
		t.Run(tc.file, func(t *testing.T) {
			data, f := readTestKey(t, tc.file)
			k, err := ParsePrivateKey(data)
			if err != nil {
				t.Fatal(err)
			}
			if k.Type() != tc.typ {
				t.Fatalf("type %q, want %q", k.Type(), tc.typ)
			}
			k2, err := ParsePrivateKey(f.PrivateKeyJwk)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(k.Public(), k2.Public()) {
				t.Error("privateKeyJwk gives another key")
			}
			pj, err := PublicJWK(k.Public())
			if err != nil {
				t.Fatal(err)
			}
			for name, v := range f.PublicKeyJwk {
				if pj[name] != v {
					t.Errorf("public JWK %s = %v, want %v", name, pj[name], v)
				}
			}
			if tc.typ == RSA {
				return
			}
			mk, err := EncodeMultikey(k.Public())
			if err != nil {
				t.Fatal(err)
			}
			if mk != f.Multikey.PublicKeyMultibase {
				t.Errorf("multikey %s, want %s", mk, f.Multikey.PublicKeyMultibase)
			}
			k3, err := ParsePrivateKey([]byte(f.Multikey.SecretKeyMultibase))
			if err != nil {
				t.Fatal(err)
			}
			if !equal(k.Public(), k3.Public()) {
				t.Error("secretKeyMultibase gives another key")
			}
			// The multikey export alone (no privateKeyJwk) also parses.
			var obj map[string]json.RawMessage
			json.Unmarshal(data, &obj)
			delete(obj, "privateKeyJwk")
			b, _ := json.Marshal(obj)
			k4, err := ParsePrivateKey(b)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(k.Public(), k4.Public()) {
				t.Error("multikey.secretKeyMultibase gives another key")
			}
		})
	}
}

func TestEd25519SeedMatchesVCVerify(t *testing.T) {
	data, _ := readTestKey(t, "ed25519.json")
	var f struct{ SeedHex string }
	json.Unmarshal(data, &f)
	seed, _ := hex.DecodeString(f.SeedHex)
	k, err := ParsePrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.ed.Seed(), seed) {
		t.Error("seed differs from seedHex")
	}
}

func TestW3CKeyPair(t *testing.T) {
	data, err := os.ReadFile("testdata/w3c-vc-di-eddsa-keyPair.json")
	if err != nil {
		t.Fatal(err)
	}
	var kp struct{ PublicKeyMultibase, PrivateKeyMultibase string }
	json.Unmarshal(data, &kp)
	pub, err := DecodeMultikey(kp.PublicKeyMultibase)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pub.(ed25519.PublicKey); !ok {
		t.Fatalf("got %T", pub)
	}
	k, err := ParsePrivateKey(data) // 0x8026 + 32-byte seed
	if err != nil {
		t.Fatal(err)
	}
	if !equal(k.Public(), pub) {
		t.Error("private key does not match publicKeyMultibase")
	}
}

func TestOneEdTechKeyPair(t *testing.T) {
	data, err := os.ReadFile("testdata/1edtech-obv3p0-keyPair.json")
	if err != nil {
		t.Fatal(err)
	}
	var kp struct {
		PublicKeyHex, PublicKeyMultibase, SecretKeyMultibase string
	}
	json.Unmarshal(data, &kp)
	k, err := ParsePrivateKey([]byte(kp.SecretKeyMultibase)) // 0x8026 + 64 bytes
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(k.Public().(ed25519.PublicKey)); got != kp.PublicKeyHex {
		t.Errorf("public key %s, want %s", got, kp.PublicKeyHex)
	}
	mk, _ := EncodeMultikey(k.Public())
	if mk != kp.PublicKeyMultibase {
		t.Errorf("multikey %s, want %s", mk, kp.PublicKeyMultibase)
	}
	if _, err := ParsePrivateKey(data); err != nil {
		t.Errorf("whole keyPair object: %v", err)
	}
}

func TestDecodeMultikeyErrors(t *testing.T) {
	_, f := readTestKey(t, "ed25519.json")
	ed := f.Multikey.PublicKeyMultibase
	_, f = readTestKey(t, "p256.json")
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "empty"},
		{"no multibase prefix", ed[1:], "multibase prefix"},
		{"base64url multibase", "u" + ed[1:], "multibase prefix"},
		{"only prefix", "z", "base58btc"},
		{"bad base58", "z6Mk0OIl", "base58btc"},
		{"ed25519 short", encodeRaw(prefixEd25519Pub, make([]byte, 31)), "is 31 bytes, want 32"},
		{"ed25519 long", encodeRaw(prefixEd25519Pub, make([]byte, 33)), "is 33 bytes, want 32"},
		{"p256 short", encodeRaw(prefixP256Pub, make([]byte, 32)), "is 32 bytes, want 33"},
		{"truncated string", ed[:len(ed)-2], "has 46 characters, want 48"},
		{"extended p256 string", f.Multikey.PublicKeyMultibase + "2", "has 50 characters, want 49"},
		{"p256 bad point", encodeRaw(prefixP256Pub, append([]byte{2}, bytes.Repeat([]byte{0xff}, 32)...)), "not a valid compressed point"},
		{"p256 uncompressed prefix", encodeRaw(prefixP256Pub, append([]byte{4}, make([]byte, 32)...)), "not a valid compressed point"},
		{"secret key", f.Multikey.SecretKeyMultibase, "secret key"},
		{"unknown codec", encodeRaw([]byte{0xe7, 0x01}, make([]byte, 33)), "unsupported multicodec prefix 0xe701"},
		{"too long", "z" + strings.Repeat("2", 300), "too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub, err := DecodeMultikey(tc.in)
			if err == nil {
				t.Fatalf("DecodeMultikey(%q) = %v, want error", tc.in, pub)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func encodeRaw(prefix, key []byte) string {
	return "z" + b58(append(bytes.Clone(prefix), key...))
}

func TestDecodeBase58Ed25519(t *testing.T) {
	_, f := readTestKey(t, "ed25519.json")
	want, _ := DecodeMultikey(f.Multikey.PublicKeyMultibase)
	got, err := DecodeBase58Ed25519(b58(want.(ed25519.PublicKey)))
	if err != nil || !got.Equal(want) {
		t.Fatalf("DecodeBase58Ed25519 = %x, %v", got, err)
	}
	for _, in := range []string{"", "0OIl", b58(make([]byte, 31)), strings.Repeat("z", 300)} {
		if _, err := DecodeBase58Ed25519(in); err == nil {
			t.Errorf("DecodeBase58Ed25519(%q) succeeded", in)
		}
	}
}

func TestParsePrivateKeyErrors(t *testing.T) {
	edData, _ := readTestKey(t, "ed25519.json")
	var ed map[string]any
	json.Unmarshal(edData, &ed)
	pj := ed["privateKeyJwk"].(map[string]any)
	with := func(m map[string]any, k string, v any) string {
		c := map[string]any{}
		for a, b := range m {
			c[a] = b
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		b, _ := json.Marshal(c)
		return string(b)
	}
	_, p := readTestKey(t, "p256.json")
	var pjwk map[string]any
	json.Unmarshal(p.PrivateKeyJwk, &pjwk)
	_, r := readTestKey(t, "rsa.json")
	var rjwk map[string]any
	json.Unmarshal(r.PrivateKeyJwk, &rjwk)
	seed64 := encodeRaw(prefixEd25519Priv, make([]byte, 64)) // public half zero: mismatch

	for _, tc := range []struct{ name, in, want string }{
		{"empty", "  ", "empty"},
		{"garbage", "hello", "unrecognized"},
		{"bad json", "{", "not valid JSON"},
		{"no key", `{"foo":1}`, "no private key"},
		{"public jwk", with(pj, "d", nil), "no private part"},
		{"ed25519 64-byte d", with(pj, "d", b64.EncodeToString(make([]byte, 64))), "want the 32-byte seed"},
		{"ed25519 x mismatch", with(pj, "x", b64.EncodeToString(make([]byte, 32))), "does not match"},
		{"bad base64", with(pj, "d", "!!"), "base64url"},
		{"wrong crv", with(pj, "crv", "X25519"), "unsupported OKP curve"},
		{"wrong kty", with(pj, "kty", "oct"), "unsupported kty"},
		{"p256 zero d", with(pjwk, "d", b64.EncodeToString(make([]byte, 32))), "invalid P-256"},
		{"p256 y mismatch", with(pjwk, "y", pjwk["x"]), "not on the curve"},
		{"rsa no primes", with(with2(rjwk, "p"), "q", nil), "without \"p\" and \"q\""},
		{"rsa bad d", with(rjwk, "d", "AQAB"), "invalid RSA"},
		{"secret 64 mismatch", seed64, "public half does not match"},
		{"secret wrong length", encodeRaw(prefixEd25519Priv, make([]byte, 40)), "want 32 (seed) or 64"},
		{"secret is public", string(ed["multikey"].(map[string]any)["publicKeyMultibase"].(string)), "public key, not a secret"},
		{"multikey public mismatch", `{"secretKeyMultibase":"` + ed["multikey"].(map[string]any)["secretKeyMultibase"].(string) + `","publicKeyMultibase":"` + p.Multikey.PublicKeyMultibase + `"}`, "does not match"},
		{"too large", `{"x":"` + strings.Repeat("a", 70000) + `"}`, "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParsePrivateKey([]byte(tc.in))
			if err == nil {
				t.Fatalf("ParsePrivateKey succeeded: %v", k.Type())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func with2(m map[string]any, del string) map[string]any {
	c := map[string]any{}
	for a, b := range m {
		if a != del {
			c[a] = b
		}
	}
	return c
}

func TestParsePublicJWKErrors(t *testing.T) {
	_, r := readTestKey(t, "rsa.json")
	for _, tc := range []struct {
		name string
		jwk  map[string]any
		want string
	}{
		{"no kty", map[string]any{"x": "abc"}, "missing \"kty\""},
		{"private", map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(make([]byte, 32)), "d": "AA"}, "private key material"},
		{"short x", map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "want 32"},
		{"ec off curve", map[string]any{"kty": "EC", "crv": "P-256", "x": b64.EncodeToString(make([]byte, 32)), "y": b64.EncodeToString(make([]byte, 32))}, "not on the curve"},
		{"ec p384", map[string]any{"kty": "EC", "crv": "P-384"}, "unsupported EC curve"},
		{"rsa small", map[string]any{"kty": "RSA", "n": b64.EncodeToString(bytes.Repeat([]byte{0xff}, 128)), "e": "AQAB"}, "1024 bits"},
		{"rsa even e", map[string]any{"kty": "RSA", "n": r.PublicKeyJwk["n"], "e": "Ag"}, "exponent"},
		{"x not string", map[string]any{"kty": "OKP", "crv": "Ed25519", "x": 12}, "JWK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePublicJWK(tc.jwk)
			if err == nil {
				t.Fatal("ParsePublicJWK succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestVerifyErrors(t *testing.T) {
	if err := Verify("not a key", nil, nil); err == nil {
		t.Error("Verify(string key) succeeded")
	}
	k, _ := Generate(P256)
	if err := Verify(k.Public(), []byte("m"), make([]byte, 70)); !errors.Is(err, ErrBadSignature) {
		t.Errorf("P-256 70-byte signature: %v", err)
	}
	if _, ok := k.Public().(*ecdsa.PublicKey); !ok {
		t.Errorf("P-256 Public() is %T", k.Public())
	}
}

func TestSaveLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "issuer.jwk")
	k, err := Generate(Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(k.Public(), k2.Public()) {
		t.Error("loaded key differs")
	}
	other, _ := Generate(Ed25519)
	if err := other.SaveFile(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("SaveFile over existing file: %v, want fs.ErrExist", err)
	}
	k3, _ := LoadFile(path)
	if !equal(k.Public(), k3.Public()) {
		t.Error("existing key file was overwritten")
	}
	if _, err := LoadFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadFile(missing) = %v", err)
	}
	// vc-verify files load directly.
	if _, err := LoadFile("testdata/rsa.json"); err != nil {
		t.Error(err)
	}
}

func FuzzDecodeMultikey(f *testing.F) {
	for _, name := range []string{"ed25519.json", "p256.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		var kf testKeyFile
		json.Unmarshal(data, &kf)
		f.Add(kf.Multikey.PublicKeyMultibase)
		f.Add(kf.Multikey.SecretKeyMultibase)
	}
	f.Add("z")
	f.Add("zDn")
	f.Fuzz(func(t *testing.T, s string) {
		pub, err := DecodeMultikey(s)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode to the same string.
		mk, err := EncodeMultikey(pub)
		if err != nil {
			t.Fatalf("EncodeMultikey(DecodeMultikey(%q)): %v", s, err)
		}
		if mk != s {
			t.Fatalf("round trip %q → %q", s, mk)
		}
	})
}

func FuzzParsePrivateKey(f *testing.F) {
	for _, name := range []string{"ed25519.json", "p256.json", "rsa.json", "w3c-vc-di-eddsa-keyPair.json", "1edtech-obv3p0-keyPair.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","d":"AA"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePrivateKey(data)
		if err != nil {
			return
		}
		sig, err := k.Sign([]byte("m"))
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if err := Verify(k.Public(), []byte("m"), sig); err != nil {
			t.Fatalf("parsed key does not verify its own signature: %v", err)
		}
		jwk, err := k.MarshalJWK()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParsePrivateKey(jwk); err != nil {
			t.Fatalf("re-parse: %v", err)
		}
	})
}
