package did

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/keys"
)

// vc-verify's fixed test keys (PUBLIC test keys, see keys/testdata).
const (
	edMultikey   = "z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB"
	p256Multikey = "zDnaeuXTe1166iy8S8nSCLqjcXJSt4j8k2tccZT9XJV5bwLoE"
	w3cMultikey  = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
)

func loadKey(t *testing.T, name string) *keys.PrivateKey {
	t.Helper()
	k, err := keys.LoadFile("../keys/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyDID(t *testing.T) {
	for _, tc := range []struct{ file, mk string }{
		{"ed25519.json", edMultikey},
		{"p256.json", p256Multikey},
	} {
		k := loadKey(t, tc.file)
		did, vmID, err := KeyDID(k.Public())
		if err != nil {
			t.Fatal(err)
		}
		if did != "did:key:"+tc.mk || vmID != did+"#"+tc.mk {
			t.Errorf("KeyDID = %s, %s", did, vmID)
		}
		doc, err := ResolveKey(did)
		if err != nil {
			t.Fatal(err)
		}
		if doc.ID != did || len(doc.VerificationMethod) != 1 || !doc.Lists(AssertionMethod, vmID) || !doc.Lists(Authentication, vmID) {
			t.Errorf("unexpected document %+v", doc)
		}
		vm := doc.VerificationMethod[0]
		if vm.ID != vmID || vm.Type != TypeMultikey || vm.Controller != did || vm.PublicKeyMultibase != tc.mk {
			t.Errorf("unexpected method %+v", vm)
		}
		pub, err := vm.PublicKey()
		if err != nil || !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public()) {
			t.Errorf("PublicKey() = %v, %v", pub, err)
		}
	}
	rsa := loadKey(t, "rsa.json")
	if _, _, err := KeyDID(rsa.Public()); err == nil {
		t.Error("KeyDID(RSA) succeeded")
	}
}

func TestResolveKeyErrors(t *testing.T) {
	for _, did := range []string{
		"did:web:example.com",
		"did:key:" + edMultikey + "#" + edMultikey,
		"did:key:" + edMultikey[:len(edMultikey)-1],
		"did:key:",
		"did:key:u" + edMultikey[1:],
	} {
		if _, err := ResolveKey(did); err == nil {
			t.Errorf("ResolveKey(%q) succeeded", did)
		}
	}
}

func TestVerificationMethodDIDKey(t *testing.T) {
	r := &Resolver{} // no fetcher: did:key works offline
	ctx := context.Background()
	id := "did:key:" + w3cMultikey + "#" + w3cMultikey // W3C vc-di-eddsa test vector key
	vm, err := r.VerificationMethod(ctx, id, AssertionMethod)
	if err != nil {
		t.Fatal(err)
	}
	if vm.Controller != "did:key:"+w3cMultikey {
		t.Errorf("controller %q", vm.Controller)
	}
	if _, err := r.VerificationMethod(ctx, id, "keyAgreement"); err == nil || !strings.Contains(err.Error(), "not listed under keyAgreement") {
		t.Errorf("keyAgreement: %v", err)
	}
	if _, err := r.VerificationMethod(ctx, "did:key:"+w3cMultikey+"#"+edMultikey, AssertionMethod); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("foreign fragment: %v", err)
	}
	// A bare did:key dereferences to its one key (TestVerificationMethodBareDIDKey).
	// did:web with no fetcher is unavailable, not failed.
	if _, err := r.VerificationMethod(ctx, "did:web:issuer.example#key-ed25519", AssertionMethod); !errors.Is(err, fetch.ErrUnavailable) {
		t.Errorf("did:web offline: %v", err)
	}
}

func mapResolver(entries map[string]string) *Resolver {
	return &Resolver{Fetcher: &fetch.Map{Entries: entries}}
}

