package ob

import (
	"encoding/json"
	"strings"
)

// JSON-LD contexts and other well-known URIs.
const (
	// ContextVC2 is the W3C Verifiable Credentials Data Model 2.0 context; it comes first.
	ContextVC2 = "https://www.w3.org/ns/credentials/v2"
	// ContextVC1 is the VC Data Model 1.1 context, found in older OB 3.0 credentials.
	ContextVC1 = "https://www.w3.org/2018/credentials/v1"
	// ContextOB3 is the Open Badges 3.0 context Cairn issues with.
	ContextOB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	// ContextOB3Extensions defines 1EdTechRevocationList, 1EdTechCredentialRefresh and
	// 1EdTechJsonSchemaValidator2019; it is added only when one of them is used.
	ContextOB3Extensions = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
	// ContextCLR2 is the CLR 2.0 context; it sits between the VC and OB contexts.
	ContextCLR2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
	// ContextOB2 is the Open Badges 2.0 context.
	ContextOB2 = "https://w3id.org/openbadges/v2"
)

func hasType(types []string, t string) bool {
	for _, s := range types {
		if s == t {
			return true
		}
	}
	return false
}

func contextURLs(ctx []any) []string {
	var out []string
	for _, c := range ctx {
		if s, ok := c.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// AchievementCredential is the other name the spec gives OpenBadgeCredential.
type AchievementCredential = OpenBadgeCredential

// AchievementSubject identifies the earner and the achievement they earned
// (https://www.imsglobal.org/spec/ob/v3p0/#achievementsubject). Either ID or Identifier
// identifies the earner.
type AchievementSubject struct {
	ID                string               `json:"id,omitempty"`
	Type              List[string]         `json:"type,omitempty"`
	ActivityEndDate   string               `json:"activityEndDate,omitempty"`
	ActivityStartDate string               `json:"activityStartDate,omitempty"`
	CreditsEarned     *float64             `json:"creditsEarned,omitempty"`
	Achievement       Achievement          `json:"achievement,omitzero"`
	Identifier        List[IdentityObject] `json:"identifier,omitempty"`
	Image             *Image               `json:"image,omitempty"`
	LicenseNumber     string               `json:"licenseNumber,omitempty"`
	Narrative         string               `json:"narrative,omitempty"`
	Result            List[Result]         `json:"result,omitempty"`
	Role              string               `json:"role,omitempty"`
	Source            *Profile             `json:"source,omitempty"`
	Term              string               `json:"term,omitempty"`
	Extra             Extra                `json:"-"`
}

// EndorsementSubject is the entity being endorsed and the endorser's comment
// (https://www.imsglobal.org/spec/ob/v3p0/#endorsementsubject).
type EndorsementSubject struct {
	ID                 string       `json:"id,omitempty"`
	Type               List[string] `json:"type,omitempty"`
	EndorsementComment string       `json:"endorsementComment,omitempty"`
	Extra              Extra        `json:"-"`
}

// Achievement describes what was accomplished
// (https://www.imsglobal.org/spec/ob/v3p0/#achievement).
type Achievement struct {
	ID                string                      `json:"id,omitempty"`
	Type              List[string]                `json:"type,omitempty"`
	Alignment         List[Alignment]             `json:"alignment,omitempty"`
	AchievementType   string                      `json:"achievementType,omitempty"` // e.g. Badge, Certificate, or "ext:Name"
	Creator           *Profile                    `json:"creator,omitempty"`
	CreditsAvailable  *float64                    `json:"creditsAvailable,omitempty"`
	Criteria          Criteria                    `json:"criteria,omitzero"`
	Description       string                      `json:"description,omitempty"`
	Endorsement       List[EndorsementCredential] `json:"endorsement,omitempty"`
	EndorsementJwt    List[string]                `json:"endorsementJwt,omitempty"`
	FieldOfStudy      string                      `json:"fieldOfStudy,omitempty"`
	HumanCode         string                      `json:"humanCode,omitempty"`
	Image             *Image                      `json:"image,omitempty"`
	InLanguage        string                      `json:"inLanguage,omitempty"`
	Name              string                      `json:"name,omitempty"`
	OtherIdentifier   List[IdentifierEntry]       `json:"otherIdentifier,omitempty"`
	Related           List[Related]               `json:"related,omitempty"`
	ResultDescription List[ResultDescription]     `json:"resultDescription,omitempty"`
	Specialization    string                      `json:"specialization,omitempty"`
	Tag               List[string]                `json:"tag,omitempty"`
	Version           string                      `json:"version,omitempty"`
	Extra             Extra                       `json:"-"`
}

// Criteria describes how the achievement is earned
// (https://www.imsglobal.org/spec/ob/v3p0/#criteria). In OB 2.0 it may be a bare URL,
// which sets URIOnly.
type Criteria struct {
	ID        string `json:"id,omitempty"`
	Narrative string `json:"narrative,omitempty"`
	URIOnly   bool   `json:"-"` // given (and written back) as a bare URI string
	Extra     Extra  `json:"-"`
}

// Profile describes an issuer, creator, source or parent organisation
// (https://www.imsglobal.org/spec/ob/v3p0/#profile). Where the spec allows the issuer to
// be given by its URI alone, a JSON string decodes to a Profile with only ID and URIOnly
// set, and such a Profile encodes back to the string.
type Profile struct {
	ID               string                      `json:"id,omitempty"`
	Type             List[string]                `json:"type,omitempty"`
	Name             string                      `json:"name,omitempty"`
	URL              string                      `json:"url,omitempty"`
	Phone            string                      `json:"phone,omitempty"`
	Description      string                      `json:"description,omitempty"`
	Endorsement      List[EndorsementCredential] `json:"endorsement,omitempty"`
	EndorsementJwt   List[string]                `json:"endorsementJwt,omitempty"`
	Image            *Image                      `json:"image,omitempty"`
	Email            string                      `json:"email,omitempty"`
	Address          *Address                    `json:"address,omitempty"`
	OtherIdentifier  List[IdentifierEntry]       `json:"otherIdentifier,omitempty"`
	Official         string                      `json:"official,omitempty"`
	ParentOrg        *Profile                    `json:"parentOrg,omitempty"`
	FamilyName       string                      `json:"familyName,omitempty"`
	GivenName        string                      `json:"givenName,omitempty"`
	AdditionalName   string                      `json:"additionalName,omitempty"`
	PatronymicName   string                      `json:"patronymicName,omitempty"`
	HonorificPrefix  string                      `json:"honorificPrefix,omitempty"`
	HonorificSuffix  string                      `json:"honorificSuffix,omitempty"`
	FamilyNamePrefix string                      `json:"familyNamePrefix,omitempty"`
	DateOfBirth      string                      `json:"dateOfBirth,omitempty"`
	URIOnly          bool                        `json:"-"` // given (and written back) as a bare URI string
	Extra            Extra                       `json:"-"`
}

// Image is an image with an optional caption
// (https://www.imsglobal.org/spec/ob/v3p0/#image). ID is a URL or a data: URI. OB 2.0
// (and lenient readers) allow a bare URI string, which sets URIOnly.
type Image struct {
	ID      string `json:"id,omitempty"`
	Type    string `json:"type,omitempty"` // "Image"
	Caption string `json:"caption,omitempty"`
	URIOnly bool   `json:"-"`
	Extra   Extra  `json:"-"`
}

// Evidence describes the work that led to an award
// (https://www.imsglobal.org/spec/ob/v3p0/#evidence). OB 2.0 allows a bare URL, which
// sets URIOnly.
type Evidence struct {
	ID          string       `json:"id,omitempty"`
	Type        List[string] `json:"type,omitempty"`
	Narrative   string       `json:"narrative,omitempty"`
	Name        string       `json:"name,omitempty"`
	Description string       `json:"description,omitempty"`
	Genre       string       `json:"genre,omitempty"`
	Audience    string       `json:"audience,omitempty"`
	URIOnly     bool         `json:"-"`
	Extra       Extra        `json:"-"`
}

// Alignment points to a node in an educational framework
// (https://www.imsglobal.org/spec/ob/v3p0/#alignment).
type Alignment struct {
	Type              List[string] `json:"type,omitempty"`
	TargetCode        string       `json:"targetCode,omitempty"`
	TargetDescription string       `json:"targetDescription,omitempty"`
	TargetName        string       `json:"targetName,omitempty"`
	TargetFramework   string       `json:"targetFramework,omitempty"`
	TargetType        string       `json:"targetType,omitempty"` // e.g. CFItem, CTDL, or "ext:Name"
	TargetURL         string       `json:"targetUrl,omitempty"`
	Extra             Extra        `json:"-"`
}

// Result is a result the earner achieved
// (https://www.imsglobal.org/spec/ob/v3p0/#result).
type Result struct {
	Type              List[string]    `json:"type,omitempty"`
	AchievedLevel     string          `json:"achievedLevel,omitempty"`
	Alignment         List[Alignment] `json:"alignment,omitempty"`
	ResultDescription string          `json:"resultDescription,omitempty"` // id of a ResultDescription
	Status            string          `json:"status,omitempty"`
	Value             string          `json:"value,omitempty"`
	Extra             Extra           `json:"-"`
}

// ResultDescription describes a possible result of an achievement
// (https://www.imsglobal.org/spec/ob/v3p0/#resultdescription).
type ResultDescription struct {
	ID                   string                     `json:"id,omitempty"`
	Type                 List[string]               `json:"type,omitempty"`
	Alignment            List[Alignment]            `json:"alignment,omitempty"`
	AllowedValue         List[string]               `json:"allowedValue,omitempty"`
	Name                 string                     `json:"name,omitempty"`
	RequiredLevel        string                     `json:"requiredLevel,omitempty"`
	RequiredValue        string                     `json:"requiredValue,omitempty"`
	ResultType           string                     `json:"resultType,omitempty"`
	RubricCriterionLevel List[RubricCriterionLevel] `json:"rubricCriterionLevel,omitempty"`
	ValueMax             string                     `json:"valueMax,omitempty"`
	ValueMin             string                     `json:"valueMin,omitempty"`
	Extra                Extra                      `json:"-"`
}

// RubricCriterionLevel is one level of a rubric criterion
// (https://www.imsglobal.org/spec/ob/v3p0/#rubriccriterionlevel).
type RubricCriterionLevel struct {
	ID          string          `json:"id,omitempty"`
	Type        List[string]    `json:"type,omitempty"`
	Alignment   List[Alignment] `json:"alignment,omitempty"`
	Description string          `json:"description,omitempty"`
	Level       string          `json:"level,omitempty"`
	Name        string          `json:"name,omitempty"`
	Points      string          `json:"points,omitempty"`
	Extra       Extra           `json:"-"`
}

// IdentityObject identifies the earner by a possibly hashed identifier
// (https://www.imsglobal.org/spec/ob/v3p0/#identityobject). See [HashIdentity] and
// [IdentityObject.Matches].
type IdentityObject struct {
	Type         string `json:"type,omitempty"` // "IdentityObject"
	Hashed       bool   `json:"hashed"`
	IdentityHash string `json:"identityHash,omitempty"` // "sha256$<hex>" when Hashed, else the identity itself
	IdentityType string `json:"identityType,omitempty"` // e.g. emailAddress, sourcedId, or "ext:Name"
	Salt         string `json:"salt,omitempty"`
	Extra        Extra  `json:"-"`
}

// IdentifierEntry is another identifier of a profile or achievement
// (https://www.imsglobal.org/spec/ob/v3p0/#identifierentry).
type IdentifierEntry struct {
	Type           string `json:"type,omitempty"` // "IdentifierEntry"
	Identifier     string `json:"identifier,omitempty"`
	IdentifierType string `json:"identifierType,omitempty"`
	Extra          Extra  `json:"-"`
}

// Related identifies a related achievement, e.g. the same one in another language
// (https://www.imsglobal.org/spec/ob/v3p0/#related).
type Related struct {
	ID         string       `json:"id,omitempty"`
	Type       List[string] `json:"type,omitempty"`
	InLanguage string       `json:"inLanguage,omitempty"`
	Version    string       `json:"version,omitempty"`
	Extra      Extra        `json:"-"`
}

// RelatedEdition is the Related entry of an achievement's edition in
// another language: its id, inLanguage, and its name and description in
// that language (OB 3.0 allows more members on Related; VC 2.0's context
// defines name and description), which readers show in place of the
// achievement's own when they read that language.
func RelatedEdition(id, lang, name, description string) Related {
	r := Related{ID: id, Type: List[string]{"Related"}, InLanguage: lang, Extra: Extra{}}
	r.Extra["name"], _ = json.Marshal(name)
	if description != "" {
		r.Extra["description"], _ = json.Marshal(description)
	}
	return r
}

// Text returns the string member of r named key ("name", "description"),
// or "".
func (r Related) Text(key string) string {
	var s string
	if raw, ok := r.Extra[key]; ok && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

// Localized returns the name and description of a in language lang, from
// its Related entry in that language when it has one with a name (matched
// by language, then by the language without its region: "pt" for
// "pt-BR"), else its own; and the language they are in ("" when unknown).
func (a *Achievement) Localized(lang string) (name, description, in string) {
	base, _, _ := strings.Cut(lang, "-")
	for _, want := range []string{lang, base} {
		if want == "" {
			continue
		}
		for _, r := range a.Related {
			if n := r.Text("name"); n != "" && strings.EqualFold(r.InLanguage, want) {
				d := r.Text("description")
				if d == "" {
					d = a.Description
				}
				return n, d, r.InLanguage
			}
		}
	}
	return a.Name, a.Description, a.InLanguage
}

// Address is a postal address (https://www.imsglobal.org/spec/ob/v3p0/#address).
type Address struct {
	Type                List[string]    `json:"type,omitempty"`
	AddressCountry      string          `json:"addressCountry,omitempty"`
	AddressCountryCode  string          `json:"addressCountryCode,omitempty"`
	AddressRegion       string          `json:"addressRegion,omitempty"`
	AddressLocality     string          `json:"addressLocality,omitempty"`
	StreetAddress       string          `json:"streetAddress,omitempty"`
	PostOfficeBoxNumber string          `json:"postOfficeBoxNumber,omitempty"`
	PostalCode          string          `json:"postalCode,omitempty"`
	Geo                 *GeoCoordinates `json:"geo,omitempty"`
	Extra               Extra           `json:"-"`
}

// GeoCoordinates is a geographic position
// (https://www.imsglobal.org/spec/ob/v3p0/#geocoordinates).
type GeoCoordinates struct {
	Type      string   `json:"type,omitempty"` // "GeoCoordinates"
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`
	Extra     Extra    `json:"-"`
}

// CredentialStatus points to the credential's revocation or suspension status, e.g. a
// BitstringStatusListEntry (https://www.w3.org/TR/vc-bitstring-status-list/).
type CredentialStatus struct {
	ID                   string         `json:"id,omitempty"`
	Type                 string         `json:"type,omitempty"`
	StatusPurpose        string         `json:"statusPurpose,omitempty"`
	StatusListIndex      NumberOrString `json:"statusListIndex,omitzero"`
	StatusListCredential string         `json:"statusListCredential,omitempty"`
	Extra                Extra          `json:"-"`
}

// CredentialSchema names a JSON Schema the credential conforms to
// (https://www.imsglobal.org/spec/ob/v3p0/#credentialschema).
type CredentialSchema struct {
	ID    string `json:"id,omitempty"`
	Type  string `json:"type,omitempty"` // e.g. "1EdTechJsonSchemaValidator2019"
	Extra Extra  `json:"-"`
}

// RefreshService says where a newer version of the credential can be obtained
// (https://www.imsglobal.org/spec/ob/v3p0/#refreshservice).
type RefreshService struct {
	ID    string `json:"id,omitempty"`
	Type  string `json:"type,omitempty"` // e.g. "1EdTechCredentialRefresh"
	Extra Extra  `json:"-"`
}

// TermsOfUse expresses policies that apply to the credential
// (https://www.imsglobal.org/spec/ob/v3p0/#termsofuse).
type TermsOfUse struct {
	ID    string `json:"id,omitempty"`
	Type  string `json:"type,omitempty"`
	Extra Extra  `json:"-"`
}

// Proof is an embedded proof (https://www.w3.org/TR/vc-data-integrity/#proofs), typically
// a DataIntegrityProof with cryptosuite eddsa-rdfc-2022. Properties of other proof types
// (jws, previousProof, domain, which may be a string or an array, ...) are kept in Extra.
type Proof struct {
	ID                 string `json:"id,omitempty"`
	Type               string `json:"type,omitempty"`
	Cryptosuite        string `json:"cryptosuite,omitempty"`
	Created            string `json:"created,omitempty"`
	Expires            string `json:"expires,omitempty"`
	VerificationMethod string `json:"verificationMethod,omitempty"`
	ProofPurpose       string `json:"proofPurpose,omitempty"`
	Challenge          string `json:"challenge,omitempty"`
	Nonce              string `json:"nonce,omitempty"`
	ProofValue         string `json:"proofValue,omitempty"`
	Extra              Extra  `json:"-"`
}

func isVC1(ctx []any) bool {
	u := contextURLs(ctx)
	return len(u) > 0 && u[0] == ContextVC1
}

// NumberOrString is a value the spec types as a string of digits but that some issuers
// write as a JSON number (statusListIndex). It decodes from either and encodes back in
// the form it came in, so a signed document is not altered.
type NumberOrString struct {
	Value  string // the digits, e.g. "94567"
	Number bool   // the JSON value was a number, not a string
}

// UnmarshalJSON accepts a JSON string or number.
func (n *NumberOrString) UnmarshalJSON(b []byte) error {
	if s, ok := jsonString(b); ok {
		*n = NumberOrString{Value: s}
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		return err
	}
	*n = NumberOrString{Value: num.String(), Number: num != ""}
	return nil
}

// MarshalJSON writes a number if Number is set, else a string.
func (n NumberOrString) MarshalJSON() ([]byte, error) {
	if n.Number {
		return json.Marshal(json.Number(n.Value))
	}
	return json.Marshal(n.Value)
}

func (*NumberOrString) acceptsNumberOrString() {}
