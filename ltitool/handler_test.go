package ltitool

import (
	"net/http/httptest"
	"testing"

	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/lti"
)

// The launch's locale chooses the page's language unless the reader asked
// for one (?lang=, the cookie, Accept-Language).
func TestLaunchLanguage(t *testing.T) {
	for _, tc := range []struct {
		locale, query, accept string
		want                  i18n.Lang
	}{
		{"th-TH", "", "", "th"},
		{"ko_KR", "", "", "ko"},
		{"fil", "", "", "fil"},
		{"pt-BR", "", "", "en"},
		{"", "", "", "en"},
		{"th-TH", "?lang=vi", "", "vi"},
		{"th-TH", "", "id-ID,id;q=0.9", "id"},
	} {
		r := httptest.NewRequest("GET", "/lti/launches/x"+tc.query, nil)
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		if got := printer(r, &lti.Launch{Locale: tc.locale}).Lang; got != tc.want {
			t.Errorf("locale %q, query %q, Accept-Language %q: %s, want %s", tc.locale, tc.query, tc.accept, got, tc.want)
		}
	}
}
