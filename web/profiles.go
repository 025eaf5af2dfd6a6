package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"github.com/cairn-badges/cairn/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"hash/fnv"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/internal/fail500"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/share"
)

// AchievementPage is what the achievement (criteria) page shows.
type AchievementPage struct {
	Title, URL, JSONURL string
	Meta                []MetaTag

	Name, Type, Description string
	NameLang                string // the language of Name and Description when not the page's ("" when it is)
	Criteria, CriteriaURL   string
	ImageURL                template.URL // a local path, or a data: URI of the generated design
	IssuerName, IssuerURL   string
	Alignments              []AlignmentItem
	Results                 []string // result descriptions: name and what is expected
	Credits                 string
	FieldOfStudy, Language  string
	Version, HumanCode      string
	Tags                    []string
	ValidFor                int // months; 0 for no expiry
	L                       *i18n.Printer
	Pathways                []PathwayLink     // the pathways it counts toward
	Holders                 int               // credentials in force; -1 when unknown
	Evidence                []EvidenceItem    // what an applicant submits
	Endorsements            []EndorsementItem // received, in force
	EndorseURL              string            // the staff console's Endorse form, filled in
}

// IssuerPage is what the issuer profile page shows.
type IssuerPage struct {
	Title, URL, JSONURL string
	Meta                []MetaTag

	Name, Description, Website, Email string
	Phone, LinkedInURL                string
	Address                           []string // the address's lines
	ImageURL                          string
	DID, DIDURL                       string
	Keys                              []KeyItem
	Achievements                      []OfferedItem // what the issuer offers
	Endorsements                      []EndorsementItem
	EndorseURL                        string
	L                                 *i18n.Printer
}

// OfferedItem is an achievement listed on its issuer's page.
type OfferedItem struct {
	Name, Type, URL string
	ImageURL        template.URL
	Holders         int // credentials in force
}

// holdersTTL is how long an achievement's count of holders is reused:
// counting scans the achievement's awards.
const holdersTTL = time.Minute

// holders returns how many credentials of an achievement are in force
// (active), counted at most once a minute.
func (p *Public) holders(ctx context.Context, orgID, achievementID string) int {
	n, err := p.counts.get(achievementID, p.now(), func() (int, time.Time, error) {
		n, err := p.store.CountAwards(ctx, cairn.AwardFilter{OrgID: orgID, AchievementID: achievementID, State: cairn.StateActive})
		return n, p.now().Add(holdersTTL), err
	})
	if err != nil {
		p.log.Warn("counting holders", "achievement", achievementID, "err", err)
		return -1
	}
	return n
}

// addressLines writes an address as a page shows it.
func addressLines(a cairn.Address) []string {
	var out []string
	add := func(parts ...string) {
		var nonEmpty []string
		for _, p := range parts {
			if p != "" {
				nonEmpty = append(nonEmpty, p)
			}
		}
		if len(nonEmpty) > 0 {
			out = append(out, strings.Join(nonEmpty, " "))
		}
	}
	add(a.Street)
	add(a.PostalCode, a.Locality)
	add(a.Region)
	country := a.Country
	if country == "" {
		country = a.CountryCode
	}
	add(country)
	return out
}

// KeyItem is one signing key listed on an issuer's page.
type KeyItem struct{ Fragment, Type, Created, Retired string }

// withContext prefixes a JSON object with the OB 3.0 @context, so that a
// standalone Achievement or Profile is JSON-LD.
func withContext(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil || len(data) < 2 || data[0] != '{' {
		return nil, cairn.Wrapf(cairn.Internal, err, "encoding %T", v)
	}
	if data[1] == '}' {
		return append([]byte(strings.TrimSuffix(jsonLDPrefix, ",")), '}'), nil
	}
	return append([]byte(jsonLDPrefix), data[1:]...), nil
}

// jsonOffer negotiates between a page and JSON-LD. A client that asks for
// a Verifiable Credential gets JSON-LD: achievements and profiles are not
// credentials.
func jsonOffer(r *http.Request) string {
	ct := negotiate(r.Header.Get("Accept"), typeHTML, typeLD, typeJSON, typeVC)
	if ct == typeVC {
		return typeLD
	}
	return ct
}

