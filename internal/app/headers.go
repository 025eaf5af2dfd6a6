package app

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// hsts is the Strict-Transport-Security value sent when the base URL is
// https: two years, subdomains included (RFC 6797).
const hsts = "max-age=63072000; includeSubDomains"

// Header values set as they are on many responses (http.Header.Set would
// allocate a slice for each); never changed in place.
var (
	hdrHSTS         = []string{hsts}
	hdrDeny         = []string{"DENY"}
	hdrNoFrameAtAll = []string{"frame-ancestors 'none'"}
)

// securityHeaders sets the headers every response carries:
//
//   - Strict-Transport-Security, when the server is reached over https
//     (its base URL says so), so browsers never come back over plain http;
//   - framing: a response that does not say who may frame it (a CSP with
//     frame-ancestors) may not be framed at all (X-Frame-Options DENY and
//     frame-ancestors 'none'). The public credential, achievement and
//     issuer pages say "frame-ancestors *", so that anyone can embed them;
//     the staff pages, the login page, the verifier's pages and the API
//     do not, and so are never framed (no clickjacking).
func securityHeaders(https bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if https {
			w.Header()["Strict-Transport-Security"] = hdrHSTS
		}
		next.ServeHTTP(&frameGuard{ResponseWriter: w}, r)
	})
}

// frameGuard adds the deny-framing headers when the response is written,
// unless the handler's CSP already names the frame ancestors.
type frameGuard struct {
	http.ResponseWriter
	done bool
}

func (g *frameGuard) guard() {
	if g.done {
		return
	}
	g.done = true
	h := g.Header()
	csp := h.Get("Content-Security-Policy")
	if strings.Contains(csp, "frame-ancestors") {
		return
	}
	h["X-Frame-Options"] = hdrDeny
	if csp == "" {
		h["Content-Security-Policy"] = hdrNoFrameAtAll
	} else {
		h.Set("Content-Security-Policy", strings.TrimRight(csp, "; ")+"; frame-ancestors 'none'")
	}
}

func (g *frameGuard) WriteHeader(code int) {
	g.guard()
	g.ResponseWriter.WriteHeader(code)
}

func (g *frameGuard) Write(b []byte) (int, error) {
	g.guard()
	return g.ResponseWriter.Write(b)
}

func (g *frameGuard) Flush() {
	g.guard()
	if f, ok := g.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (g *frameGuard) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// bearerOnly serves next only to requests carrying "Authorization: Bearer
// token"; others get 401. The comparison
// takes the same time whatever the token offered.
func bearerOnly(token string, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
