package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func newTLS(t *testing.T, h http.Handler) (*httptest.Server, *HTTP) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv, &HTTP{Client: srv.Client()}
}

func TestHTTP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") == "" {
			t.Error("no Accept header")
		}
		fmt.Fprint(w, `{"ok":true}`)
	})
	mux.HandleFunc("GET /gone", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	mux.HandleFunc("GET /forbidden", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 2000)) })
	mux.HandleFunc("GET /bigstream", func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 1000))
		w.(http.Flusher).Flush() // no Content-Length
		w.Write(make([]byte, 1000))
	})
	// /slow answers only when the test ends: waiting on r.Context() let the
	// handler answer 200 as soon as the server saw the connection drop,
	// which under load could reach the client before its own deadline.
	release := make(chan struct{})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) { <-release })
	mux.HandleFunc("GET /redirect/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		if n == 0 {
			http.Redirect(w, r, "/ok", http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/redirect/%d", n-1), http.StatusFound)
	})
	mux.HandleFunc("GET /tohttp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:1/ok", http.StatusFound)
	})
	srv, h := newTLS(t, mux)
	t.Cleanup(func() { close(release) }) // before newTLS's srv.Close, which waits for handlers
	h.MaxBytes = 1500
	ctx := context.Background()

	body, err := h.Fetch(ctx, srv.URL+"/ok#frag")
	if err != nil || string(body) != `{"ok":true}` {
		t.Fatalf("Fetch(/ok) = %q, %v", body, err)
	}
	if _, err := h.Fetch(ctx, srv.URL+"/redirect/2"); err != nil {
		t.Errorf("3 redirects: %v", err)
	}

	for _, tc := range []struct {
		path       string
		is         error // nil: neither ErrNotFound nor ErrUnavailable
		want       string
		timeout    time.Duration
		notUnavail bool
	}{
		{path: "/missing", is: ErrNotFound, want: "404"},
		{path: "/gone", is: ErrNotFound, want: "410"},
		{path: "/boom", is: ErrUnavailable, want: "502"},
		{path: "/forbidden", want: "403"},
		{path: "/big", is: ErrTooLarge, want: "1500-byte limit"},
		{path: "/bigstream", is: ErrTooLarge, want: "1500-byte limit"},
		{path: "/slow", is: ErrUnavailable, want: "deadline", timeout: 50 * time.Millisecond},
		{path: "/redirect/3", want: "more than 3 redirects"},
		{path: "/tohttp", want: "redirect refused"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			h := *h
			h.Timeout = tc.timeout
			_, err := h.Fetch(ctx, srv.URL+tc.path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name %q and the URL", err, tc.want)
			}
			for _, e := range []error{ErrNotFound, ErrUnavailable, ErrTooLarge} {
				if errors.Is(err, e) != (e == tc.is) {
					t.Errorf("errors.Is(%q, %v) = %v", err, e, !(e == tc.is))
				}
			}
		})
	}

	var se *StatusError
	if _, err := h.Fetch(ctx, srv.URL+"/forbidden"); !errors.As(err, &se) || se.StatusCode != 403 {
		t.Errorf("want *StatusError 403, got %v", err)
	}
}

func TestHTTPSchemePolicy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "plain")
	}))
	defer srv.Close()
	ctx := context.Background()

	var h HTTP
	for _, u := range []string{srv.URL, "http://example.com/x", "ftp://example.com/x", "file:///etc/passwd", "https://user:pw@example.com/", "https:///nohost", "::bad"} {
		_, err := h.Fetch(ctx, u)
		if err == nil {
			t.Errorf("Fetch(%q) succeeded", u)
			continue
		}
		if errors.Is(err, ErrUnavailable) {
			t.Errorf("Fetch(%q): refused URL should not be ErrUnavailable: %v", u, err)
		}
		if strings.Contains(err.Error(), "pw") {
			t.Errorf("error shows the password: %v", err)
		}
	}
	h.AllowLoopbackHTTP = true
	if body, err := h.Fetch(ctx, srv.URL); err != nil || string(body) != "plain" {
		t.Errorf("loopback http with AllowLoopbackHTTP: %q, %v", body, err)
	}
	if _, err := h.Fetch(ctx, "http://example.com/x"); err == nil {
		t.Error("non-loopback http allowed")
	}
	loop := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if _, err := h.Fetch(ctx, loop); err != nil {
		t.Errorf("localhost: %v", err)
	}
}

