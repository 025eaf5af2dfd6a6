package admin

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/notify/mail"
)

// mailPage is the data of the Mail page: whether SMTP is configured, the
// template editor of one kind with its preview, and the recent mail.
type mailPage struct {
	Configured bool
	Server     string
	Kinds      []string
	Kind       string
	Subject    string
	Body       string
	AwardID    string // renders the preview with this award
	Custom     bool
	Fields     []string
	Preview    *mail.Preview
	Paragraphs []template.HTML
	// ImageSrc is Preview.ImageURL, which the mailer makes (the baked
	// badge's URL, or a data: placeholder html/template would refuse).
	ImageSrc template.URL
	Mail     []mail.Sent
	Errors   fieldErrors
}

// recentMail is how many mails the page lists.
const recentMail = 50

func (h *Handler) mailKind(r *http.Request) string {
	kind := r.FormValue("kind")
	if !mail.ValidKind(kind) {
		kind = mail.KindAward
	}
	return kind
}

// showMail renders the page with p's editor values, adding the rest.
func (h *Handler) showMail(w http.ResponseWriter, r *http.Request, a *actor, status int, p *mailPage, notice string) {
	ctx := r.Context()
	p.Kinds, p.Fields = mail.Kinds, mail.FieldNames
	if h.mail.Enabled() {
		p.Configured, p.Server = true, h.mail.Config.String()
	}
	var err error
	if p.Mail, err = h.mail.List(ctx, a.Org.ID, 0, recentMail); err != nil {
		h.fail(w, r, a, err)
		return
	}
	if p.Preview == nil && !p.Errors.Any() {
		t := mail.Template{Subject: p.Subject, Body: p.Body}
		if p.Preview, err = h.mail.Preview(ctx, a.Org.ID, p.Kind, &t, p.AwardID); err != nil {
			if errs, ok := fromError(err, mailFields); ok {
				p.Errors = errs
			} else if cairn.KindOf(err) == cairn.NotFound {
				p.Errors = p.Errors.add("awardId", h.t(r, a, "No award of this organization has that ID."))
			} else {
				h.fail(w, r, a, err)
				return
			}
		}
	}
	if p.Errors.Any() && status == http.StatusOK {
		status = http.StatusBadRequest
	}
	if p.Preview != nil {
		p.Paragraphs = mail.Paragraphs(p.Preview.Text)
		p.ImageSrc = template.URL(p.Preview.ImageURL) // #nosec: made by the mailer, not typed by anyone
	}
	h.render(w, r, status, "mail.html", view{Title: h.t(r, a, "Mail to learners"), Actor: a, Nav: "mail", Notice: h.t(r, a, notice), Data: p})
}

var mailFields = map[string]string{"subject": "subject", "body": "body", "awardId": "awardId", "kind": ""}

// mailShow shows the Mail page with the stored template of ?kind=.
func (h *Handler) mailShow(w http.ResponseWriter, r *http.Request, a *actor) {
	p := &mailPage{Kind: h.mailKind(r)}
	t, custom, err := h.mail.Template(r.Context(), a.Org.ID, p.Kind)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.Subject, p.Body, p.Custom = t.Subject, t.Body, custom
	notice := ""
	switch r.URL.Query().Get("done") {
	case "save":
		notice = "The template is saved: mail from now on uses it."
	case "reset":
		notice = "The default template is back."
	}
	h.showMail(w, r, a, http.StatusOK, p, notice)
}

// mailPost previews, saves or resets the template of the form's kind.
func (h *Handler) mailPost(w http.ResponseWriter, r *http.Request, a *actor) {
	ctx := r.Context()
	p := &mailPage{Kind: h.mailKind(r), Subject: r.PostFormValue("subject"),
		Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"), AwardID: strings.TrimSpace(r.PostFormValue("awardId"))}
	_, p.Custom, _ = h.mail.Template(ctx, a.Org.ID, p.Kind)
	action := r.PostFormValue("action")
	if (action == "save" || action == "reset") && !a.Can(string(cairn.ActionManageAchievements)) {
		h.fail(w, r, a, cairn.Errorf(cairn.Forbidden, "the %s role may not change mail templates", a.Role))
		return
	}
	switch action {
	case "save":
		err := h.mail.PutTemplate(ctx, a.Org.ID, p.Kind, mail.Template{Subject: p.Subject, Body: p.Body})
		if err != nil {
			errs, ok := fromError(err, mailFields)
			if !ok {
				h.fail(w, r, a, err)
				return
			}
			p.Errors = errs
			h.showMail(w, r, a, http.StatusBadRequest, p, "")
			return
		}
		h.redirect(w, r, "/admin/mail?kind="+p.Kind+"&done=save")
	case "reset":
		if err := h.mail.ResetTemplate(ctx, a.Org.ID, p.Kind); err != nil {
			h.fail(w, r, a, err)
			return
		}
		h.redirect(w, r, "/admin/mail?kind="+p.Kind+"&done=reset")
	default: // preview
		h.showMail(w, r, a, http.StatusOK, p, "")
	}
}
