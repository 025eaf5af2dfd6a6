package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/rules"
)

// ruleRow is one rule in the list.
type ruleRow struct {
	*cairn.Rule
	Achievement string // its name
	When        string // what the rule asks for, in words
}

// ruleForm is a rule as typed in the form.
type ruleForm struct {
	ID          string // "" for a new rule
	Name        string
	EventType   string
	CourseID    string
	MinScore    string
	Achievement string
	Narrative   string
	Enabled     bool
}

// rulesPage is the data of the rules page and of a rule's page.
type rulesPage struct {
	Rules        []ruleRow
	Achievements []*cairn.Achievement
	Types        []string
	Form         ruleForm
	Errors       fieldErrors
	Events       []eventRow // the latest events
}

// eventTypes are offered in the form's list; others can be typed.
var eventTypes = []string{"course.completed", "assessment.passed", "module.completed", "lti.score"}

// ruleFields maps the issuing service's field names to the form's.
var ruleFields = map[string]string{
	"name": "name", "eventType": "eventType", "courseId": "courseId", "minScore": "minScore",
	"achievementId": "achievement", "narrative": "narrative",
}

// recentEvents is how many events the rules page shows.
const recentEvents = 10

func (h *Handler) showRules(w http.ResponseWriter, r *http.Request, a *actor, status int, p *rulesPage, notice string) {
	ctx := r.Context()
	var err error
	if p.Achievements, err = h.store.Achievements(ctx, a.Org.ID, ""); err != nil {
		h.fail(w, r, a, err)
		return
	}
	names := achievementNames(p.Achievements)
	p.Types = eventTypes
	if p.Form.ID != "" {
		h.render(w, r, status, "rule.html", view{Title: p.Form.Name, Actor: a, Nav: "rules", Notice: notice, Data: p})
		return
	}
	rs, err := h.store.Rules(ctx, a.Org.ID)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	for _, ru := range rs {
		p.Rules = append(p.Rules, ruleRow{Rule: ru, Achievement: names[ru.AchievementID], When: rules.Describe(ru)})
	}
	evs, _, err := h.store.Events(ctx, cairn.EventFilter{OrgID: a.Org.ID, Limit: recentEvents})
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.Events = eventRows(evs, names)
	h.render(w, r, status, "rules.html", view{Title: h.t(r, a, "Rules"), Actor: a, Nav: "rules", Notice: notice, Data: p})
}

func achievementNames(as []*cairn.Achievement) map[string]string {
	names := make(map[string]string, len(as))
	for _, a := range as {
		names[a.ID] = a.Name
	}
	return names
}

// rulesList lists the organization's rules, with the form for a new one
// and the latest events.
func (h *Handler) rulesList(w http.ResponseWriter, r *http.Request, a *actor) {
	notice := map[string]string{
		"created": "The rule is created: events that match it from now on earn its achievement.",
		"deleted": "The rule is deleted. Awards it made stay, and so does the record of the events it matched.",
		"enabled": "The rule is enabled.", "disabled": "The rule is disabled: events no longer earn its achievement.",
	}[r.URL.Query().Get("done")]
	h.showRules(w, r, a, http.StatusOK, &rulesPage{Form: ruleForm{Enabled: true, EventType: eventTypes[0]}}, h.t(r, a, notice))
}

