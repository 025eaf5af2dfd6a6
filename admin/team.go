package admin

import (
	"errors"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/team"
)

// teamPage is the data of the Team page.
type teamPage struct {
	Members []*store.Member
	Pending []*store.Invitation
	Roles   []cairn.Role
	// What the invitation form holds after a post.
	Email  string
	Role   cairn.Role
	Errors fieldErrors
	// Link is a new invitation's link, shown once (the only way to pass it
	// on when mail is off).
	Link, LinkEmail string
	MailOff         bool
	Self            string // the actor's account id
}

var teamRoles = cairn.Roles

func (h *Handler) loadTeam(r *http.Request, a *actor, p *teamPage) error {
	ctx := r.Context()
	var err error
	if p.Members, err = h.team.Members(ctx, a.Org.ID); err != nil {
		return err
	}
	if a.Role.Can(cairn.ActionManageMembers) {
		if p.Pending, err = h.team.Pending(ctx, a.Org.ID); err != nil {
			return err
		}
	}
	p.Roles, p.MailOff, p.Self = teamRoles, h.team.MailOff(), a.Account.ID
	if p.Role == "" {
		p.Role = cairn.RoleIssuer
	}
	return nil
}

func (h *Handler) showTeam(w http.ResponseWriter, r *http.Request, a *actor, status int, p *teamPage, notice string) {
	if err := h.loadTeam(r, a, p); err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.render(w, r, status, "team.html", view{Title: h.t(r, a, "Team"), Actor: a, Nav: "team", Notice: notice, Data: p})
}

// teamShow lists the members and the pending invitations.
func (h *Handler) teamShow(w http.ResponseWriter, r *http.Request, a *actor) {
	notice := map[string]string{
		"role":      "The role is changed. It applies from the member's next page.",
		"removed":   "The member is removed from %s.",
		"withdrawn": "The invitation is withdrawn: its link no longer works.",
	}[r.URL.Query().Get("done")]
	if r.URL.Query().Get("done") == "removed" {
		notice = h.t(r, a, notice, a.Org.Name)
	} else {
		notice = h.t(r, a, notice)
	}
	h.showTeam(w, r, a, http.StatusOK, &teamPage{}, notice)
}

// teamInvite sends an invitation.
func (h *Handler) teamInvite(w http.ResponseWriter, r *http.Request, a *actor) {
	p := &teamPage{Email: strings.TrimSpace(r.PostFormValue("email")), Role: cairn.Role(r.PostFormValue("role"))}
	in, link, err := h.team.Invite(r.Context(), a.Org, a.Account, p.Email, p.Role)
	if err != nil {
		fe, ok := fromError(err, map[string]string{"email": "email", "role": "role"})
		if !ok {
			h.fail(w, r, a, err)
			return
		}
		p.Errors = fe
		h.showTeam(w, r, a, http.StatusBadRequest, p, "")
		return
	}
	notice := h.t(r, a, "The invitation is sent to %s.", in.Email)
	if h.team.MailOff() {
		notice = h.t(r, a, "The invitation is made. Mail is off on this server: send %s the link below.", in.Email)
	}
	h.showTeam(w, r, a, http.StatusOK, &teamPage{Link: link, LinkEmail: in.Email}, notice)
}

// teamWithdraw withdraws a pending invitation.
func (h *Handler) teamWithdraw(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err == nil {
		err = h.team.Withdraw(r.Context(), a.Org.ID, id)
	}
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/team?done=withdrawn")
}

