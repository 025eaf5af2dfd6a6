package web

import (
	"strings"
	"sync"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
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
