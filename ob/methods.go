// JSON methods that keep unknown properties in Extra (mechanical; one pair per type).

package ob

import "encoding/json"

type plainAchievementSubject AchievementSubject

// UnmarshalJSON decodes a AchievementSubject, keeping unknown properties in Extra.
func (a *AchievementSubject) UnmarshalJSON(b []byte) error {
	*a = AchievementSubject{}
	return unmarshalObject(b, (*plainAchievementSubject)(a), &a.Extra)
}

// MarshalJSON encodes a AchievementSubject, multi-valued properties as arrays, then Extra.
func (a AchievementSubject) MarshalJSON() ([]byte, error) {
	return marshalObject(plainAchievementSubject(a), a.Extra)
}

type plainEndorsementSubject EndorsementSubject

// UnmarshalJSON decodes a EndorsementSubject, keeping unknown properties in Extra.
func (e *EndorsementSubject) UnmarshalJSON(b []byte) error {
	*e = EndorsementSubject{}
	return unmarshalObject(b, (*plainEndorsementSubject)(e), &e.Extra)
}

// MarshalJSON encodes a EndorsementSubject, multi-valued properties as arrays, then Extra.
func (e EndorsementSubject) MarshalJSON() ([]byte, error) {
	return marshalObject(plainEndorsementSubject(e), e.Extra)
}

type plainAchievement Achievement

// UnmarshalJSON decodes a Achievement, keeping unknown properties in Extra.
func (a *Achievement) UnmarshalJSON(b []byte) error {
	*a = Achievement{}
	return unmarshalObject(b, (*plainAchievement)(a), &a.Extra)
}

// MarshalJSON encodes a Achievement, multi-valued properties as arrays, then Extra.
func (a Achievement) MarshalJSON() ([]byte, error) {
	return marshalObject(plainAchievement(a), a.Extra)
}

type plainAlignment Alignment

// UnmarshalJSON decodes a Alignment, keeping unknown properties in Extra.
func (a *Alignment) UnmarshalJSON(b []byte) error {
	*a = Alignment{}
	return unmarshalObject(b, (*plainAlignment)(a), &a.Extra)
}

// MarshalJSON encodes a Alignment, multi-valued properties as arrays, then Extra.
func (a Alignment) MarshalJSON() ([]byte, error) { return marshalObject(plainAlignment(a), a.Extra) }

type plainResult Result

// UnmarshalJSON decodes a Result, keeping unknown properties in Extra.
func (r *Result) UnmarshalJSON(b []byte) error {
	*r = Result{}
	return unmarshalObject(b, (*plainResult)(r), &r.Extra)
}

// MarshalJSON encodes a Result, multi-valued properties as arrays, then Extra.
func (r Result) MarshalJSON() ([]byte, error) { return marshalObject(plainResult(r), r.Extra) }

type plainResultDescription ResultDescription

// UnmarshalJSON decodes a ResultDescription, keeping unknown properties in Extra.
func (r *ResultDescription) UnmarshalJSON(b []byte) error {
	*r = ResultDescription{}
	return unmarshalObject(b, (*plainResultDescription)(r), &r.Extra)
}

// MarshalJSON encodes a ResultDescription, multi-valued properties as arrays, then Extra.
func (r ResultDescription) MarshalJSON() ([]byte, error) {
	return marshalObject(plainResultDescription(r), r.Extra)
}

type plainRubricCriterionLevel RubricCriterionLevel

// UnmarshalJSON decodes a RubricCriterionLevel, keeping unknown properties in Extra.
func (r *RubricCriterionLevel) UnmarshalJSON(b []byte) error {
	*r = RubricCriterionLevel{}
	return unmarshalObject(b, (*plainRubricCriterionLevel)(r), &r.Extra)
}

// MarshalJSON encodes a RubricCriterionLevel, multi-valued properties as arrays, then Extra.
func (r RubricCriterionLevel) MarshalJSON() ([]byte, error) {
	return marshalObject(plainRubricCriterionLevel(r), r.Extra)
}

type plainIdentityObject IdentityObject

// UnmarshalJSON decodes a IdentityObject, keeping unknown properties in Extra.
func (i *IdentityObject) UnmarshalJSON(b []byte) error {
	*i = IdentityObject{}
	return unmarshalObject(b, (*plainIdentityObject)(i), &i.Extra)
}

