// Package ltitool connects Cairn to learning platforms as an LTI 1.3
// Advantage tool (docs/LTI.md): an organization registers its LMS, an
// instructor launches Cairn from a course and connects it, and Cairn then
// polls the course's gradebook (Assignment and Grade Services, read only)
// and its members (Names and Role Provisioning Services), turning each
// result into a completion event handed to issuing's HandleEvent, the
// code path of POST /api/v1/events (Events). The organization's rules decide what
// is awarded; nothing here issues by itself.
//
// Package lti holds the protocol (claims, checks, service clients); this
// package holds the registrations, launches and courses (Store), the
// endpoints /lti/login, /lti/launch and /lti/jwks.json (Handler) and the
// poller (Service.Run).
package ltitool

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/lti"
	"github.com/cairn-badges/cairn/rules"
)

// Registration is an LMS an organization registered Cairn with.
type Registration struct {
	ID    string
	OrgID string
	Name  string // the organization's own name for it ("Moodle")
	lti.Registration
	// ToolKID names the tool key (an RSA key of the registration's own,
	// never an issuer's credential key) in /lti/jwks.json.
	ToolKID       string
	ToolKeySealed []byte // PKCS #8, sealed by the keyring with ToolKeyAAD(ID)
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ToolKeyAAD binds a sealed tool key to its registration.
func ToolKeyAAD(registrationID string) []byte { return []byte("lti-tool-key:" + registrationID) }

// Course is a course (an LTI context) an instructor connected.
type Course struct {
	ID             string
	OrgID          string
	RegistrationID string
	DeploymentID   string
	ContextID      string
	Title          string
	LineItemsURL   string
	MembershipsURL string // "" when the platform offers no NRPS
	Scopes         []string
	// EventType is the type of the events its results become (lti.score
	// unless the instructor chose another); rules match it.
	EventType   string
	ConnectedBy string // the instructor's name or email, as the launch said
	ConnectedAt time.Time
	PolledAt    *time.Time
	Summary     PollSummary
	Error       string // the last poll's error, "" when it succeeded
}

// PollSummary is what one poll of a course saw and did.
type PollSummary struct {
	LineItems int  `json:"lineItems"`
	Results   int  `json:"results"`   // results with a score
	Events    int  `json:"events"`    // events handed to the rules (new and seen before)
	New       int  `json:"new"`       // of which new to Cairn
	Awarded   int  `json:"awarded"`   // awards the new events made
	Waiting   int  `json:"waiting"`   // results of users without an email yet
	Failed    int  `json:"failed"`    // events refused (the reason is in Course.Error)
	Members   int  `json:"members"`   // members the platform listed
	Truncated bool `json:"truncated"` // a list hit a cap: not every result was read
}

// User is what a platform's launch said of one of its users.
type User struct {
	Email, Name string
}

// Store keeps registrations, logins, launches, users and courses.
// Errors: cairn.NotFound, cairn.Conflict (a registration's issuer and
// client id are taken; a course connected twice is updated instead).
type Store interface {
	CreateLTIRegistration(ctx context.Context, r *Registration) error
	UpdateLTIRegistration(ctx context.Context, r *Registration) error
	// LTIRegistration returns orgID's registration (any organization's
	// when orgID is "").
	LTIRegistration(ctx context.Context, orgID, id string) (*Registration, error)
	// LTIRegistrations returns orgID's registrations (every one when
	// orgID is ""), oldest first.
	LTIRegistrations(ctx context.Context, orgID string) ([]*Registration, error)
	LTIRegistrationsByIssuer(ctx context.Context, issuer string) ([]*Registration, error)
	DeleteLTIRegistration(ctx context.Context, orgID, id string) error

	CreateLTILogin(ctx context.Context, state, registrationID, nonce string, expires time.Time) error
	// TakeLTILogin deletes the login and returns it; NotFound when it is
	// unknown, used or expired.
	TakeLTILogin(ctx context.Context, state string, now time.Time) (registrationID, nonce string, err error)
	CreateLTILaunch(ctx context.Context, id, registrationID string, claims []byte, expires time.Time) error
	LTILaunch(ctx context.Context, id string, now time.Time) (registrationID string, claims []byte, err error)
	// DeleteExpiredLTI deletes logins and launches that expired.
	DeleteExpiredLTI(ctx context.Context, now time.Time) error

	PutLTIUser(ctx context.Context, registrationID, userID string, u User, at time.Time) error
	LTIUser(ctx context.Context, registrationID, userID string) (*User, error)

	// PutLTICourse creates the course, or updates the one of its
	// registration, deployment and context (keeping its ID and polls).
	PutLTICourse(ctx context.Context, c *Course) error
	LTICourse(ctx context.Context, orgID, id string) (*Course, error)
	// LTICourseByContext returns the course of a registration's deployment
	// and context (NotFound when it is not connected).
	LTICourseByContext(ctx context.Context, registrationID, deploymentID, contextID string) (*Course, error)
	LTICourses(ctx context.Context, orgID string) ([]*Course, error)
	DeleteLTICourse(ctx context.Context, orgID, id string) error
	// LeaseLTICourses takes up to limit courses last polled before due
	// (or never) whose lease is free, holding each until until.
	LeaseLTICourses(ctx context.Context, now, due, until time.Time, limit int) ([]*Course, error)
	FinishLTIPoll(ctx context.Context, courseID string, at time.Time, s PollSummary, errText string) error
}

// Sealer seals tool keys; *keyring.Keyring is one.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Event is a scored result made into a completion event.
type Event struct {
	Type       string
	CourseID   string
	Score      float64 // a percentage, 0 to 100
	Email      string  // lower case
	Name       string
	OccurredAt time.Time
	ExternalID string
}

// Events hands the events polls make to the organization's rules:
// *issuing.Service is one (HandleLTIEvent, POST /api/v1/events' code
// path). created is false for an event seen before (by ExternalID);
// awarded counts the awards a new one made.
type Events interface {
	HandleLTIEvent(ctx context.Context, orgID string, ev Event) (created bool, awarded int, err error)
}

// Options configure a Service.
type Options struct {
	BaseURL string
	// AllowPrivate lets platforms be on private or loopback addresses and
	// plain http (CAIRN_LTI_ALLOW_PRIVATE): for an LMS inside the
	// operator's network, and tests.
	AllowPrivate bool
	// PollEvery is how often each connected course is polled (5 minutes
	// when zero).
	PollEvery time.Duration
	Log       *slog.Logger
	Now       func() time.Time
}

// Limits and lifetimes.
const (
	loginTTL        = 10 * time.Minute
	launchTTL       = time.Hour
	pollLease       = 5 * time.Minute
	defaultPollTime = 5 * time.Minute
	// MaxRegistrations caps an organization's registrations.
	MaxRegistrations = 20
	// DefaultEventType is the type of a result's event unless the
	// instructor chose another.
	DefaultEventType = "lti.score"
)

// Service is the LTI tool.
type Service struct {
	st     Store
	sealer Sealer
	events Events
	opts   Options
	log    *slog.Logger
	hc     *http.Client
	keys   *lti.KeySet

	mu      sync.Mutex
	clients map[string]*lti.Services // by registration ID and UpdatedAt

	jwksMu sync.Mutex
	jwks   []byte // the last JWKS, until jwksAt+jwksTTL or a registration changes
	jwksAt time.Time
}

// jwksTTL is how long the tool's key set is served from memory: each
// request would otherwise open every registration's sealed key.
const jwksTTL = time.Minute

// New returns the tool.
func New(st Store, sealer Sealer, events Events, opts Options) *Service {
	if opts.PollEvery <= 0 {
		opts.PollEvery = defaultPollTime
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	t := http.DefaultTransport.(*http.Transport).Clone()
	if !opts.AllowPrivate {
		t = fetch.PublicTransport()
	}
	hc := &http.Client{Transport: t, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	s := &Service{st: st, sealer: sealer, events: events, opts: opts, log: opts.Log, hc: hc, clients: map[string]*lti.Services{}}
	s.keys = lti.NewKeySet(s.getJWKS)
	return s
}

// getJWKS fetches a platform's key set (at most 1 MiB).
func (s *Service) getJWKS(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the platform's key set answered %s", resp.Status)
	}
	return readCapped(resp, 1<<20)
}

// The tool's addresses, to give the platform at registration.

// LoginURL is the OIDC initiation URL (initiate_login_uri).
func (s *Service) LoginURL() string { return s.opts.BaseURL + "/lti/login" }

// LaunchURL is the redirect and target link URI.
func (s *Service) LaunchURL() string { return s.opts.BaseURL + "/lti/launch" }

// JWKSURL is where the tool's public keys are.
func (s *Service) JWKSURL() string { return s.opts.BaseURL + "/lti/jwks.json" }

// RegistrationInput is what an organization says of its LMS.
type RegistrationInput struct {
	Name          string   `json:"name"`
	Issuer        string   `json:"issuer"`
	ClientID      string   `json:"clientId"`
	DeploymentIDs []string `json:"deploymentIds"`
	AuthLoginURL  string   `json:"authLoginUrl"`
	AuthTokenURL  string   `json:"authTokenUrl"`
	JWKSURL       string   `json:"jwksUrl"`
}

func (in *RegistrationInput) check(allowPrivate bool) (lti.Registration, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = in.Issuer
	}
	if len(in.Name) > 200 {
		return lti.Registration{}, cairn.Invalidf("name", "is longer than 200 bytes")
	}
	var ids []string
	for _, d := range in.DeploymentIDs {
		if d = strings.TrimSpace(d); d != "" && !slices.Contains(ids, d) {
			ids = append(ids, d)
		}
	}
	if len(ids) > 50 {
		return lti.Registration{}, cairn.Invalidf("deploymentIds", "has %d entries; the limit is 50", len(ids))
	}
	reg := lti.Registration{Issuer: strings.TrimSpace(in.Issuer), ClientID: strings.TrimSpace(in.ClientID), DeploymentIDs: ids,
		AuthLoginURL: strings.TrimSpace(in.AuthLoginURL), AuthTokenURL: strings.TrimSpace(in.AuthTokenURL), JWKSURL: strings.TrimSpace(in.JWKSURL)}
	for _, f := range []struct{ name, v string }{{"issuer", reg.Issuer}, {"clientId", reg.ClientID}} {
		if len(f.v) > 1000 {
			return reg, cairn.Invalidf(f.name, "is longer than 1000 bytes")
		}
	}
	if err := reg.Validate(); err != nil {
		return reg, err
	}
	if !allowPrivate {
		for _, f := range []struct{ name, v string }{{"authLoginUrl", reg.AuthLoginURL}, {"authTokenUrl", reg.AuthTokenURL}, {"jwksUrl", reg.JWKSURL}} {
			if !strings.HasPrefix(f.v, "https://") {
				return reg, cairn.Invalidf(f.name, "must be an https URL (plain http only when the operator allows private addresses)")
			}
		}
	}
	return reg, nil
}

// Register records an organization's LMS and makes its tool key.
// Errors: Invalid naming the field, Conflict (the issuer and client id are
// registered already).
func (s *Service) Register(ctx context.Context, orgID string, in RegistrationInput) (*Registration, error) {
	reg, err := in.check(s.opts.AllowPrivate)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.LTIRegistrations(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if len(existing) >= MaxRegistrations {
		return nil, cairn.Invalidf("issuer", "the organization has %d platforms registered, the limit", MaxRegistrations)
	}
	key, err := lti.GenerateToolKey()
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now().UTC()
	r := &Registration{ID: newID(), OrgID: orgID, Name: in.Name, Registration: reg, ToolKID: "lti-" + newID()[:12], CreatedAt: now, UpdatedAt: now}
	if r.ToolKeySealed, err = s.sealer.Seal(der, ToolKeyAAD(r.ID)); err != nil {
		return nil, err
	}
	if err := s.st.CreateLTIRegistration(ctx, r); err != nil {
		return nil, err
	}
	s.forgetJWKS() // the platform fetches the new key at once
	return r, nil
}

// Update changes a registration (its tool key stays).
func (s *Service) Update(ctx context.Context, orgID, id string, in RegistrationInput) (*Registration, error) {
	reg, err := in.check(s.opts.AllowPrivate)
	if err != nil {
		return nil, err
	}
	r, err := s.st.LTIRegistration(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	r.Name, r.Registration, r.UpdatedAt = in.Name, reg, s.opts.Now().UTC()
	if err := s.st.UpdateLTIRegistration(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Registrations returns an organization's registrations.
func (s *Service) Registrations(ctx context.Context, orgID string) ([]*Registration, error) {
	return s.st.LTIRegistrations(ctx, orgID)
}

// Registration returns one of an organization's registrations.
func (s *Service) Registration(ctx context.Context, orgID, id string) (*Registration, error) {
	return s.st.LTIRegistration(ctx, orgID, id)
}

// Delete removes a registration with its courses.
func (s *Service) Delete(ctx context.Context, orgID, id string) error {
	defer s.forgetJWKS()
	return s.st.DeleteLTIRegistration(ctx, orgID, id)
}

// Courses returns an organization's connected courses.
func (s *Service) Courses(ctx context.Context, orgID string) ([]*Course, error) {
	return s.st.LTICourses(ctx, orgID)
}

// Course returns one of an organization's connected courses.
func (s *Service) Course(ctx context.Context, orgID, id string) (*Course, error) {
	return s.st.LTICourse(ctx, orgID, id)
}

// Disconnect stops polling a course.
func (s *Service) Disconnect(ctx context.Context, orgID, id string) error {
	return s.st.DeleteLTICourse(ctx, orgID, id)
}

func (s *Service) toolKey(r *Registration) (*rsa.PrivateKey, error) {
	der, err := s.sealer.Open(r.ToolKeySealed, ToolKeyAAD(r.ID))
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "opening the LTI tool key of %s", r.ID)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "reading the LTI tool key of %s", r.ID)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, cairn.Errorf(cairn.Internal, "the LTI tool key of %s is not RSA", r.ID)
	}
	return rk, nil
}

// JWKS is the tool's public keys, every registration's.
func (s *Service) JWKS(ctx context.Context) ([]byte, error) {
	s.jwksMu.Lock()
	defer s.jwksMu.Unlock()
	if s.jwks != nil && s.opts.Now().Sub(s.jwksAt) < jwksTTL {
		return s.jwks, nil
	}
	regs, err := s.st.LTIRegistrations(ctx, "")
	if err != nil {
		return nil, err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, r := range regs {
		k, err := s.toolKey(r)
		if err != nil {
			s.log.Error("lti tool key", "registration", r.ID, "err", err)
			continue
		}
		keys[r.ToolKID] = &k.PublicKey
	}
	b, err := lti.ToolJWKS(keys)
	if err != nil {
		return nil, err
	}
	s.jwks, s.jwksAt = b, s.opts.Now()
	return b, nil
}

// forgetJWKS makes the next JWKS read the registrations again.
func (s *Service) forgetJWKS() {
	s.jwksMu.Lock()
	s.jwks = nil
	s.jwksMu.Unlock()
}

// BeginLogin answers a third-party initiated login: the registration of
// the platform (by issuer, and client id when it is given or several
// match), a login recorded with a fresh state and nonce, and the URL of the
// platform's authorization endpoint to send the browser to. Errors:
// Invalid naming the parameter, NotFound (no such registration).
func (s *Service) BeginLogin(ctx context.Context, lr lti.LoginRequest) (redirect, state string, err error) {
	regs, err := s.st.LTIRegistrationsByIssuer(ctx, lr.Issuer)
	if err != nil {
		return "", "", err
	}
	var reg *Registration
	for _, r := range regs {
		if lr.ClientID == "" || r.ClientID == lr.ClientID {
			if reg != nil {
				return "", "", cairn.Invalidf("client_id", "is needed: several registrations have the issuer %q", lr.Issuer)
			}
			reg = r
		}
	}
	if reg == nil {
		return "", "", cairn.Errorf(cairn.NotFound, "no LMS is registered with the issuer %q (and client id %q)", lr.Issuer, lr.ClientID)
	}
	if lr.DeploymentID != "" && !slices.Contains(reg.DeploymentIDs, lr.DeploymentID) {
		return "", "", cairn.Invalidf("lti_deployment_id", "%q is not a deployment registered for this LMS", lr.DeploymentID)
	}
	state, nonce := newToken(), newToken()
	if err := s.st.CreateLTILogin(ctx, state, reg.ID, nonce, s.opts.Now().Add(loginTTL)); err != nil {
		return "", "", err
	}
	return lti.AuthRedirect(reg.Registration, lr, s.LaunchURL(), state, nonce), state, nil
}

// LaunchResult is a verified launch.
type LaunchResult struct {
	ID           string // of the launch's pages, valid for an hour
	Launch       *lti.Launch
	Registration *Registration
	Course       *Course // the connected course of the launch's context, nil if none
}

// CompleteLaunch verifies a launch: the state posted is the browser's
// (cookieState) and an unused login's, and the id_token is the
// registration's platform's, for that login's nonce (lti.VerifyLaunch
// checks the rest). It records the user's email and name and the launch.
// Errors: *lti.CheckError (a failed check), Invalid, NotFound.
func (s *Service) CompleteLaunch(ctx context.Context, state, cookieState, idToken string) (*LaunchResult, error) {
	if state == "" {
		return nil, &lti.CheckError{Check: "state", Reason: "the launch carries no state"}
	}
	if cookieState != state {
		return nil, &lti.CheckError{Check: "state", Reason: "the launch's state is not this browser's (the login began elsewhere, or the browser refused the cookie)"}
	}
	now := s.opts.Now()
	regID, nonce, err := s.st.TakeLTILogin(ctx, state, now)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, &lti.CheckError{Check: "state", Reason: "the login is unknown, used already or expired; launch again from the course"}
	}
	if err != nil {
		return nil, err
	}
	reg, err := s.st.LTIRegistration(ctx, "", regID)
	if err != nil {
		return nil, err
	}
	l, err := s.keys.VerifyLaunch(ctx, reg.Registration, idToken, now)
	if err != nil {
		return nil, err
	}
	if l.Nonce != nonce {
		return nil, &lti.CheckError{Check: "nonce", Reason: "the id_token's nonce is not the login's"}
	}
	if l.Email != "" {
		if err := s.st.PutLTIUser(ctx, reg.ID, l.Subject, User{Email: strings.ToLower(l.Email), Name: l.Name}, now); err != nil {
			return nil, err
		}
	}
	claims, err := json.Marshal(l)
	if err != nil {
		return nil, err
	}
	res := &LaunchResult{ID: newToken(), Launch: l, Registration: reg}
	if err := s.st.CreateLTILaunch(ctx, res.ID, reg.ID, claims, now.Add(launchTTL)); err != nil {
		return nil, err
	}
	res.Course, err = s.courseOf(ctx, reg, l)
	return res, err
}

// Launch returns a recorded launch. Errors: NotFound (unknown or expired).
func (s *Service) Launch(ctx context.Context, id string) (*LaunchResult, error) {
	regID, claims, err := s.st.LTILaunch(ctx, id, s.opts.Now())
	if err != nil {
		return nil, err
	}
	reg, err := s.st.LTIRegistration(ctx, "", regID)
	if err != nil {
		return nil, err
	}
	var l lti.Launch
	if err := json.Unmarshal(claims, &l); err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "reading a stored launch")
	}
	res := &LaunchResult{ID: id, Launch: &l, Registration: reg}
	res.Course, err = s.courseOf(ctx, reg, &l)
	return res, err
}

