package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// HTTP fetches documents over HTTPS. The zero value is ready to use.
type HTTP struct {
	// Timeout bounds each Fetch, redirects included (default 10 s).
	Timeout time.Duration
	// MaxBytes bounds the response body (default [DefaultMaxBytes], 1 MiB).
	MaxBytes int64
	// AllowLoopbackHTTP permits plain http:// URLs whose host is a loopback
	// address or "localhost", for tests and local development.
	AllowLoopbackHTTP bool
	// Client, if not nil, supplies the transport (for example the client of
	// an httptest.Server). Its redirect policy and timeout are not used.
	Client *http.Client
	// PublicOnly refuses to connect to any address that is not public
	// (see PublicAddr), checked after DNS resolution. A server that fetches
	// URLs named in credentials anyone can submit sets it, so that it cannot
	// be made to reach its own network (SSRF). It has no effect when Client
	// is set.
	PublicOnly bool
}

// Defaults for HTTP.
const (
	DefaultTimeout = 10 * time.Second
	MaxRedirects   = 3
)

const acceptHeader = "application/did+ld+json, application/did+json, application/vc+ld+json, application/ld+json, application/json;q=0.9, */*;q=0.5"

// StatusError reports an HTTP response with a status other than 200. It
// wraps [ErrNotFound] for 404 and 410, and [ErrUnavailable] for 5xx, 408
// and 429.
type StatusError struct {
	URL        string
	StatusCode int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("fetch %s: HTTP status %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// Unwrap returns [ErrNotFound], [ErrUnavailable] or nil, by status code.
func (e *StatusError) Unwrap() error {
	switch {
	case e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone:
		return ErrNotFound
	case e.StatusCode >= 500, e.StatusCode == http.StatusRequestTimeout, e.StatusCode == http.StatusTooManyRequests:
		return ErrUnavailable
	}
	return nil
}

// publicTransport returns the shared transport of PublicOnly fetchers: it
// refuses, at connection time (after DNS, so a name that resolves to a
// private address is caught too), every address that is not public.
var publicTransport = sync.OnceValue(func() http.RoundTripper { return PublicTransport() })

// dialPublicOnly refuses connections to loopback, private, link-local,
// shared (CGNAT), multicast and unspecified addresses.
func dialPublicOnly(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &policyError{msg: "refusing to connect: not an IP address", dial: true}
	}
	if !PublicAddr(ap.Addr()) {
		// The message never names the address: whoever submitted the URL
		// must not learn what a name resolves to inside this network.
		return &policyError{msg: "not a public address", dial: true}
	}
	return nil
}

// PublicTransport returns a new transport (a clone of the default one,
// without proxy) that refuses, after DNS and before connecting, every
// address that is not public: for clients of other servers than package
// fetch's (an LMS's services, say).
func PublicTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: dialPublicOnly}
	t.DialContext = d.DialContext
	return t
}

var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// PublicAddr reports whether a is a public unicast address: not loopback,
// private (RFC 1918, fc00::/7), link-local, shared (100.64.0.0/10),
// multicast or unspecified.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsLoopback() && !a.IsPrivate() && !a.IsLinkLocalUnicast() &&
		!a.IsLinkLocalMulticast() && !a.IsInterfaceLocalMulticast() && !a.IsMulticast() &&
		!a.IsUnspecified() && !sharedAddressSpace.Contains(a)
}

// policyError is a URL refused by the fetch policy. dial marks an address
// refused at connection time, after DNS: its message is rewritten to name
// the host, not the address (see connError).
type policyError struct {
	msg  string
	dial bool
}

func (e *policyError) Error() string { return e.msg }

