package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/verify"
)

// Each translated public page renders in each language, chosen by
// Accept-Language or by the switcher's ?lang=, with every message it
// uses in the catalog: a missing one fails the test.
func TestPagesInEveryLanguage(t *testing.T) {
	var mu sync.Mutex
	var missing []string
	i18n.Missing = func(l i18n.Lang, key string) { mu.Lock(); missing = append(missing, string(l)+": "+key); mu.Unlock() }
	defer func() { i18n.Missing = nil }()
	e := newEnv(t, testBase, PublicOptions{})
	e.award(t, e.ach, true, cairn.FormatDataIntegrity)
	for _, l := range i18n.Langs {
		p := i18n.For(l.Lang)
		for _, path := range []string{"/issuers/" + e.issuer.ID, "/achievements/" + e.ach.ID} {
			for _, how := range []string{"accept", "switch"} {
				var body string
				if how == "accept" {
					body = get(t, e.mux, path, "Accept-Language", string(l.Lang)+";q=0.9, en;q=0.1").Body.String()
				} else {
					w := get(t, e.mux, path+"?lang="+string(l.Lang))
					body = w.Body.String()
					if !strings.Contains(w.Header().Get("Set-Cookie"), i18n.CookieName+"="+string(l.Lang)) {
						t.Errorf("%s %s: the switcher's choice is not remembered", l.Lang, path)
					}
				}
				if !strings.Contains(body, `<html lang="`+string(l.Lang)+`"`) {
					t.Errorf("%s %s (%s): the page is not marked as %s", l.Lang, path, how, l.Lang)
				}
				want := p.T("Issuer")
				if strings.HasPrefix(path, "/achievements/") {
					want = p.T("How to earn it")
				}
				if !strings.Contains(body, want) {
					t.Errorf("%s %s (%s): %q is not on the page", l.Lang, path, how, want)
				}
				if !strings.Contains(body, `<b lang="`+string(l.Lang)+`">`+l.Name+`</b>`) {
					t.Errorf("%s %s: the switcher does not mark the current language", l.Lang, path)
				}
			}
		}
	}
	for _, m := range missing {
		t.Errorf("missing message %s", m)
	}
}

