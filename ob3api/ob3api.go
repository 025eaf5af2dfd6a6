// Package ob3api serves the 1EdTech Open Badges 3.0 REST API
// (https://www.imsglobal.org/spec/ob/v3p0/#api) for learners' wallets,
// and the OAuth 2.0 endpoints other platforms use to get a learner's
// permission: dynamic client registration (RFC 7591), the token endpoint
// of the authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636)
// and revocation (RFC 7009). The authorization server itself (codes,
// tokens, grants) is package oauth; this package is its HTTP face.
//
// What is served (see docs/API.md, "OB 3.0 API"):
//
//	POST /oauth/ob3/register    RFC 7591 registration
//	POST /oauth/ob3/token       RFC 6749 §4.1.3 and §6
//	POST /oauth/ob3/revoke      RFC 7009
//	GET  /ims/ob/v3p0/discovery the service description document
//	GET  /ims/ob/v3p0/credentials  getCredentials (scope credential.readonly)
//	POST /ims/ob/v3p0/credentials  upsertCredential (scope credential.upsert)
//	GET  /ims/ob/v3p0/profile      getProfile (scope profile.readonly)
//	PUT  /ims/ob/v3p0/profile      putProfile (scope profile.update; the name only)
//
// Every API route takes a bearer access token and checks its scope; an
// API error is an Imsx_StatusInfo document (OB 3.0 §6.3).
package ob3api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/oauth"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/wallet"
)

// Limits.
const (
	// MaxOAuthBody bounds a registration, token or revocation request's body.
	MaxOAuthBody = 16 << 10
	// MaxProfileBody bounds a putProfile body, MaxName the name in it.
	MaxProfileBody = 64 << 10
	MaxName        = 200
	// MaxUpsertBody bounds an upsertCredential body.
	MaxUpsertBody = 1 << 20
	// DefaultLimit and MaxLimit bound getCredentials' page size.
	DefaultLimit = 50
	MaxLimit     = 200
)

// Store is what the API reads of a learner's wallet.
type Store interface {
	// Learner errors: NotFound.
	Learner(ctx context.Context, id string) (*store.Learner, error)
	LearnerImports(ctx context.Context, learnerID string, withCredential bool) ([]*store.LearnerImport, error)
	// ClaimedAwards: the Cairn awards the learner claimed, newest first.
	ClaimedAwards(ctx context.Context, learnerID string, limit int) ([]store.LearnerAward, error)
	// UpdateLearnerName errors: NotFound.
	UpdateLearnerName(ctx context.Context, id, name string) error
	VerifiedLearnerEmails(ctx context.Context, learnerID string) ([]string, error)
	VerifiedLearnerDIDs(ctx context.Context, learnerID string) ([]string, error)
	// LearnerProfile (the portfolio's settings) errors: NotFound.
	LearnerProfile(ctx context.Context, learnerID string) (*store.LearnerProfile, error)
	PutLearnerProfile(ctx context.Context, p *store.LearnerProfile) error
}

// Importer verifies and keeps a credential in a learner's wallet
// (*wallet.Importer). Errors: Invalid, Conflict (the wallet is full),
// *wallet.FailedError, *wallet.RateLimitError.
type Importer interface {
	Import(ctx context.Context, learnerID string, in wallet.ImportInput) (*wallet.Imported, bool, error)
}

// Handler serves the API. BaseURL is the server's public URL, without a
// trailing slash.
type Handler struct {
	OAuth *oauth.Service
	Store Store
	// Imports is where upsertCredential puts credentials; nil: the route
	// answers 501.
	Imports Importer
	BaseURL string
	// AuthorizeURL is the consent page's address (the authorization
	// endpoint), named by the discovery document.
	AuthorizeURL string
	// PrivacyPolicyURL and ImageURL (the platform's icon) are named by
	// the discovery document.
	PrivacyPolicyURL, ImageURL string
	Log                        *slog.Logger
}

// BasePath is the OB 3.0 API's base path (§6.1).
const BasePath = "/ims/ob/v3p0"

