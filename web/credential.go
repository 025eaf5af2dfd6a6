package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/share"
	"github.com/cairn-badges/cairn/verify"
)

// MetaTag is one OpenGraph (Property) or Twitter (Name) meta element.
type MetaTag = share.MetaTag

// CredentialPage is what the public credential page shows.
type CredentialPage struct {
	Title string
	URL   string // the credential's public URL (its id when Cairn issued it)
	ID    string

	AchievementName, AchievementType, AchievementDescription string
	AchievementURL                                           string // the achievement (criteria) page
	Criteria, CriteriaURL                                    string
	IssuerName, IssuerURL                                    string // IssuerURL: the issuer's profile page
	RecipientName                                            string // empty unless the learner allows it
	Narrative                                                string
	Awarded, ValidFrom, ValidUntil                           string
	Credits                                                  string
	Evidence                                                 []LinkItem
	Alignments                                               []AlignmentItem
	Results                                                  []string

	ImageURL                        string
	JSONURL, JWTURL, PNGURL, SVGURL string
	CLRURL                          string // the CLR 2.0 record of a pathway award, or ""
	LinkedInURL                     string
	QRURL                           string // the QR code as an SVG file
	Meta                            []MetaTag
	CopyScript                      template.HTML // the copy-link script (allowed by the page's CSP)

	// StateBanner is set for a revoked, suspended or expired credential; it
	// is shown at the top instead of the verification result.
	StateBanner, StateReason string
	// Status is the state in a word: Active, Revoked, Suspended or Expired.
	Status     string
	Report     *verify.Report
	CheckedAt  string // when Report was made, for people
	CheckedISO string // the same, RFC 3339 (the datetime of a <time>)
	// ReverifyURL is where the "Check again" button posts.
	ReverifyURL string
}

// LinkItem is a named, optionally linked, entry (evidence).
type LinkItem struct{ Name, URL, Description string }

// AlignmentItem is one alignment to a skills framework.
type AlignmentItem struct{ Name, URL, Framework, Code string }

// NewCredentialPage fills the page from the signed credential. The caller
// sets the links, state, report and recipient name it is allowed to show.
func NewCredentialPage(c *ob.OpenBadgeCredential, pageURL string) *CredentialPage {
	a := c.CredentialSubject.Achievement
	p := &CredentialPage{
		URL: pageURL, ID: c.ID,
		AchievementName: a.Name, AchievementType: humanType(a.AchievementType), AchievementDescription: a.Description,
		Criteria: a.Criteria.Narrative, CriteriaURL: a.Criteria.ID,
		IssuerName: c.Issuer.Name, IssuerURL: c.Issuer.URL,
		Narrative:  c.CredentialSubject.Narrative,
		Awarded:    humanDate(firstNonEmpty(c.AwardedDate, c.ValidFrom, c.IssuanceDate)),
		ValidFrom:  humanDate(firstNonEmpty(c.ValidFrom, c.IssuanceDate)),
		ValidUntil: humanDate(firstNonEmpty(c.ValidUntil, c.ExpirationDate)),
	}
	if p.IssuerName == "" {
		p.IssuerName = c.Issuer.ID
	}
	if p.IssuerURL == "" {
		p.IssuerURL = c.Issuer.ID
	}
	p.Title = fmt.Sprintf("%s, issued by %s", p.AchievementName, p.IssuerName)
	if a.Image != nil {
		p.ImageURL = a.Image.ID
	}
	if ce := c.CredentialSubject.CreditsEarned; ce != nil {
		p.Credits = strconv.FormatFloat(*ce, 'f', -1, 64)
		if ca := a.CreditsAvailable; ca != nil {
			p.Credits += " of " + strconv.FormatFloat(*ca, 'f', -1, 64)
		}
	}
	for _, e := range c.Evidence {
		name := firstNonEmpty(e.Name, e.ID, "Evidence")
		url := ""
		if strings.HasPrefix(e.ID, "https://") || strings.HasPrefix(e.ID, "http://") {
			url = e.ID
		}
		p.Evidence = append(p.Evidence, LinkItem{Name: name, URL: url, Description: firstNonEmpty(e.Description, e.Narrative)})
	}
	for _, al := range a.Alignment {
		p.Alignments = append(p.Alignments, AlignmentItem{Name: al.TargetName, URL: al.TargetURL, Framework: al.TargetFramework, Code: al.TargetCode})
	}
	names := map[string]string{}
	for _, rd := range a.ResultDescription {
		if rd.ID != "" && rd.Name != "" {
			names[rd.ID] = rd.Name
		}
	}
	for _, r := range c.CredentialSubject.Result {
		v := firstNonEmpty(r.Value, r.Status)
		if v == "" {
			continue
		}
		if n := names[r.ResultDescription]; n != "" {
			v = n + ": " + v
		}
		p.Results = append(p.Results, v)
	}
	return p
}

// SetState records the issuer's current view of the credential: revoked or
// suspended (with the reason), or expired.
func (p *CredentialPage) SetState(state, reason string, validUntil *time.Time, now time.Time) {
	p.Status = "Active"
	switch state {
	case "revoked":
		p.Status = "Revoked"
		p.StateBanner, p.StateReason = "This credential has been revoked by its issuer.", reason
	case "suspended":
		p.Status = "Suspended"
		p.StateBanner, p.StateReason = "This credential is suspended by its issuer.", reason
	default:
		if validUntil != nil && !validUntil.After(now) {
			p.Status = "Expired"
			p.StateBanner = "This credential expired on " + validUntil.UTC().Format("2 January 2006") + "."
		}
	}
}

// RenderCredential writes the credential page.
func (h *Handler) RenderCredential(w http.ResponseWriter, p *CredentialPage) {
	setPageHeaders(w.Header())
	if err := templates.ExecuteTemplate(w, "credential.html", p); err != nil && h.Log != nil {
		h.Log.Error("render", "template", "credential.html", "err", err)
	}
}

func humanType(t string) string {
	t = strings.TrimPrefix(t, "ext:")
	if t == "" {
		return "Badge"
	}
	var b strings.Builder
	for i, r := range t {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func humanDate(s string) string {
	if s == "" {
		return ""
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format("2 January 2006")
		}
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
