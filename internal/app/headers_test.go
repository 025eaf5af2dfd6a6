package app

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func head(t *testing.T, method, url string, hdr ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestFraming checks who may frame what: the public credential,
// achievement and issuer pages are embeddable anywhere; the staff pages,
// the login page, the verifier's own pages and the API never are. It also
// checks that a server reached over plain http sends no HSTS and does not
// serve /metrics on its public listener by default.
func TestFraming(t *testing.T) {
	a, stop := boot(t, t.TempDir())
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	frameable := []string{
		"/credentials/" + fr.AwardID,
		"/achievements/" + fr.AchievementID,
		"/issuers/" + fr.IssuerID,
	}
	for _, path := range frameable {
		t.Run(path, func(t *testing.T) {
			resp := head(t, "GET", base+path, "Accept", "text/html")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if xfo := resp.Header.Get("X-Frame-Options"); xfo != "" {
				t.Errorf("X-Frame-Options %q on an embeddable page", xfo)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") {
				t.Errorf("CSP %q does not allow framing", csp)
			}
		})
	}
	notFrameable := []struct{ method, path string }{
		{"GET", "/login"},
		{"GET", "/admin"},
		{"GET", "/admin/awards"},
		{"GET", "/"},
		{"POST", "/verify"},
		{"GET", "/api/v1/me"},
		{"POST", "/api/v1/verify"},
		{"GET", "/log/checkpoint"},
		{"GET", "/healthz"},
		{"GET", "/no/such/page"},
	}
	for _, tc := range notFrameable {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp := head(t, tc.method, base+tc.path)
			if xfo := resp.Header.Get("X-Frame-Options"); xfo != "DENY" {
				t.Errorf("status %d, X-Frame-Options %q, want DENY", resp.StatusCode, xfo)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("status %d, CSP %q, want frame-ancestors 'none'", resp.StatusCode, csp)
			}
			if sts := resp.Header.Get("Strict-Transport-Security"); sts != "" {
				t.Errorf("HSTS %q on a plain-http server", sts)
			}
		})
	}
	if resp := head(t, "GET", base+"/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public listener without a token: status %d, want 404", resp.StatusCode)
	}
	if a.MetricsAddr() != "" {
		t.Errorf("MetricsAddr %q without CAIRN_METRICS_ADDR", a.MetricsAddr())
	}
}

// TestHSTS: with an https base URL (TLS ends at a proxy in front), every
// response carries Strict-Transport-Security, errors included.
func TestHSTS(t *testing.T) {
	a, stop := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true, BaseURL: "https://badges.example.org"})
	defer stop()
	addr := "http://" + a.listener.Addr().String()
	for _, path := range []string{"/", "/healthz", "/login", "/credentials/" + a.FirstRun.AwardID, "/api/v1/me", "/nowhere"} {
		resp := head(t, "GET", addr+path)
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=63072000; includeSubDomains" {
			t.Errorf("%s: status %d, Strict-Transport-Security %q", path, resp.StatusCode, got)
		}
	}
}

func TestMetricsListener(t *testing.T) {
	a, stop := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true, MetricsAddr: "127.0.0.1:0"})
	defer stop()
	get(t, a.BaseURL()+"/healthz") // requests to count, by route and status class
	get(t, a.BaseURL()+"/credentials/"+a.FirstRun.AwardID+".json")
	get(t, a.BaseURL()+"/credentials/nope.json")
	get(t, a.BaseURL()+"/nowhere/at/all")
	if resp := head(t, "GET", a.BaseURL()+"/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public listener: status %d, want 404", resp.StatusCode)
	}
	code, body := get(t, "http://"+a.MetricsAddr()+"/metrics")
	if code != 200 || !strings.Contains(body, `cairn_http_request_duration_seconds_count{code="2xx",route="GET /healthz"}`) {
		t.Fatalf("metrics listener: %d\n%.500s", code, body)
	}
	for _, want := range []string{
		`cairn_http_request_duration_seconds_count{code="2xx",route="GET /credentials/{id}"} 1`,
		`cairn_http_request_duration_seconds_count{code="4xx",route="GET /credentials/{id}"} 1`,
		`cairn_http_request_duration_seconds_count{code="4xx",route="unmatched"} `, // and /metrics here
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if code, _ := get(t, "http://"+a.MetricsAddr()+"/healthz"); code != http.StatusNotFound {
		t.Errorf("the metrics listener serves more than /metrics: /healthz status %d", code)
	}
}

