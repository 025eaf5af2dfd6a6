// Package i18n puts Cairn's pages in the readers' languages: English,
// Korean, Thai, Vietnamese, Indonesian, Malay and Filipino. Messages are
// keyed by their English text and kept in a golang.org/x/text catalog;
// the language of a request comes from ?lang=, the cairn_lang cookie (set
// by the switcher), Accept-Language, then the organization's default.
// Dates and numbers follow the language.
package i18n

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Lang is one of the supported languages, by its BCP 47 tag.
type Lang string

// The supported languages.
const (
	English    Lang = "en"
	Korean     Lang = "ko"
	Thai       Lang = "th"
	Vietnamese Lang = "vi"
	Indonesian Lang = "id"
	Malay      Lang = "ms"
	Filipino   Lang = "fil"
)

// Info names a language in itself, for the switcher.
type Info struct {
	Lang Lang
	Name string
}

// Langs are the supported languages, English first.
var Langs = []Info{{English, "English"}, {Korean, "한국어"}, {Thai, "ไทย"}, {Vietnamese, "Tiếng Việt"},
	{Indonesian, "Bahasa Indonesia"}, {Malay, "Bahasa Melayu"}, {Filipino, "Filipino"}}

var (
	tags    []language.Tag
	matcher language.Matcher
	cat     = catalog.NewBuilder(catalog.Fallback(language.English))
)

func init() {
	for _, l := range Langs {
		tags = append(tags, language.MustParse(string(l.Lang)))
	}
	matcher = language.NewMatcher(tags)
	for key, tr := range dict {
		if err := cat.SetString(language.English, key, key); err != nil {
			panic(err)
		}
		for l, s := range tr {
			if err := cat.SetString(language.MustParse(string(l)), key, s); err != nil {
				panic(fmt.Sprintf("i18n: %s %q: %v", l, key, err))
			}
		}
	}
}

// Parse returns the supported language s names ("th", "th-TH", "fil"),
// and whether it is one.
func Parse(s string) (Lang, bool) {
	for _, l := range Langs { // the common case, without parsing
		if s == string(l.Lang) {
			return l.Lang, true
		}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return English, false
	}
	t, err := language.Parse(s)
	if err != nil {
		return English, false
	}
	base, _ := t.Base()
	for _, l := range Langs {
		if base.String() == string(l.Lang) || (l.Lang == Filipino && base.String() == "tl") {
			return l.Lang, true
		}
	}
	return English, false
}

// Tags lists the supported languages' tags, for error messages: "en, ko, …".
func Tags() string {
	var b strings.Builder
	for i, l := range Langs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(l.Lang))
	}
	return b.String()
}

// CookieName is the cookie the switcher sets.
const CookieName = "cairn_lang"

// Negotiate picks the language of a request: ?lang=, then the cookie,
// then Accept-Language, then fallback (an organization's default; ""
// for English).
func Negotiate(r *http.Request, fallback Lang) Lang {
	if l, ok := Preference(r); ok {
		return l
	}
	if fallback != "" {
		return fallback
	}
	return English
}

// Preference returns the language the reader asked for, by ?lang=, the
// cookie or Accept-Language, and whether they asked for one Cairn speaks.
// It runs for every view of a public page: a request that says nothing
// costs three header lookups, and each Accept-Language value is matched
// once (see acceptLangs).
func Preference(r *http.Request) (Lang, bool) {
	if r.URL.RawQuery != "" {
		if l, ok := Parse(r.URL.Query().Get("lang")); ok {
			return l, true
		}
	}
	if _, ok := r.Header["Cookie"]; ok {
		if c, err := r.Cookie(CookieName); err == nil {
			if l, ok := Parse(c.Value); ok {
				return l, true
			}
		}
	}
	if al := r.Header.Get("Accept-Language"); al != "" {
		return acceptLangs.match(al)
	}
	return "", false
}

// acceptLangs remembers what Accept-Language values matched: browsers
// send a few dozen different ones, each on every request.
var acceptLangs = &acceptCache{m: make(map[string]acceptMatch)}

// maxAcceptCache bounds acceptLangs; when full it starts again empty
// (values made up to fill it cost a match each, as without the cache).
const maxAcceptCache = 1024

type acceptCache struct {
	mu sync.RWMutex
	m  map[string]acceptMatch
}

type acceptMatch struct {
	lang Lang
	ok   bool
}

func (c *acceptCache) match(al string) (Lang, bool) {
	c.mu.RLock()
	m, hit := c.m[al]
	c.mu.RUnlock()
	if hit {
		return m.lang, m.ok
	}
	m = matchAccept(al)
	if len(al) <= 256 {
		c.mu.Lock()
		if len(c.m) >= maxAcceptCache {
			clear(c.m)
		}
		c.m[al] = m
		c.mu.Unlock()
	}
	return m.lang, m.ok
}

// matchAccept picks the supported language an Accept-Language value
// prefers, if any.
func matchAccept(al string) acceptMatch {
	prefs, _, err := language.ParseAcceptLanguage(al)
	if err == nil && len(prefs) > 0 {
		if _, i, conf := matcher.Match(prefs...); conf >= language.High || (conf > language.No && i > 0) {
			return acceptMatch{Langs[i].Lang, true}
		}
	}
	return acceptMatch{}
}

// Remember sets the switcher's cookie when the request chose a language
// with ?lang=, so the next pages keep it.
func Remember(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery == "" {
		return
	}
	if l, ok := Parse(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: CookieName, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
			SameSite: http.SameSiteLaxMode})
	}
}

// Printer translates for one language. The nil Printer is English.
type Printer struct {
	Lang Lang
	p    *message.Printer
}

var (
	printers   = map[Lang]*Printer{}
	printersMu sync.Mutex
)

