package pathway

import (
	"time"

	"github.com/cairn-badges/cairn/ob"
)

// Pathway is one version of a pathway: completing Rule earns the
// achievement AchievementID. An edit makes a new version; what was earned
// under an older one stays earned.
type Pathway struct {
	ID            string
	OrgID         string
	Version       int // from 1
	Name          string
	Description   string
	AchievementID string
	Rule          *Rule
	// AutoAward issues the achievement when the rule comes to hold.
	AutoAward bool
	CreatedAt time.Time // of the pathway
	UpdatedAt time.Time // of this version
}

// Source kinds: what a pathway award was made of.
const (
	SourceAward       = "award"
	SourceRecognition = "recognition"
	SourceExternal    = "external"
)

// Source is one contribution to a pathway award.
type Source struct {
	Kind string // SourceAward, SourceRecognition or SourceExternal
	ID   string // the award, learner recognition or external badge
}

// Earned is an award a pathway gave to a learner.
type Earned struct {
	AwardID   string
	OrgID     string
	PathwayID string
	Version   int    // the version it was earned under
	Recipient string // the recipient's identity (email or DID)
	// SuspendedByPathway is set while the pathway holds the award
	// suspended because its rule stopped holding.
	SuspendedByPathway bool
	Sources            []Source
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Sources returns the contributions of an outcome.
func (o *Outcome) Sources() []Source {
	var out []Source
	for _, id := range o.Awards {
		out = append(out, Source{SourceAward, id})
	}
	for _, id := range o.Recognitions {
		out = append(out, Source{SourceRecognition, id})
	}
	for _, id := range o.External {
		out = append(out, Source{SourceExternal, id})
	}
	return out
}

// RecognitionDef is a kind of prior learning an organization recognizes,
// named by {"recognition": ID} in rules.
type RecognitionDef struct {
	ID          string
	OrgID       string
	Name        string
	Description string
	Credits     *float64 // counted by credits rules
	CreatedAt   time.Time
}

// LearnerRecognition is a recognition staff recorded for one learner,
// with its evidence.
type LearnerRecognition struct {
	ID            string
	OrgID         string
	RecognitionID string
	Recipient     string
	Evidence      []ob.Evidence
	Note          string
	RecordedBy    string // who recorded it (account or API key)
	CreatedAt     time.Time
}

// ExternalRecord is a badge of another issuer that a learner presented and
// that verified.
type ExternalRecord struct {
	ID              string
	OrgID           string
	Recipient       string
	CredentialID    string
	Issuer          string
	AchievementID   string
	AchievementName string
	ValidUntil      *time.Time
	VerifiedAt      time.Time
}

// Involved returns, for each pathway of ps (by ID), the achievements whose
// award changes may change its outcome: those its rule names, and for each
// pathway it names, that pathway's achievement and what that one involves.
func Involved(ps map[string]*Pathway) map[string][]string {
	out := make(map[string][]string, len(ps))
	var walk func(p *Pathway, seen map[string]bool, acc map[string]bool)
	walk = func(p *Pathway, seen map[string]bool, acc map[string]bool) {
		if p.Rule == nil {
			return
		}
		achs, pws, _ := p.Rule.Refs()
		for _, a := range achs {
			acc[a] = true
		}
		for _, id := range pws {
			sub := ps[id]
			if sub == nil || seen[id] {
				continue
			}
			seen[id] = true
			acc[sub.AchievementID] = true
			walk(sub, seen, acc)
		}
	}
	for id, p := range ps {
		acc := map[string]bool{}
		walk(p, map[string]bool{id: true}, acc)
		list := make([]string, 0, len(acc))
		for a := range acc {
			list = append(list, a)
		}
		out[id] = list
	}
	return out
}