// TestPprof: Go's profiles are served on the metrics listener with
// CAIRN_PPROF only, never on the public one.
func TestPprof(t *testing.T) {
	for _, on := range []bool{false, true} {
		a, stop := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true, MetricsAddr: "127.0.0.1:0", Pprof: on})
		want := http.StatusNotFound
		if on {
			want = http.StatusOK
		}
		if code, _ := get(t, "http://"+a.MetricsAddr()+"/debug/pprof/"); code != want {
			t.Errorf("pprof %v: metrics listener /debug/pprof/ status %d, want %d", on, code, want)
		}
		if code, _ := get(t, a.BaseURL()+"/debug/pprof/"); code != http.StatusNotFound {
			t.Errorf("pprof %v: public listener /debug/pprof/ status %d, want 404", on, code)
		}
		stop()
	}
}

func TestMetricsToken(t *testing.T) {
	const token = "s3cret-metrics-token"
	a, stop := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true, MetricsToken: token})
	defer stop()
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "Bearer nope", http.StatusUnauthorized},
		{"token prefix", "Bearer " + token[:5], http.StatusUnauthorized},
		{"basic", "Basic " + token, http.StatusUnauthorized},
		{"token", "Bearer " + token, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.auth != "" {
				hdr = []string{"Authorization", tc.auth}
			}
			if resp := head(t, "GET", a.BaseURL()+"/metrics", hdr...); resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

// TestVerifyReportHidesAddresses: a credential whose issuer is a did:web
// on a name that resolves to this machine is refused by the verifier's
// fetcher, and the report says so by name, never by the address.
func TestVerifyReportHidesAddresses(t *testing.T) {
	a, stop := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}) // online verifier
	defer stop()
	host := "localhost%3A" + strings.Split(a.listener.Addr().String(), ":")[1]
	did := "did:web:" + host + ":issuers:x"
	cred := strings.ReplaceAll(string(a.Demo.JSON), a.Demo.IssuerDID, did)
	resp, err := http.Post(a.BaseURL()+"/api/v1/verify", "application/json", strings.NewReader(cred))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Checks []struct{ Check, Outcome, Reason string }
	}
	err = json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var reason string
	for _, c := range rep.Checks {
		if c.Check == "issuer-key" {
			reason = c.Reason
		}
	}
	// (The server's own base URL, in the credential's id, is 127.0.0.1:
	// only the reason of the fetch is looked at.)
	if !strings.Contains(reason, "localhost is not a public address") {
		t.Fatalf("the issuer-key check does not say the issuer's host is refused: %q", reason)
	}
	for _, addr := range []string{"127.0.0.1", "::1"} {
		if strings.Contains(reason, addr) {
			t.Errorf("the report shows the address %s: %q", addr, reason)
		}
	}
}

// An address no route matches gets the public not-found page in the
// reader's language (not the mux's English text), a problem document under
// an API; a wrong method on a route is still 405, and a route's own 404
// stays the route's.
func TestUnmatchedAddress(t *testing.T) {
	a, stop := boot(t, t.TempDir())
	defer stop()
	base := a.BaseURL()
	get := func(method, path string, hdr ...string) (*http.Response, string) {
		req, _ := http.NewRequest(method, base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("GET", "/no/such/page", "Accept-Language", "ko")
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "찾을 수 없음") ||
		!strings.Contains(body, `lang="ko"`) {
		t.Errorf("unmatched page: %d %s\n%.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if strings.Contains(body, "404 page not found") {
		t.Error("the mux's plain text leaked into the page")
	}
	resp, body = get("GET", "/vc-api/no/such/thing")
	var prob struct{ Status int }
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal([]byte(body), &prob) != nil || prob.Status != 404 {
		t.Errorf("unmatched API address: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp, _ := get("DELETE", "/api/v1/awards"); resp.StatusCode != 405 {
		t.Errorf("wrong method: %d, want 405", resp.StatusCode)
	}
	if resp, body := get("GET", "/credentials/no-such-award", "Accept-Language", "th"); resp.StatusCode != 404 || !strings.Contains(body, "ไม่พบ") {
		t.Errorf("a route's own 404: %d %.200s", resp.StatusCode, body)
	}
}
