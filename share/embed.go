package share

import (
	"html"
	"net/url"
	"strings"
)

// linkedInShareURL is LinkedIn's share dialog for a link in the feed.
const linkedInShareURL = "https://www.linkedin.com/sharing/share-offsite/"

// LinkedInFeedShareURL returns the link that opens LinkedIn's dialog to
// post pageURL in the member's feed (LinkedIn reads the page's OpenGraph
// tags for the preview). It is a plain link: no LinkedIn script.
func LinkedInFeedShareURL(pageURL string) string {
	return linkedInShareURL + "?url=" + url.QueryEscape(strings.TrimSpace(pageURL))
}

// Embed is a badge to embed in a CV, a web page or an email signature.
type Embed struct {
	URL        string // the credential page (its verification)
	ImageURL   string // the badge image: PNG, which mail clients show
	Name       string // the achievement
	IssuerName string
	Size       int // the image's width and height in pixels (default 120)
	// Alt and Caption replace the image's text ("Name badge, issued by
	// IssuerName") and the line below it ("Verify this credential"), for
	// a page in another language.
	Alt, Caption string
}

// HTML returns the embed snippet: a link to the credential page around the
// badge image, and the badge's name and issuer as a second link, with
// inline styles only and no script, so that it survives CV builders,
// site editors and mail clients. Every value is escaped.
func (e Embed) HTML() string {
	size := e.Size
	if size <= 0 || size > 600 {
		size = 120
	}
	n := itoa(size)
	u, img := html.EscapeString(e.URL), html.EscapeString(e.ImageURL)
	name := html.EscapeString(strings.TrimSpace(e.Name))
	alt := name + " badge"
	by := ""
	if s := strings.TrimSpace(e.IssuerName); s != "" {
		by = " · " + html.EscapeString(s)
		alt += ", issued by " + html.EscapeString(s)
	}
	if e.Alt != "" {
		alt = html.EscapeString(e.Alt)
	}
	caption := "Verify this credential"
	if e.Caption != "" {
		caption = html.EscapeString(e.Caption)
	}
	return `<a href="` + u + `" target="_blank" rel="noopener" style="display:inline-block;text-decoration:none;font:14px/1.4 sans-serif;color:#1a4d8f;text-align:center;max-width:` + itoa(size+80) + `px">` +
		`<img src="` + img + `" alt="` + alt + `" width="` + n + `" height="` + n + `" style="border:0;display:block;margin:0 auto 4px">` +
		`<span>` + name + `</span><span style="color:#555">` + by + `</span><br><span style="font-size:12px;color:#555">` + caption + `</span></a>`
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
