package admin

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
)

// awardPage is the data of an award's page.
type awardPage struct {
	Award       *cairn.Award
	Row         awardRow
	Achievement *cairn.Achievement
	Issuer      *cairn.Issuer
	PublicURL   string        // the credential's id and public page
	Actions     []stateAction // what the state form offers
	Action      string        // kept values
	Reason      string
	ValidUntil  string
	NoExpiry    bool
	Errors      fieldErrors
	// ClaimedAt is when a learner claimed the award into their wallet
	// (nil: not claimed, or the store cannot tell); ClaimLink a claim
	// link just made, shown once.
	ClaimedAt *time.Time
	ClaimLink string
	Claims    bool // the store keeps claims: the wallet section shows
}

// claimStore is the part of the store that keeps claims (*store.DB).
type claimStore interface {
	AwardClaims(ctx context.Context, orgID string, ids []string) (map[string]time.Time, error)
	CreateClaimLink(ctx context.Context, orgID, awardID, tokenHash string) error
}

// stateAction is one state change the form offers.
type stateAction struct {
	Value, Label string
	state        cairn.AwardState
}

var (
	suspend   = stateAction{"suspend", "Suspend (can be undone)", cairn.StateSuspended}
	revoke    = stateAction{"revoke", "Revoke (final)", cairn.StateRevoked}
	reinstate = stateAction{"reinstate", "Reinstate", cairn.StateActive}
)

// actionsFrom lists the state changes allowed from a state.
func actionsFrom(s cairn.AwardState) []stateAction {
	switch s {
	case cairn.StateActive:
		return []stateAction{suspend, revoke}
	case cairn.StateSuspended:
		return []stateAction{reinstate, revoke}
	}
	return nil
}

// notices confirm what the last action did (?done=…).
var notices = map[string]string{
	"suspend":   "The award is suspended. Its status list says so; reinstate it to lift the suspension.",
	"revoke":    "The award is revoked. Verifiers now see it as revoked.",
	"reinstate": "The award is active again.",
	"reissue":   "The award was signed again with the achievement and issuer as they are now.",
	"renew":     "The award has its new expiry date and was signed again.",
}

// loadAward fills an award page from the store.
func (h *Handler) loadAward(r *http.Request, a *actor) (*awardPage, error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	aw, err := h.store.Award(ctx, a.Org.ID, id)
	if err != nil {
		return nil, err
	}
	p := &awardPage{Award: aw, Actions: actionsFrom(aw.State), PublicURL: h.svc.CredentialURL(aw.ID)}
	if p.Achievement, err = h.store.Achievement(ctx, a.Org.ID, aw.AchievementID); err != nil {
		return nil, err
	}
	if p.Issuer, err = h.store.Issuer(ctx, a.Org.ID, aw.IssuerID); err != nil {
		return nil, err
	}
	p.Row = h.rows([]*cairn.Award{aw}, []*cairn.Achievement{p.Achievement})[0]
	if aw.ValidUntil != nil {
		p.ValidUntil = aw.ValidUntil.UTC().Format(time.DateOnly)
	}
	if cs, ok := h.store.(claimStore); ok {
		p.Claims = true
		at, err := cs.AwardClaims(ctx, a.Org.ID, []string{aw.ID})
		if err != nil {
			return nil, err
		}
		if t, ok := at[aw.ID]; ok {
			p.ClaimedAt = &t
		}
	}
	return p, nil
}

// awardClaimLink makes a new claim link for the award and shows it once:
// staff send it to the learner (the award mail carries its own).
func (h *Handler) awardClaimLink(w http.ResponseWriter, r *http.Request, a *actor) {
	p, err := h.loadAward(r, a)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	cs, ok := h.store.(claimStore)
	if !ok {
		h.fail(w, r, a, cairn.Errorf(cairn.Unavailable, "this server keeps no claims"))
		return
	}
	tok := auth.NewToken()
	if err := cs.CreateClaimLink(r.Context(), a.Org.ID, p.Award.ID, auth.HashToken(tok).String()); err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.ClaimLink = h.svc.URL("/claim/" + tok)
	h.showAward(w, r, a, http.StatusOK, p, h.t(r, a, "A new claim link is below. Copy it now: it is not shown again."))
}