func TestResolveDIDWeb(t *testing.T) {
	r := mapResolver(map[string]string{"did:web:issuer.example": "testdata/did-web-issuer.example.json"})
	ctx := context.Background()
	doc, err := r.Resolve(ctx, "did:web:issuer.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.VerificationMethod) != 3 {
		t.Fatalf("%d methods", len(doc.VerificationMethod))
	}
	for _, tc := range []struct {
		frag, keyFile string
		want          keys.Type
	}{
		{"key-ed25519", "ed25519.json", keys.Ed25519},
		{"key-p256", "p256.json", keys.P256},
		{"key-rsa", "rsa.json", keys.RSA},
	} {
		vm, err := r.VerificationMethod(ctx, "did:web:issuer.example#"+tc.frag, AssertionMethod)
		if err != nil {
			t.Errorf("%s: %v", tc.frag, err)
			continue
		}
		pub, _ := vm.PublicKey()
		if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(loadKey(t, tc.keyFile).Public()) {
			t.Errorf("%s: key differs from %s", tc.frag, tc.keyFile)
		}
	}
	if _, err := r.VerificationMethod(ctx, "did:web:issuer.example#key-p256", Authentication); err == nil || !strings.Contains(err.Error(), "not listed under authentication") {
		t.Errorf("key-p256 for authentication: %v", err)
	}
	if _, err := r.VerificationMethod(ctx, "did:web:issuer.example#key-nope", AssertionMethod); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing key: %v", err)
	}
	if _, err := r.Resolve(ctx, "did:web:other.example"); !errors.Is(err, fetch.ErrUnavailable) {
		t.Errorf("unmapped did:web: %v", err)
	}
	if _, err := r.Resolve(ctx, "did:example:123"); err == nil || !strings.Contains(err.Error(), "unsupported DID method") {
		t.Errorf("did:example: %v", err)
	}
}

// docWith writes a modified copy of the vc-verify DID document and returns
// a resolver serving it as did:web:issuer.example.
func docWith(t *testing.T, edit func(m map[string]any)) *Resolver {
	t.Helper()
	data, err := os.ReadFile("testdata/did-web-issuer.example.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	edit(m)
	out, _ := json.Marshal(m)
	path := t.TempDir() + "/did.json"
	os.WriteFile(path, out, 0o644)
	return mapResolver(map[string]string{"did:web:issuer.example": path})
}

func TestVerificationMethodRejects(t *testing.T) {
	ctx := context.Background()
	const vmID = "did:web:issuer.example#key-ed25519"
	vms := func(m map[string]any) []any { return m["verificationMethod"].([]any) }
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"not in assertionMethod", func(m map[string]any) { m["assertionMethod"] = []any{"did:web:issuer.example#key-p256"} }, "not listed under assertionMethod"},
		{"id mismatch", func(m map[string]any) { m["id"] = "did:web:evil.example" }, "has id \"did:web:evil.example\""},
		{"foreign controller", func(m map[string]any) { vms(m)[0].(map[string]any)["controller"] = "did:web:evil.example" }, "has controller"},
		{"bad key", func(m map[string]any) { vms(m)[0].(map[string]any)["publicKeyMultibase"] = "z6Mk" }, "multikey"},
		{"unknown type", func(m map[string]any) { vms(m)[0].(map[string]any)["type"] = "RsaVerificationKey2018" }, "unsupported verification method type"},
		{"oversized", func(m map[string]any) { m["padding"] = strings.Repeat("x", DefaultMaxDocumentBytes) }, "limit"},
		{"not json", func(m map[string]any) { m["assertionMethod"] = 12 }, "invalid document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := docWith(t, tc.edit)
			vm, err := r.VerificationMethod(ctx, vmID, AssertionMethod)
			if err == nil {
				t.Fatalf("accepted: %+v", vm)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if errors.Is(err, fetch.ErrUnavailable) {
				t.Errorf("error %q should not be ErrUnavailable", err)
			}
		})
	}
}

func TestEmbeddedAndRelative(t *testing.T) {
	ctx := context.Background()
	r := docWith(t, func(m map[string]any) {
		m["verificationMethod"] = []any{}
		m["assertionMethod"] = []any{map[string]any{
			"id": "#emb", "type": "Ed25519VerificationKey2020", "controller": "did:web:issuer.example",
			"publicKeyMultibase": edMultikey,
		}}
	})
	vm, err := r.VerificationMethod(ctx, "did:web:issuer.example#emb", AssertionMethod)
	if err != nil {
		t.Fatal(err)
	}
	if vm.ID != "did:web:issuer.example#emb" {
		t.Errorf("id %q", vm.ID)
	}
}