// achievement serves GET /achievements/{id}: the criteria page, or the OB
// 3.0 Achievement (whose id is this URL) as JSON.
func (p *Public) achievement(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	ctx := r.Context()
	a, err := p.store.PublicAchievement(ctx, id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	is, err := p.store.PublicIssuer(ctx, a.IssuerID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	oa := p.svc.OBAchievement(a, is)
	w.Header().Add("Vary", "Accept")
	if ct := jsonOffer(r); ct != typeHTML {
		data, err := p.withEndorsements(ctx, oa, cairn.EndorseAchievement, a.ID)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		setJSONHeaders(w.Header(), ct)
		w.Header().Set("Cache-Control", pageCache)
		_, _ = w.Write(data)
		return
	}
	pg := &AchievementPage{
		URL: oa.ID, JSONURL: p.path("/achievements/" + a.ID),
		Name: a.Name, Type: humanType(a.AchievementType), Description: a.Description,
		Criteria: a.CriteriaNarrative, CriteriaURL: a.CriteriaURL,
		IssuerName: is.Name, IssuerURL: p.path("/issuers/" + is.ID),
		FieldOfStudy: a.FieldOfStudy, Version: a.Version, Tags: a.Tags,
	}
	pg.L = p.printer(ctx, w, r, a.OrgID)
	pg.Language = languageName(a.InLanguage, pg.L.Code())
	// The name and description in the reader's language, when the
	// achievement has them (its translations).
	var in string
	pg.Name, pg.Description, in = a.Localized(pg.L.Code())
	pg.NameLang = otherLang(in, pg.L.Code())
	pg.Title = pg.L.T("%s, by %s", pg.Name, is.Name)
	pg.Pathways = p.pathwaysOf(ctx, a.ID)
	pg.Holders = p.holders(ctx, a.OrgID, a.ID)
	pg.Endorsements = p.endorsementsOf(ctx, cairn.EndorseAchievement, a.ID, pg.L)
	pg.EndorseURL = p.path("/admin/endorsements?target=" + url.QueryEscape(oa.ID))
	for _, e := range a.EvidenceRequirements {
		pg.Evidence = append(pg.Evidence, EvidenceItem{Label: e.Label, Kind: string(e.Kind), Description: e.Description, Required: e.Required})
	}
	for _, al := range a.Alignments {
		pg.Alignments = append(pg.Alignments, AlignmentItem{Name: al.TargetName, URL: al.TargetURL, Framework: al.TargetFramework, Code: al.TargetCode})
	}
	for _, rd := range a.ResultDescriptions {
		s := rd.Name
		switch {
		case rd.RequiredValue != "":
			s += " (" + pg.L.T("required: %s", rd.RequiredValue) + ")"
		case len(rd.AllowedValue) > 0:
			s += " (" + strings.Join(rd.AllowedValue, ", ") + ")"
		}
		pg.Results = append(pg.Results, s)
	}
	if a.CreditsAvailable != nil {
		pg.Credits = strconv.FormatFloat(*a.CreditsAvailable, 'f', -1, 64)
	}
	pg.ValidFor = a.ValidFor
	imageAbs := ""
	if a.ImageID != "" {
		pg.ImageURL = template.URL(p.path("/images/" + a.ImageID))
		imageAbs = p.svc.ImageURL(a.ImageID)
	} else {
		svg := designFor(oa.ID, a.Name, is.Name).SVG()
		pg.ImageURL = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg))
	}
	pg.Meta = share.Meta{Title: pg.Title, Description: pg.Description, URL: oa.ID, ImageURL: imageAbs,
		ImageAlt: pg.L.T("%s badge", pg.Name), SiteName: p.siteName}.Tags()
	p.renderPage(w, r, "achievement.html", pg)
}

// issuer serves GET /issuers/{id}: the issuer's profile page, or its OB
// 3.0 Profile as JSON.
func (p *Public) issuer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	ctx := r.Context()
	is, err := p.store.PublicIssuer(ctx, id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	prof := p.svc.PublicProfile(is)
	w.Header().Add("Vary", "Accept")
	if ct := jsonOffer(r); ct != typeHTML {
		data, err := p.withEndorsements(ctx, prof, cairn.EndorseProfile, is.ID)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		setJSONHeaders(w.Header(), ct)
		w.Header().Set("Cache-Control", pageCache)
		_, _ = w.Write(data)
		return
	}
	ks, err := p.store.IssuerKeys(ctx, is.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	pageURL := p.svc.IssuerURL(is.ID)
	pg := &IssuerPage{
		Title: is.Name, URL: pageURL, JSONURL: p.path("/issuers/" + is.ID),
		Name: is.Name, Description: is.Description, Website: is.URL, Email: is.Email,
		Phone: is.Phone, Address: addressLines(is.Address),
		DID: prof.ID, DIDURL: p.path("/issuers/" + is.ID + "/did.json"), L: p.printer(ctx, w, r, is.OrgID),
	}
	if is.LinkedInOrgID != "" {
		pg.LinkedInURL = "https://www.linkedin.com/company/" + is.LinkedInOrgID
	}
	achs, err := p.store.Achievements(ctx, is.OrgID, is.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for _, a := range achs {
		name, _, _ := a.Localized(pg.L.Code())
		item := OfferedItem{Name: name, Type: humanType(a.AchievementType), URL: p.path("/achievements/" + a.ID),
			Holders: p.holders(ctx, is.OrgID, a.ID)}
		if a.ImageID != "" {
			item.ImageURL = template.URL(p.path("/images/" + a.ImageID))
		} else {
			svg := designFor(p.svc.AchievementURL(a.ID), a.Name, is.Name).SVG()
			item.ImageURL = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg))
		}
		pg.Achievements = append(pg.Achievements, item)
	}
	imageAbs := ""
	if is.ImageID != "" {
		pg.ImageURL = p.path("/images/" + is.ImageID)
		imageAbs = p.svc.ImageURL(is.ImageID)
	}
	pg.Endorsements = p.endorsementsOf(ctx, cairn.EndorseProfile, is.ID, pg.L)
	pg.EndorseURL = p.path("/admin/endorsements?target=" + url.QueryEscape(pageURL))
	for _, k := range ks {
		item := KeyItem{Fragment: "#" + k.Fragment, Type: k.Type, Created: pg.L.Date(k.CreatedAt)}
		if k.RetiredAt != nil {
			item.Retired = pg.L.Date(*k.RetiredAt)
		}
		pg.Keys = append(pg.Keys, item)
	}
	pg.Meta = share.Meta{Title: is.Name, Description: is.Description, URL: pageURL, ImageURL: imageAbs,
		ImageAlt: is.Name, SiteName: p.siteName}.Tags()
	p.renderPage(w, r, "issuer.html", pg)
}

