package mail

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store"
)

// OutboxKind is the outbox kind of mail messages.
const OutboxKind = "mail"

// Store is what the mailer reads and writes; *store.DB implements it.
type Store interface {
	Organization(ctx context.Context, id string) (*cairn.Organization, error)
	Award(ctx context.Context, orgID, id string) (*cairn.Award, error)
	Achievement(ctx context.Context, orgID, id string) (*cairn.Achievement, error)
	Issuer(ctx context.Context, orgID, id string) (*cairn.Issuer, error)
	Image(ctx context.Context, orgID, id string) (*cairn.Image, error)
	MailTemplate(ctx context.Context, orgID, kind string) (*store.MailTemplate, error)
	PutMailTemplate(ctx context.Context, t *store.MailTemplate) error
	DeleteMailTemplate(ctx context.Context, orgID, kind string) error
	RecordClaimToken(ctx context.Context, awardID, tokenHash string) (string, error)
	ClaimTokenAward(ctx context.Context, tokenHash string) (string, error)
	ExpiringAwards(ctx context.Context, from, to time.Time, after string, limit int) ([]store.ExpiringAward, error)
	Enqueue(ctx context.Context, msgs ...outbox.Message) error
	OutboxMessages(ctx context.Context, orgID, kind string, before int64, limit int) ([]store.OutboxMessage, error)
}

// Mailer mails learners: a message for each new award to an email
// recipient, and reminders before awards expire. Set the fields, then
// register [Mailer.AwardMessages] and [Mailer.Consumer] with the outbox.
// With Config nil mail is off: nothing is enqueued, templates can still
// be edited and previewed.
type Mailer struct {
	Store   Store
	Config  *Config // nil: mail is off
	Sender  Sender  // default &SMTP{Config: Config}
	BaseURL string  // the server's public base URL, without a trailing slash
	// Badge returns the award's credential baked into its badge image
	// (PNG), attached to the award mail; nil or failing: the achievement's
	// PNG image, if any, or no image.
	Badge func(ctx context.Context, aw *cairn.Award) ([]byte, error)
	Log   *slog.Logger
	Now   func() time.Time
}

// payload is what an outbox message of kind mail carries: enough to find
// what to send. Claim is the claim token in the clear (the store keeps its
// hash); it is never shown in listings.
type payload struct {
	Type  string `json:"type"` // KindAward or KindReminder
	Award string `json:"award"`
	To    string `json:"to"`
	Claim string `json:"claim,omitempty"`
	Days  int    `json:"days,omitempty"`
}

// Enabled reports whether mail is sent.
func (m *Mailer) Enabled() bool { return m != nil && m.Config != nil }

func (m *Mailer) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Mailer) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.Default()
}

// AwardMessages is the [outbox.AwardMessagesFunc] of mail: a new award to
// an email recipient gets one message, keyed award/{id}, when mail is on.
// State changes, re-issue and renewal send nothing. It only decides from
// the award (it runs in the award's transaction).
func (m *Mailer) AwardMessages(_ context.Context, prev, cur *cairn.Award) ([]outbox.Message, error) {
	if !m.Enabled() || prev != nil || cur.Recipient.Type != cairn.RecipientEmail || cur.State != cairn.StateActive {
		return nil, nil
	}
	var tok [24]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	data, err := json.Marshal(payload{Type: KindAward, Award: cur.ID, To: cur.Recipient.Identity,
		Claim: base64.RawURLEncoding.EncodeToString(tok[:])})
	if err != nil {
		return nil, err
	}
	return []outbox.Message{{Kind: OutboxKind, OrgID: cur.OrgID, Key: "award/" + cur.ID, Payload: data}}, nil
}

// Consumer returns the outbox consumer that sends mail.
func (m *Mailer) Consumer() outbox.Consumer {
	return outbox.Consumer{Kind: OutboxKind, Handle: m.Handle}
}

