package share

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Meta describes a page for link previews.
type Meta struct {
	Title       string
	Description string
	// URL is the page's canonical URL; ImageURL the preview image (the
	// badge image, a PNG: crawlers do not render SVG). Both must be
	// absolute http or https URLs, or they are left out.
	URL, ImageURL string
	ImageAlt      string
	SiteName      string
}

// MetaTag is one <meta> element: Property is set for OpenGraph tags
// (<meta property="og:…">), Name for the others (<meta name="twitter:…">).
//
//	<meta{{if .Property}} property="{{.Property}}"{{else}} name="{{.Name}}"{{end}} content="{{.Content}}">
type MetaTag struct {
	Property, Name string
	Content        string
}

// Lengths beyond which Meta.Tags shortens text, in characters: what
// LinkedIn, Slack and X show before cutting anyway.
const (
	MaxTitle       = 70
	MaxDescription = 200
	MaxImageAlt    = 420
	MaxSiteName    = 70
)

// Tags returns the OpenGraph (https://ogp.me/) and Twitter card meta tags
// of the page, in a fixed order: og:type (website), og:site_name,
// og:title, og:description, og:url, og:image, og:image:alt, then
// twitter:card (summary: badge images are square), twitter:title,
// twitter:description, twitter:image and twitter:image:alt. Empty values
// are left out; white space is collapsed and long text is shortened at a
// word boundary with an ellipsis. Contents are plain text: the template
// escapes them.
func (m Meta) Tags() []MetaTag {
	title := shorten(m.Title, MaxTitle)
	desc := shorten(m.Description, MaxDescription)
	alt := shorten(m.ImageAlt, MaxImageAlt)
	site := shorten(m.SiteName, MaxSiteName)
	page, img := absoluteURL(m.URL), absoluteURL(m.ImageURL)
	if img == "" {
		alt = ""
	}
	var tags []MetaTag
	og := func(p, c string) {
		if c != "" {
			tags = append(tags, MetaTag{Property: p, Content: c})
		}
	}
	tw := func(n, c string) {
		if c != "" {
			tags = append(tags, MetaTag{Name: n, Content: c})
		}
	}
	og("og:type", "website")
	og("og:site_name", site)
	og("og:title", title)
	og("og:description", desc)
	og("og:url", page)
	og("og:image", img)
	og("og:image:alt", alt)
	tw("twitter:card", "summary")
	tw("twitter:title", title)
	tw("twitter:description", desc)
	tw("twitter:image", img)
	tw("twitter:image:alt", alt)
	return tags
}

// absoluteURL returns s when it is an absolute http or https URL with a
// host, and "" otherwise.
func absoluteURL(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return s
}

// shorten collapses white space and control characters, and cuts s to at
// most n characters, at a word boundary when one is in the last third,
// ending with "…".
func shorten(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	if i := strings.LastIndexByte(string(r), ' '); i >= 0 && utf8.RuneCountInString(string(r)[:i]) > n*2/3 {
		r = []rune(string(r)[:i])
	}
	return strings.TrimRight(string(r), " ,;:.-") + "…"
}
