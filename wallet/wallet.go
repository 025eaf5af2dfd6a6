// Package wallet keeps learners' accounts and the badges they claim: sign
// up and sign in (passwords as for staff accounts, package auth), web
// sessions and API tokens, email addresses verified by a mailed link, DIDs
// verified by a signed challenge, claiming an award through its claim link,
// listing what was claimed, and deleting the account with everything kept
// about its learner.
//
// # Tenancy
//
// Learners are global, not per organization: one wallet holds the badges of
// every issuer on the server. A learner reaches an award only by claiming
// it, and may claim it only when the award is addressed to one of their
// verified identities: an email address (the credential's hashed
// identifier is matched by hashing each verified address with the
// credential's salt) or a DID (the credential subject's id). Organizations
// see whether their awards were claimed, never by which account, nor the
// learner's other addresses or badges.
//
// # Verification mail
//
// A verification link is an outbox message of kind [OutboxKind] (no
// organization), sent by [Service.Consumer] through the server's SMTP
// configuration. Without one, the link is written to the server log
// instead (development); [Service.MailOff] says so. The mail is in the
// language of the request that asked for it, which the caller puts in
// the context ([i18n.NewContext]; English without).
package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store"

	cmail "github.com/cairn-badges/cairn/notify/mail"
)

// Store is what the wallet reads and writes; *store.DB implements it.
type Store interface {
	CreateLearner(ctx context.Context, l *store.Learner, tokenHash string, expires, staleBefore time.Time) error
	Learner(ctx context.Context, id string) (*store.Learner, error)
	LearnerByEmail(ctx context.Context, email string) (*store.Learner, error)
	UpdateLearnerPassword(ctx context.Context, id, hash string) error
	DeleteLearner(ctx context.Context, id string) error
	LearnerEmails(ctx context.Context, learnerID string) ([]*store.LearnerEmail, error)
	VerifiedLearnerEmails(ctx context.Context, learnerID string) ([]string, error)
	VerifiedLearnerDIDs(ctx context.Context, learnerID string) ([]string, error)
	AddLearnerEmail(ctx context.Context, learnerID, email, tokenHash string, expires time.Time) error
	RenewLearnerEmailToken(ctx context.Context, learnerID, email, tokenHash string, expires time.Time) error
	VerifyLearnerEmail(ctx context.Context, tokenHash string) (learnerID, email string, err error)
	RemoveLearnerEmail(ctx context.Context, learnerID, email string) error
	LearnerDIDs(ctx context.Context, learnerID string) ([]*store.LearnerDID, error)
	PutLearnerDIDChallenge(ctx context.Context, learnerID, did, challengeHash string, expires time.Time) error
	VerifyLearnerDID(ctx context.Context, learnerID, did, challengeHash string) error
	RemoveLearnerDID(ctx context.Context, learnerID, did string) error
	CreateLearnerSession(ctx context.Context, s *store.LearnerSession) error
	LearnerSessionByTokenHash(ctx context.Context, kind, tokenHash string) (*store.LearnerSession, error)
	DeleteLearnerSession(ctx context.Context, id string) error
	ClaimAward(ctx context.Context, learnerID, awardID string) (time.Time, bool, error)
	ClaimedAwards(ctx context.Context, learnerID string, limit int) ([]store.LearnerAward, error)
	ClaimedAward(ctx context.Context, learnerID, awardID string) (*store.LearnerAward, error)
	ClaimTokenAward(ctx context.Context, tokenHash string) (string, error)
	PublicAward(ctx context.Context, id string) (*cairn.Award, error)
	PublicAchievement(ctx context.Context, id string) (*cairn.Achievement, error)
	PublicIssuer(ctx context.Context, id string) (*cairn.Issuer, error)
	Enqueue(ctx context.Context, msgs ...outbox.Message) error
}

