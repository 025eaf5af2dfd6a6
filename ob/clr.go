package ob

import "encoding/json"

// ClrSubject is the subject of a ClrCredential
// (https://www.imsglobal.org/spec/clr/v2p0/#clrsubject).
//
// VerifiableCredential keeps each embedded credential as raw JSON: every one carries its
// own signature, and a verifier must see it exactly as issued. Decode one with [Parse].
// (Re-encoding the CLR compacts the whitespace of the raw JSON; the JSON values, and so
// their Data Integrity signatures, are unchanged.)
type ClrSubject struct {
	ID                   string                `json:"id,omitempty"`
	Type                 List[string]          `json:"type,omitempty"`
	Identifier           List[IdentityObject]  `json:"identifier,omitempty"`
	Achievement          List[Achievement]     `json:"achievement,omitempty"`
	VerifiableCredential List[json.RawMessage] `json:"verifiableCredential,omitempty"`
	Association          List[Association]     `json:"association,omitempty"`
	Extra                Extra                 `json:"-"`
}

// AssociationType is the relationship between two achievements in a CLR
// (https://www.imsglobal.org/spec/clr/v2p0/#associationtype-enumeration).
type AssociationType string

// The association types defined by CLR 2.0.
const (
	ExactMatchOf AssociationType = "exactMatchOf"
	IsChildOf    AssociationType = "isChildOf"
	IsParentOf   AssociationType = "isParentOf"
	IsPartOf     AssociationType = "isPartOf"
	IsPeerOf     AssociationType = "isPeerOf"
	IsRelatedTo  AssociationType = "isRelatedTo"
	Precedes     AssociationType = "precedes"
	ReplacedBy   AssociationType = "replacedBy"
)

// Valid reports whether t is one of the association types CLR 2.0 defines.
func (t AssociationType) Valid() bool {
	switch t {
	case ExactMatchOf, IsChildOf, IsParentOf, IsPartOf, IsPeerOf, IsRelatedTo, Precedes, ReplacedBy:
		return true
	}
	return false
}

// Association relates a source achievement to a target achievement, by their ids
// (https://www.imsglobal.org/spec/clr/v2p0/#association).
type Association struct {
	Type            string          `json:"type,omitempty"` // "Association"
	AssociationType AssociationType `json:"associationType,omitempty"`
	SourceID        string          `json:"sourceId,omitempty"`
	TargetID        string          `json:"targetId,omitempty"`
	Extra           Extra           `json:"-"`
}
