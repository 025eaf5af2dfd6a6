package webui

import (
	"errors"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/review"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/wallet"
)

// Applications (package review): the public apply page of an achievement
// open to applications (/achievements/{id}/apply), the learner's
// applications in the wallet with their state and the reviewers'
// comments, resubmitting a returned one, and the published evidence files
// of approved awards (/evidence/{id}).

// WithReview adds the applications pages; call it before Register.
func (h *Handler) WithReview(r *review.Service) *Handler {
	h.review = r
	return h
}

func (h *Handler) registerApplications(mux *http.ServeMux) {
	if h.review == nil {
		return
	}
	mux.HandleFunc("GET /achievements/{id}/apply", h.applyForm)
	mux.HandleFunc("POST /achievements/{id}/apply", h.apply)
	mux.HandleFunc("GET /wallet/applications", h.applications)
	mux.HandleFunc("GET /wallet/applications/{id}", h.applicationPage)
	mux.HandleFunc("POST /wallet/applications/{id}", h.resubmit)
	mux.HandleFunc("GET /wallet/applications/{id}/files/{file}", h.applicationFile)
	mux.HandleFunc("GET /evidence/{id}", h.evidenceFile)
}

// applyPage is the data of the apply page and of the resubmit form.
type applyPage struct {
	Opening *review.Opening
	App     *store.Application // resubmitting
	Token   string             // the form's CSRF token
	Emails  []string           // the learner's confirmed addresses
	Signed  bool
	Name    string
	Email   string
	Text    string
	URLs    string
	Consent bool
	Keep    map[string]bool
	Errors  map[string]string
	Error   string
	Max     struct{ Files, MiB, URLs int }
	Done    *store.Application // submitted: the confirmation
	// Reqs are the achievement's evidence requirements, ItemValues what
	// was given for them (by requirement id).
	Reqs       []cairn.EvidenceRequirement
	ItemValues map[string]string
	// L translates the form's parts (evidence-items, evidence-fields).
	L *i18n.Printer
}

func (h *Handler) newApplyPage(op *review.Opening) *applyPage {
	ap := &applyPage{Opening: op, Errors: map[string]string{}, Keep: map[string]bool{}, ItemValues: map[string]string{}}
	if op != nil {
		ap.Reqs = op.Achievement.EvidenceRequirements
	}
	ap.Max.Files, ap.Max.MiB, ap.Max.URLs = review.MaxFiles, review.MaxFileSize>>20, review.MaxURLs
	return ap
}

// opening loads the achievement of the path, answering a page when it
// does not exist or takes no applications.
func (h *Handler) opening(w http.ResponseWriter, r *http.Request, p *wallet.Principal) (*review.Opening, bool) {
	op, err := h.review.Opening(r.Context(), r.PathValue("id"))
	if cairn.KindOf(err) == cairn.NotFound {
		h.message(w, r, http.StatusNotFound, p, "Not found", "There is no such achievement here.")
		return nil, false
	}
	if err != nil {
		h.fail(w, r, p, err)
		return nil, false
	}
	if !op.Settings.Open {
		h.say(w, r, http.StatusNotFound, p, "Not open to applications",
			h.t(r, "%s does not take applications now. Ask %s how to earn it.", op.Achievement.Name, op.Issuer.Name))
		return nil, false
	}
	return op, true
}

func (h *Handler) showApply(w http.ResponseWriter, r *http.Request, status int, p *wallet.Principal, ap *applyPage) {
	ap.Signed = p != nil
	if p != nil {
		ap.Token = p.Session.CSRFToken
		emails, err := h.w.Profile(r.Context(), p.Learner.ID)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		for _, e := range emails.Emails {
			if e.VerifiedAt != nil {
				ap.Emails = append(ap.Emails, e.Email)
			}
		}
	} else {
		ap.Token = h.formToken(w, r)
	}
	ap.L = h.printer(r)
	h.render(w, r, status, "apply.html", p, view{Title: h.t(r, "Apply for %s", ap.Opening.Achievement.Name), Data: ap})
}

