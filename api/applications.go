package api

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/review"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/wallet"
)

// Applications and evidence review (package review): staff open an
// achievement to applications, list and read what was submitted, and
// approve, return or reject it; learners list their own applications.

func (s *Server) applicationRoutes() []route {
	return []route{
		{"PUT", "/achievements/{id}/applications", cairn.ActionManageAchievements, 0, s.needReview(s.putApplicationSettings)},
		{"GET", "/applications", cairn.ActionRead, 0, s.needReview(s.listApplications)},
		{"GET", "/applications/{id}", cairn.ActionRead, 0, s.needReview(s.getApplication)},
		{"GET", "/applications/{id}/files/{fileId}", cairn.ActionRead, 0, s.needReview(s.getApplicationFile)},
		{"POST", "/applications/{id}/approve", cairn.ActionReview, 0, s.needReview(s.approveApplication)},
		{"POST", "/applications/{id}/return", cairn.ActionReview, 0, s.needReview(s.returnApplication)},
		{"POST", "/applications/{id}/reject", cairn.ActionReview, 0, s.needReview(s.rejectApplication)},
	}
}

// needReview answers 503 when the server runs no applications.
func (s *Server) needReview(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		if s.Review == nil {
			return cairn.Errorf(cairn.Unavailable, "applications are not enabled on this server")
		}
		err := h(w, r, c)
		var rl *review.RateLimitError
		if errors.As(err, &rl) {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(rl.RetryAfter.Seconds())))))
			writeProblem(w, Problem{Type: "urn:cairn:problem:too-many-requests", Title: http.StatusText(http.StatusTooManyRequests),
				Status: http.StatusTooManyRequests, Detail: rl.Error()})
			return nil
		}
		return err
	}
}

type applicationSettingsInput struct {
	Open         *bool  `json:"open"`
	Instructions string `json:"instructions"`
	Anyone       bool   `json:"anyone"`
}