func TestHTTPUnreachable(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	url, client := srv.URL, srv.Client()
	srv.Close()
	h := &HTTP{Client: client, Timeout: 2 * time.Second}
	_, err := h.Fetch(context.Background(), url+"/x")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), url) {
		t.Errorf("closed server: %v, want ErrUnavailable naming the URL", err)
	}
	// An untrusted certificate is unavailable too (the default client does
	// not trust httptest's certificate).
	srv2 := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv2.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv2.StartTLS()
	defer srv2.Close()
	_, err = (&HTTP{}).Fetch(context.Background(), srv2.URL)
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("untrusted certificate: %v", err)
	}
}

func TestHTTPContextCanceled(t *testing.T) {
	_, h := newTLS(t, http.NotFoundHandler())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.Fetch(ctx, "https://127.0.0.1:1/")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
}

func TestOffline(t *testing.T) {
	_, err := Offline.Fetch(context.Background(), "https://example.com/list")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "https://example.com/list") {
		t.Errorf("Offline: %v", err)
	}
}

func TestMap(t *testing.T) {
	next := Func(func(ctx context.Context, url string) ([]byte, error) {
		return []byte("next:" + url), nil
	})
	m := &Map{Entries: map[string]string{
		"https://example.com/one.json":   "testdata/single.json",
		"https://example.com/site/":      "testdata/site",
		"https://example.com/site/sub/":  "testdata/site/sub",
		"did:web:issuer.example":         "testdata/single.json",
		"did:web:issuer.example:u:alice": "testdata/site/sub/doc.json",
		"https://example.com/missing":    "testdata/nope.json",
	}, Next: next}
	ctx := context.Background()
	for _, tc := range []struct{ url, want string }{
		{"https://example.com/one.json", `{"file":true}`},
		{"https://example.com/one.json#frag", `{"file":true}`},
		{"https://example.com/site/sub/doc.json", `{"a":1}`},
		{"https://issuer.example/.well-known/did.json", `{"file":true}`},
		{"https://issuer.example/u/alice/did.json", `{"a":1}`},
		{"https://other.example/x", "next:https://other.example/x"},
	} {
		got, err := m.Fetch(ctx, tc.url)
		if err != nil || strings.TrimSpace(string(got)) != tc.want {
			t.Errorf("Fetch(%s) = %q, %v; want %q", tc.url, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		url, want string
		is        error
	}{
		{"https://example.com/site/../../go.mod", "not a plain relative path", nil},
		{"https://example.com/site/sub/%2e%2e/%2e%2e/fetch.go", "not a plain relative path", nil},
		{"https://example.com/site/", "not a plain relative path", nil},
		{"https://example.com/site/a?b=c", "query", nil},
		{"https://example.com/missing", "does not exist", ErrNotFound},
		{"https://example.com/site/nothing.json", "does not exist", ErrNotFound},
	} {
		_, err := m.Fetch(ctx, tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("Fetch(%s) = %v, want error with %q", tc.url, err, tc.want)
		}
	}

	m.Next = nil
	if _, err := m.Fetch(ctx, "https://other.example/x"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("unmatched without Next: %v", err)
	}
	m.MaxBytes = 3
	if _, err := m.Fetch(ctx, "https://example.com/one.json"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized file: %v", err)
	}
}

func TestParseMapping(t *testing.T) {
	for _, tc := range []struct{ in, url, path string }{
		{"https://example.com/a.json=testdata/a.json", "https://example.com/a.json", "testdata/a.json"},
		{"https://example.com/q?x=1=a.json", "https://example.com/q?x=1", "a.json"},
		{"did:web:issuer.example=doc.json", "did:web:issuer.example", "doc.json"},
		{"http://127.0.0.1:8080/=dir", "http://127.0.0.1:8080/", "dir"},
	} {
		u, p, err := ParseMapping(tc.in)
		if err != nil || u != tc.url || p != tc.path {
			t.Errorf("ParseMapping(%q) = %q, %q, %v", tc.in, u, p, err)
		}
	}
	for _, in := range []string{"nothing", "https://example.com/a=", "example.com=x", "did:web:=x", "ftp://x/y=z"} {
		if _, _, err := ParseMapping(in); err == nil {
			t.Errorf("ParseMapping(%q) succeeded", in)
		}
	}
}

func TestDIDWebURL(t *testing.T) {
	for _, tc := range []struct{ did, url string }{
		{"did:web:example.com", "https://example.com/.well-known/did.json"},
		{"did:web:example.com:u:alice", "https://example.com/u/alice/did.json"},
		{"did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"},
		{"did:web:localhost%3A8443:a", "https://localhost:8443/a/did.json"},
	} {
		got, err := didWebURL(tc.did)
		if err != nil || got != tc.url {
			t.Errorf("didWebURL(%q) = %q, %v; want %q", tc.did, got, err, tc.url)
		}
	}
	for _, did := range []string{"did:web:", "did:web:a/b", "did:web:ex.com:..", "did:web:ex.com::a", "did:web:user%40ex.com", "did:key:z6Mk", "did:web:ex.com#k", "did:web:%zz"} {
		if got, err := didWebURL(did); err == nil {
			t.Errorf("didWebURL(%q) = %q, want error", did, got)
		}
	}
}

// FuzzMapLookup checks that no URL maps outside a mapped folder.
func FuzzMapLookup(f *testing.F) {
	for _, s := range []string{"https://example.com/site/a.json", "https://example.com/site/../x", "https://example.com/site/%2e%2e/x", "https://example.com/site//etc/passwd", "https://example.com/site/a/./b", "https://example.com/site/..0"} {
		f.Add(s)
	}
	m := &Map{Entries: map[string]string{"https://example.com/site/": "root"}}
	f.Fuzz(func(t *testing.T, u string) {
		file, ok, err := m.lookup(u)
		if err != nil || !ok {
			return
		}
		rel, err := filepath.Rel("root", file)
		// "..0" is a file name inside the folder; only ".." itself or a
		// leading "../" escapes it.
		escapes := rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
		if err != nil || rel == "." || escapes || filepath.IsAbs(rel) {
			t.Fatalf("%q maps to %q, outside the folder", u, file)
		}
	})
}

func TestPublicOnly(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2001:4860:4860::8888": true, "93.184.216.34": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "fc00::1": false, "fe80::1": false,
		"0.0.0.0": false, "::": false, "224.0.0.1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false,
	} {
		if got := PublicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
	// A server on loopback is refused at connection time, whatever the URL.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret")) }))
	defer srv.Close()
	h := &HTTP{AllowLoopbackHTTP: true, PublicOnly: true}
	_, err := h.Fetch(context.Background(), srv.URL+"/internal")
	if err == nil || !strings.Contains(err.Error(), "not a public address") {
		t.Fatalf("fetch of a loopback server with PublicOnly: %v", err)
	}
	if errors.Is(err, ErrUnavailable) {
		t.Fatal("a refused address must not read as unavailable (indeterminate)")
	}
}

// TestErrorsHideAddresses checks that fetch errors, which verification
// reports and API answers show to whoever submitted a credential, name the
// host of the URL and never the address it resolved to, this machine's
// address or its resolver's.
func TestErrorsHideAddresses(t *testing.T) {
	addrs := []string{"127.0.0.1", "::1", "10.1.2.3", "192.168.1.5", "10.0.0.53"}
	noAddr := func(t *testing.T, err error) {
		t.Helper()
		for _, a := range addrs {
			if strings.Contains(err.Error(), a) {
				t.Errorf("error %q shows the address %s", err, a)
			}
		}
	}
	t.Run("refused after DNS", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret")) }))
		defer srv.Close()
		u := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
		_, err := (&HTTP{AllowLoopbackHTTP: true, PublicOnly: true}).Fetch(context.Background(), u+"/internal")
		if err == nil || !strings.Contains(err.Error(), "localhost is not a public address") {
			t.Fatalf("fetch of a name that resolves to loopback: %v", err)
		}
		noAddr(t, err)
		if errors.Is(err, ErrUnavailable) {
			t.Error("a refused address must not read as unavailable (indeterminate)")
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close() // nothing listens there now
		_, err = (&HTTP{AllowLoopbackHTTP: true}).Fetch(context.Background(), fmt.Sprintf("http://localhost:%d/x", port))
		if err == nil || !strings.Contains(err.Error(), "could not connect to host localhost") {
			t.Fatalf("fetch of a closed port: %v", err)
		}
		noAddr(t, err)
		if !errors.Is(err, ErrUnavailable) {
			t.Error("a connection failure must read as unavailable")
		}
	})
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"dns", &net.DNSError{Err: "no such host", Name: "example.org", Server: "10.0.0.53:53", IsNotFound: true},
			"could not resolve host example.org: no such host"},
		{"dial", &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 443}, Err: syscall.ECONNREFUSED},
			"could not connect to host example.org: connection refused"},
		{"read", &net.OpError{Op: "read", Net: "tcp", Source: &net.TCPAddr{IP: net.ParseIP("192.168.1.5"), Port: 40000},
			Addr: &net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 443}, Err: syscall.ECONNRESET},
			"the connection to host example.org failed: connection reset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := connError("https://example.org/x", &url.Error{Op: "Get", URL: "https://example.org/x", Err: tc.err})
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
			noAddr(t, err)
			if !errors.Is(err, ErrUnavailable) || !errors.Is(err, tc.err) {
				t.Errorf("%v does not wrap ErrUnavailable and the network error", err)
			}
		})
	}
}
