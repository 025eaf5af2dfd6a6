// Package cairn holds Cairn's domain: the organizations, accounts, issuers,
// achievements and awards the platform keeps, the storage interfaces that
// keep them, and the one error type every layer returns.
//
// The model: an Organization owns Issuer profiles (each with its own signing
// keys and did:web DID), Achievements (what can be earned) and Awards (one
// signed Open Badges 3.0 credential given to one recipient). People log in
// with an Account and act in an organization through a Membership whose Role
// says what they may do; programs use an APIKey that belongs to one
// organization. Every award takes an entry in its issuer's Bitstring Status
// Lists, so it can be revoked or suspended later.
//
// The package does no I/O. Storage (package store) and HTTP import it, never
// the reverse. Every store method takes a context first and returns errors of
// the kinds its documentation lists, as *Error values (see errors.go); callers
// branch with errors.Is(err, ErrNotFound) and friends.
//
// Tenancy: every method that reads or changes an organization's data takes
// the organization's ID and behaves as if rows of other organizations did not
// exist (NotFound). Methods named Public… read by globally unique ID for the
// public pages (credential, achievement, issuer, image) and take no
// organization.
package cairn

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-badges/cairn/ob"
)

// Organization is a tenant: an institution that issues badges.
type Organization struct {
	ID   string
	Slug string // unique, URL-safe short name
	Name string
	// DefaultLanguage is the language of the organization's pages, mails
	// and certificates when the reader's is unknown: a tag package i18n
	// speaks ("th", "ko"), or "" for English.
	DefaultLanguage string
	CreatedAt       time.Time
}

// Account is a person who can log in. Email is unique, compared as stored
// (callers normalize it, e.g. to lower case, before storing and looking up).
type Account struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string // encoded hash (argon2id or bcrypt); never the password
	CreatedAt    time.Time
}

// Role is what an account or API key may do in one organization.
type Role string

// The roles, from most to least powerful.
const (
	RoleOwner  Role = "owner"  // everything, including members, API keys, issuer keys and webhooks
	RoleIssuer Role = "issuer" // define achievements, issue, revoke, suspend
	// RoleAssessor reads the organization's data and decides applications
	// (approve with the rubric, return, reject); approving issues that
	// application's award, and nothing else.
	RoleAssessor Role = "assessor"
	RoleViewer   Role = "viewer" // read only
)

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleIssuer, RoleAssessor, RoleViewer:
		return true
	}
	return false
}

// Roles lists the roles from least to most powerful, as forms offer them.
var Roles = []Role{RoleViewer, RoleAssessor, RoleIssuer, RoleOwner}

// Rank orders the roles by power: owner 4, issuer 3, assessor 2, viewer
// 1, else 0.
func (r Role) Rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleIssuer:
		return 3
	case RoleAssessor:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// Action is something a Role may or may not be allowed to do.
type Action string

// The actions roles are checked against.
const (
	ActionRead               Action = "read"                // see the organization's data
	ActionIssue              Action = "issue"               // create, re-issue and renew awards
	ActionRevoke             Action = "revoke"              // revoke, suspend and reinstate awards
	ActionManageAchievements Action = "manage-achievements" // create and edit achievements and images
	ActionManageIssuers      Action = "manage-issuers"      // create and edit issuer profiles, rotate keys
	ActionManageMembers      Action = "manage-members"      // add, change and remove members
	ActionManageAPIKeys      Action = "manage-api-keys"     // create and revoke API keys
	ActionManageOrganization Action = "manage-organization" // rename the organization
	ActionManageWebhooks     Action = "manage-webhooks"     // register, change and remove webhook endpoints
	ActionReview             Action = "review"              // decide applications (approving issues their award)
	ActionEndorse            Action = "endorse"             // endorse others' achievements and profiles, revoke endorsements
)