// Register mounts the routes on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	if h.Log == nil {
		h.Log = slog.Default()
	}
	mux.HandleFunc("POST /oauth/ob3/register", h.register)
	mux.HandleFunc("POST /oauth/ob3/token", h.token)
	mux.HandleFunc("POST /oauth/ob3/revoke", h.revoke)
	mux.HandleFunc("GET "+BasePath+"/discovery", h.discovery)
	mux.HandleFunc("GET "+BasePath+"/credentials", h.scoped(oauth.ScopeCredentialRead, h.getCredentials))
	mux.HandleFunc("POST "+BasePath+"/credentials", h.scoped(oauth.ScopeCredentialUpsert, h.upsertCredential))
	mux.HandleFunc("GET "+BasePath+"/profile", h.scoped(oauth.ScopeProfileRead, h.getProfile))
	mux.HandleFunc("PUT "+BasePath+"/profile", h.scoped(oauth.ScopeProfileUpdate, h.putProfile))
}

func clientAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// writeJSON answers v with status, never cached (RFC 6749 §5.1).
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthFail answers an OAuth error (RFC 6749 §5.2), a rate limit, or a
// 500 that does not show the error.
func (h *Handler) oauthFail(w http.ResponseWriter, r *http.Request, err error) {
	var oe *oauth.Error
	var rl *oauth.RateLimitError
	switch {
	case errors.As(err, &oe):
		st := oe.Status
		if st == 0 {
			st = http.StatusBadRequest
		}
		if st == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="cairn"`)
		}
		writeJSON(w, st, map[string]string{"error": oe.Code, "error_description": oe.Description})
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds()+0.999)))
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "slow_down", "error_description": rl.Error()})
	default:
		h.Log.ErrorContext(r.Context(), "ob3api: oauth endpoint", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": "the server failed; try again later"})
	}
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxOAuthBody))
	if err != nil {
		h.oauthFail(w, r, &oauth.Error{Code: "invalid_client_metadata", Description: "the body is unreadable or longer than 16 KiB", Status: http.StatusRequestEntityTooLarge})
		return
	}
	reg, perr := oauth.ParseRegistration(body)
	if perr != nil {
		h.oauthFail(w, r, perr)
		return
	}
	c, secret, err := h.OAuth.Register(r.Context(), reg, clientAddr(r))
	if err != nil {
		h.oauthFail(w, r, err)
		return
	}
	// RFC 7591 §3.2.1: the metadata as registered, with the credentials.
	writeJSON(w, http.StatusCreated, struct {
		ClientID              string `json:"client_id"`
		ClientSecret          string `json:"client_secret"`
		ClientIDIssuedAt      int64  `json:"client_id_issued_at"`
		ClientSecretExpiresAt int64  `json:"client_secret_expires_at"`
		*oauth.Registration
	}{c.ClientID, secret, c.CreatedAt.Unix(), 0, reg})
}

// form reads a token or revocation request's form and its client's
// credentials (client_secret_basic).
func form(w http.ResponseWriter, r *http.Request) (url.Values, string, string, *oauth.Error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxOAuthBody)
	if err := r.ParseForm(); err != nil {
		return nil, "", "", &oauth.Error{Code: "invalid_request", Description: "the body must be an application/x-www-form-urlencoded form of at most 16 KiB"}
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		// RFC 6749 §2.3.1: form-encoded before Basic encoding.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	return r.PostForm, id, secret, nil
}

func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	f, id, secret, oerr := form(w, r)
	if oerr != nil {
		h.oauthFail(w, r, oerr)
		return
	}
	tr, err := h.OAuth.Token(r.Context(), id, secret, f, clientAddr(r))
	if err != nil {
		h.oauthFail(w, r, err)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, tr)
}

func (h *Handler) revoke(w http.ResponseWriter, r *http.Request) {
	f, id, secret, oerr := form(w, r)
	if oerr != nil {
		h.oauthFail(w, r, oerr)
		return
	}
	if err := h.OAuth.Revoke(r.Context(), id, secret, f.Get("token"), clientAddr(r)); err != nil {
		h.oauthFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// statusInfo is an Imsx_StatusInfo (OB 3.0 §B.1.5).
type statusInfo struct {
	CodeMajor   string `json:"imsx_codeMajor"`
	Severity    string `json:"imsx_severity"`
	Description string `json:"imsx_description,omitempty"`
	CodeMinor   *struct {
		Field []codeMinorField `json:"imsx_codeMinorField"`
	} `json:"imsx_CodeMinor,omitempty"`
}

type codeMinorField struct {
	Name  string `json:"imsx_codeMinorFieldName"`
	Value string `json:"imsx_codeMinorFieldValue"`
}

// apiFail answers an API error as an Imsx_StatusInfo with status and
// the minor code (unauthorisedrequest, forbidden, invalid_data, ...).
func apiFail(w http.ResponseWriter, status int, minor, desc string) {
	si := statusInfo{CodeMajor: "failure", Severity: "error", Description: desc}
	si.CodeMinor = &struct {
		Field []codeMinorField `json:"imsx_codeMinorField"`
	}{[]codeMinorField{{Name: "sourcedId", Value: minor}}}
	writeJSON(w, status, si)
}

type accessKey struct{}

// scoped checks the request's bearer token and that it holds scope (RFC
// 6750 §3.1 for the WWW-Authenticate answers).
func (h *Handler) scoped(scope string, next func(http.ResponseWriter, *http.Request, *oauth.Access)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cairn", scope="`+scope+`"`)
			apiFail(w, http.StatusUnauthorized, "unauthorisedrequest", "an access token is required (Authorization: Bearer)")
			return
		}
		acc, err := h.OAuth.Authenticate(r.Context(), strings.TrimSpace(tok))
		if cairn.KindOf(err) == cairn.Unauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cairn", error="invalid_token"`)
			apiFail(w, http.StatusUnauthorized, "unauthorisedrequest", err.Error())
			return
		}
		if err != nil {
			h.Log.ErrorContext(r.Context(), "ob3api: authenticating a token", "err", err)
			apiFail(w, http.StatusInternalServerError, "internal_server_error", "the server failed; try again later")
			return
		}
		if !acc.Has(scope) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cairn", error="insufficient_scope", scope="`+scope+`"`)
			apiFail(w, http.StatusForbidden, "forbidden", "the access token does not hold the scope "+scope)
			return
		}
		next(w, r, acc)
	}
}

