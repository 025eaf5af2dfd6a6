package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"time"

	"github.com/cairn-badges/cairn/outbox"
)

// Sender hands a message to a mail server.
type Sender interface {
	// Send delivers msg (RFC 5322 bytes) from from to to. An error marked
	// with [outbox.Permanent] will not succeed if tried again (the server
	// refused the sender, the recipient or the message for good).
	Send(ctx context.Context, from, to string, msg []byte) error
}

// SMTP sends through the server of a Config, one connection per message.
type SMTP struct {
	Config *Config
	// TLS, if set, is the client TLS configuration (tests trust their own
	// certificate with it); ServerName defaults to Config.Host.
	TLS *tls.Config
	// LocalName is the name given in EHLO (default "localhost").
	LocalName string
}

// Send implements [Sender]. The server's answer decides: 5xx to MAIL,
// RCPT or DATA is permanent; 4xx, a failed connection, TLS or
// authentication is retried (the server or the configuration may be
// fixed meanwhile).
func (s *SMTP) Send(ctx context.Context, from, to string, msg []byte) error {
	c := s.Config
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", c.Addr())
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", c.Addr(), err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Cancellation ends the conversation at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	tc := s.tlsConfig()
	if c.TLS == ImplicitTLS {
		t := tls.Client(conn, tc)
		if err := t.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS with %s: %w", c.Addr(), err)
		}
		conn = t
	}
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return fmt.Errorf("greeting of %s: %w", c.Addr(), err)
	}
	defer cl.Close()
	name := s.LocalName
	if name == "" {
		name = "localhost"
	}
	if err := cl.Hello(name); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if c.TLS == STARTTLS {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%s does not offer STARTTLS (set tls=none in CAIRN_SMTP_URL only for a local relay)", c.Addr())
		}
		if err := cl.StartTLS(tc); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return fmt.Errorf("authentication as %s: %w", c.Username, err)
		}
	}
	if err := cl.Mail(from); err != nil {
		return refused("MAIL FROM", err)
	}
	if err := cl.Rcpt(to); err != nil {
		return refused("RCPT TO", err)
	}
	w, err := cl.Data()
	if err != nil {
		return refused("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("sending the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return refused("the message", err)
	}
	// Accepted: a failing QUIT changes nothing.
	_ = cl.Quit()
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	var tc *tls.Config
	if s.TLS != nil {
		tc = s.TLS.Clone()
	} else {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if tc.ServerName == "" {
		tc.ServerName = s.Config.Host
	}
	return tc
}

// refused wraps the server's answer to a step, permanent when it is 5xx.
func refused(step string, err error) error {
	err = fmt.Errorf("%s refused: %w", step, err)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return outbox.Permanent(err)
	}
	return err
}
