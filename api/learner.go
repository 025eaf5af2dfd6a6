package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/wallet"
)

// The learner API (/api/v1/learner/…) is for learners, not organizations:
// a learner signs up, signs in for a bearer token (or uses the wallet's
// session cookie, with its CSRF token on unsafe methods), verifies email
// addresses and DIDs, claims awards and lists what they claimed. Staff API
// keys are refused there, and learner tokens everywhere else.

// learnerHandler serves one learner route for the signed-in learner.
type learnerHandler func(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error

func (s *Server) learnerRoutes() []route {
	pub := func(h handler) handler { return s.needWallet(h) }
	in := func(h learnerHandler) handler { return s.needWallet(s.learner(h)) }
	return []route{
		{"POST", "/learner/signup", "", 0, pub(s.learnerSignup)},
		{"POST", "/learner/session", "", 0, pub(s.learnerSignIn)},
		{"DELETE", "/learner/session", "", 0, in(s.learnerSignOut)},
		{"GET", "/learner/me", "", 0, in(s.learnerMe)},
		{"DELETE", "/learner/me", "", 0, in(s.learnerDelete)},
		{"POST", "/learner/emails", "", 0, in(s.learnerAddEmail)},
		{"POST", "/learner/emails/verify", "", 0, pub(s.learnerVerifyEmail)},
		{"POST", "/learner/emails/{email}/resend", "", 0, in(s.learnerResend)},
		{"DELETE", "/learner/emails/{email}", "", 0, in(s.learnerRemoveEmail)},
		{"POST", "/learner/dids", "", 0, in(s.learnerAddDID)},
		{"POST", "/learner/dids/verify", "", 0, in(s.learnerVerifyDID)},
		{"DELETE", "/learner/dids/{did}", "", 0, in(s.learnerRemoveDID)},
		{"POST", "/learner/claims", "", 0, in(s.learnerClaim)},
		{"GET", "/learner/credentials", "", 0, in(s.learnerCredentials)},
		{"GET", "/learner/credentials/{id}", "", 0, in(s.learnerCredential)},
		{"GET", "/learner/applications", "", 0, in(s.learnerApplications)},
	}
}

// needWallet answers 503 when the server has no wallet, and a rate
// limit as 429 with Retry-After.
func (s *Server) needWallet(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		if s.Wallet == nil {
			return cairn.Errorf(cairn.Unavailable, "learner accounts are not enabled on this server")
		}
		err := h(w, r, c)
		var rl *wallet.RateLimitError
		if errors.As(err, &rl) {
			secs := max(1, int(math.Ceil(rl.RetryAfter.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeProblem(w, Problem{Type: "urn:cairn:problem:too-many-requests", Title: http.StatusText(http.StatusTooManyRequests),
				Status: http.StatusTooManyRequests, Detail: rl.Error()})
			return nil
		}
		return err
	}
}

// learner authenticates the learner: a learner API token in
// Authorization: Bearer, or the wallet's session cookie (with the CSRF
// token on unsafe methods).
func (s *Server) learner(h learnerHandler) handler {
	return func(w http.ResponseWriter, r *http.Request, _ *caller) error {
		ctx := r.Context()
		if r.Header.Get("Authorization") != "" {
			tok := auth.BearerToken(r)
			if tok == "" {
				return unauthorized(w, "invalid_request", "the Authorization header must be Bearer "+wallet.APITokenPrefix+"…")
			}
			p, err := s.Wallet.Authenticate(ctx, store.LearnerAPIToken, tok)
			if cairn.KindOf(err) == cairn.Unauthorized {
				return unauthorized(w, "invalid_token", cairn.PublicMessage(err))
			}
			if err != nil {
				return err
			}
			return h(w, r, p)
		}
		ck, err := r.Cookie(wallet.CookieName(s.cookies.Secure()))
		if err != nil {
			return unauthorized(w, "", "sign in: send Authorization: Bearer with a token from POST /api/v1/learner/session")
		}
		p, err := s.Wallet.Authenticate(ctx, store.LearnerWebSession, ck.Value)
		if cairn.KindOf(err) == cairn.Unauthorized {
			return unauthorized(w, "", "the wallet session has ended; sign in again")
		}
		if err != nil {
			return err
		}
		if err := auth.CheckCSRF(r, &auth.Session{CSRF: p.Session.CSRFToken}); err != nil {
			return cairn.Wrapf(cairn.Forbidden, err, "cross-site request refused: send the session's CSRF token in the %s header", auth.CSRFHeader)
		}
		return h(w, r, p)
	}
}

// clientAddr is the request's client address for rate limits.
func clientAddr(r *http.Request) netip.Addr {
	a, err := auth.RemoteAddr(r)
	if err != nil {
		return netip.IPv6Unspecified()
	}
	return a
}

type learnerEmailView struct {
	Email      string     `json:"email"`
	Verified   bool       `json:"verified"`
	VerifiedAt *time.Time `json:"verifiedAt,omitempty"`
	SignIn     bool       `json:"signIn"` // the address the learner signs in with
}

type learnerDIDView struct {
	DID        string     `json:"did"`
	Verified   bool       `json:"verified"`
	VerifiedAt *time.Time `json:"verifiedAt,omitempty"`
}

type learnerView struct {
	ID        string             `json:"id"`
	Name      string             `json:"name"`
	Email     string             `json:"email"`
	CreatedAt time.Time          `json:"createdAt"`
	Emails    []learnerEmailView `json:"emails"`
	DIDs      []learnerDIDView   `json:"dids"`
}

func learnerViewOf(p *wallet.Profile) learnerView {
	v := learnerView{ID: p.Learner.ID, Name: p.Learner.Name, Email: p.Learner.Email, CreatedAt: p.Learner.CreatedAt,
		Emails: []learnerEmailView{}, DIDs: []learnerDIDView{}}
	for _, e := range p.Emails {
		v.Emails = append(v.Emails, learnerEmailView{Email: e.Email, Verified: e.VerifiedAt != nil, VerifiedAt: e.VerifiedAt,
			SignIn: e.Email == p.Learner.Email})
	}
	for _, d := range p.DIDs {
		v.DIDs = append(v.DIDs, learnerDIDView{DID: d.DID, Verified: d.VerifiedAt != nil, VerifiedAt: d.VerifiedAt})
	}
	return v
}

func (s *Server) writeProfile(w http.ResponseWriter, r *http.Request, status int, learnerID string) error {
	p, err := s.Wallet.Profile(r.Context(), learnerID)
	if err != nil {
		return err
	}
	return writeJSON(w, status, learnerViewOf(p))
}

type signupInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

func (s *Server) learnerSignup(w http.ResponseWriter, r *http.Request, _ *caller) error {
	var in signupInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	l, err := s.Wallet.SignUp(i18n.NewContext(r.Context(), i18n.Negotiate(r, "")), in.Email, in.Password, in.Name, "", clientAddr(r))
	if err != nil {
		return err
	}
	return s.writeProfile(w, r, http.StatusCreated, l.ID)
}

type signInInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type tokenView struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	LearnerID string    `json:"learnerId"`
}

func (s *Server) learnerSignIn(w http.ResponseWriter, r *http.Request, _ *caller) error {
	var in signInInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	l, err := s.Wallet.SignIn(r.Context(), in.Email, in.Password, clientAddr(r))
	if cairn.KindOf(err) == cairn.Unauthorized {
		return unauthorized(w, "", cairn.PublicMessage(err))
	}
	if err != nil {
		return err
	}
	tok, ls, err := s.Wallet.NewSession(r.Context(), l.ID, store.LearnerAPIToken)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, tokenView{Token: tok, ExpiresAt: ls.ExpiresAt, LearnerID: l.ID})
}

func (s *Server) learnerSignOut(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	if err := s.Wallet.SignOut(r.Context(), p); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) learnerMe(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	return s.writeProfile(w, r, http.StatusOK, p.Learner.ID)
}

type passwordInput struct {
	Password string `json:"password"`
}

func (s *Server) learnerDelete(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	var in passwordInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.Wallet.Delete(r.Context(), p.Learner.ID, in.Password); err != nil {
		if cairn.KindOf(err) == cairn.Unauthorized {
			// A wrong confirmation is not an ended session: 403.
			return &cairn.Error{Kind: cairn.Forbidden, Field: "password", Message: "the password is not right", Err: err}
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type emailInput struct {
	Email string `json:"email"`
}

func (s *Server) learnerAddEmail(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	var in emailInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.Wallet.AddEmail(i18n.NewContext(r.Context(), i18n.Negotiate(r, "")), p, in.Email); err != nil {
		return err
	}
	return s.writeProfile(w, r, http.StatusCreated, p.Learner.ID)
}

type tokenInput struct {
	Token string `json:"token"`
}

func (s *Server) learnerVerifyEmail(w http.ResponseWriter, r *http.Request, _ *caller) error {
	var in tokenInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Token == "" {
		return cairn.Invalidf("token", "is required: the token of the verification link (…/wallet/verify?token=…)")
	}
	e, err := s.Wallet.VerifyEmail(r.Context(), in.Token)
	if err != nil {
		var ce *cairn.Error
		if errors.As(err, &ce) && ce.Field == "" {
			return &cairn.Error{Kind: ce.Kind, Field: "token", Message: ce.Message, Err: err}
		}
		return err
	}
	return writeJSON(w, http.StatusOK, learnerEmailView{Email: e, Verified: true})
}

func (s *Server) learnerResend(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	if err := emptyBody(r); err != nil {
		return err
	}
	if err := s.Wallet.ResendVerification(i18n.NewContext(r.Context(), i18n.Negotiate(r, "")), p, r.PathValue("email")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Server) learnerRemoveEmail(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	if err := s.Wallet.RemoveEmail(r.Context(), p, r.PathValue("email")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type didInput struct {
	DID string `json:"did"`
}

type challengeView struct {
	DID       string    `json:"did"`
	Challenge string    `json:"challenge"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (s *Server) learnerAddDID(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	var in didInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ch, exp, err := s.Wallet.DIDChallenge(r.Context(), p, in.DID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, challengeView{DID: in.DID, Challenge: ch, ExpiresAt: exp})
}

type didProofInput struct {
	DID   string `json:"did"`
	Proof string `json:"proof"`
}

func (s *Server) learnerVerifyDID(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	var in didProofInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.Wallet.VerifyDID(r.Context(), p, in.DID, in.Proof); err != nil {
		return err
	}
	return s.writeProfile(w, r, http.StatusOK, p.Learner.ID)
}

func (s *Server) learnerRemoveDID(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	if err := s.Wallet.RemoveDID(r.Context(), p, r.PathValue("did")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type issuerRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// walletCredentialView is a credential in a learner's wallet.
type walletCredentialView struct {
	ID          string           `json:"id"`
	Source      string           `json:"source"` // "cairn": issued on this server
	URL         string           `json:"url"`
	Name        string           `json:"name"`
	Description string           `json:"description,omitempty"`
	Issuer      issuerRef        `json:"issuer"`
	Image       string           `json:"image"`
	AwardedDate time.Time        `json:"awardedDate"`
	ValidUntil  *time.Time       `json:"validUntil,omitempty"`
	State       cairn.AwardState `json:"state"`
	ClaimedAt   time.Time        `json:"claimedAt"`
	Credential  json.RawMessage  `json:"credential,omitempty"`
	JWT         string           `json:"jwt,omitempty"`
}

func walletCredentialOf(c *wallet.Credential) walletCredentialView {
	v := walletCredentialView{ID: c.Award.ID, Source: "cairn", URL: c.URL, Name: c.Achievement.Name,
		Description: c.Achievement.Description, Issuer: issuerRef{ID: c.Issuer.ID, Name: c.Issuer.Name, URL: c.Issuer.URL},
		Image: c.ImageURL, AwardedDate: c.Award.AwardedDate, ValidUntil: c.Award.ValidUntil, State: c.Award.State,
		ClaimedAt: c.ClaimedAt, JWT: c.Award.CredentialJWT}
	if json.Valid(c.Award.CredentialJSON) {
		v.Credential = c.Award.CredentialJSON
	}
	return v
}

func (s *Server) learnerClaim(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	var in tokenInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Token == "" {
		return cairn.Invalidf("token", "is required: the claim link, or its last part")
	}
	c, created, err := s.Wallet.Claim(r.Context(), p, in.Token)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, walletCredentialOf(c))
}

func (s *Server) learnerCredentials(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	items, err := s.learnerCredentialItems(r.Context(), r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) learnerCredential(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if ok, err := s.learnerImportedCredential(w, r, p, id); ok {
		return err
	}
	c, err := s.Wallet.Credential(r.Context(), p.Learner.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, walletCredentialOf(c))
}
