package issuing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/jsonenc"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/proof"
	"github.com/cairn-badges/cairn/status"
	"github.com/cairn-badges/cairn/translog"
)

// Limits on awards.
const (
	MaxEvidence     = 50
	MaxResults      = 50
	MaxNarrativeLen = 20_000
	MaxIdemKeyLen   = 200
)

// RecipientInput says who receives an award: an email address (hashed with
// a salt in the credential unless Hashed is false) or a DID.
type RecipientInput struct {
	Email    string `json:"email,omitempty"`
	DID      string `json:"did,omitempty"`
	Name     string `json:"name,omitempty"`
	ShowName bool   `json:"showName,omitempty"` // the learner allows the name on public pages
	Hashed   *bool  `json:"hashed,omitempty"`   // default true (email only)
}

// AwardInput is what a caller gives to issue an award.
type AwardInput struct {
	AchievementID string         `json:"achievementId"`
	Recipient     RecipientInput `json:"recipient"`
	Narrative     string         `json:"narrative,omitempty"`
	Evidence      []ob.Evidence  `json:"evidence,omitempty"`
	Results       []ob.Result    `json:"results,omitempty"`
	CreditsEarned *float64       `json:"creditsEarned,omitempty"`
	ActivityStart *time.Time     `json:"activityStartDate,omitempty"`
	ActivityEnd   *time.Time     `json:"activityEndDate,omitempty"`
	ValidFrom     *time.Time     `json:"validFrom,omitempty"`  // default now
	ValidUntil    *time.Time     `json:"validUntil,omitempty"` // default from the achievement's validForMonths
	// Formats lists "di" (Data Integrity, the default) and/or "jwt".
	Formats []string `json:"formats,omitempty"`
	// IdempotencyKey makes a retried request return the first award instead
	// of creating a second one (the HTTP Idempotency-Key header).
	IdempotencyKey string `json:"-"`
}

// validate trims and checks a recipient: an email address or a DID, and
// an optional name.
func (r *RecipientInput) validate() error {
	r.Email, r.DID, r.Name = strings.TrimSpace(r.Email), strings.TrimSpace(r.DID), strings.TrimSpace(r.Name)
	switch {
	case r.Email != "" && r.DID != "":
		return cairn.Invalidf("recipient", "give an email or a did, not both")
	case r.Email != "":
		a, err := mail.ParseAddress(r.Email)
		if err != nil || a.Address != r.Email || len(r.Email) > 320 {
			return cairn.Invalidf("recipient.email", "%q is not an email address", r.Email)
		}
	case r.DID != "":
		if err := checkDID("recipient.did", r.DID); err != nil {
			return err
		}
		if r.Hashed != nil && *r.Hashed {
			return cairn.Invalidf("recipient.hashed", "only email addresses are hashed")
		}
	default:
		return cairn.Invalidf("recipient", "give the recipient's email or did")
	}
	if err := checkText("recipient.name", r.Name, 0, MaxNameLen); err != nil {
		return err
	}
	if r.ShowName && r.Name == "" {
		return cairn.Invalidf("recipient.showName", "there is no name to show")
	}
	return nil
}

