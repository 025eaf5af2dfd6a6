package lti

import (
	"slices"
	"time"
)

// Claim names of an LTI 1.3 launch (LTI Core 1.3 §5.3 and §5.4; the
// service claims of AGS 2.0 and NRPS 2.0).
const (
	ClaimMessageType   = "https://purl.imsglobal.org/spec/lti/claim/message_type"
	ClaimVersion       = "https://purl.imsglobal.org/spec/lti/claim/version"
	ClaimDeploymentID  = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
	ClaimRoles         = "https://purl.imsglobal.org/spec/lti/claim/roles"
	ClaimContext       = "https://purl.imsglobal.org/spec/lti/claim/context"
	ClaimResourceLink  = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
	ClaimTargetLinkURI = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
	ClaimAGSEndpoint   = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
	ClaimNRPS          = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
)

// The message type and version a launch must carry (LTI Core 1.3 §5.3.1,
// §5.3.2).
const (
	MessageTypeResourceLink = "LtiResourceLinkRequest"
	Version                 = "1.3.0"
)

// Scopes of the read-only services Cairn uses (AGS 2.0, NRPS 2.0). Cairn
// asks for no write scope.
const (
	ScopeLineItemReadOnly   = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
	ScopeResultReadOnly     = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
	ScopeMembershipReadOnly = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
)

// Roles (LTI Core 1.3 §A.2). RoleInstructor is the context role an
// instructor holds; the others are the roles IsInstructor also accepts.
const (
	RoleInstructor               = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
	RoleContextAdministrator     = "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator"
	RoleInstitutionAdministrator = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
	RoleLearner                  = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
)

// instructorRoles are the roles that may connect a course. "Instructor" is
// the simple name LTI Core §A.2 allows for the context role.
var instructorRoles = []string{
	RoleInstructor,
	"Instructor",
	RoleContextAdministrator,
	RoleInstitutionAdministrator,
}

// Launch is a verified LtiResourceLinkRequest: who launched, from which
// course and link, and the services the platform offers for the course.
type Launch struct {
	Issuer, ClientID, DeploymentID, Subject string
	Email, Name                             string
	Roles                                   []string
	MessageType                             string
	ContextID, ContextTitle, ContextLabel   string
	ResourceLinkID, ResourceLinkTitle       string
	TargetLinkURI                           string
	// Locale is the user's language as the platform gives it (the
	// launch_presentation claim's locale, else the OIDC locale claim), such
	// as "th-TH"; "" when it gives none.
	Locale string
	// AGS is nil when the launch has no AGS endpoint claim.
	AGS *AGSEndpoint
	// NRPS is nil when the launch has no names and roles claim.
	NRPS *NRPSEndpoint
	// Nonce is the launch's nonce; the caller must refuse one it has seen
	// from the same issuer before ExpiresAt.
	Nonce               string
	IssuedAt, ExpiresAt time.Time
}

// AGSEndpoint is the Assignment and Grade Services claim of a launch
// (AGS 2.0): the scopes the platform grants, the URL of the context's
// line items and, when the link has one, the link's own line item.
type AGSEndpoint struct {
	Scopes    []string
	LineItems string
	LineItem  string
}

// NRPSEndpoint is the Names and Role Provisioning Services claim of a
// launch (NRPS 2.0).
type NRPSEndpoint struct {
	MembershipsURL string
	Versions       []string
}

// IsInstructor reports whether the launch's roles let the user connect the
// course: the context role Instructor (full URI or the simple name
// "Instructor"), the context role Administrator, or the institution role
// Administrator. Sub-roles such as TeachingAssistant and system roles do
// not count.
func (l *Launch) IsInstructor() bool {
	for _, r := range l.Roles {
		if slices.Contains(instructorRoles, r) {
			return true
		}
	}
	return false
}