// Handle sends the mail of one outbox message. An award revoked or
// suspended meanwhile gets no mail, and a reminder no longer due (renewed,
// revoked) none either: the message is done without sending.
func (m *Mailer) Handle(ctx context.Context, msg outbox.Message) error {
	if !m.Enabled() {
		return fmt.Errorf("mail is not configured (CAIRN_SMTP_URL)")
	}
	var p payload
	if err := json.Unmarshal(msg.Payload, &p); err != nil {
		return outbox.Permanent(fmt.Errorf("mail message %d: bad payload: %w", msg.ID, err))
	}
	to, err := mail.ParseAddress(p.To)
	if err != nil {
		return outbox.Permanent(fmt.Errorf("recipient %q is not a mail address: %w", p.To, err))
	}
	aw, err := m.Store.Award(ctx, msg.OrgID, p.Award)
	if cairn.KindOf(err) == cairn.NotFound {
		return outbox.Permanent(err)
	} else if err != nil {
		return err
	}
	if aw.State != cairn.StateActive {
		m.log().Info("mail: not sent, the award is no longer active", "award", aw.ID, "state", aw.State)
		return nil
	}
	claimURL := ""
	if p.Type == KindAward && p.Claim != "" {
		hash := TokenHash(p.Claim)
		stored, err := m.Store.RecordClaimToken(ctx, aw.ID, hash)
		if err != nil {
			return err
		}
		if stored == hash {
			claimURL = m.BaseURL + "/claim/" + p.Claim
		}
	}
	if p.Type == KindReminder {
		if aw.ValidUntil == nil || !strings.Contains(msg.Key, "/"+aw.ValidUntil.UTC().Format(time.RFC3339)+"/") {
			m.log().Info("mail: reminder not sent, the award's validUntil changed", "award", aw.ID)
			return nil
		}
	}
	out, err := m.compose(ctx, aw, p.Type, claimURL, p.Days)
	if err != nil {
		return err
	}
	out.To = *to
	out.MessageID = MessageID(msg.Key, m.BaseURL)
	data, err := out.Bytes()
	if err != nil {
		return outbox.Permanent(err)
	}
	return m.sender().Send(ctx, m.Config.From.Address, to.Address, data)
}

func (m *Mailer) sender() Sender {
	if m.Sender != nil {
		return m.Sender
	}
	return &SMTP{Config: m.Config}
}

// MessageID makes the Message-ID of the mail of the outbox message with
// key: the same for every attempt, so that a receiver (or a person) can
// tell a mail sent twice after a crash.
func MessageID(key, baseURL string) string {
	host := "cairn.invalid"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	var b strings.Builder
	for _, r := range key {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('.')
		}
	}
	return "cairn." + b.String() + "@" + host
}

// TokenHash is how the store keeps a claim token: hex SHA-256.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Lang returns the language of the organization's mails: its default
// language, else English. Learners have no language of their own yet.
func (m *Mailer) Lang(ctx context.Context, orgID string) (i18n.Lang, error) {
	org, err := m.Store.Organization(ctx, orgID)
	if err != nil {
		return "", err
	}
	return orgLang(org), nil
}

func orgLang(org *cairn.Organization) i18n.Lang {
	l, _ := i18n.Parse(org.DefaultLanguage)
	return l
}

// fields loads what a template shows about an award, its dates written
// in the organization's language, and returns that language.
func (m *Mailer) fields(ctx context.Context, aw *cairn.Award, claimURL string) (Fields, *cairn.Achievement, i18n.Lang, error) {
	ach, err := m.Store.Achievement(ctx, aw.OrgID, aw.AchievementID)
	if err != nil {
		return Fields{}, nil, "", err
	}
	is, err := m.Store.Issuer(ctx, aw.OrgID, aw.IssuerID)
	if err != nil {
		return Fields{}, nil, "", err
	}
	org, err := m.Store.Organization(ctx, aw.OrgID)
	if err != nil {
		return Fields{}, nil, "", err
	}
	lang := orgLang(org)
	p := i18n.For(lang)
	// The achievement's translation into the mail's language, if it has one.
	name, desc, _ := ach.Localized(string(lang))
	cred := m.BaseURL + "/credentials/" + aw.ID
	if claimURL == "" {
		claimURL = cred
	}
	f := Fields{
		LearnerName: aw.Recipient.Name, LearnerEmail: aw.Recipient.Identity,
		AchievementName: name, AchievementDescription: desc,
		IssuerName: is.Name, OrganizationName: org.Name,
		CredentialURL: cred, ClaimURL: claimURL,
		AwardedDate: p.Date(aw.AwardedDate),
	}
	if f.LearnerName == "" {
		f.LearnerName = aw.Recipient.Identity
	}
	if aw.ValidUntil != nil {
		f.ValidUntil = p.Date(*aw.ValidUntil)
		f.DaysLeft = max(0, int(aw.ValidUntil.Sub(m.now()).Hours()/24))
	}
	return f, ach, lang, nil
}

