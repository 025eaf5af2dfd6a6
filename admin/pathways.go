package admin

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/pathway"
)

// pathwayRow is one pathway in the list, with its completion counts.
type pathwayRow struct {
	Pathway                    *pathway.Pathway
	Goal                       string
	Active, Suspended, Revoked int
}

// pathwayList shows the organization's pathways and how many awards each
// gave.
func (h *Handler) pathwayList(w http.ResponseWriter, r *http.Request, a *actor) {
	if h.pathways == nil {
		h.notFound(w, r, a)
		return
	}
	ctx := r.Context()
	ps, err := h.pathways.Store().Pathways(ctx, a.Org.ID)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	counts, err := h.pathways.Store().PathwayCompletions(ctx, a.Org.ID)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	achs, err := h.store.Achievements(ctx, a.Org.ID, "")
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	names := map[string]string{}
	for _, ach := range achs {
		names[ach.ID] = ach.Name
	}
	rows := make([]pathwayRow, 0, len(ps))
	for _, p := range ps {
		c := counts[p.ID]
		rows = append(rows, pathwayRow{Pathway: p, Goal: names[p.AchievementID],
			Active: c[cairn.StateActive], Suspended: c[cairn.StateSuspended], Revoked: c[cairn.StateRevoked]})
	}
	h.render(w, r, http.StatusOK, "pathways.html", view{Title: "Pathways", Actor: a, Nav: "pathways", Notice: r.URL.Query().Get("notice"), Data: rows})
}

// pathwayForm is the data of the pathway builder: pick the badges and the
// rule type, or write the rule as JSON for nesting.
type pathwayForm struct {
	Achievements []*cairn.Achievement
	Name         string
	Description  string
	Goal         string   // achievementId
	Kind         string   // all, any, atLeast, credits
	Count        string   // N of atLeast, X of credits
	Picked       []string // achievement IDs
	Within       string
	MinScore     string
	NotExpired   bool
	AutoAward    bool
	RuleJSON     string
	Errors       fieldErrors
}

// Has reports whether an achievement is picked (for templates).
func (f *pathwayForm) Has(id string) bool { return slices.Contains(f.Picked, id) }

var pathwayFields = map[string]string{
	"name": "name", "description": "description", "achievementId": "goal",
}

func (h *Handler) pathwayNew(w http.ResponseWriter, r *http.Request, a *actor) {
	if h.pathways == nil {
		h.notFound(w, r, a)
		return
	}
	h.showPathwayForm(w, r, a, http.StatusOK, &pathwayForm{Kind: "all", AutoAward: true})
}

func (h *Handler) showPathwayForm(w http.ResponseWriter, r *http.Request, a *actor, status int, f *pathwayForm) {
	var err error
	if f.Achievements, err = h.store.Achievements(r.Context(), a.Org.ID, ""); err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.render(w, r, status, "pathway_new.html", view{Title: "New pathway", Actor: a, Nav: "pathways", Data: f})
}

// rule builds the rule the form describes.
func (f *pathwayForm) rule() (json.RawMessage, fieldErrors) {
	var errs fieldErrors
	if strings.TrimSpace(f.RuleJSON) != "" {
		return json.RawMessage(f.RuleJSON), nil
	}
	if len(f.Picked) == 0 {
		return nil, errs.add("picked", "Pick the badges of the pathway, or write its rule as JSON.")
	}
	var leaves []map[string]any
	for _, id := range f.Picked {
		l := map[string]any{"achievement": id}
		if f.Within != "" {
			l["within"] = f.Within
		}
		if f.MinScore != "" {
			v, err := strconv.ParseFloat(f.MinScore, 64)
			if err != nil {
				errs = errs.add("minScore", "Enter a number, e.g. 60.")
			}
			l["minScore"] = v
		}
		if f.NotExpired {
			l["notExpired"] = true
		}
		leaves = append(leaves, l)
	}
	rule := map[string]any{}
	switch f.Kind {
	case "any":
		rule["any"] = leaves
	case "atLeast", "credits":
		n, err := strconv.ParseFloat(f.Count, 64)
		if err != nil {
			return nil, errs.add("count", "Enter how many (at least N) or how many credits.")
		}
		rule[f.Kind], rule["of"] = n, leaves
	default:
		rule["all"] = leaves
	}
	b, _ := json.Marshal(rule)
	return b, errs
}

