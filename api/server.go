package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/jobs"
	"github.com/cairn-badges/cairn/ltitool"
	"github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/review"
	"github.com/cairn-badges/cairn/sso"
	"github.com/cairn-badges/cairn/team"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/wallet"
	"github.com/cairn-badges/cairn/webhooks"
)

// Verifier verifies credentials; *verify.Verifier implements it (as does
// the web package's Verifier).
type Verifier interface {
	Verify(ctx context.Context, input []byte) *verify.Report
}

// Server serves the JSON API. Set the exported fields, then call Register.
type Server struct {
	// Service issues and manages credentials; required.
	Service *issuing.Service
	// Store is read directly for lists and authentication; required. It is
	// normally Service.Store().
	Store cairn.Store
	// Verifier answers POST /api/v1/verify; required for that route.
	Verifier Verifier
	// Jobs runs award jobs (/api/v1/award-jobs); without it those routes
	// answer 503.
	Jobs *jobs.Service
	// Log receives internal errors (default slog.Default()).
	// WaitIncluded, if set, lets POST /awards?wait=inclusion wait for the
	// award's event to be in the transparency log under a signed checkpoint.
	WaitIncluded func(ctx context.Context, credentialID string, timeout time.Duration) (*issuing.Inclusion, error)
	Log          *slog.Logger
	// Mail serves the mail templates and the listing of mail; nil: those
	// routes answer 503.
	Mail *mail.Mailer
	// Webhooks, if set, serves /api/v1/webhooks (without it those routes
	// answer 503).
	Webhooks *webhooks.Service
	// Pathways runs stackable pathways; the /pathways, /recognitions and
	// /learners routes answer 503 without it.
	Pathways *issuing.Pathways
	// Wallet serves the learner API (/api/v1/learner/…); without it those
	// routes answer 503.
	Wallet *wallet.Service
	// Team manages members and invitations (/api/v1/members,
	// /api/v1/invitations); without it those routes answer 503.
	Team *team.Service
	// Portfolio serves the learner's profile, per-credential visibility
	// and export (/api/v1/learner/profile, …/export); without it those
	// routes answer 503.
	Portfolio *wallet.Portfolio
	// Imports imports credentials into learners' wallets (POST
	// /api/v1/learner/credentials and the routes of one imported
	// credential); without it those routes answer 503.
	Imports *wallet.Importer
	// SSO serves /api/v1/sso and scopes login sessions (see sso.Scope);
	// without it those routes answer 503.
	SSO *sso.Service
	// LTI is the LTI 1.3 tool (/api/v1/lti/…); without it those routes
	// answer 503.
	LTI *ltitool.Service
	// Review runs applications and their evidence review
	// (/api/v1/applications, PUT /api/v1/achievements/{id}/applications,
	// GET /api/v1/learner/applications); without it those routes answer
	// 503.
	Review *review.Service
	// Now is the clock (default time.Now).
	Now func() time.Time

	once    sync.Once
	cookies auth.Cookies
	inner   *http.ServeMux // every route, to tell 404 from 405
	touched sync.Map       // API key ID → time.Time of the last TouchAPIKey
}

// Prefix is the path every route of the API starts with.
const Prefix = "/api/v1"

// handler serves one route for an authenticated caller (nil on public
// routes). An error it returns is written as a problem document.
type handler func(w http.ResponseWriter, r *http.Request, c *caller) error

// route is one method and path of the API.
type route struct {
	method string
	path   string       // ServeMux pattern path after its group's prefix (Prefix or VCAPIPrefix)
	action cairn.Action // what the caller's role must allow; "" for a public route
	limit  int64        // body cap; 0 means MaxJSONBody
	h      handler
}