// For returns the Printer of l (English for an unsupported one).
func For(l Lang) *Printer {
	if _, ok := Parse(string(l)); !ok {
		l = English
	}
	printersMu.Lock()
	defer printersMu.Unlock()
	if p := printers[l]; p != nil {
		return p
	}
	p := &Printer{Lang: l, p: message.NewPrinter(language.MustParse(string(l)), message.Catalog(cat))}
	printers[l] = p
	return p
}

// Missing, when set, is told of every key translated that the catalog
// lacks for the printer's language: tests set it to fail on one.
var Missing func(l Lang, key string)

// T translates key (its English text, a fmt format when args are given).
func (p *Printer) T(key string, args ...any) string {
	if p == nil {
		p = For(English)
	}
	if Missing != nil && p.Lang != English {
		if _, ok := dict[key][p.Lang]; !ok {
			Missing(p.Lang, key)
		}
	}
	return p.p.Sprintf(key, args...)
}

// Text writes a message made elsewhere, such as a verifier's reason, in
// the language: key is its English format, every verb %s, and args its
// arguments as text. It returns english, the message as made, in English,
// when the catalog lacks key, and for a key that is only its arguments
// ("%s", "%s: %s").
func (p *Printer) Text(key string, args []string, english string) string {
	if p == nil || p.Lang == English || onlyArgs(key) {
		return english
	}
	if _, ok := dict[key][p.Lang]; !ok {
		if Missing != nil {
			Missing(p.Lang, key)
		}
		return english
	}
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	return p.p.Sprintf(key, a...)
}

// onlyArgs reports whether key has no words of its own: only verbs and
// punctuation.
func onlyArgs(key string) bool {
	return strings.Trim(strings.ReplaceAll(key, "%s", ""), ":;, ") == ""
}

// Code is the language's tag, for <html lang>.
func (p *Printer) Code() string {
	if p == nil {
		return string(English)
	}
	return string(p.Lang)
}

// Number formats n as the language writes it (1,234.5 or 1.234,5).
func (p *Printer) Number(n any) string {
	if p == nil {
		p = For(English)
	}
	return p.p.Sprint(n)
}

// Date writes a day as the language does: "3 December 2026", "2026년 12월
// 3일", "3 ธันวาคม 2569" (the Buddhist era, as Thai readers expect).
func (p *Printer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	l := English
	if p != nil {
		l = p.Lang
	}
	t = t.UTC()
	d, m, y := t.Day(), int(t.Month()), t.Year()
	switch l {
	case Korean:
		return fmt.Sprintf("%d년 %d월 %d일", y, m, d)
	case Thai:
		return fmt.Sprintf("%d %s %d", d, months[Thai][m-1], y+543)
	case Vietnamese:
		return fmt.Sprintf("%d tháng %d, %d", d, m, y)
	case Filipino:
		return fmt.Sprintf("%s %d, %d", months[Filipino][m-1], d, y)
	case Indonesian, Malay:
		return fmt.Sprintf("%d %s %d", d, months[l][m-1], y)
	}
	return t.Format("2 January 2006")
}

// DateTime writes a moment as the language does, its time of day in
// UTC: "3 December 2026 at 10:00:00 UTC", "2026년 12월 3일 10:00:00 UTC".
func (p *Printer) DateTime(t time.Time) string {
	t = t.UTC()
	return p.T("%s at %s", p.Date(t), t.Format("15:04:05 MST"))
}

var months = map[Lang][12]string{
	Thai:       {"มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"},
	Indonesian: {"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"},
	Malay:      {"Januari", "Februari", "Mac", "April", "Mei", "Jun", "Julai", "Ogos", "September", "Oktober", "November", "Disember"},
	Filipino:   {"Enero", "Pebrero", "Marso", "Abril", "Mayo", "Hunyo", "Hulyo", "Agosto", "Setyembre", "Oktubre", "Nobyembre", "Disyembre"},
}

// Switch is one entry of the language switcher.
type Switch struct {
	Lang    Lang
	Name    string
	Current bool
}

// Switcher lists the languages, the current one marked.
func (p *Printer) Switcher() []Switch {
	cur := English
	if p != nil {
		cur = p.Lang
	}
	out := make([]Switch, 0, len(Langs))
	for _, l := range Langs {
		out = append(out, Switch{Lang: l.Lang, Name: l.Name, Current: l.Lang == cur})
	}
	return out
}

// Switcher is the language switcher of one page: its links keep the
// page's query (a list's filters, a sign-in's next, a consent request),
// with lang set, so that switching loses nothing.
type Switcher struct {
	L     *Printer
	Links []SwitchLink
}

// SwitchLink is one language of a Switcher.
type SwitchLink struct {
	Switch
	Href string // "?" and the page's query with lang
}

// SwitcherFor returns the switcher of the page r asks for, in p's
// language. Pages whose HTML is cached for every reader use Switcher
// (plain ?lang= links) instead.
func SwitcherFor(r *http.Request, p *Printer) Switcher {
	q := r.URL.Query()
	sw := Switcher{L: p}
	for _, s := range p.Switcher() {
		q.Set("lang", string(s.Lang))
		sw.Links = append(sw.Links, SwitchLink{s, "?" + q.Encode()})
	}
	return sw
}

// Untranslated lists, per language, the catalog's keys it lacks.
func Untranslated() map[Lang][]string {
	out := map[Lang][]string{}
	for key, tr := range dict {
		for _, l := range Langs[1:] {
			if _, ok := tr[l.Lang]; !ok {
				out[l.Lang] = append(out[l.Lang], key)
			}
		}
	}
	for l := range out {
		sort.Strings(out[l])
	}
	return out
}

// Keys returns every key of the catalog, sorted.
func Keys() []string {
	keys := make([]string, 0, len(dict))
	for k := range dict {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
