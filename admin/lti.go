package admin

import (
	"net/http"
	"strings"

	"github.com/cairn-badges/cairn/ltitool"
)

// ltiPage is the data of the learning platforms (LTI 1.3) page.
type ltiPage struct {
	Registrations []*ltitool.Registration
	Courses       []*ltitool.Course
	PlatformNames map[string]string // registration ID → name
	LoginURL      string
	LaunchURL     string
	JWKSURL       string
	In            ltitool.RegistrationInput
	Deployments   string // the form's, one per line
	Errors        fieldErrors
}

var ltiFields = map[string]string{"name": "lti-name", "issuer": "lti-issuer", "clientId": "lti-client", "deploymentIds": "lti-deployments",
	"authLoginUrl": "lti-auth", "authTokenUrl": "lti-token", "jwksUrl": "lti-jwks"}

var ltiNotices = map[string]string{
	"create":     "The platform is registered. Give it the tool's addresses below.",
	"delete":     "The platform is removed, with its connected courses.",
	"poll":       "The course's gradebook was read just now.",
	"pollfailed": "The course's gradebook could not be read: its row says why.",
	"disconnect": "The course is disconnected: its gradebook is no longer read.",
}

func (h *Handler) showLTI(w http.ResponseWriter, r *http.Request, a *actor, status int, p *ltiPage, notice string) {
	var err error
	if p.Registrations, err = h.lti.Registrations(r.Context(), a.Org.ID); err != nil {
		h.fail(w, r, a, err)
		return
	}
	if p.Courses, err = h.lti.Courses(r.Context(), a.Org.ID); err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.PlatformNames = map[string]string{}
	for _, reg := range p.Registrations {
		p.PlatformNames[reg.ID] = reg.Name
	}
	p.LoginURL, p.LaunchURL, p.JWKSURL = h.lti.LoginURL(), h.lti.LaunchURL(), h.lti.JWKSURL()
	h.render(w, r, status, "lti.html", view{Title: h.t(r, a, "Learning platforms"), Actor: a, Nav: "lti", Notice: notice, Data: p})
}

// ltiList shows the registered platforms, the connected courses and the
// registration form.
func (h *Handler) ltiList(w http.ResponseWriter, r *http.Request, a *actor) {
	h.showLTI(w, r, a, http.StatusOK, &ltiPage{}, h.t(r, a, ltiNotices[r.URL.Query().Get("done")]))
}

// ltiCreate registers a platform.
func (h *Handler) ltiCreate(w http.ResponseWriter, r *http.Request, a *actor) {
	p := &ltiPage{Deployments: r.PostFormValue("deploymentIds")}
	p.In = ltitool.RegistrationInput{Name: r.PostFormValue("name"), Issuer: r.PostFormValue("issuer"), ClientID: r.PostFormValue("clientId"),
		AuthLoginURL: r.PostFormValue("authLoginUrl"), AuthTokenURL: r.PostFormValue("authTokenUrl"), JWKSURL: r.PostFormValue("jwksUrl")}
	for _, d := range strings.FieldsFunc(p.Deployments, func(c rune) bool { return c == '\n' || c == ',' || c == '\r' }) {
		p.In.DeploymentIDs = append(p.In.DeploymentIDs, strings.TrimSpace(d))
	}
	if _, err := h.lti.Register(r.Context(), a.Org.ID, p.In); err != nil {
		var ok bool
		if p.Errors, ok = fromError(err, ltiFields); !ok {
			h.fail(w, r, a, err)
			return
		}
		h.showLTI(w, r, a, http.StatusBadRequest, p, "")
		return
	}
	h.redirect(w, r, "/admin/lti?done=create")
}

// ltiDelete removes a platform.
func (h *Handler) ltiDelete(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err == nil {
		err = h.lti.Delete(r.Context(), a.Org.ID, id)
	}
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/lti?done=delete")
}

// ltiPoll reads a connected course's gradebook now; the page shows the
// poll's outcome from the course's record.
func (h *Handler) ltiPoll(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	done := "poll"
	if err == nil {
		if _, err = h.lti.PollNow(r.Context(), a.Org.ID, id); err != nil {
			h.log.Warn("lti poll", "course", id, "err", err)
			if _, gone := h.lti.Course(r.Context(), a.Org.ID, id); gone == nil {
				err, done = nil, "pollfailed" // recorded on the course
			}
		}
	}
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/lti?done="+done)
}

// ltiDisconnect stops reading a course.
func (h *Handler) ltiDisconnect(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err == nil {
		err = h.lti.Disconnect(r.Context(), a.Org.ID, id)
	}
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/lti?done=disconnect")
}