// MarshalJSON encodes a IdentityObject, multi-valued properties as arrays, then Extra.
func (i IdentityObject) MarshalJSON() ([]byte, error) {
	return marshalObject(plainIdentityObject(i), i.Extra)
}

type plainIdentifierEntry IdentifierEntry

// UnmarshalJSON decodes a IdentifierEntry, keeping unknown properties in Extra.
func (i *IdentifierEntry) UnmarshalJSON(b []byte) error {
	*i = IdentifierEntry{}
	return unmarshalObject(b, (*plainIdentifierEntry)(i), &i.Extra)
}

// MarshalJSON encodes a IdentifierEntry, multi-valued properties as arrays, then Extra.
func (i IdentifierEntry) MarshalJSON() ([]byte, error) {
	return marshalObject(plainIdentifierEntry(i), i.Extra)
}

type plainRelated Related

// UnmarshalJSON decodes a Related, keeping unknown properties in Extra.
func (r *Related) UnmarshalJSON(b []byte) error {
	*r = Related{}
	return unmarshalObject(b, (*plainRelated)(r), &r.Extra)
}

// MarshalJSON encodes a Related, multi-valued properties as arrays, then Extra.
func (r Related) MarshalJSON() ([]byte, error) { return marshalObject(plainRelated(r), r.Extra) }

type plainAddress Address

// UnmarshalJSON decodes a Address, keeping unknown properties in Extra.
func (a *Address) UnmarshalJSON(b []byte) error {
	*a = Address{}
	return unmarshalObject(b, (*plainAddress)(a), &a.Extra)
}

// MarshalJSON encodes a Address, multi-valued properties as arrays, then Extra.
func (a Address) MarshalJSON() ([]byte, error) { return marshalObject(plainAddress(a), a.Extra) }

type plainGeoCoordinates GeoCoordinates

// UnmarshalJSON decodes a GeoCoordinates, keeping unknown properties in Extra.
func (g *GeoCoordinates) UnmarshalJSON(b []byte) error {
	*g = GeoCoordinates{}
	return unmarshalObject(b, (*plainGeoCoordinates)(g), &g.Extra)
}

// MarshalJSON encodes a GeoCoordinates, multi-valued properties as arrays, then Extra.
func (g GeoCoordinates) MarshalJSON() ([]byte, error) {
	return marshalObject(plainGeoCoordinates(g), g.Extra)
}

type plainCredentialStatus CredentialStatus

// UnmarshalJSON decodes a CredentialStatus, keeping unknown properties in Extra.
func (c *CredentialStatus) UnmarshalJSON(b []byte) error {
	*c = CredentialStatus{}
	return unmarshalObject(b, (*plainCredentialStatus)(c), &c.Extra)
}

// MarshalJSON encodes a CredentialStatus, multi-valued properties as arrays, then Extra.
func (c CredentialStatus) MarshalJSON() ([]byte, error) {
	return marshalObject(plainCredentialStatus(c), c.Extra)
}

type plainCredentialSchema CredentialSchema

// UnmarshalJSON decodes a CredentialSchema, keeping unknown properties in Extra.
func (c *CredentialSchema) UnmarshalJSON(b []byte) error {
	*c = CredentialSchema{}
	return unmarshalObject(b, (*plainCredentialSchema)(c), &c.Extra)
}

// MarshalJSON encodes a CredentialSchema, multi-valued properties as arrays, then Extra.
func (c CredentialSchema) MarshalJSON() ([]byte, error) {
	return marshalObject(plainCredentialSchema(c), c.Extra)
}

type plainRefreshService RefreshService

// UnmarshalJSON decodes a RefreshService, keeping unknown properties in Extra.
func (r *RefreshService) UnmarshalJSON(b []byte) error {
	*r = RefreshService{}
	return unmarshalObject(b, (*plainRefreshService)(r), &r.Extra)
}

// MarshalJSON encodes a RefreshService, multi-valued properties as arrays, then Extra.
func (r RefreshService) MarshalJSON() ([]byte, error) {
	return marshalObject(plainRefreshService(r), r.Extra)
}

type plainTermsOfUse TermsOfUse

// UnmarshalJSON decodes a TermsOfUse, keeping unknown properties in Extra.
func (t *TermsOfUse) UnmarshalJSON(b []byte) error {
	*t = TermsOfUse{}
	return unmarshalObject(b, (*plainTermsOfUse)(t), &t.Extra)
}