// teamRole changes a member's role.
func (h *Handler) teamRole(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err == nil {
		err = h.team.SetRole(r.Context(), a.Org.ID, id, cairn.Role(r.PostFormValue("role")))
	}
	if err != nil {
		h.teamRefused(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/team?done=role")
}

// teamRemove takes a member out of the organization.
func (h *Handler) teamRemove(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err == nil {
		err = h.team.Remove(r.Context(), a.Org.ID, id)
	}
	if err != nil {
		h.teamRefused(w, r, a, err)
		return
	}
	if id == a.Account.ID {
		h.redirect(w, r, "/admin")
		return
	}
	h.redirect(w, r, "/admin/team?done=removed")
}

// teamRefused shows the Team page with why a change was refused (the
// last owner, a bad role), or fails for anything else.
func (h *Handler) teamRefused(w http.ResponseWriter, r *http.Request, a *actor, err error) {
	switch cairn.KindOf(err) {
	case cairn.Conflict, cairn.Invalid:
		msg := strings.TrimPrefix(cairn.PublicMessage(err), cairn.FieldOf(err)+": ")
		p := &teamPage{}
		p.Errors = p.Errors.add("", capitalize(msg)+".")
		h.showTeam(w, r, a, http.StatusConflict, p, "")
	default:
		h.fail(w, r, a, err)
	}
}

// invitePage is the data of an invitation's page.
type invitePage struct {
	OrgName, Email string
	Role           cairn.Role
	Token          string // the form's CSRF token
	// LoggedIn is the account the browser is logged in as, if any.
	LoggedIn *cairn.Account
	// HasAccount: an account has the invited email (log in to accept).
	HasAccount bool
	Name       string
	Errors     fieldErrors
	Error      string
}

// loggedIn returns the account of the browser's session, or nil.
func (h *Handler) loggedIn(r *http.Request) *cairn.Account {
	hash, err := h.cookies.SessionHash(r)
	if err != nil {
		return nil
	}
	s, err := h.store.SessionByTokenHash(r.Context(), hash.String())
	if err != nil {
		return nil
	}
	acct, err := h.store.Account(r.Context(), s.AccountID)
	if err != nil {
		return nil
	}
	return acct
}

// invite loads an invitation's page; a link that is unknown, used or
// expired is answered with a page saying so.
func (h *Handler) invite(w http.ResponseWriter, r *http.Request) (*invitePage, bool) {
	token := r.PathValue("token")
	in, org, err := h.team.Invitation(r.Context(), token)
	if err != nil {
		status, text := http.StatusNotFound, "This invitation link is not known here. Check that the whole link was copied, or ask for a new invitation."
		if cairn.KindOf(err) == cairn.Conflict {
			status, text = http.StatusGone, capitalize(cairn.PublicMessage(err))+"."
		} else if cairn.KindOf(err) != cairn.NotFound {
			status, text = http.StatusServiceUnavailable, "The invitation could not be read. Try again in a few seconds."
			h.log.ErrorContext(r.Context(), "admin: invitation", "err", err)
		}
		if cairn.KindOf(err) != cairn.Conflict {
			text = h.t(r, nil, text)
		}
		h.render(w, r, status, "message.html", view{Title: h.t(r, nil, "Invitation"),
			Data: message{Heading: h.t(r, nil, "This invitation cannot be used"), Text: text, Link: h.path("/login"), LinkText: h.t(r, nil, "Log in")}})
		return nil, false
	}
	p := &invitePage{OrgName: org.Name, Email: in.Email, Role: in.Role, Token: h.loginToken(w, r), LoggedIn: h.loggedIn(r)}
	if _, err := h.store.AccountByEmail(r.Context(), in.Email); err == nil {
		p.HasAccount = true
	}
	return p, true
}

// inviteForm shows an invitation: accept as the logged-in account, log in
// first, or create the account.
func (h *Handler) inviteForm(w http.ResponseWriter, r *http.Request) {
	if p, ok := h.invite(w, r); ok {
		h.render(w, r, http.StatusOK, "invite.html", view{Title: h.t(r, nil, "Join %s", p.OrgName), Data: p})
	}
}

// inviteAccept accepts an invitation.
func (h *Handler) inviteAccept(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	p, ok := h.invite(w, r)
	if !ok {
		return
	}
	show := func(status int) {
		h.render(w, r, status, "invite.html", view{Title: h.t(r, nil, "Join %s", p.OrgName), Data: p})
	}
	if msg := h.checkPublicForm(r); msg != "" {
		p.Error = msg
		show(http.StatusForbidden)
		return
	}
	ctx := r.Context()
	token := r.PathValue("token")
	if p.LoggedIn != nil {
		if _, err := h.team.AcceptExisting(ctx, token, p.LoggedIn); err != nil {
			h.inviteError(w, r, p, err, show)
			return
		}
		h.chooseOrg(w, r)
		h.redirect(w, r, "/admin?welcome=1")
		return
	}
	p.Name = strings.TrimSpace(r.PostFormValue("name"))
	acct, _, err := h.team.AcceptNew(ctx, token, p.Name, r.PostFormValue("password"))
	if err != nil {
		h.inviteError(w, r, p, err, show)
		return
	}
	if err := h.startSession(w, r, acct); err != nil {
		h.log.ErrorContext(ctx, "admin: session after an invitation", "err", err)
		h.redirect(w, r, "/login")
		return
	}
	h.chooseOrg(w, r)
	h.redirect(w, r, "/admin?welcome=1")
}

// chooseOrg makes the invitation's organization the one worked in.
func (h *Handler) chooseOrg(w http.ResponseWriter, r *http.Request) {
	if in, _, err := h.team.Invitation(r.Context(), r.PathValue("token")); in != nil && (err == nil || cairn.KindOf(err) == cairn.Conflict) {
		http.SetCookie(w, &http.Cookie{Name: h.orgCookie(), Value: in.OrgID, Path: "/", Secure: h.cookies.Secure(),
			HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(auth.AbsoluteTimeout.Seconds())})
	}
}

func (h *Handler) inviteError(w http.ResponseWriter, r *http.Request, p *invitePage, err error, show func(int)) {
	switch cairn.KindOf(err) {
	case cairn.Invalid:
		fe, _ := fromError(err, map[string]string{"name": "name", "password": "password"})
		p.Errors = fe
		show(http.StatusBadRequest)
	case cairn.Conflict, cairn.Forbidden:
		p.Error = capitalize(cairn.PublicMessage(err)) + "."
		if cairn.FieldOf(err) == "email" {
			p.HasAccount = true
		}
		show(http.StatusConflict)
	default:
		h.log.ErrorContext(r.Context(), "admin: accepting an invitation", "err", err)
		p.Error = "The invitation could not be accepted because of a problem on our side. Try again later."
		show(http.StatusServiceUnavailable)
	}
}

// resetPage is the data of the password-reset pages.
type resetPage struct {
	Token  string // the form's CSRF token
	Email  string
	Sent   bool
	Errors fieldErrors
	Error  string
	// For the new-password form: whose password.
	For string
}

// resetRequestForm asks for the email to send a reset link to.
func (h *Handler) resetRequestForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "reset.html", view{Title: h.t(r, nil, "Reset your password"), Data: &resetPage{Token: h.loginToken(w, r)}})
}

