// Package admin serves Cairn's staff web interface: the login page and the
// pages under /admin where issuer staff define achievements, issue awards,
// revoke, suspend, re-issue and renew them, set the rules that award
// achievements for events (and see the events received), and manage API
// keys and webhook endpoints.
//
// Pages are server-rendered with html/template from embedded files, one file
// per page action, in the style of the public pages (the public layout's
// style sheet, plus form rules, served as one file under /admin/assets/).
// They run no script: the Content-Security-Policy allows none, styles only
// from this origin, and forms posting only here.
//
// # Sessions
//
// A successful login stores a cairn.Session (the SHA-256 of a random token,
// as api.SessionTokenHash computes it, so the JSON API accepts the same
// cookie) and sets the session cookie with auth.Cookies: HttpOnly,
// SameSite=Lax, Secure and named __Host-… when the base URL is https.
// A session ends at its ExpiresAt, Options.SessionLifetime after login
// (12 hours by default). cairn.Session has no last-seen time and the store
// no way to update one, so the idle timeout of package auth
// (auth.IdleTimeout) is not enforced: the absolute lifetime is kept short
// instead.
//
// # Forms and CSRF
//
// Every form carries the session's CSRF token and every POST goes through
// auth.CheckCSRF (which also refuses cross-site requests by Sec-Fetch-Site
// or Origin). The login form, posted before there is a session, carries a
// token that is also in a short-lived cookie (double submit), checked the
// same way.
//
// Bad input never answers 500: the form comes back with the values kept and
// the reason next to the field (cairn.FieldOf, cairn.PublicMessage).
package admin

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/internal/fail500"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/jobs"
	"github.com/cairn-badges/cairn/ltitool"
	"github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/review"
	"github.com/cairn-badges/cairn/sso"
	"github.com/cairn-badges/cairn/team"
	"github.com/cairn-badges/cairn/web"
	"github.com/cairn-badges/cairn/webhooks"
)

// Handler serves the login and admin pages. Create it with New.
type Handler struct {
	svc        *issuing.Service
	store      cairn.Store
	cookies    auth.Cookies
	limiter    *auth.Limiter
	log        *slog.Logger
	now        func() time.Time
	basePath   string // path part of the base URL: "" or "/prefix"
	sessionTTL time.Duration
	mail       *mail.Mailer
	webhooks   *webhooks.Service // nil: no webhooks page
	lti        *ltitool.Service  // nil: no learning platforms page
	pathways   *issuing.Pathways // nil: no pathway pages
	jobs       *jobs.Service     // nil: no bulk issue pages
	team       *team.Service     // nil: no team pages, no password reset, no idle timeout
	review     *review.Service   // nil: no applications pages
	idle       time.Duration
	sso        *sso.Service // nil: no single sign-on
}

// Options configure a Handler. The zero value is usable.
type Options struct {
	// Limiter limits login attempts per account and client address
	// (default auth.NewLimiter with its defaults: 10 at once, then one per
	// 30 s).
	Limiter *auth.Limiter
	// SessionLifetime is how long a login lasts (default 12 hours, at most
	// auth.AbsoluteTimeout).
	SessionLifetime time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives internal errors (default slog.Default()).
	Log *slog.Logger
	// Mail serves the Mail page: templates, previews and the mail sent
	// (default: a mailer over svc.Store() with mail off).
	Mail *mail.Mailer
	// Webhooks, if set, serves the webhooks pages.
	Webhooks *webhooks.Service
	// LTI, if set, serves the learning platforms (LTI 1.3) page.
	LTI *ltitool.Service
	// Pathways, if set, adds the pathway pages.
	Pathways *issuing.Pathways
	// Jobs, if set, adds the Bulk issue pages (award jobs).
	Jobs *jobs.Service
	// Team, if set, adds the Team pages (invitations, roles), password
	// resets by email, and ends sessions idle for IdleTimeout.
	Team *team.Service
	// Review, if set, adds the applications pages (the review queue, the
	// review page) and the achievement page's applications card.
	Review *review.Service
	// IdleTimeout ends a session not used for this long (default
	// DefaultIdleTimeout; needs Team, which records each session's use).
	IdleTimeout time.Duration
	// SSO, if set, adds single sign-on: "Sign in with …" on the login
	// page, /login/sso/{orgSlug} and the owners' page /admin/sso.
	SSO *sso.Service
}

