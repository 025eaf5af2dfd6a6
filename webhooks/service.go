package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/translog"
)

// Sealer seals endpoint secrets at rest; *keyring.Keyring implements it.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Options configure a Service.
type Options struct {
	// AllowPrivate allows endpoints on private, loopback and link-local
	// addresses, and plain http (CAIRN_WEBHOOKS_ALLOW_PRIVATE): for a
	// receiver on the operator's own network, and for tests.
	AllowPrivate bool
	// CredentialURL returns the public URL of an award's credential;
	// required.
	CredentialURL func(awardID string) string
	// ChangeType classifies an award change (issuing's
	// Service.ChangeType); required for AwardMessages.
	ChangeType func(ctx context.Context, prev, cur *cairn.Award) translog.EventType
	// Timeout bounds one delivery attempt, connection to the end of the
	// response (default 10 s).
	Timeout time.Duration
	// Refresh is how often the set of organizations with endpoints is
	// reloaded, to see endpoints other replicas registered (default 5 s).
	Refresh time.Duration
	// Log receives warnings (default slog.Default()).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// DefaultTimeout bounds one delivery attempt.
const DefaultTimeout = 10 * time.Second

// Service registers endpoints and delivers events to them. Create it with
// New, load it with Refresh, register its Consumers with the outbox worker
// and run Run beside it.
type Service struct {
	st     Store
	sealer Sealer
	opts   Options
	client *http.Client
	log    *slog.Logger

	// orgs is the set of organizations that have an enabled endpoint, or
	// nil before it was first loaded (then every organization's award
	// changes give events, which the fan-out drops).
	orgs atomic.Pointer[map[string]bool]
	// refreshMu serializes reloads of orgs.
	refreshMu sync.Mutex
}

// New returns a Service over st.
func New(st Store, sealer Sealer, opts Options) *Service {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Refresh <= 0 {
		opts.Refresh = 5 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{st: st, sealer: sealer, opts: opts, log: opts.Log, client: newClient(opts.Timeout, opts.AllowPrivate)}
}

// AllowPrivate reports whether private addresses and plain http are
// allowed.
func (s *Service) AllowPrivate() bool { return s.opts.AllowPrivate }

// Refresh reloads the set of organizations that have an enabled endpoint.
func (s *Service) Refresh(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	ids, err := s.st.WebhookOrgs(ctx)
	if err != nil {
		return err
	}
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	s.orgs.Store(&m)
	return nil
}

// Run reloads the set of organizations with endpoints every
// Options.Refresh until ctx ends, so that this process learns of endpoints
// registered through another replica.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("webhooks: reloading the organizations with endpoints", "err", err)
		}
	}
}

// hasEndpoints reports whether events of the organization may have a
// receiver: true when it has an enabled endpoint, or when the set is not
// loaded yet.
func (s *Service) hasEndpoints(orgID string) bool {
	m := s.orgs.Load()
	return m == nil || (*m)[orgID]
}

// EventConsumer handles EventKind: it fans an event out into one delivery
// per endpoint that wants it.
func (s *Service) EventConsumer() outbox.Consumer {
	return outbox.Consumer{Kind: EventKind, Handle: s.fanOut}
}

// DeliveryConsumer handles DeliveryKind: it POSTs one event to one
// endpoint.
func (s *Service) DeliveryConsumer() outbox.Consumer {
	return outbox.Consumer{Kind: DeliveryKind, Handle: s.deliver, Concurrency: 8,
		// The attempt's own timeout, and time to record it.
		Timeout: s.opts.Timeout + 5*time.Second}
}

// Event is the JSON body of a delivery (Standard Webhooks, "Payload
// structure").
type Event struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"` // when the event happened
	Data      json.RawMessage `json:"data"`
}

