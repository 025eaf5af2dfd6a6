package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/throttle"
	"github.com/cairn-badges/cairn/verify"
)

// Credential pages rendered ahead of their views
//
// A credential page shows the verification of the credential. Verifying
// and rendering take a few milliseconds of CPU, too much to do on a page's
// first view when a link is shared widely (or a whole cohort's badges are
// looked at on results day), so the page of each award version is
// rendered ahead of its views and kept in three tiers:
//
//  1. Memory: the latest page of awards, up to PublicOptions.PageMemory
//     bytes, with its gzip encoding and ETag. A view serves the page of
//     the award's current version from memory, or answers 304 to
//     If-None-Match, without rendering anything. Which version is current
//     comes from the store's watch of award changes
//     ([cairn.ChangeWatch]: a change made here shows on the next view, one
//     made by another process within a second), without a query; when the
//     watch cannot vouch for the award, the view reads its head (one
//     query: its UpdatedAt names the version).
//  2. The store ([cairn.PageStore]): the gzip-compressed page of each
//     award's latest version, so that every replica and a restarted server
//     serve what one of them rendered. A memory entry is checked against
//     the store again after storeRecheck, to pick up what another replica
//     rendered since, unless the watch vouches that no other process
//     stored a page of the award since.
//  3. Rendering: verify and render on the spot, when neither tier has the
//     page of the award's version (a view that comes before the
//     background worker got to it). Concurrent views of one version render
//     it once; the page is then stored by the worker.
//
// The worker ([Public.Run], one goroutine taking at most
// PublicOptions.WorkerShare of a core, a queue of at most
// PublicOptions.QueueSize award IDs, each queued once) renders and stores
// pages: those [Public.Precompute] is given (the server calls it after the
// transparency log takes an award change, so that the page shows the
// change's log entry), those rendered on a view, and those due for a new
// check. A page is due when its verification is older than ReportTTL,
// when it was indeterminate for more than indeterminateTTL (the log entry
// was not yet signed, say), or when the issuer's status lists or keys
// changed after it ([Public.SetEpochs]). A due page is still served, with
// the time of its check, while the worker checks it again; the page says
// when it was checked, and its "Check again" button (POST
// /credentials/{id}/verify, rate-limited as the public verifier) verifies
// on the spot. Without a running worker, due pages are verified on their
// view, as they were before.
//
// The page rendered ahead, kept and stored is in the issuing
// organization's default language: it is what a reader who expresses no
// preference gets (no ?lang=, cookie or Accept-Language), and what one
// who asks for that language gets. A view in another language is
// rendered on the spot and kept in memory only, by award and language
// (up to an eighth of PageMemory), under the same rules: a page of another
// award version is not served, and a due one is checked again (on the
// spot: the worker renders the default pages only). Each language is its
// own representation, with its own ETag, Content-Language, and "Vary:
// Accept-Language, Cookie"; a new default language shows as pages are
// checked again (within ReportTTL).

// Lifetimes of rendered pages.
const (
	// storeRecheck is how long a page in memory is served before the store
	// is asked whether another replica checked it since.
	storeRecheck = 30 * time.Second
	// indeterminateTTL is how long an indeterminate verification is shown
	// before it is tried again (most are the log entry of an award change
	// not yet under a signed checkpoint).
	indeterminateTTL = 30 * time.Second
	// defaultReportTTL is the default PublicOptions.ReportTTL.
	defaultReportTTL = time.Hour
	// defaultWorkerShare is the default PublicOptions.WorkerShare.
	defaultWorkerShare = 0.5
	// defaultQueueSize is the default PublicOptions.QueueSize.
	defaultQueueSize = 65536
	// minGzip is the size under which bodies are not compressed.
	minGzip = 512
	// htmlCache: browsers and proxies keep a page but ask again each time
	// (answered 304 while it has not changed), so that a revocation or a
	// new check shows at once.
	htmlCache = "no-cache"
)

// renderedPage is one credential page as served: the page of one award
// version with the verification it shows, in both encodings.
type renderedPage struct {
	awardID, issuerID string
	lang              i18n.Lang // the language it is in
	updatedAt         time.Time // the award version it shows
	credSum           []byte    // and the signed credential it shows and verified (credentialSHA256)
	checkedAt         time.Time // when its verification ran
	result            verify.Outcome
	expires           time.Time // the credential's validUntil, if it was valid when checked: not served after
	gz                []byte
	etag              string                                    // of the HTML; gzipETag(etag) names the gzip encoding
	rp                *repr                                     // as served
	loaded            atomic.Int64                              // when this process got it, or last found the store had no newer one (UnixNano)
	loadedWall        atomic.Int64                              // the same on the wall clock (time.Now), for the store's watch
	shown             atomic.Pointer[weak.Pointer[cairn.Award]] // the last head found to be of this page (shows)
	// headAt is a time (UnixNano, wall clock) at which the award was as
	// this page shows it: a read of the award that began then found it so
	// (0: none yet). With the store's cairn.ChangeWatch, a page whose award
	// has not changed since is served without reading the award.
	headAt    atomic.Int64
	persisted atomic.Bool
	counted   int64 // its size, as the memPages holding it counted it (under its lock)

	htmlOnce sync.Once
	html     []byte   // nil until needed when the page came from the store
	htmlLen  []string // its Content-Length value
}

