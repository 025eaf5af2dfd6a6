// Package did resolves the DID methods Cairn issues with and verifies
// against: did:key (https://w3c-ccg.github.io/did-key-spec/) for Ed25519 and
// P-256 keys, resolved without any network access, and did:web
// (https://w3c-ccg.github.io/did-method-web/), fetched through a
// [fetch.Fetcher]. It also dereferences plain https verification method URLs
// whose document is a controller document (VC Data Integrity §2.1,
// https://www.w3.org/TR/vc-data-integrity/#retrieve-verification-method).
//
// The data model follows DID Core (https://www.w3.org/TR/did-core/) and
// Controlled Identifiers (https://www.w3.org/TR/cid-1.0/): a [Document]
// lists [VerificationMethod]s and, per verification relationship
// ("assertionMethod", "authentication" …), [Ref]s to them. A verifier must
// check that the method used for a proof is listed under the proof's purpose;
// [Resolver.VerificationMethod] does that.
package did

import (
	"bytes"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-badges/cairn/keys"
)

// Context URLs used in documents built by this package.
const (
	ContextDIDv1    = "https://www.w3.org/ns/did/v1"
	ContextMultikey = "https://w3id.org/security/multikey/v1"
	ContextJWK      = "https://w3id.org/security/jwk/v1"
)

// Verification method types understood by [VerificationMethod.PublicKey].
const (
	TypeMultikey                          = "Multikey"
	TypeJsonWebKey                        = "JsonWebKey"
	TypeJsonWebKey2020                    = "JsonWebKey2020"
	TypeEd25519VerificationKey2020        = "Ed25519VerificationKey2020"
	TypeEd25519VerificationKey2018        = "Ed25519VerificationKey2018"
	TypeEcdsaSecp256r1VerificationKey2019 = "EcdsaSecp256r1VerificationKey2019"
)

// Verification relationships (proof purposes).
const (
	AssertionMethod = "assertionMethod"
	Authentication  = "authentication"
)

// Document is a DID document or controller document.
type Document struct {
	Context              any                  `json:"@context,omitempty"`
	ID                   string               `json:"id"`
	Controller           string               `json:"controller,omitempty"` // the first one when the document lists several
	VerificationMethod   []VerificationMethod `json:"verificationMethod,omitempty"`
	AssertionMethod      []Ref                `json:"assertionMethod,omitempty"`
	Authentication       []Ref                `json:"authentication,omitempty"`
	CapabilityInvocation []Ref                `json:"capabilityInvocation,omitempty"`
	CapabilityDelegation []Ref                `json:"capabilityDelegation,omitempty"`
	KeyAgreement         []Ref                `json:"keyAgreement,omitempty"`
}

