package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/internal/fail500"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/verify"
)

// Public serves the public URLs of what Cairn issues (DESIGN.md, Public
// URLs): credential pages and their JSON, JWT, baked PNG and SVG, QR code;
// achievement (criteria) pages; issuer profiles and their did:web DID
// documents; status list credentials; images. Pages are server-rendered
// HTML for browsers and JSON for clients that ask for it (Accept).
//
// A credential page shows the verification of the stored signed credential,
// run by this server with the issuing service's local fetcher (its own DID
// documents and status lists come from the store, so the page works
// offline). Pages are rendered ahead of their views, kept in memory and in
// the store, and served with a strong ETag and a gzip encoding made once
// (see pages.go): a view reads the award, whose UpdatedAt names the page's
// version, so a state change (revoke, suspend, re-issue) shows at once.
// Run the page worker with Run.
//
// Create it with NewPublic.
type Public struct {
	svc      *issuing.Service
	store    cairn.Store
	verifier Verifier
	log      *slog.Logger
	now      func() time.Time
	ttl      time.Duration
	share    float64 // PublicOptions.WorkerShare
	siteName string
	basePath string // path part of the base URL: "" or "/prefix"

	pageStore  cairn.PageStore   // nil: pages are kept in memory only
	watch      cairn.ChangeWatch // pageStore's, if it is one
	pathways   PathwayStore      // nil: the store's, if it is one
	clr        CLRSource         // nil: no CLR downloads
	clrs       *ttlCache[*issuing.CLR]
	mem        *memPages[string]  // rendered credential pages, the latest of each award
	langMem    *memPages[langKey] // the same in other languages than the default
	flight     flight             // pages being rendered, by award version
	epochs     atomic.Pointer[map[string]time.Time]
	files      *ttlCache[[]byte]    // QR codes
	bakedFiles *ttlCache[bakedFile] // baked images
	// certificates are rendered PDF certificates (see certificate.go);
	// achievementOf the achievement of each award they were asked for.
	certificates  *ttlCache[certificateFile]
	achievementOf *ttlCache[string]
	counts        *ttlCache[int]       // holders of an achievement (see holders)
	orgLangs      *ttlCache[i18n.Lang] // organizations' default languages
	issuerLangs   *ttlCache[i18n.Lang] // the same by issuer
	reprs         *reprCache           // JSON and JWT as served, by version

	// The page worker's queue: award IDs, each at most once (queued says
	// whether it is forced).
	queue             chan string
	qmu               sync.Mutex
	queued            map[string]bool
	running           atomic.Bool
	rendered, dropped atomic.Int64
	busy              func() bool // see PublicOptions.Busy
}

// PublicOptions configure Public. The zero value is usable.
type PublicOptions struct {
	// Fetcher fetches what is not this server's own when verifying a
	// credential page (another server's DID document, say); nil means
	// offline. This server's DID documents and status lists are always
	// answered from the store.
	Fetcher fetch.Fetcher
	// Verifier replaces the verifier built from the issuing service's
	// fetcher (tests).
	Verifier Verifier
	// ReportTTL is how old the verification a credential page shows may
	// get before the page is checked again, in the background while the
	// page worker runs (default one hour). A state change of the award
	// shows at once whatever ReportTTL is.
	ReportTTL time.Duration
	// Pages keeps rendered pages for every replica (default: the issuing
	// service's store, if it is a cairn.PageStore; else memory only).
	Pages cairn.PageStore
	// QueueSize bounds the page worker's queue (default 65,536 awards).
	QueueSize int
	// PageMemory bounds the rendered credential pages kept in memory, in
	// bytes (default 256 MiB, about 30,000 pages with their credentials);
	// an eighth more holds the pages in other languages than their
	// organizations' defaults. A page past it is read from the store on
	// its next view.
	PageMemory int64
	// WorkerShare is the share of one core the page worker may take: after
	// a page that took d to render, it rests d×(1−share)/share (default
	// 0.5; 1 never rests). Time waiting for a busy CPU counts, so the
	// worker slows down when the server is busy.
	WorkerShare float64
	// Busy, if set, pauses the page worker while it returns true (the
	// server passes the award jobs' jobs.Service.Busy and the issuing
	// service's Busy, so that rendering does not take the cores a bulk
	// issue, or a stream of single awards, is signing on). Pages keep
	// being queued meanwhile, up to QueueSize, and the worker catches up
	// when Busy turns false; a page not rendered yet renders on its view.
	Busy func() bool
	// Pathways reads pathways for the pathway pages and the achievement
	// pages' "counts toward" (default: the issuing service's store, if it
	// is a PathwayStore).
	Pathways PathwayStore
	// CLR, if set, makes the CLR 2.0 records that pathway award pages
	// offer (/credentials/{id}/clr.json).
	CLR CLRSource
	// SiteName names the site in link previews (default "Cairn").
	SiteName string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives errors (default slog.Default()).
	Log *slog.Logger
}