// plain returns the uncompressed page.
func (pg *renderedPage) plain() []byte {
	pg.htmlOnce.Do(func() {
		if pg.html == nil {
			zr, err := gzip.NewReader(bytes.NewReader(pg.gz))
			if err == nil {
				pg.html, err = io.ReadAll(zr)
			}
			if err != nil {
				pg.html = []byte{} // cannot happen for what gzipBytes wrote
			}
		}
		pg.htmlLen = []string{strconv.Itoa(len(pg.html))}
	})
	return pg.html
}

// plainLen returns the uncompressed page and its Content-Length value.
func (pg *renderedPage) plainLen() ([]byte, []string) {
	b := pg.plain()
	return b, pg.htmlLen
}

// servable reports whether the page may be served at now: a page checked
// while the credential was valid is not served once it expired.
func (pg *renderedPage) servable(now time.Time) bool {
	return pg.expires.IsZero() || now.Before(pg.expires)
}

// newRenderedPage wraps a gzip-compressed page of aw, in lang; sum is
// credentialSHA256(aw) when the caller has it (else nil).
func newRenderedPage(aw *cairn.Award, sum []byte, lang i18n.Lang, checkedAt time.Time, result verify.Outcome, gz []byte, now time.Time) *renderedPage {
	tag := gzipTag(gz)
	if tag == "" {
		tag = pageTag(gz)
	}
	if sum == nil {
		sum = credentialSHA256(aw)
	}
	pg := &renderedPage{
		awardID: aw.ID, issuerID: aw.IssuerID, updatedAt: aw.UpdatedAt, credSum: sum,
		lang:      lang,
		checkedAt: checkedAt, result: result,
		gz: gz, etag: `"p` + tag + `"`,
	}
	pg.rp = newRepr(pg.etag, gz, pg.plainLen)
	pg.rp.hdrLang = hdrContentLanguage(lang)
	pg.confirm(now)
	if aw.ValidUntil != nil && aw.ValidUntil.After(checkedAt) {
		pg.expires = *aw.ValidUntil
	}
	return pg
}

// shows reports whether pg is the page of aw as it is: the same version,
// and the same signed bytes (a credential changed behind the store's back,
// without a new UpdatedAt, is not shown with the verification of what it
// was). A page holds the digest of those bytes, not the bytes: thousands
// of pages are held (PublicOptions.PageMemory).
//
// Heads are not modified once read (cairn.PageStore.PublicAwardHead), and
// the store hands out the same one to many views: the last head pg was
// found to show is remembered (weakly: a page held does not keep a head
// alive), and answers without digesting the bytes again.
func (pg *renderedPage) shows(aw *cairn.Award) bool {
	w := weak.Make(aw)
	if last := pg.shown.Load(); last != nil && *last == w {
		return true
	}
	if pg.updatedAt.Equal(aw.UpdatedAt) && bytes.Equal(pg.credSum, credentialSHA256(aw)) {
		last := w // a variable of its own: only a miss moves it to the heap
		pg.shown.Store(&last)
		return true
	}
	return false
}

// credentialSHA256 digests what a page shows of an award's credential.
func credentialSHA256(aw *cairn.Award) []byte {
	h := sha256.New()
	h.Write(aw.CredentialJSON)
	h.Write([]byte{0})
	h.Write([]byte(aw.CredentialJWT))
	return h.Sum(nil)
}

// gzipETag names the gzip encoding of the representation whose strong
// ETag is etag: another encoding is another representation (RFC 9110
// §8.8.3).
func gzipETag(etag string) string { return strings.TrimSuffix(etag, `"`) + `-gz"` }

// gzipWriters reuse compressors: a new one allocates about a megabyte,
// more than compressing a page costs.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return zw
}}

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte { return gzipExtra(b, nil) }

// The language of a credential page travels with its gzip encoding, in
// the extra field of the gzip header (RFC 1952 §2.3.1.1), as a subfield
// 'C' 'l' whose data is the language's tag: a page from the store says
// what language it is in without being decompressed (or a column of its
// own). Its ETag travels beside it, as a subfield 'C' 'e': the digest of
// the uncompressed page (pageTag), so that a page read from the store is
// not hashed again on its first view. Clients skip the field.
const (
	gzipLangSI1, gzipLangSI2 = 'C', 'l'
	gzipTagSI1, gzipTagSI2   = 'C', 'e'
)

