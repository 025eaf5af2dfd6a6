package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/wallet"
)

// Imported credentials in a learner's wallet: POST /learner/credentials
// imports one from anywhere, …/{id}/verify checks one again, DELETE
// removes an imported one, …/{id}/image serves its badge image. GET
// /learner/credentials lists the Cairn-issued (claimed) and imported ones
// alike, with filters.

// MaxImportBody caps an import's body: a baked image of
// verify.MaxInputBytes in a multipart form (as the public verifier's
// limiter allows; a data: URL in JSON holds about 6 MiB).
const MaxImportBody = verify.MaxInputBytes + 64<<10

func (s *Server) learnerImportRoutes() []route {
	in := func(h learnerHandler) handler { return s.needWallet(s.needImports(s.learner(h))) }
	return []route{
		{"POST", "/learner/credentials", "", MaxImportBody, in(s.learnerImport)},
		{"POST", "/learner/credentials/{id}/verify", "", 0, in(s.learnerReverify)},
		{"DELETE", "/learner/credentials/{id}", "", 0, in(s.learnerDeleteCredential)},
		{"GET", "/learner/credentials/{id}/image", "", 0, in(s.learnerCredentialImage)},
	}
}

func (s *Server) needImports(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		if s.Imports == nil {
			return cairn.Errorf(cairn.Unavailable, "importing credentials is not enabled on this server")
		}
		return h(w, r, c)
	}
}

// verificationView is the stored (or fresh) verification of a credential.
type verificationView struct {
	Result    verify.Outcome `json:"result"`
	Checks    []verify.Check `json:"checks"`
	Warnings  []string       `json:"warnings,omitempty"`
	CheckedAt *time.Time     `json:"checkedAt,omitempty"`
}

func verificationOf(rep *verify.Report, at time.Time) *verificationView {
	v := &verificationView{Result: rep.Result, Checks: rep.Checks, Warnings: rep.Warnings}
	if v.Checks == nil {
		v.Checks = []verify.Check{}
	}
	if !at.IsZero() {
		v.CheckedAt = &at
	}
	return v
}

// importedCredentialView is an imported credential in a learner's wallet.
type importedCredentialView struct {
	ID           string     `json:"id"`
	Source       string     `json:"source"` // "import"
	Format       string     `json:"format"` // ob3, clr, vc, ob2
	URL          string     `json:"url,omitempty"`
	CredentialID string     `json:"credentialId,omitempty"`
	Name         string     `json:"name"`
	Description  string     `json:"description,omitempty"`
	Issuer       issuerRef  `json:"issuer"`
	Image        string     `json:"image,omitempty"`
	AwardedDate  *time.Time `json:"awardedDate,omitempty"`
	ValidUntil   *time.Time `json:"validUntil,omitempty"`
	Skills       []string   `json:"skills"`
	// Addressed is "you" when the credential's subject is one of the
	// learner's verified emails or DIDs, "other" when it names someone
	// else (AddressedTo says whom), absent when it names no subject the
	// wallet can compare.
	Addressed    string            `json:"addressed,omitempty"`
	AddressedTo  string            `json:"addressedTo,omitempty"`
	ImportedAt   time.Time         `json:"importedAt"`
	Verification *verificationView `json:"verification"`
	Credential   json.RawMessage   `json:"credential,omitempty"`
	JWT          string            `json:"jwt,omitempty"`
}

func (s *Server) importedView(im *wallet.Imported, full bool) importedCredentialView {
	v := importedCredentialView{ID: im.ID, Source: "import", Format: im.Format, URL: im.SourceURL, CredentialID: im.CredentialID,
		Name: im.Name, Description: im.Description, Issuer: issuerRef{ID: im.IssuerID, Name: im.IssuerName},
		AwardedDate: im.IssuedAt, ValidUntil: im.ValidUntil, Skills: im.Skills, ImportedAt: im.CreatedAt,
		Addressed: im.Addressed, AddressedTo: im.AddressedTo,
		Verification: verificationOf(im.Report, im.CheckedAt)}
	if v.Skills == nil {
		v.Skills = []string{}
	}
	if im.HasImage {
		v.Image = s.Wallet.BaseURL() + Prefix + "/learner/credentials/" + im.ID + "/image"
	}
	if v.URL == "" && strings.HasPrefix(im.CredentialID, "https://") {
		v.URL = im.CredentialID
	}
	if full && len(im.Credential) > 0 {
		if json.Valid(im.Credential) {
			v.Credential = im.Credential
		} else {
			v.JWT = string(im.Credential)
		}
	}
	return v
}