// compose renders the mail of kind about aw with the organization's
// template, and attaches the badge image.
func (m *Mailer) compose(ctx context.Context, aw *cairn.Award, kind, claimURL string, days int) (*Message, error) {
	f, ach, lang, err := m.fields(ctx, aw, claimURL)
	if err != nil {
		return nil, err
	}
	if kind == KindReminder && days > 0 && f.DaysLeft > days {
		f.DaysLeft = days
	}
	t, _, err := m.Template(ctx, aw.OrgID, kind)
	if err != nil {
		return nil, err
	}
	subject, body, err := t.Render(f)
	if err != nil {
		// The stored template was checked when saved; only a change of
		// Fields could break it. Retrying will not help.
		return nil, outbox.Permanent(fmt.Errorf("the %s template of organization %s: %w", kind, aw.OrgID, err))
	}
	out := &Message{Subject: subject, Text: body, Date: m.now()}
	if m.Config != nil {
		out.From = m.Config.From
	}
	if img := m.image(ctx, aw, ach); img != nil {
		out.Image, out.ImageType, out.ImageCID = img, "image/png", "badge@cairn"
		out.ImageName = fileName(ach.Name) + ".png"
	}
	button := ""
	if kind == KindAward {
		button = f.ClaimURL
	}
	if out.HTML, err = HTML(lang, subject, body, out.ImageCID, f.AchievementName, button); err != nil {
		return nil, err
	}
	return out, nil
}

// image returns the baked badge, else the achievement's PNG image, else
// nil.
func (m *Mailer) image(ctx context.Context, aw *cairn.Award, ach *cairn.Achievement) []byte {
	if m.Badge != nil {
		b, err := m.Badge(ctx, aw)
		if err == nil {
			return b
		}
		m.log().Warn("mail: no baked badge; using the achievement image", "award", aw.ID, "err", err)
	}
	if ach.ImageID != "" {
		if img, err := m.Store.Image(ctx, aw.OrgID, ach.ImageID); err == nil && img.ContentType == "image/png" {
			return img.Data
		}
	}
	return nil
}

func fileName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 60 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "badge"
	}
	return s
}

// Template returns the organization's template of kind, and whether it is
// the organization's own (else the default, in the organization's
// language). Errors: Invalid (unknown kind).
func (m *Mailer) Template(ctx context.Context, orgID, kind string) (Template, bool, error) {
	if !ValidKind(kind) {
		return Template{}, false, cairn.Invalidf("kind", "%q is not a kind of mail (want %s)", kind, strings.Join(Kinds, " or "))
	}
	t, err := m.Store.MailTemplate(ctx, orgID, kind)
	switch {
	case cairn.KindOf(err) == cairn.NotFound:
		l, err := m.Lang(ctx, orgID)
		if err != nil {
			return Template{}, false, err
		}
		return DefaultIn(kind, l), false, nil
	case err != nil:
		return Template{}, false, err
	}
	return Template{Subject: t.Subject, Body: t.Body}, true, nil
}

