package issuing

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/pathway"
	"github.com/cairn-badges/cairn/proof"
)

// Comprehensive Learner Records (CLR 2.0,
// https://www.imsglobal.org/spec/clr/v2p0/).
//
// A ClrCredential is made on request, never stored: it bundles the
// learner's OpenBadgeCredentials exactly as they were issued (each with its
// own proof, so each verifies on its own), the achievements they are for,
// and the associations between those achievements that pathways define
// (a badge isChildOf the micro-credential it counts toward, which
// isParentOf it), and is signed by the issuer like any credential: Data
// Integrity eddsa-rdfc-2022, and a VC-JWT when the issuer issues JWTs.
//
// Its id is a fresh urn:uuid: each CLR is a new credential, bundling the
// state of the learner's record when it was made, and it is not logged
// (its inner credentials are).

// MaxCLRCredentials bounds the credentials one CLR carries; a transcript
// with more is marked partial (CLR 2.0 §ClrCredential partial). It keeps a
// CLR well inside what verifiers accept (verify.MaxNested, the JSON-LD
// limits).
const MaxCLRCredentials = 150

// CLRSchemaURL is the 1EdTech JSON Schema of a ClrCredential, named by the
// credentialSchema of the CLRs Cairn issues.
const CLRSchemaURL = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"

// CLR is a signed ClrCredential.
type CLR struct {
	JSON []byte // with its Data Integrity proof
	JWT  string // the VC-JWT; "" unless the issuer issues JWTs
	// Credentials is how many OpenBadgeCredentials it carries.
	Credentials int
	// Partial is set when the learner holds more than it carries.
	Partial bool
}

// clrPart is one credential a CLR carries, with what associations need.
type clrPart struct {
	aw  *cairn.Award
	ach *cairn.Achievement
}

// AwardCLR returns a new signed ClrCredential for a pathway award: the
// pathway award's credential and the credentials that made its rule hold
// (and, for a pathway inside it, what made that one hold), the pathway's
// achievement and theirs, associated (isChildOf / isParentOf) as the
// pathway's rule relates them. Errors: NotFound (no such award, or no
// pathway gave it), Conflict (the award is revoked).
func (p *Pathways) AwardCLR(ctx context.Context, orgID, awardID string) (*CLR, error) {
	aw, err := p.svc.store.Award(ctx, orgID, awardID)
	if err != nil {
		return nil, err
	}
	return p.awardCLR(ctx, aw)
}

// PublicAwardCLR is AwardCLR for the public credential pages: the award is
// found by its ID alone.
func (p *Pathways) PublicAwardCLR(ctx context.Context, awardID string) (*CLR, error) {
	aw, err := p.svc.store.PublicAward(ctx, awardID)
	if err != nil {
		return nil, err
	}
	return p.awardCLR(ctx, aw)
}

// HasCLR reports whether an award has a CLR (a pathway gave it, and it is
// not revoked). An award made under a pathway's idempotency key has one
// even before the pathway recorded it (the record follows the award), so
// that a page rendered in between offers it.
func (p *Pathways) HasCLR(ctx context.Context, aw *cairn.Award) (bool, error) {
	if aw.State == cairn.StateRevoked {
		return false, nil
	}
	if strings.HasPrefix(aw.IdempotencyKey, pathwayKeyPrefix) {
		return true, nil
	}
	_, err := p.st.PathwayAwardByID(ctx, aw.ID)
	if cairn.KindOf(err) == cairn.NotFound {
		return false, nil
	}
	return err == nil, err
}

