package did

import (
	"crypto"
	"fmt"
	"net/url"
	"strings"

	"github.com/cairn-badges/cairn/keys"
)

// WebURL returns the URL of the DID document of a did:web DID
// (https://w3c-ccg.github.io/did-method-web/#read-resolve):
// did:web:example.com → https://example.com/.well-known/did.json,
// did:web:example.com:u:alice → https://example.com/u/alice/did.json; a port
// is written percent-encoded, did:web:h%3A8080:a:b → https://h:8080/a/b/did.json.
func WebURL(did string) (string, error) {
	rest, ok := strings.CutPrefix(did, "did:web:")
	if !ok || rest == "" {
		return "", fmt.Errorf("did:web: %q is not a did:web DID", did)
	}
	if strings.ContainsAny(rest, "/?#") {
		return "", fmt.Errorf("did:web: %q has a path, query or fragment; want a DID", did)
	}
	parts := strings.Split(rest, ":")
	host, err := url.PathUnescape(parts[0])
	if err != nil || host == "" || strings.ContainsAny(host, "/@\\?#") {
		return "", fmt.Errorf("did:web: %q: invalid host %q", did, parts[0])
	}
	if u, err := url.Parse("https://" + host + "/"); err != nil || u.Host != host || u.Hostname() == "" {
		return "", fmt.Errorf("did:web: %q: invalid host %q", did, host)
	}
	segs := parts[1:]
	for i, p := range segs {
		seg, err := url.PathUnescape(p)
		if err != nil || seg == "" || seg == "." || seg == ".." || strings.Contains(seg, "/") {
			return "", fmt.Errorf("did:web: %q: invalid path segment %q", did, p)
		}
		segs[i] = url.PathEscape(seg)
	}
	if len(segs) == 0 {
		return "https://" + host + "/.well-known/did.json", nil
	}
	return "https://" + host + "/" + strings.Join(segs, "/") + "/did.json", nil
}

// WebKey is a public key to publish in a did:web document under the id
// DID#Fragment.
type WebKey struct {
	Fragment string
	Public   crypto.PublicKey
}

// NewWebDocument builds the DID document to publish for a did:web DID: one
// verification method per key, all listed under assertionMethod. Ed25519 and
// P-256 keys become Multikey methods (publicKeyMultibase); RSA keys become
// JsonWebKey methods (publicKeyJwk), and the JWK context is then added to
// the DID and Multikey contexts.
func NewWebDocument(did string, keyList []WebKey) (*Document, error) {
	if _, err := WebURL(did); err != nil {
		return nil, err
	}
	if len(keyList) == 0 {
		return nil, fmt.Errorf("did:web %s: no keys", did)
	}
	doc := &Document{ID: did}
	ctx := []any{ContextDIDv1, ContextMultikey}
	seen := map[string]bool{}
	jwkContext := false
	for _, k := range keyList {
		if k.Fragment == "" || strings.ContainsAny(k.Fragment, "#/?: ") || url.PathEscape(k.Fragment) != k.Fragment {
			return nil, fmt.Errorf("did:web %s: invalid key fragment %q", did, k.Fragment)
		}
		if seen[k.Fragment] {
			return nil, fmt.Errorf("did:web %s: duplicate key fragment %q", did, k.Fragment)
		}
		seen[k.Fragment] = true
		typ, err := keys.TypeOf(k.Public)
		if err != nil {
			return nil, fmt.Errorf("did:web %s#%s: %w", did, k.Fragment, err)
		}
		vm := VerificationMethod{ID: did + "#" + k.Fragment, Controller: did}
		switch typ {
		case keys.Ed25519, keys.P256:
			vm.Type = TypeMultikey
			vm.PublicKeyMultibase, err = keys.EncodeMultikey(k.Public)
		default:
			vm.Type = TypeJsonWebKey
			vm.PublicKeyJwk, err = keys.PublicJWK(k.Public)
			jwkContext = true
		}
		if err != nil {
			return nil, fmt.Errorf("did:web %s#%s: %w", did, k.Fragment, err)
		}
		doc.VerificationMethod = append(doc.VerificationMethod, vm)
		doc.AssertionMethod = append(doc.AssertionMethod, Ref{ID: vm.ID})
	}
	if jwkContext {
		ctx = append(ctx, ContextJWK)
	}
	doc.Context = ctx
	return doc, nil
}