func (s *Service) courseOf(ctx context.Context, reg *Registration, l *lti.Launch) (*Course, error) {
	c, err := s.st.LTICourseByContext(ctx, reg.ID, l.DeploymentID, l.ContextID)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, nil
	}
	return c, err
}

// Connect connects the launch's course: polls will read its line items
// and results (and its members, when the platform offers NRPS) and make
// events of type eventType ("" for DefaultEventType). Only an instructor's
// launch may, and only with the platform's AGS endpoint and its results
// scope. Errors: Invalid naming the reason, NotFound (the launch expired).
func (s *Service) Connect(ctx context.Context, launchID, eventType string) (*Course, error) {
	res, err := s.Launch(ctx, launchID)
	if err != nil {
		return nil, err
	}
	l := res.Launch
	if !l.IsInstructor() {
		return nil, cairn.Errorf(cairn.Forbidden, "only an instructor of the course can connect it")
	}
	if l.ContextID == "" {
		return nil, cairn.Invalidf("context", "the launch names no course (context claim)")
	}
	if l.AGS == nil || l.AGS.LineItems == "" {
		return nil, cairn.Invalidf("ags", "the platform gave no Assignment and Grade Services endpoint for this course: turn AGS on for the tool in the LMS")
	}
	if !slices.Contains(l.AGS.Scopes, lti.ScopeResultReadOnly) {
		return nil, cairn.Invalidf("ags", "the platform does not grant the results scope (%s): allow it for the tool in the LMS", lti.ScopeResultReadOnly)
	}
	if eventType == "" {
		eventType = DefaultEventType
	}
	if err := rules.CheckType("eventType", eventType); err != nil {
		return nil, err
	}
	by := l.Name
	if by == "" {
		by = l.Email
	}
	c := &Course{ID: newID(), OrgID: res.Registration.OrgID, RegistrationID: res.Registration.ID, DeploymentID: l.DeploymentID,
		ContextID: l.ContextID, Title: l.ContextTitle, LineItemsURL: l.AGS.LineItems, Scopes: l.AGS.Scopes, EventType: eventType,
		ConnectedBy: by, ConnectedAt: s.opts.Now().UTC()}
	if c.Title == "" {
		c.Title = l.ContextLabel
	}
	if l.NRPS != nil {
		c.MembershipsURL = l.NRPS.MembershipsURL
	}
	if err := s.st.PutLTICourse(ctx, c); err != nil {
		return nil, err
	}
	return s.st.LTICourse(ctx, c.OrgID, c.ID)
}

