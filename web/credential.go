package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn/i18n"
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
	AchievementLang                                          string // the language of the name and description when not the page's
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
	LinkedInShareURL                string // a post of the page in the LinkedIn feed
	Embed                           string // HTML (image and link, no script) for CVs, sites and signatures
	QRURL                           string // the QR code as an SVG file
	PDFURL                          string // the printable certificate; "" when there is none (suspended)
	Meta                            []MetaTag
	CopyScript                      template.HTML // the copy-link script (allowed by the page's CSP)

	// StateBanner is set for a revoked, suspended or expired credential; it
	// is shown at the top instead of the verification result.
	StateBanner, StateReason string
	// Status is the state in a word: Active, Revoked, Suspended or Expired.
	Status string
	// Plain says in a few sentences what the verification found, for a
	// reader who is not a developer; the checks stay below, folded.
	Plain      []PlainCheck
	Report     *verify.Report
	CheckedAt  string // when Report was made, for people
	CheckedISO string // the same, RFC 3339 (the datetime of a <time>)
	// ReverifyURL is where the "Check again" button posts.
	ReverifyURL string
	// L is the page's language (nil: English).
	L *i18n.Printer
}

// PlainCheck is one finding of the verification in plain words.
type PlainCheck struct {
	Outcome string // verified, failed or indeterminate
	Text    string
}

// Hidden reports whether the downloads and share buttons are left out: a
// revoked credential is not to be passed on.
func (p *CredentialPage) Hidden() bool { return p.Status == "Revoked" }

// keyHome names where the keys of an issuer id are published, for people:
// the host of a did:web or an http(s) URL; "" when the id says nothing of
// it (did:key carries its key in itself).
func keyHome(issuer string) string {
	switch {
	case strings.HasPrefix(issuer, "did:web:"):
		host, _, _ := strings.Cut(strings.TrimPrefix(issuer, "did:web:"), ":")
		if h, err := url.PathUnescape(host); err == nil {
			return h
		}
		return host
	case strings.HasPrefix(issuer, "https://"), strings.HasPrefix(issuer, "http://"):
		if u, err := url.Parse(issuer); err == nil {
			return u.Host
		}
	}
	return ""
}

// SetPlain fills Plain from the report: who signed it and where the key is
// published, whether it is revoked, whether it is in force, whether it is
// logged. A check that did not pass is said as such with its reason.
func (p *CredentialPage) SetPlain(rep *verify.Report) {
	p.Plain = nil
	if rep == nil {
		return
	}
	find := func(name string) *verify.Check {
		for i := range rep.Checks {
			if rep.Checks[i].Name == name {
				return &rep.Checks[i]
			}
		}
		return nil
	}
	l := p.L
	// The reasons are the verifier's own words, in the reader's language
	// (the technical details below show them too).
	add := func(c *verify.Check, ok string) {
		if c == nil {
			return
		}
		switch c.Outcome {
		case verify.Verified:
			p.Plain = append(p.Plain, PlainCheck{Outcome: string(c.Outcome), Text: ok})
		case verify.Failed:
			p.Plain = append(p.Plain, PlainCheck{Outcome: string(c.Outcome), Text: l.T("Failed: %s.", CheckReason(l, *c))})
		default:
			p.Plain = append(p.Plain, PlainCheck{Outcome: string(c.Outcome), Text: l.T("Could not be checked: %s.", CheckReason(l, *c))})
		}
	}
	signer := p.IssuerName
	if signer == "" {
		signer = l.T("its issuer")
	}
	signed := l.T("Signed with %s's key: it is exactly as %s issued it.", signer, signer)
	if home := keyHome(rep.Issuer); home != "" {
		signed = l.T("Signed with %s's key, published at %s: it is exactly as %s issued it.", signer, home, signer)
	}
	proof, key := find(verify.CheckProof), find(verify.CheckIssuerKey)
	if proof != nil && proof.Outcome == verify.Verified && key != nil && key.Outcome != verify.Verified {
		proof = key
	}
	add(proof, signed)
	if status := find(verify.CheckStatus); status != nil {
		switch {
		case status.Outcome == verify.Failed && strings.Contains(status.Reason, "revoked"):
			p.Plain = append(p.Plain, PlainCheck{Outcome: string(status.Outcome), Text: l.T("Revoked: the issuer's signed status list says %s no longer stands by it.", signer)})
		case status.Outcome == verify.Failed && strings.Contains(status.Reason, "suspended"):
			p.Plain = append(p.Plain, PlainCheck{Outcome: string(status.Outcome), Text: l.T("Suspended: the issuer's signed status list says it is not valid for now.")})
		default:
			add(status, l.T("Not revoked or suspended: the issuer's signed status list says so."))
		}
	} else {
		p.Plain = append(p.Plain, PlainCheck{Outcome: "note", Text: l.T("It names no revocation list, so whether the issuer still stands by it cannot be checked here.")})
	}
	dates := l.T("In force.")
	switch {
	case p.ValidFrom != "" && p.ValidUntil != "":
		dates = l.T("In force from %s until %s.", p.ValidFrom, p.ValidUntil)
	case p.ValidFrom != "":
		dates = l.T("In force since %s, with no expiry date.", p.ValidFrom)
	}
	add(find(verify.CheckDates), dates)
	add(find(verify.CheckLog), l.T("Recorded in %s's public transparency log, so it cannot be quietly changed or back-dated.", signer))
	if c := find(verify.CheckSchema); c != nil && c.Outcome != verify.Verified {
		add(c, "")
	} else if c := find(verify.CheckFormat); c != nil && c.Outcome != verify.Verified {
		add(c, "")
	}
	add(find(verify.CheckInner), l.T("Every credential it contains verifies too."))
}

