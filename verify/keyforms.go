package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/proof"
)

// Key forms beyond DID documents
//
// 1EdTech's public validator (inspector-vc, EmbeddedProofProbe) accepts
// verification methods that Cairn's resolver alone cannot bind to an
// issuer, and the CLR 2.0 and OB 3.0 test credentials use them:
//
//   - [controller]#[publicKeyMultibase]: the key is in the method id and
//     its controller is the part before '#' (which must be the issuer).
//     When the controller is not resolvable at all (a urn:uuid issuer), no
//     document can ever confirm the key: the signature proves the
//     credential intact, not who made it (a warning, as for a JWS header
//     jwk). When it is an https URL whose document cannot be fetched, the
//     signature is checked with the key the id names and the issuer-key
//     check is indeterminate; a fetched document must list the method.
//   - did:key:… signing for an issuer that is not resolvable (urn:uuid):
//     nothing could bind any key to such an issuer, so the did:key
//     signature is accepted with the same warning. An issuer that is a DID
//     or a URL still needs its own key.

// keyForm says how a verification method was bound to the issuer.
type keyForm int

const (
	formDocument     keyForm = iota // resolved: the controller's document lists it
	formSelfAsserted                // named in the id, for an issuer no document can speak for
	formUnconfirmed                 // named in the id; the controller's document could not be fetched
)

// keyForms is a proof.KeyResolver for one credential's proofs: base, and
// the forms above for its issuer. It records the form of each method.
type keyForms struct {
	base   proof.KeyResolver
	issuer string
	forms  map[string]keyForm
	causes map[string]error
}

func newKeyForms(base proof.KeyResolver, issuer string) *keyForms {
	return &keyForms{base: base, issuer: issuer, forms: map[string]keyForm{}, causes: map[string]error{}}
}

// resolvable reports whether an id names something a document can be
// fetched for (a DID or an http(s) URL).
func resolvable(id string) bool {
	return strings.HasPrefix(id, "did:") || strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://")
}

// fragmentKey returns the method that [controller]#[multikey] names, if
// the fragment is an Ed25519 multikey.
func fragmentKey(id string) (*did.VerificationMethod, bool) {
	ctrl, frag, ok := strings.Cut(id, "#")
	if !ok || ctrl == "" || !strings.HasPrefix(frag, "z6Mk") {
		return nil, false
	}
	vm := &did.VerificationMethod{ID: id, Type: "Multikey", Controller: ctrl, PublicKeyMultibase: frag}
	if _, err := vm.PublicKey(); err != nil {
		return nil, false
	}
	return vm, true
}

// VerificationMethod implements proof.KeyResolver.
func (k *keyForms) VerificationMethod(ctx context.Context, id, purpose string) (*did.VerificationMethod, error) {
	if fk, ok := fragmentKey(id); ok && !resolvable(fk.Controller) {
		if fk.Controller != k.issuer {
			return nil, fmt.Errorf("the key %s is named for %s, which cannot be resolved, and is not the issuer %s", id, fk.Controller, k.issuer)
		}
		k.forms[id] = formSelfAsserted
		return fk, nil
	}
	vm, err := k.base.VerificationMethod(ctx, id, purpose)
	switch {
	case err == nil:
		if strings.HasPrefix(vm.Controller, "did:key:") && vm.Controller != k.issuer && k.issuer != "" && !resolvable(k.issuer) {
			// A did:key speaks only for itself: for an issuer that no
			// document can speak for, it is the best there is.
			cp := *vm
			cp.Controller = k.issuer
			k.forms[id] = formSelfAsserted
			k.causes[id] = fmt.Errorf("signed by %s", vm.Controller)
			return &cp, nil
		}
		return vm, nil
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || did.Rejected(err):
		// Out of time, or the issuer's own document disowns the key.
	default:
		// No controller document to be had (unreachable, not served,
		// not a document): the key the id names checks the signature,
		// and the issuer key stays unconfirmed.
		if fk, ok := fragmentKey(id); ok && fk.Controller == k.issuer {
			k.forms[id] = formUnconfirmed
			k.causes[id] = err
			return fk, nil
		}
	}
	return nil, err
}

// note returns how the issuer-key check reads for a proof that verified
// with method vm, and its outcome.
func (k *keyForms) note(vm, controller string) (Outcome, Message, Message) {
	switch k.forms[vm] {
	case formSelfAsserted:
		warning := msg("issuer %s is not resolvable: its key (%s) is taken on the credential's word, as 1EdTech's validator does; nothing binds it to the issuer", controller, vm)
		if c := k.causes[vm]; c != nil {
			return Verified, msg("%s (a did:key speaks only for itself); the issuer %s cannot be resolved, so no document binds any key to it: the signature proves the credential intact, not who issued it", c.Error(), controller), warning
		}
		return Verified, msg("the key is named in the verification method id %s; the issuer %s cannot be resolved, so no document binds any key to it: the signature proves the credential intact, not who issued it", vm, controller), warning
	case formUnconfirmed:
		// fetch.ErrUnavailable or not: the key is not confirmed, which is
		// not the same as disowned.
		return Indeterminate, msg("the signature verifies with the key the method id %s names, but the issuer's document could not be fetched to confirm the key is the issuer's: %v", vm, errText(k.causes[vm])), Message{}
	}
	return Verified, msg("%s belongs to the issuer %s (assertionMethod)", vm, controller), Message{}
}