// check returns an error if u may not be fetched.
func (h *HTTP) check(u *url.URL) error {
	switch u.Scheme {
	case "https":
	case "http":
		if !h.AllowLoopbackHTTP || !isLoopback(u.Hostname()) {
			return &policyError{msg: fmt.Sprintf("fetch %s: refusing plain http (only https is allowed)", u.Redacted())}
		}
	default:
		return &policyError{msg: fmt.Sprintf("fetch %s: unsupported URL scheme %q (only https is allowed)", u.Redacted(), u.Scheme)}
	}
	if u.Host == "" {
		return &policyError{msg: fmt.Sprintf("fetch %s: URL has no host", u.Redacted())}
	}
	if u.User != nil {
		return &policyError{msg: fmt.Sprintf("fetch %s: URL must not carry user information", u.Redacted())}
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Fetch GETs rawURL and returns the body of a 200 response. See [Fetcher]
// for the errors.
func (h *HTTP) Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("fetch: invalid URL %q: %v", rawURL, err)
	}
	if err := h.check(u); err != nil {
		return nil, err
	}
	u.Fragment, u.RawFragment = "", ""
	shown := u.Redacted()

	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	client := &http.Client{}
	if h.Client != nil {
		client.Transport = h.Client.Transport
		client.Jar = h.Client.Jar
	} else if h.PublicOnly {
		client.Transport = publicTransport()
	}
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > MaxRedirects {
			return &policyError{msg: fmt.Sprintf("fetch %s: more than %d redirects", shown, MaxRedirects)}
		}
		if err := h.check(req.URL); err != nil {
			return &policyError{msg: fmt.Sprintf("fetch %s: redirect refused: %v", shown, err)}
		}
		return nil
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %v", shown, err)
	}
	req.Header.Set("Accept", acceptHeader)
	req.Header.Set("User-Agent", "Cairn (Open Badges verifier)")
	resp, err := client.Do(req)
	if err != nil {
		return nil, connError(shown, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, &StatusError{URL: shown, StatusCode: resp.StatusCode}
	}

	limit := h.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("fetch %s: %w: Content-Length %d exceeds the %d-byte limit", shown, ErrTooLarge, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w: reading body: %w", shown, ErrUnavailable, hideAddrs(u.Hostname(), err))
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("fetch %s: %w: body exceeds the %d-byte limit", shown, ErrTooLarge, limit)
	}
	return body, nil
}

// connError describes a request that got no response. Its message names
// the host of the URL, never an address: not what the name resolved to
// ("dial tcp 10.1.2.3:443: connection refused"), nor this machine's own
// address or resolver ("read tcp 192.168.1.5:40000->…", "lookup x on
// 10.0.0.53:53"). Verification reports and API answers show it to whoever
// submitted the URL, who must not learn about this server's network.
func connError(shown string, err error) error {
	host := ""
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Hostname()
		}
	}
	var pe *policyError
	if errors.As(err, &pe) {
		if pe.dial {
			return &policyError{msg: fmt.Sprintf("fetch %s: %s is not a public address", shown, host)}
		}
		return pe
	}
	return fmt.Errorf("fetch %s: %w: %w", shown, ErrUnavailable, hideAddrs(host, unwrapURLError(err)))
}

// hideAddrs returns err, or, for a DNS or network error (whose message
// names addresses), an error that says the same about host in words.
func hideAddrs(host string, err error) error {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		reason := "could not resolve host " + host
		if dnsErr.IsNotFound {
			reason += ": no such host"
		} else if dnsErr.IsTimeout {
			reason += ": timed out"
		}
		return &hiddenError{msg: reason, err: err}
	case errors.As(err, &opErr):
		reason := "could not connect to host " + host
		if opErr.Op != "dial" {
			reason = "the connection to host " + host + " failed"
		}
		if opErr.Timeout() {
			reason += ": timed out"
		} else if errors.Is(err, syscall.ECONNREFUSED) {
			reason += ": connection refused"
		} else if errors.Is(err, syscall.ECONNRESET) {
			reason += ": connection reset"
		}
		return &hiddenError{msg: reason, err: err}
	}
	return err
}

// hiddenError replaces the message of a network error that names
// addresses; errors.Is and errors.As still see the error it wraps.
type hiddenError struct {
	msg string
	err error
}

func (e *hiddenError) Error() string { return e.msg }
func (e *hiddenError) Unwrap() error { return e.err }

// unwrapURLError drops the *url.Error layer, whose message repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
