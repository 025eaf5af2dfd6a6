package admin

import (
	"cmp"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
)

// actor is who a page acts for: the logged-in account, its session, and
// the organization it works in with its role there.
type actor struct {
	session *cairn.Session
	Account *cairn.Account
	Org     *cairn.Organization
	Role    cairn.Role
	Orgs    []*cairn.Organization // every organization the account belongs to, by name
}

// Can reports whether the actor's role allows the action (for templates:
// {{if .Actor.Can "issue"}}).
func (a *actor) Can(action string) bool { return a.Role.Can(cairn.Action(action)) }

// orgCookie remembers which organization an account with several works in.
// It only chooses among the account's memberships, checked on every request.
func (h *Handler) orgCookie() string {
	if h.cookies.Secure() {
		return "__Host-cairn_org"
	}
	return "cairn_org"
}

// actionText says what an action is, for "your role may not …".
var actionText = map[cairn.Action]string{
	cairn.ActionRead:               "see this organization's data",
	cairn.ActionIssue:              "issue, re-issue or renew awards",
	cairn.ActionRevoke:             "revoke, suspend or reinstate awards",
	cairn.ActionManageAchievements: "create or change achievements",
	cairn.ActionManageAPIKeys:      "see, create or revoke API keys",
}

// page wraps a page handler: it caps the body, loads the session (or sends
// the browser to the login page), checks CSRF on POST, picks the
// organization and checks that the role allows action ("" for pages any
// logged-in account may use).
func (h *Handler) page(action cairn.Action, fn func(http.ResponseWriter, *http.Request, *actor)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody) // upload raised it already where needed
		}
		a, err := h.actor(w, r)
		if err != nil {
			if errors.Is(err, errLogin) {
				if r.Method == http.MethodGet {
					h.redirect(w, r, "/login?next="+url.QueryEscape(h.path(r.URL.RequestURI())))
					return
				}
				h.render(w, r, http.StatusUnauthorized, "message.html", view{Title: "Log in again",
					Data: message{Heading: "Your session has ended", Text: "Log in again, then repeat what you were doing.",
						Link: h.path("/login"), LinkText: "Log in"}})
				return
			}
			if a != nil && a.Org == nil {
				a = nil // no organization to show in the header
			}
			h.fail(w, r, a, err)
			return
		}
		if r.Method == http.MethodPost {
			var err error
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
				err = r.ParseMultipartForm(maxUploadBody)
			} else {
				err = r.ParseForm()
			}
			if err != nil {
				status, text := http.StatusBadRequest, "The form could not be read. Go back, reload the page and try again."
				if isMaxBytes(err) {
					status, text = http.StatusRequestEntityTooLarge, "The form is too large (an image may be at most 2 MiB). Go back and try again."
				}
				h.render(w, r, status, "message.html", view{Title: "Form refused", Actor: a,
					Data: message{Heading: "Form refused", Text: text, Link: h.path("/admin"), LinkText: "Back to the dashboard"}})
				return
			}
		}
		if err := auth.CheckCSRF(r, &auth.Session{CSRF: a.session.CSRFToken}); err != nil {
			h.render(w, r, http.StatusForbidden, "message.html", view{Title: "Request refused", Actor: a,
				Data: message{Heading: "Request refused",
					Text: "This form did not come from this site's page, or the page was too old. Go back, reload the page and try again.",
					Link: h.path("/admin"), LinkText: "Back to the dashboard"}})
			return
		}
		if action != "" && !a.Role.Can(action) {
			h.fail(w, r, a, cairn.Errorf(cairn.Forbidden, "Your role in %s is %s: it may not %s. Ask an owner of the organization.",
				a.Org.Name, a.Role, actionText[action]))
			return
		}
		fn(w, r, a)
	})
}

// errLogin means the request has no valid session: log in.
var errLogin = errors.New("admin: not logged in")

// actor loads the request's session, account and organization.
func (h *Handler) actor(w http.ResponseWriter, r *http.Request) (*actor, error) {
	ctx := r.Context()
	hash, err := h.cookies.SessionHash(r)
	if err != nil {
		return nil, errLogin
	}
	s, err := h.store.SessionByTokenHash(ctx, hash.String())
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, errLogin
	}
	if err != nil {
		return nil, err
	}
	if !h.now().Before(s.ExpiresAt) {
		return nil, errLogin
	}
	if h.team != nil {
		// Idle too long: the session ends (the next login starts another).
		if h.now().Sub(s.LastSeenAt) >= h.idle {
			_ = h.store.DeleteSession(ctx, s.ID)
			return nil, errLogin
		}
		h.team.Touch(ctx, s)
	}
	acct, err := h.store.Account(ctx, s.AccountID)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, errLogin
	}
	if err != nil {
		return nil, err
	}
	a := &actor{session: s, Account: acct}
	ms, err := h.store.AccountMemberships(ctx, acct.ID)
	if err == nil {
		ms, err = h.ssoScope(ctx, s, ms)
	}
	if err != nil {
		return a, err
	}
	if len(ms) == 0 {
		return a, cairn.Errorf(cairn.Forbidden, "Your account is not a member of any organization. Ask an owner to add you.")
	}
	roles := make(map[string]cairn.Role, len(ms))
	for _, m := range ms {
		org, err := h.store.Organization(ctx, m.OrgID)
		if err != nil {
			return a, err
		}
		a.Orgs = append(a.Orgs, org)
		roles[org.ID] = m.Role
	}
	slices.SortFunc(a.Orgs, func(x, y *cairn.Organization) int {
		return cmp.Or(strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)), strings.Compare(x.ID, y.ID))
	})
	a.Org = a.Orgs[0]
	if c, err := r.Cookie(h.orgCookie()); err == nil {
		for _, o := range a.Orgs {
			if o.ID == c.Value {
				a.Org = o
			}
		}
	}
	a.Role = roles[a.Org.ID]
	return a, nil
}

// switchOrg chooses the organization to work in, among the account's.
func (h *Handler) switchOrg(w http.ResponseWriter, r *http.Request, a *actor) {
	id := r.PostFormValue("org")
	for _, o := range a.Orgs {
		if o.ID == id {
			http.SetCookie(w, &http.Cookie{Name: h.orgCookie(), Value: o.ID, Path: "/", Secure: h.cookies.Secure(),
				HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(auth.AbsoluteTimeout.Seconds())})
			h.redirect(w, r, "/admin")
			return
		}
	}
	h.fail(w, r, a, cairn.Errorf(cairn.NotFound, "no such organization"))
}
