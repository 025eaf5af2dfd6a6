// Package team lets an organization's owners bring colleagues in and
// lets staff recover their accounts: invitations by email with a role,
// accepted by a link (signing up, or with the account one has), role
// changes and removals that never leave an organization without an owner,
// and password resets by a single-use, expiring link (rate-limited). Mail
// goes through the outbox (kind OutboxKind); without SMTP the links are
// logged and, for invitations, shown to the inviter once. An invitation
// is written in the organization's default language (the invitee has none
// of their own yet), a password reset in the language of the request that
// asked for it ([i18n.NewContext]), else English.
package team

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/i18n"
	cmail "github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store"
)

// Lifetimes of the links.
const (
	InvitationTTL    = 7 * 24 * time.Hour
	PasswordResetTTL = time.Hour
)

// OutboxKind is the outbox kind of the mails this package sends.
const OutboxKind = "staff.mail"

// Service runs invitations and password resets.
type Service struct {
	db     *store.DB
	base   string
	mail   *cmail.Config // nil: links are logged
	sender cmail.Sender
	log    *slog.Logger
	now    func() time.Time
	// resets limits reset requests per email and per client address.
	resets *auth.Limiter
}

// Options configure a Service.
type Options struct {
	Mail   *cmail.Config
	Sender cmail.Sender // default &mail.SMTP{Config: Mail}
	Log    *slog.Logger
	Now    func() time.Time
}

// New returns a Service over db for the server at baseURL.
func New(db *store.DB, baseURL string, o Options) *Service {
	s := &Service{db: db, base: strings.TrimRight(baseURL, "/"), mail: o.Mail, sender: o.Sender, log: o.Log, now: o.Now,
		resets: auth.NewLimiter(auth.LimiterConfig{Burst: 3, Every: 10 * time.Minute})}
	if s.sender == nil && s.mail != nil {
		s.sender = &cmail.SMTP{Config: s.mail}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// MailOff reports whether links are logged instead of mailed.
func (s *Service) MailOff() bool { return s.mail == nil }

func hash(tok string) string { return auth.HashToken(tok).String() }

// InvitationURL and ResetURL are the links a mail carries.
func (s *Service) InvitationURL(token string) string {
	return s.base + "/invite/" + url.PathEscape(token)
}
func (s *Service) ResetURL(token string) string {
	return s.base + "/password-reset/" + url.PathEscape(token)
}

// normalizeEmail checks an email address and returns it lower-cased.
func normalizeEmail(field, raw string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(raw))
	if e == "" {
		return "", cairn.Invalidf(field, "is required")
	}
	if a, err := mail.ParseAddress(e); err != nil || a.Address != e || len(e) > 320 {
		return "", cairn.Invalidf(field, "%q is not an email address", raw)
	}
	return e, nil
}

// Invite invites email to the organization with role, on behalf of
// inviter. It answers the invitation and its link (to show once to the
// inviter: with mail off it is the only way to pass it on). Errors:
// Invalid (email, role), Conflict (already a member).
func (s *Service) Invite(ctx context.Context, org *cairn.Organization, inviter *cairn.Account, email string, role cairn.Role) (*store.Invitation, string, error) {
	e, err := normalizeEmail("email", email)
	if err != nil {
		return nil, "", err
	}
	if !role.Valid() {
		return nil, "", cairn.Invalidf("role", "must be owner, issuer, assessor or viewer, not %q", role)
	}
	if acct, err := s.db.AccountByEmail(ctx, e); err == nil {
		if _, err := s.db.Membership(ctx, org.ID, acct.ID); err == nil {
			return nil, "", &cairn.Error{Kind: cairn.Conflict, Field: "email", Message: e + " is a member already: change their role instead"}
		}
	}
	tok := auth.NewToken()
	in := &store.Invitation{OrgID: org.ID, Email: e, Role: role, TokenHash: hash(tok), InvitedBy: inviter.ID,
		ExpiresAt: s.now().Add(InvitationTTL)}
	if err := s.db.CreateInvitation(ctx, in); err != nil {
		return nil, "", err
	}
	link := s.InvitationURL(tok)
	inviterName := inviter.Name
	if inviterName == "" {
		inviterName = inviter.Email
	}
	// The invitee has no language of their own yet: the organization's.
	lang, _ := i18n.Parse(org.DefaultLanguage)
	p := i18n.For(lang)
	text := p.T("Hello,") + "\n\n" + p.T("%s invites you to join %s on %s as %s.", inviterName, org.Name, s.host(), p.T(rolePhrase(role))) +
		"\n\n" + p.T("Accept the invitation here:") + "\n\n" + link + "\n\n" +
		p.T("The link works for %d days. If you do not know %s, ignore this mail: nothing happens without the link.", int(InvitationTTL.Hours()/24), inviterName) + "\n"
	if err := s.send(ctx, "invite/"+in.ID, e, p.T("Join %s on Cairn", org.Name), text, link); err != nil {
		return nil, "", err
	}
	return in, link, nil
}

// rolePhrase names a role with its article, as the catalog keys it ("an
// owner"; the translations name the role).
func rolePhrase(r cairn.Role) string {
	if r == cairn.RoleOwner || r == cairn.RoleIssuer || r == cairn.RoleAssessor {
		return "an " + string(r)
	}
	return "a " + string(r)
}

func (s *Service) host() string {
	if u, err := url.Parse(s.base); err == nil && u.Host != "" {
		return u.Host
	}
	return s.base
}

// Invitation returns a usable invitation by the token of its link, with
// its organization. Errors: NotFound (no such link), Conflict (accepted or
// expired).
func (s *Service) Invitation(ctx context.Context, token string) (*store.Invitation, *cairn.Organization, error) {
	in, err := s.db.InvitationByTokenHash(ctx, hash(token))
	if err != nil {
		return nil, nil, err
	}
	org, err := s.db.Organization(ctx, in.OrgID)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case in.AcceptedAt != nil:
		return in, org, cairn.Errorf(cairn.Conflict, "this invitation was accepted already: log in")
	case !s.now().Before(in.ExpiresAt):
		return in, org, cairn.Errorf(cairn.Conflict, "this invitation expired on %s: ask %s for a new one",
			in.ExpiresAt.UTC().Format("2 January 2006"), org.Name)
	}
	return in, org, nil
}

