package ob

// Open Badges 2.0 (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html),
// for import and verification. Its quirks: a property may hold an object or the URL of
// one (badge, issuer, image, criteria, evidence), the recipient identity is usually
// hashed ("sha256$…"), and type may be a string or an array.

// Assertion is an OB 2.0 award of a badge to one recipient
// (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Assertion).
type Assertion struct {
	Context          List[any]          `json:"@context,omitempty"`
	Type             List[string]       `json:"type,omitempty"` // "Assertion"
	ID               string             `json:"id,omitempty"`
	Recipient        IdentityObjectV2   `json:"recipient,omitzero"`
	Badge            BadgeClass         `json:"badge,omitzero"` // often only its URL (URIOnly)
	Verification     VerificationObject `json:"verification,omitzero"`
	IssuedOn         string             `json:"issuedOn,omitempty"`
	Image            *Image             `json:"image,omitempty"`
	Evidence         List[Evidence]     `json:"evidence,omitempty"`
	Narrative        string             `json:"narrative,omitempty"`
	Expires          string             `json:"expires,omitempty"`
	Revoked          *bool              `json:"revoked,omitempty"`
	RevocationReason string             `json:"revocationReason,omitempty"`
	Extra            Extra              `json:"-"`
}

// BadgeClass is an OB 2.0 achievement
// (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#BadgeClass).
// A bare URL decodes to a BadgeClass with only ID and URIOnly set.
type BadgeClass struct {
	Context     List[any]             `json:"@context,omitempty"`
	Type        List[string]          `json:"type,omitempty"` // "BadgeClass"
	ID          string                `json:"id,omitempty"`
	Name        string                `json:"name,omitempty"`
	Description string                `json:"description,omitempty"`
	Image       *Image                `json:"image,omitempty"`
	Criteria    *Criteria             `json:"criteria,omitempty"`
	Issuer      Issuer                `json:"issuer,omitzero"` // often only its URL (URIOnly)
	Alignment   List[AlignmentObject] `json:"alignment,omitempty"`
	Tags        List[string]          `json:"tags,omitempty"`
	URIOnly     bool                  `json:"-"`
	Extra       Extra                 `json:"-"`
}

// Issuer is an OB 2.0 issuer Profile
// (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Profile).
// A bare URL decodes to an Issuer with only ID and URIOnly set. PublicKey (a URL or an
// embedded CryptographicKey) is left as raw JSON in Extra["publicKey"].
type Issuer struct {
	Context        List[any]           `json:"@context,omitempty"`
	Type           List[string]        `json:"type,omitempty"` // "Issuer" or "Profile"
	ID             string              `json:"id,omitempty"`
	Name           string              `json:"name,omitempty"`
	URL            string              `json:"url,omitempty"`
	Telephone      string              `json:"telephone,omitempty"`
	Description    string              `json:"description,omitempty"`
	Image          *Image              `json:"image,omitempty"`
	Email          string              `json:"email,omitempty"`
	Verification   *VerificationObject `json:"verification,omitempty"`
	RevocationList string              `json:"revocationList,omitempty"`
	URIOnly        bool                `json:"-"`
	Extra          Extra               `json:"-"`
}

// IdentityObjectV2 is the OB 2.0 recipient identity
// (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#IdentityObject).
// See [IdentityObjectV2.Matches].
type IdentityObjectV2 struct {
	Type     string `json:"type,omitempty"` // e.g. "email", "url", "telephone"
	Identity string `json:"identity,omitempty"`
	Hashed   bool   `json:"hashed"`
	Salt     string `json:"salt,omitempty"`
	Extra    Extra  `json:"-"`
}

// VerificationObject says how an OB 2.0 assertion is verified: "hosted" (re-fetch it
// from its id) or "signed" (a JWS)
// (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#VerificationObject).
type VerificationObject struct {
	Type                 List[string] `json:"type,omitempty"`
	VerificationProperty string       `json:"verificationProperty,omitempty"`
	StartsWith           List[string] `json:"startsWith,omitempty"`
	AllowedOrigins       List[string] `json:"allowedOrigins,omitempty"`
	Creator              string       `json:"creator,omitempty"`
	Extra                Extra        `json:"-"`
}

// AlignmentObject is an OB 2.0 alignment to a framework node
// (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#AlignmentObject).
type AlignmentObject struct {
	TargetName        string `json:"targetName,omitempty"`
	TargetURL         string `json:"targetUrl,omitempty"`
	TargetDescription string `json:"targetDescription,omitempty"`
	TargetFramework   string `json:"targetFramework,omitempty"`
	TargetCode        string `json:"targetCode,omitempty"`
	Extra             Extra  `json:"-"`
}
