package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/review"
	"github.com/cairn-badges/cairn/store"
)

// The applications pages: the review queue (/admin/applications), one
// application's evidence with the rubric and the decisions, its files,
// and the achievement page's card that opens it to applications.
// Reviewing is issuing (cairn.ActionIssue: issuers and owners).

var appStates = []store.ApplicationState{store.AppSubmitted, store.AppReturned, store.AppApproved, store.AppRejected}

type appRow struct {
	*store.Application
	Achievement string
}

type appListPage struct {
	Achievements []*cairn.Achievement
	States       []store.ApplicationState
	Achievement  string
	State        string
	Rows         []appRow
	Next, First  string
	Errors       fieldErrors
}

// applicationList is the review queue: submitted applications first by
// default, filtered by state and achievement.
func (h *Handler) applicationList(w http.ResponseWriter, r *http.Request, a *actor) {
	ctx := r.Context()
	q := r.URL.Query()
	p := appListPage{States: appStates, Achievement: q.Get("achievement"), State: q.Get("state")}
	if _, ok := q["state"]; !ok {
		p.State = string(store.AppSubmitted)
	}
	var err error
	if p.Achievements, err = h.store.Achievements(ctx, a.Org.ID, ""); err != nil {
		h.fail(w, r, a, err)
		return
	}
	names := map[string]string{}
	for _, ach := range p.Achievements {
		names[ach.ID] = ach.Name
	}
	f := store.ApplicationFilter{OrgID: a.Org.ID, Limit: 50, Cursor: q.Get("cursor")}
	if p.Achievement != "" {
		if !validID(p.Achievement) {
			p.Errors = p.Errors.add("achievement", "No such achievement.")
		}
		f.AchievementID = p.Achievement
	}
	if p.State != "" {
		if !store.ApplicationState(p.State).Valid() {
			p.Errors = p.Errors.add("state", "Choose submitted, returned, approved or rejected.")
		}
		f.State = store.ApplicationState(p.State)
	}
	status := http.StatusOK
	if p.Errors.Any() {
		status = http.StatusBadRequest
	} else {
		page, next, err := h.review.List(ctx, f)
		if cairn.KindOf(err) == cairn.Invalid {
			p.Errors, status = p.Errors.add("", "This page link is not valid any more. Start from the first page."), http.StatusBadRequest
		} else if err != nil {
			h.fail(w, r, a, err)
			return
		}
		for _, app := range page {
			p.Rows = append(p.Rows, appRow{Application: app, Achievement: names[app.AchievementID]})
		}
		if next != "" {
			nq := url.Values{"cursor": {next}, "state": {p.State}}
			if p.Achievement != "" {
				nq.Set("achievement", p.Achievement)
			}
			p.Next = h.path("/admin/applications?" + nq.Encode())
		}
		if f.Cursor != "" {
			p.First = h.path("/admin/applications?" + url.Values{"state": {p.State}, "achievement": {p.Achievement}}.Encode())
		}
	}
	h.render(w, r, status, "applications.html", view{Title: h.t(r, a, "Applications"), Actor: a, Nav: "applications", Data: p})
}

// appPage is the data of an application's review page.
type appPage struct {
	App         *store.Application
	Achievement *cairn.Achievement
	Rubric      []rubricRow
	Comment     string // the approval comment as typed
	ReturnText  string
	RejectText  string
	Errors      fieldErrors
	// Evidence links as the award will carry them.
	EvidenceURL func(string) string
}

// rubricRow is a rubric field with what was chosen.
type rubricRow struct {
	review.RubricField
	Value string
}

func (h *Handler) loadApplication(w http.ResponseWriter, r *http.Request, a *actor) (*appPage, bool) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return nil, false
	}
	app, err := h.review.Get(r.Context(), a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return nil, false
	}
	ach, err := h.store.Achievement(r.Context(), a.Org.ID, app.AchievementID)
	if err != nil {
		h.fail(w, r, a, err)
		return nil, false
	}
	p := &appPage{App: app, Achievement: ach, EvidenceURL: h.review.EvidenceURL}
	for _, f := range review.Rubric(ach) {
		row := rubricRow{RubricField: f}
		for _, res := range app.Results {
			if res.ResultDescription == f.ID {
				row.Value = res.Value
			}
		}
		p.Rubric = append(p.Rubric, row)
	}
	return p, true
}

