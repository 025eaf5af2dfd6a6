package mail

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
)

// TLSMode is how the connection to the SMTP server is protected.
type TLSMode string

// The TLS modes.
const (
	// STARTTLS upgrades a plain connection (port 587); the server must
	// offer it.
	STARTTLS TLSMode = "starttls"
	// ImplicitTLS speaks TLS from the first byte (smtps, port 465).
	ImplicitTLS TLSMode = "tls"
	// NoTLS sends in the clear: only for a relay on the same machine or
	// network. Credentials are then refused except to localhost.
	NoTLS TLSMode = "none"
)

// Config is where and as whom mail is sent: CAIRN_SMTP_URL and
// CAIRN_SMTP_FROM.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      TLSMode
	From     mail.Address
}

// ParseURL reads an SMTP URL:
//
//	smtp://USER:PASSWORD@HOST:PORT?tls=starttls|none&from=ADDRESS
//	smtps://USER:PASSWORD@HOST:PORT?from=ADDRESS
//
// smtp:// defaults to port 587 and STARTTLS, smtps:// to port 465 and
// implicit TLS. User and password are optional (percent-encode reserved
// characters). from, if not "", is the sender address and overrides the
// from= parameter ("Name <address>" or a bare address); one of them is
// required. Errors name the part of the URL that is wrong and never
// repeat the password.
func ParseURL(raw, from string) (*Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's error repeats the URL, password included.
		return nil, fmt.Errorf("not a URL (want smtp://user:password@host:587?tls=starttls or smtps://…)")
	}
	c := &Config{}
	switch u.Scheme {
	case "smtp":
		c.Port, c.TLS = 587, STARTTLS
	case "smtps":
		c.Port, c.TLS = 465, ImplicitTLS
	default:
		return nil, fmt.Errorf("scheme %q: want smtp or smtps", u.Scheme)
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return nil, fmt.Errorf("the host is missing")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("port %q is not a port number", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("unexpected path %q", u.Path)
	}
	q := u.Query()
	for k := range q {
		if k != "tls" && k != "from" {
			return nil, fmt.Errorf("unknown parameter %q (want tls or from)", k)
		}
	}
	switch m := TLSMode(strings.ToLower(q.Get("tls"))); m {
	case "":
	case STARTTLS, NoTLS:
		if u.Scheme == "smtps" {
			return nil, fmt.Errorf("tls=%s does not go with smtps:// (implicit TLS); use smtp://", m)
		}
		c.TLS = m
	case ImplicitTLS:
		c.TLS = m
	default:
		return nil, fmt.Errorf("tls=%q: want starttls, tls or none", q.Get("tls"))
	}
	if from == "" {
		from = q.Get("from")
	}
	if from == "" {
		return nil, fmt.Errorf("no sender address: set CAIRN_SMTP_FROM or add from=… to the URL")
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("sender address %q: %v", from, err)
	}
	c.From = *a
	return c, nil
}

// Addr is host:port.
func (c *Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// String describes the server without the password, for logs and the
// status shown to staff.
func (c *Config) String() string {
	user := ""
	if c.Username != "" {
		user = c.Username + "@"
	}
	return fmt.Sprintf("%s%s (%s), from %s", user, c.Addr(), c.TLS, c.From.Address)
}