// Lifetimes and bounds.
const (
	// WebSessionLifetime is how long a browser stays signed in.
	WebSessionLifetime = 7 * 24 * time.Hour
	// APITokenLifetime is how long a learner API token lasts.
	APITokenLifetime = 30 * 24 * time.Hour
	// VerifyLinkLifetime is how long an email verification link works.
	VerifyLinkLifetime = 48 * time.Hour
	// ChallengeLifetime is how long a DID challenge may be signed.
	ChallengeLifetime = 15 * time.Minute
	// StaleUnverified is how old a wallet that never verified an address
	// must be before someone else may sign up with its sign-in address.
	StaleUnverified = 7 * 24 * time.Hour
	// MaxEmails and MaxDIDs bound the identities of one learner.
	MaxEmails = 20
	MaxDIDs   = 20
	// MaxNameLen bounds a learner's name, in characters.
	MaxNameLen = 200
	// MaxEmailLen bounds an address (RFC 5321's path limit).
	MaxEmailLen = 254
	// MaxDIDLen bounds a DID.
	MaxDIDLen = 512
)

// APITokenPrefix starts every learner API token, so that people and
// secret scanners recognize one.
const APITokenPrefix = "cairn_learner_"

// CookieName is the name of the wallet's session cookie: __Host-… over
// https (see auth.SessionCookie), and never the staff session's.
func CookieName(secure bool) string {
	if secure {
		return "__Host-cairn_wallet"
	}
	return "cairn_wallet"
}

// OutboxKind is the outbox kind of verification mail.
const OutboxKind = "learner.mail"

// RateLimitError is returned when a learner or a client address tried too
// often: answer 429 with Retry-After.
type RateLimitError struct {
	RetryAfter time.Duration
	What       string
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many %s; try again in %d s", e.What, int(e.RetryAfter.Seconds()+0.999))
}

// Service is the wallet. Create it with New.
type Service struct {
	st      Store
	base    string
	mail    *cmail.Config
	sender  cmail.Sender
	log     *slog.Logger
	now     func() time.Time
	signIn  *auth.Limiter // per address and sign-in email
	signUp  *auth.Limiter // per client address
	mailing *auth.Limiter // verification mails, per learner
}

// Options configure a Service. The zero value is usable: mail off.
type Options struct {
	// Mail is the SMTP configuration verification links are sent with;
	// nil: they are logged instead.
	Mail *cmail.Config
	// Sender sends mail (default &mail.SMTP{Config: Mail}).
	Sender cmail.Sender
	// SignInLimiter limits sign-in attempts per address and email
	// (default: 10 at once, then one per 30 s).
	SignInLimiter *auth.Limiter
	// SignUpLimiter limits sign-ups per client address (default: 5 at
	// once, then one per minute).
	SignUpLimiter *auth.Limiter
	Log           *slog.Logger
	Now           func() time.Time
}

// New returns the wallet over st for the server at baseURL (no trailing
// slash).
func New(st Store, baseURL string, o Options) *Service {
	s := &Service{st: st, base: strings.TrimRight(baseURL, "/"), mail: o.Mail, sender: o.Sender, log: o.Log, now: o.Now,
		signIn: o.SignInLimiter, signUp: o.SignUpLimiter}
	if s.sender == nil && s.mail != nil {
		s.sender = &cmail.SMTP{Config: s.mail}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.signIn == nil {
		s.signIn = auth.NewLimiter(auth.LimiterConfig{})
	}
	if s.signUp == nil {
		s.signUp = auth.NewLimiter(auth.LimiterConfig{Burst: 5, Every: time.Minute})
	}
	s.mailing = auth.NewLimiter(auth.LimiterConfig{Burst: 5, Every: 2 * time.Minute})
	return s
}

// BaseURL is the server's public base URL.
func (s *Service) BaseURL() string { return s.base }

// MailOff reports whether verification links are logged rather than
// mailed.
func (s *Service) MailOff() bool { return s.mail == nil }

// hash is how the store keeps tokens: hex SHA-256.
func hash(tok string) string { return auth.HashToken(tok).String() }

// NormalizeEmail trims and lower-cases an address: how the wallet and the
// issuer (which lower-cases recipients) agree on one.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// checkEmail returns the normalized address, or an Invalid error naming
// field.
func checkEmail(field, raw string) (string, error) {
	e := NormalizeEmail(raw)
	switch {
	case e == "":
		return "", cairn.Invalidf(field, "is required")
	case len(e) > MaxEmailLen:
		return "", cairn.Invalidf(field, "is longer than %d characters", MaxEmailLen)
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return "", cairn.Invalidf(field, "is not an email address (want name@example.org)")
	}
	return e, nil
}

func fieldErr(err error) error {
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		return cairn.Invalidf(fe.Field, "%s", fe.Reason)
	}
	return err
}

