package api

import (
	"net/http"
	"strconv"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/notify/mail"
)

// mailTemplateView is an organization's template of one kind of mail.
type mailTemplateView struct {
	Kind string `json:"kind"`
	mail.Template
	// Custom is false when the organization uses Cairn's default.
	Custom bool     `json:"custom"`
	Fields []string `json:"fields"`
}

// mailKind returns the {kind} of the path; an unknown kind names nothing.
func (s *Server) mailKind(r *http.Request) (string, error) {
	if s.Mail == nil {
		return "", cairn.Errorf(cairn.Unavailable, "mail is not set up on this server")
	}
	kind := r.PathValue("kind")
	if !mail.ValidKind(kind) {
		return "", cairn.Errorf(cairn.NotFound, "no kind of mail %q (the kinds are award and reminder)", kind)
	}
	return kind, nil
}

func (s *Server) getMailTemplate(w http.ResponseWriter, r *http.Request, c *caller) error {
	kind, err := s.mailKind(r)
	if err != nil {
		return err
	}
	t, custom, err := s.Mail.Template(r.Context(), c.orgID, kind)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mailTemplateView{Kind: kind, Template: t, Custom: custom, Fields: mail.FieldNames})
}

func (s *Server) putMailTemplate(w http.ResponseWriter, r *http.Request, c *caller) error {
	kind, err := s.mailKind(r)
	if err != nil {
		return err
	}
	var t mail.Template
	if err := decodeJSON(r, &t); err != nil {
		return err
	}
	if err := s.Mail.PutTemplate(r.Context(), c.orgID, kind, t); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mailTemplateView{Kind: kind, Template: t, Custom: true, Fields: mail.FieldNames})
}

func (s *Server) deleteMailTemplate(w http.ResponseWriter, r *http.Request, c *caller) error {
	kind, err := s.mailKind(r)
	if err != nil {
		return err
	}
	if err := s.Mail.ResetTemplate(r.Context(), c.orgID, kind); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// previewInput is a template to preview; an empty subject and body
// preview the stored template. AwardID renders a real award's fields.
type previewInput struct {
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body,omitempty"`
	AwardID string `json:"awardId,omitempty"`
}

func (s *Server) previewMailTemplate(w http.ResponseWriter, r *http.Request, c *caller) error {
	kind, err := s.mailKind(r)
	if err != nil {
		return err
	}
	var in previewInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.AwardID != "" && !validID(in.AwardID) {
		return badRequest("awardId", "%q is not an award ID", in.AwardID)
	}
	var t *mail.Template
	if in.Subject != "" || in.Body != "" {
		t = &mail.Template{Subject: in.Subject, Body: in.Body}
	}
	p, err := s.Mail.Preview(r.Context(), c.orgID, kind, t, in.AwardID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

// mailList is the organization's mail, newest first, with the SMTP status.
type mailList struct {
	SMTP  smtpStatus  `json:"smtp"`
	Items []mail.Sent `json:"items"`
	// Next is the before= of the next page, absent on the last.
	Next int64 `json:"next,omitempty"`
}

type smtpStatus struct {
	Configured bool   `json:"configured"`
	Server     string `json:"server,omitempty"` // host, port, TLS mode and sender; never the password
}

func (s *Server) listMail(w http.ResponseWriter, r *http.Request, c *caller) error {
	if s.Mail == nil {
		return cairn.Errorf(cairn.Unavailable, "mail is not set up on this server")
	}
	q, err := query(r, "before", "limit")
	if err != nil {
		return err
	}
	limit, before := DefaultPageSize, int64(0)
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > MaxPageSize {
			return badRequest("limit", "%q: want a whole number from 1 to %d", v, MaxPageSize)
		}
	}
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 1 {
			return badRequest("before", "%q: want the next value of the previous page", v)
		}
	}
	items, err := s.Mail.List(r.Context(), c.orgID, before, limit)
	if err != nil {
		return err
	}
	out := mailList{Items: items}
	if s.Mail.Enabled() {
		out.SMTP = smtpStatus{Configured: true, Server: s.Mail.Config.String()}
	}
	if len(items) == limit {
		out.Next = items[len(items)-1].ID
	}
	return writeJSON(w, http.StatusOK, out)
}