// The credential page (in force and revoked), the pathway page, the
// verifier's home page and the error page in each language, with every
// message in the catalog; each language of a credential page is its own
// representation, with its own ETag, answered 304 to it.
func TestPublicPagesInEveryLanguage(t *testing.T) {
	var mu sync.Mutex
	var missing []string
	i18n.Missing = func(l i18n.Lang, key string) { mu.Lock(); missing = append(missing, string(l)+": "+key); mu.Unlock() }
	defer func() { i18n.Missing = nil }()
	e := newEnv(t, testBase, PublicOptions{})
	ctx := context.Background()
	valid := e.award(t, e.ach, true, cairn.FormatDataIntegrity)
	revoked := e.award(t, e.ach, true, cairn.FormatDataIntegrity)
	if _, err := e.svc.SetState(ctx, e.org.ID, revoked.ID, cairn.StateRevoked, "Issued in error"); err != nil {
		t.Fatal(err)
	}
	pws := issuing.NewPathways(e.svc, e.store.(*store.DB))
	rule, _ := json.Marshal(map[string]any{"any": []any{
		map[string]any{"achievement": e.ach.ID, "within": "P1Y6M", "minScore": 60},
		map[string]any{"recognition": mustRecognition(t, pws, e.org.ID)},
	}})
	pw, err := pws.Create(ctx, e.org.ID, issuing.PathwayInput{Name: "Data Pathway", AchievementID: e.achievement(t, "").ID, Rule: rule})
	if err != nil {
		t.Fatal(err)
	}
	etags := map[string]i18n.Lang{}
	for _, l := range i18n.Langs {
		p := i18n.For(l.Lang)
		for _, tc := range []struct {
			path, want string
			status     int
		}{
			{"/credentials/" + valid.ID, p.T("Can you trust it?"), 200},
			{"/credentials/" + valid.ID, p.T("Verified: every check passed"), 200},
			{"/credentials/" + revoked.ID, p.T("This credential was revoked by its issuer on %s. It is no longer valid.", p.Date(time.Now())), 200},
			{"/credentials/" + revoked.ID, p.T("Reason given: %s", "Issued in error"), 200},
			{"/pathways/" + pw.ID, p.T("Any one of these %d", 2), 200},
			{"/pathways/" + pw.ID, p.T("earned within %s", p.T("1 year")+", "+p.T("%d months", 6)), 200},
			{"/", p.T("Badge file (PNG, SVG, JSON or JWT)"), 200},
			{"/credentials/nothing-here", p.T("There is nothing at this address. Check the link, or ask whoever gave it to you for a new one."), 404},
		} {
			w := get(t, e.mux, tc.path, "Accept", "text/html", "Accept-Language", string(l.Lang)+";q=0.9, en;q=0.1")
			body := w.Body.String()
			if w.Code != tc.status {
				t.Errorf("%s %s: %d, want %d", l.Lang, tc.path, w.Code, tc.status)
			}
			if !strings.Contains(body, `<html lang="`+string(l.Lang)+`"`) {
				t.Errorf("%s %s: the page is not marked as %s", l.Lang, tc.path, l.Lang)
			}
			if !strings.Contains(body, template.HTMLEscapeString(tc.want)) {
				t.Errorf("%s %s: %q is not on the page", l.Lang, tc.path, tc.want)
			}
			if !strings.Contains(body, `<b lang="`+string(l.Lang)+`">`+l.Name+`</b>`) {
				t.Errorf("%s %s: the switcher does not mark the current language", l.Lang, tc.path)
			}
		}
		// The credential page's representation in this language.
		path := "/credentials/" + valid.ID
		for _, enc := range []string{"", "gzip"} {
			w := get(t, e.mux, path, "Accept", "text/html", "Accept-Encoding", enc, "Accept-Language", string(l.Lang))
			etag := w.Header().Get("ETag")
			if other, ok := etags[etag]; ok || etag == "" {
				t.Errorf("%s: ETag %q, as %s's", l.Lang, etag, other)
			}
			etags[etag] = l.Lang
			wantHeader(t, w, "Content-Language", string(l.Lang))
			if vary := strings.Join(w.Header().Values("Vary"), ", "); !strings.Contains(vary, "Accept-Language") || !strings.Contains(vary, "Cookie") {
				t.Errorf("%s: Vary %q", l.Lang, vary)
			}
			if w := get(t, e.mux, path, "Accept", "text/html", "Accept-Encoding", enc, "Accept-Language", string(l.Lang), "If-None-Match", etag); w.Code != http.StatusNotModified {
				t.Errorf("%s %q: If-None-Match of its ETag: %d", l.Lang, enc, w.Code)
			} else if w.Header().Get("ETag") != etag || w.Header().Get("Content-Language") != "" {
				t.Errorf("%s %q: 304 with ETag %q (want %q), Content-Language %q", l.Lang, enc, w.Header().Get("ETag"), etag, w.Header().Get("Content-Language"))
			}
			if l.Lang != i18n.English {
				if w := get(t, e.mux, path, "Accept", "text/html", "Accept-Encoding", enc, "If-None-Match", etag); w.Code != 200 {
					t.Errorf("%s %q: the English page answers %d to the ETag of this language's", l.Lang, enc, w.Code)
				}
			}
		}
		// The switcher's choice sticks, over Accept-Language.
		w := get(t, e.mux, path+"?lang="+string(l.Lang), "Accept", "text/html", "Accept-Language", "en")
		if !strings.Contains(w.Header().Get("Set-Cookie"), i18n.CookieName+"="+string(l.Lang)) || !strings.Contains(w.Body.String(), `<html lang="`+string(l.Lang)+`"`) {
			t.Errorf("%s: the switcher's choice is not taken or not remembered", l.Lang)
		}
		w = get(t, e.mux, path, "Accept", "text/html", "Accept-Language", "en", "Cookie", i18n.CookieName+"="+string(l.Lang))
		wantHeader(t, w, "Content-Language", string(l.Lang))
	}
	for _, m := range missing {
		t.Errorf("missing message %s", m)
	}
}

// A reader who expresses no language gets the public pages of an
// organization in its default language: the credential page rendered
// ahead in it, the issuer's and the achievement's pages; one who asks
// for English gets English.
func TestPagesInTheOrganizationsLanguage(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	ctx := context.Background()
	e.org.DefaultLanguage = string(i18n.Thai)
	if err := e.store.UpdateOrganization(ctx, e.org); err != nil {
		t.Fatal(err)
	}
	aw := e.award(t, e.ach, true, cairn.FormatDataIntegrity)
	th := i18n.For(i18n.Thai)
	for path, want := range map[string]string{
		"/credentials/" + aw.ID:       th.T("Can you trust it?"),
		"/issuers/" + e.issuer.ID:     th.T("Badges and credentials offered"),
		"/achievements/" + e.ach.ID:   th.T("How to earn it"),
		"/credentials/" + aw.ID + "x": th.T("There is nothing at this address. Check the link, or ask whoever gave it to you for a new one."),
	} {
		w := get(t, e.mux, path, "Accept", "text/html")
		if strings.HasSuffix(path, "x") {
			// An error page knows no organization: English.
			want = "There is nothing at this address."
		}
		if body := w.Body.String(); !strings.Contains(body, want) {
			t.Errorf("%s without a preference: %q is not on the page", path, want)
		}
		if w := get(t, e.mux, path, "Accept", "text/html", "Accept-Language", "en-GB"); strings.Contains(w.Body.String(), `<html lang="th"`) {
			t.Errorf("%s in English: the page is in Thai", path)
		}
	}
	if pg := e.pub.mem.get(aw.ID); pg == nil || pg.lang != i18n.Thai {
		t.Errorf("the page kept for the award is %v, want one in Thai", pg)
	}
	// The page stored says its language: another server serves it in Thai
	// without rendering it.
	e.pub.persist(ctx, e.pub.mem.get(aw.ID))
	other := NewPublic(e.svc, PublicOptions{})
	mux := http.NewServeMux()
	other.Register(mux)
	w := get(t, mux, "/credentials/"+aw.ID, "Accept", "text/html")
	wantHeader(t, w, "Content-Language", "th")
	if s := other.PageStats(); s.Rendered != 0 || other.mem.get(aw.ID) == nil {
		t.Errorf("the other server rendered the page (%+v)", s)
	}
}

