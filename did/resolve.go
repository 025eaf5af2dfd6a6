package did

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/cairn-badges/cairn/fetch"
)

// DefaultMaxDocumentBytes is the size limit for fetched DID and controller
// documents when Resolver.MaxBytes is zero.
const DefaultMaxDocumentBytes = 256 << 10

// Resolver resolves DIDs and dereferences verification methods. did:key needs
// no network; did:web DIDs and https controller documents are fetched with
// Fetcher (nil means [fetch.Offline]).
type Resolver struct {
	Fetcher fetch.Fetcher
	// MaxBytes bounds the size of a fetched document (default
	// [DefaultMaxDocumentBytes]).
	MaxBytes int
}

// Resolve returns the DID document of a did:key or did:web DID.
//
// Errors from fetching are wrapped, so errors.Is(err, fetch.ErrUnavailable)
// tells that the document could not be obtained (a verifier then reports
// "indeterminate"); other errors say what is wrong with the DID or document.
func (r *Resolver) Resolve(ctx context.Context, did string) (*Document, error) {
	switch Method(did) {
	case "key":
		return ResolveKey(did)
	case "web":
		u, err := WebURL(did)
		if err != nil {
			return nil, err
		}
		doc, err := r.fetchDocument(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("did:web %s: %w", did, err)
		}
		if doc.ID != did {
			return nil, fmt.Errorf("did:web %s: document at %s has id %q, want the DID", did, u, doc.ID)
		}
		return doc, nil
	case "":
		return nil, fmt.Errorf("did: %q is not a DID", did)
	}
	return nil, fmt.Errorf("did: unsupported DID method %q in %s (want did:key or did:web)", Method(did), did)
}

func (r *Resolver) fetchDocument(ctx context.Context, u string) (*Document, error) {
	f := r.Fetcher
	if f == nil {
		f = fetch.Offline
	}
	data, err := f.Fetch(ctx, u)
	if err != nil {
		return nil, err
	}
	max := r.MaxBytes
	if max <= 0 {
		max = DefaultMaxDocumentBytes
	}
	if len(data) > max {
		return nil, fmt.Errorf("document at %s is %d bytes, over the %d-byte limit", u, len(data), max)
	}
	doc, err := ParseDocument(data)
	if err != nil {
		return nil, fmt.Errorf("document at %s: %w", u, err)
	}
	return doc, nil
}

// ParseDocument parses a DID document or controller document. Relative
// verification method ids ("#key-1") are made absolute against the
// document's id, in verificationMethod and in verification relationships.
func ParseDocument(data []byte) (*Document, error) {
	var doc Document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("did: invalid document: %v", err)
	}
	if doc.ID == "" {
		return nil, errors.New("did: document has no id")
	}
	abs := func(id string) string {
		if strings.HasPrefix(id, "#") {
			return doc.ID + id
		}
		return id
	}
	fix := func(vm *VerificationMethod) error {
		vm.ID = abs(vm.ID)
		vm.Controller = abs(vm.Controller)
		if vm.ID == "" {
			return errors.New("did: verification method without id")
		}
		if vm.Controller == "" {
			vm.Controller = doc.ID
		}
		return nil
	}
	for i := range doc.VerificationMethod {
		if err := fix(&doc.VerificationMethod[i]); err != nil {
			return nil, err
		}
	}
	for _, refs := range [][]Ref{doc.AssertionMethod, doc.Authentication, doc.CapabilityInvocation, doc.CapabilityDelegation, doc.KeyAgreement} {
		for i := range refs {
			if refs[i].Embedded != nil {
				if err := fix(refs[i].Embedded); err != nil {
					return nil, err
				}
				refs[i].ID = refs[i].Embedded.ID
			} else {
				refs[i].ID = abs(refs[i].ID)
			}
		}
	}
	return &doc, nil
}

// VerificationMethod dereferences a verification method id — a DID URL
// (did:key:…#…, did:web:…#…) or an http(s) URL whose document is a
// controller document — and checks it as VC Data Integrity requires
// (https://www.w3.org/TR/cid-1.0/#retrieve-verification-method): the
// document's id equals the id without fragment, the method is in the
// document, its controller is the document's id, it is listed (by reference
// or embedded) under the verification relationship purpose (default
// "assertionMethod"), and its public key decodes. The method is returned with
// Controller set.
//
// An error wrapping fetch.ErrUnavailable means the document could not be
// obtained and the check is indeterminate; any other error means the method
// is not acceptable, and says why.
func (r *Resolver) VerificationMethod(ctx context.Context, id, purpose string) (*VerificationMethod, error) {
	if purpose == "" {
		purpose = AssertionMethod
	}
	base, frag, hasFrag := strings.Cut(id, "#")
	if !hasFrag && strings.HasPrefix(id, "did:key:") {
		// A did:key names exactly one key, and older credentials
		// (Ed25519Signature2020) give the bare DID as the method: it
		// dereferences to did:key:X#X (did:key §3.1.2).
		frag, hasFrag = strings.TrimPrefix(id, "did:key:"), true
		id = base + "#" + frag
	}
	var doc *Document
	var err error
	switch {
	case strings.HasPrefix(id, "did:"):
		if !hasFrag || frag == "" {
			return nil, fmt.Errorf("did: verification method %q has no fragment", id)
		}
		doc, err = r.Resolve(ctx, base)
		if err != nil {
			return nil, err
		}
	case strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://"):
		if _, err := url.Parse(id); err != nil {
			return nil, fmt.Errorf("did: invalid verification method URL %q", id)
		}
		doc, err = r.fetchDocument(ctx, base)
		if err != nil {
			return nil, fmt.Errorf("did: controller document for %s: %w", id, err)
		}
		if doc.ID != base {
			return nil, fmt.Errorf("did: controller document at %s has id %q, want %q", base, doc.ID, base)
		}
	default:
		return nil, fmt.Errorf("did: verification method %q is neither a DID URL nor an https URL", id)
	}

	vm := doc.Method(id)
	if vm == nil {
		return nil, rejectedf("did: verification method %s not found in the document of %s", id, doc.ID)
	}
	if vm.Controller != doc.ID {
		return nil, rejectedf("did: verification method %s has controller %q, want %q", id, vm.Controller, doc.ID)
	}
	if !doc.Lists(purpose, id) {
		return nil, rejectedf("did: verification method %s is not listed under %s of %s", id, purpose, doc.ID)
	}
	if _, err := vm.PublicKey(); err != nil {
		return nil, err
	}
	out := *vm
	return &out, nil
}

// rejectedError is returned when the controller's document was read and
// does not vouch for the method (see Rejected).
type rejectedError struct{ msg string }

func (e *rejectedError) Error() string { return e.msg }

func rejectedf(format string, args ...any) error {
	return &rejectedError{msg: fmt.Sprintf(format, args...)}
}

// Rejected reports whether err (from Resolver.VerificationMethod) says
// that the controller's DID or controller document was read and does not
// list the method, or lists it for another controller or purpose: the
// controller disowns the key, as opposed to a document that could not be
// fetched or read.
func Rejected(err error) bool {
	var r *rejectedError
	return errors.As(err, &r)
}