// SignUp creates a learner with their sign-in address unverified and
// sends its verification link. addr is the client's address (sign-ups are
// rate-limited per address). Errors: Invalid (email, password, name),
// Conflict (email), *RateLimitError.
//
// next, if not "", is a path of this site (a claim link's) that the
// verification link leads to once the address is verified.
func (s *Service) SignUp(ctx context.Context, email, password, name, next string, addr netip.Addr) (*store.Learner, error) {
	e, err := checkEmail("email", email)
	if err != nil {
		return nil, err
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return nil, fieldErr(err)
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return nil, cairn.Invalidf("name", "is required: the name shown in your wallet")
	case !utf8.ValidString(name) || strings.ContainsAny(name, "\r\n\x00"):
		return nil, cairn.Invalidf("name", "must be one line of text")
	case utf8.RuneCountInString(name) > MaxNameLen:
		return nil, cairn.Invalidf("name", "is longer than %d characters", MaxNameLen)
	}
	if wait, err := s.signUp.Allow("signup", addr, s.now()); err != nil {
		return nil, &RateLimitError{RetryAfter: wait, What: "sign-ups from this address"}
	}
	ph, err := auth.HashPassword(ctx, password)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Unavailable, err, "busy; try again")
	}
	tok := auth.NewToken()
	now := s.now()
	l := &store.Learner{Email: e, Name: name, PasswordHash: ph}
	if err := s.st.CreateLearner(ctx, l, hash(tok), now.Add(VerifyLinkLifetime), now.Add(-StaleUnverified)); err != nil {
		return nil, err
	}
	if err := s.sendVerification(ctx, l, e, tok, next); err != nil {
		return nil, err
	}
	return l, nil
}

// SignIn checks a learner's email (sign-in or verified address) and
// password. Attempts are limited per address and email: past the limit,
// *RateLimitError before any hashing. A wrong email and a wrong password
// answer the same Unauthorized error, in the same time.
func (s *Service) SignIn(ctx context.Context, email, password string, addr netip.Addr) (*store.Learner, error) {
	e := NormalizeEmail(email)
	if e == "" || len(e) > MaxEmailLen {
		return nil, cairn.Invalidf("email", "is not an email address")
	}
	if password == "" {
		return nil, cairn.Invalidf("password", "is required")
	}
	if wait, err := s.signIn.Allow(e, addr, s.now()); err != nil {
		return nil, &RateLimitError{RetryAfter: wait, What: "sign-in attempts"}
	}
	l, err := s.st.LearnerByEmail(ctx, e)
	switch {
	case cairn.KindOf(err) == cairn.NotFound:
		err = auth.FakeVerifyPassword(ctx, password)
	case err == nil:
		err = auth.VerifyPassword(ctx, l.PasswordHash, password)
	}
	if err != nil {
		if !errors.Is(err, auth.ErrPasswordMismatch) && cairn.KindOf(err) != cairn.NotFound {
			if k := cairn.KindOf(err); k == cairn.Unavailable {
				return nil, err
			}
			s.log.ErrorContext(ctx, "wallet: sign-in", "err", err)
		}
		return nil, cairn.Errorf(cairn.Unauthorized, "the email or the password is not right")
	}
	s.signIn.Reset(e, addr)
	if auth.NeedsRehash(l.PasswordHash) {
		if ph, err := auth.HashPassword(ctx, password); err == nil {
			_ = s.st.UpdateLearnerPassword(ctx, l.ID, ph)
		}
	}
	return l, nil
}

