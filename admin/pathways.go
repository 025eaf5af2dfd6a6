package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/jobs"
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
	h.render(w, r, http.StatusOK, "pathways.html", view{Title: h.t(r, a, "Pathways"), Actor: a, Nav: "pathways", Notice: r.URL.Query().Get("notice"), Data: rows})
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
	// ID and Version are set when the form edits a pathway.
	ID      string
	Version int
}

// NextVersion is the version an edit makes (for templates).
func (f *pathwayForm) NextVersion() int { return f.Version + 1 }

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
	title := h.t(r, a, "New pathway")
	if f.ID != "" {
		title = h.t(r, a, "Edit %s", f.Name)
	}
	h.render(w, r, status, "pathway_new.html", view{Title: title, Actor: a, Nav: "pathways", Data: f})
}

// formOf fills the builder from a pathway: the badges and options of a
// rule the builder can make (one group, or one badge, of badges with the
// same options), else the rule as JSON.
func formOf(p *pathway.Pathway) *pathwayForm {
	f := &pathwayForm{ID: p.ID, Version: p.Version, Name: p.Name, Description: p.Description, Goal: p.AchievementID,
		AutoAward: p.AutoAward, Kind: "all"}
	r := p.Rule
	leaves := []pathway.Rule{*r}
	switch r.Kind() {
	case pathway.KindAll, pathway.KindAny, pathway.KindAtLeast, pathway.KindCredits:
		f.Kind, leaves = r.Kind(), r.Children()
		switch r.Kind() {
		case pathway.KindAtLeast:
			f.Count = strconv.Itoa(r.AtLeast)
		case pathway.KindCredits:
			f.Count = strconv.FormatFloat(r.Credits, 'f', -1, 64)
		}
	}
	simple := len(leaves) > 0
	for i, l := range leaves {
		if l.Kind() != pathway.KindAchievement {
			simple = false
			break
		}
		score := ""
		if l.MinScore != nil {
			score = strconv.FormatFloat(*l.MinScore, 'f', -1, 64)
		}
		if i == 0 {
			f.Within, f.MinScore, f.NotExpired = l.Within, score, l.NotExpired
		} else if l.Within != f.Within || score != f.MinScore || l.NotExpired != f.NotExpired {
			simple = false
			break
		}
		f.Picked = append(f.Picked, l.Achievement)
	}
	if !simple {
		b, _ := json.MarshalIndent(r, "", "  ")
		f.RuleJSON, f.Picked, f.Within, f.MinScore, f.NotExpired, f.Count, f.Kind = string(b), nil, "", "", false, "", "all"
	}
	return f
}

// readPathwayForm reads the builder's fields.
func readPathwayForm(r *http.Request) pathwayForm {
	return pathwayForm{
		Name: strings.TrimSpace(r.PostFormValue("name")), Description: r.PostFormValue("description"),
		Goal: r.PostFormValue("goal"), Kind: r.PostFormValue("kind"), Count: strings.TrimSpace(r.PostFormValue("count")),
		Picked: r.PostForm["picked"], Within: strings.TrimSpace(r.PostFormValue("within")),
		MinScore: strings.TrimSpace(r.PostFormValue("minScore")), NotExpired: r.PostFormValue("notExpired") != "",
		AutoAward: r.PostFormValue("autoAward") != "", RuleJSON: r.PostFormValue("ruleJson"),
	}
}

// pathwayEdit shows the builder filled with a pathway's current version.
func (h *Handler) pathwayEdit(w http.ResponseWriter, r *http.Request, a *actor) {
	if h.pathways == nil {
		h.notFound(w, r, a)
		return
	}
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	p, err := h.pathways.Store().Pathway(r.Context(), a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.showPathwayForm(w, r, a, http.StatusOK, formOf(p))
}

// pathwayUpdate saves the builder as a new version of the pathway.
func (h *Handler) pathwayUpdate(w http.ResponseWriter, r *http.Request, a *actor) {
	if h.pathways == nil {
		h.notFound(w, r, a)
		return
	}
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	cur, err := h.pathways.Store().Pathway(r.Context(), a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	f := readPathwayForm(r)
	f.ID, f.Version = cur.ID, cur.Version
	rule, errs := f.rule()
	if f.Goal == "" {
		errs = errs.add("goal", "Choose the achievement the pathway earns.")
	}
	if errs.Any() {
		f.Errors = errs
		h.showPathwayForm(w, r, a, http.StatusBadRequest, &f)
		return
	}
	p, err := h.pathways.Update(r.Context(), a.Org.ID, id, issuing.PathwayInput{Name: f.Name, Description: f.Description,
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
	h.redirect(w, r, "/admin/pathways/"+p.ID+"?notice="+url.QueryEscape("Saved as version "+strconv.Itoa(p.Version)+"."))
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
	f := readPathwayForm(r)
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
	Jobs       bool           // "issue to them" makes an award job
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
	pg := pathwayPage{Pathway: p, Qualifying: cs, Jobs: h.jobs != nil}
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
	if h.jobs == nil {
		n, err := h.pathways.IssueQualifying(r.Context(), a.Org.ID, id)
		if err != nil {
			h.fail(w, r, a, err)
			return
		}
		h.redirect(w, r, "/admin/pathways/"+id+"?notice="+strconv.Itoa(n)+"+awarded")
		return
	}
	// Through an award job: its page follows the progress, and each award
	// carries the pathway's idempotency key, so the pathway records it and
	// never issues it twice. The job's key is the set of learners, so a
	// second click makes no second job.
	p, ins, err := h.pathways.QualifyingAwards(r.Context(), a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	if len(ins) == 0 {
		h.redirect(w, r, "/admin/pathways/"+id+"?notice="+url.QueryEscape("Everyone who qualifies already holds it."))
		return
	}
	sum := sha256.New()
	for _, in := range ins {
		io.WriteString(sum, in.IdempotencyKey+"\n")
	}
	job, _, err := h.jobs.CreateFromAwards(r.Context(), a.Org.ID, jobs.Upload{
		FileName:       fmt.Sprintf("Pathway %q (version %d): the %d who qualify", p.Name, p.Version, len(ins)),
		AchievementID:  p.AchievementID,
		IdempotencyKey: "pathway-issue:" + hex.EncodeToString(sum.Sum(nil)),
		CreatedBy:      "account:" + a.Account.ID,
	}, ins)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/award-jobs/"+job.ID)
}
