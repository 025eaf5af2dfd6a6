package wallet

import (
	"regexp"
	"testing"

	"github.com/cairn-badges/cairn"
)

var handleRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestCheckHandle(t *testing.T) {
	for in, want := range map[string]string{"ada": "ada", " Ada-Lovelace ": "ada-lovelace", "a1-b2-c3": "a1-b2-c3", "007": "007"} {
		if got, err := CheckHandle(in); err != nil || got != want {
			t.Errorf("CheckHandle(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ab", "-ada", "ada-", "ada--l", "ada_l", "ada.l", "adá", "admin", "wallet", "learners", "ob2",
		"a2345678901234567890123456789012345678901"} {
		if got, err := CheckHandle(in); cairn.KindOf(err) != cairn.Invalid {
			t.Errorf("CheckHandle(%q) = %q, %v; want Invalid", in, got, err)
		}
	}
}

// FuzzCheckHandle: an accepted handle is 3–40 lowercase letters, digits
// and single inner hyphens, not reserved, and accepted again unchanged.
func FuzzCheckHandle(f *testing.F) {
	for _, s := range []string{"ada", "Ada-Lovelace", "a--b", "admin", " x ", "\u0130stanbul", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := CheckHandle(s)
		if err != nil {
			if cairn.KindOf(err) != cairn.Invalid {
				t.Fatalf("%q: error of kind %v", s, cairn.KindOf(err))
			}
			return
		}
		if !handleRE.MatchString(h) || len(h) < MinHandleLen || len(h) > MaxHandleLen || reservedHandles[h] {
			t.Fatalf("%q accepted as %q", s, h)
		}
		if again, err := CheckHandle(h); err != nil || again != h {
			t.Fatalf("%q: not stable: %q %v", h, again, err)
		}
	})
}