// AwardData is the data of an award event: what identifies the award, not
// the credential (fetch it from CredentialURL or the API).
type AwardData struct {
	AwardID       string           `json:"awardId"`
	CredentialURL string           `json:"credentialUrl"`
	AchievementID string           `json:"achievementId"`
	IssuerID      string           `json:"issuerId"`
	State         cairn.AwardState `json:"state"`
	Reason        string           `json:"reason,omitempty"` // of a revocation or suspension
	// Change is "renewed" or "reissued" for award.renewed.
	Change     string        `json:"change,omitempty"`
	ValidFrom  time.Time     `json:"validFrom"`
	ValidUntil *time.Time    `json:"validUntil,omitempty"`
	Recipient  RecipientData `json:"recipient"`
}

// RecipientData says who an award is for. Identity is the recipient's DID;
// it is left out for email recipients, whose address the credential itself
// only holds hashed: a receiver that needs it asks the API (GET
// /api/v1/awards/{id}) with a key of the organization.
type RecipientData struct {
	Type     cairn.RecipientType `json:"type"`
	Identity string              `json:"identity,omitempty"`
}

// AwardMessages is the outbox.AwardMessagesFunc of webhooks: one
// EventKind message per award change that is an event, for organizations
// that have an endpoint. It runs in the change's transaction and touches
// nothing but its arguments and an in-memory set.
func (s *Service) AwardMessages(ctx context.Context, prev, cur *cairn.Award) ([]outbox.Message, error) {
	if !s.hasEndpoints(cur.OrgID) || s.opts.ChangeType == nil {
		return nil, nil
	}
	change := s.opts.ChangeType(ctx, prev, cur)
	typ := AwardEventType(change)
	if typ == "" {
		return nil, nil
	}
	d := AwardData{AwardID: cur.ID, AchievementID: cur.AchievementID, IssuerID: cur.IssuerID,
		State: cur.State, ValidFrom: cur.ValidFrom, ValidUntil: cur.ValidUntil,
		Recipient: RecipientData{Type: cur.Recipient.Type}}
	if s.opts.CredentialURL != nil {
		d.CredentialURL = s.opts.CredentialURL(cur.ID)
	}
	if cur.State != cairn.StateActive {
		d.Reason = cur.StateReason
	}
	if typ == AwardRenewed {
		d.Change = string(change)
	}
	if cur.Recipient.Type == cairn.RecipientDID {
		d.Recipient.Identity = cur.Recipient.Identity
	}
	at := cur.UpdatedAt
	if at.IsZero() {
		at = s.opts.Now()
	}
	key := "award/" + cur.ID + "/" + typ + "/" + at.UTC().Format(time.RFC3339Nano)
	m, err := eventMessage(cur.OrgID, key, typ, at, d)
	if err != nil {
		return nil, err
	}
	return []outbox.Message{m}, nil
}

// JobDoneMessage returns the outbox message of a finished job's job.done
// event, for the jobs code to store in the transaction that ends the job
// (store.DB.EnqueueTx): the event is sent if and only if the job's end
// commits, and once however often the job's end is retried (its key is the
// job's id). summary is the event's data.summary (any JSON value, e.g.
// counts of rows issued and failed); data also holds jobId.
func JobDoneMessage(orgID, jobID string, summary any) (outbox.Message, error) {
	if orgID == "" || jobID == "" {
		return outbox.Message{}, cairn.Invalidf("jobId", "the organization and job ids are required")
	}
	data := struct {
		JobID   string `json:"jobId"`
		Summary any    `json:"summary,omitempty"`
	}{jobID, summary}
	return eventMessage(orgID, "job/"+jobID+"/done", JobDone, time.Now(), data)
}

// eventMessage returns the EventKind message of an event.
func eventMessage(orgID, key, typ string, at time.Time, data any) (outbox.Message, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return outbox.Message{}, cairn.Wrapf(cairn.Invalid, err, "the data of event %s cannot be encoded", typ)
	}
	body, err := json.Marshal(Event{Type: typ, Timestamp: at.UTC(), Data: raw})
	if err != nil {
		return outbox.Message{}, cairn.Wrapf(cairn.Internal, err, "encoding event %s", typ)
	}
	payload, err := json.Marshal(eventPayload{Type: typ, Body: body})
	if err != nil {
		return outbox.Message{}, cairn.Wrapf(cairn.Internal, err, "encoding event %s", typ)
	}
	return outbox.Message{Kind: EventKind, OrgID: orgID, Key: key, Payload: payload}, nil
}

