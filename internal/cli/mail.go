package cli

import (
	"context"
	"fmt"
	netmail "net/mail"
	"time"

	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/notify/mail"
)

// runMailTest sends one message through the configured SMTP server, at
// once and outside the outbox, so that an operator sees whether the
// configuration works before learners depend on it.
func runMailTest(e *env, args []string) error {
	cfg := app.ConfigFromEnv()
	fs := newFlags(e, "mail-test", "--to ADDRESS [--smtp-from ADDRESS]")
	to := fs.String("to", "", "recipient of the test mail (required)")
	fs.StringVar(&cfg.SMTPFrom, "smtp-from", cfg.SMTPFrom, "sender (CAIRN_SMTP_FROM, or from= in CAIRN_SMTP_URL)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if cfg.SMTPURL == "" {
		return usagef("mail-test: CAIRN_SMTP_URL (or CAIRN_SMTP_URL_FILE) is not set")
	}
	c, err := mail.ParseURL(cfg.SMTPURL, cfg.SMTPFrom)
	if err != nil {
		return usagef("mail-test: CAIRN_SMTP_URL: %v", err)
	}
	addr, err := netmail.ParseAddress(*to)
	if *to == "" || err != nil {
		return usagef("mail-test: --to: give the address to send the test mail to")
	}
	now := time.Now()
	msg := &mail.Message{From: c.From, To: *addr, Subject: "Cairn test mail", Date: now,
		MessageID: fmt.Sprintf("cairn.test.%d@%s", now.UnixNano(), c.Host),
		Text:      "This is a test mail from Cairn: mail to learners can be sent through " + c.String() + ".\n"}
	data, err := msg.Bytes()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	if err := (&mail.SMTP{Config: c}).Send(ctx, c.From.Address, addr.Address, data); err != nil {
		return fmt.Errorf("mail-test: %w", err)
	}
	fmt.Fprintf(e.stdout, "Sent a test mail to %s through %s.\n", addr.Address, c)
	return nil
}
