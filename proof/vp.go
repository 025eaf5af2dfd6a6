package proof

import (
	"context"
	"fmt"
	"slices"
)

// PurposeAuthentication is the proof purpose of a presentation's proof: the
// holder authenticates (https://www.w3.org/TR/vc-data-integrity/#proof-purposes).
const PurposeAuthentication = "authentication"

// PresentationOptions are what the verifier of a presentation asked the
// holder to sign: the challenge (nonce) and the domain
// (https://www.w3.org/TR/vc-data-integrity/#defn-challenge). Empty ones
// are not checked.
type PresentationOptions struct {
	Challenge string
	Domain    string
}

// VerifyPresentationDI verifies the proof set of a Verifiable Presentation
// (https://www.w3.org/TR/vc-data-model-2.0/#verifiable-presentations) as
// VerifyDI does a credential's, except that each proof's purpose must be
// authentication, its verification method must be listed under the
// controller's authentication, its controller must be the presentation's
// holder (when the presentation names one), and its challenge and domain
// must be those of opts. It does not verify the credentials the
// presentation holds: they are signed by their issuers, each on its own.
func VerifyPresentationDI(ctx context.Context, vp map[string]any, r KeyResolver, opts PresentationOptions) (*Result, error) {
	set, err := proofSet(vp["proof"])
	if err != nil {
		return &Result{Outcome: Failed}, failed("proof", "%v", err)
	}
	if len(set) == 0 {
		return &Result{Outcome: Failed}, failed("proof", "the presentation has no proof")
	}
	if len(set) > MaxProofs {
		e := &Error{Outcome: Indeterminate, Check: "proof", Err: fmt.Errorf("%d proofs, more than the %d a verification checks: not verified", len(set), MaxProofs)}
		return &Result{Outcome: Indeterminate}, e
	}
	doc := without(vp, "proof")
	want := expect{purpose: PurposeAuthentication, controller: HolderID(vp), role: "holder",
		challenge: opts.Challenge, domain: opts.Domain}
	var docCanon string
	res := &Result{Proofs: make([]ProofResult, 0, len(set))}
	for _, p := range set {
		res.Proofs = append(res.Proofs, verifyOne(ctx, doc, want, p, set, r, &docCanon))
	}
	return res, res.summarize()
}

// HolderID returns a presentation's holder: holder when it is a string,
// holder.id when it is an object, "" otherwise.
func HolderID(vp map[string]any) string {
	switch v := vp["holder"].(type) {
	case string:
		return v
	case map[string]any:
		id, _ := v["id"].(string)
		return id
	}
	return ""
}

// checkChallenge checks the challenge and domain a verifier expects.
func checkChallenge(p map[string]any, want expect) *Error {
	if want.challenge != "" {
		if c, _ := p["challenge"].(string); c != want.challenge {
			return failed("challenge", "the proof's challenge %q is not the expected %q", c, want.challenge)
		}
	}
	if want.domain != "" {
		var domains []any
		switch d := p["domain"].(type) {
		case string:
			domains = []any{d}
		case []any:
			domains = d
		}
		if !slices.Contains(domains, any(want.domain)) {
			return failed("domain", "the proof's domain %v is not the expected %q", p["domain"], want.domain)
		}
	}
	return nil
}