// services returns the service client of a registration for a course's
// scopes (the AGS read scopes, and the NRPS one when the course has a
// members list: a platform refuses a token naming a scope it does not
// grant), kept while the registration is unchanged (its bearer token is
// cached inside).
func (s *Service) services(r *Registration, c *Course) (*lti.Services, error) {
	scopes := []string{lti.ScopeLineItemReadOnly, lti.ScopeResultReadOnly}
	if c.MembershipsURL != "" {
		scopes = append(scopes, lti.ScopeMembershipReadOnly)
	}
	key := r.ID + "@" + r.UpdatedAt.Format(time.RFC3339Nano) + "@" + strings.Join(scopes, " ")
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv := s.clients[key]; sv != nil {
		return sv, nil
	}
	k, err := s.toolKey(r)
	if err != nil {
		return nil, err
	}
	sv := lti.NewServices(r.Registration, k, r.ToolKID, s.hc, s.opts.Now)
	sv.UseScopes(scopes...)
	for old := range s.clients {
		if strings.HasPrefix(old, r.ID+"@") && !strings.HasPrefix(old, r.ID+"@"+r.UpdatedAt.Format(time.RFC3339Nano)+"@") {
			delete(s.clients, old) // of the registration before a change
		}
	}
	s.clients[key] = sv
	return sv, nil
}

