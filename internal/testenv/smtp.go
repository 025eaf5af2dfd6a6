package testenv

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message an SMTPServer accepted.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// Header parses the message and returns its header (and fails t on a
// malformed message).
func (m Mail) Header(t testing.TB) mail.Header {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		t.Fatalf("malformed message: %v\n%s", err, m.Data)
	}
	return msg.Header
}

// Parts returns the decoded leaf parts of the message by content type,
// and their Content-IDs.
func (m Mail) Parts(t testing.TB) (bodies map[string][]byte, cids map[string]string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	bodies, cids = map[string][]byte{}, map[string]string{}
	var walk func(ct string, r io.Reader, cte, cid string)
	walk = func(ct string, r io.Reader, cte, cid string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p, p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Id"))
			}
		}
		b, _ := io.ReadAll(r)
		switch cte {
		case "quoted-printable":
			b, _ = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
		case "base64":
			if b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), "")); err != nil {
				t.Fatalf("part %s: %v", mt, err)
			}
		}
		bodies[mt], cids[mt] = b, cid
	}
	walk(msg.Header.Get("Content-Type"), msg.Body, msg.Header.Get("Content-Transfer-Encoding"), "")
	return bodies, cids
}

// SMTPServer is a real SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1, without TLS, accepting PLAIN authentication as user "cairn"
// with password "secret". Fail, if set, decides the answer to each
// message's DATA (nil: accept).
type SMTPServer struct {
	Addr string

	mu   sync.Mutex
	mail []Mail
	fail func(n int) error // n: 1 for the first message offered
	n    int
	recv chan struct{}
}

// StartSMTP starts an SMTP server that t stops.
func StartSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTPServer{Addr: ln.Addr().String(), recv: make(chan struct{}, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the CAIRN_SMTP_URL of the server, with from as the sender.
func (s *SMTPServer) URL(from string) string {
	return "smtp://cairn:secret@" + s.Addr + "?tls=none&from=" + from
}

// FailWith makes the server answer DATA of the n-th message offered
// (counting from 1, over the server's life) with f(n); nil accepts.
func (s *SMTPServer) FailWith(f func(n int) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = f
}

// Temporary and PermanentError are answers for FailWith.
var (
	Temporary      = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	PermanentError = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
)

// Mail returns the messages accepted so far.
func (s *SMTPServer) Mail() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// Wait waits until n messages were accepted, for at most d, and returns
// them.
func (s *SMTPServer) Wait(t testing.TB, n int, d time.Duration) []Mail {
	t.Helper()
	deadline := time.After(d)
	for {
		if m := s.Mail(); len(m) >= n {
			return m
		}
		select {
		case <-s.recv:
		case <-deadline:
			t.Fatalf("the SMTP server received %d messages, want %d", len(s.Mail()), n)
		}
	}
}

type smtpSession struct {
	s    *SMTPServer
	from string
	to   []string
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != "cairn" || pass != "secret" {
			return errors.New("bad credentials")
		}
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error { ss.from = from; return nil }
func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }

func (ss *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.s
	s.mu.Lock()
	s.n++
	var ferr error
	if s.fail != nil {
		ferr = s.fail(s.n)
	}
	if ferr == nil {
		s.mail = append(s.mail, Mail{From: ss.from, To: ss.to, Data: data})
	}
	s.mu.Unlock()
	if ferr == nil {
		select {
		case s.recv <- struct{}{}:
		default:
		}
	}
	return ferr
}