// CheckedLine says when and by whom the page's verification ran, its time
// an HTML <time>.
func (p *CredentialPage) CheckedLine() template.HTML {
	key := "Checked on %s by this server."
	if p.Report != nil && p.Report.Result == verify.Verified {
		key = "Verified on %s by this server."
	}
	return trHTML(p.L, key, template.HTML(`<time datetime="`+template.HTMLEscapeString(p.CheckedISO)+`">`+template.HTMLEscapeString(p.CheckedAt)+`</time>`))
}

// IssuedLine says who issued the credential (a link to its profile) and,
// when the page may show it, to whom.
func (p *CredentialPage) IssuedLine() template.HTML {
	issuer := link(p.IssuerURL, p.IssuerName)
	if p.RecipientName == "" {
		return trHTML(p.L, "Issued by %s", issuer)
	}
	return trHTML(p.L, "Issued by %s to %s", issuer, template.HTML(`<strong id="recipient">`+template.HTMLEscapeString(p.RecipientName)+`</strong>`))
}

// LinkItem is a named, optionally linked, entry (evidence).
type LinkItem struct{ Name, URL, Description string }

// AlignmentItem is one alignment to a skills framework.
type AlignmentItem struct{ Name, URL, Framework, Code string }

// NewCredentialPage fills the page from the signed credential, in the
// language of l (nil: English). The caller sets the links, state, report
// and recipient name it is allowed to show.
func NewCredentialPage(c *ob.OpenBadgeCredential, pageURL string, l *i18n.Printer) *CredentialPage {
	a := c.CredentialSubject.Achievement
	// The name and description in the page's language when the credential
	// carries them (an OB 3.0 Related edition in that language).
	name, desc, in := a.Localized(l.Code())
	p := &CredentialPage{
		URL: pageURL, ID: c.ID, L: l,
		AchievementName: name, AchievementType: humanType(a.AchievementType), AchievementDescription: desc,
		AchievementLang: otherLang(in, l.Code()),
		Criteria:        a.Criteria.Narrative, CriteriaURL: a.Criteria.ID,
		IssuerName: c.Issuer.Name, IssuerURL: c.Issuer.URL,
		Narrative:  c.CredentialSubject.Narrative,
		Awarded:    humanDate(l, firstNonEmpty(c.AwardedDate, c.ValidFrom, c.IssuanceDate)),
		ValidFrom:  humanDate(l, firstNonEmpty(c.ValidFrom, c.IssuanceDate)),
		ValidUntil: humanDate(l, firstNonEmpty(c.ValidUntil, c.ExpirationDate)),
	}
	if p.IssuerName == "" {
		p.IssuerName = c.Issuer.ID
	}
	if p.IssuerURL == "" {
		p.IssuerURL = c.Issuer.ID
	}
	p.Title = l.T("%s, issued by %s", p.AchievementName, p.IssuerName)
	if a.Image != nil {
		p.ImageURL = a.Image.ID
	}
	if ce := c.CredentialSubject.CreditsEarned; ce != nil {
		p.Credits = strconv.FormatFloat(*ce, 'f', -1, 64)
		if ca := a.CreditsAvailable; ca != nil {
			p.Credits = l.T("%s of %s", p.Credits, strconv.FormatFloat(*ca, 'f', -1, 64))
		}
	}
	for _, e := range c.Evidence {
		name := firstNonEmpty(e.Name, e.ID, l.T("Evidence"))
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
// suspended (with the reason and, when known, since when), or expired.
func (p *CredentialPage) SetState(state, reason string, validUntil *time.Time, now time.Time) {
	p.SetStateSince(state, reason, time.Time{}, validUntil, now)
}

// SetStateSince is SetState with the time of the state's change (zero when
// unknown). The reason is the staff's, shown as they wrote it.
func (p *CredentialPage) SetStateSince(state, reason string, since time.Time, validUntil *time.Time, now time.Time) {
	l := p.L
	p.Status = "Active"
	switch state {
	case "revoked":
		p.Status = "Revoked"
		p.StateBanner, p.StateReason = l.T("This credential was revoked by its issuer. It is no longer valid."), reason
		if !since.IsZero() {
			p.StateBanner = l.T("This credential was revoked by its issuer on %s. It is no longer valid.", l.Date(since))
		}
	case "suspended":
		p.Status = "Suspended"
		p.StateBanner, p.StateReason = l.T("This credential was suspended by its issuer: it is not valid while suspended."), reason
		if !since.IsZero() {
			p.StateBanner = l.T("This credential was suspended by its issuer on %s: it is not valid while suspended.", l.Date(since))
		}
	default:
		if validUntil != nil && !validUntil.After(now) {
			p.Status = "Expired"
			p.StateBanner = l.T("This credential expired on %s.", l.Date(*validUntil))
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

// humanDate writes a credential's date (RFC 3339, or a day) as l writes
// days; one it cannot read is shown as given.
func humanDate(l *i18n.Printer, s string) string {
	if s == "" {
		return ""
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return l.Date(t)
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
