package api

import (
	"net/http"

	"github.com/cairn-badges/cairn"
)

// meView says who the caller is.
type meView struct {
	Organization orgView     `json:"organization"`
	Role         cairn.Role  `json:"role"`
	APIKey       *apiKeyView `json:"apiKey,omitempty"`
	AccountID    string      `json:"accountId,omitempty"`
}

type orgView struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, c *caller) error {
	org, err := s.Store.Organization(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	v := meView{Organization: orgView{ID: org.ID, Slug: org.Slug, Name: org.Name}, Role: c.role, AccountID: c.accountID}
	if c.apiKey != nil {
		k := apiKeyViewOf(c.apiKey)
		v.APIKey = &k
	}
	return writeJSON(w, http.StatusOK, v)
}
