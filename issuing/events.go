package issuing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ltitool"
	"github.com/cairn-badges/cairn/rules"
)

// RuleInput is what a caller gives to create an issuing rule (see package
// rules for what the fields mean).
type RuleInput struct {
	Name          string   `json:"name"`
	EventType     string   `json:"eventType"`
	CourseID      string   `json:"courseId,omitempty"`
	MinScore      *float64 `json:"minScore,omitempty"`
	AchievementID string   `json:"achievementId"`
	Narrative     string   `json:"narrative,omitempty"`
	Enabled       *bool    `json:"enabled,omitempty"` // default true
}

// RulePatch changes some fields of a rule: nil fields are kept. MinScore
// is set (to nil: no minimum) when MinScoreSet is true.
type RulePatch struct {
	Name          *string  `json:"name,omitempty"`
	EventType     *string  `json:"eventType,omitempty"`
	CourseID      *string  `json:"courseId,omitempty"`
	MinScore      *float64 `json:"minScore,omitempty"`
	MinScoreSet   bool     `json:"-"`
	AchievementID *string  `json:"achievementId,omitempty"`
	Narrative     *string  `json:"narrative,omitempty"`
	Enabled       *bool    `json:"enabled,omitempty"`
}

// ruleErr names the rules API's field for the store's.
func ruleErr(err error) error {
	if cairn.FieldOf(err) == "achievement_id" {
		return fieldErr("achievementId", err)
	}
	return err
}

// CreateRule creates an issuing rule of the organization. Errors: Invalid
// (naming the field; an achievement not of the organization is an invalid
// achievementId).
func (s *Service) CreateRule(ctx context.Context, orgID string, in RuleInput) (*cairn.Rule, error) {
	r := &cairn.Rule{OrgID: orgID, Name: strings.TrimSpace(in.Name), EventType: in.EventType, CourseID: in.CourseID,
		MinScore: in.MinScore, AchievementID: in.AchievementID, Narrative: strings.TrimSpace(in.Narrative), Enabled: true}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	if err := rules.CheckRule(r); err != nil {
		return nil, err
	}
	if err := s.store.CreateRule(ctx, r); err != nil {
		return nil, ruleErr(err)
	}
	return r, nil
}

// UpdateRule changes the fields of a rule that p sets. Events already
// received keep the matches they had. Errors: Invalid, NotFound.
func (s *Service) UpdateRule(ctx context.Context, orgID, id string, p RulePatch) (*cairn.Rule, error) {
	r, err := s.store.Rule(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.Name, p.Name)
	set(&r.EventType, p.EventType)
	set(&r.CourseID, p.CourseID)
	set(&r.AchievementID, p.AchievementID)
	set(&r.Narrative, p.Narrative)
	r.Name, r.Narrative = strings.TrimSpace(r.Name), strings.TrimSpace(r.Narrative)
	if p.MinScoreSet || p.MinScore != nil {
		r.MinScore = p.MinScore
	}
	if p.Enabled != nil {
		r.Enabled = *p.Enabled
	}
	if err := rules.CheckRule(r); err != nil {
		return nil, err
	}
	if err := s.store.UpdateRule(ctx, r); err != nil {
		return nil, ruleErr(err)
	}
	return r, nil
}

// DeleteRule deletes a rule; the events it matched keep their record of
// it. Errors: NotFound.
func (s *Service) DeleteRule(ctx context.Context, orgID, id string) error {
	return s.store.DeleteRule(ctx, orgID, id)
}

// EventInput is a completion event sent by an organization's systems (an
// LMS, an assessment platform): POST /api/v1/events.
type EventInput struct {
	Type       string         `json:"type"`
	Recipient  RecipientInput `json:"recipient"`
	CourseID   string         `json:"courseId,omitempty"`
	Score      *float64       `json:"score,omitempty"` // a percentage, 0 to 100
	OccurredAt *time.Time     `json:"occurredAt"`
	// ExternalID is the sender's own, unique ID of the event: a retry with
	// the same one is answered with what the first made.
	ExternalID string `json:"externalId"`
}

// MaxEventSkew is how far in the future an event's occurredAt may be (the
// sender's clock may run ahead).
const MaxEventSkew = time.Hour

func (in *EventInput) validate(now time.Time) error {
	if err := rules.CheckType("type", in.Type); err != nil {
		return err
	}
	if err := in.Recipient.validate(); err != nil {
		return err
	}
	in.Recipient.Email = strings.ToLower(in.Recipient.Email)
	if in.OccurredAt == nil {
		return cairn.Invalidf("occurredAt", "is required: when the event happened, an RFC 3339 date-time such as 2025-06-30T12:00:00Z")
	}
	t := in.OccurredAt.UTC()
	in.OccurredAt = &t
	if t.After(now.Add(MaxEventSkew)) {
		return cairn.Invalidf("occurredAt", "%s is in the future", t.Format(time.RFC3339))
	}
	if err := rules.CheckEvent(in.ruleEvent()); err != nil {
		return err
	}
	return rules.CheckExternalID("externalId", in.ExternalID)
}

func (in *EventInput) ruleEvent() rules.Event {
	e := rules.Event{Type: in.Type, CourseID: in.CourseID, Score: in.Score}
	if in.OccurredAt != nil {
		e.OccurredAt = *in.OccurredAt
	}
	return e
}

