package did

import (
	"crypto"
	"fmt"
	"strings"

	"github.com/cairn-badges/cairn/keys"
)

// KeyDID returns the did:key DID of an Ed25519 or P-256 public key and the id
// of its verification method, did:key:z…#z…
// (https://w3c-ccg.github.io/did-key-spec/#format).
func KeyDID(pub crypto.PublicKey) (did, vmID string, err error) {
	mk, err := keys.EncodeMultikey(pub)
	if err != nil {
		return "", "", fmt.Errorf("did:key: %w", err)
	}
	did = "did:key:" + mk
	return did, did + "#" + mk, nil
}

// ResolveKey expands a did:key DID into its DID document without any network
// access: one Multikey verification method, controlled by the DID, listed
// under assertionMethod and authentication. DID URLs (with a fragment, path
// or query) are refused; pass the DID.
func ResolveKey(did string) (*Document, error) {
	mk, ok := strings.CutPrefix(did, "did:key:")
	if !ok {
		return nil, fmt.Errorf("did:key: %q is not a did:key DID", did)
	}
	if strings.ContainsAny(mk, "#/?;:") {
		return nil, fmt.Errorf("did:key: %q is not a plain did:key DID", did)
	}
	pub, err := keys.DecodeMultikey(mk)
	if err != nil {
		return nil, fmt.Errorf("did:key %s: %w", did, err)
	}
	// Re-encode so that only the canonical form resolves.
	if canon, err := keys.EncodeMultikey(pub); err != nil || canon != mk {
		return nil, fmt.Errorf("did:key %s: not in canonical form", did)
	}
	vmID := did + "#" + mk
	return &Document{
		Context: []any{ContextDIDv1, ContextMultikey},
		ID:      did,
		VerificationMethod: []VerificationMethod{{
			ID: vmID, Type: TypeMultikey, Controller: did, PublicKeyMultibase: mk,
		}},
		AssertionMethod: []Ref{{ID: vmID}},
		Authentication:  []Ref{{ID: vmID}},
	}, nil
}