// DefaultIdleTimeout ends a staff session unused for two hours.
const DefaultIdleTimeout = 2 * time.Hour

// DefaultSessionLifetime is how long a login lasts unless Options say
// otherwise: a working day, since idle sessions cannot be ended earlier.
const DefaultSessionLifetime = 12 * time.Hour

// New returns the admin pages of what svc issues, reading svc.Store().
func New(svc *issuing.Service, opts Options) *Handler {
	h := &Handler{svc: svc, store: svc.Store(), limiter: opts.Limiter, log: opts.Log, now: opts.Now,
		sessionTTL: opts.SessionLifetime, mail: opts.Mail, webhooks: opts.Webhooks, lti: opts.LTI, pathways: opts.Pathways, jobs: opts.Jobs,
		team: opts.Team, idle: opts.IdleTimeout, sso: opts.SSO, review: opts.Review}
	if h.idle <= 0 {
		h.idle = DefaultIdleTimeout
	}
	if st, ok := svc.Store().(mail.Store); ok && h.mail == nil {
		h.mail = &mail.Mailer{Store: st, BaseURL: svc.BaseURL(), Log: opts.Log}
	}
	// issuing.New accepted the base URL, so it is http(s) and parses.
	h.cookies, _ = auth.NewCookies(svc.BaseURL())
	if u, err := url.Parse(svc.BaseURL()); err == nil {
		h.basePath = strings.TrimRight(u.Path, "/")
	}
	if h.limiter == nil {
		h.limiter = auth.NewLimiter(auth.LimiterConfig{})
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.sessionTTL <= 0 {
		h.sessionTTL = DefaultSessionLifetime
	}
	h.sessionTTL = min(h.sessionTTL, auth.AbsoluteTimeout)
	return h
}

// Body limits.
const (
	// maxFormBody caps a form without a file.
	maxFormBody = 256 << 10
	// maxUploadBody caps the achievement form, which may carry an image.
	maxUploadBody = badgeMaxUpload + 256<<10
	// badgeMaxUpload caps an uploaded badge image.
	badgeMaxUpload = 2 << 20
)

// Register adds the routes to mux. Paths are relative to the base URL's
// path: when it has one (https://host/badges), mount mux under it with
// http.StripPrefix, as for the public pages.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", h.loginForm)
	mux.HandleFunc("POST /login", h.login)
	h.registerSSO(mux)
	mux.Handle("POST /logout", h.page("", h.logout))
	mux.HandleFunc("GET /admin/assets/admin.css", h.stylesheet)
	mux.HandleFunc("GET /admin/assets/jobs.js", h.script)

	mux.Handle("GET /admin", h.page(cairn.ActionRead, h.dashboard))
	mux.Handle("GET /admin/{$}", h.page(cairn.ActionRead, h.dashboard))
	mux.Handle("POST /admin/organization", h.page("", h.switchOrg))
	mux.Handle("GET /admin/settings", h.page(cairn.ActionManageOrganization, h.settingsShow))
	mux.Handle("POST /admin/settings", h.page(cairn.ActionManageOrganization, h.settingsSave))

	mux.Handle("GET /admin/achievements/new", h.page(cairn.ActionManageAchievements, h.achievementNew))
	mux.Handle("POST /admin/achievements/new", h.upload(h.page(cairn.ActionManageAchievements, h.achievementCreate)))
	mux.Handle("GET /admin/achievements/{id}", h.page(cairn.ActionRead, h.achievementEdit))
	mux.Handle("POST /admin/achievements/{id}", h.upload(h.page(cairn.ActionManageAchievements, h.achievementUpdate)))
	mux.Handle("POST /admin/achievements/{id}/certificate", h.upload(h.page(cairn.ActionManageAchievements, h.certificateSave)))
	mux.Handle("GET /admin/achievements/{id}/certificate.pdf", h.page(cairn.ActionRead, h.certificatePreview))

	if h.review != nil {
		mux.Handle("GET /admin/applications", h.page(cairn.ActionRead, h.applicationList))
		mux.Handle("GET /admin/applications/{id}", h.page(cairn.ActionRead, h.applicationShow))
		mux.Handle("GET /admin/applications/{id}/files/{file}", h.page(cairn.ActionRead, h.applicationFile))
		mux.Handle("POST /admin/applications/{id}/{decision}", h.page(cairn.ActionReview, h.applicationDecide))
		mux.Handle("POST /admin/achievements/{id}/applications", h.page(cairn.ActionManageAchievements, h.achievementApplications))
	}

	mux.Handle("GET /admin/issuers", h.page(cairn.ActionRead, h.issuerList))
	mux.Handle("GET /admin/issuers/new", h.page(cairn.ActionManageIssuers, h.issuerNew))
	mux.Handle("POST /admin/issuers/new", h.upload(h.page(cairn.ActionManageIssuers, h.issuerCreate)))
	mux.Handle("GET /admin/issuers/{id}", h.page(cairn.ActionRead, h.issuerEdit))
	mux.Handle("POST /admin/issuers/{id}", h.upload(h.page(cairn.ActionManageIssuers, h.issuerUpdate)))
	mux.Handle("POST /admin/issuers/{id}/rotate-keys", h.page(cairn.ActionManageIssuers, h.issuerRotate))

	mux.Handle("GET /admin/awards", h.page(cairn.ActionRead, h.awardList))
	mux.Handle("GET /admin/awards/new", h.page(cairn.ActionIssue, h.awardNew))
	mux.Handle("POST /admin/awards/new", h.page(cairn.ActionIssue, h.awardCreate))
	mux.Handle("GET /admin/awards/{id}", h.page(cairn.ActionRead, h.awardShow))
	mux.Handle("POST /admin/awards/{id}/state", h.page(cairn.ActionRevoke, h.awardState))
	mux.Handle("POST /admin/awards/{id}/reissue", h.page(cairn.ActionIssue, h.awardReissue))
	mux.Handle("POST /admin/awards/{id}/renew", h.page(cairn.ActionIssue, h.awardRenew))
	mux.Handle("POST /admin/awards/{id}/claim-link", h.page(cairn.ActionIssue, h.awardClaimLink))

	mux.Handle("GET /admin/endorsements", h.page(cairn.ActionRead, h.endorsementList))
	mux.Handle("POST /admin/endorsements", h.page(cairn.ActionEndorse, h.endorsementCreate))
	mux.Handle("POST /admin/endorsements/{id}/revoke", h.page(cairn.ActionEndorse, h.endorsementRevoke))
	mux.Handle("GET /admin/rules", h.page(cairn.ActionRead, h.rulesList))
	mux.Handle("POST /admin/rules", h.page(cairn.ActionManageAchievements, h.ruleCreate))
	mux.Handle("GET /admin/rules/{id}", h.page(cairn.ActionRead, h.ruleEdit))
	mux.Handle("POST /admin/rules/{id}", h.page(cairn.ActionManageAchievements, h.ruleUpdate))
	mux.Handle("POST /admin/rules/{id}/enabled", h.page(cairn.ActionManageAchievements, h.ruleEnable))
	mux.Handle("POST /admin/rules/{id}/delete", h.page(cairn.ActionManageAchievements, h.ruleDelete))
	mux.Handle("GET /admin/events", h.page(cairn.ActionRead, h.eventList))
	if h.mail != nil {
		mux.Handle("GET /admin/mail", h.page(cairn.ActionRead, h.mailShow))
		mux.Handle("POST /admin/mail", h.page(cairn.ActionRead, h.mailPost))
	}
	if h.jobs != nil {
		mux.Handle("GET /admin/award-jobs", h.page(cairn.ActionRead, h.jobsList))
		mux.Handle("POST /admin/award-jobs", h.jobUpload(h.page(cairn.ActionIssue, h.jobPreview)))
		mux.Handle("GET /admin/award-jobs/template.csv", h.page(cairn.ActionRead, h.jobTemplate))
		mux.Handle("POST /admin/award-jobs/start", h.page(cairn.ActionIssue, h.jobStart))
		mux.Handle("GET /admin/award-jobs/{id}", h.page(cairn.ActionRead, h.jobShow))
		mux.Handle("GET /admin/award-jobs/{id}/progress", h.page(cairn.ActionRead, h.jobProgress))
		mux.Handle("GET /admin/award-jobs/{id}/failed.csv", h.page(cairn.ActionRead, h.jobFailedCSV))
		mux.Handle("POST /admin/award-jobs/{id}/cancel", h.page(cairn.ActionIssue, h.jobCancel))
	}
	mux.Handle("GET /admin/pathways", h.page(cairn.ActionRead, h.pathwayList))
	mux.Handle("GET /admin/pathways/new", h.page(cairn.ActionManageAchievements, h.pathwayNew))
	mux.Handle("POST /admin/pathways/new", h.page(cairn.ActionManageAchievements, h.pathwayCreate))
	mux.Handle("GET /admin/pathways/{id}", h.page(cairn.ActionRead, h.pathwayShow))
	mux.Handle("GET /admin/pathways/{id}/edit", h.page(cairn.ActionManageAchievements, h.pathwayEdit))
	mux.Handle("POST /admin/pathways/{id}/edit", h.page(cairn.ActionManageAchievements, h.pathwayUpdate))
	mux.Handle("POST /admin/pathways/{id}/issue", h.page(cairn.ActionIssue, h.pathwayIssue))

	if h.team != nil {
		mux.Handle("GET /admin/team", h.page(cairn.ActionRead, h.teamShow))
		mux.Handle("POST /admin/team/invitations", h.page(cairn.ActionManageMembers, h.teamInvite))
		mux.Handle("POST /admin/team/invitations/{id}/withdraw", h.page(cairn.ActionManageMembers, h.teamWithdraw))
		mux.Handle("POST /admin/team/members/{id}/role", h.page(cairn.ActionManageMembers, h.teamRole))
		mux.Handle("POST /admin/team/members/{id}/remove", h.page(cairn.ActionManageMembers, h.teamRemove))
		mux.HandleFunc("GET /invite/{token}", h.inviteForm)
		mux.HandleFunc("POST /invite/{token}", h.inviteAccept)
		mux.HandleFunc("GET /password-reset", h.resetRequestForm)
		mux.HandleFunc("POST /password-reset", h.resetRequest)
		mux.HandleFunc("GET /password-reset/{token}", h.resetForm)
		mux.HandleFunc("POST /password-reset/{token}", h.resetPost)
	}
	mux.Handle("GET /admin/api-keys", h.page(cairn.ActionManageAPIKeys, h.apiKeys))
	mux.Handle("POST /admin/api-keys", h.page(cairn.ActionManageAPIKeys, h.apiKeyCreate))
	mux.Handle("POST /admin/api-keys/{id}/revoke", h.page(cairn.ActionManageAPIKeys, h.apiKeyRevoke))

	if h.lti != nil {
		mux.Handle("GET /admin/lti", h.page(cairn.ActionManageOrganization, h.ltiList))
		mux.Handle("POST /admin/lti", h.page(cairn.ActionManageOrganization, h.ltiCreate))
		mux.Handle("POST /admin/lti/{id}/delete", h.page(cairn.ActionManageOrganization, h.ltiDelete))
		mux.Handle("POST /admin/lti/courses/{id}/poll", h.page(cairn.ActionManageOrganization, h.ltiPoll))
		mux.Handle("POST /admin/lti/courses/{id}/disconnect", h.page(cairn.ActionManageOrganization, h.ltiDisconnect))
	}
	if h.webhooks != nil {
		mux.Handle("GET /admin/webhooks", h.page(cairn.ActionManageWebhooks, h.webhookList))
		mux.Handle("POST /admin/webhooks", h.page(cairn.ActionManageWebhooks, h.webhookCreate))
		mux.Handle("GET /admin/webhooks/{id}", h.page(cairn.ActionManageWebhooks, h.webhookShow))
		mux.Handle("POST /admin/webhooks/{id}", h.page(cairn.ActionManageWebhooks, h.webhookUpdate))
		mux.Handle("POST /admin/webhooks/{id}/test", h.page(cairn.ActionManageWebhooks, h.webhookTest))
		mux.Handle("POST /admin/webhooks/{id}/delete", h.page(cairn.ActionManageWebhooks, h.webhookDelete))
		mux.Handle("POST /admin/webhooks/{id}/deliveries/{delivery}/retry", h.page(cairn.ActionManageWebhooks, h.webhookRetry))
	}

	mux.Handle("/admin/", h.page(cairn.ActionRead, h.notFound))
}