// AcceptNew accepts an invitation by creating the account of its email.
// Errors: Invalid (name, password), NotFound, Conflict (accepted, expired,
// or an account has the email: log in to accept).
func (s *Service) AcceptNew(ctx context.Context, token, name, password string) (*cairn.Account, *store.Invitation, error) {
	in, _, err := s.Invitation(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return nil, nil, cairn.Invalidf("name", "give your name as colleagues know it (at most 200 characters)")
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return nil, nil, cairn.Invalidf("password", "%s", strings.TrimPrefix(err.Error(), "password: "))
	}
	if _, err := s.db.AccountByEmail(ctx, in.Email); err == nil {
		return nil, nil, &cairn.Error{Kind: cairn.Conflict, Field: "email", Message: "an account with " + in.Email + " exists: log in to accept"}
	}
	h, err := auth.HashPassword(ctx, password)
	if err != nil {
		return nil, nil, err
	}
	acct := &cairn.Account{Email: in.Email, Name: name, PasswordHash: h}
	in, err = s.db.AcceptInvitation(ctx, hash(token), acct, true)
	return acct, in, err
}

// AcceptExisting accepts an invitation for a logged-in account, whose
// email must be the invited one. Errors: NotFound, Conflict, Forbidden
// (another email).
func (s *Service) AcceptExisting(ctx context.Context, token string, acct *cairn.Account) (*store.Invitation, error) {
	in, _, err := s.Invitation(ctx, token)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(in.Email, acct.Email) {
		return nil, cairn.Errorf(cairn.Forbidden, "this invitation is for %s, and you are logged in as %s: log out and open the link again", in.Email, acct.Email)
	}
	return s.db.AcceptInvitation(ctx, hash(token), acct, false)
}

// RequestReset sends a password-reset link to email if it has an account.
// The answer is the same either way (nothing tells whether the email has
// an account); too many requests for one email or from one address are
// RateLimited.
func (s *Service) RequestReset(ctx context.Context, email string, addr netip.Addr) error {
	e, err := normalizeEmail("email", email)
	if err != nil {
		return err
	}
	now := s.now()
	for _, k := range []struct {
		acct string
		addr netip.Addr
	}{{"reset:" + e, netip.Addr{}}, {"reset", addr}} {
		if wait, err := s.resets.Allow(k.acct, k.addr, now); err != nil {
			return &RateLimitError{RetryAfter: wait}
		}
	}
	acct, err := s.db.AccountByEmail(ctx, e)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil
	} else if err != nil {
		return err
	}
	link, err := s.newReset(ctx, acct)
	if err != nil {
		return err
	}
	// In the language of the request (i18n.NewContext), else English.
	lang, _ := i18n.FromContext(ctx)
	p := i18n.For(lang)
	text := p.T("Hello %s,", acct.Name) + "\n\n" +
		p.T("Someone, probably you, asked to set a new password for your Cairn account on %s. Set it here:", s.host()) + "\n\n" + link + "\n\n" +
		p.T("The link works once, for %d minutes. If you did not ask, ignore this mail: your password stays as it is.", int(PasswordResetTTL.Minutes())) + "\n"
	return s.send(ctx, "reset/"+hash(link), acct.Email, p.T("Set a new password for Cairn"), text, link)
}

// ResetLink makes a reset link for the account of email and answers it
// instead of mailing it: for an operator without SMTP (cairn admin
// reset-password). Errors: NotFound.
func (s *Service) ResetLink(ctx context.Context, email string) (string, error) {
	e, err := normalizeEmail("email", email)
	if err != nil {
		return "", err
	}
	acct, err := s.db.AccountByEmail(ctx, e)
	if err != nil {
		return "", err
	}
	return s.newReset(ctx, acct)
}

