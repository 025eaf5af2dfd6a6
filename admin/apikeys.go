package admin

import (
	"net/http"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
)

// apiKeysPage is the data of the API keys page.
type apiKeysPage struct {
	Keys   []*cairn.APIKey
	Roles  []cairn.Role
	Name   string // kept values of the create form
	Role   string
	Secret string // the new key, shown once
	Errors fieldErrors
}

// MaxKeyNameLen caps the name of an API key.
const MaxKeyNameLen = 200

func (h *Handler) showAPIKeys(w http.ResponseWriter, r *http.Request, a *actor, status int, p *apiKeysPage, notice string) {
	var err error
	if p.Keys, err = h.store.APIKeys(r.Context(), a.Org.ID); err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.Roles = cairn.Roles
	if p.Role == "" {
		p.Role = string(cairn.RoleIssuer)
	}
	h.render(w, r, status, "apikeys.html", view{Title: h.t(r, a, "API keys"), Actor: a, Nav: "api-keys", Notice: notice, Data: p})
}

// apiKeys lists the organization's API keys.
func (h *Handler) apiKeys(w http.ResponseWriter, r *http.Request, a *actor) {
	notice := ""
	if r.URL.Query().Get("done") == "revoke" {
		notice = h.t(r, a, "The key is revoked: requests that use it are refused from now on.")
	}
	h.showAPIKeys(w, r, a, http.StatusOK, &apiKeysPage{}, notice)
}

// apiKeyCreate makes a key and shows its secret, once.
func (h *Handler) apiKeyCreate(w http.ResponseWriter, r *http.Request, a *actor) {
	p := &apiKeysPage{Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role")}
	switch {
	case p.Name == "":
		p.Errors = p.Errors.add("name", "Say what the key is for, e.g. “LMS integration”.")
	case len(p.Name) > MaxKeyNameLen:
		p.Errors = p.Errors.add("name", "The name is too long: at most 200 characters.")
	case strings.ContainsFunc(p.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		p.Errors = p.Errors.add("name", "The name has a control character.")
	}
	if !cairn.Role(p.Role).Valid() {
		p.Errors = p.Errors.add("role", "Choose viewer, issuer or owner.")
	}
	if p.Errors.Any() {
		h.showAPIKeys(w, r, a, http.StatusBadRequest, p, "")
		return
	}
	// The 40-bit lookup prefix is unique in practice; on the rare clash,
	// make another key.
	for attempt := 0; ; attempt++ {
		key, k := api.NewAPIKey(a.Org.ID, p.Name, cairn.Role(p.Role))
		err := h.store.CreateAPIKey(r.Context(), k)
		if cairn.KindOf(err) == cairn.Conflict && attempt < 3 {
			continue
		}
		if err != nil {
			h.fail(w, r, a, err)
			return
		}
		// Answered, not redirected: the secret is in this response only.
		h.showAPIKeys(w, r, a, http.StatusOK, &apiKeysPage{Secret: key, Name: p.Name}, "")
		return
	}
}

// apiKeyRevoke revokes a key.
func (h *Handler) apiKeyRevoke(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	if err := h.store.RevokeAPIKey(r.Context(), a.Org.ID, id); err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/api-keys?done=revoke")
}