// path returns the path of a page as a browser on this site asks for it.
func (h *Handler) path(p string) string { return h.basePath + p }

// upload raises the body limit of a form that may carry an image; page
// caps every other form at maxFormBody.
func (h *Handler) upload(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxUploadBody)
		next.ServeHTTP(w, r)
	})
}

// csp allows no script, styles and images from this origin only, and
// forms that post here.
const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// cspScript is csp for a page with a script file from this origin (no
// inline script) that asks this origin for data.
const cspScript = csp + "; script-src 'self'; connect-src 'self'"

func setHeaders(hd http.Header) {
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", csp)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
}

//go:embed templates/*.html
var templateFS embed.FS

// stylesheet is the public pages' style (web.Stylesheet) followed by what
// forms and lists need.
var stylesheet = []byte(web.Stylesheet + "\n" + adminCSS)

//go:embed static/jobs.js
var jobsScript []byte

//go:embed static/admin.css
var adminCSS string

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006")
	},
	"datetime": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	"isoDate": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	},
	"join": strings.Join,
	// humanType spells an achievement type as the catalog keys it
	// ("MicroCredential" -> "Micro Credential"), for Printer.TypeName.
	"humanType": func(t string) string {
		t = strings.TrimPrefix(t, "ext:")
		if t == "" {
			return "Badge"
		}
		var b strings.Builder
		for i, r := range t {
			if i > 0 && 'A' <= r && r <= 'Z' {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
		}
		return b.String()
	},
	// formats names credential formats for people (in English: the
	// page translates each).
	"formats": func(fs []string) []string {
		names := make([]string, 0, len(fs))
		for _, f := range fs {
			switch f {
			case cairn.FormatDataIntegrity:
				names = append(names, "JSON with Data Integrity proof")
			case cairn.FormatJWT:
				names = append(names, "VC-JWT")
			default:
				names = append(names, f)
			}
		}
		return names
	},
	// dict makes a map of key, value pairs, to pass several values to a
	// template.
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

// pages holds one template set per page file, each with the layout.
var pages = func() map[string]*template.Template {
	// Files named _*.html are parts that every page may use.
	layout := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html"))
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	m := make(map[string]*template.Template)
	for _, e := range names {
		if e.Name() == "layout.html" || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		m[e.Name()] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+e.Name()))
	}
	return m
}()