// NewSession starts a session of kind (store.LearnerWebSession or
// store.LearnerAPIToken) for the learner and returns its token, shown to
// the learner (cookie or API answer) and never stored.
func (s *Service) NewSession(ctx context.Context, learnerID, kind string) (string, *store.LearnerSession, error) {
	tok, life := auth.NewToken(), WebSessionLifetime
	if kind == store.LearnerAPIToken {
		tok, life = APITokenPrefix+tok, APITokenLifetime
	}
	ls := &store.LearnerSession{TokenHash: hash(tok), LearnerID: learnerID, Kind: kind, CSRFToken: auth.NewToken(),
		ExpiresAt: s.now().Add(life)}
	if err := s.st.CreateLearnerSession(ctx, ls); err != nil {
		return "", nil, err
	}
	return tok, ls, nil
}

// Principal is an authenticated learner.
type Principal struct {
	Learner *store.Learner
	Session *store.LearnerSession
}

// errNoSession is the Unauthorized answer to a missing or ended session.
var errNoSession = cairn.Errorf(cairn.Unauthorized, "sign in to your wallet: the session or token is missing, unknown or expired")

// Authenticate finds the learner of a session token (kind web) or API
// token (kind api). Errors: Unauthorized.
func (s *Service) Authenticate(ctx context.Context, kind, token string) (*Principal, error) {
	if token == "" || len(token) > 200 {
		return nil, errNoSession
	}
	if kind == store.LearnerAPIToken && !strings.HasPrefix(token, APITokenPrefix) {
		return nil, cairn.Errorf(cairn.Unauthorized, "not a learner API token (they start with %s; get one from POST /api/v1/learner/session)", APITokenPrefix)
	}
	ls, err := s.st.LearnerSessionByTokenHash(ctx, kind, hash(token))
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	l, err := s.st.Learner(ctx, ls.LearnerID)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	return &Principal{Learner: l, Session: ls}, nil
}

// SignOut ends a session or API token.
func (s *Service) SignOut(ctx context.Context, p *Principal) error {
	return s.st.DeleteLearnerSession(ctx, p.Session.ID)
}

// Profile is a learner with their identities.
type Profile struct {
	Learner *store.Learner
	Emails  []*store.LearnerEmail
	DIDs    []*store.LearnerDID
}

// Profile returns the learner with their addresses and DIDs.
func (s *Service) Profile(ctx context.Context, learnerID string) (*Profile, error) {
	l, err := s.st.Learner(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	p := &Profile{Learner: l}
	if p.Emails, err = s.st.LearnerEmails(ctx, learnerID); err != nil {
		return nil, err
	}
	if p.DIDs, err = s.st.LearnerDIDs(ctx, learnerID); err != nil {
		return nil, err
	}
	return p, nil
}

// Delete removes the learner's account and everything kept about them,
// after checking their password. Errors: Invalid (no password),
// Unauthorized (wrong password), NotFound.
func (s *Service) Delete(ctx context.Context, learnerID, password string) error {
	if password == "" {
		return cairn.Invalidf("password", "is required: confirm with your password")
	}
	l, err := s.st.Learner(ctx, learnerID)
	if err != nil {
		return err
	}
	if err := auth.VerifyPassword(ctx, l.PasswordHash, password); err != nil {
		if errors.Is(err, auth.ErrPasswordMismatch) {
			return &cairn.Error{Kind: cairn.Unauthorized, Field: "password", Message: "the password is not right"}
		}
		return err
	}
	if err := s.st.DeleteLearner(ctx, learnerID); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "wallet: account deleted", "learner", learnerID)
	return nil
}

// Emails