func (s *Server) routes() []route {
	return []route{
		{"GET", "/openapi.json", "", 0, s.openAPI},
		{"POST", "/verify", "", verify.MaxInputBytes, s.verify},
		{"GET", "/me", cairn.ActionRead, 0, s.me},
		{"GET", "/organization", cairn.ActionRead, 0, s.getOrganization},
		{"PATCH", "/organization", cairn.ActionManageOrganization, 0, s.patchOrganization},

		{"GET", "/issuers", cairn.ActionRead, 0, s.listIssuers},
		{"POST", "/issuers", cairn.ActionManageIssuers, 0, s.createIssuer},
		{"GET", "/issuers/{id}", cairn.ActionRead, 0, s.getIssuer},
		{"PATCH", "/issuers/{id}", cairn.ActionManageIssuers, 0, s.patchIssuer},
		{"POST", "/issuers/{id}/rotate-keys", cairn.ActionManageIssuers, 0, s.rotateKeys},

		{"POST", "/images", cairn.ActionManageAchievements, MaxImageBody + 64<<10, s.uploadImage},
		{"POST", "/images/generate", cairn.ActionManageAchievements, 0, s.generateImage},
		{"GET", "/images/{id}", cairn.ActionRead, 0, s.getImage},

		{"GET", "/achievements", cairn.ActionRead, 0, s.listAchievements},
		{"POST", "/achievements", cairn.ActionManageAchievements, 0, s.createAchievement},
		{"GET", "/achievements/{id}", cairn.ActionRead, 0, s.getAchievement},
		{"PUT", "/achievements/{id}", cairn.ActionManageAchievements, 0, s.putAchievement},
		{"GET", "/achievements/{id}/certificate", cairn.ActionRead, 0, s.getCertificate},
		{"PUT", "/achievements/{id}/certificate", cairn.ActionManageAchievements, 0, s.putCertificate},

		{"GET", "/awards", cairn.ActionRead, 0, s.listAwards},
		{"POST", "/awards", cairn.ActionIssue, 0, s.createAward},
		{"GET", "/awards/{id}", cairn.ActionRead, 0, s.getAward},
		{"POST", "/awards/{id}/revoke", cairn.ActionRevoke, 0, s.stateChange(cairn.StateRevoked)},
		{"POST", "/awards/{id}/suspend", cairn.ActionRevoke, 0, s.stateChange(cairn.StateSuspended)},
		{"POST", "/awards/{id}/reinstate", cairn.ActionRevoke, 0, s.stateChange(cairn.StateActive)},
		{"POST", "/awards/{id}/reissue", cairn.ActionIssue, 0, s.reissue},
		{"POST", "/awards/{id}/renew", cairn.ActionIssue, 0, s.renew},
		{"GET", "/awards/{id}/clr", cairn.ActionRead, 0, s.awardCLR},

		{"GET", "/rules", cairn.ActionRead, 0, s.listRules},
		{"POST", "/rules", cairn.ActionManageAchievements, 0, s.createRule},
		{"GET", "/rules/{id}", cairn.ActionRead, 0, s.getRule},
		{"PATCH", "/rules/{id}", cairn.ActionManageAchievements, 0, s.patchRule},
		{"DELETE", "/rules/{id}", cairn.ActionManageAchievements, 0, s.deleteRule},

		{"GET", "/events", cairn.ActionRead, 0, s.listEvents},
		{"POST", "/events", cairn.ActionIssue, 0, s.postEvent},
		{"GET", "/events/{id}", cairn.ActionRead, 0, s.getEvent},
		{"GET", "/mail", cairn.ActionRead, 0, s.listMail},
		{"GET", "/mail-templates/{kind}", cairn.ActionRead, 0, s.getMailTemplate},
		{"PUT", "/mail-templates/{kind}", cairn.ActionManageAchievements, 0, s.putMailTemplate},
		{"DELETE", "/mail-templates/{kind}", cairn.ActionManageAchievements, 0, s.deleteMailTemplate},
		{"POST", "/mail-templates/{kind}/preview", cairn.ActionRead, 0, s.previewMailTemplate},
		{"GET", "/pathways", cairn.ActionRead, 0, s.listPathways},
		{"POST", "/pathways", cairn.ActionManageAchievements, 0, s.createPathway},
		{"GET", "/pathways/{id}", cairn.ActionRead, 0, s.getPathway},
		{"PUT", "/pathways/{id}", cairn.ActionManageAchievements, 0, s.putPathway},
		{"DELETE", "/pathways/{id}", cairn.ActionManageAchievements, 0, s.deletePathway},
		{"GET", "/pathways/{id}/progress", cairn.ActionRead, 0, s.pathwayProgress},
		{"GET", "/recognitions", cairn.ActionRead, 0, s.listRecognitions},
		{"POST", "/recognitions", cairn.ActionManageAchievements, 0, s.createRecognition},
		{"POST", "/learners/{email}/recognitions", cairn.ActionIssue, 0, s.recordRecognition},
		{"GET", "/learners/{email}/clr", cairn.ActionRead, 0, s.learnerCLR},
		{"POST", "/learners/{email}/external-credentials", cairn.ActionIssue, verify.MaxInputBytes + 64<<10, s.addExternalCredential},
		{"POST", "/award-jobs", cairn.ActionIssue, s.uploadLimit(), s.createJob},
		{"GET", "/award-jobs", cairn.ActionRead, 0, s.listJobs},
		{"GET", "/award-jobs/{id}", cairn.ActionRead, 0, s.getJob},
		{"GET", "/award-jobs/{id}/rows", cairn.ActionRead, 0, s.jobRows},
		{"POST", "/award-jobs/{id}/cancel", cairn.ActionIssue, 0, s.cancelJob},

		{"GET", "/api-keys", cairn.ActionManageAPIKeys, 0, s.listAPIKeys},
		{"POST", "/api-keys", cairn.ActionManageAPIKeys, 0, s.createAPIKey},
		{"DELETE", "/api-keys/{id}", cairn.ActionManageAPIKeys, 0, s.revokeAPIKey},

		{"GET", "/members", cairn.ActionRead, 0, s.needTeam(s.listMembers)},
		{"PATCH", "/members/{id}", cairn.ActionManageMembers, 0, s.needTeam(s.patchMember)},
		{"DELETE", "/members/{id}", cairn.ActionManageMembers, 0, s.needTeam(s.deleteMember)},
		{"GET", "/invitations", cairn.ActionManageMembers, 0, s.needTeam(s.listInvitations)},
		{"POST", "/invitations", cairn.ActionManageMembers, 0, s.needTeam(s.createInvitation)},
		{"DELETE", "/invitations/{id}", cairn.ActionManageMembers, 0, s.needTeam(s.deleteInvitation)},
		{"GET", "/sso", cairn.ActionManageOrganization, 0, s.getSSO},
		{"PUT", "/sso", cairn.ActionManageOrganization, 0, s.putSSO},
		{"GET", "/lti/registrations", cairn.ActionManageOrganization, 0, s.needLTI(s.listLTIRegistrations)},
		{"POST", "/lti/registrations", cairn.ActionManageOrganization, 0, s.needLTI(s.createLTIRegistration)},
		{"GET", "/lti/registrations/{id}", cairn.ActionManageOrganization, 0, s.needLTI(s.getLTIRegistration)},
		{"PUT", "/lti/registrations/{id}", cairn.ActionManageOrganization, 0, s.needLTI(s.putLTIRegistration)},
		{"DELETE", "/lti/registrations/{id}", cairn.ActionManageOrganization, 0, s.needLTI(s.deleteLTIRegistration)},
		{"GET", "/lti/courses", cairn.ActionRead, 0, s.needLTI(s.listLTICourses)},
		{"POST", "/lti/courses/{id}/poll", cairn.ActionManageOrganization, 0, s.needLTI(s.pollLTICourse)},
		{"DELETE", "/lti/courses/{id}", cairn.ActionManageOrganization, 0, s.needLTI(s.deleteLTICourse)},

		{"GET", "/webhooks", cairn.ActionManageWebhooks, 0, s.listWebhooks},
		{"POST", "/webhooks", cairn.ActionManageWebhooks, 0, s.createWebhook},
		{"GET", "/webhooks/{id}", cairn.ActionManageWebhooks, 0, s.getWebhook},
		{"PATCH", "/webhooks/{id}", cairn.ActionManageWebhooks, 0, s.patchWebhook},
		{"DELETE", "/webhooks/{id}", cairn.ActionManageWebhooks, 0, s.deleteWebhook},
		{"POST", "/webhooks/{id}/test", cairn.ActionManageWebhooks, 0, s.testWebhook},
		{"GET", "/webhooks/{id}/deliveries", cairn.ActionManageWebhooks, 0, s.listDeliveries},
		{"POST", "/webhooks/{id}/deliveries/{deliveryId}/retry", cairn.ActionManageWebhooks, 0, s.retryDelivery},
	}
}

