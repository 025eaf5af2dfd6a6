package proof

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/mr-tron/base58"

	"github.com/cairn-badges/cairn/keys"
)

// SignPresentationDI adds a DataIntegrityProof (eddsa-rdfc-2022) to a
// Verifiable Presentation
// (https://www.w3.org/TR/vc-data-model-2.0/#verifiable-presentations),
// made by the holder: its proofPurpose is authentication
// (https://www.w3.org/TR/vc-data-integrity/#proof-purposes), vm must be a
// verification method of the presentation's holder, and opts' challenge
// and domain, when not empty, are signed with it
// (https://www.w3.org/TR/vc-data-integrity/#defn-challenge). The inner
// credentials keep their own issuers' proofs; the holder's signature
// covers them as they are. VerifyPresentationDI verifies the result.
//
// Errors: ErrCannotSign for bad input; canonicalization errors from jsonld
// are returned wrapped.
func SignPresentationDI(ctx context.Context, vp map[string]any, s keys.Signer, vm string, created time.Time, opts PresentationOptions) (map[string]any, error) {
	if _, ok := s.Public().(ed25519.PublicKey); !ok {
		return nil, cannotSign("%s needs an Ed25519 key, the signer's key is %s", CryptosuiteEdDSARDFC2022, s.Type())
	}
	holder := HolderID(vp)
	if holder == "" {
		return nil, cannotSign("the presentation has no holder")
	}
	if vm == "" {
		return nil, cannotSign("no verification method")
	}
	if err := checkController(holder, vm); err != nil {
		return nil, err
	}
	if _, ok := vp["@context"]; !ok {
		return nil, cannotSign("the presentation has no @context")
	}
	if _, ok := vp["proof"]; ok {
		return nil, cannotSign("the presentation is signed already")
	}
	p := map[string]any{
		"type":               TypeDataIntegrityProof,
		"cryptosuite":        CryptosuiteEdDSARDFC2022,
		"created":            formatDateTime(created),
		"verificationMethod": vm,
		"proofPurpose":       PurposeAuthentication,
	}
	if opts.Challenge != "" {
		p["challenge"] = opts.Challenge
	}
	if opts.Domain != "" {
		p["domain"] = opts.Domain
	}
	h, err := hashDI(ctx, vp, p, nil)
	if err != nil {
		return nil, fmt.Errorf("proof: sign presentation: %w", err)
	}
	sig, err := s.Sign(h.data())
	if err != nil {
		return nil, fmt.Errorf("proof: sign presentation: %w", err)
	}
	p["proofValue"] = "z" + base58.Encode(sig)
	out := deepCopy(vp).(map[string]any)
	out["proof"] = []any{p}
	return out, nil
}