func (s *Service) newReset(ctx context.Context, acct *cairn.Account) (string, error) {
	tok := auth.NewToken()
	if err := s.db.CreatePasswordReset(ctx, acct.ID, hash(tok), s.now().Add(PasswordResetTTL)); err != nil {
		return "", err
	}
	return s.ResetURL(tok), nil
}

// ResetAccount returns the account a usable reset link is for. Errors:
// NotFound (unknown, used or expired).
func (s *Service) ResetAccount(ctx context.Context, token string) (*cairn.Account, error) {
	return s.db.PasswordResetAccount(ctx, hash(token))
}

// Reset sets a new password with a reset link, once; the account's
// sessions end. Errors: Invalid (password), NotFound (unknown, used or
// expired link).
func (s *Service) Reset(ctx context.Context, token, password string) (*cairn.Account, error) {
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return nil, cairn.Invalidf("password", "%s", strings.TrimPrefix(err.Error(), "password: "))
	}
	if _, err := s.db.PasswordResetAccount(ctx, hash(token)); err != nil {
		return nil, err
	}
	h, err := auth.HashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	return s.db.UsePasswordReset(ctx, hash(token), h)
}

// RateLimitError: too many password resets were asked for one email or
// from one address; answer 429 with Retry-After.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many password resets asked for; try again in %d minutes", int(e.RetryAfter.Minutes()+0.999))
}

// staffMail is an outbox payload: one plain-text mail.
type staffMail struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// send queues a mail, or logs its link when mail is off.
func (s *Service) send(ctx context.Context, key, to, subject, text, link string) error {
	if s.mail == nil {
		s.log.InfoContext(ctx, "team: link not mailed (CAIRN_SMTP_URL is not set)", "to", to, "subject", subject, "link", link)
		return nil
	}
	data, err := json.Marshal(staffMail{To: to, Subject: subject, Text: text})
	if err != nil {
		return err
	}
	return s.db.Enqueue(ctx, outbox.Message{Kind: OutboxKind, Key: key, Payload: data})
}

// Consumer returns the outbox consumer that sends the mails.
func (s *Service) Consumer() outbox.Consumer {
	return outbox.Consumer{Kind: OutboxKind, Handle: s.handle, MaxAttempts: 8}
}

func (s *Service) handle(ctx context.Context, m outbox.Message) error {
	if s.mail == nil {
		return fmt.Errorf("mail is not configured (CAIRN_SMTP_URL)")
	}
	var p staffMail
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return outbox.Permanent(fmt.Errorf("staff mail %d: bad payload: %w", m.ID, err))
	}
	to, err := mail.ParseAddress(p.To)
	if err != nil {
		return outbox.Permanent(fmt.Errorf("recipient %q: %w", p.To, err))
	}
	msg := &cmail.Message{Subject: p.Subject, Text: p.Text, From: s.mail.From, To: *to, Date: s.now(),
		MessageID: cmail.MessageID(m.Key, s.base)}
	data, err := msg.Bytes()
	if err != nil {
		return outbox.Permanent(err)
	}
	return s.sender.Send(ctx, s.mail.From.Address, to.Address, data)
}

// Members returns the organization's members, by email.
func (s *Service) Members(ctx context.Context, orgID string) ([]*store.Member, error) {
	return s.db.Members(ctx, orgID)
}

// Pending returns the organization's invitations not accepted yet.
func (s *Service) Pending(ctx context.Context, orgID string) ([]*store.Invitation, error) {
	return s.db.PendingInvitations(ctx, orgID)
}

// Withdraw cancels a pending invitation: its link stops working.
func (s *Service) Withdraw(ctx context.Context, orgID, id string) error {
	return s.db.DeleteInvitation(ctx, orgID, id)
}

// SetRole changes a member's role. Errors: NotFound, Invalid, Conflict
// (the last owner).
func (s *Service) SetRole(ctx context.Context, orgID, accountID string, role cairn.Role) error {
	if !role.Valid() {
		return cairn.Invalidf("role", "must be owner, issuer, assessor or viewer, not %q", role)
	}
	return s.db.ChangeMembership(ctx, orgID, accountID, &role)
}

// Remove takes a member out of the organization. Errors: NotFound,
// Conflict (the last owner).
func (s *Service) Remove(ctx context.Context, orgID, accountID string) error {
	return s.db.ChangeMembership(ctx, orgID, accountID, nil)
}

// TouchInterval is how stale a session's last-seen time may get before a
// request records it again (one write per session per interval).
const TouchInterval = time.Minute

// Touch records that the session was used now, when its last record is
// older than TouchInterval.
func (s *Service) Touch(ctx context.Context, sess *cairn.Session) {
	now := s.now()
	if now.Sub(sess.LastSeenAt) < TouchInterval {
		return
	}
	if err := s.db.TouchSession(ctx, sess.ID, sess.AccountID, now); err != nil {
		s.log.WarnContext(ctx, "team: recording a session's use", "err", err)
	}
}
