package webhooks_test

import (
	"net/netip"
	"net/url"
	"testing"

	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/webhooks"
)

// FuzzCheckURL: CheckURL never panics, and a URL it accepts without
// private addresses is an https URL with a host that is not a literal
// private address nor localhost.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.org/x", "https://127.0.0.1/", "https://[::ffff:10.0.0.1]/", "http://a/",
		"https://localhost./", "https://169.254.169.254/", "https://0x7f.1/", "https://[fe80::1%25eth0]/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if err := webhooks.CheckURL(raw, false); err != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.User != nil {
			t.Fatalf("accepted %q", raw)
		}
		if a, err := netip.ParseAddr(u.Hostname()); err == nil && !fetch.PublicAddr(a) {
			t.Fatalf("accepted the private address %q", raw)
		}
	})
}
