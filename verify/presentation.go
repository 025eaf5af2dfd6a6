package verify

import (
	"context"
	"errors"
	"strings"

	"github.com/cairn-badges/cairn/proof"
)

// CheckHolder is the check of a presentation's holder: that the proof's
// key is the holder's (listed under its authentication).
const CheckHolder = "holder"

// verifyPresentation verifies a Verifiable Presentation
// (https://www.w3.org/TR/vc-data-model-2.0/#verifiable-presentations)
// with an embedded proof: the holder's Data Integrity proof (purpose
// authentication, a key under the holder's authentication; a challenge
// or domain in the proof is reported, not checked: the verifier of a
// published presentation asked for none), then each credential it holds,
// as on its own (their reports are Inner, and decide the
// inner-credentials check). A presentation without a proof fails: who
// presents the credentials is not proven, though each is still reported.
func (r *run) verifyPresentation(ctx context.Context, rep *Report, vp map[string]any, depth int) {
	rep.Format = "ldp_vp"
	rep.ID = stringField(vp, "id")
	for _, t := range asList(vp["type"]) {
		if s, ok := t.(string); ok {
			rep.Types = append(rep.Types, s)
		}
	}
	rep.Holder = proof.HolderID(vp)
	items := asList(vp["verifiableCredential"])
	switch h := vp["holder"].(type) {
	case nil, string, map[string]any:
	default:
		rep.add(CheckFormat, Failed, "holder: must be a URL or an object with an id, got %s", jsonKind(h))
		return
	}
	if _, ok := vp["@context"]; !ok {
		rep.add(CheckFormat, Failed, "@context: missing; this is not a Verifiable Presentation")
		return
	}
	if len(items) == 1 {
		rep.add(CheckFormat, Verified, "Verifiable Presentation, JSON with an embedded proof, holding 1 credential")
	} else {
		rep.add(CheckFormat, Verified, "Verifiable Presentation, JSON with an embedded proof, holding %d credentials", len(items))
	}
	if _, ok := vp["proof"]; !ok {
		rep.add(CheckProof, Failed, "proof: missing; the presentation is not signed by its holder, so who presents these credentials is not proven")
	} else {
		res, err := proof.VerifyPresentationDI(ctx, vp, r.resolver, proof.PresentationOptions{})
		r.addPresentationProof(rep, res, err)
	}
	if len(items) == 0 {
		rep.add(CheckInner, Verified, "the presentation holds no credentials")
		return
	}
	outcome, n, bad := r.nestedAll(ctx, rep, items, depth)
	if outcome == Verified {
		rep.add(CheckInner, Verified, "all %d credentials of the presentation verified", n)
		return
	}
	rep.addMessages(CheckInner, outcome, outcomeMsg(outcome, "%d of %d credentials of the presentation {outcome}: %s", len(bad), n, strings.Join(bad, "; ")))
}

func (r *run) addPresentationProof(rep *Report, res *proof.Result, err error) {
	if res == nil || len(res.Proofs) == 0 {
		rep.add(CheckProof, outcomeOf(err), "%v", errText(err))
		return
	}
	var proofs, holders []Message
	proofOutcome, holderOutcome := Verified, Verified
	for _, p := range res.Proofs {
		label := p.Type
		if p.Cryptosuite != "" {
			label += " " + p.Cryptosuite
		}
		o := Outcome(p.Outcome)
		if p.Outcome == proof.Unsupported {
			o = Indeterminate
		}
		var pe *proof.Error
		switch {
		case o == Verified:
			proofs = append(proofs, msg("%s verified", label))
			holders = append(holders, msg("%s belongs to the holder %s (authentication)", p.VerificationMethod, p.Controller))
		case errors.As(p.Err, &pe) && isKeyCheck(pe.Check) || pe != nil && pe.Check == "holder":
			holderOutcome = worst(holderOutcome, o)
			holders = append(holders, msg("%s", errText(p.Err)))
			proofOutcome = worst(proofOutcome, o)
			proofs = append(proofs, msg("%s: not checked, the key is not the holder's", label))
		default:
			proofOutcome = worst(proofOutcome, o)
			proofs = append(proofs, msg("%s: %s", label, errText(p.Err)))
		}
	}
	rep.addMessages(CheckProof, proofOutcome, proofs...)
	if len(holders) == 0 {
		holderOutcome = worst(holderOutcome, Indeterminate)
		holders = append(holders, msg("not checked: the proof failed before its key was looked up"))
	}
	rep.addMessages(CheckHolder, holderOutcome, holders...)
}
