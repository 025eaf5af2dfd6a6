package ob

import (
	"encoding/json"
	"time"
)

// FormatTime formats t as the spec's DateTimeZ: RFC 3339 in UTC, whole seconds.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// NewProfile returns an issuer Profile with the given id and name.
func NewProfile(id, name string) Profile {
	return Profile{ID: id, Type: List[string]{"Profile"}, Name: name}
}

// NewAchievement returns an Achievement with its required properties set.
func NewAchievement(id, name, description, criteriaNarrative string) Achievement {
	return Achievement{
		ID:          id,
		Type:        List[string]{"Achievement"},
		Name:        name,
		Description: description,
		Criteria:    Criteria{Narrative: criteriaNarrative},
	}
}

// NewAchievementSubject returns the subject of an award of a to the earner whose id (e.g.
// a DID) is earnerID. Leave earnerID empty and set Identifier to identify the earner by
// a hashed email address instead (see [NewIdentityObject]).
func NewAchievementSubject(earnerID string, a Achievement) AchievementSubject {
	return AchievementSubject{ID: earnerID, Type: List[string]{"AchievementSubject"}, Achievement: a}
}

// NewOpenBadgeCredential returns an unsigned OpenBadgeCredential with @context and type
// in the order the spec gives them. Call [OpenBadgeCredential.EnsureContexts] after
// adding status, refresh or schema entries.
func NewOpenBadgeCredential(id string, issuer Profile, subject AchievementSubject, validFrom time.Time) *OpenBadgeCredential {
	return &OpenBadgeCredential{
		Context:           List[any]{ContextVC2, ContextOB3},
		ID:                id,
		Type:              List[string]{"VerifiableCredential", "OpenBadgeCredential"},
		Name:              subject.Achievement.Name,
		Issuer:            issuer,
		ValidFrom:         FormatTime(validFrom),
		CredentialSubject: subject,
	}
}

// NewEndorsementCredential returns an unsigned EndorsementCredential of the entity
// subjectID, with the endorser's comment.
func NewEndorsementCredential(id, name string, issuer Profile, subjectID, comment string, validFrom time.Time) *EndorsementCredential {
	return &EndorsementCredential{
		Context: List[any]{ContextVC2, ContextOB3},
		ID:      id,
		Type:    List[string]{"VerifiableCredential", "EndorsementCredential"},
		Name:    name,
		Issuer:  issuer,
		CredentialSubject: EndorsementSubject{
			ID:                 subjectID,
			Type:               List[string]{"EndorsementSubject"},
			EndorsementComment: comment,
		},
		ValidFrom: FormatTime(validFrom),
	}
}

// NewClrCredential returns an unsigned ClrCredential for the learner learnerID that
// bundles the given signed credentials (each kept byte for byte).
func NewClrCredential(id, name string, issuer Profile, learnerID string, credentials [][]byte, validFrom time.Time) *ClrCredential {
	raw := make(List[json.RawMessage], len(credentials))
	for i, c := range credentials {
		raw[i] = json.RawMessage(c)
	}
	return &ClrCredential{
		Context: List[any]{ContextVC2, ContextCLR2, ContextOB3},
		ID:      id,
		Type:    List[string]{"VerifiableCredential", "ClrCredential"},
		Name:    name,
		Issuer:  issuer,
		CredentialSubject: ClrSubject{
			ID:                   learnerID,
			Type:                 List[string]{"ClrSubject"},
			VerifiableCredential: raw,
		},
		ValidFrom: FormatTime(validFrom),
	}
}

// extensionTypes are the terms defined only by the OB 3.0 extensions context.
var extensionTypes = map[string]bool{
	"1EdTechRevocationList":          true,
	"1EdTechCredentialRefresh":       true,
	"1EdTechJsonSchemaValidator2019": true,
}

func ensureContexts(ctx List[any], status *CredentialStatus, refresh *RefreshService, schemas []CredentialSchema) List[any] {
	need := (status != nil && extensionTypes[status.Type]) || (refresh != nil && extensionTypes[refresh.Type])
	for _, s := range schemas {
		need = need || extensionTypes[s.Type]
	}
	if need && !hasString(ctx, ContextOB3Extensions) {
		ctx = append(ctx, ContextOB3Extensions)
	}
	return ctx
}

func hasString(ctx []any, s string) bool {
	for _, c := range ctx {
		if c == s {
			return true
		}
	}
	return false
}

// EnsureContexts appends the OB 3.0 extensions context when the credential uses one of
// the terms only it defines (1EdTechRevocationList, 1EdTechCredentialRefresh,
// 1EdTechJsonSchemaValidator2019), and leaves @context alone otherwise.
func (c *Credential[S]) EnsureContexts() {
	c.Context = ensureContexts(c.Context, c.CredentialStatus, c.RefreshService, c.CredentialSchema)
}