func (in *AwardInput) validate(now time.Time) error {
	if in.AchievementID == "" {
		return cairn.Invalidf("achievementId", "is required")
	}
	if err := in.Recipient.validate(); err != nil {
		return err
	}
	if err := checkText("narrative", in.Narrative, 0, MaxNarrativeLen); err != nil {
		return err
	}
	if len(in.Evidence) > MaxEvidence {
		return cairn.Invalidf("evidence", "has %d entries; the limit is %d", len(in.Evidence), MaxEvidence)
	}
	for i := range in.Evidence {
		e := &in.Evidence[i]
		e.Type = ob.List[string]{"Evidence"}
		field := fmt.Sprintf("evidence[%d]", i)
		if e.ID != "" {
			if err := checkURL(field+".id", e.ID); err != nil {
				return err
			}
		}
		if e.ID == "" && e.Narrative == "" && e.Name == "" {
			return cairn.Invalidf(field, "needs an id (URL), a name or a narrative")
		}
		for f, v := range map[string]string{".name": e.Name, ".description": e.Description, ".narrative": e.Narrative} {
			if err := checkText(field+f, v, 0, MaxDescriptionLen); err != nil {
				return err
			}
		}
	}
	if len(in.Results) > MaxResults {
		return cairn.Invalidf("results", "has %d entries; the limit is %d", len(in.Results), MaxResults)
	}
	for i := range in.Results {
		res := &in.Results[i]
		field := fmt.Sprintf("results[%d]", i)
		res.Type = ob.List[string]{"Result"}
		if err := checkAlignments(field+".alignment", res.Alignment); err != nil {
			return err
		}
	}
	if in.CreditsEarned != nil && (*in.CreditsEarned < 0 || *in.CreditsEarned > 1e6) {
		return cairn.Invalidf("creditsEarned", "must be between 0 and 1000000")
	}
	if in.ActivityStart != nil && in.ActivityEnd != nil && in.ActivityEnd.Before(*in.ActivityStart) {
		return cairn.Invalidf("activityEndDate", "is before activityStartDate")
	}
	if in.ValidFrom != nil && in.ValidUntil != nil && !in.ValidUntil.After(*in.ValidFrom) {
		return cairn.Invalidf("validUntil", "must be after validFrom")
	}
	if in.ValidUntil != nil && in.ValidFrom == nil && !in.ValidUntil.After(now) {
		return cairn.Invalidf("validUntil", "is in the past")
	}
	if len(in.Formats) == 0 {
		in.Formats = []string{cairn.FormatDataIntegrity}
	}
	for _, f := range in.Formats {
		if f != cairn.FormatDataIntegrity && f != cairn.FormatJWT {
			return cairn.Invalidf("formats", "%q: want di, jwt or both", f)
		}
	}
	slices.Sort(in.Formats)
	in.Formats = slices.Compact(in.Formats)
	if len(in.IdempotencyKey) > MaxIdemKeyLen {
		return cairn.Invalidf("Idempotency-Key", "is longer than %d bytes", MaxIdemKeyLen)
	}
	return nil
}

