package ltitool

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/internal/fail500"
	"github.com/cairn-badges/cairn/lti"
)

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").ParseFS(templateFS, "templates/*.html"))

// Directory is what the launch pages read of the organization; *store.DB
// is one.
type Directory interface {
	Organization(ctx context.Context, id string) (*cairn.Organization, error)
	Rules(ctx context.Context, orgID string) ([]*cairn.Rule, error)
	Achievement(ctx context.Context, orgID, id string) (*cairn.Achievement, error)
	Awards(ctx context.Context, f cairn.AwardFilter) ([]*cairn.Award, string, error)
}

// Handler serves the tool's endpoints: /lti/login (GET or POST, the
// platform's third-party initiated login), /lti/launch (POST, the
// id_token), /lti/jwks.json, and the launch's pages (connect the course,
// check the gradebook now; a learner's badges).
type Handler struct {
	Tool *Service
	// Logins limits /lti/login per client address (each login is stored
	// until its launch or for ten minutes); nil for a default of 30 at once,
	// then one every 2 seconds.
	Logins        *auth.Limiter
	Dir           Directory
	CredentialURL func(awardID string) string
	ConsoleURL    string // the staff console's rules page
	Log           *slog.Logger

	once sync.Once // makes Logins
}

// stateCookie holds the state of a login begun in this browser.
const stateCookie = "cairn_lti_state"

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /lti/login", h.login)
	mux.HandleFunc("POST /lti/login", h.login)
	mux.HandleFunc("POST /lti/launch", h.launch)
	mux.HandleFunc("GET /lti/jwks.json", h.jwks)
	mux.HandleFunc("GET /lti/launches/{id}", h.page)
	mux.HandleFunc("POST /lti/launches/{id}/connect", h.connect)
	mux.HandleFunc("POST /lti/launches/{id}/poll", h.pollNow)
}

func (h *Handler) limiter() *auth.Limiter {
	h.once.Do(func() {
		if h.Logins == nil {
			h.Logins = auth.NewLimiter(auth.LimiterConfig{Burst: 30, Every: 2 * time.Second})
		}
	})
	return h.Logins
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

func (h *Handler) secure() bool { return strings.HasPrefix(h.Tool.opts.BaseURL, "https://") }

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if addr, err := auth.RemoteAddr(r); err == nil {
		if wait, err := h.limiter().Allow("lti-login", addr, time.Now()); err != nil {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			h.fail(w, r, nil, http.StatusTooManyRequests, &lti.CheckError{Check: "rate",
				Reason: "too many launches from this address; wait a minute and open Cairn again from the course"})
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	lr, err := lti.ParseLogin(r)
	if err != nil {
		h.fail(w, r, nil, http.StatusBadRequest, err)
		return
	}
	redirect, state, err := h.Tool.BeginLogin(r.Context(), lr)
	if err != nil {
		h.fail(w, r, nil, statusOf(err), err)
		return
	}
	// The launch comes back as a cross-site POST from the platform: the
	// cookie must be SameSite=None, which browsers take only when Secure.
	c := &http.Cookie{Name: stateCookie, Value: state, Path: "/lti/", MaxAge: int(loginTTL / time.Second), HttpOnly: true,
		Secure: h.secure(), SameSite: http.SameSiteLaxMode}
	if h.secure() {
		c.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(w, c)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, redirect, http.StatusFound)
}

func (h *Handler) launch(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, nil, http.StatusBadRequest, cairn.Invalidf("id_token", "the launch is not a form: %v", err))
		return
	}
	if e := r.PostForm.Get("error"); e != "" {
		h.fail(w, r, nil, http.StatusBadRequest, &lti.CheckError{Check: "platform", Reason: "the LMS refused the login: " + e + " " + r.PostForm.Get("error_description")})
		return
	}
	cookie := ""
	if c, err := r.Cookie(stateCookie); err == nil {
		cookie = c.Value
	}
	res, err := h.Tool.CompleteLaunch(r.Context(), r.PostForm.Get("state"), cookie, r.PostForm.Get("id_token"))
	if err != nil {
		h.fail(w, r, nil, statusOf(err), err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: "/lti/", MaxAge: -1, HttpOnly: true, Secure: h.secure()})
	http.Redirect(w, r, "/lti/launches/"+res.ID, http.StatusSeeOther)
}

func (h *Handler) jwks(w http.ResponseWriter, r *http.Request) {
	b, err := h.Tool.JWKS(r.Context())
	if err != nil {
		h.log().Error("lti jwks", "err", err)
		fail500.Record(r, err)
		http.Error(w, "the key set is unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(b)
}

// launchPage is the model of launch.html.
type launchPage struct {
	L          *i18n.Printer
	Switch     i18n.Switcher
	Org        string
	Launch     *lti.Launch
	ID         string
	Instructor bool
	Course     *Course
	EventTypes []string
	Rules      []ruleView
	Badges     []badgeView
	ConsoleURL string
	Notice     string
	NoticeKind string // connected or polled
	// The error page's.
	Check, Reason string
	Status        int
}

type ruleView struct {
	Name, Achievement string
	MinScore          float64
	HasMinScore       bool
	EventType         string
}

type badgeView struct {
	Name, URL string
	Date      time.Time
	State     string
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	res, err := h.Tool.Launch(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, nil, statusOf(err), err)
		return
	}
	h.render(w, r, res, r.URL.Query().Get("notice"))
}

func (h *Handler) connect(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := r.PathValue("id")
	if _, err := h.Tool.Connect(r.Context(), id, r.PostFormValue("eventType")); err != nil {
		res, lerr := h.Tool.Launch(r.Context(), id)
		h.fail(w, r, resOrNil(res, lerr), statusOf(err), err)
		return
	}
	http.Redirect(w, r, "/lti/launches/"+id+"?notice=connected", http.StatusSeeOther)
}

func (h *Handler) pollNow(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	res, err := h.Tool.Launch(r.Context(), id)
	if err != nil {
		h.fail(w, r, nil, statusOf(err), err)
		return
	}
	if !res.Launch.IsInstructor() || res.Course == nil {
		h.fail(w, r, res, http.StatusForbidden, cairn.Errorf(cairn.Forbidden, "only an instructor of a connected course can check its gradebook"))
		return
	}
	if _, err := h.Tool.Poll(r.Context(), res.Course); err != nil {
		h.log().Warn("lti poll now", "course", res.Course.ID, "err", err) // shown on the page, from the course's record
	}
	http.Redirect(w, r, "/lti/launches/"+id+"?notice=polled", http.StatusSeeOther)
}

func resOrNil(res *LaunchResult, err error) *LaunchResult {
	if err != nil {
		return nil
	}
	return res
}

// printer is the reader's language: asked for, else the launch's locale.
func printer(r *http.Request, l *lti.Launch) *i18n.Printer {
	fallback := i18n.Lang("")
	if l != nil {
		if lang, ok := i18n.Parse(localeLang(l)); ok {
			fallback = lang
		}
	}
	return i18n.For(i18n.Negotiate(r, fallback))
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, res *LaunchResult, notice string) {
	ctx := r.Context()
	l := res.Launch
	p := &launchPage{L: printer(r, l), ID: res.ID, Launch: l, Instructor: l.IsInstructor(), Course: res.Course,
		EventTypes: []string{DefaultEventType, "assessment.passed", "course.completed"}, ConsoleURL: h.ConsoleURL}
	p.Switch = i18n.SwitcherFor(r, p.L)
	p.NoticeKind = notice
	switch notice {
	case "connected":
		p.Notice = p.L.T("The course is connected. Cairn reads its gradebook every few minutes.")
	case "polled":
		p.Notice = p.L.T("The gradebook was read just now.")
	}
	orgID := res.Registration.OrgID
	if org, err := h.Dir.Organization(ctx, orgID); err == nil {
		p.Org = org.Name
	}
	if p.Instructor {
		rs, err := h.Dir.Rules(ctx, orgID)
		if err != nil {
			h.fail(w, r, nil, http.StatusInternalServerError, err)
			return
		}
		for _, ru := range rs {
			if !ru.Enabled || (ru.CourseID != "" && ru.CourseID != l.ContextID) {
				continue
			}
			if ru.CourseID == "" && !strings.HasPrefix(ru.EventType, "lti.") {
				continue // a rule for any course of other sources
			}
			v := ruleView{Name: ru.Name, EventType: ru.EventType}
			if ru.MinScore != nil {
				v.MinScore, v.HasMinScore = *ru.MinScore, true
			}
			if a, err := h.Dir.Achievement(ctx, orgID, ru.AchievementID); err == nil {
				v.Achievement = a.Name
			}
			p.Rules = append(p.Rules, v)
		}
	} else if l.Email != "" {
		awards, _, err := h.Dir.Awards(ctx, cairn.AwardFilter{OrgID: orgID, Recipient: strings.ToLower(l.Email), Limit: 100})
		if err != nil {
			h.fail(w, r, nil, http.StatusInternalServerError, err)
			return
		}
		names := map[string]string{}
		for _, a := range awards {
			if _, ok := names[a.AchievementID]; !ok {
				if ach, err := h.Dir.Achievement(ctx, orgID, a.AchievementID); err == nil {
					names[a.AchievementID], _, _ = ach.Localized(string(p.L.Lang))
				}
			}
			p.Badges = append(p.Badges, badgeView{Name: names[a.AchievementID], URL: h.CredentialURL(a.ID), Date: a.AwardedDate, State: string(a.State)})
		}
	}
	h.write(w, http.StatusOK, p)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, res *LaunchResult, status int, err error) {
	var l *lti.Launch
	if res != nil {
		l = res.Launch
	}
	p := &launchPage{L: printer(r, l), Status: status}
	p.Switch = i18n.SwitcherFor(r, p.L)
	var ce *lti.CheckError
	switch {
	case errors.As(err, &ce):
		p.Check, p.Reason = ce.Check, ce.Reason
	case cairn.KindOf(err) == cairn.Internal || status >= 500:
		h.log().Error("lti", "path", r.URL.Path, "err", err)
		if status == http.StatusInternalServerError {
			fail500.Record(r, err)
		}
		p.Reason = p.L.T("Something went wrong on our side. Try again later.")
	default:
		p.Check, p.Reason = cairn.FieldOf(err), strings.TrimPrefix(cairn.PublicMessage(err), cairn.FieldOf(err)+": ")
	}
	h.write(w, status, p)
}

func (h *Handler) write(w http.ResponseWriter, status int, p *launchPage) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "launch.html", p); err != nil {
		h.log().Error("render", "template", "launch.html", "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Language", p.L.Code())
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	// Shown inside the LMS: framing is allowed; no script at all.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors *")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// statusOf is the HTTP status of a service error.
func statusOf(err error) int {
	var ce *lti.CheckError
	if errors.As(err, &ce) {
		return http.StatusBadRequest
	}
	switch cairn.KindOf(err) {
	case cairn.Invalid:
		return http.StatusBadRequest
	case cairn.NotFound:
		return http.StatusNotFound
	case cairn.Forbidden:
		return http.StatusForbidden
	case cairn.Conflict:
		return http.StatusConflict
	case cairn.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// localeLang is the language of the launch's locale ("th-TH" → "th").
func localeLang(l *lti.Launch) string {
	lang, _, _ := strings.Cut(strings.ReplaceAll(l.Locale, "_", "-"), "-")
	return strings.ToLower(lang)
}