// MarshalJSON encodes a TermsOfUse, multi-valued properties as arrays, then Extra.
func (t TermsOfUse) MarshalJSON() ([]byte, error) { return marshalObject(plainTermsOfUse(t), t.Extra) }

type plainProof Proof

// UnmarshalJSON decodes a Proof, keeping unknown properties in Extra.
func (p *Proof) UnmarshalJSON(b []byte) error {
	*p = Proof{}
	return unmarshalObject(b, (*plainProof)(p), &p.Extra)
}

// MarshalJSON encodes a Proof, multi-valued properties as arrays, then Extra.
func (p Proof) MarshalJSON() ([]byte, error) { return marshalObject(plainProof(p), p.Extra) }

type plainClrSubject ClrSubject

// UnmarshalJSON decodes a ClrSubject, keeping unknown properties in Extra.
func (c *ClrSubject) UnmarshalJSON(b []byte) error {
	*c = ClrSubject{}
	return unmarshalObject(b, (*plainClrSubject)(c), &c.Extra)
}

// MarshalJSON encodes a ClrSubject, multi-valued properties as arrays, then Extra.
func (c ClrSubject) MarshalJSON() ([]byte, error) { return marshalObject(plainClrSubject(c), c.Extra) }

type plainAssociation Association

// UnmarshalJSON decodes a Association, keeping unknown properties in Extra.
func (a *Association) UnmarshalJSON(b []byte) error {
	*a = Association{}
	return unmarshalObject(b, (*plainAssociation)(a), &a.Extra)
}

// MarshalJSON encodes a Association, multi-valued properties as arrays, then Extra.
func (a Association) MarshalJSON() ([]byte, error) {
	return marshalObject(plainAssociation(a), a.Extra)
}

type plainAssertion Assertion

// UnmarshalJSON decodes a Assertion, keeping unknown properties in Extra.
func (a *Assertion) UnmarshalJSON(b []byte) error {
	*a = Assertion{}
	return unmarshalObject(b, (*plainAssertion)(a), &a.Extra)
}

// MarshalJSON encodes a Assertion, multi-valued properties as arrays, then Extra.
func (a Assertion) MarshalJSON() ([]byte, error) { return marshalObject(plainAssertion(a), a.Extra) }

type plainIdentityObjectV2 IdentityObjectV2

// UnmarshalJSON decodes a IdentityObjectV2, keeping unknown properties in Extra.
func (i *IdentityObjectV2) UnmarshalJSON(b []byte) error {
	*i = IdentityObjectV2{}
	return unmarshalObject(b, (*plainIdentityObjectV2)(i), &i.Extra)
}

// MarshalJSON encodes a IdentityObjectV2, multi-valued properties as arrays, then Extra.
func (i IdentityObjectV2) MarshalJSON() ([]byte, error) {
	return marshalObject(plainIdentityObjectV2(i), i.Extra)
}

type plainVerificationObject VerificationObject

// UnmarshalJSON decodes a VerificationObject, keeping unknown properties in Extra.
func (v *VerificationObject) UnmarshalJSON(b []byte) error {
	*v = VerificationObject{}
	return unmarshalObject(b, (*plainVerificationObject)(v), &v.Extra)
}

// MarshalJSON encodes a VerificationObject, multi-valued properties as arrays, then Extra.
func (v VerificationObject) MarshalJSON() ([]byte, error) {
	return marshalObject(plainVerificationObject(v), v.Extra)
}

type plainAlignmentObject AlignmentObject

// UnmarshalJSON decodes a AlignmentObject, keeping unknown properties in Extra.
func (a *AlignmentObject) UnmarshalJSON(b []byte) error {
	*a = AlignmentObject{}
	return unmarshalObject(b, (*plainAlignmentObject)(a), &a.Extra)
}

// MarshalJSON encodes a AlignmentObject, multi-valued properties as arrays, then Extra.
func (a AlignmentObject) MarshalJSON() ([]byte, error) {
	return marshalObject(plainAlignmentObject(a), a.Extra)
}

type plainProfile Profile

// UnmarshalJSON decodes a Profile object, keeping unknown properties in Extra, or a bare
// URI string, which sets ID and URIOnly.
func (p *Profile) UnmarshalJSON(b []byte) error {
	if s, ok := jsonString(b); ok {
		*p = Profile{ID: s, URIOnly: true}
		return nil
	}
	*p = Profile{}
	return unmarshalObject(b, (*plainProfile)(p), &p.Extra)
}