// Routes returns the ServeMux pattern ("METHOD /api/v1/…", then
// "METHOD /vc-api/…") of every route Register adds, in a fixed order.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.allRoutes() {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}

// allRoutes returns the routes of /api/v1 and of the VC-API, each path
// with its prefix.
func (s *Server) allRoutes() []route {
	var all []route
	for _, g := range []struct {
		prefix string
		routes []route
	}{{Prefix, s.routes()}, {Prefix, s.applicationRoutes()}, {Prefix, s.learnerRoutes()}, {Prefix, s.portfolioRoutes()}, {Prefix, s.learnerImportRoutes()}, {Prefix, s.endorsementRoutes()}, {VCAPIPrefix, s.vcRoutes()}} {
		for _, rt := range g.routes {
			rt.path = g.prefix + rt.path
			all = append(all, rt)
		}
	}
	return all
}

func (s *Server) init() {
	s.once.Do(func() {
		if s.Service != nil {
			s.cookies, _ = auth.NewCookies(s.Service.BaseURL())
		}
		s.inner = http.NewServeMux()
		for _, rt := range s.allRoutes() {
			s.inner.Handle(rt.method+" "+rt.path, http.NotFoundHandler())
		}
	})
}

// Register adds every route to mux, and a handler for the rest of
// /api/v1/ and /vc-api/ that answers 404 or 405 as problem documents.
func (s *Server) Register(mux *http.ServeMux) {
	s.init()
	for _, rt := range s.allRoutes() {
		mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	mux.HandleFunc(Prefix+"/", s.notFound)
	mux.HandleFunc(VCAPIPrefix+"/", s.notFound)
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// wrap authenticates and authorizes the caller of a route, caps the body,
// runs the handler and writes its error.
func (s *Server) wrap(rt route) http.Handler {
	limit := rt.limit
	if limit == 0 {
		limit = MaxJSONBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		var c *caller
		if rt.action != "" {
			var err error
			if c, err = s.authenticate(w, r); err != nil {
				s.writeError(w, r, err)
				return
			}
			if !c.role.Can(rt.action) {
				s.writeError(w, r, cairn.Errorf(cairn.Forbidden, "the %s role may not %s", c.role, actionText[rt.action]))
				return
			}
		}
		if err := rt.h(w, r, c); err != nil {
			s.writeError(w, r, err)
		}
	})
}

var actionText = map[cairn.Action]string{
	cairn.ActionRead:               "read this organization's data",
	cairn.ActionIssue:              "issue, re-issue or renew awards",
	cairn.ActionRevoke:             "revoke, suspend or reinstate awards",
	cairn.ActionManageAchievements: "create or change achievements, images, issuing rules and mail templates",
	cairn.ActionManageIssuers:      "create or change issuers or rotate their keys",
	cairn.ActionManageAPIKeys:      "list, create or revoke API keys",
	cairn.ActionManageWebhooks:     "list, register, change or remove webhook endpoints",
	cairn.ActionManageOrganization: "change the organization's settings (single sign-on)",
	cairn.ActionReview:             "approve, return or reject applications",
	cairn.ActionEndorse:            "endorse achievements or profiles, or revoke endorsements",
}

// notFound answers a path under /api/v1/ that no route serves: 405 with
// Allow when another method would match, 404 otherwise.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.init()
	var allow []string
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.inner.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, Problem{Type: problemType(405), Title: http.StatusText(405), Status: 405,
			Detail: "method " + r.Method + " is not allowed here; allowed: " + strings.Join(allow, ", ")})
		return
	}
	writeProblem(w, Problem{Type: problemType(404), Title: http.StatusText(404), Status: 404,
		Detail: "no API endpoint at " + r.URL.Path + "; see " + Prefix + "/openapi.json"})
}

// writeJSON answers v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return cairn.Wrapf(cairn.Internal, err, "encoding the response")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
	return nil
}

// MaxIDLen caps the IDs accepted in paths and query parameters.
const MaxIDLen = 100

// validID reports whether id can be the ID of an object: IDs are UUIDs or
// other short strings of letters, digits, '-' and '_'.
func validID(id string) bool {
	if id == "" || len(id) > MaxIDLen {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// pathID returns the {id} of the path; a malformed one cannot name
// anything, so it is 404 as an unknown one is.
func pathID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !validID(id) {
		return "", cairn.Errorf(cairn.NotFound, "no such object")
	}
	return id, nil
}