// importInput is the JSON body of an import: a credential (an object, a
// JWT, or a data: URL of a baked image) or a URL.
type importInput struct {
	Credential json.RawMessage `json:"credential"`
	URL        string          `json:"url"`
	OnFailure  string          `json:"onFailure"`
}

// readImport reads an import request: {"credential": …} or {"url": …}
// as JSON, a raw credential (JSON, a JWT) or baked image, or a multipart
// form's "file" (or "credential", "url" fields).
func readImport(r *http.Request) (wallet.ImportInput, error) {
	in := wallet.ImportInput{OnFailure: r.URL.Query().Get("onFailure")}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		return in, &requestError{status: http.StatusUnsupportedMediaType, field: "Content-Type",
			detail: "send application/json ({\"credential\": …} or {\"url\": …}), a credential (application/vc+ld+json, application/jwt), a baked image (image/png, image/svg+xml) or multipart/form-data with a file"}
	}
	switch mt {
	case "multipart/form-data":
		return readImportForm(r, in)
	case "image/png", "image/svg+xml", "application/vc+ld+json", "application/ld+json", "application/jwt", "application/vc+jwt", "text/plain":
		data, err := readImportBody(r)
		if err != nil {
			return in, err
		}
		in.Data, in.ContentType = data, mt
		return in, nil
	case "application/json":
	default:
		return in, &requestError{status: http.StatusUnsupportedMediaType, field: "Content-Type",
			detail: fmt.Sprintf("media type %s is not one the wallet imports: send application/json, application/vc+ld+json, application/jwt, image/png, image/svg+xml or multipart/form-data", mt)}
	}
	data, err := readImportBody(r)
	if err != nil {
		return in, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return in, badRequest("", "the body is not a JSON object: %v", err)
	}
	wrapper := len(probe) > 0
	for k := range probe {
		if k != "credential" && k != "url" && k != "onFailure" {
			wrapper = false
		}
	}
	if !wrapper {
		// The credential itself, sent as application/json.
		in.Data, in.ContentType = data, mt
		return in, nil
	}
	var body importInput
	if err := unmarshalStrict(data, &body); err != nil {
		return in, err
	}
	if body.OnFailure != "" {
		in.OnFailure = body.OnFailure
	}
	in.URL = body.URL
	c := bytes.TrimSpace(body.Credential)
	if len(c) == 0 || string(c) == "null" {
		if in.URL == "" {
			return in, cairn.Invalidf("credential", "is required: a credential (object or JWT), a data: URL of a baked badge, or give url")
		}
		return in, nil
	}
	if c[0] == '"' {
		var str string
		if err := json.Unmarshal(c, &str); err != nil {
			return in, cairn.Invalidf("credential", "is not a JSON string: %v", err)
		}
		if strings.HasPrefix(str, "data:") {
			img, ctype, err := decodeImageDataURL(str)
			if err != nil {
				return in, err
			}
			in.Data, in.ContentType = img, ctype
			return in, nil
		}
		in.Data = []byte(strings.TrimSpace(str))
		return in, nil
	}
	in.Data = c
	return in, nil
}

// decodeImageDataURL decodes data:image/png;base64,… or data:image/svg+xml….
func decodeImageDataURL(s string) ([]byte, string, error) {
	meta, payload, ok := strings.Cut(strings.TrimPrefix(s, "data:"), ",")
	mt, _, err := mime.ParseMediaType(strings.TrimSuffix(meta, ";base64"))
	if !ok || err != nil || (mt != "image/png" && mt != "image/svg+xml") {
		return nil, "", cairn.Invalidf("credential", "a data: URL must hold an image/png or image/svg+xml badge")
	}
	if !strings.HasSuffix(meta, ";base64") {
		return []byte(payload), mt, nil
	}
	b, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return nil, "", cairn.Invalidf("credential", "the data: URL is not valid base64: %v", err)
	}
	return b, mt, nil
}

func readImportBody(r *http.Request) ([]byte, error) {
	data, err := readBody(r, MaxImportBody)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, badRequest("", "the request body is empty; send a credential, a baked badge image or {\"url\": …}")
	}
	return data, nil
}