// PutTemplate checks t and stores it as the organization's template of
// kind. Errors: Invalid (naming kind, subject or body).
func (m *Mailer) PutTemplate(ctx context.Context, orgID, kind string, t Template) error {
	if !ValidKind(kind) {
		return cairn.Invalidf("kind", "%q is not a kind of mail (want %s)", kind, strings.Join(Kinds, " or "))
	}
	if err := t.Check(); err != nil {
		return err
	}
	return m.Store.PutMailTemplate(ctx, &store.MailTemplate{OrgID: orgID, Kind: kind, Subject: t.Subject, Body: t.Body})
}

// ResetTemplate makes the organization use the default template of kind.
func (m *Mailer) ResetTemplate(ctx context.Context, orgID, kind string) error {
	if !ValidKind(kind) {
		return cairn.Invalidf("kind", "%q is not a kind of mail (want %s)", kind, strings.Join(Kinds, " or "))
	}
	return m.Store.DeleteMailTemplate(ctx, orgID, kind)
}

// Preview is a rendered mail, as staff see it before saving.
type Preview struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
	// AwardID is the award rendered, "" for the sample fields.
	AwardID string `json:"awardId,omitempty"`
	// ImageURL is where the preview's badge image is (the credential's
	// baked PNG, or a placeholder); ClaimURL the claim button's link (""
	// for kinds without one).
	ImageURL string `json:"imageUrl"`
	ClaimURL string `json:"claimUrl,omitempty"`
}

// placeholderImage stands for the badge in a preview with sample fields.
const placeholderImage = `data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='160' height='160'%3E%3Ccircle cx='80' cy='80' r='76' fill='%232d5b3f'/%3E%3C/svg%3E`

// Preview renders t (nil: the organization's template of kind) with the
// fields of the organization's award awardID, or with SampleFields when
// awardID is "". The HTML shows the image as "badge.png" would be: its
// cid: reference is replaced by the credential's baked image URL (or
// dropped for the sample). Errors: Invalid (the template, naming subject
// or body), NotFound (awardId).
func (m *Mailer) Preview(ctx context.Context, orgID, kind string, t *Template, awardID string) (*Preview, error) {
	if t == nil {
		cur, _, err := m.Template(ctx, orgID, kind)
		if err != nil {
			return nil, err
		}
		t = &cur
	} else if !ValidKind(kind) {
		return nil, cairn.Invalidf("kind", "%q is not a kind of mail (want %s)", kind, strings.Join(Kinds, " or "))
	}
	lang, err := m.Lang(ctx, orgID)
	if err != nil {
		return nil, err
	}
	f, img, alt := SampleFields, placeholderImage, SampleFields.AchievementName
	f.AwardedDate, f.ValidUntil = i18n.For(lang).Date(sampleAwarded), i18n.For(lang).Date(sampleAwarded.AddDate(2, 0, 0))
	if awardID != "" {
		aw, err := m.Store.Award(ctx, orgID, awardID)
		if err != nil {
			return nil, &cairn.Error{Kind: cairn.KindOf(err), Field: "awardId", Message: "award not found", Err: err}
		}
		if f, _, lang, err = m.fields(ctx, aw, ""); err != nil {
			return nil, err
		}
		img, alt = m.BaseURL+"/credentials/"+aw.ID+".png", f.AchievementName
	}
	subject, body, err := t.Render(f)
	if err != nil {
		return nil, err
	}
	button := ""
	if kind == KindAward {
		button = f.ClaimURL
	}
	html, err := HTML(lang, subject, body, "badge", alt, button)
	if err != nil {
		return nil, err
	}
	html = strings.Replace(html, `src="cid:badge"`, `src="`+img+`"`, 1)
	return &Preview{Subject: subject, Text: body, HTML: html, AwardID: awardID, ImageURL: img, ClaimURL: button}, nil
}