func (h *Handler) showAward(w http.ResponseWriter, r *http.Request, a *actor, status int, p *awardPage, notice string) {
	h.render(w, r, status, "award.html", view{Title: p.Achievement.Name + " · " + h.t(r, a, "Issued award"), Actor: a, Nav: "awards", Notice: notice, Data: p})
}

// awardShow shows an award, with the forms that change it for roles that
// may.
func (h *Handler) awardShow(w http.ResponseWriter, r *http.Request, a *actor) {
	p, err := h.loadAward(r, a)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.showAward(w, r, a, http.StatusOK, p, h.t(r, a, notices[r.URL.Query().Get("done")]))
}

// MaxReasonLen caps the reason of a state change.
const MaxReasonLen = 1000

// awardState revokes, suspends or reinstates an award.
func (h *Handler) awardState(w http.ResponseWriter, r *http.Request, a *actor) {
	p, err := h.loadAward(r, a)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.Action, p.Reason = r.PostFormValue("action"), strings.TrimSpace(r.PostFormValue("reason"))
	var act *stateAction
	for i := range p.Actions {
		if p.Actions[i].Value == p.Action {
			act = &p.Actions[i]
		}
	}
	switch {
	case p.Award.State == cairn.StateRevoked:
		p.Errors = p.Errors.add("", "The award is revoked: revocation is final.")
	case act == nil:
		p.Errors = p.Errors.add("action", "Choose what to do.")
	case p.Reason == "" && act.state != cairn.StateActive:
		p.Errors = p.Errors.add("reason", "Say why: the reason is kept with the award and shown on its public page.")
	case len(p.Reason) > MaxReasonLen:
		p.Errors = p.Errors.add("reason", "The reason is too long: at most 1000 characters.")
	}
	if p.Errors.Any() {
		h.showAward(w, r, a, http.StatusBadRequest, p, "")
		return
	}
	if _, err := h.svc.SetState(r.Context(), a.Org.ID, p.Award.ID, act.state, p.Reason); err != nil {
		fe, ok := fromError(err, map[string]string{"reason": "reason", "state": "action"})
		if !ok {
			h.fail(w, r, a, err)
			return
		}
		p.Errors = fe
		h.showAward(w, r, a, http.StatusBadRequest, p, "")
		return
	}
	h.redirect(w, r, "/admin/awards/"+p.Award.ID+"?done="+act.Value)
}

// awardReissue signs an award again (same id, new validFrom).
func (h *Handler) awardReissue(w http.ResponseWriter, r *http.Request, a *actor) {
	p, err := h.loadAward(r, a)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	if _, err := h.svc.Reissue(r.Context(), a.Org.ID, p.Award.ID); err != nil {
		if fe, ok := fromError(err, nil); ok {
			p.Errors = fe
			h.showAward(w, r, a, http.StatusConflict, p, "")
			return
		}
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/awards/"+p.Award.ID+"?done=reissue")
}

// awardRenew gives an award a new expiry date.
func (h *Handler) awardRenew(w http.ResponseWriter, r *http.Request, a *actor) {
	p, err := h.loadAward(r, a)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.ValidUntil, p.NoExpiry = strings.TrimSpace(r.PostFormValue("validUntil")), r.PostFormValue("noExpiry") != ""
	var until *time.Time
	switch {
	case p.NoExpiry:
	case p.ValidUntil == "":
		p.Errors = p.Errors.add("validUntil", "Choose the new expiry date, or tick “no expiry”.")
	default:
		t, err := time.Parse(time.DateOnly, p.ValidUntil)
		if err != nil {
			p.Errors = p.Errors.add("validUntil", "Write the date as YYYY-MM-DD.")
		}
		until = &t
	}
	if p.Errors.Any() {
		h.showAward(w, r, a, http.StatusBadRequest, p, "")
		return
	}
	if _, err := h.svc.Renew(r.Context(), a.Org.ID, p.Award.ID, until); err != nil {
		fe, ok := fromError(err, map[string]string{"validUntil": "validUntil"})
		if !ok {
			h.fail(w, r, a, err)
			return
		}
		p.Errors = fe
		h.showAward(w, r, a, http.StatusBadRequest, p, "")
		return
	}
	h.redirect(w, r, "/admin/awards/"+p.Award.ID+"?done=renew")
}