// requestHash identifies an award request for idempotency: the same key
// with a different request is a conflict.
func (in *AwardInput) requestHash() string {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Award issues an award: it reserves a status entry, builds and signs the
// credential outside any store transaction, then stores it (durably, with
// its transparency-log event) before returning. created is false when
// IdempotencyKey named an earlier award, which is returned instead. Errors:
// Invalid (naming the field), Conflict (idempotency key reused with another
// request), Unavailable.
func (s *Service) Award(ctx context.Context, orgID string, in AwardInput) (aw *cairn.Award, created bool, err error) {
	now := s.clock()
	if err := in.validate(now); err != nil {
		return nil, false, err
	}
	// What the award is built from: kept from an earlier award when the
	// store checks, as it inserts, that it is still current (parts.go).
	vs, checked := s.store.(cairn.IssueVersionStore)
	ach, is, signers, v, ok := s.cachedParts(orgID, in.AchievementID, in.Formats)
	if !checked || !ok {
		if ach, is, signers, v, err = s.awardPartsAt(ctx, orgID, in.AchievementID, in.Formats); err != nil {
			return nil, false, err
		}
	}
	aw = s.newAward(orgID, &in, ach, is, now)
	// Reserve a status entry, sign outside any lock, insert (grouped with
	// concurrent awards into one commit). Another replica may take the
	// entry meanwhile: the credential names it, so sign again; or change
	// what the award was built from: build it again.
	for attempt := 0; ; attempt++ {
		existing, err := s.reserve(ctx, aw)
		if err != nil {
			return nil, false, err
		}
		if existing != nil {
			return existing, false, nil
		}
		if err := s.sign(ctx, aw, ach, is, signers); err != nil {
			s.store.ReleaseAward(aw)
			return nil, false, err
		}
		var r cairn.InsertResult
		if checked {
			r = vs.InsertAwardsAt(ctx, v, []*cairn.Award{aw})[0]
		} else {
			r = s.store.InsertAwards(ctx, []*cairn.Award{aw})[0]
		}
		if r.Err == nil {
			s.meter.add()
			return aw, r.Created, nil
		}
		if attempt == maxResign {
			return nil, false, r.Err
		}
		switch {
		case errors.Is(r.Err, cairn.ErrIssueVersionChanged):
			if ach, is, signers, v, err = s.awardPartsAt(ctx, orgID, in.AchievementID, in.Formats); err != nil {
				return nil, false, err
			}
			aw = s.newAward(orgID, &in, ach, is, now)
		case !errors.Is(r.Err, cairn.ErrStatusEntryTaken):
			return nil, false, r.Err
		}
	}
}

// reserve is the store's ReserveAward. With a cairn.LateKeyStore it
// leaves the idempotency key to InsertAwards, which returns the award
// stored under it (a new key is the rule, a replay the exception), and
// existing is nil.
func (s *Service) reserve(ctx context.Context, aw *cairn.Award) (existing *cairn.Award, err error) {
	if ls, ok := s.store.(cairn.LateKeyStore); ok {
		return nil, ls.ReserveAwardLateKey(ctx, aw)
	}
	return s.store.ReserveAward(ctx, aw)
}

// newAward makes the award that a validated input asks for, ready for
// ReserveAward.
func (s *Service) newAward(orgID string, in *AwardInput, ach *cairn.Achievement, is *cairn.Issuer, now time.Time) *cairn.Award {
	aw := &cairn.Award{
		OrgID: orgID, IssuerID: is.ID, AchievementID: ach.ID,
		Recipient: cairn.Recipient{Name: in.Recipient.Name, ShowName: in.Recipient.ShowName},
		Narrative: in.Narrative, Evidence: in.Evidence, Results: in.Results, CreditsEarned: in.CreditsEarned,
		ActivityStart: in.ActivityStart, ActivityEnd: in.ActivityEnd,
		AwardedDate: now, ValidFrom: now, Formats: in.Formats,
		IdempotencyKey: in.IdempotencyKey,
	}
	if in.IdempotencyKey != "" {
		// Only a retry with the key compares it.
		aw.RequestHash = in.requestHash()
	}
	if in.Recipient.Email != "" {
		aw.Recipient.Type, aw.Recipient.Identity = cairn.RecipientEmail, strings.ToLower(in.Recipient.Email)
		if in.Recipient.Hashed == nil || *in.Recipient.Hashed {
			aw.Recipient.Salt = newSalt()
		}
	} else {
		aw.Recipient.Type, aw.Recipient.Identity = cairn.RecipientDID, in.Recipient.DID
	}
	if in.ValidFrom != nil {
		aw.ValidFrom = in.ValidFrom.UTC().Truncate(time.Second)
	}
	switch {
	case in.ValidUntil != nil:
		t := in.ValidUntil.UTC().Truncate(time.Second)
		aw.ValidUntil = &t
	case ach.ValidFor > 0:
		t := aw.ValidFrom.AddDate(0, ach.ValidFor, 0)
		aw.ValidUntil = &t
	}
	return aw
}

// maxResign is how many times Award signs again when another replica took
// the status entry it reserved.
const maxResign = 8

func newSalt() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type formatSigners struct{ di, jwt *issuerSigner }

func (s *Service) signers(ctx context.Context, is *cairn.Issuer, formats []string) (*formatSigners, error) {
	fs := &formatSigners{}
	var err error
	if fs.di, err = s.signerFor(ctx, is, keys.Ed25519); err != nil {
		return nil, err
	}
	if slices.Contains(formats, cairn.FormatJWT) {
		if fs.jwt, err = s.signerFor(ctx, is, keys.P256); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// Credential builds the unsigned OpenBadgeCredential of an award. The
// issuer profile and the achievement, the same in every award of one
// version of them, come from a cache of their JSON form (see template):
// the map returned shares them, and must not be changed.
func (s *Service) Credential(aw *cairn.Award, ach *cairn.Achievement, is *cairn.Issuer) (map[string]any, error) {
	m, _, err := s.credential(aw, ach, is)
	return m, err
}

// credential is Credential, also returning the cached JSON forms of the
// award's evidence and results (nil when it has none).
func (s *Service) credential(aw *cairn.Award, ach *cairn.Achievement, is *cairn.Issuer) (map[string]any, builtParts, error) {
	var bp builtParts
	tp, err := s.template(ach, is)
	if err != nil {
		return nil, bp, err
	}
	// The document is built as encoding/json would decode the
	// OpenBadgeCredential struct (ob.NewOpenBadgeCredential and friends:
	// TestCredentialFromTemplate holds them equal), with the cached JSON
	// form of the issuer and the achievement; only what a request gives as
	// structures (evidence, results) goes through encoding/json.
	subject := make(map[string]any, 8)
	subject["type"] = []any{"AchievementSubject"}
	subject["achievement"] = tp.achievement
	switch aw.Recipient.Type {
	case cairn.RecipientDID:
		if aw.Recipient.Identity != "" {
			subject["id"] = aw.Recipient.Identity
		}
	case cairn.RecipientEmail:
		io := ob.IdentityObject{Type: "IdentityObject", IdentityType: "emailAddress", IdentityHash: aw.Recipient.Identity}
		if aw.Recipient.Salt != "" {
			io = ob.NewIdentityObject("emailAddress", aw.Recipient.Identity, aw.Recipient.Salt)
		}
		im := map[string]any{"type": io.Type, "hashed": io.Hashed, "identityType": io.IdentityType}
		if io.IdentityHash != "" {
			im["identityHash"] = io.IdentityHash
		}
		if io.Salt != "" {
			im["salt"] = io.Salt
		}
		subject["identifier"] = []any{im}
	}
	if aw.Narrative != "" {
		subject["narrative"] = aw.Narrative
	}
	if len(aw.Results) > 0 {
		if bp.results, err = s.requestParts.get(aw.Results); err != nil {
			return nil, bp, err
		}
		subject["result"] = bp.results.v
	}
	if aw.CreditsEarned != nil {
		subject["creditsEarned"] = *aw.CreditsEarned
	}
	if aw.ActivityStart != nil {
		subject["activityStartDate"] = ob.FormatTime(*aw.ActivityStart)
	}
	if aw.ActivityEnd != nil {
		subject["activityEndDate"] = ob.FormatTime(*aw.ActivityEnd)
	}
	m := make(map[string]any, 12)
	m["@context"] = []any{ob.ContextVC2, ob.ContextOB3}
	m["id"] = s.CredentialURL(aw.ID)
	m["type"] = []any{"VerifiableCredential", "OpenBadgeCredential"}
	if ach.Name != "" {
		m["name"] = ach.Name
	}
	m["issuer"] = tp.issuer
	m["validFrom"] = ob.FormatTime(aw.ValidFrom)
	m["awardedDate"] = ob.FormatTime(aw.AwardedDate)
	if aw.ValidUntil != nil {
		m["validUntil"] = ob.FormatTime(*aw.ValidUntil)
	}
	m["credentialSubject"] = subject
	if len(aw.Evidence) > 0 {
		if bp.evidence, err = s.requestParts.get(aw.Evidence); err != nil {
			return nil, bp, err
		}
		m["evidence"] = bp.evidence.v
	}
	if ach.ImageID != "" {
		m["image"] = map[string]any{"id": s.ImageURL(ach.ImageID), "type": "Image"}
	}
	// OB 3.0 allows one credentialStatus: the revocation entry. Suspension
	// is kept in the paired list and shown by Cairn's pages and API.
	m["credentialStatus"] = status.NewEntry(s.StatusListURL(aw.StatusListID), status.Revocation, aw.StatusIndex)
	return m, bp, nil
}

// sign fills the award's signed credential (and JWT when asked for).
func (s *Service) sign(ctx context.Context, aw *cairn.Award, ach *cairn.Achievement, is *cairn.Issuer, fs *formatSigners) error {
	cred, bp, err := s.credential(aw, ach, is)
	if err != nil {
		return cairn.Wrapf(cairn.Internal, err, "building the credential")
	}
	var serr error
	switch {
	case s.schemaCheck(aw, ach, is):
		if serr = ob.ValidateIssued(cred); serr == nil {
			bp.passed()
		}
	case !bp.checked():
		if serr = ob.ValidateIssuedParts(cred); serr == nil {
			bp.passed()
		}
	}
	if serr != nil {
		return signingError(ctx, cred, serr, awardFields, awardLists, "the credential Cairn built fails the OB 3.0 schema")
	}
	signed, err := proof.SignDIShared(ctx, cred, fs.di.signer, fs.di.vm, s.clock())
	if err != nil {
		return signingError(ctx, cred, err, awardFields, awardLists, "signing the credential")
	}
	if aw.CredentialJSON, err = jsonenc.Marshal(signed); err != nil {
		return err
	}
	aw.CredentialJWT = ""
	if fs.jwt != nil {
		if aw.CredentialJWT, err = proof.SignJWT(cred, fs.jwt.signer, fs.jwt.vm); err != nil {
			return cairn.Wrapf(cairn.Internal, err, "signing the JWT")
		}
	}
	return nil
}

// SetState revokes, suspends or reinstates an award, with a reason, and
// re-signs the status lists whose bits changed. Revocation is final.
// Errors: Invalid, NotFound, Conflict (already revoked).
func (s *Service) SetState(ctx context.Context, orgID, awardID string, state cairn.AwardState, reason string) (*cairn.Award, error) {
	if !state.Valid() {
		return nil, cairn.Invalidf("state", "%q: want active, suspended or revoked", state)
	}
	if err := checkText("reason", reason, 0, 1000); err != nil {
		return nil, err
	}
	aw, err := s.store.SetAwardState(ctx, orgID, awardID, state, reason)
	if err != nil {
		return nil, err
	}
	for _, id := range []string{aw.StatusListID, aw.SuspensionListID} {
		if _, _, err := s.StatusListCredential(ctx, id); err != nil {
			// The list is re-signed on its next fetch; the state change stands.
			s.log.Warn("re-signing status list", "list", id, "err", err)
		}
	}
	return aw, nil
}

// Reissue signs an award again, with the achievement and issuer profile as
// they are now: same credential id, a new validFrom, the first awardedDate
// kept (OB 3.0 §credential equality: newer validFrom wins). Errors:
// NotFound, Conflict (revoked).
func (s *Service) Reissue(ctx context.Context, orgID, awardID string) (*cairn.Award, error) {
	return s.resign(withLogEvent(ctx, translog.Reissued), orgID, awardID, func(aw *cairn.Award, ach *cairn.Achievement) {
		now := s.clock()
		if aw.ValidUntil != nil && ach.ValidFor > 0 {
			t := now.AddDate(0, ach.ValidFor, 0)
			aw.ValidUntil = &t
		}
		aw.ValidFrom = now
	})
}

// Renew gives an award a new validUntil (nil: no expiry) and re-signs it.
// Errors: Invalid, NotFound, Conflict (revoked).
func (s *Service) Renew(ctx context.Context, orgID, awardID string, validUntil *time.Time) (*cairn.Award, error) {
	if validUntil != nil && !validUntil.After(s.clock()) {
		return nil, cairn.Invalidf("validUntil", "is in the past")
	}
	return s.resign(withLogEvent(ctx, translog.Renewed), orgID, awardID, func(aw *cairn.Award, _ *cairn.Achievement) {
		aw.ValidFrom = s.clock()
		if validUntil == nil {
			aw.ValidUntil = nil
			return
		}
		t := validUntil.UTC().Truncate(time.Second)
		aw.ValidUntil = &t
	})
}

func (s *Service) resign(ctx context.Context, orgID, awardID string, change func(*cairn.Award, *cairn.Achievement)) (*cairn.Award, error) {
	return s.store.UpdateAward(ctx, orgID, awardID, func(aw *cairn.Award) error {
		ach, err := s.store.Achievement(ctx, orgID, aw.AchievementID)
		if err != nil {
			return err
		}
		is, err := s.store.Issuer(ctx, orgID, aw.IssuerID)
		if err != nil {
			return err
		}
		fs, err := s.signers(ctx, is, aw.Formats)
		if err != nil {
			return err
		}
		change(aw, ach)
		return s.sign(ctx, aw, ach, is, fs)
	})
}

// StatusListCredential returns the signed credential of a status list and
// its version (for ETags), signing it anew when its bits changed since it
// was last signed. Errors: NotFound.
func (s *Service) StatusListCredential(ctx context.Context, listID string) ([]byte, int64, error) {
	for attempt := 0; attempt < 5; attempt++ {
		l, err := s.store.StatusList(ctx, listID)
		if err != nil {
			return nil, 0, err
		}
		if l.Signed != nil && l.SignedVersion == l.Version {
			return l.Signed, l.Version, nil
		}
		signed, err := s.signList(ctx, l)
		if err != nil {
			return nil, 0, err
		}
		err = s.store.UpdateStatusListSigned(ctx, l.ID, l.Version, signed)
		if err == nil {
			return signed, l.Version, nil
		}
		if cairn.KindOf(err) != cairn.Conflict {
			return nil, 0, err
		}
		// Another request changed the bits meanwhile: sign the new version.
	}
	return nil, 0, cairn.Errorf(cairn.Unavailable, "status list %s keeps changing; try again", listID)
}

func (s *Service) signList(ctx context.Context, l *cairn.StatusList) ([]byte, error) {
	is, err := s.store.PublicIssuer(ctx, l.IssuerID)
	if err != nil {
		return nil, err
	}
	sg, err := s.signerFor(ctx, is, keys.Ed25519)
	if err != nil {
		return nil, err
	}
	doc, err := status.NewListCredential(s.StatusListURL(l.ID), s.IssuerDID(is), status.Purpose(l.Purpose),
		status.FromBytes(l.Bits), s.clock(), time.Time{})
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "status list %s", l.ID)
	}
	signed, err := proof.SignDI(ctx, doc, sg.signer, sg.vm, s.clock())
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "signing status list %s", l.ID)
	}
	return json.Marshal(signed)
}