// pageTag names the content of a page: the first 12 bytes of its
// SHA-256, in URL-safe base64 (16 characters).
func pageTag(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// gzipPage compresses a credential page in lang, with its language and
// its tag in the header.
func gzipPage(b []byte, lang i18n.Lang) []byte {
	tag := pageTag(b)
	extra := make([]byte, 0, 8+len(lang)+len(tag))
	extra = append(extra, gzipLangSI1, gzipLangSI2, byte(len(lang)), 0)
	extra = append(extra, lang...)
	extra = append(extra, gzipTagSI1, gzipTagSI2, byte(len(tag)), 0)
	extra = append(extra, tag...)
	return gzipExtra(b, extra)
}

// gzipSubfield returns the data of the subfield si1 si2 of the extra
// field of gz's header, or nil.
func gzipSubfield(gz []byte, si1, si2 byte) []byte {
	const fextra = 1 << 2
	if len(gz) < 12 || gz[0] != 0x1f || gz[1] != 0x8b || gz[3]&fextra == 0 {
		return nil
	}
	n := int(gz[10]) | int(gz[11])<<8
	if len(gz) < 12+n {
		return nil
	}
	for x := gz[12 : 12+n]; len(x) >= 4; {
		size := int(x[2]) | int(x[3])<<8
		if len(x) < 4+size {
			return nil
		}
		if x[0] == si1 && x[1] == si2 {
			return x[4 : 4+size]
		}
		x = x[4+size:]
	}
	return nil
}

// gzipLang reads the language of a page compressed by gzipPage: English
// when the header does not name one (a page stored before pages had
// languages).
func gzipLang(gz []byte) i18n.Lang {
	if l, ok := i18n.Parse(string(gzipSubfield(gz, gzipLangSI1, gzipLangSI2))); ok {
		return l
	}
	return i18n.English
}

// gzipTag reads the tag of a page compressed by gzipPage ("" when the
// header has none: a page stored before pages carried theirs).
func gzipTag(gz []byte) string {
	t := gzipSubfield(gz, gzipTagSI1, gzipTagSI2)
	if len(t) != 16 {
		return ""
	}
	for _, c := range t {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return ""
		}
	}
	return string(t)
}