// AddEmail adds an address to the learner's wallet and sends its
// verification link. Errors: Invalid, Conflict, *RateLimitError.
func (s *Service) AddEmail(ctx context.Context, p *Principal, email string) error {
	e, err := checkEmail("email", email)
	if err != nil {
		return err
	}
	have, err := s.st.LearnerEmails(ctx, p.Learner.ID)
	if err != nil {
		return err
	}
	if len(have) >= MaxEmails {
		return &cairn.Error{Kind: cairn.Conflict, Field: "email", Message: fmt.Sprintf("a wallet holds at most %d addresses; remove one first", MaxEmails)}
	}
	if err := s.allowMail(p.Learner.ID); err != nil {
		return err
	}
	tok := auth.NewToken()
	if err := s.st.AddLearnerEmail(ctx, p.Learner.ID, e, hash(tok), s.now().Add(VerifyLinkLifetime)); err != nil {
		return err
	}
	return s.sendVerification(ctx, p.Learner, e, tok, "")
}

// ResendVerification sends a new verification link to the learner's
// unverified address (the one before stops working). Errors: NotFound,
// Conflict (verified already), *RateLimitError.
func (s *Service) ResendVerification(ctx context.Context, p *Principal, email string) error {
	e := NormalizeEmail(email)
	if err := s.allowMail(p.Learner.ID); err != nil {
		return err
	}
	tok := auth.NewToken()
	if err := s.st.RenewLearnerEmailToken(ctx, p.Learner.ID, e, hash(tok), s.now().Add(VerifyLinkLifetime)); err != nil {
		return err
	}
	return s.sendVerification(ctx, p.Learner, e, tok, "")
}

func (s *Service) allowMail(learnerID string) error {
	if wait, err := s.mailing.Allow(learnerID, netip.IPv6Unspecified(), s.now()); err != nil {
		return &RateLimitError{RetryAfter: wait, What: "verification mails"}
	}
	return nil
}

// VerifyEmail verifies the address whose link carried token and returns
// it. Errors: NotFound (unknown, used or expired link), Conflict (verified
// in another wallet).
func (s *Service) VerifyEmail(ctx context.Context, token string) (string, error) {
	if token == "" || len(token) > 100 {
		return "", cairn.Errorf(cairn.NotFound, "this verification link is not valid")
	}
	_, e, err := s.st.VerifyLearnerEmail(ctx, hash(token))
	if cairn.KindOf(err) == cairn.NotFound && !strings.Contains(cairn.PublicMessage(err), "expired") {
		return "", cairn.Errorf(cairn.NotFound, "this verification link is not valid: it was used already, or replaced by a newer one")
	}
	return e, err
}

// RemoveEmail removes an address other than the sign-in address.
func (s *Service) RemoveEmail(ctx context.Context, p *Principal, email string) error {
	return s.st.RemoveLearnerEmail(ctx, p.Learner.ID, NormalizeEmail(email))
}

// VerifyURL is the verification link of token, leading on to next (a
// path starting with /claim/; anything else is dropped).
func (s *Service) VerifyURL(token, next string) string {
	u := s.base + "/wallet/verify?token=" + url.QueryEscape(token)
	if SafeNext(next) != "" {
		u += "&next=" + url.QueryEscape(next)
	}
	return u
}

// MaxNext bounds the length of a next path: long enough for an OB 3.0
// API authorization request (its state may be 2,048 characters).
const MaxNext = 4096

// SafeNext returns next when it is a path of this site's wallet or claim
// pages (/wallet…, /claim/…), else "": where to go after signing in.
func SafeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n") || len(next) > MaxNext {
		return ""
	}
	if u.Path == "/wallet" || strings.HasPrefix(u.Path, "/wallet/") || strings.HasPrefix(u.Path, "/claim/") ||
		strings.HasPrefix(u.Path, "/achievements/") && strings.HasSuffix(u.Path, "/apply") {
		return next
	}
	return ""
}