// ruleEdit shows a rule's form (read-only for viewers).
func (h *Handler) ruleEdit(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	ru, err := h.store.Rule(r.Context(), a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	f := ruleForm{ID: ru.ID, Name: ru.Name, EventType: ru.EventType, CourseID: ru.CourseID, Achievement: ru.AchievementID,
		Narrative: ru.Narrative, Enabled: ru.Enabled}
	if ru.MinScore != nil {
		f.MinScore = rules.FormatScore(*ru.MinScore)
	}
	notice := ""
	if r.URL.Query().Get("done") == "saved" {
		notice = h.t(r, a, "The changes are saved. Events received before keep what they earned.")
	}
	h.showRules(w, r, a, http.StatusOK, &rulesPage{Form: f}, notice)
}

// readRuleForm reads the posted form, and the minimum score it holds.
func readRuleForm(r *http.Request) (ruleForm, *float64, fieldErrors) {
	f := ruleForm{Name: strings.TrimSpace(r.PostFormValue("name")), EventType: strings.TrimSpace(r.PostFormValue("eventType")),
		CourseID: strings.TrimSpace(r.PostFormValue("courseId")), MinScore: strings.TrimSpace(r.PostFormValue("minScore")),
		Achievement: r.PostFormValue("achievement"), Narrative: r.PostFormValue("narrative"), Enabled: r.PostFormValue("enabled") == "on"}
	var errs fieldErrors
	var min *float64
	if f.MinScore != "" {
		v, err := strconv.ParseFloat(f.MinScore, 64)
		if err != nil {
			errs = errs.add("minScore", "Give a percentage from 0 to 100, or leave it empty for any score.")
		} else {
			min = &v
		}
	}
	return f, min, errs
}

// ruleCreate makes a rule from the form.
func (h *Handler) ruleCreate(w http.ResponseWriter, r *http.Request, a *actor) {
	f, min, errs := readRuleForm(r)
	if errs.Any() {
		h.showRules(w, r, a, http.StatusBadRequest, &rulesPage{Form: f, Errors: errs}, "")
		return
	}
	_, err := h.svc.CreateRule(r.Context(), a.Org.ID, issuing.RuleInput{Name: f.Name, EventType: f.EventType, CourseID: f.CourseID,
		MinScore: min, AchievementID: f.Achievement, Narrative: f.Narrative, Enabled: &f.Enabled})
	if err != nil {
		if errs, ok := fromError(err, ruleFields); ok {
			h.showRules(w, r, a, http.StatusBadRequest, &rulesPage{Form: f, Errors: errs}, "")
			return
		}
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/rules?done=created")
}

// ruleUpdate saves a rule's form.
func (h *Handler) ruleUpdate(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	f, min, errs := readRuleForm(r)
	f.ID = id
	if errs.Any() {
		h.showRules(w, r, a, http.StatusBadRequest, &rulesPage{Form: f, Errors: errs}, "")
		return
	}
	_, err = h.svc.UpdateRule(r.Context(), a.Org.ID, id, issuing.RulePatch{Name: &f.Name, EventType: &f.EventType, CourseID: &f.CourseID,
		MinScore: min, MinScoreSet: true, AchievementID: &f.Achievement, Narrative: &f.Narrative, Enabled: &f.Enabled})
	if err != nil {
		if errs, ok := fromError(err, ruleFields); ok {
			h.showRules(w, r, a, http.StatusBadRequest, &rulesPage{Form: f, Errors: errs}, "")
			return
		}
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/rules/"+id+"?done=saved")
}

// ruleEnable enables (enabled=on) or disables a rule.
func (h *Handler) ruleEnable(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	on := r.PostFormValue("enabled") == "on"
	if _, err := h.svc.UpdateRule(r.Context(), a.Org.ID, id, issuing.RulePatch{Enabled: &on}); err != nil {
		h.fail(w, r, a, err)
		return
	}
	done := "disabled"
	if on {
		done = "enabled"
	}
	h.redirect(w, r, "/admin/rules?done="+done)
}

// ruleDelete deletes a rule.
func (h *Handler) ruleDelete(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	if err := h.svc.DeleteRule(r.Context(), a.Org.ID, id); err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/rules?done=deleted")
}

// eventRow is one received event in a list.
type eventRow struct {
	*cairn.Event
	Course  string // course and score, in words
	Awards  []eventAward
	Matched []string // names of the rules it matched
}

// eventAward is an award an event made.
type eventAward struct{ ID, Achievement string }

// OutcomeLabel is the outcome as the list shows it.
func (r eventRow) OutcomeLabel() string {
	return map[cairn.EventOutcome]string{cairn.EventAwarded: "Awarded", cairn.EventNoMatch: "No rule matched",
		cairn.EventFailed: "Error", cairn.EventPending: "Pending"}[r.Outcome]
}

// OutcomeClass is the pill style of the outcome.
func (r eventRow) OutcomeClass() string {
	return map[cairn.EventOutcome]string{cairn.EventAwarded: "Active", cairn.EventNoMatch: "Expired",
		cairn.EventFailed: "Revoked", cairn.EventPending: "Suspended"}[r.Outcome]
}

func eventRows(evs []*cairn.Event, names map[string]string) []eventRow {
	out := make([]eventRow, 0, len(evs))
	for _, e := range evs {
		row := eventRow{Event: e, Course: e.CourseID}
		if e.Score != nil {
			if row.Course != "" {
				row.Course += ", "
			}
			row.Course += "score " + rules.FormatScore(*e.Score)
		}
		for _, m := range e.Matches {
			row.Matched = append(row.Matched, m.RuleName)
			if m.AwardID != "" {
				row.Awards = append(row.Awards, eventAward{ID: m.AwardID, Achievement: names[m.AchievementID]})
			}
		}
		out = append(out, row)
	}
	return out
}

// eventsPage is the data of the events page.
type eventsPage struct {
	Rows        []eventRow
	Outcome     string
	Outcomes    []cairn.EventOutcome
	Next, First string
	Errors      fieldErrors
}

// eventPageSize is how many events a page of the list shows.
const eventPageSize = 25

// eventList lists the events the organization received, newest first,
// with what each led to.
func (h *Handler) eventList(w http.ResponseWriter, r *http.Request, a *actor) {
	ctx := r.Context()
	q := r.URL.Query()
	p := eventsPage{Outcome: q.Get("outcome"),
		Outcomes: []cairn.EventOutcome{cairn.EventAwarded, cairn.EventNoMatch, cairn.EventFailed, cairn.EventPending}}
	f := cairn.EventFilter{OrgID: a.Org.ID, Limit: eventPageSize, Cursor: q.Get("cursor"), Outcome: cairn.EventOutcome(p.Outcome)}
	if p.Outcome != "" && !f.Outcome.Valid() {
		p.Errors = p.Errors.add("outcome", "Choose an outcome from the list.")
	}
	if len(f.Cursor) > 200 {
		p.Errors = p.Errors.add("", "This page link is not valid: start from the first page.")
	}
	if p.Errors.Any() {
		h.render(w, r, http.StatusBadRequest, "events.html", view{Title: h.t(r, a, "Events"), Actor: a, Nav: "events", Data: p})
		return
	}
	evs, next, err := h.store.Events(ctx, f)
	if cairn.KindOf(err) == cairn.Invalid {
		p.Errors = p.Errors.add("", "This page link is not valid: start from the first page.")
		h.render(w, r, http.StatusBadRequest, "events.html", view{Title: h.t(r, a, "Events"), Actor: a, Nav: "events", Data: p})
		return
	}
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	achs, err := h.store.Achievements(ctx, a.Org.ID, "")
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.Rows = eventRows(evs, achievementNames(achs))
	link := func(cursor string) string {
		v := url.Values{}
		if p.Outcome != "" {
			v.Set("outcome", p.Outcome)
		}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		if len(v) == 0 {
			return h.path("/admin/events")
		}
		return h.path("/admin/events?" + v.Encode())
	}
	if next != "" {
		p.Next = link(next)
	}
	if f.Cursor != "" {
		p.First = link("")
	}
	h.render(w, r, http.StatusOK, "events.html", view{Title: h.t(r, a, "Events"), Actor: a, Nav: "events", Data: p})
}