// eventPayload is the payload of an EventKind message.
type eventPayload struct {
	Type string          `json:"type"`
	Body json.RawMessage `json:"body"` // the Event, as delivered
}

// deliveryPayload is the payload of a DeliveryKind message.
type deliveryPayload struct {
	EndpointID string          `json:"endpointId"`
	Type       string          `json:"type"`
	Body       json.RawMessage `json:"body"`
}

// fanOut enqueues one delivery of the event per endpoint of its
// organization that wants its type, in one transaction. Delivery keys are
// the endpoint's prefix and the event's key, so running it again (after a
// crash, or a lease that ended) enqueues nothing new.
func (s *Service) fanOut(ctx context.Context, m outbox.Message) error {
	var p eventPayload
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return outbox.Permanent(fmt.Errorf("webhooks: bad event payload: %w", err))
	}
	eps, err := s.st.Webhooks(ctx, m.OrgID)
	if err != nil {
		return err
	}
	var msgs []outbox.Message
	for _, e := range eps {
		if !e.Wants(p.Type) {
			continue
		}
		dp, err := json.Marshal(deliveryPayload{EndpointID: e.ID, Type: p.Type, Body: p.Body})
		if err != nil {
			return outbox.Permanent(err)
		}
		msgs = append(msgs, outbox.Message{Kind: DeliveryKind, OrgID: m.OrgID, Key: DeliveryKeyPrefix(e.ID) + m.Key, Payload: dp})
	}
	return s.st.Enqueue(ctx, msgs...)
}

// errGone is the error of a delivery whose receiver answered 410.
var errGone = errors.New("the receiver answered 410 Gone: the endpoint is disabled")

// deliver POSTs one delivery and records the attempt.
func (s *Service) deliver(ctx context.Context, m outbox.Message) error {
	var p deliveryPayload
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return outbox.Permanent(fmt.Errorf("webhooks: bad delivery payload: %w", err))
	}
	e, err := s.st.Webhook(ctx, m.OrgID, p.EndpointID)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil // deleted: nobody to deliver to
	}
	if err != nil {
		return err
	}
	if !e.Enabled {
		return outbox.Permanent(errors.New("the endpoint is disabled"))
	}
	secret, err := s.sealer.Open(e.SecretSealed, SecretAAD(e.ID))
	if err != nil {
		return fmt.Errorf("webhooks: opening the secret of endpoint %s: %w", e.ID, err)
	}
	key, err := SecretKey(string(secret))
	if err != nil {
		return outbox.Permanent(err)
	}
	a := &Attempt{OrgID: m.OrgID, EndpointID: e.ID, DeliveryID: m.ID, Attempt: m.Attempts, StartedAt: s.opts.Now()}
	sendErr := s.post(ctx, e.URL, key, WebhookID(m.Key), p.Body, a)
	a.Duration = s.opts.Now().Sub(a.StartedAt)
	if sendErr != nil {
		a.Error = sendErr.Error()
	}
	if ctx.Err() != nil && a.StatusCode == 0 {
		// Stopped in the middle: the outbox claims it again when the
		// lease ends; record nothing half-done.
		return ctx.Err()
	}
	if err := s.st.RecordWebhookAttempt(context.WithoutCancel(ctx), a); err != nil {
		s.log.Warn("webhooks: cannot record an attempt", "endpoint", e.ID, "delivery", m.ID, "err", err)
	}
	switch {
	case a.StatusCode >= 200 && a.StatusCode < 300:
		return nil
	case a.StatusCode == http.StatusGone:
		e.Enabled, e.DisabledReason, e.UpdatedAt = false, "the receiver answered 410 Gone", s.opts.Now()
		if err := s.st.UpdateWebhook(context.WithoutCancel(ctx), e); err != nil {
			s.log.Warn("webhooks: cannot disable an endpoint", "endpoint", e.ID, "err", err)
		}
		s.refreshSoon()
		return outbox.Permanent(errGone)
	}
	return sendErr
}