// verifyMail is the payload of a verification mail message.
type verifyMail struct {
	To    string `json:"to"`
	Name  string `json:"name"`
	Token string `json:"token"`
	Next  string `json:"next,omitempty"`
	// Lang is the language of the mail: the request's that sent it.
	Lang i18n.Lang `json:"lang,omitempty"`
}

// sendVerification mails (through the outbox) or logs the link.
func (s *Service) sendVerification(ctx context.Context, l *store.Learner, email, tok, next string) error {
	if s.mail == nil {
		s.log.InfoContext(ctx, "wallet: email verification link (mail is off: CAIRN_SMTP_URL is not set, so it is logged, not sent)",
			"email", email, "link", s.VerifyURL(tok, next))
		return nil
	}
	lang, _ := i18n.FromContext(ctx)
	data, err := json.Marshal(verifyMail{To: email, Name: l.Name, Token: tok, Next: SafeNext(next), Lang: lang})
	if err != nil {
		return err
	}
	return s.st.Enqueue(ctx, outbox.Message{Kind: OutboxKind, Key: "verify/" + hash(tok), Payload: data})
}

// Consumer returns the outbox consumer that sends verification mail.
func (s *Service) Consumer() outbox.Consumer {
	return outbox.Consumer{Kind: OutboxKind, Handle: s.handle, MaxAttempts: 8}
}

func (s *Service) handle(ctx context.Context, m outbox.Message) error {
	if s.mail == nil {
		return fmt.Errorf("mail is not configured (CAIRN_SMTP_URL)")
	}
	var p verifyMail
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return outbox.Permanent(fmt.Errorf("verification mail %d: bad payload: %w", m.ID, err))
	}
	to, err := mail.ParseAddress(p.To)
	if err != nil {
		return outbox.Permanent(fmt.Errorf("recipient %q: %w", p.To, err))
	}
	msg := VerificationMessageIn(p.Lang, s.base, p.Name, s.VerifyURL(p.Token, p.Next))
	msg.From, msg.To, msg.Date = s.mail.From, *to, s.now()
	msg.MessageID = cmail.MessageID(m.Key, s.base)
	data, err := msg.Bytes()
	if err != nil {
		return outbox.Permanent(err)
	}
	return s.sender.Send(ctx, s.mail.From.Address, to.Address, data)
}

// VerificationMessage is the mail that carries a verification link, in
// English.
func VerificationMessage(base, name, link string) *cmail.Message {
	return VerificationMessageIn(i18n.English, base, name, link)
}

// VerificationMessageIn is VerificationMessage in the language l (the
// language of the request that asked for the link).
func VerificationMessageIn(l i18n.Lang, base, name, link string) *cmail.Message {
	p := i18n.For(l)
	host := base
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		host = u.Host
	}
	greeting := p.T("Hello,")
	if name != "" {
		greeting = p.T("Hello %s,", name)
	}
	text := greeting + "\n\n" + p.T("Confirm that this address is yours, so that the badges sent to it can go into your wallet on %s:", host) +
		"\n\n" + link + "\n\n" + p.T("The link works for 48 hours. If you did not ask for this, ignore this mail: nothing happens without the link.") + "\n"
	return &cmail.Message{Subject: p.T("Confirm your email address for your badge wallet"), Text: text}
}

// DIDs

// ChallengeText is the text a learner signs to prove they control did
// (see VerifyDID): it names the server, so that a signature made for one
// server is worthless on another.
func (s *Service) challengeText(nonce string) string {
	return "cairn-did-challenge " + s.base + " " + nonce
}

