package api

import (
	"net/http"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
)

// achievementView is an achievement as the API shows it: the fields of
// issuing.AchievementInput (OB 3.0 names where OB 3.0 has them), with its
// id, public URL (its OB 3.0 id) and times.
type achievementView struct {
	ID string `json:"id"`
	issuing.AchievementInput
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func (s *Server) achievementView(a *cairn.Achievement) achievementView {
	return achievementView{
		ID: a.ID,
		AchievementInput: issuing.AchievementInput{
			IssuerID: a.IssuerID, Name: a.Name, Description: a.Description,
			CriteriaNarrative: a.CriteriaNarrative, CriteriaURL: a.CriteriaURL, AchievementType: a.AchievementType,
			Alignments: a.Alignments, ResultDescriptions: a.ResultDescriptions, CreditsAvailable: a.CreditsAvailable,
			Tags: a.Tags, FieldOfStudy: a.FieldOfStudy, InLanguage: a.InLanguage, Version: a.Version,
			ImageID: a.ImageID, ValidForMonths: a.ValidFor, ReminderDays: a.ReminderDays, EvidenceRequirements: a.EvidenceRequirements,
			Translations: a.Translations,
		},
		URL: s.Service.AchievementURL(a.ID), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

func (s *Server) listAchievements(w http.ResponseWriter, r *http.Request, c *caller) error {
	q, err := query(r, "issuerId")
	if err != nil {
		return err
	}
	as, err := s.Store.Achievements(r.Context(), c.orgID, q.Get("issuerId"))
	if err != nil {
		return err
	}
	items := make([]achievementView, 0, len(as))
	for _, a := range as {
		items = append(items, s.achievementView(a))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createAchievement(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in issuing.AchievementInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.Service.CreateAchievement(r.Context(), c.orgID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/achievements/"+a.ID)
	return writeJSON(w, http.StatusCreated, s.achievementView(a))
}

func (s *Server) getAchievement(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.Store.Achievement(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.achievementView(a))
}

// putAchievement replaces an achievement's fields; issuerId may be left
// out (an achievement stays with its issuer).
func (s *Server) putAchievement(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in issuing.AchievementInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.Service.UpdateAchievement(r.Context(), c.orgID, id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.achievementView(a))
}