// gzipExtra compresses b, with extra (nil: none) as the header's extra
// field.
func gzipExtra(b, extra []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/3 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Extra = extra
	_, _ = zw.Write(b)
	_ = zw.Close()
	zw.Reset(io.Discard)
	gzipWriters.Put(zw)
	return buf.Bytes()
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip
// (RFC 9110 §12.5.3).
func acceptsGzip(ae string) bool {
	if ae == "" {
		return false
	}
	gz, star := -1.0, -1.0
	for part := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(part, ";")
		q := 1.0
		for param := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch name = strings.TrimSpace(name); {
		case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
			gz = q
		case name == "*":
			star = q
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}

// repr is a representation as served: its strong ETag, its gzip encoding
// (nil when it would not be smaller) with that encoding's ETag, and the
// header values of both, made once, so that serving it from a cache or
// answering 304 formats nothing and allocates little.
type repr struct {
	etag, gzETag       string
	hdrETag, hdrGzETag []string
	gz                 []byte
	hdrGzLen           []string
	// hdrLang is the Content-Language value of a page (nil: none), sent
	// with the body only: a 304 carries no representation metadata but
	// for guiding caches (RFC 9110 §15.4.5).
	hdrLang []string
	// plain returns the identity body and its Content-Length value.
	plain func() ([]byte, []string)
}

// newRepr makes the representation whose strong ETag is etag; its gzip
// encoding is gz (nil: none), its body plain.
func newRepr(etag string, gz []byte, plain func() ([]byte, []string)) *repr {
	rp := &repr{etag: etag, hdrETag: []string{etag}, plain: plain}
	if gz != nil {
		rp.gz, rp.gzETag = gz, gzipETag(etag)
		rp.hdrGzETag, rp.hdrGzLen = []string{rp.gzETag}, []string{strconv.Itoa(len(gz))}
	}
	return rp
}

// bodyRepr is newRepr of a body at hand: compressed here when it is worth
// it.
func bodyRepr(etag string, body []byte) *repr {
	var gz []byte
	if len(body) >= minGzip {
		if gz = gzipBytes(body); len(gz) >= len(body) {
			gz = nil
		}
	}
	length := []string{strconv.Itoa(len(body))}
	return newRepr(etag, gz, func() ([]byte, []string) { return body, length })
}

// Header values many responses share. http.Header.Set allocates a slice
// for each value; these are set as they are, and never changed in place
// (each has its length as capacity, so an Add copies).
var (
	hdrGzip        = []string{"gzip"}
	hdrVaryAE      = []string{"Accept-Encoding"}
	hdrVaryAccept  = []string{"Accept"}
	hdrVaryBoth    = []string{"Accept", "Accept-Encoding"}
	hdrVaryLang    = []string{"Accept", "Accept-Language", "Cookie"}
	hdrVaryLangAE  = []string{"Accept", "Accept-Language", "Cookie", "Accept-Encoding"}
	hdrLangs       = map[i18n.Lang][]string{}
	hdrNosniff     = []string{"nosniff"}
	hdrHTMLType    = []string{htmlCType}
	hdrPageCSP     = []string{pageCSP}
	hdrReferrer    = []string{"strict-origin-when-cross-origin"}
	hdrAnyOrigin   = []string{"*"}
	hdrHTMLCache   = []string{htmlCache}
	hdrPageCache   = []string{pageCache}
	hdrBakedCache  = []string{bakedCache}
	hdrImageCSP    = []string{imageCSP}
	hdrContentType = map[string][]string{}
)

func init() {
	for _, t := range []string{typeVC, typeLD, typeJSON, typeJWT, typePNG, typeSVG} {
		hdrContentType[t] = []string{t}
	}
	for _, l := range i18n.Langs {
		hdrLangs[l.Lang] = []string{string(l.Lang)}
	}
}

// hdrContentLanguage is the Content-Language value of a page in l.
func hdrContentLanguage(l i18n.Lang) []string {
	if v, ok := hdrLangs[l]; ok {
		return v
	}
	return hdrLangs[i18n.English]
}

// setContentType sets the Content-Type, shared for the usual types.
func setContentType(h http.Header, ctype string) {
	if v, ok := hdrContentType[ctype]; ok {
		h["Content-Type"] = v
		return
	}
	h.Set("Content-Type", ctype)
}

// addVary adds v to the Vary header unless it is there: the common
// values from shared slices.
func addVary(h http.Header, v string) {
	cur := h["Vary"]
	switch {
	case len(cur) == 0 && v == "Accept":
		h["Vary"] = hdrVaryAccept
	case len(cur) == 0 && v == "Accept-Encoding":
		h["Vary"] = hdrVaryAE
	case len(cur) == 1 && cur[0] == "Accept" && v == "Accept-Encoding":
		h["Vary"] = hdrVaryBoth
	case len(cur) == 3 && v == "Accept-Encoding" && cur[0] == "Accept" && cur[1] == "Accept-Language" && cur[2] == "Cookie":
		h["Vary"] = hdrVaryLangAE
	default:
		for _, c := range cur {
			for part := range strings.SplitSeq(c, ",") {
				if strings.EqualFold(strings.TrimSpace(part), v) {
					return
				}
			}
		}
		h.Add("Vary", v)
	}
}

// serveEncoded writes a representation with its strong ETag, in gzip when
// the client takes it and there is a gzip encoding, and answers 304 when
// the client has it (without touching the body).
func serveEncoded(w http.ResponseWriter, r *http.Request, rp *repr) {
	h := w.Header()
	etag, hdrETag := rp.etag, rp.hdrETag
	gz := false
	if rp.gz != nil {
		addVary(h, "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			etag, hdrETag, gz = rp.gzETag, rp.hdrGzETag, true
			h["Content-Encoding"] = hdrGzip
		}
	}
	h["Etag"] = hdrETag
	if etagMatch(r, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, length := rp.gz, rp.hdrGzLen
	if !gz {
		body, length = rp.plain()
	}
	if rp.hdrLang != nil {
		h["Content-Language"] = rp.hdrLang
	}
	h["Content-Length"] = length
	_, _ = w.Write(body)
}

// reprKey names a representation of one award version: Tag says which
// (jsonTag, "jwt").
type reprKey struct {
	ID        string
	UpdatedAt int64
	Tag       string
}

// repr returns the representation of body under key, made by bodyRepr
// with the ETag etag() the first time, and again when the bytes differ
// (rewritten in the database without a new version).
func (p *Public) repr(key reprKey, body []byte, etag func() string) *repr {
	return p.reprs.get(key, func(src []byte) bool { return bytes.Equal(src, body) }, func() []byte { return body }, etag)
}

// reprString is repr of a body held as a string (a JWT): it is copied
// only when its representation is made.
func (p *Public) reprString(key reprKey, body string, etag func() string) *repr {
	return p.reprs.get(key, func(src []byte) bool { return string(src) == body }, func() []byte { return []byte(body) }, etag)
}

// reprCache holds representations by key, each with the bytes it encodes.
type reprCache struct {
	max int
	mu  sync.RWMutex
	m   map[reprKey]reprEntry
}

type reprEntry struct {
	src []byte
	rp  *repr
}

func newReprCache(max int) *reprCache { return &reprCache{max: max, m: make(map[reprKey]reprEntry)} }

func (c *reprCache) get(key reprKey, same func(src []byte) bool, body func() []byte, etag func() string) *repr {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if ok && same(e.src) {
		return e.rp
	}
	src := body()
	rp := bodyRepr(etag(), src)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		for k := range c.m { // a quarter, at random
			if len(c.m) < c.max*3/4 {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[key] = reprEntry{src: src, rp: rp}
	return rp
}

// memPages holds the latest rendered page of awards (or, for the pages in
// other languages than the default, of award and language pairs: see
// langKey), up to max bytes (renderedPage.size); past it, a quarter goes,
// at random.
type memPages[K comparable] struct {
	max  int64
	key  func(*renderedPage) K
	mu   sync.RWMutex
	m    map[K]*renderedPage
	used int64
}

// newMemPages holds the default pages, by award ID.
func newMemPages(max int64) *memPages[string] {
	return &memPages[string]{max: max, key: func(pg *renderedPage) string { return pg.awardID }, m: make(map[string]*renderedPage)}
}

// pageOverhead is what a page in memory takes besides its bodies and its
// credential: the structs, the header values, the map entry.
const pageOverhead = 1024

// size is what pg takes in memory, as the caches count it: the bodies it
// holds when kept (an identity body decompressed later, for a client that
// takes no gzip, is not counted).
func (pg *renderedPage) size() int64 {
	return int64(len(pg.gz) + len(pg.html) + pageOverhead)
}

// stats returns how many pages c holds, and their size.
func (c *memPages[K]) stats() (int, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m), c.used
}

// langKey names the page of an award in a language.
type langKey struct {
	awardID string
	lang    i18n.Lang
}

// newLangPages holds the pages in other languages, by langKey.
func newLangPages(max int64) *memPages[langKey] {
	return &memPages[langKey]{max: max, key: func(pg *renderedPage) langKey { return langKey{pg.awardID, pg.lang} }, m: make(map[langKey]*renderedPage)}
}

func (c *memPages[K]) get(key K) *renderedPage {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[key]
}

// put keeps pg unless the cache holds a newer version of the award, or the
// same version checked later; it returns the page kept.
func (c *memPages[K]) put(pg *renderedPage) *renderedPage {
	key := c.key(pg)
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m[key]
	if old != nil && newer(old, pg) {
		return old
	}
	if old != nil {
		c.used -= old.counted
		delete(c.m, key)
	}
	pg.counted = pg.size()
	if c.used+pg.counted > c.max {
		for k, e := range c.m { // a quarter, at random
			if c.used+pg.counted <= c.max*3/4 {
				break
			}
			c.used -= e.counted
			delete(c.m, k)
		}
	}
	c.m[key] = pg
	c.used += pg.counted
	return pg
}

// newer reports whether a is of a later award version than b, or of the
// same one checked later.
func newer(a, b *renderedPage) bool {
	if !a.updatedAt.Equal(b.updatedAt) {
		return a.updatedAt.After(b.updatedAt)
	}
	return a.checkedAt.After(b.checkedAt)
}

// flight renders each award version once at a time: the views that come
// while it renders wait for it.
type flight struct {
	mu sync.Mutex
	m  map[string]*flightCall
}

type flightCall struct {
	done chan struct{}
	pg   *renderedPage
	err  error
}

func (f *flight) do(key string, fn func() (*renderedPage, error)) (*renderedPage, error) {
	f.mu.Lock()
	if f.m == nil {
		f.m = make(map[string]*flightCall)
	}
	if c, ok := f.m[key]; ok {
		f.mu.Unlock()
		<-c.done
		return c.pg, c.err
	}
	c := &flightCall{done: make(chan struct{})}
	f.m[key] = c
	f.mu.Unlock()
	c.pg, c.err = fn()
	close(c.done)
	f.mu.Lock()
	delete(f.m, key)
	f.mu.Unlock()
	return c.pg, c.err
}

// due reports whether pg should be verified again at now.
func (p *Public) due(pg *renderedPage, now time.Time) bool {
	if now.Sub(pg.checkedAt) >= p.ttl {
		return true
	}
	if pg.result == verify.Indeterminate && now.Sub(pg.checkedAt) >= min(p.ttl, indeterminateTTL) {
		return true
	}
	if e := p.epochs.Load(); e != nil {
		if t, ok := (*e)[pg.issuerID]; ok && pg.checkedAt.Before(t) {
			return true
		}
	}
	return false
}

// SetEpochs records, per issuer ID, when its status lists or keys last
// changed (cairn.PageStore.VerificationEpochs): pages checked before are
// due for a new check. The server calls it every few seconds.
func (p *Public) SetEpochs(epochs map[string]time.Time) {
	p.epochs.Store(&epochs)
}

// page returns the page of the award's version: from memory, from the
// store, or rendered now (aw may be a head, cairn.PageStore.PublicAwardHead;
// rendering reads the whole award). A page in memory checked before notBefore is
// looked up in the store again (after a re-check on another replica).
func (p *Public) page(ctx context.Context, aw *cairn.Award, now, notBefore time.Time) (*renderedPage, error) {
	mem := p.mem.get(aw.ID)
	if mem != nil && (!mem.shows(aw) || !mem.servable(now)) {
		mem = nil
	}
	if mem != nil && p.loadedFresh(mem, now) && !mem.checkedAt.Before(notBefore) {
		return p.refreshIfDue(ctx, aw, mem, now)
	}
	pg, err := p.flight.do(version(aw), func() (*renderedPage, error) {
		if mem != nil && !mem.checkedAt.Before(notBefore) && !p.storedNewer(ctx, aw, mem) {
			// The common case of a page held longer than storeRecheck:
			// the store has nothing newer, which its stamp tells without
			// reading the page.
			mem.confirm(now)
			if !mem.persisted.Load() {
				p.enqueue(aw.ID, false)
			}
			return mem, nil
		}
		if pg := p.stored(ctx, aw, now); pg != nil {
			if mem != nil && !newer(pg, mem) {
				// Nothing newer in the store: keep the one in memory, and
				// make sure the store gets it.
				mem.confirm(now)
				if !mem.persisted.Load() {
					p.enqueue(aw.ID, false)
				}
				return mem, nil
			}
			return p.mem.put(pg), nil
		}
		if mem != nil {
			mem.confirm(now)
			p.enqueue(aw.ID, false) // the store lost it, or has not got it yet
			return mem, nil
		}
		full, err := p.store.PublicAward(ctx, aw.ID)
		if err != nil {
			return nil, err
		}
		pg, err := p.renderDefault(ctx, full, now)
		if err != nil {
			return nil, err
		}
		pg = p.mem.put(pg)
		p.enqueue(aw.ID, false) // to store it
		return pg, nil
	})
	if err != nil {
		return nil, err
	}
	return p.refreshIfDue(ctx, aw, pg, now)
}

// memPages returns the page a reader gets from memory, when it may be
// served at once: the default page (memPage) or the one in the language
// asked for (memLangPage); else nil.
func (p *Public) memPages(id string, aw *cairn.Award, want i18n.Lang, asked bool, now, notBefore time.Time) *renderedPage {
	pg := p.memPage(id, aw, now, notBefore)
	if asked && (pg == nil || pg.lang != want) {
		pg = p.memLangPage(id, aw, want, now, notBefore)
	}
	return pg
}

// current reports whether pg shows the award as it is: as aw, its head
// just read; or, with aw nil, as the store's watch vouches (the award has
// not changed since a read that found it as pg shows it).
func (p *Public) current(pg *renderedPage, aw *cairn.Award) bool {
	if aw != nil {
		return pg.shows(aw)
	}
	at := pg.headAt.Load()
	return at != 0 && p.watch != nil && p.watch.AwardUnchangedSince(pg.awardID, time.Unix(0, at))
}

// sawHead records that a read of the award that began at read found it
// as pg shows it (aw).
func (pg *renderedPage) sawHead(aw *cairn.Award, read time.Time) {
	if !pg.shows(aw) {
		return
	}
	for t := read.UnixNano(); ; {
		cur := pg.headAt.Load()
		if cur >= t || pg.headAt.CompareAndSwap(cur, t) {
			return
		}
	}
}

// confirm records that, at now, this process got pg or found that the
// store had no newer page of its version.
func (pg *renderedPage) confirm(now time.Time) {
	pg.loaded.Store(now.UnixNano())
	pg.loadedWall.Store(time.Now().UnixNano())
}

// loadedFresh reports whether pg may be served without asking the store
// for a newer page of its version: confirmed less than storeRecheck ago,
// or the store's watch vouches that no other process stored one since.
func (p *Public) loadedFresh(pg *renderedPage, now time.Time) bool {
	return now.Sub(time.Unix(0, pg.loaded.Load())) < storeRecheck ||
		p.watch != nil && p.watch.PageUnchangedSince(pg.awardID, time.Unix(0, pg.loadedWall.Load()))
}

// memPage returns the page of the award's version from memory when page
// would answer with it at once, without the store or a verification
// (having the worker check it again if it is due); else nil. aw is the
// award's head, or nil to rely on the store's watch (current).
func (p *Public) memPage(id string, aw *cairn.Award, now, notBefore time.Time) *renderedPage {
	mem := p.mem.get(id)
	if mem == nil || !p.current(mem, aw) || !mem.servable(now) || !p.loadedFresh(mem, now) || mem.checkedAt.Before(notBefore) {
		return nil
	}
	if p.due(mem, now) {
		if !p.running.Load() {
			return nil // checked again on the spot, by page
		}
		p.enqueue(id, false)
	}
	return mem
}

// storedNewer reports whether the store may hold a page of aw's version
// checked after mem (by another replica), reading only the stored page's
// stamp; when it cannot tell, it says yes (and stored reads the page).
func (p *Public) storedNewer(ctx context.Context, aw *cairn.Award, mem *renderedPage) bool {
	if p.pageStore == nil {
		return false
	}
	st, err := p.pageStore.RenderedPageStamp(ctx, aw.ID)
	switch {
	case cairn.KindOf(err) == cairn.NotFound:
		return false
	case err != nil:
		return true
	}
	return st.AwardUpdatedAt.Equal(aw.UpdatedAt) && st.CheckedAt.After(mem.checkedAt) && bytes.Equal(st.CredentialSHA256, mem.credSum)
}

// stored returns the stored page of aw's version, or nil.
func (p *Public) stored(ctx context.Context, aw *cairn.Award, now time.Time) *renderedPage {
	if p.pageStore == nil {
		return nil
	}
	sp, err := p.pageStore.RenderedPage(ctx, aw.ID)
	if err != nil {
		if cairn.KindOf(err) != cairn.NotFound {
			p.log.Warn("reading a rendered page", "award", aw.ID, "err", err)
		}
		return nil
	}
	sum := credentialSHA256(aw)
	if !sp.AwardUpdatedAt.Equal(aw.UpdatedAt) || !bytes.Equal(sp.CredentialSHA256, sum) || len(sp.HTMLGzip) == 0 {
		return nil
	}
	pg := newRenderedPage(aw, sum, gzipLang(sp.HTMLGzip), sp.CheckedAt, verify.Outcome(sp.Result), sp.HTMLGzip, now)
	pg.persisted.Store(true)
	if !pg.servable(now) {
		return nil
	}
	return pg
}

// refreshIfDue returns pg, having the worker check it again when it is
// due; without a running worker, it checks it now.
func (p *Public) refreshIfDue(ctx context.Context, aw *cairn.Award, pg *renderedPage, now time.Time) (*renderedPage, error) {
	if !p.due(pg, now) {
		return pg, nil
	}
	if p.running.Load() {
		p.enqueue(aw.ID, false)
		return pg, nil
	}
	return p.flight.do(version(aw)+"/due", func() (*renderedPage, error) {
		if cur := p.mem.get(aw.ID); cur != nil && cur.shows(aw) && !p.due(cur, now) {
			return cur, nil
		}
		full, err := p.store.PublicAward(ctx, aw.ID)
		if err != nil {
			return nil, err
		}
		fresh, err := p.renderDefault(ctx, full, now)
		if err != nil {
			return nil, err
		}
		p.persist(ctx, fresh)
		return p.mem.put(fresh), nil
	})
}

// langPage returns the page of aw's version in lang, not the default
// language: from memory, or verified and rendered now (and kept).
func (p *Public) langPage(ctx context.Context, aw *cairn.Award, lang i18n.Lang, now, notBefore time.Time) (*renderedPage, error) {
	if pg := p.memLangPage(aw.ID, aw, lang, now, notBefore); pg != nil {
		return pg, nil
	}
	return p.flight.do(version(aw)+" "+string(lang), func() (*renderedPage, error) {
		if pg := p.memLangPage(aw.ID, aw, lang, now, notBefore); pg != nil {
			return pg, nil
		}
		full, err := p.store.PublicAward(ctx, aw.ID)
		if err != nil {
			return nil, err
		}
		pg, err := p.render(ctx, full, lang, now)
		if err != nil {
			return nil, err
		}
		return p.langMem.put(pg), nil
	})
}

// memLangPage returns the page of the award's version in lang from
// memory when it may be served as it is (not due for a new check); else
// nil. aw is as for memPage.
func (p *Public) memLangPage(id string, aw *cairn.Award, lang i18n.Lang, now, notBefore time.Time) *renderedPage {
	pg := p.langMem.get(langKey{id, lang})
	if pg == nil || !p.current(pg, aw) || !pg.servable(now) || pg.checkedAt.Before(notBefore) || p.due(pg, now) {
		return nil
	}
	return pg
}

// viewPage returns the page of aw's version a reader gets: in the
// language they asked for (asked), else the default page (see page).
func (p *Public) viewPage(ctx context.Context, aw *cairn.Award, want i18n.Lang, asked bool, now, notBefore time.Time) (*renderedPage, error) {
	if asked && want != p.issuerLang(ctx, aw.IssuerID) {
		return p.langPage(ctx, aw, want, now, notBefore)
	}
	pg, err := p.page(ctx, aw, now, notBefore)
	if err != nil || !asked || pg.lang == want {
		return pg, err
	}
	// The default page is still in an earlier default language.
	return p.langPage(ctx, aw, want, now, notBefore)
}

// renderDefault renders the page of an award in its organization's
// default language.
func (p *Public) renderDefault(ctx context.Context, aw *cairn.Award, now time.Time) (*renderedPage, error) {
	return p.render(ctx, aw, p.issuerLang(ctx, aw.IssuerID), now)
}

// render verifies the award's credential and renders its page in lang.
func (p *Public) render(ctx context.Context, aw *cairn.Award, lang i18n.Lang, now time.Time) (*renderedPage, error) {
	model, err := p.credentialPageModel(ctx, aw, i18n.For(lang), now)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "credential.html", model); err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "rendering the page of award %s", aw.ID)
	}
	var result verify.Outcome
	if model.Report != nil {
		result = model.Report.Result
	}
	pg := newRenderedPage(aw, nil, lang, now, result, gzipPage(b.Bytes(), lang), now)
	pg.html = b.Bytes()
	return pg, nil
}

// persist stores the pages not stored yet, in one transaction, logging a
// failure (they are rendered again later).
func (p *Public) persist(ctx context.Context, pages ...*renderedPage) {
	if p.pageStore == nil {
		return
	}
	var todo []*renderedPage
	var rows []*cairn.RenderedPage
	for _, pg := range pages {
		if pg.persisted.Load() {
			continue
		}
		todo = append(todo, pg)
		rows = append(rows, &cairn.RenderedPage{
			AwardID: pg.awardID, AwardUpdatedAt: pg.updatedAt, CheckedAt: pg.checkedAt, Result: string(pg.result), HTMLGzip: pg.gz,
			CredentialSHA256: pg.credSum,
		})
	}
	if len(rows) == 0 {
		return
	}
	if err := p.pageStore.PutRenderedPages(ctx, rows...); err != nil {
		p.log.Warn("storing rendered pages", "pages", len(rows), "award", rows[0].AwardID, "err", err)
		return
	}
	for _, pg := range todo {
		pg.persisted.Store(true)
	}
}

// Precompute has the worker verify and render the pages of the awards
// now, and store them, even when a page of their current version exists
// (it may show the award change before the transparency log took it). It
// never blocks: IDs beyond the queue's capacity are dropped (their pages
// render on their first view).
func (p *Public) Precompute(awardIDs ...string) {
	for _, id := range awardIDs {
		p.enqueue(id, true)
	}
}

// PrecomputeCredentials is Precompute for credential ids (URLs this
// server issued: {base}/credentials/{award}); other ids are ignored.
func (p *Public) PrecomputeCredentials(credentialIDs ...string) {
	prefix := p.svc.CredentialURL("")
	for _, cid := range credentialIDs {
		if id, ok := strings.CutPrefix(cid, prefix); ok && validID(id) {
			p.enqueue(id, true)
		}
	}
}

// PageStats counts the worker's work since the start, and what the
// memory tier holds.
type PageStats struct {
	Rendered int64 // pages rendered by the worker
	Dropped  int64 // awards not queued because the queue was full
	Queued   int   // awards waiting now
	Held     int   // pages in memory (all languages)
	HeldSize int64 // their size as PublicOptions.PageMemory counts it
}

// PageStats returns the worker's counts.
func (p *Public) PageStats() PageStats {
	n, size := p.mem.stats()
	ln, lsize := p.langMem.stats()
	p.qmu.Lock()
	defer p.qmu.Unlock()
	return PageStats{Rendered: p.rendered.Load(), Dropped: p.dropped.Load(), Queued: len(p.queued), Held: n + ln, HeldSize: size + lsize}
}

// enqueue queues an award for the worker, once; force makes the worker
// render it even if its page is current.
func (p *Public) enqueue(awardID string, force bool) {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	if f, ok := p.queued[awardID]; ok {
		p.queued[awardID] = f || force
		return
	}
	select {
	case p.queue <- awardID:
		p.queued[awardID] = force
	default:
		p.dropped.Add(1)
	}
}

// persistBatch is how many rendered pages the worker stores in one
// transaction at most (it stores what it has whenever the queue is empty).
const persistBatch = 32

// Run is the page worker: it renders the pages queued (see Precompute),
// one at a time, and stores them in batches, until ctx is done.
func (p *Public) Run(ctx context.Context) {
	p.running.Store(true)
	defer p.running.Store(false)
	var batch []*renderedPage
	flush := func(ctx context.Context) {
		p.persist(ctx, batch...)
		batch = batch[:0]
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		flush(ctx)
	}()
	for {
		var id string
		select {
		case <-ctx.Done():
			return
		case id = <-p.queue:
		default: // nothing waiting: store what was rendered, then wait
			flush(ctx)
			select {
			case <-ctx.Done():
				return
			case id = <-p.queue:
			}
		}
		if p.busy != nil && p.busy() {
			flush(ctx) // what was rendered before the pause
			if !p.waitIdle(ctx) {
				return
			}
		}
		p.qmu.Lock()
		force := p.queued[id]
		delete(p.queued, id)
		p.qmu.Unlock()
		start := time.Now()
		pg, rendered := p.prerender(ctx, id, force)
		if pg != nil {
			batch = append(batch, pg)
		}
		if len(batch) >= persistBatch {
			flush(ctx)
		}
		if rendered && p.share < 1 {
			rest := time.Duration(float64(time.Since(start)) * (1 - p.share) / p.share)
			select {
			case <-ctx.Done():
				return
			case <-time.After(rest):
			}
		}
	}
}

// busyPoll is how often a paused page worker asks whether it may go on.
const busyPoll = 250 * time.Millisecond

// waitIdle returns when PublicOptions.Busy is false; false when ctx
// ended first.
func (p *Public) waitIdle(ctx context.Context) bool {
	t := time.NewTicker(busyPoll)
	defer t.Stop()
	for p.busy() {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

// prerender brings the page of an award up to date, and returns the page
// to store (nil when there is none) and whether it rendered one.
func (p *Public) prerender(ctx context.Context, awardID string, force bool) (*renderedPage, bool) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	read := time.Now()
	aw, err := p.store.PublicAward(ctx, awardID)
	if err != nil {
		if cairn.KindOf(err) != cairn.NotFound && ctx.Err() == nil {
			p.log.Warn("rendering a page ahead", "award", awardID, "err", err)
		}
		return nil, false
	}
	now := p.now()
	if cur := p.mem.get(awardID); !force && cur != nil && cur.shows(aw) && cur.servable(now) && !p.due(cur, now) {
		cur.sawHead(aw, read)
		return cur, false
	}
	pg, err := p.renderDefault(ctx, aw, now)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("rendering a page ahead", "award", awardID, "err", err)
		}
		return nil, false
	}
	p.rendered.Add(1)
	// Kept compressed only: browsers take gzip, and a page rendered ahead
	// may be one of thousands held (PublicOptions.PageMemory).
	pg.html = nil
	pg.sawHead(aw, read)
	return p.mem.put(pg), true
}

