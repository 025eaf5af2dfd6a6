package web

import (
	"context"
	"encoding/base64"
	"github.com/cairn-badges/cairn/i18n"
	"html/template"
	"net/http"
	"strconv"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/pathway"
	"github.com/cairn-badges/cairn/share"
)

// PathwayStore reads pathways for the public pages. *store.DB implements
// it.
type PathwayStore interface {
	// PublicPathway returns the current version of a pathway by ID.
	// Errors: NotFound.
	PublicPathway(ctx context.Context, id string) (*pathway.Pathway, error)
	// PathwaysInvolving returns the pathways an achievement counts toward.
	PathwaysInvolving(ctx context.Context, achievementID string) ([]*pathway.Pathway, error)
}

// PathwayLink is a pathway listed on an achievement's page.
type PathwayLink struct {
	Name, URL, Goal string
}

// PathwayPage is what the public pathway page shows: the goal (the
// achievement the pathway awards) and the map of what leads to it.
type PathwayPage struct {
	L          *i18n.Printer // the page's language (nil: English)
	Title, URL string
	Meta       []MetaTag

	Name, Description string
	Version           int
	Goal              BadgeCard
	Map               MapNode
	IssuerName        string
	IssuerURL         string
}

// BadgeCard is one achievement drawn on a pathway map.
type BadgeCard struct {
	Name, Type, URL, Credits string
	ImageURL                 template.URL
}

// MapNode is one rule of a pathway drawn on its map: a group (all, any,
// at least N, credits) with its parts, or a leaf (a badge, another
// pathway, an external badge, a recognition).
type MapNode struct {
	Label    string     // a group's heading, e.g. "Any 5 of these 6"
	Badge    *BadgeCard // a leaf's card
	Kind     string     // pathway.Kind…
	Note     string     // a leaf's condition, e.g. "score at least 60"
	Children []MapNode
}

// pathwayStore returns the pathway store, if the public pages have one.
func (p *Public) pathwayStore() PathwayStore {
	if p.pathways != nil {
		return p.pathways
	}
	ps, _ := p.store.(PathwayStore)
	return ps
}

// pathwaysOf lists the pathways an achievement counts toward.
func (p *Public) pathwaysOf(ctx context.Context, achievementID string) []PathwayLink {
	ps := p.pathwayStore()
	if ps == nil {
		return nil
	}
	list, err := ps.PathwaysInvolving(ctx, achievementID)
	if err != nil {
		p.log.Warn("pathways of an achievement", "achievement", achievementID, "err", err)
		return nil
	}
	var out []PathwayLink
	for _, pw := range list {
		l := PathwayLink{Name: pw.Name, URL: p.path("/pathways/" + pw.ID)}
		if a, err := p.store.PublicAchievement(ctx, pw.AchievementID); err == nil && a.Name != pw.Name {
			l.Goal = a.Name
		}
		out = append(out, l)
	}
	return out
}

