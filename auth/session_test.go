package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSessionCheck(t *testing.T) {
	login := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		lastSeen time.Duration // after login
		now      time.Duration // after login
		wantErr  bool
	}{
		{"fresh", 0, 0, false},
		{"idle just under", 0, IdleTimeout - time.Second, false},
		{"idle limit", 0, IdleTimeout, true},
		{"active, day 6", 6 * 24 * time.Hour, 6*24*time.Hour + time.Hour, false},
		{"active but absolute limit", AbsoluteTimeout - time.Minute, AbsoluteTimeout, true},
		{"active past absolute", AbsoluteTimeout, AbsoluteTimeout + time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{Created: login, LastSeen: login.Add(tt.lastSeen)}
			err := s.Check(login.Add(tt.now))
			if tt.wantErr != (err != nil) {
				t.Fatalf("Check = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrSessionExpired) {
				t.Errorf("Check = %v, want ErrSessionExpired", err)
			}
		})
	}
	s := &Session{Created: login, LastSeen: login}
	if got := s.Expires(); !got.Equal(login.Add(IdleTimeout)) {
		t.Errorf("Expires = %v, want idle deadline", got)
	}
	s.LastSeen = login.Add(AbsoluteTimeout - time.Hour)
	if got := s.Expires(); !got.Equal(login.Add(AbsoluteTimeout)) {
		t.Errorf("Expires = %v, want absolute deadline", got)
	}
	if s.NeedsTouch(s.LastSeen.Add(TouchInterval - time.Second)) {
		t.Error("NeedsTouch before TouchInterval")
	}
	if !s.NeedsTouch(s.LastSeen.Add(TouchInterval)) {
		t.Error("no NeedsTouch after TouchInterval")
	}
}

func TestNewSession(t *testing.T) {
	now := time.Now()
	tok, s := NewSession(now)
	if !validToken(tok) || !s.Hash.Equal(HashToken(tok)) {
		t.Fatal("session hash is not the token's hash")
	}
	if !validToken(s.CSRF) || s.CSRF == tok || CSRFToken(s) != s.CSRF {
		t.Error("CSRF token is not a fresh random token")
	}
	if s.Check(now) != nil {
		t.Error("new session is not valid")
	}
	tok2, s2 := NewSession(now)
	if tok2 == tok || s2.CSRF == s.CSRF {
		t.Error("two sessions share tokens")
	}
}

func TestCookies(t *testing.T) {
	tests := []struct {
		base       string
		wantName   string
		wantSecure bool
	}{
		{"https://badges.example.edu", "__Host-cairn_session", true},
		{"https://example.edu/badges/", "__Host-cairn_session", true},
		{"http://localhost:8080", "cairn_session", false},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			c, err := NewCookies(tt.base)
			if err != nil {
				t.Fatal(err)
			}
			tok, s := NewSession(time.Now())
			w := httptest.NewRecorder()
			c.Set(w, tok, s)
			raw := w.Header().Values("Set-Cookie")
			if len(raw) != 1 {
				t.Fatalf("Set-Cookie headers: %q", raw)
			}
			h := raw[0]
			for _, want := range []string{tt.wantName + "=" + tok, "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=604"} {
				if !strings.Contains(h, want) {
					t.Errorf("Set-Cookie %q lacks %q", h, want)
				}
			}
			if strings.Contains(h, "Secure") != tt.wantSecure {
				t.Errorf("Set-Cookie %q: Secure should be %v", h, tt.wantSecure)
			}
			if strings.Contains(h, "Domain=") {
				t.Errorf("Set-Cookie %q has a Domain", h)
			}
			ck := w.Result().Cookies()[0]
			if ck.Expires.Sub(s.Created.Add(AbsoluteTimeout)).Abs() > time.Second {
				t.Errorf("Expires = %v, want login + %v", ck.Expires, AbsoluteTimeout)
			}

			// The browser sends it back.
			r := httptest.NewRequest("GET", "/", nil)
			r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
			got, err := c.SessionHash(r)
			if err != nil || got != s.Hash {
				t.Errorf("SessionHash = %v, %v; want the session's hash", got, err)
			}

			w = httptest.NewRecorder()
			c.Clear(w)
			h = w.Header().Get("Set-Cookie")
			for _, want := range []string{tt.wantName + "=;", "Max-Age=0", "Path=/", "HttpOnly"} {
				if !strings.Contains(h, want) {
					t.Errorf("clearing Set-Cookie %q lacks %q", h, want)
				}
			}
		})
	}
	for _, bad := range []string{"ftp://example.org", "example.org", "://"} {
		if _, err := NewCookies(bad); err == nil {
			t.Errorf("NewCookies(%q) accepted", bad)
		}
	}
}