// pageParam reads limit or offset: a non-negative integer.
func pageParam(q url.Values, name string, def int) (int, bool) {
	s := q.Get(name)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// credentials are the learner's OB 3.0 credentials, as issued: the Cairn
// awards they claimed (newest claim first; the signed JSON, or the VC-JWT
// of an award issued only as one; the unsigned JSON of such an award is
// never given), then the OB 3.0 credentials they
// imported or had pushed.
func (h *Handler) credentials(ctx context.Context, learnerID string) ([]string, error) {
	claimed, err := h.Store.ClaimedAwards(ctx, learnerID, 1000)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, la := range claimed {
		switch aw := la.Award; {
		case slices.Contains(aw.Formats, cairn.FormatDataIntegrity) && len(aw.CredentialJSON) > 0:
			out = append(out, strings.TrimSpace(string(aw.CredentialJSON)))
		case aw.CredentialJWT != "":
			out = append(out, aw.CredentialJWT)
		}
	}
	imports, err := h.Store.LearnerImports(ctx, learnerID, true)
	if err != nil {
		return nil, err
	}
	for _, li := range imports {
		if li.Format == "ob3" {
			out = append(out, strings.TrimSpace(string(li.Credential)))
		}
	}
	return out, nil
}

// getCredentials answers the learner's credentials (§6.2.2): the
// wallet's OB 3.0 imports, JSON ones in credential, VC-JWTs in
// compactJwsStrings, with X-Total-Count and RFC 8288 Link headers.
func (h *Handler) getCredentials(w http.ResponseWriter, r *http.Request, acc *oauth.Access) {
	q := r.URL.Query()
	limit, ok1 := pageParam(q, "limit", DefaultLimit)
	offset, ok2 := pageParam(q, "offset", 0)
	if !ok1 || !ok2 || limit < 1 || limit > MaxLimit {
		apiFail(w, http.StatusBadRequest, "invalid_selection_field", "limit must be 1 to 200 and offset a non-negative integer")
		return
	}
	creds, err := h.credentials(r.Context(), acc.LearnerID)
	if err != nil {
		h.Log.ErrorContext(r.Context(), "ob3api: listing credentials", "err", err)
		apiFail(w, http.StatusInternalServerError, "internal_server_error", "the server failed; try again later")
		return
	}
	total := len(creds)
	page := creds[min(offset, total):min(offset+limit, total)]
	out := struct {
		CompactJWS []string          `json:"compactJwsStrings"`
		Credential []json.RawMessage `json:"credential"`
	}{[]string{}, []json.RawMessage{}}
	for _, c := range page {
		if strings.HasPrefix(c, "{") {
			out.Credential = append(out.Credential, json.RawMessage(c))
		} else {
			out.CompactJWS = append(out.CompactJWS, c)
		}
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	if l := links(h.BaseURL+BasePath+"/credentials", limit, offset, total); l != "" {
		w.Header().Set("Link", l)
	}
	writeJSON(w, http.StatusOK, out)
}

// links is the Link header of a page (OB 3.0 §6.2.2: next, last, first,
// prev).
func links(base string, limit, offset, total int) string {
	at := func(off int, rel string) string {
		return "<" + base + "?limit=" + strconv.Itoa(limit) + "&offset=" + strconv.Itoa(off) + `>; rel="` + rel + `"`
	}
	var ls []string
	if offset+limit < total {
		ls = append(ls, at(offset+limit, "next"))
	}
	if total > 0 {
		ls = append(ls, at((total-1)/limit*limit, "last"))
	}
	ls = append(ls, at(0, "first"))
	if offset > 0 {
		ls = append(ls, at(max(offset-limit, 0), "prev"))
	}
	return strings.Join(ls, ", ")
}

// getProfile answers the learner's Profile (§6.2.4): its name and
// sign-in address.
func (h *Handler) getProfile(w http.ResponseWriter, r *http.Request, acc *oauth.Access) {
	p, err := h.profile(r.Context(), acc.LearnerID)
	if cairn.KindOf(err) == cairn.NotFound {
		apiFail(w, http.StatusNotFound, "unknownobject", "the learner is gone")
		return
	}
	if err != nil {
		h.Log.ErrorContext(r.Context(), "ob3api: reading a profile", "err", err)
		apiFail(w, http.StatusInternalServerError, "internal_server_error", "the server failed; try again later")
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// profile is the learner's OB 3.0 Profile: their name and sign-in
// address; the portfolio's text as description and, when it is public, its
// page as url; their other verified addresses and DIDs as
// otherIdentifier. Errors: NotFound.
func (h *Handler) profile(ctx context.Context, learnerID string) (map[string]any, error) {
	l, err := h.Store.Learner(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	p := map[string]any{
		"@context": []string{"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"},
		"id":       "urn:uuid:" + l.ID,
		"type":     "Profile",
		"name":     l.Name,
		"email":    l.Email,
	}
	switch pr, err := h.Store.LearnerProfile(ctx, learnerID); {
	case err == nil:
		if pr.Bio != "" {
			p["description"] = pr.Bio
		}
		if pr.Public {
			p["url"] = h.BaseURL + "/learners/" + pr.Handle
		}
	case cairn.KindOf(err) != cairn.NotFound:
		return nil, err
	}
	var others []map[string]string
	emails, err := h.Store.VerifiedLearnerEmails(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	for _, e := range emails {
		if !strings.EqualFold(e, l.Email) {
			others = append(others, map[string]string{"type": "IdentifierEntry", "identifier": e, "identifierType": "emailAddress"})
		}
	}
	dids, err := h.Store.VerifiedLearnerDIDs(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	for _, d := range dids {
		others = append(others, map[string]string{"type": "IdentifierEntry", "identifier": d, "identifierType": "did"})
	}
	if len(others) > 0 {
		p["otherIdentifier"] = others
	}
	return p, nil
}

// putProfile (§6.2.5) takes a Profile and changes the learner's name and,
// when they have a portfolio, its text (description). The sign-in address
// cannot change this way: a Profile whose email is not the learner's is
// refused (a new address must be confirmed by mail, in the wallet); nor
// can the portfolio's address (url) or the verified identifiers, which the
// learner proves in the wallet. Other members are ignored.
func (h *Handler) putProfile(w http.ResponseWriter, r *http.Request, acc *oauth.Access) {
	var p struct {
		Name        *string `json:"name"`
		Email       *string `json:"email"`
		Description *string `json:"description"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxProfileBody))
	if err != nil {
		apiFail(w, http.StatusRequestEntityTooLarge, "invalid_data", "the body is unreadable or longer than 64 KiB")
		return
	}
	if err := json.Unmarshal(body, &p); err != nil {
		apiFail(w, http.StatusBadRequest, "invalid_data", "the body must be a Profile (JSON)")
		return
	}
	if p.Name == nil || strings.TrimSpace(*p.Name) == "" || len(*p.Name) > MaxName || !utf8.ValidString(*p.Name) {
		apiFail(w, http.StatusBadRequest, "invalid_data", "name is required: 1 to 200 characters")
		return
	}
	ctx := r.Context()
	l, err := h.Store.Learner(ctx, acc.LearnerID)
	if err == nil && p.Email != nil && !strings.EqualFold(*p.Email, l.Email) {
		apiFail(w, http.StatusBadRequest, "invalid_data", "email cannot be changed through the API; the learner adds addresses in the wallet")
		return
	}
	var pr *store.LearnerProfile
	if err == nil && p.Description != nil {
		pr, err = h.Store.LearnerProfile(ctx, l.ID)
		desc := strings.TrimSpace(strings.ReplaceAll(*p.Description, "\r\n", "\n"))
		switch {
		case cairn.KindOf(err) == cairn.NotFound && desc == "":
			pr, err = nil, nil // nothing to keep
		case cairn.KindOf(err) == cairn.NotFound:
			apiFail(w, http.StatusBadRequest, "invalid_data", "description: the learner has no portfolio to describe yet; they set one up in the wallet")
			return
		case err == nil && (!utf8.ValidString(desc) || utf8.RuneCountInString(desc) > wallet.MaxBioLen):
			apiFail(w, http.StatusBadRequest, "invalid_data", fmt.Sprintf("description: at most %d characters of text", wallet.MaxBioLen))
			return
		case err == nil:
			pr.Bio = desc
		}
	}
	if err == nil {
		err = h.Store.UpdateLearnerName(ctx, l.ID, strings.TrimSpace(*p.Name))
	}
	if err == nil && pr != nil {
		err = h.Store.PutLearnerProfile(ctx, pr)
	}
	if cairn.KindOf(err) == cairn.NotFound {
		apiFail(w, http.StatusNotFound, "unknownobject", "the learner is gone")
		return
	}
	var out map[string]any
	if err == nil {
		out, err = h.profile(ctx, acc.LearnerID)
	}
	if err != nil {
		h.Log.ErrorContext(ctx, "ob3api: putProfile", "err", err)
		apiFail(w, http.StatusInternalServerError, "internal_server_error", "the server failed; try again later")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// upsertCredential (§6.2.3) verifies the credential in the body (OB 3.0
// JSON, or a VC-JWT as text/plain) as the wallet's imports are, and keeps
// it: 201 when new, 200 when it replaced or matched one the learner held.
// A credential that fails verification is refused (400).
func (h *Handler) upsertCredential(w http.ResponseWriter, r *http.Request, acc *oauth.Access) {
	if h.Imports == nil {
		apiFail(w, http.StatusNotImplemented, "unsupported", "this server does not accept credentials")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxUpsertBody))
	if err != nil {
		apiFail(w, http.StatusRequestEntityTooLarge, "invalid_data", "the body is unreadable or longer than 1 MiB")
		return
	}
	ct := r.Header.Get("Content-Type")
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	if mt != "application/json" && mt != "text/plain" && mt != "application/vc+ld+json" {
		apiFail(w, http.StatusUnsupportedMediaType, "invalid_data", "the body must be application/json (a credential) or text/plain (a compact JWS)")
		return
	}
	if mt == "text/plain" && !strings.HasPrefix(strings.TrimSpace(string(body)), "ey") {
		apiFail(w, http.StatusBadRequest, "invalid_data", "a text/plain body must be a compact JWS")
		return
	}
	out, created, err := h.Imports.Import(r.Context(), acc.LearnerID, wallet.ImportInput{Data: body, OnFailure: wallet.RefuseFailed, Upsert: true})
	var fe *wallet.FailedError
	var rl *wallet.RateLimitError
	switch {
	case errors.As(err, &fe):
		apiFail(w, http.StatusBadRequest, "invalid_data", fe.Error())
		return
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds()+0.999)))
		apiFail(w, http.StatusTooManyRequests, "server_busy", "too many credentials at once; try again later")
		return
	case cairn.KindOf(err) == cairn.Invalid:
		apiFail(w, http.StatusBadRequest, "invalid_data", err.Error())
		return
	case cairn.KindOf(err) == cairn.Conflict:
		apiFail(w, http.StatusConflict, "invalid_data", err.Error())
		return
	case err != nil:
		h.Log.ErrorContext(r.Context(), "ob3api: upsertCredential", "err", err)
		apiFail(w, http.StatusInternalServerError, "internal_server_error", "the server failed; try again later")
		return
	}
	st := http.StatusOK
	if created {
		st = http.StatusCreated
	}
	c := strings.TrimSpace(string(out.Credential))
	if strings.HasPrefix(c, "{") {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(st)
	_, _ = io.WriteString(w, c)
}
