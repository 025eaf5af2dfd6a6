package cairn

import (
	"context"
	"time"
)

// Rule is one of an organization's issuing rules: an event of EventType
// (for CourseID, unless that is "", and with at least MinScore, unless
// that is nil) earns AchievementID. An organization's rules are evaluated
// by package rules; every enabled rule that matches an event makes one
// award (one per achievement).
type Rule struct {
	ID            string
	OrgID         string
	Name          string
	EventType     string   // exact, e.g. course.completed
	CourseID      string   // exact; "" matches any course, and events without one
	MinScore      *float64 // 0 to 100; nil matches any score, and events without one
	AchievementID string
	Narrative     string // template of the award's narrative (see rules.Expand)
	Enabled       bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// EventOutcome is what became of an event.
type EventOutcome string

// The outcomes of an event.
const (
	EventPending EventOutcome = "pending"  // recorded; its awards are being made (or making them was interrupted)
	EventAwarded EventOutcome = "awarded"  // every matching rule's award was made
	EventNoMatch EventOutcome = "no-match" // no enabled rule matched
	EventFailed  EventOutcome = "error"    // an award could not be made (Error says why); a retry of the event tries again
)

// Valid reports whether o is one of the defined outcomes.
func (o EventOutcome) Valid() bool {
	switch o {
	case EventPending, EventAwarded, EventNoMatch, EventFailed:
		return true
	}
	return false
}

// Event is a completion event an organization's systems sent (POST
// /api/v1/events), kept with what it led to. ExternalID, the sender's own
// ID of the event, is unique per organization: a retry of the event finds
// it, and PayloadHash tells a retry from another event reusing the ID.
type Event struct {
	ID          string
	OrgID       string
	ExternalID  string
	Type        string
	CourseID    string
	Score       *float64
	Recipient   string // the recipient's email address (lower case) or DID, for listings
	OccurredAt  time.Time
	ReceivedAt  time.Time
	Payload     []byte // the event as accepted, as JSON
	PayloadHash string // hex SHA-256 of Payload
	Outcome     EventOutcome
	// Matches are the rules that matched when the event was received, with
	// what each awards; the awards are made from them, so a retry makes the
	// same awards even if the rules changed since.
	Matches   []EventMatch
	Error     string // why an award could not be made (outcome error)
	UpdatedAt time.Time
}

// EventMatch is one rule an event matched, and the award it made.
type EventMatch struct {
	RuleID        string `json:"ruleId"`
	RuleName      string `json:"ruleName"`
	AchievementID string `json:"achievementId"`
	Narrative     string `json:"narrative,omitempty"` // the rule's template, expanded for the event
	AwardID       string `json:"awardId,omitempty"`   // "" until the award is made
}

// EventFilter selects events of one organization. Zero fields do not
// filter.
type EventFilter struct {
	OrgID   string // required
	Outcome EventOutcome
	Limit   int    // page size; 0 means 50; at most 1000
	Cursor  string // from the previous page; "" for the first
}

// RuleStore keeps issuing rules and the events they are applied to.
type RuleStore interface {
	// CreateRule creates a rule of r.OrgID. Errors: Invalid, NotFound
	// (AchievementID not of the organization).
	CreateRule(ctx context.Context, r *Rule) error
	// Rule returns a rule of the organization. Errors: NotFound.
	Rule(ctx context.Context, orgID, id string) (*Rule, error)
	// Rules returns the organization's rules, oldest first.
	Rules(ctx context.Context, orgID string) ([]*Rule, error)
	// UpdateRule replaces every field of r.ID in r.OrgID but ID, OrgID
	// and CreatedAt. Errors: Invalid, NotFound (the rule, or AchievementID
	// not of the organization).
	UpdateRule(ctx context.Context, r *Rule) error
	// DeleteRule deletes a rule of the organization; events it matched
	// keep its ID and name. Errors: NotFound.
	DeleteRule(ctx context.Context, orgID, id string) error

	// RecordEvent stores a new event of e.OrgID (setting ID if "",
	// ReceivedAt and UpdatedAt), unless the organization has one with
	// e.ExternalID already: then it returns that one as existing and
	// changes nothing, whatever its payload (the caller compares
	// PayloadHash). Errors: Invalid, NotFound (no such organization).
	RecordEvent(ctx context.Context, e *Event) (existing *Event, err error)
	// SetEventOutcome stores what became of an event of the organization:
	// its outcome, its matches (with their award IDs) and the error, and
	// returns it. Errors: Invalid, NotFound.
	SetEventOutcome(ctx context.Context, orgID, id string, outcome EventOutcome, matches []EventMatch, errText string) (*Event, error)
	// Event returns an event of the organization. Errors: NotFound.
	Event(ctx context.Context, orgID, id string) (*Event, error)
	// Events returns one page of the events f selects, newest first, and
	// the cursor of the next page ("" on the last). Errors: Invalid (bad
	// cursor, limit or outcome).
	Events(ctx context.Context, f EventFilter) (page []*Event, next string, err error)
}
