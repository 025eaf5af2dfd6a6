package api

import (
	"net/http"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ltitool"
)

// ltiRegistrationView is an LMS registration as /api/v1/lti/registrations
// answers it, with the tool's addresses to give the platform.
type ltiRegistrationView struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Issuer        string    `json:"issuer"`
	ClientID      string    `json:"clientId"`
	DeploymentIDs []string  `json:"deploymentIds"`
	AuthLoginURL  string    `json:"authLoginUrl"`
	AuthTokenURL  string    `json:"authTokenUrl"`
	JWKSURL       string    `json:"jwksUrl"`
	Tool          ltiTool   `json:"tool"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// ltiTool is what the platform needs of Cairn.
type ltiTool struct {
	LoginURL    string `json:"initiateLoginUri"`
	LaunchURL   string `json:"targetLinkUri"`
	RedirectURI string `json:"redirectUri"`
	JWKSURL     string `json:"jwksUri"`
	KeyID       string `json:"kid"`
}

type ltiCourseView struct {
	ID             string              `json:"id"`
	RegistrationID string              `json:"registrationId"`
	DeploymentID   string              `json:"deploymentId"`
	ContextID      string              `json:"contextId"`
	Title          string              `json:"title"`
	EventType      string              `json:"eventType"`
	ConnectedBy    string              `json:"connectedBy"`
	ConnectedAt    time.Time           `json:"connectedAt"`
	PolledAt       *time.Time          `json:"polledAt,omitempty"`
	LastPoll       ltitool.PollSummary `json:"lastPoll"`
	Error          string              `json:"error,omitempty"`
}

func (s *Server) ltiRegView(r *ltitool.Registration) ltiRegistrationView {
	t := s.LTI
	ids := r.DeploymentIDs
	if ids == nil {
		ids = []string{}
	}
	return ltiRegistrationView{ID: r.ID, Name: r.Name, Issuer: r.Issuer, ClientID: r.ClientID, DeploymentIDs: ids,
		AuthLoginURL: r.AuthLoginURL, AuthTokenURL: r.AuthTokenURL, JWKSURL: r.JWKSURL, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Tool: ltiTool{LoginURL: t.LoginURL(), LaunchURL: t.LaunchURL(), RedirectURI: t.LaunchURL(), JWKSURL: t.JWKSURL(), KeyID: r.ToolKID}}
}

func ltiCourseViewOf(c *ltitool.Course) ltiCourseView {
	return ltiCourseView{ID: c.ID, RegistrationID: c.RegistrationID, DeploymentID: c.DeploymentID, ContextID: c.ContextID, Title: c.Title,
		EventType: c.EventType, ConnectedBy: c.ConnectedBy, ConnectedAt: c.ConnectedAt, PolledAt: c.PolledAt, LastPoll: c.Summary, Error: c.Error}
}

// needLTI answers 503 when the server has no LTI tool.
func (s *Server) needLTI(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		if s.LTI == nil {
			return cairn.Errorf(cairn.Unavailable, "LTI is not available on this server")
		}
		return h(w, r, c)
	}
}

func (s *Server) listLTIRegistrations(w http.ResponseWriter, r *http.Request, c *caller) error {
	regs, err := s.LTI.Registrations(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	out := make([]ltiRegistrationView, 0, len(regs))
	for _, reg := range regs {
		out = append(out, s.ltiRegView(reg))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) createLTIRegistration(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in ltitool.RegistrationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	reg, err := s.LTI.Register(r.Context(), c.orgID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/lti/registrations/"+reg.ID)
	return writeJSON(w, http.StatusCreated, s.ltiRegView(reg))
}

func (s *Server) getLTIRegistration(w http.ResponseWriter, r *http.Request, c *caller) error {
	reg, err := s.LTI.Registration(r.Context(), c.orgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.ltiRegView(reg))
}

func (s *Server) putLTIRegistration(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in ltitool.RegistrationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	reg, err := s.LTI.Update(r.Context(), c.orgID, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.ltiRegView(reg))
}

func (s *Server) deleteLTIRegistration(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.LTI.Delete(r.Context(), c.orgID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listLTICourses(w http.ResponseWriter, r *http.Request, c *caller) error {
	cs, err := s.LTI.Courses(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	out := make([]ltiCourseView, 0, len(cs))
	for _, co := range cs {
		out = append(out, ltiCourseViewOf(co))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// pollLTICourse reads a connected course's gradebook now and answers the
// course with this poll's summary (and its error, if it failed).
func (s *Server) pollLTICourse(w http.ResponseWriter, r *http.Request, c *caller) error {
	if _, err := s.LTI.PollNow(r.Context(), c.orgID, r.PathValue("id")); err != nil && cairn.KindOf(err) == cairn.NotFound {
		return err
	}
	co, err := s.LTI.Course(r.Context(), c.orgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ltiCourseViewOf(co))
}

func (s *Server) deleteLTICourse(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.LTI.Disconnect(r.Context(), c.orgID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