func readImportForm(r *http.Request, in wallet.ImportInput) (wallet.ImportInput, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return in, tooLarge(MaxImportBody)
		}
		return in, badRequest("", "the multipart form could not be read: %v", err)
	}
	if v := r.FormValue("onFailure"); v != "" {
		in.OnFailure = v
	}
	f, fh, err := r.FormFile("file")
	switch {
	case err == nil:
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, MaxImportBody+1))
		if err != nil {
			return in, badRequest("file", "the file could not be read: %v", err)
		}
		if len(data) > verify.MaxInputBytes {
			return in, &requestError{status: http.StatusRequestEntityTooLarge, field: "file",
				detail: fmt.Sprintf("the file is larger than the limit of %s", byteSize(verify.MaxInputBytes))}
		}
		if len(data) > 0 {
			in.Data = data
			if mt, _, err := mime.ParseMediaType(fh.Header.Get("Content-Type")); err == nil && mt != "application/octet-stream" {
				if _, known := importFileTypes[mt]; known {
					in.ContentType = mt
				}
			}
			return in, nil
		}
	case !errors.Is(err, http.ErrMissingFile):
		return in, badRequest("file", "the file could not be read: %v", err)
	}
	if c := strings.TrimSpace(r.FormValue("credential")); c != "" {
		in.Data = []byte(c)
		return in, nil
	}
	if u := strings.TrimSpace(r.FormValue("url")); u != "" {
		in.URL = u
		return in, nil
	}
	return in, cairn.Invalidf("file", "is required: a badge image or credential file (or a credential or url field)")
}

// importFileTypes are the declared types of an uploaded file that are
// checked against its bytes; others (a browser's guess) are not.
var importFileTypes = map[string]bool{"image/png": true, "image/svg+xml": true, "application/json": true,
	"application/ld+json": true, "application/vc+ld+json": true, "application/jwt": true, "application/vc+jwt": true}

// importError maps a refused failed credential to 422 with its report.
func importError(w http.ResponseWriter, err error) error {
	var fe *wallet.FailedError
	if errors.As(err, &fe) {
		p := map[string]any{"type": problemType(422), "title": http.StatusText(422), "status": 422, "field": "credential",
			"detail": fe.Error(), "verification": verificationOf(fe.Report, time.Time{})}
		data, _ := json.Marshal(p)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write(append(data, '\n'))
		return nil
	}
	return err
}

func (s *Server) learnerImport(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	in, err := readImport(r)
	if err != nil {
		return err
	}
	im, created, err := s.Imports.Import(r.Context(), p.Learner.ID, in)
	if err != nil {
		return importError(w, err)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/learner/credentials/"+im.ID)
	}
	return writeJSON(w, status, s.importedView(im, false))
}

func (s *Server) learnerReverify(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	im, err := s.Imports.Reverify(r.Context(), p.Learner.ID, id)
	if cairn.KindOf(err) == cairn.NotFound {
		// A Cairn-issued badge: verified on the spot, not stored.
		c, cerr := s.Wallet.Credential(r.Context(), p.Learner.ID, id)
		if cerr != nil {
			return cerr
		}
		if s.Verifier == nil {
			return cairn.Errorf(cairn.Unavailable, "verification is not configured on this server")
		}
		input := c.Award.CredentialJSON
		if c.Award.CredentialJWT != "" {
			input = []byte(c.Award.CredentialJWT)
		}
		now := s.now()
		rep := s.Verifier.Verify(r.Context(), input)
		v := walletCredentialOf(c)
		v.Credential, v.JWT = nil, ""
		return writeJSON(w, http.StatusOK, struct {
			walletCredentialView
			Verification *verificationView `json:"verification"`
		}{v, verificationOf(rep, now)})
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.importedView(im, false))
}

