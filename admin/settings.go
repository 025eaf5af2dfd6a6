package admin

import (
	"net/http"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
)

// settingsForm is the organization's own settings: its name, its URL slug
// and the default language of its pages, mails and certificates.
type settingsForm struct {
	Name, Slug, Language string
	Languages            []i18n.Info
	Errors               fieldErrors
}

func settingsFormOf(o *cairn.Organization) settingsForm {
	l := o.DefaultLanguage
	if l == "" {
		l = string(i18n.English)
	}
	return settingsForm{Name: o.Name, Slug: o.Slug, Language: l, Languages: i18n.Langs}
}

func (h *Handler) settingsShow(w http.ResponseWriter, r *http.Request, a *actor) {
	notice := ""
	if r.URL.Query().Has("saved") {
		notice = h.t(r, a, "Settings saved.")
	}
	h.render(w, r, http.StatusOK, "settings.html", view{Title: h.t(r, a, "Settings"), Actor: a, Nav: "settings", Notice: notice, Data: settingsFormOf(a.Org)})
}

func (h *Handler) settingsSave(w http.ResponseWriter, r *http.Request, a *actor) {
	org := *a.Org
	org.Name, org.Slug, org.DefaultLanguage = r.PostFormValue("name"), r.PostFormValue("slug"), r.PostFormValue("language")
	if org.DefaultLanguage == string(i18n.English) {
		org.DefaultLanguage = ""
	}
	err := h.store.UpdateOrganization(r.Context(), &org)
	if err == nil {
		h.redirect(w, r, "/admin/settings?saved=1")
		return
	}
	errs, ok := fromError(err, map[string]string{"defaultLanguage": "language"})
	if !ok {
		h.fail(w, r, a, err)
		return
	}
	f := settingsFormOf(&org)
	f.Language, f.Errors = r.PostFormValue("language"), errs
	h.render(w, r, http.StatusBadRequest, "settings.html", view{Title: h.t(r, a, "Settings"), Actor: a, Nav: "settings", Data: f})
}