func TestSessionHashErrors(t *testing.T) {
	c, _ := NewCookies("https://example.org")
	tok, _ := NewSession(time.Now())
	for name, ck := range map[string]*http.Cookie{
		"none":             nil,
		"insecure name":    {Name: InsecureSessionCookie, Value: tok},
		"short":            {Name: SessionCookie, Value: tok[:42]},
		"not base64url":    {Name: SessionCookie, Value: strings.Repeat("*", 43)},
		"empty":            {Name: SessionCookie, Value: ""},
		"an API key value": {Name: SessionCookie, Value: "cairn_abcdefgh_" + tok},
	} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if ck != nil {
				r.AddCookie(ck)
			}
			if _, err := c.SessionHash(r); !errors.Is(err, ErrNoSession) {
				t.Errorf("SessionHash = %v, want ErrNoSession", err)
			}
		})
	}
}

func TestCheckCSRF(t *testing.T) {
	_, s := NewSession(time.Now())
	wrong := NewToken()
	form := func(tok string) string { return url.Values{CSRFField: {tok}, "name": {"x"}}.Encode() }
	tests := []struct {
		name    string
		method  string
		body    string // form body
		header  map[string]string
		session *Session
		want    string // "" = allowed; else substring of the error
	}{
		{"GET passes", "GET", "", nil, s, ""},
		{"HEAD passes", "HEAD", "", map[string]string{"Sec-Fetch-Site": "cross-site"}, s, ""},
		{"form token", "POST", form(s.CSRF), map[string]string{"Sec-Fetch-Site": "same-origin"}, s, ""},
		{"header token", "DELETE", "", map[string]string{CSRFHeader: s.CSRF, "Sec-Fetch-Site": "same-origin"}, s, ""},
		{"no fetch metadata, same Origin", "POST", form(s.CSRF), map[string]string{"Origin": "https://example.org"}, s, ""},
		{"non-browser, no Origin", "POST", form(s.CSRF), nil, s, ""},
		{"user typed (none)", "POST", form(s.CSRF), map[string]string{"Sec-Fetch-Site": "none"}, s, ""},
		{"cross-site with right token", "POST", form(s.CSRF), map[string]string{"Sec-Fetch-Site": "cross-site"}, s, "cross-origin"},
		{"same-site sibling", "POST", form(s.CSRF), map[string]string{"Sec-Fetch-Site": "same-site"}, s, "cross-origin"},
		{"foreign Origin", "PUT", "", map[string]string{CSRFHeader: s.CSRF, "Origin": "https://evil.example"}, s, "cross-origin"},
		{"missing token", "POST", "name=x", map[string]string{"Sec-Fetch-Site": "same-origin"}, s, "missing csrf_token"},
		{"wrong form token", "POST", form(wrong), map[string]string{"Sec-Fetch-Site": "same-origin"}, s, "does not match"},
		{"wrong header token", "PATCH", "", map[string]string{CSRFHeader: wrong}, s, "does not match"},
		{"prefix of token", "POST", form(s.CSRF[:20]), nil, s, "does not match"},
		{"header wins over form", "POST", form(s.CSRF), map[string]string{CSRFHeader: wrong}, s, "does not match"},
		{"no session", "POST", form(s.CSRF), nil, nil, "no session CSRF token"},
		{"session without token", "POST", form(""), nil, &Session{}, "no session CSRF token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "https://example.org/issuers/1/awards", strings.NewReader(tt.body))
			if tt.body != "" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			err := CheckCSRF(r, tt.session)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrCSRF) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckCSRF = %v, want ErrCSRF with %q", err, tt.want)
			}
		})
	}
}