func TestGzipLang(t *testing.T) {
	page := []byte(strings.Repeat("<p>สวัสดี</p>", 100))
	gz := gzipPage(page, i18n.Thai)
	if l := gzipLang(gz); l != i18n.Thai {
		t.Errorf("gzipLang = %q", l)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(zr); err != nil || !bytes.Equal(b, page) {
		t.Errorf("the page does not decompress: %v", err)
	}
	if tag := gzipTag(gz); tag != pageTag(page) || len(tag) != 16 {
		t.Errorf("gzipTag = %q, want %q", tag, pageTag(page))
	}
	for _, gz := range [][]byte{gzipBytes(page), nil, {0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0, 200, 0}} {
		if l := gzipLang(gz); l != i18n.English {
			t.Errorf("gzipLang(%x…) = %q", gz[:min(len(gz), 12)], l)
		}
		if tag := gzipTag(gz); tag != "" {
			t.Errorf("gzipTag(%x…) = %q", gz[:min(len(gz), 12)], tag)
		}
	}
	// A page read back from the store has the ETag it was served with
	// when rendered, without hashing it again; one stored before pages
	// carried their tag is hashed.
	aw := &cairn.Award{ID: "a"}
	if a, b := newRenderedPage(aw, nil, i18n.Thai, time.Now(), verify.Verified, gz, time.Now()).etag, `"p`+pageTag(page)+`"`; a != b {
		t.Errorf("ETag %s, want %s", a, b)
	}
	old := gzipBytes(page)
	if a, b := newRenderedPage(aw, nil, i18n.English, time.Now(), verify.Verified, old, time.Now()).etag, `"p`+pageTag(old)+`"`; a != b {
		t.Errorf("ETag of a page without its tag %s, want %s", a, b)
	}
}

// "Check again" on a page in another language than the default checks
// the page in that language, and the browser lands on it; the default
// page (and the one stored) stays as it was. A view in that language
// verifies once, then comes from memory.
func TestReverifyInAnotherLanguage(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e, cv := countingEnv(t, PublicOptions{Now: clock})
	aw := e.award(t, e.ach, false)
	ko := i18n.For(i18n.Korean)
	cookie := i18n.CookieName + "=ko"
	english := get(t, e.mux, "/credentials/"+aw.ID).Body.String()
	first := get(t, e.mux, "/credentials/"+aw.ID, "Cookie", cookie).Body.String()
	if !strings.Contains(first, `<html lang="ko"`) || !strings.Contains(first, ko.DateTime(now)) || cv.count() != 2 {
		t.Fatalf("the Korean page, after %d verifications:\n%s", cv.count(), first)
	}
	if get(t, e.mux, "/credentials/"+aw.ID, "Cookie", cookie).Body.String() != first || cv.count() != 2 {
		t.Fatalf("a second Korean view changed the page or verified (%d verifications)", cv.count())
	}
	mu.Lock()
	now = now.Add(90 * time.Second)
	mu.Unlock()
	r := httptest.NewRequest("POST", "/credentials/"+aw.ID+"/verify", nil)
	r.Header.Set("Cookie", cookie)
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || cv.count() != 3 {
		t.Fatalf("POST verify: %d after %d verifications, want 303 after 3", w.Code, cv.count())
	}
	again := get(t, e.mux, w.Header().Get("Location"), "Cookie", cookie).Body.String()
	if !strings.Contains(again, ko.DateTime(now)) || cv.count() != 3 {
		t.Errorf("after Check again (%d verifications), the Korean page does not say %q", cv.count(), ko.DateTime(now))
	}
	if got := get(t, e.mux, "/credentials/"+aw.ID).Body.String(); got != english {
		t.Error("Check again in Korean changed the default page")
	}
	if sp, err := e.store.(cairn.PageStore).RenderedPage(context.Background(), aw.ID); err == nil && gzipLang(sp.HTMLGzip) != i18n.English {
		t.Errorf("the stored page is in %s", gzipLang(sp.HTMLGzip))
	}
}

// A translated sentence with elements in it escapes its text and the
// elements' text, and links only to paths and http(s) URLs.
func TestTrHTML(t *testing.T) {
	ko := i18n.For(i18n.Korean)
	for _, tc := range []struct {
		l     *i18n.Printer
		key   string
		parts []template.HTML
		want  string
	}{
		{nil, "Issued by %s to %s", []template.HTML{link("/issuers/1", "A & B"), "<strong>C</strong>"},
			`Issued by <a href="/issuers/1">A &amp; B</a> to <strong>C</strong>`},
		{ko, "Issued by %s to %s", []template.HTML{link("/issuers/1", "A"), "<b>C</b>"}, `<a href="/issuers/1">A</a>이(가) <b>C</b> 님에게 발급`},
		{nil, "%s or verify a badge file there.", []template.HTML{link("javascript:alert(1)", "<x>")}, `<a href="#">&lt;x&gt;</a> or verify a badge file there.`},
		{nil, "%s or verify a badge file there.", []template.HTML{link("//evil.example/", "x")}, `<a href="#">x</a> or verify a badge file there.`},
		{nil, "Verify another", nil, "Verify another"},
	} {
		if got := string(trHTML(tc.l, tc.key, tc.parts...)); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.key, got, tc.want)
		}
	}
}

