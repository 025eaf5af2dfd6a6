package webhooks

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/fetch"
)

// MaxURLLen caps an endpoint's URL.
const MaxURLLen = 2000

// CheckURL returns an Invalid error naming "url" unless raw may be an
// endpoint: an absolute https URL (or http when allowPrivate), with a
// host, without user information or fragment, and, unless allowPrivate,
// not a literal address that is not public, nor "localhost". Names are
// checked again after DNS, at each delivery.
func CheckURL(raw string, allowPrivate bool) error {
	if raw == "" {
		return cairn.Invalidf("url", "is required")
	}
	if len(raw) > MaxURLLen {
		return cairn.Invalidf("url", "is %d bytes long; the limit is %d", len(raw), MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return cairn.Invalidf("url", "is not a URL")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowPrivate {
			return cairn.Invalidf("url", "must be https (plain http is allowed only when the operator allows private addresses)")
		}
	default:
		return cairn.Invalidf("url", "must be an https URL")
	}
	host := u.Hostname()
	switch {
	case host == "":
		return cairn.Invalidf("url", "has no host")
	case u.User != nil:
		return cairn.Invalidf("url", "must not carry a user name or password")
	case u.Fragment != "":
		return cairn.Invalidf("url", "must not have a #fragment")
	}
	if allowPrivate {
		return nil
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return cairn.Invalidf("url", "names this machine (localhost); private addresses are refused")
	}
	if a, err := netip.ParseAddr(host); err == nil && !fetch.PublicAddr(a) {
		return cairn.Invalidf("url", "is a private, loopback or link-local address; only public addresses are allowed")
	}
	return nil
}

// errPrivate is the error of a connection refused at dial time.
var errPrivate = errors.New("the endpoint's host resolves to an address that is not public")

// dialControl refuses, after DNS and before connecting, every address that
// is not public (see fetch.PublicAddr): a name that resolves, or is
// rebound, to a private address is refused there.
func dialControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !fetch.PublicAddr(ap.Addr()) {
		return errPrivate
	}
	return nil
}

// newClient returns the client of deliveries: no redirects followed (a
// 3xx is an answer, retried), no proxy (it would connect past the check),
// timeout per attempt, and the dial check unless allowPrivate.
func newClient(timeout time.Duration, allowPrivate bool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = dialControl
	}
	t.DialContext = d.DialContext
	t.MaxIdleConnsPerHost = 4
	t.ResponseHeaderTimeout = timeout
	return &http.Client{
		Transport: t,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