// MarshalJSON encodes a Profile: the bare ID string if URIOnly is set, else an object.
func (p Profile) MarshalJSON() ([]byte, error) {
	if p.URIOnly {
		return json.Marshal(p.ID)
	}
	return marshalObject(plainProfile(p), p.Extra)
}

func (*Profile) acceptsURI() {}

type plainImage Image

// UnmarshalJSON decodes a Image object, keeping unknown properties in Extra, or a bare
// URI string, which sets ID and URIOnly.
func (i *Image) UnmarshalJSON(b []byte) error {
	if s, ok := jsonString(b); ok {
		*i = Image{ID: s, URIOnly: true}
		return nil
	}
	*i = Image{}
	return unmarshalObject(b, (*plainImage)(i), &i.Extra)
}

// MarshalJSON encodes a Image: the bare ID string if URIOnly is set, else an object.
func (i Image) MarshalJSON() ([]byte, error) {
	if i.URIOnly {
		return json.Marshal(i.ID)
	}
	return marshalObject(plainImage(i), i.Extra)
}

func (*Image) acceptsURI() {}

type plainEvidence Evidence

// UnmarshalJSON decodes a Evidence object, keeping unknown properties in Extra, or a bare
// URI string, which sets ID and URIOnly.
func (e *Evidence) UnmarshalJSON(b []byte) error {
	if s, ok := jsonString(b); ok {
		*e = Evidence{ID: s, URIOnly: true}
		return nil
	}
	*e = Evidence{}
	return unmarshalObject(b, (*plainEvidence)(e), &e.Extra)
}

// MarshalJSON encodes a Evidence: the bare ID string if URIOnly is set, else an object.
func (e Evidence) MarshalJSON() ([]byte, error) {
	if e.URIOnly {
		return json.Marshal(e.ID)
	}
	return marshalObject(plainEvidence(e), e.Extra)
}

func (*Evidence) acceptsURI() {}

type plainCriteria Criteria

// UnmarshalJSON decodes a Criteria object, keeping unknown properties in Extra, or a bare
// URI string, which sets ID and URIOnly.
func (c *Criteria) UnmarshalJSON(b []byte) error {
	if s, ok := jsonString(b); ok {
		*c = Criteria{ID: s, URIOnly: true}
		return nil
	}
	*c = Criteria{}
	return unmarshalObject(b, (*plainCriteria)(c), &c.Extra)
}

// MarshalJSON encodes a Criteria: the bare ID string if URIOnly is set, else an object.
func (c Criteria) MarshalJSON() ([]byte, error) {
	if c.URIOnly {
		return json.Marshal(c.ID)
	}
	return marshalObject(plainCriteria(c), c.Extra)
}

func (*Criteria) acceptsURI() {}

type plainBadgeClass BadgeClass

// UnmarshalJSON decodes a BadgeClass object, keeping unknown properties in Extra, or a bare
// URI string, which sets ID and URIOnly.
func (bc *BadgeClass) UnmarshalJSON(b []byte) error {
	if s, ok := jsonString(b); ok {
		*bc = BadgeClass{ID: s, URIOnly: true}
		return nil
	}
	*bc = BadgeClass{}
	return unmarshalObject(b, (*plainBadgeClass)(bc), &bc.Extra)
}

// MarshalJSON encodes a BadgeClass: the bare ID string if URIOnly is set, else an object.
func (bc BadgeClass) MarshalJSON() ([]byte, error) {
	if bc.URIOnly {
		return json.Marshal(bc.ID)
	}
	return marshalObject(plainBadgeClass(bc), bc.Extra)
}

func (*BadgeClass) acceptsURI() {}

type plainIssuer Issuer

// UnmarshalJSON decodes a Issuer object, keeping unknown properties in Extra, or a bare
// URI string, which sets ID and URIOnly.
func (i *Issuer) UnmarshalJSON(b []byte) error {
	if s, ok := jsonString(b); ok {
		*i = Issuer{ID: s, URIOnly: true}
		return nil
	}
	*i = Issuer{}
	return unmarshalObject(b, (*plainIssuer)(i), &i.Extra)
}

// MarshalJSON encodes a Issuer: the bare ID string if URIOnly is set, else an object.
func (i Issuer) MarshalJSON() ([]byte, error) {
	if i.URIOnly {
		return json.Marshal(i.ID)
	}
	return marshalObject(plainIssuer(i), i.Extra)
}

func (*Issuer) acceptsURI() {}
