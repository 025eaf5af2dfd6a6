// Package mail mails learners: a message for each new award (the badge
// image, the achievement, the credential page and a claim link) and
// reminders before an award expires, each rendered from its
// organization's template (subject and body, Go text/template over
// [Fields]) or the default.
//
// Mail goes through the outbox (package outbox): [Mailer.AwardMessages]
// runs in the award's own transaction and writes one message per new award
// to an email recipient, so a mail exists exactly when its award
// committed; [Mailer.Remind] enqueues reminders with keys unique per award,
// validUntil and day, so repeated passes and replicas enqueue each once;
// the outbox worker hands each message to [Mailer.Handle], which loads the
// award, renders and sends it over SMTP ([SMTP], configured by
// [ParseURL]), retried with backoff on 4xx answers and network errors and
// given up on 5xx.
//
// Exactly once, as far as it can be: the message is marked done only after
// the SMTP server accepted it. A process that dies between the server's
// acceptance and that mark (a window of one database write) sends the mail
// again when the lease ends; both copies carry the same Message-ID
// ([MessageID], from the outbox key), by which mail clients and people can
// tell the second for a duplicate. No mail is lost: until the mark, the
// message stays in the outbox.
package mail
