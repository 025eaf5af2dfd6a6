package admin

import (
	"net/http"

	"github.com/cairn-badges/cairn"
)

// dashboardPage is the data of the dashboard.
type dashboardPage struct {
	Issuers      []*cairn.Issuer
	Achievements []*cairn.Achievement
	Recent       []awardRow
	Counts       struct{ Total, Active, Suspended, Revoked int }
	AwardCounts  map[string]int // by achievement ID
}

// recentAwards is how many awards the dashboard lists.
const recentAwards = 10

// dashboard shows the organization at a glance.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, a *actor) {
	ctx := r.Context()
	var p dashboardPage
	var err error
	if p.Issuers, err = h.store.Issuers(ctx, a.Org.ID); err != nil {
		h.fail(w, r, a, err)
		return
	}
	if p.Achievements, err = h.store.Achievements(ctx, a.Org.ID, ""); err != nil {
		h.fail(w, r, a, err)
		return
	}
	awards, _, err := h.store.Awards(ctx, cairn.AwardFilter{OrgID: a.Org.ID, Limit: recentAwards})
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.Recent = h.rows(awards, p.Achievements)
	for _, c := range []struct {
		n     *int
		state cairn.AwardState
	}{{&p.Counts.Total, ""}, {&p.Counts.Active, cairn.StateActive}, {&p.Counts.Suspended, cairn.StateSuspended}, {&p.Counts.Revoked, cairn.StateRevoked}} {
		if *c.n, err = h.store.CountAwards(ctx, cairn.AwardFilter{OrgID: a.Org.ID, State: c.state}); err != nil {
			h.fail(w, r, a, err)
			return
		}
	}
	p.AwardCounts = make(map[string]int, len(p.Achievements))
	for _, ach := range p.Achievements {
		if p.AwardCounts[ach.ID], err = h.store.CountAwards(ctx, cairn.AwardFilter{OrgID: a.Org.ID, AchievementID: ach.ID}); err != nil {
			h.fail(w, r, a, err)
			return
		}
	}
	notice := ""
	switch {
	case r.URL.Query().Has("welcome"):
		notice = h.t(r, a, "Welcome to %s. Your role is %s.", a.Org.Name, h.t(r, a, string(a.Role)))
	case r.URL.Query().Get("done") == "password":
		notice = h.t(r, a, "Your new password is set. Every other browser logged in to your account was logged out.")
	}
	h.render(w, r, http.StatusOK, "dashboard.html", view{Title: a.Org.Name, Actor: a, Nav: "dashboard", Notice: notice, Data: p})
}