// Cache sizes, in entries.
const (
	// defaultPageMemory is the default PublicOptions.PageMemory.
	defaultPageMemory = 256 << 20
	// maxCachedPages bounds the representations (JSON, JWT) kept, and the
	// achievements of awards.
	maxCachedPages = 4096
	maxCachedFiles = 512
	// maxCachedCertificates bounds the PDFs kept (about 60 to 120 KB each).
	maxCachedCertificates = 256
)

// NewPublic returns the public pages of what svc issues, read from
// svc.Store().
func NewPublic(svc *issuing.Service, opts PublicOptions) *Public {
	p := &Public{
		svc: svc, store: svc.Store(), verifier: opts.Verifier, log: opts.Log, now: opts.Now,
		ttl: opts.ReportTTL, siteName: opts.SiteName,
		pageStore:     opts.Pages,
		pathways:      opts.Pathways,
		clr:           opts.CLR,
		clrs:          newTTLCache[*issuing.CLR](maxCachedFiles),
		files:         newTTLCache[[]byte](maxCachedFiles),
		bakedFiles:    newTTLCache[bakedFile](maxCachedFiles),
		certificates:  newTTLCache[certificateFile](maxCachedCertificates),
		achievementOf: newTTLCache[string](maxCachedPages),
		counts:        newTTLCache[int](maxCachedFiles),
		orgLangs:      newTTLCache[i18n.Lang](maxCachedFiles),
		issuerLangs:   newTTLCache[i18n.Lang](maxCachedFiles),
		reprs:         newReprCache(maxCachedPages),
		queued:        make(map[string]bool),
	}
	if p.pageStore == nil {
		p.pageStore, _ = p.store.(cairn.PageStore)
	}
	p.watch, _ = p.pageStore.(cairn.ChangeWatch)
	if opts.PageMemory <= 0 {
		opts.PageMemory = defaultPageMemory
	}
	p.mem, p.langMem = newMemPages(opts.PageMemory), newLangPages(opts.PageMemory/8)
	p.busy = opts.Busy
	p.share = opts.WorkerShare
	if p.share <= 0 || p.share > 1 {
		p.share = defaultWorkerShare
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = defaultQueueSize
	}
	p.queue = make(chan string, opts.QueueSize)
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.ttl <= 0 {
		p.ttl = defaultReportTTL
	}
	if p.siteName == "" {
		p.siteName = "Cairn"
	}
	if p.verifier == nil {
		v := verify.New(svc.Fetcher(opts.Fetcher))
		v.Now = p.now
		p.verifier = v
	}
	if u, err := url.Parse(svc.BaseURL()); err == nil {
		p.basePath = strings.TrimRight(u.Path, "/")
	}
	return p
}

// Register adds the public routes to mux. Paths are relative to the base
// URL's path: when the base URL has one (https://host/badges), mount mux
// under it with http.StripPrefix.
func (p *Public) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /credentials/{id}", p.credential) // also {id}.json, .jwt, .png, .svg, .pdf
	mux.HandleFunc("GET /credentials/{id}/qr.svg", p.credentialQR)
	mux.HandleFunc("GET /credentials/{id}/{file}", p.credentialCLR) // clr.json, clr.jwt
	mux.HandleFunc("POST /credentials/{id}/verify", p.reverify)
	mux.HandleFunc("GET /achievements/{id}", p.achievement)
	mux.HandleFunc("GET /issuers/{id}", p.issuer)
	mux.HandleFunc("GET /issuers/{id}/did.json", p.didDocument)
	mux.HandleFunc("GET /status/{id}", p.statusList)
	mux.HandleFunc("GET /images/{id}", p.image)
	mux.HandleFunc("GET /pathways/{id}", p.pathway)
	mux.HandleFunc("GET /endorsements/{id}", p.endorsement)
	p.registerOB2(mux)
	for _, prefix := range []string{"/credentials/", "/achievements/", "/issuers/", "/status/", "/images/", "/pathways/", "/endorsements/"} {
		mux.HandleFunc("GET "+prefix, p.NotFound)
	}
}