func (h *Handler) showApplication(w http.ResponseWriter, r *http.Request, a *actor, status int, p *appPage, notice string) {
	h.render(w, r, status, "application.html", view{Title: "Application for " + p.Achievement.Name, Actor: a, Nav: "applications", Notice: notice, Data: p})
}

// applicationShow shows the evidence, the history and the decisions.
func (h *Handler) applicationShow(w http.ResponseWriter, r *http.Request, a *actor) {
	p, ok := h.loadApplication(w, r, a)
	if !ok {
		return
	}
	notice := map[string]string{
		"approved": "Approved: the badge is issued to " + p.App.Email + ".",
		"returned": "Returned: the applicant sees your comments and can submit again.",
		"rejected": "Rejected: the applicant sees the reason.",
	}[r.URL.Query().Get("done")]
	h.showApplication(w, r, a, http.StatusOK, p, notice)
}

// applicationDecide approves, returns or rejects (the path's {decision}).
func (h *Handler) applicationDecide(w http.ResponseWriter, r *http.Request, a *actor) {
	p, ok := h.loadApplication(w, r, a)
	if !ok {
		return
	}
	ctx := r.Context()
	by := a.Account.Email
	var err error
	fields := map[string]string{"comment": "comment", "reason": "reason", "results": "result0"}
	switch r.PathValue("decision") {
	case "approve":
		p.Comment = r.PostFormValue("comment")
		var scores []review.Score
		for i := range p.Rubric {
			p.Rubric[i].Value = strings.TrimSpace(r.PostFormValue("result" + strconv.Itoa(i)))
			scores = append(scores, review.Score{ResultDescription: p.Rubric[i].ID, Value: p.Rubric[i].Value})
			fields["results["+strconv.Itoa(i)+"]"] = "result" + strconv.Itoa(i)
		}
		_, _, err = h.review.Approve(ctx, a.Org.ID, p.App.ID, by, scores, p.Comment)
	case "return":
		p.ReturnText = r.PostFormValue("comment")
		fields["comment"] = "returnComment"
		_, err = h.review.Return(ctx, a.Org.ID, p.App.ID, by, p.ReturnText)
	case "reject":
		p.RejectText = r.PostFormValue("reason")
		_, err = h.review.Reject(ctx, a.Org.ID, p.App.ID, by, p.RejectText)
	default:
		h.notFound(w, r, a)
		return
	}
	if err != nil {
		fe, ok := fromError(err, fields)
		if !ok {
			h.fail(w, r, a, err)
			return
		}
		p.Errors = fe
		status := http.StatusBadRequest
		if cairn.KindOf(err) == cairn.Conflict {
			status = http.StatusConflict
		}
		h.showApplication(w, r, a, status, p, "")
		return
	}
	done := map[string]string{"approve": "approved", "return": "returned", "reject": "rejected"}[r.PathValue("decision")]
	h.redirect(w, r, "/admin/applications/"+p.App.ID+"?done="+done)
}

// applicationFile serves an evidence file to the organization's staff.
func (h *Handler) applicationFile(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	fileID := r.PathValue("file")
	if err == nil && !validID(fileID) {
		err = cairn.Errorf(cairn.NotFound, "no such file")
	}
	var f *store.ApplicationFile
	if err == nil {
		f, err = h.review.File(r.Context(), a.Org.ID, id, fileID)
	}
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	review.ServeFile(w, f)
}

// achievementApplications saves the achievement page's applications card.
func (h *Handler) achievementApplications(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	in := review.Settings{Open: r.PostFormValue("open") != "", Anyone: r.PostFormValue("anyone") != "", Instructions: r.PostFormValue("instructions")}
	if _, err := h.review.SetSettings(r.Context(), a.Org.ID, id, in); err != nil {
		h.fail(w, r, a, err) // Invalid (instructions too long) is a 400 page saying why
		return
	}
	h.redirect(w, r, "/admin/achievements/"+id+"?done=applications#applications")
}