// view is what every page template gets.
type view struct {
	Title  string
	Base   string // basePath, to prefix links
	Actor  *actor // nil on the login page
	CSRF   string
	Notice string // a confirmation at the top of the page
	Nav    string // the current section, to highlight
	Data   any    // the page's own data
	// Script allows the page its script file (the job page's progress),
	// the only page that has one.
	Script bool
	// Team: the server has the Team pages.
	Team bool
	// Review: the server has the applications pages.
	Review bool
	// L translates the page (set by render when the handler has not).
	L *i18n.Printer
	// Langs is the language switcher at the foot of the page.
	Langs i18n.Switcher
}

// printer returns the language of the console for r: ?lang=, the
// switcher's cookie, Accept-Language, then the default language of the
// signed-in user's organization.
func (h *Handler) printer(r *http.Request, a *actor) *i18n.Printer {
	var fallback i18n.Lang
	if a != nil && a.Org != nil {
		if l, ok := i18n.Parse(a.Org.DefaultLanguage); ok {
			fallback = l
		}
	}
	return i18n.For(i18n.Negotiate(r, fallback))
}

// t translates key (a fmt format with args) into the console's language
// for r; the empty key stays empty (no notice).
func (h *Handler) t(r *http.Request, a *actor, key string, args ...any) string {
	if key == "" {
		return ""
	}
	return h.printer(r, a).T(key, args...)
}

