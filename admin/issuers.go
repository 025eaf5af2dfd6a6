package admin

import (
	"io"
	"net/http"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/issuing"
)

// issuerRow is one issuer profile in the list.
type issuerRow struct {
	*cairn.Issuer
	Achievements int
}

// issuerForm is the data of the issuer profile form.
type issuerForm struct {
	ID       string // "" for a new profile
	ImageID  string // the current logo
	In       issuing.IssuerInput
	Address  cairn.Address
	Keys     []*cairn.IssuerKey
	DID      string
	Achieved int // achievements of the issuer
	Errors   fieldErrors
}

// issuerFields maps the issuing service's field names to the form's.
var issuerFields = map[string]string{
	"name": "name", "url": "url", "email": "email", "description": "description", "imageId": "logo",
	"phone": "phone", "linkedinOrganizationId": "linkedin",
	"address.streetAddress": "street", "address.addressLocality": "locality", "address.addressRegion": "region",
	"address.postalCode": "postalCode", "address.addressCountry": "country", "address.addressCountryCode": "countryCode",
}

// issuerList shows the organization's issuer profiles.
func (h *Handler) issuerList(w http.ResponseWriter, r *http.Request, a *actor) {
	ctx := r.Context()
	iss, err := h.store.Issuers(ctx, a.Org.ID)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	achs, err := h.store.Achievements(ctx, a.Org.ID, "")
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	count := map[string]int{}
	for _, ach := range achs {
		count[ach.IssuerID]++
	}
	rows := make([]issuerRow, 0, len(iss))
	for _, is := range iss {
		rows = append(rows, issuerRow{Issuer: is, Achievements: count[is.ID]})
	}
	notice := h.t(r, a, map[string]string{"created": "The issuer profile is created, with fresh signing keys."}[r.URL.Query().Get("done")])
	h.render(w, r, http.StatusOK, "issuers.html", view{Title: h.t(r, a, "Issuers"), Actor: a, Nav: "issuers", Notice: notice, Data: rows})
}

// issuerNew shows an empty issuer profile form.
func (h *Handler) issuerNew(w http.ResponseWriter, r *http.Request, a *actor) {
	f := &issuerForm{}
	if n, err := h.store.Issuers(r.Context(), a.Org.ID); err == nil && len(n) == 0 {
		f.In.Name = a.Org.Name
	}
	h.showIssuerForm(w, r, a, http.StatusOK, f, "")
}

func (h *Handler) showIssuerForm(w http.ResponseWriter, r *http.Request, a *actor, status int, f *issuerForm, notice string) {
	title := h.t(r, a, "New issuer profile")
	if f.ID != "" {
		title = f.In.Name
	}
	h.render(w, r, status, "issuer.html", view{Title: title, Actor: a, Nav: "issuers", Notice: notice, Data: f})
}

// loadIssuerForm fills the form of an existing issuer: its profile, keys
// and the number of its achievements.
func (h *Handler) loadIssuerForm(r *http.Request, a *actor, is *cairn.Issuer) (*issuerForm, error) {
	ctx := r.Context()
	f := &issuerForm{ID: is.ID, ImageID: is.ImageID, In: issuing.InputOf(is), Address: is.Address, DID: h.svc.IssuerDID(is)}
	var err error
	if f.Keys, err = h.store.IssuerKeys(ctx, is.ID); err != nil {
		return nil, err
	}
	achs, err := h.store.Achievements(ctx, a.Org.ID, is.ID)
	f.Achieved = len(achs)
	return f, err
}

// issuerEdit shows an issuer's profile form (read-only without the right
// to manage issuers).
func (h *Handler) issuerEdit(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	is, err := h.store.Issuer(r.Context(), a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	f, err := h.loadIssuerForm(r, a, is)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	notice := map[string]string{
		"saved":   "The profile is saved. New credentials carry it; the public page shows it now.",
		"rotated": "New signing keys are in use. The old ones are retired: they sign nothing new and still verify what they signed.",
	}[r.URL.Query().Get("done")]
	h.showIssuerForm(w, r, a, http.StatusOK, f, h.t(r, a, notice))
}

// readIssuerForm reads the posted form into f.
func readIssuerForm(r *http.Request, f *issuerForm) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.In.Name, f.In.URL, f.In.Email, f.In.Description = v("name"), v("url"), v("email"), r.PostFormValue("description")
	f.In.Phone, f.In.LinkedInOrganizationID = v("phone"), v("linkedin")
	f.Address = cairn.Address{Street: v("street"), Locality: v("locality"), Region: v("region"), PostalCode: v("postalCode"),
		Country: v("country"), CountryCode: v("countryCode")}
	f.In.Address = &f.Address
	if f.In.Name == "" {
		f.Errors = f.Errors.add("name", "Give the issuer the name learners and employers know it by.")
	}
}