func (h *Handler) applyForm(w http.ResponseWriter, r *http.Request) {
	p, err := h.principal(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	op, ok := h.opening(w, r, p)
	if !ok {
		return
	}
	ap := h.newApplyPage(op)
	if p != nil {
		ap.Email = p.Learner.Email
	}
	h.showApply(w, r, http.StatusOK, p, ap)
}

// readUpload parses an application form (multipart, capped at
// review.MaxBody) and checks its CSRF token: the session's when signed
// in, else the double-submit cookie's.
func (h *Handler) readUpload(w http.ResponseWriter, r *http.Request, p *wallet.Principal) (status int, msg string) {
	r.Body = http.MaxBytesReader(w, r.Body, review.MaxBody)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return http.StatusRequestEntityTooLarge, h.t(r, "The form is too large: at most %d files of %d MiB each.", review.MaxFiles, review.MaxFileSize>>20)
		}
		if err := r.ParseForm(); err != nil {
			return http.StatusBadRequest, h.t(r, "The form could not be read. Reload the page and try again.")
		}
	}
	tok := ""
	if p != nil {
		tok = p.Session.CSRFToken
	} else if c, err := r.Cookie(h.formCookie()); err == nil {
		tok = c.Value
	}
	if err := auth.CheckCSRF(r, &auth.Session{CSRF: tok}); err != nil {
		return http.StatusForbidden, h.t(r, "The form did not come from this site's page, or was too old. Reload the page and try again.")
	}
	return 0, ""
}

// uploads reads the form's files: each read up to one byte past the cap,
// so that a file too large is told apart without keeping it all.
func uploads(r *http.Request) ([]review.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []review.Upload
	for _, fh := range r.MultipartForm.File["files"] {
		if len(out) > review.MaxFiles {
			out = append(out, review.Upload{Name: fh.Filename, Size: fh.Size})
			continue
		}
		data, err := readPart(fh)
		if err != nil {
			return nil, err
		}
		out = append(out, review.Upload{Name: fh.Filename, Data: data, Size: fh.Size})
	}
	return out, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	if fh.Size > review.MaxFileSize {
		return nil, nil
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, review.MaxFileSize+1))
}

// readItems reads the form's fields for the evidence requirements
// (item-ID), keeping the links and texts in ap to show again.
func readItems(r *http.Request, ap *applyPage, sub *review.Submission) error {
	sub.Items, sub.ItemFiles = map[string]string{}, map[string]review.Upload{}
	for _, rq := range ap.Reqs {
		name := "item-" + rq.ID
		if rq.Kind != cairn.EvidenceFile {
			sub.Items[rq.ID] = r.PostFormValue(name)
			ap.ItemValues[rq.ID] = sub.Items[rq.ID]
			continue
		}
		if r.MultipartForm == nil || len(r.MultipartForm.File[name]) == 0 {
			continue
		}
		fh := r.MultipartForm.File[name][0]
		data, err := readPart(fh)
		if err != nil {
			return err
		}
		sub.ItemFiles[rq.ID] = review.Upload{Name: fh.Filename, Data: data, Size: fh.Size}
	}
	return nil
}

// splitURLs splits the links field: one per line (or space).
func splitURLs(s string) []string { return strings.Fields(s) }

