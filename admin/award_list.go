package admin

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
)

// awardRow is one award in a list.
type awardRow struct {
	ID          string
	Achievement string
	Recipient   string // the name, else the email or DID
	Identity    string
	State       cairn.AwardState
	Reason      string
	Created     time.Time
	ValidUntil  *time.Time
	Expired     bool
}

// StateLabel is the state as the list shows it ("Expired" for an active
// award past its validUntil).
func (r awardRow) StateLabel() string {
	switch {
	case r.State == cairn.StateRevoked:
		return "Revoked"
	case r.State == cairn.StateSuspended:
		return "Suspended"
	case r.Expired:
		return "Expired"
	}
	return "Active"
}

func (h *Handler) rows(awards []*cairn.Award, achievements []*cairn.Achievement) []awardRow {
	names := make(map[string]string, len(achievements))
	for _, a := range achievements {
		names[a.ID] = a.Name
	}
	now := h.now()
	out := make([]awardRow, 0, len(awards))
	for _, aw := range awards {
		who := aw.Recipient.Name
		if who == "" {
			who = aw.Recipient.Identity
		}
		out = append(out, awardRow{ID: aw.ID, Achievement: names[aw.AchievementID], Recipient: who,
			Identity: aw.Recipient.Identity, State: aw.State, Reason: aw.StateReason, Created: aw.CreatedAt,
			ValidUntil: aw.ValidUntil, Expired: aw.ValidUntil != nil && !now.Before(*aw.ValidUntil)})
	}
	return out
}

// awardListPage is the data of the award list.
type awardListPage struct {
	Achievements []*cairn.Achievement
	States       []cairn.AwardState
	Achievement  string // filter values
	State        string
	Recipient    string
	Rows         []awardRow
	Count        int
	Next, First  string // links; "" for none
	Errors       fieldErrors
}

// awardPageSize is how many awards a page of the list shows.
const awardPageSize = 25

// awardList lists the organization's awards, newest first, with filters
// and pages.
func (h *Handler) awardList(w http.ResponseWriter, r *http.Request, a *actor) {
	ctx := r.Context()
	q := r.URL.Query()
	p := awardListPage{States: []cairn.AwardState{cairn.StateActive, cairn.StateSuspended, cairn.StateRevoked},
		Achievement: q.Get("achievement"), State: q.Get("state"), Recipient: strings.TrimSpace(q.Get("recipient"))}
	var err error
	if p.Achievements, err = h.store.Achievements(ctx, a.Org.ID, ""); err != nil {
		h.fail(w, r, a, err)
		return
	}
	f := cairn.AwardFilter{OrgID: a.Org.ID, Limit: awardPageSize, Cursor: q.Get("cursor")}
	if p.Achievement != "" {
		if !validID(p.Achievement) {
			p.Errors = p.Errors.add("achievement", "No such achievement.")
		}
		f.AchievementID = p.Achievement
	}
	if p.State != "" {
		if !cairn.AwardState(p.State).Valid() {
			p.Errors = p.Errors.add("state", "Choose active, suspended or revoked.")
		}
		f.State = cairn.AwardState(p.State)
	}
	if p.Recipient != "" {
		if len(p.Recipient) > 2000 {
			p.Errors = p.Errors.add("recipient", "This is too long to be an email or a DID.")
		}
		f.Recipient = p.Recipient
		if !strings.HasPrefix(p.Recipient, "did:") {
			f.Recipient = strings.ToLower(p.Recipient) // emails are stored lower-cased
		}
	}
	if len(f.Cursor) > 200 {
		p.Errors = p.Errors.add("", "This page link is not valid: start from the first page.")
	}
	if p.Errors.Any() {
		h.render(w, r, http.StatusBadRequest, "awards.html", view{Title: h.t(r, a, "Awards"), Actor: a, Nav: "awards", Data: p})
		return
	}
	awards, next, err := h.store.Awards(ctx, f)
	if cairn.KindOf(err) == cairn.Invalid {
		p.Errors = p.Errors.add("", "This page link is not valid: start from the first page.")
		h.render(w, r, http.StatusBadRequest, "awards.html", view{Title: h.t(r, a, "Awards"), Actor: a, Nav: "awards", Data: p})
		return
	}
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	if p.Count, err = h.store.CountAwards(ctx, cairn.AwardFilter{OrgID: f.OrgID, AchievementID: f.AchievementID, State: f.State, Recipient: f.Recipient}); err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.Rows = h.rows(awards, p.Achievements)
	link := func(cursor string) string {
		v := url.Values{}
		for k, s := range map[string]string{"achievement": p.Achievement, "state": p.State, "recipient": p.Recipient, "cursor": cursor} {
			if s != "" {
				v.Set(k, s)
			}
		}
		if len(v) == 0 {
			return h.path("/admin/awards")
		}
		return h.path("/admin/awards?" + v.Encode())
	}
	if next != "" {
		p.Next = link(next)
	}
	if f.Cursor != "" {
		p.First = link("")
	}
	h.render(w, r, http.StatusOK, "awards.html", view{Title: h.t(r, a, "Awards"), Actor: a, Nav: "awards", Data: p})
}