// readLogo returns the uploaded logo, validated, or nil when none was
// chosen.
func readLogo(r *http.Request, f *issuerForm) *badgeimg.Image {
	file, fh, err := r.FormFile("logo")
	if err == http.ErrMissingFile {
		return nil
	}
	if err != nil {
		f.Errors = f.Errors.add("logo", "The file could not be read. Choose it again.")
		return nil
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, badgeMaxUpload+1))
	switch {
	case err != nil:
		f.Errors = f.Errors.add("logo", "The file could not be read. Choose it again.")
		return nil
	case len(data) > badgeMaxUpload:
		f.Errors = f.Errors.add("logo", "The file is larger than 2 MiB.")
		return nil
	case len(data) == 0:
		if fh.Filename == "" {
			return nil // the browser sends an empty part when no file is chosen
		}
		f.Errors = f.Errors.add("logo", "The file is empty.")
		return nil
	}
	ctype := fh.Header.Get("Content-Type")
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	img, err := badgeimg.Validate(data, ctype)
	if err != nil {
		f.Errors = f.Errors.add("logo", capitalize(strings.TrimPrefix(err.Error(), "badgeimg: "))+".")
		return nil
	}
	return &img
}

// issuerCreate creates an issuer profile from the form.
func (h *Handler) issuerCreate(w http.ResponseWriter, r *http.Request, a *actor) {
	h.saveIssuer(w, r, a, nil)
}

// issuerUpdate saves the form of an existing issuer profile.
func (h *Handler) issuerUpdate(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	is, err := h.store.Issuer(r.Context(), a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.saveIssuer(w, r, a, is)
}

// saveIssuer creates (current nil) or updates an issuer profile. The logo
// is stored only once the other fields passed the service's checks.
func (h *Handler) saveIssuer(w http.ResponseWriter, r *http.Request, a *actor, current *cairn.Issuer) {
	ctx := r.Context()
	f := &issuerForm{}
	if current != nil {
		var err error
		if f, err = h.loadIssuerForm(r, a, current); err != nil {
			h.fail(w, r, a, err)
			return
		}
	}
	readIssuerForm(r, f)
	logo := readLogo(r, f)
	if r.PostFormValue("removeLogo") == "on" {
		f.In.ImageID = ""
	}
	if f.Errors.Any() {
		h.showIssuerForm(w, r, a, http.StatusBadRequest, f, "")
		return
	}
	var is *cairn.Issuer
	var err error
	if current == nil {
		is, err = h.svc.CreateIssuer(ctx, a.Org.ID, f.In)
	} else {
		is, err = h.svc.UpdateIssuer(ctx, a.Org.ID, current.ID, f.In)
	}
	if err == nil && logo != nil {
		if f.In.ImageID, err = h.saveImage(ctx, a.Org.ID, logo); err == nil {
			is, err = h.svc.UpdateIssuer(ctx, a.Org.ID, is.ID, f.In)
		}
	}
	if err != nil {
		fe, ok := fromError(err, issuerFields)
		if !ok {
			h.fail(w, r, a, err)
			return
		}
		f.Errors = fe
		h.showIssuerForm(w, r, a, http.StatusBadRequest, f, "")
		return
	}
	if current == nil {
		h.redirect(w, r, "/admin/issuers?done=created")
		return
	}
	h.redirect(w, r, "/admin/issuers/"+is.ID+"?done=saved")
}

// issuerRotate gives an issuer new signing keys and retires the old ones.
func (h *Handler) issuerRotate(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	if err := h.svc.RotateIssuerKeys(r.Context(), a.Org.ID, id); err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/issuers/"+id+"?done=rotated")
}