// pathway serves GET /pathways/{id}: the map of a pathway.
func (p *Public) pathway(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ps := p.pathwayStore()
	if !validID(id) || ps == nil {
		p.NotFound(w, r)
		return
	}
	ctx := r.Context()
	pw, err := ps.PublicPathway(ctx, id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	goal, err := p.store.PublicAchievement(ctx, pw.AchievementID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	is, err := p.store.PublicIssuer(ctx, goal.IssuerID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	l := p.printer(ctx, w, r, goal.OrgID)
	m := mapper{p: p, ctx: ctx, ps: ps, l: l, issuers: map[string]string{is.ID: is.Name}}
	pg := &PathwayPage{L: l,
		Title: pw.Name, URL: p.svc.URL("/pathways/" + pw.ID), Name: pw.Name, Description: pw.Description, Version: pw.Version,
		Goal: m.card(goal), Map: m.node(pw.Rule, 0), IssuerName: is.Name, IssuerURL: p.path("/issuers/" + is.ID),
	}
	desc := pw.Description
	if desc == "" {
		desc = l.T("The badges that lead to %s, by %s.", goal.Name, is.Name)
	}
	pg.Meta = share.Meta{Title: pw.Name, Description: desc, URL: pg.URL, SiteName: p.siteName}.Tags()
	p.renderPage(w, r, "pathway.html", pg)
}

type mapper struct {
	p       *Public
	ctx     context.Context
	ps      PathwayStore
	l       *i18n.Printer // the page's language
	issuers map[string]string
}

func (m *mapper) card(a *cairn.Achievement) BadgeCard {
	c := BadgeCard{Name: a.Name, Type: m.l.TypeName(humanType(a.AchievementType)), URL: m.p.path("/achievements/" + a.ID)}
	if a.CreditsAvailable != nil {
		c.Credits = m.l.T("%s credits", strconv.FormatFloat(*a.CreditsAvailable, 'f', -1, 64))
	}
	if a.ImageID != "" {
		c.ImageURL = template.URL(m.p.path("/images/" + a.ImageID))
		return c
	}
	issuer, ok := m.issuers[a.IssuerID]
	if !ok {
		if is, err := m.p.store.PublicIssuer(m.ctx, a.IssuerID); err == nil {
			issuer = is.Name
		}
		m.issuers[a.IssuerID] = issuer
	}
	svg := designFor(m.p.svc.AchievementURL(a.ID), a.Name, issuer).SVG()
	c.ImageURL = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg))
	return c
}

func (m *mapper) node(r *pathway.Rule, depth int) MapNode {
	n := MapNode{Kind: r.Kind()}
	if depth > pathway.MaxDepth {
		return n
	}
	kids := r.Children()
	l := m.l
	switch n.Kind {
	case pathway.KindAll:
		n.Label = l.T("All of these")
		if len(kids) == 1 {
			n.Label = l.T("This")
		}
	case pathway.KindAny:
		n.Label = l.T("Any one of these %d", len(kids))
	case pathway.KindAtLeast:
		n.Label = l.T("Any %d of these %d", r.AtLeast, len(kids))
	case pathway.KindCredits:
		n.Label = l.T("%s credits from these", strconv.FormatFloat(r.Credits, 'f', -1, 64))
	case pathway.KindAchievement:
		if a, err := m.p.store.PublicAchievement(m.ctx, r.Achievement); err == nil {
			c := m.card(a)
			n.Badge = &c
		} else {
			n.Badge = &BadgeCard{Name: l.T("An achievement no longer offered")}
		}
		var notes []string
		if r.MinScore != nil {
			notes = append(notes, l.T("score at least %s", strconv.FormatFloat(*r.MinScore, 'f', -1, 64)))
		}
		if r.Within != "" {
			notes = append(notes, l.T("earned within %s", humanDuration(l, r.WithinDuration())))
		}
		if r.NotExpired {
			notes = append(notes, l.T("still valid"))
		}
		n.Note = joinNotes(notes)
	case pathway.KindPathway:
		n.Badge = &BadgeCard{Name: l.T("Another pathway")}
		if sub, err := m.ps.PublicPathway(m.ctx, r.Pathway); err == nil {
			c := BadgeCard{Name: sub.Name, Type: l.T("Pathway"), URL: m.p.path("/pathways/" + sub.ID)}
			if a, err := m.p.store.PublicAchievement(m.ctx, sub.AchievementID); err == nil {
				c.ImageURL = m.card(a).ImageURL
				if a.Name != sub.Name {
					c.Type = l.T("Pathway to %s", a.Name)
				}
			}
			n.Badge = &c
		}
		n.Note = l.T("complete that pathway")
	case pathway.KindExternal:
		name := r.External.AchievementName
		if name == "" {
			name = r.External.AchievementID
		}
		n.Badge = &BadgeCard{Name: name, Type: l.T("Badge from another issuer")}
		n.Note = l.T("issued by %s", r.External.Issuer)
	case pathway.KindRecognition:
		n.Badge = &BadgeCard{Name: l.T("Recognition of prior learning"), Type: l.T("Recognition")}
		n.Note = l.T("recorded by the issuer, with evidence")
	}
	for i := range kids {
		n.Children = append(n.Children, m.node(&kids[i], depth+1))
	}
	return n
}

func joinNotes(ns []string) string {
	s := ""
	for i, n := range ns {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

// humanDuration reads an ISO 8601 duration out loud: "24 months".
func humanDuration(l *i18n.Printer, d pathway.Duration) string {
	var parts []string
	add := func(n int, one, many string) {
		if n == 1 {
			parts = append(parts, l.T(one))
		} else if n > 1 {
			parts = append(parts, l.T(many, n))
		}
	}
	add(d.Years, "1 year", "%d years")
	add(d.Months, "1 month", "%d months")
	add(d.Weeks, "1 week", "%d weeks")
	add(d.Days, "1 day", "%d days")
	add(d.Hours, "1 hour", "%d hours")
	add(d.Minutes, "1 minute", "%d minutes")
	add(d.Seconds, "1 second", "%d seconds")
	if len(parts) == 0 {
		return d.String()
	}
	return joinNotes(parts)
}
