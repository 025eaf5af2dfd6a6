package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
)

// issuerView is an issuer profile as the API shows it.
type issuerView struct {
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	URL            string         `json:"url,omitempty"`
	Email          string         `json:"email,omitempty"`
	Description    string         `json:"description,omitempty"`
	ImageID        string         `json:"imageId,omitempty"`
	Phone          string         `json:"phone,omitempty"`
	LinkedInOrgID  string         `json:"linkedinOrganizationId,omitempty"`
	Address        *cairn.Address `json:"address,omitempty"`
	DID            string         `json:"did"`
	ProfileURL     string         `json:"profileUrl"`
	DIDDocumentURL string         `json:"didDocumentUrl"`
	Keys           []keyView      `json:"keys,omitempty"`
	CreatedAt      time.Time      `json:"createdAt"`
	UpdatedAt      time.Time      `json:"updatedAt"`
}

// keyView is one signing key of an issuer: public information only.
type keyView struct {
	ID                 string     `json:"id"`
	Type               string     `json:"type"`
	VerificationMethod string     `json:"verificationMethod"`
	CreatedAt          time.Time  `json:"createdAt"`
	RetiredAt          *time.Time `json:"retiredAt,omitempty"`
}

func (s *Server) issuerView(is *cairn.Issuer, ks []*cairn.IssuerKey) issuerView {
	v := issuerView{
		ID: is.ID, Name: is.Name, URL: is.URL, Email: is.Email, Description: is.Description, ImageID: is.ImageID,
		Phone: is.Phone, LinkedInOrgID: is.LinkedInOrgID,
		DID: s.Service.IssuerDID(is), ProfileURL: s.Service.IssuerURL(is.ID),
		DIDDocumentURL: s.Service.IssuerURL(is.ID) + "/did.json",
		CreatedAt:      is.CreatedAt, UpdatedAt: is.UpdatedAt,
	}
	if !is.Address.IsZero() {
		a := is.Address
		v.Address = &a
	}
	for _, k := range ks {
		v.Keys = append(v.Keys, keyView{ID: k.ID, Type: k.Type, VerificationMethod: v.DID + "#" + k.Fragment,
			CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt})
	}
	return v
}

func (s *Server) listIssuers(w http.ResponseWriter, r *http.Request, c *caller) error {
	iss, err := s.Store.Issuers(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	items := make([]issuerView, 0, len(iss))
	for _, is := range iss {
		items = append(items, s.issuerView(is, nil))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createIssuer(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in issuing.IssuerInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	is, err := s.Service.CreateIssuer(r.Context(), c.orgID, in)
	if err != nil {
		return err
	}
	return s.writeIssuer(w, r, http.StatusCreated, is)
}

func (s *Server) writeIssuer(w http.ResponseWriter, r *http.Request, status int, is *cairn.Issuer) error {
	ks, err := s.Store.IssuerKeys(r.Context(), is.ID)
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", Prefix+"/issuers/"+is.ID)
	}
	return writeJSON(w, status, s.issuerView(is, ks))
}

func (s *Server) getIssuer(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	is, err := s.Store.Issuer(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return s.writeIssuer(w, r, http.StatusOK, is)
}

// issuerPatch is a JSON merge patch (RFC 7396) of an issuer profile: the
// members present replace the profile's, null clears one.
type issuerPatch struct {
	Name        *string `json:"name"`
	URL         *string `json:"url"`
	Email       *string `json:"email"`
	Description *string `json:"description"`
	ImageID     *string `json:"imageId"`
	Phone       *string `json:"phone"`
	LinkedIn    *string `json:"linkedinOrganizationId"`
	// Address replaces the whole address; null removes it.
	Address *cairn.Address `json:"address"`
}

func (s *Server) patchIssuer(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	data, err := readJSON(r, "application/json", "application/merge-patch+json")
	if err != nil {
		return err
	}
	var p issuerPatch
	if err := unmarshalStrict(data, &p); err != nil {
		return err
	}
	is, err := s.Store.Issuer(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	in := issuing.InputOf(is)
	if p.Address != nil {
		in.Address = p.Address
	}
	for _, f := range []struct {
		v   *string
		dst *string
	}{{p.Name, &in.Name}, {p.URL, &in.URL}, {p.Email, &in.Email}, {p.Description, &in.Description}, {p.ImageID, &in.ImageID},
		{p.Phone, &in.Phone}, {p.LinkedIn, &in.LinkedInOrganizationID}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	// A null member clears the field: decode again to see which were null.
	var present map[string]json.RawMessage
	_ = json.Unmarshal(data, &present)
	for name, dst := range map[string]*string{"name": &in.Name, "url": &in.URL, "email": &in.Email, "description": &in.Description,
		"imageId": &in.ImageID, "phone": &in.Phone, "linkedinOrganizationId": &in.LinkedInOrganizationID} {
		if raw, ok := present[name]; ok && string(raw) == "null" {
			*dst = ""
		}
	}
	if raw, ok := present["address"]; ok && string(raw) == "null" {
		in.Address = nil
	}
	is, err = s.Service.UpdateIssuer(r.Context(), c.orgID, is.ID, in)
	if err != nil {
		return err
	}
	return s.writeIssuer(w, r, http.StatusOK, is)
}

func (s *Server) rotateKeys(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	if err := s.Service.RotateIssuerKeys(r.Context(), c.orgID, id); err != nil {
		return err
	}
	is, err := s.Store.Issuer(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return s.writeIssuer(w, r, http.StatusOK, is)
}