// Poll reads a course's line items, results and members, and hands each
// scored result of a user with an email to the rules as an event (its
// externalId derived from the platform, deployment, line item, user and
// score: a result seen again is the same event and makes nothing new).
// It records what it saw on the course.
func (s *Service) Poll(ctx context.Context, c *Course) (PollSummary, error) {
	sum, err := s.poll(ctx, c)
	text := ""
	if err != nil {
		text = cairn.PublicMessage(err)
		if cairn.KindOf(err) == cairn.Internal {
			text = err.Error()
		}
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if ferr := s.st.FinishLTIPoll(fctx, c.ID, s.opts.Now().UTC(), sum, text); ferr != nil {
		return sum, errors.Join(err, ferr)
	}
	return sum, err
}

func (s *Service) poll(ctx context.Context, c *Course) (PollSummary, error) {
	var sum PollSummary
	reg, err := s.st.LTIRegistration(ctx, c.OrgID, c.RegistrationID)
	if err != nil {
		return sum, err
	}
	sv, err := s.services(reg, c)
	if err != nil {
		return sum, err
	}
	items, err := sv.LineItems(ctx, c.LineItemsURL)
	if err != nil {
		return sum, fmt.Errorf("reading the course's line items: %w", err)
	}
	sum.LineItems = len(items)
	members := map[string]lti.Member{}
	if c.MembershipsURL != "" {
		ms, err := sv.Members(ctx, c.MembershipsURL)
		if err != nil {
			return sum, fmt.Errorf("reading the course's members: %w", err)
		}
		sum.Members = len(ms)
		for _, m := range ms {
			members[m.UserID] = m
		}
	}
	now := s.opts.Now().UTC()
	var firstErr error
	for _, li := range items {
		results, err := sv.Results(ctx, li.ID)
		if err != nil {
			return sum, fmt.Errorf("reading the results of %q: %w", li.Label, err)
		}
		for _, r := range results {
			score, ok := lti.Score(r, li)
			if !ok {
				continue
			}
			sum.Results++
			email, name := members[r.UserID].Email, members[r.UserID].Name
			if email == "" {
				if u, err := s.st.LTIUser(ctx, reg.ID, r.UserID); err == nil {
					email, name = u.Email, u.Name
				} else if cairn.KindOf(err) != cairn.NotFound {
					return sum, err
				}
			}
			if email == "" {
				sum.Waiting++
				continue
			}
			score = min(max(score, 0), 100)
			ev := Event{Type: c.EventType, CourseID: c.ContextID, Score: score, OccurredAt: now, Email: strings.ToLower(email), Name: name,
				ExternalID: lti.ExternalID(reg.Issuer, c.DeploymentID, li.ID, r.UserID, score)}
			created, awarded, err := s.events.HandleLTIEvent(ctx, c.OrgID, ev)
			sum.Events++
			if err != nil {
				if cairn.KindOf(err) == cairn.Unavailable || ctx.Err() != nil {
					return sum, err
				}
				sum.Failed++
				if firstErr == nil {
					firstErr = fmt.Errorf("the result of user %s in %q: %w", r.UserID, li.Label, err)
				}
				continue
			}
			if created {
				sum.New++
				sum.Awarded += awarded
			}
		}
	}
	return sum, firstErr
}

// PollNow polls one of an organization's courses at once.
func (s *Service) PollNow(ctx context.Context, orgID, courseID string) (PollSummary, error) {
	c, err := s.st.LTICourse(ctx, orgID, courseID)
	if err != nil {
		return PollSummary{}, err
	}
	return s.Poll(ctx, c)
}

// Run polls connected courses every Options.PollEvery, each by one
// replica at a time (leases), until ctx is done.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(min(s.opts.PollEvery/4, time.Minute))
	defer t.Stop()
	for {
		s.PollDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PollDue polls the courses whose time has come, and forgets expired
// logins and launches.
func (s *Service) PollDue(ctx context.Context) {
	now := s.opts.Now()
	if err := s.st.DeleteExpiredLTI(ctx, now); err != nil && ctx.Err() == nil {
		s.log.Warn("lti: deleting expired logins", "err", err)
	}
	for ctx.Err() == nil {
		cs, err := s.st.LeaseLTICourses(ctx, now, now.Add(-s.opts.PollEvery), now.Add(pollLease), 10)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("lti: leasing courses", "err", err)
			}
			return
		}
		if len(cs) == 0 {
			return
		}
		for _, c := range cs {
			if _, err := s.Poll(ctx, c); err != nil && ctx.Err() == nil {
				s.log.Warn("lti: poll", "course", c.ID, "context", c.ContextID, "err", err)
			}
		}
	}
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func newToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func readCapped(resp *http.Response, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("the answer is larger than %d bytes", limit)
	}
	return b, nil
}
