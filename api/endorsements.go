package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
)

// Endorsements: an organization's issuer endorses another organization's
// achievement or issuer profile with a signed OB 3.0 EndorsementCredential
// (issuing.Service.Endorse); the organization lists what it gave and
// received.

func (s *Server) endorsementRoutes() []route {
	return []route{
		{"GET", "/endorsements", cairn.ActionRead, 0, s.listEndorsements},
		{"POST", "/endorsements", cairn.ActionEndorse, 0, s.createEndorsement},
		{"GET", "/endorsements/{id}", cairn.ActionRead, 0, s.getEndorsement},
		{"POST", "/endorsements/{id}/revoke", cairn.ActionEndorse, 0, s.revokeEndorsement},
	}
}

// endorsementView is an endorsement as the API shows it.
type endorsementView struct {
	ID string `json:"id"`
	// Direction is "given" (the caller's organization endorsed) or
	// "received" (it was endorsed).
	Direction       string                       `json:"direction"`
	IssuerID        string                       `json:"issuerId"`
	EndorserID      string                       `json:"endorserId"`
	EndorserName    string                       `json:"endorserName"`
	SubjectType     cairn.EndorsementSubjectType `json:"subjectType"`
	SubjectID       string                       `json:"subjectId"`
	AchievementID   string                       `json:"achievementId,omitempty"`
	SubjectIssuerID string                       `json:"subjectIssuerId"`
	Comment         string                       `json:"comment"`
	State           cairn.EndorsementState       `json:"state"`
	StateReason     string                       `json:"stateReason,omitempty"`
	URL             string                       `json:"url"`
	ValidFrom       time.Time                    `json:"validFrom"`
	CreatedAt       time.Time                    `json:"createdAt"`
	Credential      json.RawMessage              `json:"credential,omitempty"`
}

func (s *Server) endorsementView(e *cairn.Endorsement, orgID string, full bool) endorsementView {
	v := endorsementView{ID: e.ID, Direction: "given", IssuerID: e.IssuerID, EndorserID: e.EndorserID, EndorserName: e.EndorserName,
		SubjectType: e.SubjectType, SubjectID: e.SubjectID, AchievementID: e.AchievementID, SubjectIssuerID: e.SubjectIssuerID,
		Comment: e.Comment, State: e.State, StateReason: e.StateReason, URL: s.Service.EndorsementURL(e.ID),
		ValidFrom: e.ValidFrom, CreatedAt: e.CreatedAt}
	if e.OrgID != orgID {
		v.Direction = "received"
	}
	if full {
		v.Credential = e.CredentialJSON
	}
	return v
}

func (s *Server) createEndorsement(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in issuing.EndorsementInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, err := s.Service.Endorse(r.Context(), c.orgID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/endorsements/"+e.ID)
	return writeJSON(w, http.StatusCreated, s.endorsementView(e, c.orgID, true))
}

func (s *Server) listEndorsements(w http.ResponseWriter, r *http.Request, c *caller) error {
	given, received, err := s.Service.Store().Endorsements(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	g, rc := []endorsementView{}, []endorsementView{}
	for _, e := range given {
		g = append(g, s.endorsementView(e, c.orgID, false))
	}
	for _, e := range received {
		rc = append(rc, s.endorsementView(e, c.orgID, false))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"given": g, "received": rc})
}

func (s *Server) getEndorsement(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	e, err := s.Service.Store().Endorsement(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.endorsementView(e, c.orgID, true))
}

func (s *Server) revokeEndorsement(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in stateInput
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	e, err := s.Service.RevokeEndorsement(r.Context(), c.orgID, id, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.endorsementView(e, c.orgID, false))
}