type applicationSettingsView struct {
	AchievementID string    `json:"achievementId"`
	Open          bool      `json:"open"`
	Anyone        bool      `json:"anyone"`
	Instructions  string    `json:"instructions"`
	ApplyURL      string    `json:"applyUrl"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

func (s *Server) putApplicationSettings(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in applicationSettingsInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Open == nil {
		return cairn.Invalidf("open", "is required: true to take applications, false to stop")
	}
	st, err := s.Review.SetSettings(r.Context(), c.orgID, id, review.Settings{Open: *in.Open, Instructions: in.Instructions, Anyone: in.Anyone})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, applicationSettingsView{AchievementID: st.AchievementID, Open: st.Open, Anyone: st.Anyone,
		Instructions: st.Instructions, ApplyURL: s.Review.ApplyURL(st.AchievementID), UpdatedAt: st.UpdatedAt})
}

type applicantView struct {
	Name          string `json:"name"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"emailVerified"`
	Wallet        bool   `json:"wallet"` // applied signed in to a wallet
}

type applicationFileView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	URL         string `json:"url,omitempty"` // staff: the file's API URL
}

type applicationEventView struct {
	At      time.Time `json:"at"`
	State   string    `json:"state"`
	By      string    `json:"by,omitempty"`
	Comment string    `json:"comment,omitempty"`
}

type applicationView struct {
	ID            string                `json:"id"`
	AchievementID string                `json:"achievementId"`
	State         string                `json:"state"`
	Applicant     applicantView         `json:"applicant"`
	Statement     string                `json:"statement"`
	URLs          []string              `json:"urls"`
	Files         []applicationFileView `json:"files"`
	// Items are what was given for the achievement's evidence
	// requirements: the link, the text, or the file's name.
	Items       []store.ApplicationItem `json:"items"`
	Consent     bool                    `json:"consent"`
	Comment     string                  `json:"comment,omitempty"`
	Results     []review.Score          `json:"results"`
	History     []applicationEventView  `json:"history"`
	AwardID     string                  `json:"awardId,omitempty"`
	ReviewedBy  string                  `json:"reviewedBy,omitempty"`
	CreatedAt   time.Time               `json:"createdAt"`
	SubmittedAt time.Time               `json:"submittedAt"`
	UpdatedAt   time.Time               `json:"updatedAt"`
}

// applicationViewOf is the JSON of an application; staff see who
// reviewed it and the files' API URLs.
func (s *Server) applicationViewOf(a *store.Application, staff bool) applicationView {
	if a.Items == nil {
		a.Items = []store.ApplicationItem{}
	}
	v := applicationView{ID: a.ID, AchievementID: a.AchievementID, State: string(a.State),
		Applicant: applicantView{Name: a.Name, Email: a.Email, EmailVerified: a.EmailVerified, Wallet: a.LearnerID != ""},
		Statement: a.Statement, URLs: a.URLs, Files: []applicationFileView{}, Items: a.Items, Consent: a.Consent, Comment: a.Comment,
		Results: []review.Score{}, History: []applicationEventView{}, AwardID: a.AwardID,
		CreatedAt: a.CreatedAt, SubmittedAt: a.SubmittedAt, UpdatedAt: a.UpdatedAt}
	if v.URLs == nil {
		v.URLs = []string{}
	}
	if staff {
		v.ReviewedBy = a.ReviewedBy
	}
	for _, f := range a.Files {
		fv := applicationFileView{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256}
		if staff {
			fv.URL = s.Service.URL(Prefix + "/applications/" + a.ID + "/files/" + f.ID)
		}
		v.Files = append(v.Files, fv)
	}
	for _, r := range a.Results {
		v.Results = append(v.Results, review.Score{ResultDescription: r.ResultDescription, Value: r.Value})
	}
	for _, e := range a.History {
		ev := applicationEventView{At: e.At, State: string(e.State), Comment: e.Comment}
		if staff {
			ev.By = e.By
		}
		v.History = append(v.History, ev)
	}
	return v
}

func (s *Server) listApplications(w http.ResponseWriter, r *http.Request, c *caller) error {
	q, err := query(r, "state", "achievementId", "limit", "cursor")
	if err != nil {
		return err
	}
	f := store.ApplicationFilter{OrgID: c.orgID, State: store.ApplicationState(q.Get("state")), AchievementID: q.Get("achievementId"),
		Limit: DefaultPageSize, Cursor: q.Get("cursor")}
	if f.State != "" && !f.State.Valid() {
		return badRequest("state", "%q: want submitted, returned, approved or rejected", f.State)
	}
	if f.AchievementID != "" && !validID(f.AchievementID) {
		return badRequest("achievementId", "%q is not an achievement id", f.AchievementID)
	}
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > MaxPageSize {
			return badRequest("limit", "%q: want a whole number from 1 to %d", v[0], MaxPageSize)
		}
		f.Limit = n
	}
	page, next, err := s.Review.List(r.Context(), f)
	if err != nil {
		if cairn.KindOf(err) == cairn.Invalid {
			return badRequest(cairn.FieldOf(err), "%s", strings.TrimPrefix(cairn.PublicMessage(err), cairn.FieldOf(err)+": "))
		}
		return err
	}
	items := make([]applicationView, 0, len(page))
	for _, a := range page {
		items = append(items, s.applicationViewOf(a, true))
	}
	body := map[string]any{"items": items, "next": nil}
	if next != "" {
		body["next"] = next
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", next)
		w.Header().Set("Link", "<"+s.Service.URL(Prefix+"/applications?"+nq.Encode())+`>; rel="next"`)
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) getApplication(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.Review.Get(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.applicationViewOf(a, true))
}

func (s *Server) getApplicationFile(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fileID := r.PathValue("fileId")
	if !validID(fileID) {
		return cairn.Errorf(cairn.NotFound, "no such file")
	}
	f, err := s.Review.File(r.Context(), c.orgID, id, fileID)
	if err != nil {
		return err
	}
	review.ServeFile(w, f)
	return nil
}

// reviewer names who decides: the account's email, or the API key.
func (s *Server) reviewer(r *http.Request, c *caller) string {
	if c.apiKey != nil {
		return "API key " + c.apiKey.Name
	}
	if acct, err := s.Store.Account(r.Context(), c.accountID); err == nil {
		return acct.Email
	}
	return c.accountID
}

type approveInput struct {
	Results []review.Score `json:"results"`
	Comment string         `json:"comment"`
}

type decisionView struct {
	Application applicationView `json:"application"`
	Award       *awardView      `json:"award,omitempty"`
}

func (s *Server) approveApplication(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in approveInput
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	a, aw, err := s.Review.Approve(r.Context(), c.orgID, id, s.reviewer(r, c), in.Results, in.Comment)
	if err != nil {
		return err
	}
	av := s.awardView(aw, false)
	return writeJSON(w, http.StatusOK, decisionView{Application: s.applicationViewOf(a, true), Award: &av})
}

type returnInput struct {
	Comment string `json:"comment"`
}

type rejectInput struct {
	Reason string `json:"reason"`
}

func (s *Server) returnApplication(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in returnInput
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	a, err := s.Review.Return(r.Context(), c.orgID, id, s.reviewer(r, c), in.Comment)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, decisionView{Application: s.applicationViewOf(a, true)})
}

func (s *Server) rejectApplication(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in rejectInput
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	a, err := s.Review.Reject(r.Context(), c.orgID, id, s.reviewer(r, c), in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, decisionView{Application: s.applicationViewOf(a, true)})
}

// learnerApplications serves GET /api/v1/learner/applications: the
// learner's applications, most recently changed first.
func (s *Server) learnerApplications(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	if s.Review == nil {
		return cairn.Errorf(cairn.Unavailable, "applications are not enabled on this server")
	}
	q, err := query(r, "state", "limit", "cursor")
	if err != nil {
		return err
	}
	f := store.ApplicationFilter{LearnerID: p.Learner.ID, State: store.ApplicationState(q.Get("state")), Limit: DefaultPageSize, Cursor: q.Get("cursor")}
	if f.State != "" && !f.State.Valid() {
		return badRequest("state", "%q: want submitted, returned, approved or rejected", f.State)
	}
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > MaxPageSize {
			return badRequest("limit", "%q: want a whole number from 1 to %d", v[0], MaxPageSize)
		}
		f.Limit = n
	}
	page, next, err := s.Review.List(r.Context(), f)
	if err != nil {
		if cairn.KindOf(err) == cairn.Invalid {
			return badRequest(cairn.FieldOf(err), "%s", strings.TrimPrefix(cairn.PublicMessage(err), cairn.FieldOf(err)+": "))
		}
		return err
	}
	items := make([]applicationView, 0, len(page))
	for _, a := range page {
		items = append(items, s.applicationViewOf(a, false))
	}
	body := map[string]any{"items": items, "next": nil}
	if next != "" {
		body["next"] = next
	}
	return writeJSON(w, http.StatusOK, body)
}