// eventAwardKey is the idempotency key of the award an event makes of an
// achievement: the same event (by external ID, in the organization) makes
// each achievement's award once.
func eventAwardKey(externalID, achievementID string) string {
	sum := sha256.Sum256([]byte(externalID + "\x00" + achievementID))
	return "event:" + hex.EncodeToString(sum[:])
}

// HandleLTIEvent is HandleEvent for an event made of an LMS result (it
// makes *Service a ltitool.Events): created is false for an event seen
// before; awarded counts the awards a new one made.
func (s *Service) HandleLTIEvent(ctx context.Context, orgID string, ev ltitool.Event) (created bool, awarded int, err error) {
	score, at := ev.Score, ev.OccurredAt
	e, created, err := s.HandleEvent(ctx, orgID, EventInput{Type: ev.Type, CourseID: ev.CourseID, Score: &score, OccurredAt: &at,
		Recipient: RecipientInput{Email: ev.Email, Name: ev.Name}, ExternalID: ev.ExternalID})
	if err != nil || !created {
		return created, 0, err
	}
	for _, m := range e.Matches {
		if m.AwardID != "" {
			awarded++
		}
	}
	return true, awarded, nil
}

// HandleEvent records an event of the organization, matches it against
// the organization's rules and makes the awards the matching rules name,
// before it returns (so they are there as soon as the call answers).
// created is false when the organization had the event already (by
// ExternalID): an event that was answered is answered again from what was
// stored, without new awards; one whose awards were interrupted or failed
// is taken up again (each award is idempotent). Errors: Invalid (naming
// the field), Conflict (naming externalId: used for another event),
// Unavailable (the event is recorded but an award could not be made yet:
// send it again). An award that fails otherwise does not fail the call:
// the event's outcome is error and its Error says why.
func (s *Service) HandleEvent(ctx context.Context, orgID string, in EventInput) (ev *cairn.Event, created bool, err error) {
	if err := in.validate(s.clock()); err != nil {
		return nil, false, err
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return nil, false, cairn.Wrapf(cairn.Internal, err, "encoding the event")
	}
	sum := sha256.Sum256(payload)
	re := in.ruleEvent()
	rs, err := s.store.Rules(ctx, orgID)
	if err != nil {
		return nil, false, err
	}
	ev = &cairn.Event{OrgID: orgID, ExternalID: in.ExternalID, Type: in.Type, CourseID: in.CourseID, Score: in.Score,
		Recipient: in.Recipient.Email, OccurredAt: re.OccurredAt, Payload: payload, PayloadHash: hex.EncodeToString(sum[:]),
		Outcome: cairn.EventPending}
	if ev.Recipient == "" {
		ev.Recipient = in.Recipient.DID
	}
	for _, r := range rules.Match(rs, re) {
		ev.Matches = append(ev.Matches, cairn.EventMatch{RuleID: r.ID, RuleName: r.Name, AchievementID: r.AchievementID,
			Narrative: rules.Expand(r.Narrative, re)})
	}
	if len(ev.Matches) == 0 {
		ev.Outcome = cairn.EventNoMatch
	}
	existing, err := s.store.RecordEvent(ctx, ev)
	if err != nil {
		return nil, false, err
	}
	created = existing == nil
	if existing != nil {
		if existing.PayloadHash != ev.PayloadHash {
			return nil, false, &cairn.Error{Kind: cairn.Conflict, Field: "externalId", Message: fmt.Sprintf(
				"%q names another event, received %s; a retry must send the same event, and a new event needs its own externalId",
				in.ExternalID, existing.ReceivedAt.Format(time.RFC3339))}
		}
		ev = existing
	}
	if ev.Outcome == cairn.EventAwarded || ev.Outcome == cairn.EventNoMatch {
		return ev, created, nil
	}
	ev, err = s.awardEvent(ctx, ev, in)
	return ev, created, err
}

// awardEvent makes the award of each of the event's matches that has none
// yet, and stores the outcome.
func (s *Service) awardEvent(ctx context.Context, ev *cairn.Event, in EventInput) (*cairn.Event, error) {
	ms := slices.Clone(ev.Matches)
	var failures []string
	var transient error
	for i := range ms {
		m := &ms[i]
		occurred := ev.OccurredAt
		aw, _, err := s.Award(ctx, ev.OrgID, AwardInput{AchievementID: m.AchievementID, Recipient: in.Recipient,
			Narrative: m.Narrative, ActivityEnd: &occurred, IdempotencyKey: eventAwardKey(ev.ExternalID, m.AchievementID)})
		if err != nil {
			if cairn.KindOf(err) == cairn.Unavailable {
				transient = err
			}
			s.log.Warn("issuing: award from an event", "org", ev.OrgID, "event", ev.ID, "rule", m.RuleID, "err", err)
			failures = append(failures, fmt.Sprintf("rule %q: %s", m.RuleName, cairn.PublicMessage(err)))
			continue
		}
		m.AwardID = aw.ID
	}
	outcome := cairn.EventAwarded
	if len(failures) > 0 {
		outcome = cairn.EventFailed
	}
	done, err := s.store.SetEventOutcome(ctx, ev.OrgID, ev.ID, outcome, ms, strings.Join(failures, "; "))
	if err != nil {
		return nil, err
	}
	if transient != nil {
		return done, cairn.Wrapf(cairn.Unavailable, transient, "the event is recorded, but an award could not be made yet; send the event again")
	}
	return done, nil
}