// Remind enqueues the reminders that are due: for each active award to an
// email recipient whose achievement has reminder days, the reminder of the
// smallest of those days that validUntil is now within, unless the award
// was made after that day began (it then waits for the next). Each
// reminder's key is reminder/{award}/{validUntil}/{days}, so passes run
// again, on any number of replicas, enqueue it once; a renewal (a new
// validUntil) starts over. It returns how many reminders it found due
// (some may have been enqueued before).
func (m *Mailer) Remind(ctx context.Context) (int, error) {
	if !m.Enabled() {
		return 0, nil
	}
	now := m.now()
	horizon := now.Add(366 * 24 * time.Hour)
	n, after := 0, ""
	for {
		page, err := m.Store.ExpiringAwards(ctx, now, horizon, after, 500)
		if err != nil {
			return n, err
		}
		var msgs []outbox.Message
		for _, e := range page {
			after = e.AwardID
			days := dueReminder(e, now)
			if days == 0 {
				continue
			}
			aw, err := m.Store.Award(ctx, e.OrgID, e.AwardID)
			if err != nil {
				return n, err
			}
			data, err := json.Marshal(payload{Type: KindReminder, Award: e.AwardID, To: aw.Recipient.Identity, Days: days})
			if err != nil {
				return n, err
			}
			msgs = append(msgs, outbox.Message{Kind: OutboxKind, OrgID: e.OrgID, Payload: data,
				Key: "reminder/" + e.AwardID + "/" + e.ValidUntil.UTC().Format(time.RFC3339) + "/" + strconv.Itoa(days)})
		}
		if err := m.Store.Enqueue(ctx, msgs...); err != nil {
			return n, err
		}
		n += len(msgs)
		if len(page) < 500 {
			return n, nil
		}
	}
}

// dueReminder returns the reminder day of e due at now, or 0.
func dueReminder(e store.ExpiringAward, now time.Time) int {
	left := e.ValidUntil.Sub(now)
	best := 0
	for _, d := range e.ReminderDays {
		window := time.Duration(d) * 24 * time.Hour
		if d <= 0 || left > window || !e.CreatedAt.Before(e.ValidUntil.Add(-window)) {
			continue
		}
		if best == 0 || d < best {
			best = d
		}
	}
	return best
}

// Sent is one mail as staff see it in the listing.
type Sent struct {
	ID        int64        `json:"id"`
	Type      string       `json:"type"` // award or reminder
	AwardID   string       `json:"awardId"`
	To        string       `json:"to"`
	State     outbox.State `json:"state"` // pending, done (sent) or dead (failed)
	Attempts  int          `json:"attempts"`
	LastError string       `json:"lastError,omitempty"`
	CreatedAt time.Time    `json:"createdAt"`
	NextAt    *time.Time   `json:"nextAttemptAt,omitempty"` // pending only
	EndedAt   *time.Time   `json:"endedAt,omitempty"`
}

// List returns the organization's mail, newest first, up to limit, with
// ids below before (0: from the newest).
func (m *Mailer) List(ctx context.Context, orgID string, before int64, limit int) ([]Sent, error) {
	ms, err := m.Store.OutboxMessages(ctx, orgID, OutboxKind, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Sent, 0, len(ms))
	for _, o := range ms {
		var p payload
		_ = json.Unmarshal(o.Payload, &p)
		s := Sent{ID: o.ID, Type: p.Type, AwardID: p.Award, To: p.To, State: o.State, Attempts: o.Attempts,
			LastError: o.LastError, CreatedAt: o.CreatedAt, EndedAt: o.EndedAt}
		if o.State == outbox.Pending {
			at := o.NextAt
			s.NextAt = &at
		}
		out = append(out, s)
	}
	return out, nil
}

// ClaimHandler serves GET /claim/{token}, the link mailed with an award,
// for a server without learner wallets: it opens the credential page
// (303); an unknown token is 404. cairn serve has wallets: package
// wallet/webui serves the claim page instead.
func (m *Mailer) ClaimHandler(notFound http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.PathValue("token")
		if tok == "" || len(tok) > 100 {
			notFound(w, r)
			return
		}
		id, err := m.Store.ClaimTokenAward(r.Context(), TokenHash(tok))
		if err != nil {
			if cairn.KindOf(err) != cairn.NotFound {
				m.log().Warn("claim link", "err", err)
				http.Error(w, "the claim link cannot be checked now; try again later", http.StatusServiceUnavailable)
				return
			}
			notFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		http.Redirect(w, r, "/credentials/"+id, http.StatusSeeOther)
	})
}