// post sends body to url, signed, and fills a's status and response.
func (s *Service) post(ctx context.Context, url string, key []byte, id string, body []byte, a *Attempt) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return outbox.Permanent(fmt.Errorf("bad endpoint URL: %v", err))
	}
	ts := s.opts.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Cairn-Webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("webhook-signature", Sign(key, id, ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return describeError(err)
	}
	defer resp.Body.Close()
	a.StatusCode = resp.StatusCode
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseExcerpt))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	a.Response = validUTF8(excerpt)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the receiver answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return nil
}

// describeError says why a request got no response, without the
// addresses a network error names.
func describeError(err error) error {
	switch {
	case errors.Is(err, errPrivate):
		return errPrivate
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return errors.New("no response within the timeout")
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return errors.New("no response: " + msg)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// validUTF8 returns b as a string, invalid bytes (and a rune the excerpt
// cut) replaced.
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// refreshSoon reloads the set of organizations with endpoints in the
// background, after a change made here.
func (s *Service) refreshSoon() {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Refresh(ctx); err != nil {
			s.log.Warn("webhooks: reloading the organizations with endpoints", "err", err)
		}
	}()
}

// Input is what an organization says about an endpoint. In an update,
// nil fields are left as they are.
type Input struct {
	URL         *string
	Description *string
	Events      *[]string
	Enabled     *bool
}

// MaxDescriptionLen caps an endpoint's description.
const MaxDescriptionLen = 500

func (s *Service) apply(e *Endpoint, in Input) error {
	if in.URL != nil {
		u := strings.TrimSpace(*in.URL)
		if err := CheckURL(u, s.opts.AllowPrivate); err != nil {
			return err
		}
		e.URL = u
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		switch {
		case len(d) > MaxDescriptionLen:
			return cairn.Invalidf("description", "is %d bytes long; the limit is %d", len(d), MaxDescriptionLen)
		case strings.ContainsFunc(d, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }):
			return cairn.Invalidf("description", "contains a control character")
		}
		e.Description = d
	}
	if in.Events != nil {
		seen := map[string]bool{}
		var evs []string
		for _, t := range *in.Events {
			if !ValidEventType(t) {
				return cairn.Invalidf("events", "%q is not an event type; want some of %s", t, strings.Join(EventTypes, ", "))
			}
			if !seen[t] {
				seen[t] = true
				evs = append(evs, t)
			}
		}
		if len(evs) == 0 {
			return cairn.Invalidf("events", "name at least one event type: %s", strings.Join(EventTypes, ", "))
		}
		e.Events = evs
	}
	if in.Enabled != nil {
		e.Enabled = *in.Enabled
		if e.Enabled {
			e.DisabledReason = ""
		}
	}
	return nil
}