// submissionError puts a review error next to its field, or answers a
// page; it reports whether the form should be shown again.
func (h *Handler) submissionError(w http.ResponseWriter, r *http.Request, p *wallet.Principal, ap *applyPage, err error) (int, bool) {
	var rl *review.RateLimitError
	switch {
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(rl.RetryAfter.Seconds())))))
		ap.Error = h.t(r, "Too many applications from your network. Try again in a few minutes.")
		return http.StatusTooManyRequests, true
	case cairn.KindOf(err) == cairn.Invalid:
		field := cairn.FieldOf(err)
		switch {
		case strings.HasPrefix(field, "urls"):
			field = "urls"
		case strings.HasPrefix(field, "files"):
			field = "files"
		}
		ap.Errors[field] = fieldText(err)
		return http.StatusBadRequest, true
	case cairn.KindOf(err) == cairn.Conflict, cairn.KindOf(err) == cairn.Forbidden:
		ap.Error = capitalize(cairn.PublicMessage(err)) + "."
		return statusOf(err), true
	}
	h.fail(w, r, p, err)
	return 0, false
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (h *Handler) apply(w http.ResponseWriter, r *http.Request) {
	p, err := h.principal(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	op, ok := h.opening(w, r, p)
	if !ok {
		return
	}
	ap := h.newApplyPage(op)
	if status, msg := h.readUpload(w, r, p); status != 0 {
		ap.Error = msg
		h.showApply(w, r, status, p, ap)
		return
	}
	ap.Name, ap.Email = strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("email"))
	ap.Text, ap.URLs, ap.Consent = r.PostFormValue("statement"), r.PostFormValue("urls"), r.PostFormValue("consent") != ""
	files, err := uploads(r)
	if err != nil {
		ap.Errors["files"] = h.t(r, "A file could not be read. Choose it again.")
		h.showApply(w, r, http.StatusBadRequest, p, ap)
		return
	}
	sub := review.Submission{Name: ap.Name, Email: ap.Email, Statement: ap.Text, URLs: splitURLs(ap.URLs), Files: files, Consent: ap.Consent}
	if err := readItems(r, ap, &sub); err != nil {
		ap.Errors["files"] = h.t(r, "A file could not be read. Choose it again.")
		h.showApply(w, r, http.StatusBadRequest, p, ap)
		return
	}
	if p != nil {
		sub.Learner = p.Learner
	}
	app, err := h.review.Submit(r.Context(), op.Achievement.ID, sub, clientAddr(r))
	if err != nil {
		if status, again := h.submissionError(w, r, p, ap, err); again {
			h.showApply(w, r, status, p, ap)
		}
		return
	}
	if p != nil {
		h.redirect(w, r, "/wallet/applications/"+app.ID+"?done=submitted")
		return
	}
	ap.Done = app
	h.showApply(w, r, http.StatusOK, nil, ap)
}

// The learner's applications

type appItem struct {
	*store.Application
	Achievement *cairn.Achievement
	Issuer      *cairn.Issuer
}

func (h *Handler) appItem(r *http.Request, a *store.Application) appItem {
	it := appItem{Application: a, Achievement: &cairn.Achievement{Name: h.t(r, "An achievement no longer offered")}, Issuer: &cairn.Issuer{}}
	if op, err := h.review.Opening(r.Context(), a.AchievementID); err == nil {
		it.Achievement, it.Issuer = op.Achievement, op.Issuer
	}
	return it
}

// recentApplications are the wallet page's applications (nil without
// review).
func (h *Handler) recentApplications(r *http.Request, p *wallet.Principal, n int) ([]appItem, error) {
	if h.review == nil {
		return nil, nil
	}
	page, _, err := h.review.List(r.Context(), store.ApplicationFilter{LearnerID: p.Learner.ID, Limit: n})
	if err != nil {
		return nil, err
	}
	var out []appItem
	for _, a := range page {
		out = append(out, h.appItem(r, a))
	}
	return out, nil
}

func (h *Handler) appSignedIn(w http.ResponseWriter, r *http.Request) (*wallet.Principal, bool) {
	p, err := h.principal(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return nil, false
	}
	if p == nil {
		h.redirect(w, r, "/wallet/signin?next="+r.URL.Path)
		return nil, false
	}
	return p, true
}

func (h *Handler) applications(w http.ResponseWriter, r *http.Request) {
	p, ok := h.appSignedIn(w, r)
	if !ok {
		return
	}
	items, err := h.recentApplications(r, p, 200)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "applications.html", p, view{Title: h.t(r, "My applications"), Data: items})
}

// appDetail is the data of an application's page in the wallet.
type appDetail struct {
	Item  appItem
	Form  *applyPage // resubmitting a returned application
	Score []scoreRow
}

type scoreRow struct{ Name, Value string }

