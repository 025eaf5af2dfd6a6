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
	ID              string `json:"id"`
	Slug            string `json:"slug"`
	Name            string `json:"name"`
	DefaultLanguage string `json:"defaultLanguage"`
}

func orgViewOf(o *cairn.Organization) orgView {
	l := o.DefaultLanguage
	if l == "" {
		l = "en"
	}
	return orgView{ID: o.ID, Slug: o.Slug, Name: o.Name, DefaultLanguage: l}
}

// orgPatch changes the caller's organization (PATCH /organization).
type orgPatch struct {
	Name            *string `json:"name"`
	Slug            *string `json:"slug"`
	DefaultLanguage *string `json:"defaultLanguage"`
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request, c *caller) error {
	org, err := s.Store.Organization(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orgViewOf(org))
}

func (s *Server) patchOrganization(w http.ResponseWriter, r *http.Request, c *caller) error {
	data, err := readJSON(r, "application/json", "application/merge-patch+json")
	if err != nil {
		return err
	}
	var p orgPatch
	if err := unmarshalStrict(data, &p); err != nil {
		return err
	}
	org, err := s.Store.Organization(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	if p.Name != nil {
		org.Name = *p.Name
	}
	if p.Slug != nil {
		org.Slug = *p.Slug
	}
	if p.DefaultLanguage != nil {
		org.DefaultLanguage = *p.DefaultLanguage
		if org.DefaultLanguage == "en" {
			org.DefaultLanguage = ""
		}
	}
	if err := s.Store.UpdateOrganization(r.Context(), org); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orgViewOf(org))
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, c *caller) error {
	org, err := s.Store.Organization(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	v := meView{Organization: orgViewOf(org), Role: c.role, AccountID: c.accountID}
	if c.apiKey != nil {
		k := apiKeyViewOf(c.apiKey)
		v.APIKey = &k
	}
	return writeJSON(w, http.StatusOK, v)
}