// DIDChallenge adds did (unverified) to the learner's wallet and returns
// the challenge to sign, valid for ChallengeLifetime. Only did:key DIDs
// can be verified so far. Errors: Invalid (did), Conflict (verified
// already).
func (s *Service) DIDChallenge(ctx context.Context, p *Principal, d string) (string, time.Time, error) {
	d = strings.TrimSpace(d)
	switch {
	case d == "":
		return "", time.Time{}, cairn.Invalidf("did", "is required")
	case len(d) > MaxDIDLen:
		return "", time.Time{}, cairn.Invalidf("did", "is longer than %d characters", MaxDIDLen)
	case did.Method(d) != "key":
		return "", time.Time{}, cairn.Invalidf("did", "must be a did:key DID (other methods cannot be verified yet)")
	}
	if _, err := did.ResolveKey(d); err != nil {
		return "", time.Time{}, cairn.Invalidf("did", "is not a valid did:key DID: %v", err)
	}
	have, err := s.st.LearnerDIDs(ctx, p.Learner.ID)
	if err != nil {
		return "", time.Time{}, err
	}
	if len(have) >= MaxDIDs {
		return "", time.Time{}, &cairn.Error{Kind: cairn.Conflict, Field: "did", Message: fmt.Sprintf("a wallet holds at most %d DIDs; remove one first", MaxDIDs)}
	}
	ch := s.challengeText(auth.NewToken())
	exp := s.now().Add(ChallengeLifetime)
	if err := s.st.PutLearnerDIDChallenge(ctx, p.Learner.ID, d, hash(ch), exp); err != nil {
		return "", time.Time{}, err
	}
	return ch, exp, nil
}

// VerifyDID checks proof, a compact JWS (EdDSA or ES256) whose payload is
// the DID's pending challenge, signed by the did:key's key, and marks the
// DID verified. Errors: Invalid (proof), NotFound (no pending challenge),
// Conflict.
func (s *Service) VerifyDID(ctx context.Context, p *Principal, d, proof string) error {
	d = strings.TrimSpace(d)
	if d == "" {
		return cairn.Invalidf("did", "is required")
	}
	proof = strings.TrimSpace(proof)
	if proof == "" {
		return cairn.Invalidf("proof", "is required: a compact JWS of the challenge, signed with the DID's key")
	}
	payload, err := VerifyKeyJWS(d, proof)
	if err != nil {
		return cairn.Invalidf("proof", "%v", err)
	}
	return s.st.VerifyLearnerDID(ctx, p.Learner.ID, d, hash(string(payload)))
}

// RemoveDID removes a DID of the learner.
func (s *Service) RemoveDID(ctx context.Context, p *Principal, d string) error {
	return s.st.RemoveLearnerDID(ctx, p.Learner.ID, strings.TrimSpace(d))
}

// Claims

// Credential is a badge in a learner's wallet.
type Credential struct {
	Award       *cairn.Award
	Achievement *cairn.Achievement
	Issuer      *cairn.Issuer
	ClaimedAt   time.Time
	URL         string // the credential page (and id)
	ImageURL    string // the baked badge image
}

func (s *Service) credential(ctx context.Context, aw *cairn.Award, claimed time.Time) (*Credential, error) {
	ach, err := s.st.PublicAchievement(ctx, aw.AchievementID)
	if err != nil {
		return nil, err
	}
	is, err := s.st.PublicIssuer(ctx, aw.IssuerID)
	if err != nil {
		return nil, err
	}
	u := s.base + "/credentials/" + aw.ID
	return &Credential{Award: aw, Achievement: ach, Issuer: is, ClaimedAt: claimed, URL: u, ImageURL: u + ".png"}, nil
}

