package ob3api

import (
	"net/http"

	"github.com/cairn-badges/cairn/oauth"
)

// discovery answers the service description document (OB 3.0 §6.2.6 and
// appendix "Service Discovery"): an OpenAPI 3.0 document whose
// x-imssf-* members and OAuth2 security scheme tell a client where to
// register, ask for consent, and get tokens. Only the operations Cairn
// serves are listed.
func (h *Handler) discovery(w http.ResponseWriter, r *http.Request) {
	scopes := map[string]string{}
	for _, s := range oauth.Scopes {
		scopes[s] = oauth.ScopeDescription[s]
	}
	op := func(id, scope string) map[string]any {
		return map[string]any{
			"operationId": id,
			"security":    []map[string][]string{{"OAuth2ACG": {scope}}},
			"responses": map[string]any{
				"200": map[string]string{"description": "OK"},
				"401": map[string]string{"description": "no valid access token (Imsx_StatusInfo)"},
				"403": map[string]string{"description": "the token lacks the scope (Imsx_StatusInfo)"},
			},
		}
	}
	doc := map[string]any{
		"openapi": "3.0.1",
		"info": map[string]any{
			"title":                    "Cairn",
			"version":                  "3.0",
			"description":              "Open Badges 3.0 API of a Cairn learner wallet",
			"x-imssf-privacyPolicyUrl": h.PrivacyPolicyURL,
			"x-imssf-image":            h.ImageURL,
		},
		"servers": []map[string]string{{"url": h.BaseURL + BasePath}},
		"paths": map[string]any{
			"/credentials": map[string]any{"get": op("getCredentials", oauth.ScopeCredentialRead), "post": op("upsertCredential", oauth.ScopeCredentialUpsert)},
			"/profile":     map[string]any{"get": op("getProfile", oauth.ScopeProfileRead), "put": op("putProfile", oauth.ScopeProfileUpdate)},
		},
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"OAuth2ACG": map[string]any{
					"type":                    "oauth2",
					"description":             "OAuth 2.0 authorization code grant with PKCE (S256 required)",
					"x-imssf-registrationUrl": h.BaseURL + "/oauth/ob3/register",
					"flows": map[string]any{
						"authorizationCode": map[string]any{
							"authorizationUrl": h.AuthorizeURL,
							"tokenUrl":         h.BaseURL + "/oauth/ob3/token",
							"refreshUrl":       h.BaseURL + "/oauth/ob3/token",
							"scopes":           scopes,
						},
					},
				},
			},
		},
	}
	writeJSON(w, http.StatusOK, doc)
}