// renderPage renders a page into a buffer first, so that a template error
// is a clean 500 instead of half a page.
func (p *Public) renderPage(w http.ResponseWriter, r *http.Request, name string, data any) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		p.log.Error("render", "template", name, "err", err)
		fail500.Record(r, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w.Header())
	w.Header().Set("Cache-Control", pageCache)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	_, _ = w.Write(b.Bytes())
}

// designFor is the generated badge of an achievement without an image: its
// name on a hexagon, the issuer's name below, in a palette chosen by the
// achievement's OB id (so the credential page and the criteria page agree).
func designFor(achievementID, name, issuerName string) badgeimg.Design {
	h := fnv.New32a()
	h.Write([]byte(achievementID))
	pal := badgeimg.Palettes[int(h.Sum32()%uint32(len(badgeimg.Palettes)))]
	return badgeimg.Design{
		Shape:   badgeimg.Hexagon,
		Primary: pal.Primary, Secondary: pal.Secondary,
		Title:    clip(name, badgeimg.MaxTitleLength),
		Subtitle: clip(issuerName, badgeimg.MaxSubtitleLength),
		Icon:     badgeimg.Star,
	}
}

// design is the generated badge of a credential whose achievement has no
// image.
func design(c *ob.OpenBadgeCredential) badgeimg.Design {
	a := c.CredentialSubject.Achievement
	return designFor(a.ID, a.Name, firstNonEmpty(c.Issuer.Name, humanType(a.AchievementType)))
}

// languageName names a BCP 47 tag in the reader's language (a tag) with
// its own name beside, e.g. "Thai (ไทย)"; a tag it cannot read is shown
// as given.
func languageName(tag, reader string) string {
	if tag == "" {
		return ""
	}
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	en := display.English.Tags().Name(t)
	if rt, err := language.Parse(reader); err == nil {
		if n := display.Tags(rt).Name(t); n != "" {
			en = n
		}
	}
	self := display.Self.Name(t)
	switch {
	case en == "":
		return tag
	case self == "" || self == en:
		return en
	}
	return en + " (" + self + ")"
}

// printer is the language of a public page of an organization's (see
// i18n.Negotiate): the reader's, else the organization's default; the
// switcher's choice remembered. The page varies with it.
func (p *Public) printer(ctx context.Context, w http.ResponseWriter, r *http.Request, orgID string) *i18n.Printer {
	if l, ok := i18n.Preference(r); ok {
		return readerPrinter(w, r, l)
	}
	return readerPrinter(w, r, p.orgLang(ctx, orgID))
}

// orgLangTTL is how long an organization's default language is reused.
const orgLangTTL = time.Minute

// orgLang returns an organization's default language (English when it
// has none, or cannot be read), read at most once a minute.
func (p *Public) orgLang(ctx context.Context, orgID string) i18n.Lang {
	if orgID == "" {
		return i18n.English
	}
	l, err := p.orgLangs.get(orgID, p.now(), func() (i18n.Lang, time.Time, error) {
		org, err := p.store.Organization(ctx, orgID)
		if err != nil {
			return "", time.Time{}, err
		}
		l, ok := i18n.Parse(org.DefaultLanguage)
		if !ok {
			l = i18n.English
		}
		return l, p.now().Add(orgLangTTL), nil
	})
	if err != nil {
		if cairn.KindOf(err) != cairn.NotFound {
			p.log.Warn("reading an organization's language", "org", orgID, "err", err)
		}
		return i18n.English
	}
	return l
}

// issuerLang is orgLang of an issuer's organization, the issuer read at
// most once a minute too.
func (p *Public) issuerLang(ctx context.Context, issuerID string) i18n.Lang {
	l, err := p.issuerLangs.get(issuerID, p.now(), func() (i18n.Lang, time.Time, error) {
		is, err := p.store.PublicIssuer(ctx, issuerID)
		if err != nil {
			return "", time.Time{}, err
		}
		return p.orgLang(ctx, is.OrgID), p.now().Add(orgLangTTL), nil
	})
	if err != nil {
		return i18n.English
	}
	return l
}

// otherLang is the language of a text, in, when it is known and not the
// page's (for a lang attribute), else "".
func otherLang(in, page string) string {
	if in == "" || strings.EqualFold(in, page) {
		return ""
	}
	if b, _, _ := strings.Cut(in, "-"); strings.EqualFold(b, page) {
		return ""
	}
	return in
}