// resetRequest sends a reset link, answering the same whether or not the
// email has an account.
func (h *Handler) resetRequest(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	p := &resetPage{Token: h.loginToken(w, r), Email: strings.TrimSpace(r.PostFormValue("email"))}
	show := func(status int) {
		h.render(w, r, status, "reset.html", view{Title: h.t(r, nil, "Reset your password"), Data: p})
	}
	if msg := h.checkPublicForm(r); msg != "" {
		p.Error = msg
		show(http.StatusForbidden)
		return
	}
	addr, err := auth.RemoteAddr(r)
	if err != nil {
		addr = netip.IPv6Unspecified()
	}
	err = h.team.RequestReset(i18n.NewContext(r.Context(), h.printer(r, nil).Lang), p.Email, addr)
	var rl *team.RateLimitError
	switch {
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(rl.RetryAfter.Seconds()))))
		p.Error = capitalize(rl.Error()) + "."
		show(http.StatusTooManyRequests)
	case cairn.KindOf(err) == cairn.Invalid:
		p.Errors = p.Errors.add("email", "This is not an email address.")
		show(http.StatusBadRequest)
	case err != nil:
		h.log.ErrorContext(r.Context(), "admin: password reset", "err", err)
		p.Error = "The link could not be sent because of a problem on our side. Try again later."
		show(http.StatusServiceUnavailable)
	default:
		p.Sent = true
		show(http.StatusOK)
	}
}

// resetAccount finds the account of a reset link, or answers a page
// saying the link cannot be used.
func (h *Handler) resetAccount(w http.ResponseWriter, r *http.Request) (*cairn.Account, bool) {
	acct, err := h.team.ResetAccount(r.Context(), r.PathValue("token"))
	if err != nil {
		status, text := http.StatusGone, "This link was used already, has expired (it works for an hour) or is not whole. Ask for a new one."
		if cairn.KindOf(err) != cairn.NotFound {
			status, text = http.StatusServiceUnavailable, "The link could not be checked. Try again in a few seconds."
			h.log.ErrorContext(r.Context(), "admin: reset link", "err", err)
		}
		h.render(w, r, status, "message.html", view{Title: h.t(r, nil, "Reset your password"),
			Data: message{Heading: h.t(r, nil, "This link cannot be used"), Text: h.t(r, nil, text), Link: h.path("/password-reset"), LinkText: h.t(r, nil, "Ask for a new link")}})
		return nil, false
	}
	return acct, true
}

// resetForm asks for the new password.
func (h *Handler) resetForm(w http.ResponseWriter, r *http.Request) {
	acct, ok := h.resetAccount(w, r)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "reset.html", view{Title: h.t(r, nil, "Choose a new password"), Data: &resetPage{Token: h.loginToken(w, r), For: acct.Email}})
}

// resetPost sets the new password and logs the browser in.
func (h *Handler) resetPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	acct, ok := h.resetAccount(w, r)
	if !ok {
		return
	}
	p := &resetPage{Token: h.loginToken(w, r), For: acct.Email}
	show := func(status int) {
		h.render(w, r, status, "reset.html", view{Title: h.t(r, nil, "Choose a new password"), Data: p})
	}
	if msg := h.checkPublicForm(r); msg != "" {
		p.Error = msg
		show(http.StatusForbidden)
		return
	}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("confirm") {
		p.Errors = p.Errors.add("confirm", "The two passwords differ.")
		show(http.StatusBadRequest)
		return
	}
	acct, err := h.team.Reset(r.Context(), r.PathValue("token"), password)
	switch {
	case cairn.KindOf(err) == cairn.Invalid:
		fe, _ := fromError(err, map[string]string{"password": "password"})
		p.Errors = fe
		show(http.StatusBadRequest)
		return
	case cairn.KindOf(err) == cairn.NotFound:
		h.resetAccount(w, r) // used meanwhile: say so
		return
	case err != nil:
		h.log.ErrorContext(r.Context(), "admin: setting a password", "err", err)
		p.Error = "The password could not be set because of a problem on our side. Try again later."
		show(http.StatusServiceUnavailable)
		return
	}
	if err := h.startSession(w, r, acct); err != nil {
		h.redirect(w, r, "/login")
		return
	}
	h.redirect(w, r, "/admin?done=password")
}
