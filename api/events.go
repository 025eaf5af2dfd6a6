package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/rules"
)

// ruleView is an issuing rule as the API shows it.
type ruleView struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	EventType     string    `json:"eventType"`
	CourseID      string    `json:"courseId"`
	MinScore      *float64  `json:"minScore"`
	AchievementID string    `json:"achievementId"`
	Narrative     string    `json:"narrative"`
	Enabled       bool      `json:"enabled"`
	Description   string    `json:"description"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

func ruleViewOf(r *cairn.Rule) ruleView {
	return ruleView{ID: r.ID, Name: r.Name, EventType: r.EventType, CourseID: r.CourseID, MinScore: r.MinScore,
		AchievementID: r.AchievementID, Narrative: r.Narrative, Enabled: r.Enabled, Description: rules.Describe(r),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request, c *caller) error {
	if _, err := query(r); err != nil {
		return err
	}
	rs, err := s.Store.Rules(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	items := make([]ruleView, 0, len(rs))
	for _, ru := range rs {
		items = append(items, ruleViewOf(ru))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createRule(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in issuing.RuleInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ru, err := s.Service.CreateRule(r.Context(), c.orgID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/rules/"+ru.ID)
	return writeJSON(w, http.StatusCreated, ruleViewOf(ru))
}

func (s *Server) getRule(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ru, err := s.Store.Rule(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ruleViewOf(ru))
}

// patchRule changes the members the body has (JSON merge patch, RFC 7396:
// minScore null removes the minimum).
func (s *Server) patchRule(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	data, err := readJSON(r, "application/json", "application/merge-patch+json")
	if err != nil {
		return err
	}
	var p issuing.RulePatch
	if err := unmarshalStrict(data, &p); err != nil {
		return err
	}
	var present map[string]json.RawMessage
	_ = json.Unmarshal(data, &present)
	// null clears courseId, narrative and minScore; the other members
	// cannot be cleared.
	empty := ""
	for name, v := range present {
		if string(v) != "null" {
			continue
		}
		switch name {
		case "courseId":
			p.CourseID = &empty
		case "narrative":
			p.Narrative = &empty
		case "minScore":
		default:
			return cairn.Invalidf(name, "cannot be null: only courseId, minScore and narrative can be cleared")
		}
	}
	_, p.MinScoreSet = present["minScore"]
	ru, err := s.Service.UpdateRule(r.Context(), c.orgID, id, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ruleViewOf(ru))
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Service.DeleteRule(r.Context(), c.orgID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// eventRuleView is a rule an event matched, as it was then.
type eventRuleView struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	AchievementID string `json:"achievementId"`
}

// eventAwardView is an award an event made.
type eventAwardView struct {
	ID            string     `json:"id"`
	RuleID        string     `json:"ruleId"`
	AchievementID string     `json:"achievementId"`
	CredentialID  string     `json:"credentialId"`
	Links         awardLinks `json:"links"`
}

// eventView is an event and what it led to. It holds nothing that changes
// when the event is sent again, so a retry answers the same body.
type eventView struct {
	ID           string             `json:"id"`
	ExternalID   string             `json:"externalId"`
	Type         string             `json:"type"`
	CourseID     string             `json:"courseId,omitempty"`
	Score        *float64           `json:"score,omitempty"`
	Recipient    string             `json:"recipient"`
	OccurredAt   time.Time          `json:"occurredAt"`
	ReceivedAt   time.Time          `json:"receivedAt"`
	Outcome      cairn.EventOutcome `json:"outcome"`
	MatchedRules []eventRuleView    `json:"matchedRules"`
	Awards       []eventAwardView   `json:"awards"`
	Error        string             `json:"error,omitempty"`
}

func (s *Server) eventView(e *cairn.Event) eventView {
	v := eventView{ID: e.ID, ExternalID: e.ExternalID, Type: e.Type, CourseID: e.CourseID, Score: e.Score,
		Recipient: e.Recipient, OccurredAt: e.OccurredAt, ReceivedAt: e.ReceivedAt, Outcome: e.Outcome, Error: e.Error,
		MatchedRules: []eventRuleView{}, Awards: []eventAwardView{}}
	for _, m := range e.Matches {
		v.MatchedRules = append(v.MatchedRules, eventRuleView{ID: m.RuleID, Name: m.RuleName, AchievementID: m.AchievementID})
		if m.AwardID == "" {
			continue
		}
		page := s.Service.CredentialURL(m.AwardID)
		v.Awards = append(v.Awards, eventAwardView{ID: m.AwardID, RuleID: m.RuleID, AchievementID: m.AchievementID, CredentialID: page,
			Links: awardLinks{Credential: page, JSON: page + ".json", PNG: page + ".png", SVG: page + ".svg"}})
	}
	return v
}

// postEvent takes a completion event: it is recorded, matched against the
// organization's rules and the awards made before the answer (201). The
// same event sent again (same externalId, same content) answers the same
// body with 200 and Idempotent-Replayed: true; the same externalId with
// other content is a 409 naming externalId.
func (s *Server) postEvent(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in issuing.EventInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ev, created, err := s.Service.HandleEvent(r.Context(), c.orgID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/events/"+ev.ID)
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
		w.Header().Set("Idempotent-Replayed", "true")
	}
	return writeJSON(w, status, s.eventView(ev))
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ev, err := s.Store.Event(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.eventView(ev))
}

// listEvents answers one page of the organization's events, newest
// first, with the next page's URL (Link, rel="next").
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, c *caller) error {
	q, err := query(r, "outcome", "limit", "cursor")
	if err != nil {
		return err
	}
	f := cairn.EventFilter{OrgID: c.orgID, Outcome: cairn.EventOutcome(q.Get("outcome")), Limit: DefaultPageSize, Cursor: q.Get("cursor")}
	if f.Outcome != "" && !f.Outcome.Valid() {
		return badRequest("outcome", "%q: want pending, awarded, no-match or error", f.Outcome)
	}
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > MaxPageSize {
			return badRequest("limit", "%q: want a whole number from 1 to %d", v[0], MaxPageSize)
		}
		f.Limit = n
	}
	page, next, err := s.Store.Events(r.Context(), f)
	if err != nil {
		if cairn.KindOf(err) == cairn.Invalid {
			return badRequest("cursor", "%s", strings.TrimPrefix(cairn.PublicMessage(err), "cursor: "))
		}
		return err
	}
	items := make([]eventView, 0, len(page))
	for _, e := range page {
		items = append(items, s.eventView(e))
	}
	body := map[string]any{"items": items, "next": nil}
	if next != "" {
		body["next"] = next
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", next)
		nq.Set("limit", strconv.Itoa(f.Limit))
		w.Header().Set("Link", "<"+s.Service.URL(Prefix+"/events?"+nq.Encode())+`>; rel="next"`)
	}
	return writeJSON(w, http.StatusOK, body)
}
