package issuing

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/jsonenc"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/proof"
	"github.com/cairn-badges/cairn/translog"
)

// MaxEndorsementCommentLen caps an endorsement's comment, in bytes.
const MaxEndorsementCommentLen = 5000

// EndorsementInput is a request to endorse another organization's
// achievement or issuer profile: exactly one of AchievementID and
// ProfileID (an issuer's id), with the endorser's comment.
type EndorsementInput struct {
	IssuerID      string `json:"issuerId"`
	AchievementID string `json:"achievementId,omitempty"`
	ProfileID     string `json:"profileId,omitempty"`
	Comment       string `json:"comment"`
}

// EndorsementURL is the stable public URL of an endorsement: the
// credential's id, where its signed JSON is served.
func (s *Service) EndorsementURL(id string) string { return s.URL("/endorsements/" + id) }

// Endorse issues an OB 3.0 EndorsementCredential
// (https://www.imsglobal.org/spec/ob/v3p0/#endorsementcredential) signed by
// in.IssuerID, an issuer of orgID, about another organization's
// achievement or issuer profile: its credentialSubject is an
// EndorsementSubject whose id is the endorsed achievement's id (its URL) or
// the endorsed profile's id (the issuer's DID), with the comment as
// endorsementComment. It is signed like an award (Data Integrity,
// eddsa-rdfc-2022, the issuer's Ed25519 key) and checked against the
// strict OB 3.0 schema first. Errors: Invalid (naming issuerId,
// achievementId, profileId or comment; the issuer must be the
// organization's, the endorsed entity another organization's).
func (s *Service) Endorse(ctx context.Context, orgID string, in EndorsementInput) (*cairn.Endorsement, error) {
	in.IssuerID, in.AchievementID, in.ProfileID = strings.TrimSpace(in.IssuerID), strings.TrimSpace(in.AchievementID), strings.TrimSpace(in.ProfileID)
	in.Comment = strings.TrimSpace(in.Comment)
	if in.IssuerID == "" {
		return nil, cairn.Invalidf("issuerId", "is required: the issuer of your organization that endorses")
	}
	is, err := s.store.Issuer(ctx, orgID, in.IssuerID)
	if errors.Is(err, cairn.ErrNotFound) {
		return nil, cairn.Invalidf("issuerId", "no such issuer in your organization")
	} else if err != nil {
		return nil, err
	}
	switch {
	case in.AchievementID == "" && in.ProfileID == "":
		return nil, cairn.Invalidf("achievementId", "is required (or profileId): what you endorse")
	case in.AchievementID != "" && in.ProfileID != "":
		return nil, cairn.Invalidf("profileId", "give achievementId or profileId, not both")
	}
	if err := checkText("comment", in.Comment, 1, MaxEndorsementCommentLen); err != nil {
		return nil, err
	}
	e := &cairn.Endorsement{ID: uuid.NewString(), OrgID: orgID, IssuerID: is.ID, EndorserID: s.IssuerDID(is),
		EndorserName: is.Name, Comment: in.Comment}
	var subjectName string
	if in.AchievementID != "" {
		ach, err := s.store.PublicAchievement(ctx, in.AchievementID)
		if errors.Is(err, cairn.ErrNotFound) {
			return nil, cairn.Invalidf("achievementId", "no such achievement: %q", in.AchievementID)
		} else if err != nil {
			return nil, err
		}
		if ach.OrgID == orgID {
			return nil, cairn.Invalidf("achievementId", "is your organization's own achievement: endorse another organization's")
		}
		e.SubjectType, e.SubjectID, e.SubjectOrgID = cairn.EndorseAchievement, s.AchievementURL(ach.ID), ach.OrgID
		e.AchievementID, e.SubjectIssuerID, subjectName = ach.ID, ach.IssuerID, ach.Name
	} else {
		sub, err := s.store.PublicIssuer(ctx, in.ProfileID)
		if errors.Is(err, cairn.ErrNotFound) {
			return nil, cairn.Invalidf("profileId", "no such issuer: %q", in.ProfileID)
		} else if err != nil {
			return nil, err
		}
		if sub.OrgID == orgID {
			return nil, cairn.Invalidf("profileId", "is your organization's own issuer: endorse another organization's")
		}
		e.SubjectType, e.SubjectID, e.SubjectOrgID = cairn.EndorseProfile, s.IssuerDID(sub), sub.OrgID
		e.SubjectIssuerID, subjectName = sub.ID, sub.Name
	}
	now := s.clock()
	e.ValidFrom = now
	c := ob.NewEndorsementCredential(s.EndorsementURL(e.ID), "Endorsement of "+subjectName, s.Profile(is), e.SubjectID, e.Comment, now)
	var m map[string]any
	if err := roundTrip(c, &m); err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "encoding the endorsement")
	}
	if err := ob.ValidateIssued(m); err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "the endorsement Cairn built fails the OB 3.0 schema")
	}
	sg, err := s.signerFor(ctx, is, keys.Ed25519)
	if err != nil {
		return nil, err
	}
	signed, err := proof.SignDI(ctx, m, sg.signer, sg.vm, now)
	if err != nil {
		return nil, signingError(ctx, m, err, noFields, nil, "signing the endorsement")
	}
	if e.CredentialJSON, err = jsonenc.Marshal(signed); err != nil {
		return nil, err
	}
	if err := s.store.CreateEndorsement(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// EndorsementEvent returns the transparency log event of an endorsement
// issued (state active) or revoked, for the store to write to the log's
// outbox in the change's transaction: like an award's, its digest is the
// SHA-256 of the exact signed credential, and its credential id the
// endorsement's URL.
func (s *Service) EndorsementEvent(_ context.Context, e *cairn.Endorsement) (*translog.Event, error) {
	t, at := translog.Issued, e.CreatedAt
	if e.State == cairn.EndorsementRevoked {
		t, at = translog.Revoked, e.UpdatedAt
	}
	if at.IsZero() {
		at = s.now()
	}
	return &translog.Event{CredentialID: s.EndorsementURL(e.ID), Issuer: s.IssuerDID(&cairn.Issuer{ID: e.IssuerID}),
		CredentialDigest: sha256.Sum256(e.CredentialJSON), Type: t, Time: at}, nil
}

// RevokeEndorsement revokes an endorsement the organization gave: its
// public URL then answers 410 Gone and the endorsed pages stop listing
// it. Errors: Invalid (reason), NotFound, Conflict (revoked already).
func (s *Service) RevokeEndorsement(ctx context.Context, orgID, id, reason string) (*cairn.Endorsement, error) {
	reason = strings.TrimSpace(reason)
	if err := checkText("reason", reason, 0, 1000); err != nil {
		return nil, err
	}
	return s.store.RevokeEndorsement(ctx, orgID, id, reason)
}