func TestControllerDocument(t *testing.T) {
	// The OB 3.0 Implementation Guide test vector's verification method.
	const id = "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
	r := mapResolver(map[string]string{"https://example.edu/issuers/565049": "testdata/1edtech-issuer-565049.json"})
	ctx := context.Background()
	vm, err := r.VerificationMethod(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if vm.Controller != "https://example.edu/issuers/565049" {
		t.Errorf("controller %q", vm.Controller)
	}
	// Served under another URL, the document's id does not match.
	r = mapResolver(map[string]string{"https://example.edu/issuers/other": "testdata/1edtech-issuer-565049.json"})
	if _, err := r.VerificationMethod(ctx, "https://example.edu/issuers/other#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", AssertionMethod); err == nil || !strings.Contains(err.Error(), "has id") {
		t.Errorf("moved controller document: %v", err)
	}
	if _, err := r.VerificationMethod(ctx, "urn:uuid:1234", AssertionMethod); err == nil {
		t.Error("urn accepted")
	}
}

func TestWebURL(t *testing.T) {
	for _, tc := range []struct{ did, url string }{
		{"did:web:example.com", "https://example.com/.well-known/did.json"},
		{"did:web:example.com:u:alice", "https://example.com/u/alice/did.json"},
		{"did:web:h%3A8080:a:b", "https://h:8080/a/b/did.json"},
		{"did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"},
	} {
		got, err := WebURL(tc.did)
		if err != nil || got != tc.url {
			t.Errorf("WebURL(%q) = %q, %v; want %q", tc.did, got, err, tc.url)
		}
		// fetch.Map agrees on the conversion.
		m := &fetch.Map{Entries: map[string]string{tc.did: "testdata/did-web-issuer.example.json"}}
		if _, err := m.Fetch(context.Background(), tc.url); err != nil {
			t.Errorf("fetch.Map with %s does not serve %s: %v", tc.did, tc.url, err)
		}
	}
	for _, did := range []string{"did:web:", "did:key:" + edMultikey, "did:web:ex.com/path", "did:web:ex.com:..", "did:web:ex.com::x", "did:web:a%40b", "did:web:ex.com#k"} {
		if got, err := WebURL(did); err == nil {
			t.Errorf("WebURL(%q) = %q, want error", did, got)
		}
	}
}

func TestNewWebDocument(t *testing.T) {
	const did = "did:web:issuer.example"
	doc, err := NewWebDocument(did, []WebKey{
		{"key-ed25519", loadKey(t, "ed25519.json").Public()},
		{"key-p256", loadKey(t, "p256.json").Public()},
		{"key-rsa", loadKey(t, "rsa.json").Public()},
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{ContextDIDv1, ContextMultikey, ContextJWK, `"type": "JsonWebKey"`, edMultikey, p256Multikey} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("document lacks %s:\n%s", want, data)
		}
	}
	// What we publish resolves and verifies.
	path := t.TempDir() + "/did.json"
	os.WriteFile(path, data, 0o644)
	r := mapResolver(map[string]string{did: path})
	for _, f := range []string{"key-ed25519", "key-p256", "key-rsa"} {
		if _, err := r.VerificationMethod(context.Background(), did+"#"+f, AssertionMethod); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// Without RSA there is no JWK context.
	doc, _ = NewWebDocument(did, []WebKey{{"k", loadKey(t, "ed25519.json").Public()}})
	if ctx := doc.Context.([]any); len(ctx) != 2 {
		t.Errorf("context %v", ctx)
	}
	ed := loadKey(t, "ed25519.json").Public()
	for _, tc := range []struct {
		did  string
		keys []WebKey
	}{
		{"did:key:" + edMultikey, []WebKey{{"k", ed}}},
		{did, nil},
		{did, []WebKey{{"", ed}}},
		{did, []WebKey{{"a#b", ed}}},
		{did, []WebKey{{"k", ed}, {"k", ed}}},
		{did, []WebKey{{"k", "not a key"}}},
	} {
		if _, err := NewWebDocument(tc.did, tc.keys); err == nil {
			t.Errorf("NewWebDocument(%q, %v) succeeded", tc.did, tc.keys)
		}
	}
}

func TestPublicKeyTypes(t *testing.T) {
	ed := loadKey(t, "ed25519.json").Public()
	p := loadKey(t, "p256.json").Public()
	edJWK, _ := keys.PublicJWK(ed)
	pJWK, _ := keys.PublicJWK(p)
	for _, tc := range []struct {
		vm VerificationMethod
		ok bool
	}{
		{VerificationMethod{Type: TypeEd25519VerificationKey2020, PublicKeyMultibase: edMultikey}, true},
		{VerificationMethod{Type: TypeEd25519VerificationKey2020, PublicKeyMultibase: p256Multikey}, false},
		{VerificationMethod{Type: TypeEd25519VerificationKey2018, PublicKeyBase58: edMultikey[12:]}, false}, // too short
		{VerificationMethod{Type: TypeJsonWebKey2020, PublicKeyJwk: edJWK}, true},
		{VerificationMethod{Type: TypeJsonWebKey2020}, false},
		{VerificationMethod{Type: TypeEcdsaSecp256r1VerificationKey2019, PublicKeyMultibase: p256Multikey}, true},
		{VerificationMethod{Type: TypeEcdsaSecp256r1VerificationKey2019, PublicKeyJwk: pJWK}, true},
		{VerificationMethod{Type: TypeEcdsaSecp256r1VerificationKey2019, PublicKeyJwk: edJWK}, false},
		{VerificationMethod{Type: TypeMultikey}, false},
		{VerificationMethod{}, false},
	} {
		_, err := tc.vm.PublicKey()
		if (err == nil) != tc.ok {
			t.Errorf("%+v: err = %v", tc.vm, err)
		}
	}
	// Ed25519VerificationKey2018 with publicKeyBase58 of the raw key.
	raw := ed.(ed25519.PublicKey)
	vm := VerificationMethod{Type: TypeEd25519VerificationKey2018, PublicKeyBase58: base58Encode(raw)}
	if pub, err := vm.PublicKey(); err != nil || !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(ed) {
		t.Errorf("Ed25519VerificationKey2018: %v", err)
	}
}

func TestDocumentJSON(t *testing.T) {
	doc, err := ParseDocument([]byte(`{"id":"did:web:x","controller":["did:web:y","did:web:z"],
		"verificationMethod":[{"id":"#a","type":"Multikey","publicKeyMultibase":"` + edMultikey + `"}],
		"authentication":["#a"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Controller != "did:web:y" || doc.VerificationMethod[0].ID != "did:web:x#a" || doc.VerificationMethod[0].Controller != "did:web:x" || !doc.Lists(Authentication, "did:web:x#a") {
		t.Errorf("%+v", doc)
	}
	out, _ := json.Marshal(doc)
	doc2, err := ParseDocument(out)
	if err != nil {
		t.Fatal(err)
	}
	out2, _ := json.Marshal(doc2)
	if !bytes.Equal(out, out2) {
		t.Errorf("not stable:\n%s\n%s", out, out2)
	}
	for _, bad := range []string{`{}`, `[]`, `{"id":"x","controller":5}`, `{"id":"x","assertionMethod":[5]}`, `{"id":"x","verificationMethod":[{"type":"Multikey"}]}`} {
		if _, err := ParseDocument([]byte(bad)); err == nil {
			t.Errorf("ParseDocument(%s) succeeded", bad)
		}
	}
}

func FuzzParseDocument(f *testing.F) {
	for _, name := range []string{"testdata/did-web-issuer.example.json", "testdata/1edtech-issuer-565049.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"id":"did:web:x","assertionMethod":[{"id":"#k","type":"JsonWebKey","publicKeyJwk":{"kty":"EC"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := ParseDocument(data)
		if err != nil {
			return
		}
		for _, vm := range doc.VerificationMethod {
			vm.PublicKey()
			if vm.ID == "" || strings.HasPrefix(vm.ID, "#") {
				t.Fatalf("method id %q not absolute", vm.ID)
			}
		}
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if _, err := ParseDocument(out); err != nil {
			t.Fatalf("re-parse: %v\n%s", err, out)
		}
	})
}