func (h *Handler) showApplicationPage(w http.ResponseWriter, r *http.Request, p *wallet.Principal, status int, a *store.Application, form *applyPage, notice string) {
	d := appDetail{Item: h.appItem(r, a), Form: form}
	for _, res := range a.Results {
		name := res.ResultDescription
		for _, rd := range d.Item.Achievement.ResultDescriptions {
			if rd.ID == res.ResultDescription && rd.Name != "" {
				name = rd.Name
			}
		}
		d.Score = append(d.Score, scoreRow{Name: name, Value: res.Value})
	}
	if a.State == store.AppReturned && d.Form == nil {
		d.Form = h.newApplyPage(nil)
		d.Form.Text, d.Form.URLs, d.Form.Consent = a.Statement, strings.Join(a.URLs, "\n"), a.Consent
		for _, f := range a.Files {
			d.Form.Keep[f.ID] = true
		}
	}
	if d.Form != nil {
		d.Form.Token, d.Form.App, d.Form.L = p.Session.CSRFToken, a, h.printer(r)
		d.Form.Reqs = d.Item.Achievement.EvidenceRequirements
		for _, it := range a.Items {
			if _, ok := d.Form.ItemValues[it.ID]; !ok {
				d.Form.ItemValues[it.ID] = it.Value
			}
		}
	}
	h.render(w, r, status, "application.html", p, view{Title: h.t(r, "Application for %s", d.Item.Achievement.Name), Notice: h.t(r, notice), Data: d})
}

func (h *Handler) applicationPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.appSignedIn(w, r)
	if !ok {
		return
	}
	a, err := h.review.LearnerApplication(r.Context(), p.Learner.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	notice := map[string]string{
		"submitted":   "Your application is submitted. The issuer's assessors review it; its state shows here.",
		"resubmitted": "Your application is submitted again.",
	}[r.URL.Query().Get("done")]
	h.showApplicationPage(w, r, p, http.StatusOK, a, nil, notice)
}

func (h *Handler) resubmit(w http.ResponseWriter, r *http.Request) {
	p, err := h.principal(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	if p == nil {
		h.message(w, r, http.StatusUnauthorized, nil, "Sign in again", "Your session has ended. Sign in, then repeat what you were doing.")
		return
	}
	a, err := h.review.LearnerApplication(r.Context(), p.Learner.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	form := h.newApplyPage(nil)
	if status, msg := h.readUpload(w, r, p); status != 0 {
		form.Error = msg
		h.showApplicationPage(w, r, p, status, a, form, "")
		return
	}
	form.Text, form.URLs, form.Consent = r.PostFormValue("statement"), r.PostFormValue("urls"), r.PostFormValue("consent") != ""
	var keep []string
	for _, k := range r.PostForm["keep"] {
		keep = append(keep, k)
		form.Keep[k] = true
	}
	files, err := uploads(r)
	if err != nil {
		form.Errors["files"] = h.t(r, "A file could not be read. Choose it again.")
		h.showApplicationPage(w, r, p, http.StatusBadRequest, a, form, "")
		return
	}
	sub := review.Submission{Statement: form.Text, URLs: splitURLs(form.URLs), Files: files, Keep: keep, Consent: form.Consent}
	form.Reqs = h.appItem(r, a).Achievement.EvidenceRequirements
	if err := readItems(r, form, &sub); err != nil {
		form.Errors["files"] = h.t(r, "A file could not be read. Choose it again.")
		h.showApplicationPage(w, r, p, http.StatusBadRequest, a, form, "")
		return
	}
	_, err = h.review.Resubmit(r.Context(), p.Learner, a.ID, sub)
	if err != nil {
		if status, again := h.submissionError(w, r, p, form, err); again {
			h.showApplicationPage(w, r, p, status, a, form, "")
		}
		return
	}
	h.redirect(w, r, "/wallet/applications/"+a.ID+"?done=resubmitted")
}

// applicationFile serves a learner their own evidence file.
func (h *Handler) applicationFile(w http.ResponseWriter, r *http.Request) {
	p, ok := h.appSignedIn(w, r)
	if !ok {
		return
	}
	f, err := h.review.LearnerFile(r.Context(), p.Learner.ID, r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	review.ServeFile(w, f)
}

// evidenceFile serves a published evidence file: one of an approved
// application whose learner consented to publishing it.
func (h *Handler) evidenceFile(w http.ResponseWriter, r *http.Request) {
	f, err := h.review.PublicFile(r.Context(), r.PathValue("id"))
	if cairn.KindOf(err) == cairn.NotFound {
		http.Error(w, "no such evidence", http.StatusNotFound)
		return
	}
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	review.ServeFile(w, f)
}