func (s *Server) learnerDeleteCredential(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	err = s.Imports.Delete(r.Context(), p.Learner.ID, id)
	if cairn.KindOf(err) == cairn.NotFound {
		if _, cerr := s.Wallet.Credential(r.Context(), p.Learner.ID, id); cerr == nil {
			return &cairn.Error{Kind: cairn.Conflict, Field: "id",
				Message: "this badge was issued on this server and claimed into the wallet; only imported credentials can be deleted"}
		}
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ServeImportImage writes an imported credential's badge image: a PNG as
// stored, or a sanitized SVG, with headers that keep a browser from
// running anything in it.
func ServeImportImage(w http.ResponseWriter, data []byte, ctype string) {
	if ctype != "image/png" && ctype != "image/svg+xml" {
		ctype = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Disposition", "inline")
	_, _ = w.Write(data)
}

func (s *Server) learnerCredentialImage(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	data, ctype, err := s.Imports.Image(r.Context(), p.Learner.ID, id)
	if err != nil {
		return err
	}
	ServeImportImage(w, data, ctype)
	return nil
}

// credentialFilter holds the list filters of GET /learner/credentials.
type credentialFilter struct {
	issuer, skill, source string
	after, before         *time.Time
}

func credentialFilterOf(r *http.Request) (*credentialFilter, error) {
	q := r.URL.Query()
	f := &credentialFilter{issuer: strings.TrimSpace(q.Get("issuer")), skill: strings.TrimSpace(q.Get("skill")), source: q.Get("source")}
	switch f.source {
	case "", "cairn", "import":
	default:
		return nil, badRequest("source", "must be cairn or import")
	}
	for _, d := range []struct {
		name string
		dst  **time.Time
		end  bool
	}{{"issuedAfter", &f.after, true}, {"issuedBefore", &f.before, false}} {
		v := q.Get(d.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			day, derr := time.Parse("2006-01-02", v)
			if derr != nil {
				return nil, badRequest(d.name, "%q is not a date (want 2024-05-31 or 2024-05-31T12:00:00Z)", v)
			}
			// A day: after it means from the next day, before it means
			// before its start.
			t = day
			if d.end {
				t = day.Add(24*time.Hour - time.Nanosecond)
			}
		}
		*d.dst = &t
	}
	return f, nil
}

func (f *credentialFilter) match(source, issuerID, issuerName string, skills []string, issued *time.Time) bool {
	if f.source != "" && f.source != source {
		return false
	}
	if f.issuer != "" && f.issuer != issuerID && !strings.Contains(strings.ToLower(issuerName), strings.ToLower(f.issuer)) {
		return false
	}
	if f.skill != "" {
		ok := false
		for _, s := range skills {
			ok = ok || strings.EqualFold(s, f.skill)
		}
		if !ok {
			return false
		}
	}
	if f.after != nil && (issued == nil || !issued.After(*f.after)) {
		return false
	}
	if f.before != nil && (issued == nil || !issued.Before(*f.before)) {
		return false
	}
	return true
}

// listedCredential is one item of the list, with its date for the order.
type listedCredential struct {
	date time.Time
	v    any
}

// learnerCredentialItems returns the learner's Cairn-issued and imported
// credentials that pass the filters of r, newest first.
func (s *Server) learnerCredentialItems(ctx context.Context, r *http.Request, p *wallet.Principal) ([]any, error) {
	f, err := credentialFilterOf(r)
	if err != nil {
		return nil, err
	}
	full := r.URL.Query().Get("full") == "true"
	var items []listedCredential
	if f.source != "import" {
		cs, err := s.Wallet.Credentials(ctx, p.Learner.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			var skills []string
			for _, a := range c.Achievement.Alignments {
				if a.TargetName != "" {
					skills = append(skills, a.TargetName)
				}
			}
			issued := c.Award.AwardedDate
			if !f.match("cairn", c.Issuer.ID, c.Issuer.Name, skills, &issued) && !f.match("cairn", c.Award.IssuerID, c.Issuer.Name, skills, &issued) {
				continue
			}
			v := walletCredentialOf(c)
			if !full {
				v.Credential, v.JWT = nil, ""
			}
			items = append(items, listedCredential{issued, v})
		}
	}
	if f.source != "cairn" && s.Imports != nil {
		ims, err := s.Imports.List(ctx, p.Learner.ID, full)
		if err != nil {
			return nil, err
		}
		for _, im := range ims {
			if !f.match("import", im.IssuerID, im.IssuerName, im.Skills, im.IssuedAt) {
				continue
			}
			d := im.CreatedAt
			if im.IssuedAt != nil {
				d = *im.IssuedAt
			}
			items = append(items, listedCredential{d, s.importedView(im, full)})
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].date.After(items[j].date) })
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out, nil
}

// learnerImportedCredential answers GET /learner/credentials/{id} for an
// imported credential; ok is false when id is none of the learner's.
func (s *Server) learnerImportedCredential(w http.ResponseWriter, r *http.Request, p *wallet.Principal, id string) (bool, error) {
	if s.Imports == nil {
		return false, nil
	}
	im, err := s.Imports.Get(r.Context(), p.Learner.ID, id)
	if cairn.KindOf(err) == cairn.NotFound {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	return true, writeJSON(w, http.StatusOK, s.importedView(im, true))
}