func (p *Pathways) awardCLR(ctx context.Context, aw *cairn.Award) (*CLR, error) {
	earned, err := p.st.PathwayAwardByID(ctx, aw.ID)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, &cairn.Error{Kind: cairn.NotFound, Message: fmt.Sprintf("award %s was not given by a pathway, so it has no CLR of its own; "+
			"GET /api/v1/learners/{email}/clr makes the learner's whole transcript", aw.ID)}
	}
	if err != nil {
		return nil, err
	}
	if aw.State == cairn.StateRevoked {
		return nil, cairn.Errorf(cairn.Conflict, "award %s is revoked: no CLR is made for it", aw.ID)
	}
	pw, err := p.st.PathwayVersion(ctx, aw.OrgID, earned.PathwayID, earned.Version)
	if err != nil {
		return nil, err
	}
	b := p.newCLRBuilder(ctx, aw.OrgID)
	if err := b.add(aw); err != nil {
		return nil, err
	}
	// The sources, and the sources of the pathway awards among them (a
	// micro-degree's micro-credentials and their badges).
	recs, exts := 0, 0
	queue := []*pathway.Earned{earned}
	seen := map[string]bool{earned.AwardID: true}
	for len(queue) > 0 && len(b.parts) < MaxCLRCredentials {
		e := queue[0]
		queue = queue[1:]
		sources := e.Sources
		// The awards of the pathways its rule names, which the learner
		// holds now even if that rule held before they were issued.
		if epw, err := p.st.PathwayVersion(ctx, aw.OrgID, e.PathwayID, e.Version); err == nil && epw.Rule != nil {
			_, subs, _ := epw.Rule.Refs()
			for _, id := range subs {
				se, err := p.st.PathwayAward(ctx, aw.OrgID, id, aw.Recipient.Identity)
				if err == nil {
					sources = append(sources, pathway.Source{Kind: pathway.SourceAward, ID: se.AwardID})
				} else if cairn.KindOf(err) != cairn.NotFound {
					return nil, err
				}
			}
		} else if err != nil && cairn.KindOf(err) != cairn.NotFound {
			return nil, err
		}
		for _, s := range sources {
			switch s.Kind {
			case pathway.SourceRecognition:
				recs++
				continue
			case pathway.SourceExternal:
				exts++
				continue
			}
			if seen[s.ID] || len(b.parts) >= MaxCLRCredentials {
				continue
			}
			seen[s.ID] = true
			src, err := p.svc.store.Award(ctx, aw.OrgID, s.ID)
			if cairn.KindOf(err) == cairn.NotFound {
				continue
			}
			if err != nil {
				return nil, err
			}
			if src.State == cairn.StateRevoked {
				continue
			}
			if err := b.add(src); err != nil {
				return nil, err
			}
			if sub, err := p.st.PathwayAwardByID(ctx, src.ID); err == nil {
				queue = append(queue, sub)
			} else if cairn.KindOf(err) != cairn.NotFound {
				return nil, err
			}
		}
	}
	if err := b.relate(pw, 0); err != nil {
		return nil, err
	}
	goal := b.parts[0].ach
	credits, n := 0.0, len(b.parts)-1
	for _, pt := range b.parts[1:] {
		credits += awardCredits(pt)
	}
	desc := fmt.Sprintf("The record of the pathway %q (version %d), which earned %q: %d contributing %s", pw.Name, pw.Version, goal.Name, n, plural(n, "credential", "credentials"))
	if credits > 0 {
		desc += ", " + formatCredits(credits) + " credits in all"
	}
	if recs > 0 {
		desc += fmt.Sprintf(", %d %s of prior learning", recs, plural(recs, "recognition", "recognitions"))
	}
	if exts > 0 {
		desc += fmt.Sprintf(", %d %s of other issuers (not included)", exts, plural(exts, "badge", "badges"))
	}
	desc += "."
	is, err := p.svc.store.Issuer(ctx, aw.OrgID, aw.IssuerID)
	if err != nil {
		return nil, err
	}
	return b.sign(is, goal.Name+" — Comprehensive Learner Record", desc, true, slices.Contains(aw.Formats, cairn.FormatJWT))
}

