package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/pathway"
	"github.com/cairn-badges/cairn/verify"
)

// pathwayView is a pathway as the API shows it: the fields of
// issuing.PathwayInput, with its id, version, public page and how many
// awards it gave, by their state.
type pathwayView struct {
	ID            string         `json:"id"`
	Version       int            `json:"version"`
	Name          string         `json:"name"`
	Description   string         `json:"description,omitempty"`
	AchievementID string         `json:"achievementId"`
	Rule          *pathway.Rule  `json:"rule"`
	AutoAward     bool           `json:"autoAward"`
	URL           string         `json:"url"`
	Completions   map[string]int `json:"completions"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
}

func (s *Server) pathwayView(p *pathway.Pathway, counts map[cairn.AwardState]int) pathwayView {
	v := pathwayView{ID: p.ID, Version: p.Version, Name: p.Name, Description: p.Description, AchievementID: p.AchievementID,
		Rule: p.Rule, AutoAward: p.AutoAward, URL: s.Service.URL("/pathways/" + p.ID), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		Completions: map[string]int{"active": 0, "suspended": 0, "revoked": 0}}
	for st, n := range counts {
		v.Completions[string(st)] = n
	}
	return v
}

func (s *Server) pathwaysService() (*issuing.Pathways, error) {
	if s.Pathways == nil {
		return nil, cairn.Errorf(cairn.Unavailable, "pathways are not enabled on this server")
	}
	return s.Pathways, nil
}

func (s *Server) listPathways(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	if _, err := query(r); err != nil {
		return err
	}
	ps, err := pw.Store().Pathways(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	counts, err := pw.Store().PathwayCompletions(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	items := make([]pathwayView, 0, len(ps))
	for _, p := range ps {
		items = append(items, s.pathwayView(p, counts[p.ID]))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createPathway(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	var in issuing.PathwayInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := pw.Create(r.Context(), c.orgID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/pathways/"+p.ID)
	return writeJSON(w, http.StatusCreated, s.pathwayView(p, nil))
}

func (s *Server) getPathway(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q, err := query(r, "version")
	if err != nil {
		return err
	}
	p, err := pw.Store().Pathway(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	if v := q.Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return cairn.Invalidf("version", "%q is not a version number", v)
		}
		if p, err = pw.Store().PathwayVersion(r.Context(), c.orgID, id, n); err != nil {
			return err
		}
	}
	counts, err := pw.Store().PathwayCompletions(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.pathwayView(p, counts[p.ID]))
}

func (s *Server) putPathway(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in issuing.PathwayInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := pw.Update(r.Context(), c.orgID, id, in)
	if err != nil {
		return err
	}
	counts, err := pw.Store().PathwayCompletions(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.pathwayView(p, counts[p.ID]))
}

func (s *Server) deletePathway(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := pw.Delete(r.Context(), c.orgID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// progressView answers GET /pathways/{id}/progress.
type progressView struct {
	PathwayID    string         `json:"pathwayId"`
	Version      int            `json:"version"`
	Recipient    string         `json:"recipient"`
	Satisfied    bool           `json:"satisfied"`
	Credits      float64        `json:"credits"`
	Done         []pathway.Node `json:"done"`
	Missing      []pathway.Node `json:"missing"`
	AwardIDs     []string       `json:"awardIds"`
	Recognitions []string       `json:"recognitionIds"`
	External     []string       `json:"externalIds"`
	Tree         pathway.Node   `json:"tree"`
	Award        *earnedView    `json:"award"`
}

type earnedView struct {
	ID      string `json:"id"`
	State   string `json:"state"`
	Version int    `json:"version"`
	URL     string `json:"url"`
}

func (s *Server) pathwayProgress(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q, err := query(r, "recipient")
	if err != nil {
		return err
	}
	p, o, earned, err := pw.Progress(r.Context(), c.orgID, id, q.Get("recipient"))
	if err != nil {
		return err
	}
	v := progressView{PathwayID: p.ID, Version: p.Version, Recipient: q.Get("recipient"), Satisfied: o.Satisfied, Credits: o.Credits,
		Done: orEmpty(o.Leaves(true)), Missing: orEmpty(o.Leaves(false)), AwardIDs: orEmpty(o.Awards),
		Recognitions: orEmpty(o.Recognitions), External: orEmpty(o.External), Tree: o.Tree}
	if earned != nil {
		a, err := s.Store.Award(r.Context(), c.orgID, earned.AwardID)
		if err != nil {
			return err
		}
		v.Award = &earnedView{ID: a.ID, State: string(a.State), Version: earned.Version, URL: s.Service.CredentialURL(a.ID)}
	}
	return writeJSON(w, http.StatusOK, v)
}

// who names the caller for records: "account:ID" or "apikey:ID".
func (c *caller) who() string {
	if c.apiKey != nil {
		return "apikey:" + c.apiKey.ID
	}
	return "account:" + c.accountID
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type recognitionView struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Credits     *float64  `json:"credits,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

func recognitionOf(d *pathway.RecognitionDef) recognitionView {
	return recognitionView{ID: d.ID, Name: d.Name, Description: d.Description, Credits: d.Credits, CreatedAt: d.CreatedAt}
}

func (s *Server) listRecognitions(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	ds, err := pw.Store().Recognitions(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	items := make([]recognitionView, 0, len(ds))
	for _, d := range ds {
		items = append(items, recognitionOf(d))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createRecognition(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	var in issuing.RecognitionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	d, err := pw.CreateRecognition(r.Context(), c.orgID, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, recognitionOf(d))
}

// learnerID returns the {email} path value of a learner route.
func learnerID(r *http.Request) (string, error) {
	return issuing.NormalizeRecipient(r.PathValue("email"))
}

func (s *Server) recordRecognition(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	learner, err := learnerID(r)
	if err != nil {
		return err
	}
	var in issuing.LearnerRecognitionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rec, err := pw.RecordRecognition(r.Context(), c.orgID, learner, c.who(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"id": rec.ID, "recognitionId": rec.RecognitionID, "recipient": rec.Recipient,
		"evidence": rec.Evidence, "note": rec.Note, "createdAt": rec.CreatedAt})
}

// externalInput is the body of POST /learners/{email}/external-credentials.
type externalInput struct {
	Credential json.RawMessage `json:"credential"`
}

// addExternalCredential verifies a badge of another issuer that a learner
// presents and, when it verifies and was issued to the learner, records
// it for {"external": …} rules.
func (s *Server) addExternalCredential(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	if s.Verifier == nil {
		return cairn.Errorf(cairn.Unavailable, "no verifier is configured")
	}
	learner, err := learnerID(r)
	if err != nil {
		return err
	}
	var in externalInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if len(in.Credential) == 0 || in.Credential[0] != '{' {
		return cairn.Invalidf("credential", "is required: the credential as JSON")
	}
	rep := s.Verifier.Verify(r.Context(), in.Credential)
	if rep.Result != verify.Verified {
		return &cairn.Error{Kind: cairn.Invalid, Field: "credential", Message: "did not verify (" + string(rep.Result) + "): " + firstProblem(rep)}
	}
	rec, err := issuing.ExternalFromCredential(in.Credential, learner)
	if err != nil {
		return err
	}
	if err := pw.AddExternal(r.Context(), c.orgID, rec); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"id": rec.ID, "recipient": rec.Recipient, "credentialId": rec.CredentialID,
		"issuer": rec.Issuer, "achievementId": rec.AchievementID, "achievementName": rec.AchievementName, "verifiedAt": rec.VerifiedAt})
}

func firstProblem(rep *verify.Report) string {
	for _, ch := range rep.Checks {
		if ch.Outcome != verify.Verified {
			return ch.Name + ": " + ch.Reason
		}
	}
	return "no check passed"
}