// Credentials returns the badges the learner claimed, newest first.
func (s *Service) Credentials(ctx context.Context, learnerID string) ([]*Credential, error) {
	las, err := s.st.ClaimedAwards(ctx, learnerID, 1000)
	if err != nil {
		return nil, err
	}
	out := make([]*Credential, 0, len(las))
	for _, la := range las {
		c, err := s.credential(ctx, la.Award, la.ClaimedAt)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Credential returns one badge the learner claimed. Errors: NotFound.
func (s *Service) Credential(ctx context.Context, learnerID, id string) (*Credential, error) {
	la, err := s.st.ClaimedAward(ctx, learnerID, id)
	if err != nil {
		return nil, err
	}
	return s.credential(ctx, la.Award, la.ClaimedAt)
}

// ClaimInfo returns the award a claim link names, for the claim page
// (ClaimedAt is zero). Errors: NotFound (unknown link).
func (s *Service) ClaimInfo(ctx context.Context, token string) (*Credential, error) {
	aw, err := s.claimAward(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.credential(ctx, aw, time.Time{})
}

func (s *Service) claimAward(ctx context.Context, token string) (*cairn.Award, error) {
	token = strings.TrimSpace(token)
	if i := strings.LastIndex(token, "/claim/"); i >= 0 {
		token = token[i+len("/claim/"):] // the whole link was given
	}
	if token == "" || len(token) > 100 {
		return nil, &cairn.Error{Kind: cairn.NotFound, Field: "token", Message: "no badge has this claim link"}
	}
	id, err := s.st.ClaimTokenAward(ctx, hash(token))
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, &cairn.Error{Kind: cairn.NotFound, Field: "token", Message: "no badge has this claim link"}
	}
	if err != nil {
		return nil, err
	}
	return s.st.PublicAward(ctx, id)
}

// ErrNotAddressed is the Forbidden error of a claim by a learner none of
// whose verified identities the award is addressed to.
var ErrNotAddressed = &cairn.Error{Kind: cairn.Forbidden, Field: "token",
	Message: "this badge was sent to an email address or DID that your wallet has not verified: add and verify the address it was sent to, then claim it again"}

// Claim attaches the award of a claim link (the token, or the whole link)
// to the learner, when it is addressed to one of their verified
// identities, and returns it and whether this call claimed it (false: it
// was in the wallet already). Errors: NotFound (unknown link), Forbidden
// (ErrNotAddressed), Conflict (claimed by another wallet).
func (s *Service) Claim(ctx context.Context, p *Principal, token string) (*Credential, bool, error) {
	aw, err := s.claimAward(ctx, token)
	if err != nil {
		return nil, false, err
	}
	ok, err := s.AddressedTo(ctx, p.Learner.ID, aw)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, ErrNotAddressed
	}
	at, created, err := s.st.ClaimAward(ctx, p.Learner.ID, aw.ID)
	if err != nil {
		return nil, false, err
	}
	c, err := s.credential(ctx, aw, at)
	return c, created, err
}

// AddressedTo reports whether the award's credential is addressed to one
// of the learner's verified identities.
func (s *Service) AddressedTo(ctx context.Context, learnerID string, aw *cairn.Award) (bool, error) {
	subj, err := subjectOf(aw.CredentialJSON)
	if err != nil {
		return false, cairn.Wrapf(cairn.Internal, err, "award %s: reading its credential", aw.ID)
	}
	if len(subj.Identifier) > 0 {
		emails, err := s.st.VerifiedLearnerEmails(ctx, learnerID)
		if err != nil {
			return false, err
		}
		for _, id := range subj.Identifier {
			if id.IdentityType != "emailAddress" {
				continue
			}
			for _, e := range emails {
				if id.Matches(e) {
					return true, nil
				}
			}
		}
	}
	if subj.ID != "" && did.Method(subj.ID) != "" {
		dids, err := s.st.VerifiedLearnerDIDs(ctx, learnerID)
		if err != nil {
			return false, err
		}
		for _, d := range dids {
			if d == subj.ID {
				return true, nil
			}
		}
	}
	return false, nil
}

type subject struct {
	ID         string                     `json:"id"`
	Identifier ob.List[ob.IdentityObject] `json:"identifier"`
}

// subjectOf reads the credential subject's id and identifiers.
func subjectOf(credential []byte) (*subject, error) {
	var c struct {
		Subject ob.List[subject] `json:"credentialSubject"`
	}
	if err := json.Unmarshal(credential, &c); err != nil {
		return nil, err
	}
	if len(c.Subject) == 0 {
		return nil, errors.New("no credentialSubject")
	}
	return &c.Subject[0], nil
}
