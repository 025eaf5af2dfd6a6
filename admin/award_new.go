package admin

import (
	"net/http"
	"slices"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/ob"
)

// awardForm is the data of the issue form: the choices and what was typed.
type awardForm struct {
	Achievements []*cairn.Achievement
	Achievement  string
	Recipient    string // an email or a DID
	Name         string
	ShowName     bool
	Narrative    string
	Evidence     string // URL
	EvidenceName string
	DI, JWT      bool
	Idem         string // idempotency key: a form submitted twice issues once
	Errors       fieldErrors
}

// awardFields maps the issuing service's field names to the form's.
var awardFields = map[string]string{
	"achievementId": "achievement", "recipient": "recipient", "recipient.email": "recipient",
	"recipient.did": "recipient", "recipient.name": "name", "recipient.showName": "showName",
	"narrative": "narrative", "evidence": "evidence", "formats": "formats",
}

// awardNew shows the issue form.
func (h *Handler) awardNew(w http.ResponseWriter, r *http.Request, a *actor) {
	f := awardForm{Achievement: r.URL.Query().Get("achievement"), DI: true, Idem: auth.NewToken()}
	h.showAwardForm(w, r, a, http.StatusOK, &f)
}

func (h *Handler) showAwardForm(w http.ResponseWriter, r *http.Request, a *actor, status int, f *awardForm) {
	var err error
	if f.Achievements, err = h.store.Achievements(r.Context(), a.Org.ID, ""); err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.render(w, r, status, "award_new.html", view{Title: h.t(r, a, "Issue a badge"), Actor: a, Nav: "issue", Data: f})
}

// awardCreate issues an award from the form and shows its public page.
func (h *Handler) awardCreate(w http.ResponseWriter, r *http.Request, a *actor) {
	f := awardForm{
		Achievement: r.PostFormValue("achievement"), Recipient: strings.TrimSpace(r.PostFormValue("recipient")),
		Name: strings.TrimSpace(r.PostFormValue("name")), ShowName: r.PostFormValue("showName") != "",
		Narrative: r.PostFormValue("narrative"), Evidence: strings.TrimSpace(r.PostFormValue("evidence")),
		EvidenceName: strings.TrimSpace(r.PostFormValue("evidenceName")), Idem: r.PostFormValue("idem"),
	}
	formats := r.PostForm["formats"]
	f.DI, f.JWT = slices.Contains(formats, cairn.FormatDataIntegrity), slices.Contains(formats, cairn.FormatJWT)
	if f.Idem == "" || len(f.Idem) > issuing.MaxIdemKeyLen {
		f.Idem = auth.NewToken()
	}
	switch {
	case f.Achievement == "":
		f.Errors = f.Errors.add("achievement", "Choose the achievement to award.")
	case !validID(f.Achievement):
		f.Errors = f.Errors.add("achievement", "No such achievement in this organization.")
	}
	if f.Recipient == "" {
		f.Errors = f.Errors.add("recipient", "Enter the recipient's email address or DID.")
	}
	if !f.DI && !f.JWT {
		f.Errors = f.Errors.add("formats", "Choose at least one format.")
	}
	if f.EvidenceName != "" && f.Evidence == "" {
		f.Errors = f.Errors.add("evidence", "Give the evidence's URL, or clear its name.")
	}
	if f.Errors.Any() {
		h.showAwardForm(w, r, a, http.StatusBadRequest, &f)
		return
	}
	in := issuing.AwardInput{
		AchievementID: f.Achievement,
		Recipient:     issuing.RecipientInput{Name: f.Name, ShowName: f.ShowName},
		Narrative:     f.Narrative,
		// The form's key, scoped to the account: a double click or a
		// resubmitted page issues once.
		IdempotencyKey: "admin:" + a.Account.ID + ":" + f.Idem,
	}
	if strings.HasPrefix(f.Recipient, "did:") {
		in.Recipient.DID = f.Recipient
	} else {
		in.Recipient.Email = f.Recipient
	}
	if f.Evidence != "" {
		in.Evidence = []ob.Evidence{{ID: f.Evidence, Name: f.EvidenceName}}
	}
	if f.DI {
		in.Formats = append(in.Formats, cairn.FormatDataIntegrity)
	}
	if f.JWT {
		in.Formats = append(in.Formats, cairn.FormatJWT)
	}
	aw, _, err := h.svc.Award(r.Context(), a.Org.ID, in)
	if err != nil {
		if cairn.KindOf(err) == cairn.Conflict {
			// The key was used by an earlier, different submission of this
			// form: a new key lets this one through after a second look.
			f.Idem = auth.NewToken()
			f.Errors = f.Errors.add("", "This form was already used to issue a badge with other details. Check the details and issue again.")
			h.showAwardForm(w, r, a, http.StatusConflict, &f)
			return
		}
		fe, ok := fromError(err, awardFields)
		if !ok {
			h.fail(w, r, a, err)
			return
		}
		f.Errors = fe
		h.showAwardForm(w, r, a, http.StatusBadRequest, &f)
		return
	}
	h.redirect(w, r, "/credentials/"+aw.ID)
}
