package wallet

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// InputKind is what an imported input is, as SniffInput tells it.
type InputKind string

// Input kinds.
const (
	InputPNG  InputKind = "png"  // a PNG image, perhaps with a baked credential
	InputSVG  InputKind = "svg"  // an SVG image, perhaps with a baked credential
	InputJSON InputKind = "json" // a JSON document: a credential, an OB 2.0 assertion, a quoted JWT
	InputJWT  InputKind = "jwt"  // a compact JWS (VC-JWT)
	InputURL  InputKind = "url"  // an https URL (pasted)
	InputHTML InputKind = "html" // an HTML page (a credential page fetched by its URL)
)

// ErrUnknownInput is wrapped by SniffInput's error for input it cannot
// tell.
var ErrUnknownInput = errors.New("not a credential, a badge image or a URL")

var pngSig = []byte("\x89PNG\r\n\x1a\n")

// jwsRe matches a compact JWS: three base64url parts, the last one (the
// signature) not empty.
var jwsRe = regexp.MustCompile(`^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{2,}$`)

// SniffInput tells what data is from its first bytes: a PNG (by its
// signature), an SVG or an HTML page (by a leading '<' and what the first
// element is), JSON (by a leading '{', '[' or '"'), a compact JWS, or one
// https URL. A UTF-8 byte order mark and surrounding white space are
// ignored. Anything else is an error wrapping ErrUnknownInput.
func SniffInput(data []byte) (InputKind, error) {
	if bytes.HasPrefix(data, pngSig) {
		return InputPNG, nil
	}
	t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(t) == 0 {
		return "", fmt.Errorf("the input is empty: %w", ErrUnknownInput)
	}
	switch t[0] {
	case '{', '[', '"':
		return InputJSON, nil
	case '<':
		return sniffMarkup(t)
	}
	if len(t) <= 4096 && !bytes.ContainsAny(t, " \t\r\n") {
		s := string(t)
		if jwsRe.MatchString(s) {
			return InputJWT, nil
		}
		if u, err := url.Parse(s); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			return InputURL, nil
		}
	}
	return "", fmt.Errorf("%w (expected JSON, a JWT, a PNG or SVG badge, or an https URL)", ErrUnknownInput)
}

// sniffMarkup tells an SVG document from an HTML page by the first
// element: <svg …> is an SVG, <html> or <!doctype html> a page; comments,
// processing instructions and other declarations before it are skipped.
func sniffMarkup(t []byte) (InputKind, error) {
	head := t[:min(len(t), 64<<10)]
	for len(head) > 0 {
		head = bytes.TrimLeft(head, " \t\r\n")
		if len(head) == 0 || head[0] != '<' {
			break
		}
		low := bytes.ToLower(head[:min(len(head), 16)])
		switch {
		case bytes.HasPrefix(low, []byte("<!--")):
			end := bytes.Index(head, []byte("-->"))
			if end < 0 {
				return "", fmt.Errorf("an unterminated comment: %w", ErrUnknownInput)
			}
			head = head[end+3:]
			continue
		case bytes.HasPrefix(low, []byte("<!doctype html")), bytes.HasPrefix(low, []byte("<html")):
			return InputHTML, nil
		case bytes.HasPrefix(low, []byte("<!doctype svg")), bytes.HasPrefix(low, []byte("<svg")):
			return InputSVG, nil
		case bytes.HasPrefix(low, []byte("<?")), bytes.HasPrefix(low, []byte("<!")):
			end := bytes.IndexByte(head, '>')
			if end < 0 {
				return "", fmt.Errorf("an unterminated declaration: %w", ErrUnknownInput)
			}
			head = head[end+1:]
			continue
		case bytes.HasPrefix(low, []byte("<head")), bytes.HasPrefix(low, []byte("<body")), bytes.HasPrefix(low, []byte("<meta")):
			return InputHTML, nil
		}
		// A namespaced SVG root (<svg:svg …>).
		if i := bytes.IndexAny(low[1:], " \t\r\n>/"); i > 0 && bytes.HasSuffix(low[1:1+i], []byte(":svg")) {
			return InputSVG, nil
		}
		break
	}
	return "", fmt.Errorf("markup that is neither an SVG image nor an HTML page: %w", ErrUnknownInput)
}

// declaredKind maps a declared media type to the kinds it allows ("" for
// any: declared as text or octet-stream, or not at all). An unknown media
// type is an error.
func declaredKind(contentType string) ([]InputKind, error) {
	if contentType == "" {
		return nil, nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("media type %q: %v", contentType, err)
	}
	switch mt {
	case "image/png":
		return []InputKind{InputPNG}, nil
	case "image/svg+xml":
		return []InputKind{InputSVG}, nil
	case "application/json", "application/ld+json", "application/vc+ld+json", "application/vc":
		return []InputKind{InputJSON}, nil
	case "application/jwt", "application/vc+jwt", "application/vc-ld+jwt":
		return []InputKind{InputJWT, InputJSON}, nil
	case "text/plain", "application/octet-stream":
		return nil, nil
	}
	return nil, fmt.Errorf("media type %s is not one the wallet imports (image/png, image/svg+xml, application/json, application/vc+ld+json, application/jwt)", mt)
}

// alternateTypes are the media types of a credential page's
// <link rel="alternate"> that lead to the credential, best first.
var alternateTypes = []string{"application/vc+ld+json", "application/vc+jwt", "application/vc", "application/ld+json", "application/json", "application/jwt"}

// alternateLink returns the URL of the credential that an HTML page links
// as rel=alternate (resolved against base), or "" when it links none.
func alternateLink(page []byte, base *url.URL) string {
	z := html.NewTokenizer(bytes.NewReader(page))
	best, bestRank := "", len(alternateTypes)
	for n := 0; n < 100_000; n++ {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if string(name) == "body" {
			break
		}
		if string(name) != "link" || !hasAttr {
			continue
		}
		var rel, typ, href string
		for {
			k, v, more := z.TagAttr()
			switch string(k) {
			case "rel":
				rel = strings.ToLower(string(v))
			case "type":
				typ = strings.ToLower(strings.TrimSpace(string(v)))
			case "href":
				href = strings.TrimSpace(string(v))
			}
			if !more {
				break
			}
		}
		if href == "" || !containsWord(rel, "alternate") {
			continue
		}
		if mt, _, err := mime.ParseMediaType(typ); err == nil {
			typ = mt
		}
		for i, t := range alternateTypes {
			if t == typ && i < bestRank {
				if u, err := base.Parse(href); err == nil {
					best, bestRank = u.String(), i
				}
			}
		}
	}
	return best
}

func containsWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if w == word {
			return true
		}
	}
	return false
}