// Create registers an endpoint of the organization and returns it with
// its secret, which is never shown again. URL and Events are required;
// Enabled defaults to true. Errors: Invalid (naming the field).
func (s *Service) Create(ctx context.Context, orgID string, in Input) (*Endpoint, string, error) {
	if in.URL == nil {
		return nil, "", cairn.Invalidf("url", "is required")
	}
	if in.Events == nil {
		return nil, "", cairn.Invalidf("events", "name at least one event type: %s", strings.Join(EventTypes, ", "))
	}
	now := s.opts.Now().UTC()
	e := &Endpoint{ID: uuid.NewString(), OrgID: orgID, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := s.apply(e, in); err != nil {
		return nil, "", err
	}
	secret := NewSecret()
	sealed, err := s.sealer.Seal([]byte(secret), SecretAAD(e.ID))
	if err != nil {
		return nil, "", cairn.Wrapf(cairn.Internal, err, "sealing the secret")
	}
	e.SecretSealed = sealed
	if err := s.st.CreateWebhook(ctx, e); err != nil {
		return nil, "", err
	}
	s.refreshNow(ctx)
	return e, secret, nil
}

// refreshNow reloads the set of organizations after a change here, so
// that this process's next award change sees it.
func (s *Service) refreshNow(ctx context.Context) {
	if err := s.Refresh(ctx); err != nil {
		s.log.Warn("webhooks: reloading the organizations with endpoints", "err", err)
		s.refreshSoon()
	}
}

// Endpoint returns an endpoint of the organization. Errors: NotFound.
func (s *Service) Endpoint(ctx context.Context, orgID, id string) (*Endpoint, error) {
	return s.st.Webhook(ctx, orgID, id)
}

// Endpoints returns the organization's endpoints, oldest first.
func (s *Service) Endpoints(ctx context.Context, orgID string) ([]*Endpoint, error) {
	return s.st.Webhooks(ctx, orgID)
}

// Update changes an endpoint of the organization. Errors: Invalid,
// NotFound.
func (s *Service) Update(ctx context.Context, orgID, id string, in Input) (*Endpoint, error) {
	e, err := s.st.Webhook(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if err := s.apply(e, in); err != nil {
		return nil, err
	}
	e.UpdatedAt = s.opts.Now().UTC()
	if err := s.st.UpdateWebhook(ctx, e); err != nil {
		return nil, err
	}
	s.refreshNow(ctx)
	return e, nil
}

// Delete removes an endpoint of the organization; its pending deliveries
// are dropped. Errors: NotFound.
func (s *Service) Delete(ctx context.Context, orgID, id string) error {
	if err := s.st.DeleteWebhook(ctx, orgID, id); err != nil {
		return err
	}
	s.refreshNow(ctx)
	return nil
}

// SendTest enqueues a webhook.test ping to an endpoint of the
// organization (enabled or not: a disabled one records why it was not
// sent) and returns its webhook-id. Errors: NotFound.
func (s *Service) SendTest(ctx context.Context, orgID, id string) (string, error) {
	e, err := s.st.Webhook(ctx, orgID, id)
	if err != nil {
		return "", err
	}
	now := s.opts.Now().UTC()
	data, _ := json.Marshal(map[string]string{"endpointId": e.ID, "message": "A test event from Cairn: this endpoint receives events."})
	body, err := json.Marshal(Event{Type: Test, Timestamp: now, Data: data})
	if err != nil {
		return "", cairn.Wrapf(cairn.Internal, err, "encoding the test event")
	}
	dp, err := json.Marshal(deliveryPayload{EndpointID: e.ID, Type: Test, Body: body})
	if err != nil {
		return "", cairn.Wrapf(cairn.Internal, err, "encoding the test event")
	}
	key := DeliveryKeyPrefix(e.ID) + "test/" + uuid.NewString()
	if err := s.st.Enqueue(ctx, outbox.Message{Kind: DeliveryKind, OrgID: orgID, Key: key, Payload: dp}); err != nil {
		return "", err
	}
	return WebhookID(key), nil
}

// Deliveries returns up to limit of an endpoint's recent deliveries,
// newest first, with their attempts. Errors: NotFound (no such endpoint).
func (s *Service) Deliveries(ctx context.Context, orgID, id string, limit int) ([]*Delivery, error) {
	if _, err := s.st.Webhook(ctx, orgID, id); err != nil {
		return nil, err
	}
	return s.st.WebhookDeliveries(ctx, orgID, id, limit)
}

// Retry sends a delivery again now, with the same webhook-id, whatever its
// state (a receiver that dedupes by webhook-id sees it once). Errors:
// NotFound.
func (s *Service) Retry(ctx context.Context, orgID, endpointID string, deliveryID int64) (*Delivery, error) {
	if err := s.st.RetryWebhookDelivery(ctx, orgID, endpointID, deliveryID); err != nil {
		return nil, err
	}
	return s.st.WebhookDelivery(ctx, orgID, endpointID, deliveryID)
}
