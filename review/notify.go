package review

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"time"

	cmail "github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store"
)

// Telling applicants
//
// When an application is approved, returned with comments or rejected, the
// applicant gets a mail saying so (and what the reviewer wrote). The mail
// is an outbox message of kind MailKind written in the decision's own
// transaction, so that a decision is never recorded without its mail nor
// mailed twice. Without mail (no SMTP) nothing is queued: learners with a
// wallet see the state there.

// MailKind is the outbox kind of the mails to applicants.
const MailKind = "application.mail"

// applicantMail is a MailKind payload: one plain-text mail.
type applicantMail struct {
	To      string `json:"to"`
	Name    string `json:"name,omitempty"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// decisionMail returns the outbox message that tells the applicant of a's
// decision (state and text), or none when mail is off.
func (s *Service) decisionMail(ctx context.Context, a *store.Application, state store.ApplicationState, text, awardID string) []outbox.Message {
	if s.mail == nil || a.Email == "" {
		return nil
	}
	achName, issuerName := "the achievement", "the issuer"
	if op, err := s.Opening(ctx, a.AchievementID); err == nil {
		achName, issuerName = op.Achievement.Name, op.Issuer.Name
	}
	name := a.Name
	if name == "" {
		name = "applicant"
	}
	where := s.svc.URL("/wallet/applications/" + a.ID)
	var subject string
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", name)
	switch state {
	case store.AppApproved:
		subject = "Approved: your application for " + achName
		fmt.Fprintf(&b, "%s approved your application for %s. Your badge is issued:\n\n%s\n", issuerName, achName, s.svc.CredentialURL(awardID))
		if text != "" {
			fmt.Fprintf(&b, "\nThe assessor's comment:\n\n%s\n", indent(text))
		}
	case store.AppReturned:
		subject = "Returned with comments: your application for " + achName
		fmt.Fprintf(&b, "%s returned your application for %s with comments. Change what they ask and submit it again.\n\nThe assessor's comments:\n\n%s\n",
			issuerName, achName, indent(text))
		if a.LearnerID == "" {
			where = s.ApplyURL(a.AchievementID)
			fmt.Fprintf(&b, "\nApply again here:\n\n%s\n", where)
		}
	case store.AppRejected:
		subject = "Not approved: your application for " + achName
		fmt.Fprintf(&b, "%s did not approve your application for %s.\n\nThe reason:\n\n%s\n", issuerName, achName, indent(text))
	default:
		return nil
	}
	if a.LearnerID != "" {
		fmt.Fprintf(&b, "\nYour wallet shows the application and its history:\n\n%s\n", where)
	}
	data, err := json.Marshal(applicantMail{To: a.Email, Name: a.Name, Subject: subject, Text: b.String()})
	if err != nil {
		return nil
	}
	// One mail per decision: the key names the submission decided.
	key := "application/" + a.ID + "/" + string(state) + "/" + a.SubmittedAt.UTC().Format(time.RFC3339Nano)
	return []outbox.Message{{Kind: MailKind, OrgID: a.OrgID, Key: key, Payload: data}}
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "  " + strings.TrimRight(l, "\r")
	}
	return strings.Join(lines, "\n")
}

// Consumer returns the outbox consumer that sends the mails to applicants;
// register it when mail is on.
func (s *Service) Consumer() outbox.Consumer {
	return outbox.Consumer{Kind: MailKind, Handle: s.handleMail, MaxAttempts: 8}
}

func (s *Service) handleMail(ctx context.Context, m outbox.Message) error {
	if s.mail == nil {
		return fmt.Errorf("mail is not configured (CAIRN_SMTP_URL)")
	}
	var p applicantMail
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return outbox.Permanent(fmt.Errorf("application mail %d: bad payload: %w", m.ID, err))
	}
	to, err := mail.ParseAddress(p.To)
	if err != nil {
		return outbox.Permanent(fmt.Errorf("recipient %q: %w", p.To, err))
	}
	to.Name = p.Name
	msg := &cmail.Message{Subject: p.Subject, Text: p.Text, From: s.mail.From, To: *to, Date: s.now(),
		MessageID: cmail.MessageID(m.Key, s.svc.BaseURL())}
	data, err := msg.Bytes()
	if err != nil {
		return outbox.Permanent(err)
	}
	return s.sender.Send(ctx, s.mail.From.Address, to.Address, data)
}

// MailOff reports whether applicants are told by mail.
func (s *Service) MailOff() bool { return s.mail == nil }
