package i18n

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Every key has every language, and a translation keeps the key's verbs
// (a %s or %d lost or added would print garbage).
func TestCatalogComplete(t *testing.T) {
	for l, keys := range Untranslated() {
		for _, k := range keys {
			t.Errorf("%s lacks %q", l, k)
		}
	}
	for key, tr := range dict {
		want := verbs(key)
		for l, s := range tr {
			if got := verbs(s); got != want {
				t.Errorf("%s %q: verbs %q, want %q (from %q)", l, s, got, want, key)
			}
		}
	}
}

func verbs(s string) string {
	var b strings.Builder
	for i := 0; i < len(s)-1; i++ {
		if s[i] == '%' {
			b.WriteByte(s[i+1])
			i++
		}
	}
	return b.String()
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		query, cookie, accept string
		fallback              Lang
		want                  Lang
	}{
		{"", "", "", "", English},
		{"", "", "ko-KR,ko;q=0.9,en;q=0.5", "", Korean},
		{"", "", "th", "", Thai},
		{"", "", "tl-PH", "", Filipino},
		{"", "", "fr-FR,fr;q=0.9", Thai, Thai},
		{"", "", "de, vi;q=0.5", "", Vietnamese},
		{"", "ms", "ko", "", Malay},
		{"id", "ms", "ko", "", Indonesian},
		{"xx", "", "ko", "", Korean},
		{"", "", "garbage;;q=x", "", English},
	} {
		r := httptest.NewRequest("GET", "/?lang="+tc.query, nil)
		if tc.cookie != "" {
			r.Header.Set("Cookie", CookieName+"="+tc.cookie)
		}
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		if got := Negotiate(r, tc.fallback); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc, got, tc.want)
		}
	}
}

func TestDatesAndNumbers(t *testing.T) {
	d := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for l, want := range map[Lang]string{English: "3 December 2026", Korean: "2026년 12월 3일", Thai: "3 ธันวาคม 2569",
		Vietnamese: "3 tháng 12, 2026", Indonesian: "3 Desember 2026", Malay: "3 Disember 2026", Filipino: "Disyembre 3, 2026"} {
		if got := For(l).Date(d); got != want {
			t.Errorf("%s: %q, want %q", l, got, want)
		}
	}
	if got := For(Indonesian).Number(1234567); got != "1.234.567" {
		t.Errorf("Indonesian number %q", got)
	}
	if got := For(English).Number(1234567); got != "1,234,567" {
		t.Errorf("English number %q", got)
	}
	if got := For(Korean).T("%d holders", 1200); got != "보유자 1,200명" {
		t.Errorf("Korean holders %q", got)
	}
	var nilP *Printer
	if got := nilP.T("%s on LinkedIn", "X"); got != "X on LinkedIn" {
		t.Errorf("nil printer %q", got)
	}
	_ = fmt.Sprint()
}

// Preference says whether the reader asked for a language at all, so
// that a page can fall back on its organization's default.
func TestPreference(t *testing.T) {
	for _, tc := range []struct {
		target, cookie, accept string
		want                   Lang
		ok                     bool
	}{
		{"/", "", "", "", false},
		{"/?checked=1", "other=1", "", "", false},
		{"/", "", "fr-FR, de;q=0.5", "", false},
		{"/", "", "en-GB", English, true},
		{"/", "", "th-TH,th;q=0.9", Thai, true},
		{"/", "", "th-TH,th;q=0.9", Thai, true}, // from the cache
		{"/", CookieName + "=vi", "en", Vietnamese, true},
		{"/?lang=fil", CookieName + "=vi", "en", Filipino, true},
	} {
		r := httptest.NewRequest("GET", tc.target, nil)
		if tc.cookie != "" {
			r.Header.Set("Cookie", tc.cookie)
		}
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		if got, ok := Preference(r); got != tc.want || ok != tc.ok {
			t.Errorf("%+v: %q %v, want %q %v", tc, got, ok, tc.want, tc.ok)
		}
	}
}

// Text writes a message made elsewhere in the language, and falls back to
// its English for a key the catalog lacks or that is only its arguments.
func TestText(t *testing.T) {
	args := []string{"2026-01-01", "2027-01-01"}
	const en = "valid from 2026-01-01 until 2027-01-01"
	for _, tc := range []struct {
		l         Lang
		key, want string
	}{
		{English, "valid from %s until %s", en},
		{Korean, "valid from %s until %s", "2026-01-01부터 2027-01-01까지 유효"},
		{Thai, "valid from %s until %s", "มีผลตั้งแต่ 2026-01-01 ถึง 2027-01-01"},
		{Korean, "no such key %s %s", en},
		{Korean, "%s: %s", en},
	} {
		if got := For(tc.l).Text(tc.key, args, en); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.l, tc.key, got, tc.want)
		}
	}
}