// path returns the path of a public URL as a browser on this site asks for
// it (the base URL's path, then path).
func (p *Public) path(path string) string { return p.basePath + path }

// validID reports whether id can be the ID of something Cairn stores: IDs
// are UUIDs or similar tokens, so anything else is not found without asking
// the store.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Media types.
const (
	typeHTML     = "text/html"
	typeVC       = "application/vc+ld+json"
	typeLD       = "application/ld+json"
	typeJSON     = "application/json"
	typeDID      = "application/did+json"
	typeProblem  = "application/problem+json"
	typeJWT      = "text/plain; charset=utf-8"
	typePNG      = "image/png"
	typeSVG      = "image/svg+xml"
	htmlCType    = "text/html; charset=utf-8"
	imageCSP     = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
	longCache    = "public, max-age=31536000, immutable"
	pageCache    = "public, max-age=60"
	jsonLDPrefix = `{"@context":["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],`
)

// copyScript makes the "Copy" button next to the credential link work. It
// is the page's only script, allowed by its hash in the CSP; without it
// the link stays in a read-only field to select.
const copyScript = `document.querySelectorAll("button[data-copy]").forEach(function(b){b.hidden=false;b.addEventListener("click",function(){var i=document.getElementById(b.dataset.copy);i.select();function done(){b.textContent=b.dataset.done||"Copied"}if(navigator.clipboard){navigator.clipboard.writeText(i.value).then(done,function(){document.execCommand("copy");done()})}else{document.execCommand("copy");done()}})})`

var (
	copyScriptHTML = template.HTML("<script>" + copyScript + "</script>")
	pageCSP        = func() string {
		sum := sha256.Sum256([]byte(copyScript))
		return "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; script-src 'sha256-" +
			base64.StdEncoding.EncodeToString(sum[:]) + "'; form-action 'self'; base-uri 'none'; frame-ancestors *"
	}()
)

// setPageHeaders sets the headers of a public page (credential,
// achievement, issuer). Their CSP lets any site frame them ("frame-ancestors
// *"): embedding a badge on a portfolio or an LMS page is what they are
// for, and their one form (a credential page's "Check again") only
// verifies the credential again, which anyone may do. Every other page
// of the server refuses to be framed (see internal/app).
func setPageHeaders(h http.Header) {
	h["Content-Type"] = hdrHTMLType
	h["Content-Security-Policy"] = hdrPageCSP
	h["X-Content-Type-Options"] = hdrNosniff
	h["Referrer-Policy"] = hdrReferrer
	addVary(h, "Accept")
}

// setJSONHeaders sets the headers of a public JSON document. Anyone may
// read it, from any origin: verifiers running in browsers fetch DID
// documents, status lists and credentials.
func setJSONHeaders(h http.Header, ctype string) {
	setContentType(h, ctype)
	h["X-Content-Type-Options"] = hdrNosniff
	h["Access-Control-Allow-Origin"] = hdrAnyOrigin
}

// negotiate returns the offer the Accept header prefers: highest quality
// first, then the most specific match (type/subtype over type/* over */*),
// then the first offer. With no Accept header, or when nothing offered is
// acceptable, it returns the first offer: a person following a link gets
// the page rather than an error.
func negotiate(accept string, offers ...string) string {
	if strings.TrimSpace(accept) == "" {
		return offers[0]
	}
	best, bestQ, bestSpec := offers[0], 0.0, -1
	for _, offer := range offers {
		q, spec := acceptQuality(accept, offer)
		if q <= 0 {
			continue
		}
		if bestSpec < 0 || q > bestQ || q == bestQ && spec > bestSpec {
			best, bestQ, bestSpec = offer, q, spec
		}
	}
	return best
}