// LearnerCLR returns a new signed ClrCredential that is the transcript of
// one learner across the organization: every award of the organization to
// recipient (an email address or a DID) that is not revoked, newest first,
// at most MaxCLRCredentials (else it is partial), with the associations of
// the pathways among them. It is signed by issuerID ("" for the issuer of
// most of the awards), as a VC-JWT too when some award was issued as one.
// Errors: Invalid (recipient), NotFound (no award, or no such issuer).
func (p *Pathways) LearnerCLR(ctx context.Context, orgID, recipient, issuerID string) (*CLR, error) {
	recipient, err := NormalizeRecipient(recipient)
	if err != nil {
		return nil, err
	}
	var awards []*cairn.Award
	partial := false
	for _, st := range []cairn.AwardState{cairn.StateActive, cairn.StateSuspended} {
		page, next, err := p.svc.store.Awards(ctx, cairn.AwardFilter{OrgID: orgID, Recipient: recipient, State: st, Limit: MaxCLRCredentials})
		if err != nil {
			return nil, err
		}
		awards = append(awards, page...)
		partial = partial || next != ""
	}
	if len(awards) == 0 {
		return nil, &cairn.Error{Kind: cairn.NotFound, Field: "email", Message: "the organization has no award to this learner that is not revoked"}
	}
	slices.SortStableFunc(awards, func(a, b *cairn.Award) int {
		if c := b.AwardedDate.Compare(a.AwardedDate); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if len(awards) > MaxCLRCredentials {
		awards, partial = awards[:MaxCLRCredentials], true
	}
	b := p.newCLRBuilder(ctx, orgID)
	jwt := false
	counts := map[string]int{}
	for _, aw := range awards {
		if err := b.add(aw); err != nil {
			return nil, err
		}
		jwt = jwt || slices.Contains(aw.Formats, cairn.FormatJWT)
		counts[aw.IssuerID]++
	}
	earned, err := p.st.LearnerPathwayAwards(ctx, orgID, recipient)
	if err != nil {
		return nil, err
	}
	for _, e := range earned {
		if !b.byAward[e.AwardID] {
			continue
		}
		pw, err := p.st.PathwayVersion(ctx, orgID, e.PathwayID, e.Version)
		if err != nil {
			return nil, err
		}
		if err := b.relate(pw, 0); err != nil {
			return nil, err
		}
	}
	if issuerID == "" {
		best := 0
		for id, n := range counts {
			if n > best || n == best && id < issuerID {
				issuerID, best = id, n
			}
		}
	}
	is, err := p.svc.store.Issuer(ctx, orgID, issuerID)
	if err != nil {
		return nil, fieldErr("issuerId", err)
	}
	org, err := p.svc.store.Organization(ctx, orgID)
	if err != nil {
		return nil, err
	}
	credits := 0.0
	for _, pt := range b.parts {
		credits += awardCredits(pt)
	}
	n := len(b.parts)
	desc := fmt.Sprintf("The transcript of one learner at %s: %d %s", org.Name, n, plural(n, "credential", "credentials"))
	if credits > 0 {
		desc += ", " + formatCredits(credits) + " credits in all"
	}
	if partial {
		desc += fmt.Sprintf(" (the %d most recent; the learner holds more)", n)
	}
	desc += "."
	return b.sign(is, "Transcript — "+org.Name, desc, partial, jwt)
}

// clrBuilder gathers what one CLR carries.
type clrBuilder struct {
	p     *Pathways
	ctx   context.Context
	orgID string

	parts   []clrPart
	byAward map[string]bool
	achs    []string                      // achievement IDs, in order
	extra   map[string]*cairn.Achievement // achievements without a credential (goals of nested pathways)
	cache   map[string]*cairn.Achievement
	assoc   []ob.Association
	related map[[2]string]bool
}

func (p *Pathways) newCLRBuilder(ctx context.Context, orgID string) *clrBuilder {
	return &clrBuilder{p: p, ctx: ctx, orgID: orgID, byAward: map[string]bool{},
		extra: map[string]*cairn.Achievement{}, cache: map[string]*cairn.Achievement{}, related: map[[2]string]bool{}}
}

func (b *clrBuilder) achievement(id string) (*cairn.Achievement, error) {
	if a := b.cache[id]; a != nil {
		return a, nil
	}
	a, err := b.p.svc.store.Achievement(b.ctx, b.orgID, id)
	if err != nil {
		return nil, err
	}
	b.cache[id] = a
	return a, nil
}

// add adds an award's credential.
func (b *clrBuilder) add(aw *cairn.Award) error {
	if b.byAward[aw.ID] {
		return nil
	}
	if !json.Valid(aw.CredentialJSON) {
		return cairn.Errorf(cairn.Internal, "the stored credential of award %s is not JSON", aw.ID)
	}
	ach, err := b.achievement(aw.AchievementID)
	if err != nil {
		return err
	}
	b.parts = append(b.parts, clrPart{aw: aw, ach: ach})
	b.byAward[aw.ID] = true
	if !slices.Contains(b.achs, ach.ID) {
		b.achs = append(b.achs, ach.ID)
	}
	return nil
}

// has reports whether the CLR carries a credential of the achievement.
func (b *clrBuilder) has(achID string) bool { return slices.Contains(b.achs, achID) }

// relate adds the associations the rule of pathway pw defines between the
// achievements the CLR carries: each achievement its rule names isChildOf
// the pathway's achievement (which isParentOf it), and so does the
// achievement of a pathway it names, whose own rule is related in turn.
func (b *clrBuilder) relate(pw *pathway.Pathway, depth int) error {
	if pw.Rule == nil || depth > 4 {
		return nil
	}
	var walk func(r *pathway.Rule) error
	walk = func(r *pathway.Rule) error {
		switch r.Kind() {
		case pathway.KindAchievement:
			if b.has(r.Achievement) {
				b.associate(r.Achievement, pw.AchievementID)
			}
		case pathway.KindPathway:
			sub, err := b.p.st.Pathway(b.ctx, b.orgID, r.Pathway)
			if cairn.KindOf(err) == cairn.NotFound {
				return nil
			}
			if err != nil {
				return err
			}
			before := len(b.assoc)
			if err := b.relate(sub, depth+1); err != nil {
				return err
			}
			if b.has(sub.AchievementID) || len(b.assoc) > before {
				if !b.has(sub.AchievementID) && b.extra[sub.AchievementID] == nil {
					a, err := b.achievement(sub.AchievementID)
					if err != nil {
						return err
					}
					b.extra[sub.AchievementID] = a
				}
				b.associate(sub.AchievementID, pw.AchievementID)
			}
		default:
			kids := r.Children()
			for i := range kids {
				if err := walk(&kids[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(pw.Rule)
}

// associate records child isChildOf parent and parent isParentOf child
// (CLR 2.0 §AssociationType), once.
func (b *clrBuilder) associate(child, parent string) {
	if child == parent || b.related[[2]string{child, parent}] {
		return
	}
	b.related[[2]string{child, parent}] = true
	c, p := b.p.svc.AchievementURL(child), b.p.svc.AchievementURL(parent)
	b.assoc = append(b.assoc,
		ob.Association{Type: "Association", AssociationType: ob.IsChildOf, SourceID: c, TargetID: p},
		ob.Association{Type: "Association", AssociationType: ob.IsParentOf, SourceID: p, TargetID: c})
}

// sign builds the ClrCredential, checks it against the CLR 2.0 schema and
// signs it with the issuer's keys.
func (b *clrBuilder) sign(is *cairn.Issuer, name, desc string, partial, jwt bool) (*CLR, error) {
	s := b.p.svc
	creds := make([][]byte, len(b.parts))
	for i, pt := range b.parts {
		creds[i] = pt.aw.CredentialJSON
	}
	now := s.clock()
	c := ob.NewClrCredential("urn:uuid:"+uuid.NewString(), name, s.Profile(is), "", creds, now)
	c.Description = desc
	c.AwardedDate = ob.FormatTime(now)
	if partial {
		c.Partial = &partial
	}
	first := b.parts[0].aw
	switch first.Recipient.Type {
	case cairn.RecipientDID:
		c.CredentialSubject.ID = first.Recipient.Identity
	default:
		io := ob.IdentityObject{Type: "IdentityObject", IdentityType: "emailAddress", IdentityHash: first.Recipient.Identity}
		if first.Recipient.Salt != "" {
			io = ob.NewIdentityObject("emailAddress", first.Recipient.Identity, newSalt())
		}
		c.CredentialSubject.Identifier = ob.List[ob.IdentityObject]{io}
	}
	issuers := map[string]*cairn.Issuer{is.ID: is}
	addAch := func(a *cairn.Achievement) error {
		ai := issuers[a.IssuerID]
		if ai == nil {
			var err error
			if ai, err = s.store.Issuer(b.ctx, b.orgID, a.IssuerID); err != nil {
				return err
			}
			issuers[a.IssuerID] = ai
		}
		c.CredentialSubject.Achievement = append(c.CredentialSubject.Achievement, s.OBAchievement(a, ai))
		return nil
	}
	for _, id := range b.achs {
		if err := addAch(b.cache[id]); err != nil {
			return nil, err
		}
	}
	extra := make([]string, 0, len(b.extra))
	for id := range b.extra {
		extra = append(extra, id)
	}
	slices.Sort(extra)
	for _, id := range extra {
		if err := addAch(b.extra[id]); err != nil {
			return nil, err
		}
	}
	c.CredentialSubject.Association = b.assoc
	c.CredentialSchema = ob.List[ob.CredentialSchema]{{ID: CLRSchemaURL, Type: "1EdTechJsonSchemaValidator2019"}}
	c.EnsureContexts()

	var m map[string]any
	if err := roundTrip(c, &m); err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "encoding the CLR")
	}
	if err := ob.ValidateIssued(m); err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "the CLR Cairn built fails the CLR 2.0 schema")
	}
	formats := []string{cairn.FormatDataIntegrity}
	if jwt {
		formats = append(formats, cairn.FormatJWT)
	}
	fs, err := s.signers(b.ctx, is, formats)
	if err != nil {
		return nil, err
	}
	signed, err := proof.SignDI(b.ctx, m, fs.di.signer, fs.di.vm, now)
	if err != nil {
		return nil, signingError(b.ctx, m, err, noFields, nil, "signing the CLR")
	}
	out := &CLR{Credentials: len(b.parts), Partial: partial}
	if out.JSON, err = json.Marshal(signed); err != nil {
		return nil, err
	}
	if fs.jwt != nil {
		if out.JWT, err = proof.SignJWT(m, fs.jwt.signer, fs.jwt.vm); err != nil {
			return nil, cairn.Wrapf(cairn.Internal, err, "signing the CLR as a JWT")
		}
	}
	return out, nil
}

func noFields(string) (string, string, bool) { return "", "", false }

// awardCredits is what an award counts for: its creditsEarned, else its
// achievement's creditsAvailable.
func awardCredits(pt clrPart) float64 {
	switch {
	case pt.aw.CreditsEarned != nil:
		return *pt.aw.CreditsEarned
	case pt.ach.CreditsAvailable != nil:
		return *pt.ach.CreditsAvailable
	}
	return 0
}

func formatCredits(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