// UnmarshalJSON decodes a document, accepting "controller" as a string or an
// array of strings.
func (d *Document) UnmarshalJSON(b []byte) error {
	type plain Document
	var aux struct {
		plain
		Controller json.RawMessage `json:"controller,omitempty"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*d = Document(aux.plain)
	d.Controller = ""
	if len(aux.Controller) > 0 && !bytes.Equal(aux.Controller, []byte("null")) {
		var s string
		if err := json.Unmarshal(aux.Controller, &s); err == nil {
			d.Controller = s
		} else {
			var ss []string
			if err := json.Unmarshal(aux.Controller, &ss); err != nil {
				return errors.New("did: document \"controller\" must be a string or an array of strings")
			}
			if len(ss) > 0 {
				d.Controller = ss[0]
			}
		}
	}
	return nil
}

// Relationship returns the references listed under a verification
// relationship such as [AssertionMethod], or nil for an unknown one.
func (d *Document) Relationship(purpose string) []Ref {
	switch purpose {
	case AssertionMethod:
		return d.AssertionMethod
	case Authentication:
		return d.Authentication
	case "capabilityInvocation":
		return d.CapabilityInvocation
	case "capabilityDelegation":
		return d.CapabilityDelegation
	case "keyAgreement":
		return d.KeyAgreement
	}
	return nil
}

// Method returns the verification method with the given absolute id, found
// in verificationMethod or embedded in a verification relationship, or nil.
func (d *Document) Method(id string) *VerificationMethod {
	for i := range d.VerificationMethod {
		if d.VerificationMethod[i].ID == id {
			return &d.VerificationMethod[i]
		}
	}
	for _, refs := range [][]Ref{d.AssertionMethod, d.Authentication, d.CapabilityInvocation, d.CapabilityDelegation, d.KeyAgreement} {
		for _, r := range refs {
			if r.Embedded != nil && r.Embedded.ID == id {
				return r.Embedded
			}
		}
	}
	return nil
}

// Lists reports whether the method id is listed, by reference or embedded,
// under the verification relationship purpose.
func (d *Document) Lists(purpose, id string) bool {
	for _, r := range d.Relationship(purpose) {
		if r.ID == id || (r.Embedded != nil && r.Embedded.ID == id) {
			return true
		}
	}
	return false
}

// Ref is an entry of a verification relationship: either a reference (ID) to
// a verification method or an embedded method. In JSON it is a string or an
// object.
type Ref struct {
	ID       string
	Embedded *VerificationMethod
}

// MarshalJSON encodes the reference as a string, or the embedded method as an
// object.
func (r Ref) MarshalJSON() ([]byte, error) {
	if r.Embedded != nil {
		return json.Marshal(r.Embedded)
	}
	return json.Marshal(r.ID)
}

// UnmarshalJSON decodes a string reference or an embedded method.
func (r *Ref) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*r = Ref{}
		return json.Unmarshal(b, &r.ID)
	}
	if len(b) > 0 && b[0] == '{' {
		var vm VerificationMethod
		if err := json.Unmarshal(b, &vm); err != nil {
			return err
		}
		*r = Ref{ID: vm.ID, Embedded: &vm}
		return nil
	}
	return errors.New("did: verification relationship entry must be a string or an object")
}

// VerificationMethod is a public key with its identifier and controller.
type VerificationMethod struct {
	ID                 string         `json:"id"`
	Type               string         `json:"type"`
	Controller         string         `json:"controller"`
	PublicKeyMultibase string         `json:"publicKeyMultibase,omitempty"`
	PublicKeyJwk       map[string]any `json:"publicKeyJwk,omitempty"`
	// PublicKeyBase58 is the key of the legacy Ed25519VerificationKey2018 type.
	PublicKeyBase58 string `json:"publicKeyBase58,omitempty"`
}

// PublicKey decodes the method's public key according to its type:
// Multikey (publicKeyMultibase, Ed25519 or P-256), Ed25519VerificationKey2020
// (publicKeyMultibase, Ed25519), Ed25519VerificationKey2018
// (publicKeyBase58), JsonWebKey and JsonWebKey2020 (publicKeyJwk),
// EcdsaSecp256r1VerificationKey2019 (publicKeyMultibase or publicKeyJwk, P-256).
func (vm *VerificationMethod) PublicKey() (crypto.PublicKey, error) {
	pub, err := vm.publicKey()
	if err != nil {
		return nil, fmt.Errorf("did: verification method %s: %w", vm.ID, err)
	}
	return pub, nil
}

func (vm *VerificationMethod) publicKey() (crypto.PublicKey, error) {
	switch vm.Type {
	case TypeMultikey:
		if vm.PublicKeyMultibase == "" {
			return nil, errors.New("Multikey without publicKeyMultibase")
		}
		return keys.DecodeMultikey(vm.PublicKeyMultibase)
	case TypeEd25519VerificationKey2020:
		if vm.PublicKeyMultibase == "" {
			return nil, errors.New("Ed25519VerificationKey2020 without publicKeyMultibase")
		}
		return wantType(keys.DecodeMultikey(vm.PublicKeyMultibase))(keys.Ed25519)
	case TypeEd25519VerificationKey2018:
		switch {
		case vm.PublicKeyBase58 != "":
			return keys.DecodeBase58Ed25519(vm.PublicKeyBase58)
		case vm.PublicKeyJwk != nil:
			return wantType(keys.ParsePublicJWK(vm.PublicKeyJwk))(keys.Ed25519)
		}
		return nil, errors.New("Ed25519VerificationKey2018 without publicKeyBase58")
	case TypeJsonWebKey, TypeJsonWebKey2020:
		if vm.PublicKeyJwk == nil {
			return nil, fmt.Errorf("%s without publicKeyJwk", vm.Type)
		}
		return keys.ParsePublicJWK(vm.PublicKeyJwk)
	case TypeEcdsaSecp256r1VerificationKey2019:
		switch {
		case vm.PublicKeyMultibase != "":
			return wantType(keys.DecodeMultikey(vm.PublicKeyMultibase))(keys.P256)
		case vm.PublicKeyJwk != nil:
			return wantType(keys.ParsePublicJWK(vm.PublicKeyJwk))(keys.P256)
		}
		return nil, errors.New("EcdsaSecp256r1VerificationKey2019 without publicKeyMultibase or publicKeyJwk")
	case "":
		return nil, errors.New("missing type")
	}
	return nil, fmt.Errorf("unsupported verification method type %q", vm.Type)
}

// wantType checks the type of a decoded key.
func wantType(pub crypto.PublicKey, err error) func(keys.Type) (crypto.PublicKey, error) {
	return func(t keys.Type) (crypto.PublicKey, error) {
		if err != nil {
			return nil, err
		}
		got, err := keys.TypeOf(pub)
		if err != nil {
			return nil, err
		}
		if got != t {
			return nil, fmt.Errorf("key is %s, want %s", got, t)
		}
		return pub, nil
	}
}

// Method returns the DID method name ("key", "web" …) of a DID or DID URL,
// or "" if s is not a DID.
func Method(s string) string {
	rest, ok := strings.CutPrefix(s, "did:")
	if !ok {
		return ""
	}
	m, _, ok := strings.Cut(rest, ":")
	if !ok || m == "" {
		return ""
	}
	return m
}