// acceptQuality returns the quality the Accept header gives to offer, and
// how specific the range that gave it is: 2 for type/subtype, 1 for
// type/*, 0 for */*, -1 when none matches. The most specific matching
// range sets the quality (RFC 9110 §12.5.1). Media types compare without
// regard to case; a range that is not type/subtype is ignored. It reads
// the header in place, without allocating: it runs for every request of a
// public page.
func acceptQuality(accept, offer string) (q float64, spec int) {
	spec = -1
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, _ := strings.Cut(part, ";")
		mt = strings.TrimSpace(mt)
		typ, sub, ok := strings.Cut(mt, "/")
		if !ok || typ == "" || sub == "" {
			continue
		}
		s := -1
		switch {
		case strings.EqualFold(mt, offer):
			s = 2
		case mt == "*/*":
			s = 0
		case sub == "*" && len(offer) > len(typ) && offer[len(typ)] == '/' && strings.EqualFold(offer[:len(typ)], typ):
			s = 1
		}
		if s < 0 || s < spec {
			continue
		}
		pq := 1.0
		for param := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(param, "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
					pq = f
				}
			}
		}
		if s > spec || pq > q {
			q, spec = pq, s
		}
	}
	return q, spec
}

// wantsJSON reports whether a client prefers JSON to HTML (for errors).
func wantsJSON(r *http.Request) bool {
	return negotiate(r.Header.Get("Accept"), typeHTML, typeJSON, typeLD, typeVC) != typeHTML
}

// etagMatch reports whether If-None-Match lists etag (weak comparison).
func etagMatch(r *http.Request, etag string) bool {
	inm := r.Header.Get("If-None-Match")
	if inm == "" {
		return false
	}
	for t := range strings.SplitSeq(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// serveBytes writes body with an ETag, answering 304 when the client has it.
func serveBytes(w http.ResponseWriter, r *http.Request, etag string, body []byte) {
	w.Header().Set("ETag", etag)
	if etagMatch(r, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

type errorPage struct {
	Title, Message string
	Status         int
	L              *i18n.Printer
}

// NotFound answers 404: a page in the site's style for browsers, a problem
// document for JSON clients.
func (p *Public) NotFound(w http.ResponseWriter, r *http.Request) {
	p.writeError(w, r, http.StatusNotFound, "There is nothing at this address. Check the link, or ask whoever gave it to you for a new one.")
}

// Unmatched answers a request that no route matches: a problem document
// under the APIs without their own (/vc-api/, /ims/; /api/ answers its
// own), else NotFound's page in the reader's language.
func (p *Public) Unmatched(w http.ResponseWriter, r *http.Request) {
	for _, prefix := range []string{"/vc-api/", "/ims/"} {
		if strings.HasPrefix(r.URL.Path, prefix) {
			w.Header().Set("Content-Type", typeProblem)
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": "Not Found", "status": http.StatusNotFound,
				"detail": "no route " + r.Method + " " + r.URL.Path})
			return
		}
	}
	p.NotFound(w, r)
}

// writeError answers an error: msg is the key of a message (a format
// when args are given; a time.Time among them is written as a day). The
// page says it in the reader's language, a problem document in English.
func (p *Public) writeError(w http.ResponseWriter, r *http.Request, status int, msg string, args ...any) {
	w.Header().Del("Content-Disposition")
	w.Header().Del("ETag")
	w.Header().Set("Cache-Control", "no-store")
	if wantsJSON(r) {
		w.Header().Set("Content-Type", typeProblem)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": localize(nil, msg, args),
		})
		return
	}
	l := readerPrinter(w, r, "")
	setPageHeaders(w.Header())
	w.WriteHeader(status)
	title := "Not found"
	if status != http.StatusNotFound {
		title = http.StatusText(status)
	}
	title = l.T(title)
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "error.html", errorPage{Title: title, Message: localize(l, msg, args), Status: status, L: l}); err != nil {
		p.log.Error("render", "template", "error.html", "err", err)
	}
	_, _ = w.Write(b.Bytes())
}

// localize translates key with args, a time.Time among them written as
// a day in l's language.
func localize(l *i18n.Printer, key string, args []any) string {
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			args[i] = l.Date(t)
		}
	}
	return l.T(key, args...)
}

// fail answers an error from the store or the issuing service: 404 for
// NotFound, 503 when the store is unavailable, 500 (logged, not shown)
// otherwise.
func (p *Public) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch cairn.KindOf(err) {
	case cairn.NotFound, cairn.Invalid:
		p.NotFound(w, r)
	case cairn.Unavailable:
		w.Header().Set("Retry-After", "5")
		p.writeError(w, r, http.StatusServiceUnavailable, "The service is busy. Try again in a few seconds.")
	default:
		p.log.Error("public page", "path", r.URL.Path, "err", err)
		fail500.Record(r, err)
		p.writeError(w, r, http.StatusInternalServerError, "Something went wrong on our side. Try again later.")
	}
}
