package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Message is one mail to send.
type Message struct {
	From, To mail.Address
	Subject  string
	Text     string // the plain text part
	HTML     string // the HTML part; "" for text only
	// MessageID, without angle brackets, is stable for one outbox message,
	// so that a mail sent again after a crash is recognisable as the same.
	MessageID string
	Date      time.Time
	// Image is shown inline in the HTML part (Content-ID ImageCID) and
	// attached as ImageName; nil for none.
	Image     []byte
	ImageType string // e.g. image/png
	ImageName string
	ImageCID  string
}

// Bytes returns the message in RFC 5322 form, CRLF line ends:
// multipart/related holding multipart/alternative (text, HTML) and the
// image, or less when there is no HTML or image.
func (m *Message) Bytes() ([]byte, error) {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", m.From.String())
	h("To", m.To.String())
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", m.Date.Format(time.RFC1123Z))
	h("Message-ID", "<"+m.MessageID+">")
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated") // RFC 3834: no vacation replies
	if m.HTML == "" && m.Image == nil {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	related := multipart.NewWriter(&b)
	h("Content-Type", `multipart/related; type="multipart/alternative"; boundary=`+related.Boundary())
	b.WriteString("\r\n")

	var alt bytes.Buffer
	aw := multipart.NewWriter(&alt)
	part, err := related.CreatePart(textproto.MIMEHeader{"Content-Type": {`multipart/alternative; boundary=` + aw.Boundary()}})
	if err != nil {
		return nil, err
	}
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		if p.body == "" {
			continue
		}
		w, err := aw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, p.body); err != nil {
			return nil, err
		}
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	if _, err := part.Write(alt.Bytes()); err != nil {
		return nil, err
	}
	if m.Image != nil {
		name := mime.QEncoding.Encode("utf-8", m.ImageName)
		w, err := related.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {fmt.Sprintf("%s; name=%q", m.ImageType, name)},
			"Content-Transfer-Encoding": {"base64"},
			"Content-Disposition":       {fmt.Sprintf("inline; filename=%q", name)},
			"Content-Id":                {"<" + m.ImageCID + ">"},
		})
		if err != nil {
			return nil, err
		}
		enc := base64.StdEncoding.EncodeToString(m.Image)
		for len(enc) > 76 {
			if _, err := fmt.Fprintf(w, "%s\r\n", enc[:76]); err != nil {
				return nil, err
			}
			enc = enc[76:]
		}
		if _, err := fmt.Fprintf(w, "%s\r\n", enc); err != nil {
			return nil, err
		}
	}
	if err := related.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeQP writes text quoted-printable with CRLF line ends.
func writeQP(w interface{ Write([]byte) (int, error) }, text string) error {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
	q := quotedprintable.NewWriter(w)
	if _, err := q.Write([]byte(text)); err != nil {
		return err
	}
	return q.Close()
}