// Can reports whether r allows the action. Unknown roles and actions are
// denied.
func (r Role) Can(a Action) bool {
	switch r {
	case RoleOwner:
		switch a {
		case ActionRead, ActionIssue, ActionRevoke, ActionManageAchievements, ActionManageIssuers,
			ActionManageMembers, ActionManageAPIKeys, ActionManageOrganization, ActionManageWebhooks,
			ActionReview, ActionEndorse:
			return true
		}
	case RoleIssuer:
		switch a {
		case ActionRead, ActionIssue, ActionRevoke, ActionManageAchievements, ActionReview, ActionEndorse:
			return true
		}
	case RoleAssessor:
		return a == ActionRead || a == ActionReview
	case RoleViewer:
		return a == ActionRead
	}
	return false
}

// Membership gives an account a role in an organization.
type Membership struct {
	OrgID     string
	AccountID string
	Role      Role
}

// Session is a logged-in browser. The cookie holds a random token; the store
// keeps only its hash.
type Session struct {
	ID        string
	TokenHash string
	AccountID string
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
	// LastSeenAt is when the session was last recorded as used (its
	// creation until then); the staff pages end a session idle too long.
	LastSeenAt time.Time
}

// APIKey lets a program act in one organization with a role. The key is
// Prefix followed by a secret; the store keeps the prefix (to find the key)
// and a hash of the whole key.
type APIKey struct {
	ID         string
	OrgID      string
	Name       string
	Prefix     string // unique; shown in listings to tell keys apart
	Hash       string
	Role       Role
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Issuer is an issuer profile: the entity named in the credentials it signs.
// Its DID is not stored; it follows from the server's base URL (see DID).
type Issuer struct {
	ID          string
	OrgID       string
	Name        string
	URL         string
	Email       string
	Description string
	ImageID     string // "" for none
	Phone       string
	// LinkedInOrgID is the issuer's LinkedIn company id (digits), sent with
	// LinkedIn's add-to-profile so that LinkedIn links its company page.
	LinkedInOrgID string
	Address       Address // the zero Address for none
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Address is a postal address of an issuer (OB 3.0 Address).
type Address struct {
	Street      string `json:"streetAddress,omitempty"`
	Locality    string `json:"addressLocality,omitempty"`
	Region      string `json:"addressRegion,omitempty"`
	PostalCode  string `json:"postalCode,omitempty"`
	Country     string `json:"addressCountry,omitempty"`
	CountryCode string `json:"addressCountryCode,omitempty"` // ISO 3166-1 alpha-2
}

// IsZero reports whether no part of the address is given.
func (a Address) IsZero() bool { return a == Address{} }

// DID returns the issuer's did:web identifier under base, the server's
// public base URL: did:web:HOST[:PATH…]:issuers:ID, the port's colon
// percent-encoded (https://w3c-ccg.github.io/did-method-web/#create-register).
// Its DID document is served at {base}/issuers/{ID}/did.json.
func (is *Issuer) DID(base *url.URL) string {
	var b strings.Builder
	b.WriteString("did:web:")
	b.WriteString(strings.ReplaceAll(base.Host, ":", "%3A"))
	for seg := range strings.SplitSeq(base.Path, "/") {
		if seg != "" {
			b.WriteString(":")
			b.WriteString(url.PathEscape(seg))
		}
	}
	b.WriteString(":issuers:")
	b.WriteString(url.PathEscape(is.ID))
	return b.String()
}

// IssuerKey is one signing key of an issuer. Retired keys no longer sign but
// stay in the DID document so that what they signed still verifies.
type IssuerKey struct {
	ID            string
	IssuerID      string
	Type          string // key type as package keys names it, e.g. "Ed25519"
	Fragment      string // verification method fragment in the DID document, unique per issuer
	PublicJWK     []byte
	PrivateSealed []byte // the private key encrypted by the keyring; opaque to the store
	CreatedAt     time.Time
	RetiredAt     *time.Time
}

// Image is an uploaded or generated badge or issuer image.
type Image struct {
	ID          string
	OrgID       string
	ContentType string // image/png or image/svg+xml
	Data        []byte
	SHA256      string // hex
	CreatedAt   time.Time
}

// Achievement is something that can be earned: the template of an award
// (https://www.imsglobal.org/spec/ob/v3p0/#achievement).
type Achievement struct {
	ID                 string
	OrgID              string
	IssuerID           string
	Name               string
	Description        string
	CriteriaNarrative  string
	CriteriaURL        string
	AchievementType    string // e.g. Badge, Certificate, MicroCredential, or ext:Name
	Alignments         []ob.Alignment
	ResultDescriptions []ob.ResultDescription
	CreditsAvailable   *float64
	Tags               []string
	FieldOfStudy       string
	InLanguage         string
	Version            string
	ImageID            string // "" for none
	ValidFor           int    // months an award stays valid; 0 = no expiry
	// ReminderDays are the days before an award's validUntil on which its
	// learner is reminded by mail (e.g. [30, 7]), largest first; none
	// for no reminders.
	ReminderDays []int
	// EvidenceRequirements are what an applicant must submit (see package
	// review); Cairn's own, not part of the OB 3.0 Achievement.
	EvidenceRequirements []EvidenceRequirement
	// Translations are the name and description in languages other than
	// InLanguage; credentials carry them as OB 3.0 Related entries.
	Translations []Translation
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Translation is an achievement's name and description in one more
// language (a BCP 47 tag such as "ko" or "th").
type Translation struct {
	InLanguage  string `json:"inLanguage"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Localized returns the name and description of a in language lang (its
// translation into lang, else its own), and the language they are in.
func (a *Achievement) Localized(lang string) (name, description, in string) {
	for _, t := range a.Translations {
		if strings.EqualFold(t.InLanguage, lang) {
			d := t.Description
			if d == "" {
				d = a.Description
			}
			return t.Name, d, t.InLanguage
		}
	}
	return a.Name, a.Description, a.InLanguage
}

// EvidenceKind is what an evidence requirement asks for.
type EvidenceKind string

// The evidence kinds: a file upload, a link, or a text.
const (
	EvidenceFile EvidenceKind = "file"
	EvidenceURL  EvidenceKind = "url"
	EvidenceText EvidenceKind = "text"
)

// Valid reports whether k is one of the kinds.
func (k EvidenceKind) Valid() bool { return k == EvidenceFile || k == EvidenceURL || k == EvidenceText }

// EvidenceRequirement is one item an applicant submits for an achievement
// open to applications: e.g. "The report" (a file, required).
type EvidenceRequirement struct {
	ID          string       `json:"id"` // short, unique within the achievement (e.g. "report")
	Label       string       `json:"label"`
	Kind        EvidenceKind `json:"kind"`
	Required    bool         `json:"required"`
	Description string       `json:"description,omitempty"`
}

// RecipientType says how a recipient is identified.
type RecipientType string

// The recipient types.
const (
	RecipientEmail RecipientType = "email" // identity is an email address, hashed with Salt in the credential
	RecipientDID   RecipientType = "did"   // identity is a DID, the credential subject's id
)

// Recipient is who an award is for.
type Recipient struct {
	Type     RecipientType
	Identity string // email address or DID
	Name     string
	ShowName bool   // the learner allows the name on public pages
	Salt     string // salt of the identity hash; "" when not hashed
}

// AwardState is the status of an award as its status-list bits say it.
type AwardState string

// The award states. Revocation is final; suspension can be lifted.
const (
	StateActive    AwardState = "active"
	StateRevoked   AwardState = "revoked"
	StateSuspended AwardState = "suspended"
)

// Valid reports whether s is one of the defined states.
func (s AwardState) Valid() bool {
	switch s {
	case StateActive, StateRevoked, StateSuspended:
		return true
	}
	return false
}

// Credential formats an award is issued in.
const (
	FormatDataIntegrity = "di"  // JSON with an embedded Data Integrity proof
	FormatJWT           = "jwt" // VC-JWT
)

// Award is one achievement given to one recipient: the signed credential and
// what it was made from. Signed bytes are kept exactly as signed.
//
// Every award has a status entry: index StatusIndex in the issuer's
// revocation list StatusListID and the same index in its paired suspension
// list SuspensionListID.
type Award struct {
	ID             string // UUID; the credential id is {base}/credentials/{ID}
	OrgID          string
	IssuerID       string
	AchievementID  string
	Recipient      Recipient
	Narrative      string
	Evidence       []ob.Evidence
	Results        []ob.Result
	CreditsEarned  *float64
	ActivityStart  *time.Time
	ActivityEnd    *time.Time
	AwardedDate    time.Time // kept across re-issue
	ValidFrom      time.Time
	ValidUntil     *time.Time
	Formats        []string // FormatDataIntegrity, FormatJWT
	CredentialJSON []byte   // the exact signed JSON (Data Integrity), or the unsigned JSON when only JWT
	CredentialJWT  string   // the compact VC-JWT, "" unless asked for

	StatusListID     string // revocation list
	SuspensionListID string // suspension list, same index
	StatusIndex      int

	State       AwardState
	StateReason string

	// IdempotencyKey, if not "", makes creation idempotent per organization;
	// RequestHash identifies the request that used the key, so a different
	// request reusing it is a Conflict.
	IdempotencyKey string
	RequestHash    string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// StatusPurpose is the statusPurpose of a Bitstring Status List
// (https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry).
type StatusPurpose string

// The status purposes Cairn issues.
const (
	PurposeRevocation StatusPurpose = "revocation"
	PurposeSuspension StatusPurpose = "suspension"
)

// StatusListSize is the number of entries in each list Cairn creates: the
// minimum the Bitstring Status List specification allows, for herd privacy.
const StatusListSize = 131072

// StatusList is one Bitstring Status List of an issuer. Bits are raw
// (uncompressed; index 0 is the most significant bit of byte 0). Version goes
// up by one whenever a bit changes; Signed is the signed list credential made
// from version SignedVersion, so the list needs re-signing when SignedVersion
// < Version (a new list has Version 1 and SignedVersion 0).
type StatusList struct {
	ID            string
	IssuerID      string
	Purpose       StatusPurpose
	Size          int // entries (bits)
	Bits          []byte
	Version       int64
	Signed        []byte
	SignedVersion int64
	SignedAt      *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Bit reports whether entry i is set. It is false outside the list.
func (l *StatusList) Bit(i int) bool {
	if i < 0 || i/8 >= len(l.Bits) {
		return false
	}
	return l.Bits[i/8]&(0x80>>(i%8)) != 0
}

// AwardFilter selects awards of one organization. Zero fields do not filter.
type AwardFilter struct {
	OrgID         string // required
	IssuerID      string
	AchievementID string
	State         AwardState
	Recipient     string    // exact recipient identity (email or DID)
	Since         time.Time // awards created or changed at or after Since (UpdatedAt)
	Limit         int       // page size; 0 means 50; at most 1000
	Cursor        string    // from the previous page; "" for the first
}

// OrgStore keeps organizations.
type OrgStore interface {
	// CreateOrganizationWithOwner creates, in one transaction, the
	// organization, the owner account, the owner membership and, if key is
	// not nil, the organization's first API key (its OrgID is set; its Role
	// defaults to owner). Empty IDs are generated and CreatedAt is set.
	// Errors: Invalid (missing fields), Conflict (slug, email or key prefix
	// taken).
	CreateOrganizationWithOwner(ctx context.Context, org *Organization, owner *Account, key *APIKey) error
	// CreateOrganization creates an organization. Errors: Invalid, Conflict
	// (slug taken).
	CreateOrganization(ctx context.Context, org *Organization) error
	// Organization returns an organization by ID. Errors: NotFound.
	Organization(ctx context.Context, id string) (*Organization, error)
	// OrganizationBySlug returns an organization by slug. Errors: NotFound.
	OrganizationBySlug(ctx context.Context, slug string) (*Organization, error)
	// UpdateOrganization changes the name, slug and default language of
	// org.ID. Errors:
	// Invalid, NotFound, Conflict (slug taken).
	UpdateOrganization(ctx context.Context, org *Organization) error
	// CountOrganizations returns how many organizations exist (0 on first run).
	CountOrganizations(ctx context.Context) (int, error)
}

// AccountStore keeps accounts and their memberships.
type AccountStore interface {
	// CreateAccount creates an account. Errors: Invalid, Conflict (email
	// taken).
	CreateAccount(ctx context.Context, a *Account) error
	// Account returns an account by ID. Errors: NotFound.
	Account(ctx context.Context, id string) (*Account, error)
	// AccountByEmail returns an account by email. Errors: NotFound.
	AccountByEmail(ctx context.Context, email string) (*Account, error)
	// UpdateAccount changes the email, name and password hash of a.ID.
	// Errors: Invalid, NotFound, Conflict (email taken).
	UpdateAccount(ctx context.Context, a *Account) error
	// SetMembership gives the account the role in the organization,
	// replacing any role it had there. Errors: Invalid (bad role), NotFound
	// (no such organization or account).
	SetMembership(ctx context.Context, m Membership) error
	// Membership returns the account's membership in the organization.
	// Errors: NotFound.
	Membership(ctx context.Context, orgID, accountID string) (*Membership, error)
	// RemoveMembership removes the account from the organization. Errors:
	// NotFound.
	RemoveMembership(ctx context.Context, orgID, accountID string) error
	// OrgMembers returns the organization's memberships, by account ID.
	OrgMembers(ctx context.Context, orgID string) ([]*Membership, error)
	// AccountMemberships returns the account's memberships, by organization
	// ID.
	AccountMemberships(ctx context.Context, accountID string) ([]*Membership, error)
}

// SessionStore keeps login sessions.
type SessionStore interface {
	// CreateSession stores a session. Errors: Invalid, NotFound (no such
	// account), Conflict (token hash taken).
	CreateSession(ctx context.Context, s *Session) error
	// SessionByTokenHash returns the unexpired session with the token hash.
	// Errors: NotFound (none, or expired).
	SessionByTokenHash(ctx context.Context, tokenHash string) (*Session, error)
	// DeleteSession deletes a session (logout). Deleting a missing session
	// is not an error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteAccountSessions deletes every session of an account.
	DeleteAccountSessions(ctx context.Context, accountID string) error
	// DeleteExpiredSessions deletes sessions that expired before now and
	// returns how many.
	DeleteExpiredSessions(ctx context.Context) (int, error)
}

// APIKeyStore keeps API keys.
type APIKeyStore interface {
	// CreateAPIKey stores a key. Errors: Invalid, NotFound (no such
	// organization), Conflict (prefix taken).
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByPrefix returns the unrevoked key with the prefix, whatever its
	// organization (the key decides the organization). The caller checks the
	// hash. It may answer from a cache a few seconds old: a key revoked
	// through another process (replica) may be returned for that long, one
	// revoked through this store is not. Errors: NotFound (none, or
	// revoked).
	APIKeyByPrefix(ctx context.Context, prefix string) (*APIKey, error)
	// APIKeys returns the organization's keys, revoked ones included, oldest
	// first.
	APIKeys(ctx context.Context, orgID string) ([]*APIKey, error)
	// RevokeAPIKey revokes a key of the organization. Revoking a revoked key
	// is not an error. Errors: NotFound.
	RevokeAPIKey(ctx context.Context, orgID, id string) error
	// TouchAPIKey records that the key was used at t. Errors: NotFound.
	TouchAPIKey(ctx context.Context, id string, t time.Time) error
}

// IssuerStore keeps issuer profiles and their signing keys.
type IssuerStore interface {
	// CreateIssuer creates an issuer profile in is.OrgID. Errors: Invalid,
	// NotFound (no such organization, or ImageID not an image of it).
	CreateIssuer(ctx context.Context, is *Issuer) error
	// Issuer returns an issuer of the organization. Errors: NotFound.
	Issuer(ctx context.Context, orgID, id string) (*Issuer, error)
	// PublicIssuer returns an issuer by ID, for public pages. Errors:
	// NotFound.
	PublicIssuer(ctx context.Context, id string) (*Issuer, error)
	// Issuers returns the organization's issuers, oldest first.
	Issuers(ctx context.Context, orgID string) ([]*Issuer, error)
	// UpdateIssuer changes the profile fields (Name, URL, Email,
	// Description, ImageID) of is.ID in is.OrgID. Errors: Invalid, NotFound.
	UpdateIssuer(ctx context.Context, is *Issuer) error

	// AddIssuerKey stores a new key for an issuer of the organization. With
	// retireOthers, the issuer's other unretired keys of the same Type are
	// retired in the same transaction (key rotation). Errors: Invalid,
	// NotFound (no such issuer in the organization), Conflict (fragment
	// taken).
	AddIssuerKey(ctx context.Context, orgID string, k *IssuerKey, retireOthers bool) error
	// IssuerKeys returns every key of an issuer, retired ones included,
	// oldest first. Issuer IDs are public and so are DID documents; the
	// private parts are sealed. Errors: none for an unknown issuer (empty).
	IssuerKeys(ctx context.Context, issuerID string) ([]*IssuerKey, error)
	// RetireIssuerKey retires a key of an issuer of the organization at t.
	// Errors: NotFound.
	RetireIssuerKey(ctx context.Context, orgID, issuerID, keyID string, t time.Time) error
}

// ImageStore keeps images.
type ImageStore interface {
	// CreateImage stores an image of img.OrgID. Errors: Invalid, NotFound
	// (no such organization).
	CreateImage(ctx context.Context, img *Image) error
	// Image returns an image of the organization. Errors: NotFound.
	Image(ctx context.Context, orgID, id string) (*Image, error)
	// PublicImage returns an image by ID, for public pages. Errors:
	// NotFound.
	PublicImage(ctx context.Context, id string) (*Image, error)
}

// AchievementStore keeps achievements.
type AchievementStore interface {
	// CreateAchievement creates an achievement of a.OrgID. Errors: Invalid,
	// NotFound (IssuerID or ImageID not of the organization).
	CreateAchievement(ctx context.Context, a *Achievement) error
	// Achievement returns an achievement of the organization. Errors:
	// NotFound.
	Achievement(ctx context.Context, orgID, id string) (*Achievement, error)
	// PublicAchievement returns an achievement by ID, for public pages.
	// Errors: NotFound.
	PublicAchievement(ctx context.Context, id string) (*Achievement, error)
	// Achievements returns the organization's achievements, of one issuer
	// if issuerID is not "", oldest first.
	Achievements(ctx context.Context, orgID, issuerID string) ([]*Achievement, error)
	// UpdateAchievement replaces every field of a.ID in a.OrgID but ID,
	// OrgID, IssuerID and CreatedAt. Errors: Invalid, NotFound.
	UpdateAchievement(ctx context.Context, a *Achievement) error
}

// ReserveResult is what ReserveAwards did with one award: Existing is
// the award stored before under its idempotency key, if any; else, unless
// Err is set, the award is reserved.
type ReserveResult struct {
	Existing *Award
	Err      error
}

// IssueVersion says which version of an achievement, its issuer profile
// and the issuer's keys an award would be built from: every change to one
// of them changes it (UpdateAchievement and UpdateIssuer set UpdatedAt;
// keys are only added and retired, which changes the counts). Callers
// cache what they built from those rows under it, and have each award
// checked against it when it is inserted (IssueVersionStore.InsertAwardsAt),
// or read it again first, so a change made by another replica is seen at
// once.
type IssueVersion struct {
	AchievementUpdated time.Time
	IssuerID           string
	IssuerUpdated      time.Time
	Keys, RetiredKeys  int
}

// IssueVersionStore is implemented by stores that can say an
// IssueVersion in one cheap read. Optional: issuing caches the achievement,
// issuer and signing keys of an award only with it.
type IssueVersionStore interface {
	// IssueVersion returns the version of achievement achID of the
	// organization, its issuer and the issuer's keys. Errors: NotFound.
	IssueVersion(ctx context.Context, orgID, achID string) (IssueVersion, error)
	// InsertAwardsAt is AwardStore.InsertAwards for awards built and
	// signed from version v of their achievement: the transaction that
	// would insert one first reads the achievement's version, and when it
	// is not v the award is not inserted, its result's Err a Conflict
	// wrapping ErrIssueVersionChanged. What it inserts was signed from
	// what was current when it committed.
	InsertAwardsAt(ctx context.Context, v IssueVersion, awards []*Award) []InsertResult
}

// LateKeyStore is implemented by stores whose InsertAwards resolves an
// award's idempotency key as ReserveAward would have. Optional: a caller
// that expects its keys to be new (a replay is the exception) saves a read
// per award.
type LateKeyStore interface {
	// ReserveAwardLateKey is ReserveAward without its first step: it does
	// not look up a.IdempotencyKey. When an award is stored under it,
	// InsertAwards says so: the same request's award replaces *a, with
	// Created false; another request's is a Conflict. A replay costs a
	// signing.
	ReserveAwardLateKey(ctx context.Context, a *Award) error
}

// AwardStore keeps awards.
//
// An award is issued in three steps, so that signing runs outside any
// database lock and on every core: ReserveAward (short reads, and a short
// write only when the issuer needs a new pair of status lists), then the
// caller builds and signs the credential, then InsertAwards, which writes
// the award and its transparency-log event and commits before it returns
// (concurrent awards share one transaction and one commit). CreateAward
// runs the three for callers that sign in-process with a function.
type AwardStore interface {
	// ReserveAward prepares a new award for signing:
	//
	//  1. If a.IdempotencyKey is not "" and the organization already has an
	//     award with that key, it returns that award as existing and
	//     changes nothing, provided a.RequestHash equals the stored one
	//     (else Conflict).
	//  2. Otherwise it checks that the achievement is the organization's
	//     (and of a.IssuerID, if set), and sets a.IssuerID, a.ID (a new UUID
	//     if ""), a.State (active), CreatedAt, UpdatedAt and a free status
	//     entry: a.StatusListID, a.SuspensionListID and a.StatusIndex, a
	//     random unused index of the issuer's current pair of lists (a new
	//     pair when the current one is 90% full).
	//
	// The entry is held for a in this process until InsertAwards stores a
	// or ReleaseAward gives it back; another process may still take it,
	// which InsertAwards reports. Errors: Invalid (missing fields),
	// NotFound (achievement not of the organization), Conflict, Unavailable.
	ReserveAward(ctx context.Context, a *Award) (existing *Award, err error)
	// ReserveAwards is ReserveAward for many awards at once, with a few
	// queries for the whole batch: one result per award, in order, each
	// as ReserveAward would give it.
	ReserveAwards(ctx context.Context, awards []*Award) []ReserveResult
	// InsertAwards stores awards that ReserveAward prepared and the caller
	// then signed (CredentialJSON set, CredentialJWT if asked for; nothing
	// else changed), each with its transparency-log event, and returns one
	// result per award, in order. A result without Err is durable: it was
	// committed before InsertAwards returned. Awards passed together, and
	// awards of concurrent calls, are written in as few transactions as
	// possible; one award's failure does not fail the others. Per award:
	// Conflict (the ID is taken, or the idempotency key was used meanwhile
	// with another request), a Conflict wrapping ErrStatusEntryTaken
	// (another process took the status entry: ReserveAward again, sign
	// again, insert again), Unavailable. When the idempotency key was used
	// meanwhile by the same request, *a becomes that award and Created is
	// false.
	InsertAwards(ctx context.Context, awards []*Award) []InsertResult
	// ReleaseAward gives back the status entry that ReserveAward held for
	// an award that will not be inserted (signing failed).
	ReleaseAward(a *Award)
	// CreateAward is ReserveAward, sign(a), InsertAwards: created is false
	// when the idempotency key named an earlier award, which then replaces
	// *a. sign must set a.CredentialJSON (and a.CredentialJWT if asked
	// for) and nothing else; it runs outside any transaction, and again
	// with a new status entry if another process took the first. An error
	// from sign is returned as is and nothing is stored; on any error *a is
	// left as it was. Errors: those of ReserveAward and InsertAwards.
	CreateAward(ctx context.Context, a *Award, sign func(a *Award) error) (created bool, err error)
	// Award returns an award of the organization. Errors: NotFound.
	Award(ctx context.Context, orgID, id string) (*Award, error)
	// PublicAward returns an award by ID, for its public credential page.
	// Errors: NotFound.
	PublicAward(ctx context.Context, id string) (*Award, error)
	// Awards returns one page of the awards f selects, newest first, and the
	// cursor of the next page ("" on the last). Errors: Invalid (bad
	// cursor, limit or state).
	Awards(ctx context.Context, f AwardFilter) (page []*Award, next string, err error)
	// CountAwards returns how many awards f selects, ignoring Limit and
	// Cursor. Errors: Invalid.
	CountAwards(ctx context.Context, f AwardFilter) (int, error)
	// SetAwardState moves an award to state with a reason and, in the same
	// transaction, sets its bits in the status lists (revocation bit set iff
	// revoked, suspension bit set iff suspended), bumping the Version of each
	// list whose bits change. Allowed: active → suspended | revoked,
	// suspended → active | revoked; asking for the current state only
	// updates the reason. Errors: Invalid (bad state), NotFound, Conflict
	// (the award is revoked).
	SetAwardState(ctx context.Context, orgID, id string, state AwardState, reason string) (*Award, error)
	// UpdateAward loads an award of the organization, calls change with it,
	// and stores what change may alter: Recipient.Name, Recipient.ShowName,
	// Narrative, Evidence, Results, CreditsEarned, ActivityStart,
	// ActivityEnd, ValidFrom, ValidUntil, Formats, CredentialJSON and
	// CredentialJWT (re-issue and renew: change re-signs). Other fields are
	// kept. An error from change is returned as is and nothing is stored.
	// Errors: NotFound, Conflict (the award is revoked).
	UpdateAward(ctx context.Context, orgID, id string, change func(a *Award) error) (*Award, error)
}

// InsertResult is what AwardStore.InsertAwards did with one award.
type InsertResult struct {
	// Created is true when the award was stored; false with a nil Err when
	// its idempotency key named an award stored meanwhile by the same
	// request, which replaced it.
	Created bool
	Err     error
}

// StatusListStore keeps status lists. Lists are created by ReserveAward and
// changed by SetAwardState; this interface reads them and stores their
// signed credentials.
type StatusListStore interface {
	// StatusList returns a list by ID, for the public status URL. Errors:
	// NotFound.
	StatusList(ctx context.Context, id string) (*StatusList, error)
	// StatusLists returns an issuer's lists, oldest first.
	StatusLists(ctx context.Context, issuerID string) ([]*StatusList, error)
	// StaleStatusLists returns up to limit lists whose signed credential is
	// missing or older than their bits (SignedVersion < Version).
	StaleStatusLists(ctx context.Context, limit int) ([]*StatusList, error)
	// UpdateStatusListSigned stores signed, the list credential made from
	// version of the list, if the list is still at that version. Errors:
	// NotFound, Conflict (the list changed since; reload and sign again).
	UpdateStatusListSigned(ctx context.Context, id string, version int64, signed []byte) error
}

// Store is everything Cairn keeps.
type Store interface {
	OrgStore
	AccountStore
	SessionStore
	APIKeyStore
	IssuerStore
	ImageStore
	AchievementStore
	AwardStore
	StatusListStore
	RuleStore
	EndorsementStore
}