// reverify serves POST /credentials/{id}/verify, the page's "Check again"
// button: it verifies the credential now, keeps the new page, and sends
// the browser to it. The route is rate-limited as the public verifier is
// (the server wraps it in the same throttle.Limiter). A verification cut
// short by that limiter's time budget is shown to this client only, never
// kept.
func (p *Public) reverify(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	read := time.Now()
	aw, err := p.store.PublicAward(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	// The page checked is in the reader's language: the default page, or
	// one kept in memory only.
	lang := p.issuerLang(r.Context(), aw.IssuerID)
	want, asked := i18n.Preference(r)
	other := asked && want != lang
	if other {
		lang = want
	}
	pg, err := p.render(r.Context(), aw, lang, p.now())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	pg.sawHead(aw, read)
	if throttle.Budgeted(r.Context()) || errors.Is(r.Context().Err(), context.Canceled) {
		setPageHeaders(w.Header())
		w.Header().Set("Cache-Control", "no-store")
		w.Header()["Content-Language"] = pg.rp.hdrLang
		_, _ = w.Write(pg.plain())
		return
	}
	if other {
		p.langMem.put(pg)
	} else {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		p.persist(ctx, pg)
		p.mem.put(pg)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.path("/credentials/"+id)+"?checked="+strconv.FormatInt(pg.checkedAt.Unix(), 10), http.StatusSeeOther)
}
