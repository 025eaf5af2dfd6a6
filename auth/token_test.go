package auth

import (
	"errors"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok := NewToken()
		if len(tok) != 43 || !validToken(tok) {
			t.Fatalf("token %q is not 43 characters of base64url", tok)
		}
		if seen[tok] {
			t.Fatal("repeated token")
		}
		seen[tok] = true
	}
}

func TestTokenHash(t *testing.T) {
	a, b := HashToken("a"), HashToken("b")
	if !a.Equal(HashToken("a")) || a.Equal(b) {
		t.Error("TokenHash.Equal is wrong")
	}
	if a.String() != "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb" {
		t.Errorf("HashToken(\"a\") = %s, want SHA-256", a)
	}
	back, err := ParseTokenHash(a[:])
	if err != nil || back != a {
		t.Errorf("ParseTokenHash round trip: %v", err)
	}
	if _, err := ParseTokenHash(a[:31]); err == nil {
		t.Error("ParseTokenHash accepted 31 bytes")
	}
}

var apiKeyRE = regexp.MustCompile(`^cairn_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$`)

func TestAPIKeyRoundTrip(t *testing.T) {
	prefixes := map[string]bool{}
	for range 50 {
		key, stored := NewAPIKey()
		if !apiKeyRE.MatchString(key) {
			t.Fatalf("key %q does not have the cairn_<prefix8>_<secret> form", key)
		}
		if stored.Prefix != key[6:14] {
			t.Errorf("stored prefix %q, key %q", stored.Prefix, key)
		}
		if strings.Contains(stored.Hash.String(), key[15:]) {
			t.Error("stored hash contains the secret")
		}
		parsed, err := ParseAPIKey(key)
		if err != nil {
			t.Fatal(err)
		}
		if parsed != stored || !parsed.Matches(stored) {
			t.Errorf("ParseAPIKey = %+v, stored %+v", parsed, stored)
		}
		if err := VerifyAPIKey(key, stored); err != nil {
			t.Errorf("VerifyAPIKey: %v", err)
		}
		prefixes[stored.Prefix] = true
	}
	if len(prefixes) != 50 {
		t.Error("repeated prefixes")
	}
}

func TestVerifyAPIKeyMismatch(t *testing.T) {
	key, stored := NewAPIKey()
	other, otherStored := NewAPIKey()
	// A key whose last character changed but which still decodes: the
	// last base64url character of 32 bytes carries 4 bits (low 2 bits
	// zero), so swap between the canonical "A" and "Q".
	flipLast := key[:len(key)-1] + map[bool]string{true: "Q", false: "A"}[key[len(key)-1] == 'A']
	tests := []struct {
		name     string
		key      string
		stored   APIKey
		wantKind error
	}{
		{"other key", other, stored, ErrAPIKeyMismatch},
		{"last char changed", flipLast, stored, ErrAPIKeyMismatch},
		{"right secret, other prefix", key[:6] + otherStored.Prefix + key[14:], stored, ErrAPIKeyMismatch},
		{"right hash, wrong prefix", key, APIKey{Prefix: otherStored.Prefix, Hash: stored.Hash}, ErrAPIKeyMismatch},
		{"empty stored", key, APIKey{}, ErrAPIKeyMismatch},
		{"malformed", "cairn_x", stored, ErrMalformedAPIKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyAPIKey(tt.key, tt.stored)
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("VerifyAPIKey = %v, want %v", err, tt.wantKind)
			}
			if strings.Contains(err.Error(), tt.key[min(len(tt.key), 15):]) && len(tt.key) > 15 {
				t.Errorf("error %q echoes the secret", err)
			}
		})
	}
}

func TestParseAPIKeyErrors(t *testing.T) {
	good, _ := NewAPIKey()
	secret := good[15:]
	tests := []struct {
		name, key, want string
	}{
		{"empty", "", `does not start with "cairn_"`},
		{"bearer prefix", "Bearer " + good, `does not start with "cairn_"`},
		{"other vendor", "ghp_" + secret, `does not start with "cairn_"`},
		{"upper case", strings.ToUpper(good[:6]) + good[6:], `does not start`},
		{"short", good[:len(good)-1], "57 characters long, want 58"},
		{"long", good + "A", "59 characters long, want 58"},
		{"trailing newline", good[:len(good)-1] + "\n", "secret is not"},
		{"no separator", good[:14] + "-" + good[15:], "want cairn_<8 characters>_<secret>"},
		{"prefix upper", "cairn_ABCDEFGH_" + secret, "prefix"},
		{"prefix digit 1", "cairn_abcdefg1_" + secret, "prefix"},
		{"secret std base64", "cairn_abcdefgh_" + strings.Repeat("+", 43), "secret is not"},
		{"secret non-canonical", "cairn_abcdefgh_" + strings.Repeat("A", 42) + "B", "secret is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAPIKey(tt.key)
			if !errors.Is(err, ErrMalformedAPIKey) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseAPIKey = %v, want ErrMalformedAPIKey with %q", err, tt.want)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	for _, tt := range []struct{ header, want string }{
		{"", ""},
		{"Bearer abc", "abc"},
		{"bearer abc", "abc"},
		{"BEARER  abc ", "abc"},
		{"Basic dXNlcjpwYXNz", ""},
		{"Bearer", ""},
		{"Bearerabc", ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.header != "" {
			r.Header.Set("Authorization", tt.header)
		}
		if got := BearerToken(r); got != tt.want {
			t.Errorf("BearerToken(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func FuzzParseAPIKey(f *testing.F) {
	good, _ := NewAPIKey()
	f.Add(good)
	f.Add("")
	f.Add("cairn_")
	f.Add("cairn_abcdefgh_" + strings.Repeat("A", 43))
	f.Add("cairn_abcdefgh_" + strings.Repeat("_", 43))
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseAPIKey(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedAPIKey) {
				t.Fatalf("error %v does not wrap ErrMalformedAPIKey", err)
			}
			return
		}
		if !apiKeyRE.MatchString(s) {
			t.Fatalf("accepted %q, which is not cairn_<prefix8>_<secret>", s)
		}
		if k.Prefix != s[6:14] || !k.Hash.Equal(HashToken(s)) {
			t.Fatalf("ParseAPIKey(%q) = %+v", s, k)
		}
		if VerifyAPIKey(s, k) != nil {
			t.Fatal("parsed key does not verify against itself")
		}
	})
}

func BenchmarkVerifyAPIKey(b *testing.B) {
	key, stored := NewAPIKey()
	for b.Loop() {
		if err := VerifyAPIKey(key, stored); err != nil {
			b.Fatal(err)
		}
	}
}
