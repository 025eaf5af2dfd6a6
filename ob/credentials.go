package ob

// The three credential types share their VC envelope. Both VC 2.0 (validFrom/validUntil)
// and VC 1.1 (issuanceDate/expirationDate) dates are modelled so that either form
// round-trips; dates are kept as the issuer wrote them.

// Credential is the VC envelope the credential types share, with the
// subject type S: AchievementSubject for an OpenBadgeCredential,
// EndorsementSubject for an EndorsementCredential, ClrSubject for a
// ClrCredential.
type Credential[S any] struct {
	Context           List[any]                            `json:"@context,omitempty"` // URL strings or embedded context objects
	ID                string                               `json:"id,omitempty"`
	Type              List[string]                         `json:"type,omitempty"`
	Name              string                               `json:"name,omitempty"`
	Description       string                               `json:"description,omitempty"`
	Image             *Image                               `json:"image,omitempty"`
	Partial           *bool                                `json:"partial,omitempty"` // CLR only: the record is incomplete
	AwardedDate       string                               `json:"awardedDate,omitempty"`
	CredentialSubject S                                    `json:"credentialSubject,omitzero"`
	Endorsement       List[Credential[EndorsementSubject]] `json:"endorsement,omitempty"`
	EndorsementJwt    List[string]                         `json:"endorsementJwt,omitempty"`
	Evidence          List[Evidence]                       `json:"evidence,omitempty"`
	Issuer            Profile                              `json:"issuer,omitzero"` // a Profile or just its URI (URIOnly)
	ValidFrom         string                               `json:"validFrom,omitempty"`
	ValidUntil        string                               `json:"validUntil,omitempty"`
	IssuanceDate      string                               `json:"issuanceDate,omitempty"`   // VC 1.1 only
	ExpirationDate    string                               `json:"expirationDate,omitempty"` // VC 1.1 only
	Proof             List[Proof]                          `json:"proof,omitempty"`
	CredentialSchema  List[CredentialSchema]               `json:"credentialSchema,omitempty"`
	CredentialStatus  *CredentialStatus                    `json:"credentialStatus,omitempty"`
	RefreshService    *RefreshService                      `json:"refreshService,omitempty"`
	TermsOfUse        List[TermsOfUse]                     `json:"termsOfUse,omitempty"`
	Extra             Extra                                `json:"-"`
}

// OpenBadgeCredential (alias AchievementCredential) is an Open Badges 3.0 credential:
// one earner's award of one achievement, as a W3C Verifiable Credential
// (https://www.imsglobal.org/spec/ob/v3p0/#achievementcredential).
type OpenBadgeCredential = Credential[AchievementSubject]

// EndorsementCredential is a third party's endorsement of a profile, achievement or
// credential (https://www.imsglobal.org/spec/ob/v3p0/#endorsementcredential).
type EndorsementCredential = Credential[EndorsementSubject]

// ClrCredential is a Comprehensive Learner Record 2.0 credential: a signed bundle of
// credentials and the associations between their achievements
// (https://www.imsglobal.org/spec/clr/v2p0/#clrcredential).
type ClrCredential = Credential[ClrSubject]

type plainCredential[S any] Credential[S]

// UnmarshalJSON decodes the credential, keeping unknown properties in Extra.
func (c *Credential[S]) UnmarshalJSON(b []byte) error {
	*c = Credential[S]{}
	return unmarshalObject(b, (*plainCredential[S])(c), &c.Extra)
}

// MarshalJSON encodes the credential, multi-valued properties as arrays, then Extra.
func (c Credential[S]) MarshalJSON() ([]byte, error) {
	return marshalObject(plainCredential[S](c), c.Extra)
}

// HasType reports whether t is one of the credential's types.
func (c *Credential[S]) HasType(t string) bool { return hasType(c.Type, t) }

// ContextURLs returns the string entries of @context, in order.
func (c *Credential[S]) ContextURLs() []string { return contextURLs(c.Context) }

// IsVC1 reports whether the credential uses the VC Data Model 1.1 context.
func (c *Credential[S]) IsVC1() bool { return isVC1(c.Context) }