// The verifier's reasons are in the reader's language: on the credential
// page's technical details and plain-words lines (in force and revoked)
// and on the verifier's report page, each message in the catalog; in
// English they read as the verifier writes them.
func TestVerifierReasonsInEveryLanguage(t *testing.T) {
	var mu sync.Mutex
	var missing []string
	i18n.Missing = func(l i18n.Lang, key string) { mu.Lock(); missing = append(missing, string(l)+": "+key); mu.Unlock() }
	defer func() { i18n.Missing = nil }()
	e := newEnv(t, testBase, PublicOptions{})
	valid := e.award(t, e.ach, true, cairn.FormatDataIntegrity)
	revoked := e.award(t, e.ach, true, cairn.FormatDataIntegrity)
	if _, err := e.svc.SetState(context.Background(), e.org.ID, revoked.ID, cairn.StateRevoked, "Issued in error"); err != nil {
		t.Fatal(err)
	}
	signed := get(t, e.mux, "/credentials/"+valid.ID+".json").Body.Bytes()
	for _, tc := range []struct {
		lang      i18n.Lang
		path      string
		want, not string
	}{
		{i18n.English, "/credentials/" + valid.ID, `<span class="reason">DataIntegrityProof eddsa-rdfc-2022 verified</span>`, ""},
		{i18n.Korean, "/credentials/" + valid.ID, `<span class="reason">DataIntegrityProof eddsa-rdfc-2022 검증됨</span>`, "eddsa-rdfc-2022 verified"},
		{i18n.Thai, "/credentials/" + valid.ID, `<span class="reason">DataIntegrityProof eddsa-rdfc-2022 ตรวจสอบแล้ว</span>`, "eddsa-rdfc-2022 verified"},
		{i18n.English, "/credentials/" + revoked.ID, "revocation: the issuer has revoked this credential (status list ", ""},
		{i18n.Korean, "/credentials/" + revoked.ID, "revocation: 발급 기관이 이 자격 증명을 취소했습니다(상태 목록 ", "the issuer has revoked"},
		{i18n.Filipino, "/credentials/" + revoked.ID, "revocation: binawi ng nag-isyu ang kredensyal na ito (status list ", "the issuer has revoked"},
		{i18n.English, "POST /verify", "AchievementCredential, JSON with an embedded proof", ""},
		{i18n.Korean, "POST /verify", "AchievementCredential, 증명이 포함된 JSON", "JSON with an embedded proof"},
		{i18n.Vietnamese, "POST /verify", "AchievementCredential, JSON có bằng chứng nhúng kèm", "JSON with an embedded proof"},
	} {
		var body string
		if tc.path == "POST /verify" {
			r := httptest.NewRequest("POST", "/verify", strings.NewReader("credential="+url.QueryEscape(string(signed))))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Accept-Language", string(tc.lang))
			w := httptest.NewRecorder()
			e.mux.ServeHTTP(w, r)
			body = w.Body.String()
		} else {
			body = get(t, e.mux, tc.path, "Accept", "text/html", "Accept-Language", string(tc.lang)).Body.String()
		}
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: %q is not on the page", tc.lang, tc.path, tc.want)
		}
		if tc.not != "" && strings.Contains(body, tc.not) {
			t.Errorf("%s %s: %q is still in English on the page", tc.lang, tc.path, tc.not)
		}
	}
	for _, m := range missing {
		t.Errorf("missing message %s", m)
	}
}