func (h *Handler) pathwayCreate(w http.ResponseWriter, r *http.Request, a *actor) {
	if h.pathways == nil {
		h.notFound(w, r, a)
		return
	}
	f := pathwayForm{
		Name: strings.TrimSpace(r.PostFormValue("name")), Description: r.PostFormValue("description"),
		Goal: r.PostFormValue("goal"), Kind: r.PostFormValue("kind"), Count: strings.TrimSpace(r.PostFormValue("count")),
		Picked: r.PostForm["picked"], Within: strings.TrimSpace(r.PostFormValue("within")),
		MinScore: strings.TrimSpace(r.PostFormValue("minScore")), NotExpired: r.PostFormValue("notExpired") != "",
		AutoAward: r.PostFormValue("autoAward") != "", RuleJSON: r.PostFormValue("ruleJson"),
	}
	rule, errs := f.rule()
	if f.Goal == "" {
		errs = errs.add("goal", "Choose the achievement the pathway earns.")
	}
	if errs.Any() {
		f.Errors = errs
		h.showPathwayForm(w, r, a, http.StatusBadRequest, &f)
		return
	}
	p, err := h.pathways.Create(r.Context(), a.Org.ID, issuing.PathwayInput{Name: f.Name, Description: f.Description,
		AchievementID: f.Goal, Rule: rule, AutoAward: f.AutoAward})
	if err != nil {
		fe, ok := fromError(err, pathwayFields)
		if !ok {
			h.fail(w, r, a, err)
			return
		}
		f.Errors = fe
		h.showPathwayForm(w, r, a, http.StatusBadRequest, &f)
		return
	}
	h.redirect(w, r, "/admin/pathways/"+p.ID)
}

// pathwayPage is the data of one pathway's staff page.
type pathwayPage struct {
	Pathway    *pathway.Pathway
	Goal       string
	RuleJSON   string
	Qualifying []issuing.Candidate
	ToIssue    int
	Counts     map[string]int // completions by state
}

// pathwayShow shows a pathway: its rule, its completion counts and who
// would qualify today.
func (h *Handler) pathwayShow(w http.ResponseWriter, r *http.Request, a *actor) {
	if h.pathways == nil {
		h.notFound(w, r, a)
		return
	}
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	ctx := r.Context()
	p, cs, err := h.pathways.Qualifying(ctx, a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	pg := pathwayPage{Pathway: p, Qualifying: cs}
	if ach, err := h.store.Achievement(ctx, a.Org.ID, p.AchievementID); err == nil {
		pg.Goal = ach.Name
	}
	b, _ := json.MarshalIndent(p.Rule, "", "  ")
	pg.RuleJSON = string(b)
	for _, c := range cs {
		if !c.Holds {
			pg.ToIssue++
		}
	}
	counts, err := h.pathways.Store().PathwayCompletions(ctx, a.Org.ID)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	pg.Counts = map[string]int{}
	for st, n := range counts[p.ID] {
		pg.Counts[string(st)] = n
	}
	h.render(w, r, http.StatusOK, "pathway.html", view{Title: p.Name, Actor: a, Nav: "pathways", Notice: r.URL.Query().Get("notice"), Data: pg})
}

// pathwayIssue issues the pathway's achievement to everyone who qualifies
// today and does not hold it.
func (h *Handler) pathwayIssue(w http.ResponseWriter, r *http.Request, a *actor) {
	if h.pathways == nil {
		h.notFound(w, r, a)
		return
	}
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	n, err := h.pathways.IssueQualifying(r.Context(), a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/pathways/"+id+"?notice="+strconv.Itoa(n)+"+awarded")
}
