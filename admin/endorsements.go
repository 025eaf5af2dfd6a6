package admin

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
)

// endorsementsPage is the data of the endorsements page: what the
// organization gave and received, and the form to endorse another
// organization's achievement or issuer.
type endorsementsPage struct {
	Given, Received []*cairn.Endorsement
	Issuers         []*cairn.Issuer
	Issuer          string // kept values of the form
	Target          string // a public achievement or issuer URL, a DID or an id
	Comment         string
	Errors          fieldErrors
	// Names are the names of what was endorsed, by endorsement id.
	Names map[string]string
}

// endorsementFields maps the service's fields to the form's.
var endorsementFields = map[string]string{"issuerId": "issuer", "achievementId": "target", "profileId": "target", "comment": "comment"}

func (h *Handler) showEndorsements(w http.ResponseWriter, r *http.Request, a *actor, status int, p *endorsementsPage, notice string) {
	var err error
	ctx := r.Context()
	if p.Given, p.Received, err = h.store.Endorsements(ctx, a.Org.ID); err != nil {
		h.fail(w, r, a, err)
		return
	}
	if p.Issuers, err = h.store.Issuers(ctx, a.Org.ID); err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.Names = map[string]string{}
	for _, e := range append(append([]*cairn.Endorsement{}, p.Given...), p.Received...) {
		if e.AchievementID != "" {
			if ach, err := h.store.PublicAchievement(ctx, e.AchievementID); err == nil {
				p.Names[e.ID] = ach.Name
			}
		} else if is, err := h.store.PublicIssuer(ctx, e.SubjectIssuerID); err == nil {
			p.Names[e.ID] = is.Name
		}
	}
	h.render(w, r, status, "endorsements.html", view{Title: h.t(r, a, "Endorsements"), Actor: a, Nav: "endorsements", Notice: h.t(r, a, notice), Data: p})
}

// endorsementList shows the endorsements; ?target= fills the form.
func (h *Handler) endorsementList(w http.ResponseWriter, r *http.Request, a *actor) {
	notice := map[string]string{
		"endorsed": "The endorsement is signed. The endorsed page lists it, with a link to verify it.",
		"revoked":  "The endorsement is revoked: its URL answers that it was withdrawn, and the endorsed page no longer lists it.",
	}[r.URL.Query().Get("done")]
	h.showEndorsements(w, r, a, http.StatusOK, &endorsementsPage{Target: r.URL.Query().Get("target")}, notice)
}

// endorsementTarget reads what the form names: the URL of a public
// achievement or issuer page of this server, an issuer's did:web, or a
// bare id (an achievement's, else an issuer's).
func (h *Handler) endorsementTarget(r *http.Request, target string, in *issuing.EndorsementInput) {
	target = strings.TrimSpace(target)
	if rest, ok := strings.CutPrefix(target, "did:web:"); ok {
		if i := strings.LastIndex(rest, ":issuers:"); i >= 0 {
			in.ProfileID = rest[i+len(":issuers:"):]
			return
		}
	}
	path := target
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		path = u.Path
	}
	path = strings.TrimSuffix(strings.TrimPrefix(path, h.basePath), "/")
	for _, p := range []struct {
		prefix string
		id     *string
	}{{"/achievements/", &in.AchievementID}, {"/issuers/", &in.ProfileID}} {
		if id, ok := strings.CutPrefix(path, p.prefix); ok && !strings.Contains(id, "/") {
			*p.id = id
			return
		}
	}
	if target == "" || strings.ContainsAny(target, "/:") {
		in.AchievementID = target
		return
	}
	if _, err := h.store.PublicAchievement(r.Context(), target); cairn.KindOf(err) == cairn.NotFound {
		in.ProfileID = target
		return
	}
	in.AchievementID = target
}

// endorsementCreate signs an endorsement.
func (h *Handler) endorsementCreate(w http.ResponseWriter, r *http.Request, a *actor) {
	p := &endorsementsPage{Issuer: r.PostFormValue("issuer"), Target: r.PostFormValue("target"), Comment: r.PostFormValue("comment")}
	if strings.TrimSpace(p.Target) == "" {
		p.Errors = p.Errors.add("target", h.t(r, a, "Paste the link of the achievement or issuer to endorse."))
		h.showEndorsements(w, r, a, http.StatusBadRequest, p, "")
		return
	}
	in := issuing.EndorsementInput{IssuerID: p.Issuer, Comment: p.Comment}
	h.endorsementTarget(r, p.Target, &in)
	if _, err := h.svc.Endorse(r.Context(), a.Org.ID, in); err != nil {
		errs, ok := fromError(err, endorsementFields)
		if !ok {
			h.fail(w, r, a, err)
			return
		}
		p.Errors = errs
		h.showEndorsements(w, r, a, http.StatusBadRequest, p, "")
		return
	}
	h.redirect(w, r, "/admin/endorsements?done=endorsed")
}

// endorsementRevoke revokes an endorsement the organization gave.
func (h *Handler) endorsementRevoke(w http.ResponseWriter, r *http.Request, a *actor) {
	if _, err := h.svc.RevokeEndorsement(r.Context(), a.Org.ID, r.PathValue("id"), r.PostFormValue("reason")); err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/endorsements?done=revoked")
}
