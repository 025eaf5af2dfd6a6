package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
)

// apiKeyView describes an API key; the secret is never shown again after
// creation (Key is set only in the answer to POST).
type apiKeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // cairn_<prefix>_…, to tell keys apart
	Role       cairn.Role `json:"role"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
	Key        string     `json:"key,omitempty"`
}

func apiKeyViewOf(k *cairn.APIKey) apiKeyView {
	return apiKeyView{ID: k.ID, Name: k.Name, Prefix: auth.APIKeyPrefix + k.Prefix + "_…", Role: k.Role,
		CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request, c *caller) error {
	ks, err := s.Store.APIKeys(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	items := make([]apiKeyView, 0, len(ks))
	for _, k := range ks {
		items = append(items, apiKeyViewOf(k))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// apiKeyInput is the body of POST /api/v1/api-keys.
type apiKeyInput struct {
	Name string     `json:"name"`
	Role cairn.Role `json:"role"`
}

// MaxAPIKeyNameLen caps the name of an API key.
const MaxAPIKeyNameLen = 200

func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in apiKeyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		return cairn.Invalidf("name", "is required: say what the key is for")
	case len(in.Name) > MaxAPIKeyNameLen:
		return cairn.Invalidf("name", "is %d bytes long; the limit is %d", len(in.Name), MaxAPIKeyNameLen)
	case strings.ContainsFunc(in.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return cairn.Invalidf("name", "contains a control character")
	}
	if !in.Role.Valid() {
		return cairn.Invalidf("role", "%q: want owner, issuer, assessor or viewer", in.Role)
	}
	// The 40-bit lookup prefix is unique in practice; on the rare clash,
	// make another key.
	for attempt := 0; ; attempt++ {
		key, k := NewAPIKey(c.orgID, in.Name, in.Role)
		err := s.Store.CreateAPIKey(r.Context(), k)
		if cairn.KindOf(err) == cairn.Conflict && attempt < 3 {
			continue
		}
		if err != nil {
			return err
		}
		v := apiKeyViewOf(k)
		v.Key = key
		w.Header().Set("Location", Prefix+"/api-keys/"+k.ID)
		return writeJSON(w, http.StatusCreated, v)
	}
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Store.RevokeAPIKey(r.Context(), c.orgID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