// render writes a page. It renders into a buffer first, so a template
// error is a clean 500, not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.Base, v.Team, v.Review = h.basePath, h.team != nil, h.review != nil
	if v.Actor != nil {
		v.CSRF = v.Actor.session.CSRFToken
	}
	if v.L == nil {
		v.L = h.printer(r, v.Actor)
	}
	v.Langs = i18n.SwitcherFor(r, v.L)
	var b bytes.Buffer
	t := pages[name]
	if t == nil {
		h.log.Error("admin: no template", "template", name)
		fail500.Record(r, errors.New("no template "+name))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&b, name, v); err != nil {
		h.log.Error("admin: render", "template", name, "err", err)
		fail500.Record(r, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setHeaders(w.Header())
	i18n.Remember(w, r)
	if v.Script {
		w.Header().Set("Content-Security-Policy", cspScript)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// script serves the job page's script, the only script of the pages.
func (h *Handler) script(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(jobsScript)
}

func (h *Handler) stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(stylesheet)
}

// message is the data of the message page.
type message struct {
	Heading, Text  string
	Link, LinkText string
}

// fail answers an error that is not about one form field: 404 for
// NotFound (and a malformed ID), 403, 409, 503, and 500 (logged, not
// shown) for the rest.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, a *actor, err error) {
	status, heading := http.StatusInternalServerError, "Something went wrong"
	text := "Something went wrong on our side. Try again later."
	switch cairn.KindOf(err) {
	case cairn.NotFound:
		status, heading, text = http.StatusNotFound, "Not found", "There is nothing here, or it belongs to another organization."
	case cairn.Invalid:
		status, heading, text = http.StatusBadRequest, "That did not work", cairn.PublicMessage(err)
	case cairn.Forbidden:
		status, heading, text = http.StatusForbidden, "Not allowed", cairn.PublicMessage(err)
	case cairn.Conflict:
		status, heading, text = http.StatusConflict, "That did not work", cairn.PublicMessage(err)
	case cairn.Unauthorized:
		status, heading, text = http.StatusUnauthorized, "Log in again", cairn.PublicMessage(err)
	case cairn.Unavailable:
		w.Header().Set("Retry-After", "5")
		status, heading, text = http.StatusServiceUnavailable, "Busy", "The service is busy. Try again in a few seconds."
	default:
		h.log.Error("admin", "path", r.URL.Path, "err", err)
		fail500.Record(r, err)
	}
	if cairn.KindOf(err) != cairn.Invalid && cairn.KindOf(err) != cairn.Forbidden && cairn.KindOf(err) != cairn.Conflict &&
		cairn.KindOf(err) != cairn.Unauthorized {
		text = h.t(r, a, text)
	}
	heading = h.t(r, a, heading)
	h.render(w, r, status, "message.html", view{Title: heading, Actor: a,
		Data: message{Heading: heading, Text: text, Link: h.path("/admin"), LinkText: h.t(r, a, "Back to the dashboard")}})
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, a *actor) {
	h.fail(w, r, a, cairn.Errorf(cairn.NotFound, "no such page"))
}

// validID reports whether id can name something Cairn stores (UUIDs and
// similar tokens); anything else is not found without asking the store.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// pathID returns the {id} of the path, or a NotFound error.
func pathID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !validID(id) {
		return "", cairn.Errorf(cairn.NotFound, "no such object")
	}
	return id, nil
}

// redirect answers 303 See Other to a path of this site.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, p string) {
	http.Redirect(w, r, h.path(p), http.StatusSeeOther)
}

// isMaxBytes reports whether err comes from a body over its limit.
func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
