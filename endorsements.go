package cairn

import (
	"context"
	"time"
)

// EndorsementSubjectType says what an endorsement endorses.
type EndorsementSubjectType string

// What an organization can endorse: another organization's achievement or
// issuer profile (OB 3.0 allows endorsements of both).
const (
	EndorseAchievement EndorsementSubjectType = "achievement"
	EndorseProfile     EndorsementSubjectType = "profile"
)

// EndorsementState is whether an endorsement stands.
type EndorsementState string

// The endorsement states. Revocation is final.
const (
	EndorsementActive  EndorsementState = "active"
	EndorsementRevoked EndorsementState = "revoked"
)

// Endorsement is an OB 3.0 EndorsementCredential that one of an
// organization's issuers signed about another organization's achievement
// or issuer profile
// (https://www.imsglobal.org/spec/ob/v3p0/#endorsementcredential).
// CredentialJSON keeps the exact signed bytes.
type Endorsement struct {
	ID           string
	OrgID        string // the endorser's organization
	IssuerID     string // the endorsing issuer
	EndorserID   string // the endorsing issuer's profile id (its DID)
	EndorserName string
	// SubjectID is the credentialSubject's id: the endorsed achievement's
	// URL or the endorsed issuer's profile id (its DID).
	SubjectID   string
	SubjectType EndorsementSubjectType
	// SubjectOrgID is the endorsed organization; AchievementID the endorsed
	// achievement (for SubjectType achievement) and SubjectIssuerID the
	// issuer of the endorsed achievement or the endorsed profile.
	SubjectOrgID    string
	AchievementID   string
	SubjectIssuerID string
	Comment         string
	CredentialJSON  []byte
	State           EndorsementState
	StateReason     string
	ValidFrom       time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// EndorsementStore keeps the endorsements issued here.
type EndorsementStore interface {
	// CreateEndorsement stores a signed endorsement (e.ID set by the
	// caller: it is in the signed credential). Errors: Invalid, NotFound
	// (no such organization), Conflict (the id is taken).
	CreateEndorsement(ctx context.Context, e *Endorsement) error
	// Endorsement returns an endorsement the organization gave or
	// received. Errors: NotFound.
	Endorsement(ctx context.Context, orgID, id string) (*Endorsement, error)
	// PublicEndorsement returns any endorsement by its id. Errors:
	// NotFound.
	PublicEndorsement(ctx context.Context, id string) (*Endorsement, error)
	// Endorsements returns the endorsements the organization gave and
	// those it received, newest first.
	Endorsements(ctx context.Context, orgID string) (given, received []*Endorsement, err error)
	// EndorsementsOf returns the active endorsements of an achievement
	// (typ EndorseAchievement, id its ID) or of an issuer's profile (typ
	// EndorseProfile, id the issuer's ID), oldest first.
	EndorsementsOf(ctx context.Context, typ EndorsementSubjectType, id string) ([]*Endorsement, error)
	// RevokeEndorsement revokes an endorsement the organization gave.
	// Errors: NotFound, Conflict (already revoked).
	RevokeEndorsement(ctx context.Context, orgID, id, reason string) (*Endorsement, error)
}
