// Package webhooks tells an organization's own systems what happened to its
// awards and jobs: it POSTs signed JSON events to the HTTPS endpoints the
// organization registered, through the outbox (package outbox).
//
// # The model
//
// An [Endpoint] is a URL, the event types it wants (see [EventTypes]) and a
// secret. Every award change (issue, revoke, suspend, reinstate, renew or
// re-issue) of an organization that has endpoints writes one outbox message
// of kind [EventKind], in the change's own transaction ([Service.AwardMessages]);
// a job that ends writes one with [JobDoneMessage]. The consumer of that
// kind fans the event out: it enqueues one message of kind [DeliveryKind]
// per enabled endpoint that wants the type, each keyed by the endpoint and
// the event's key, so a fan-out that runs twice (a crash, a lease that
// ended) enqueues nothing more. The consumer of [DeliveryKind] POSTs the
// event and records the attempt ([Attempt]): a 2xx ends the delivery, 410
// Gone disables the endpoint, any other answer or a network error is
// retried with the outbox's backoff (10 s doubling to 6 h, 12 attempts).
//
// # Signatures (Standard Webhooks)
//
// Deliveries follow Standard Webhooks 1.0
// (https://www.standardwebhooks.com, spec/standard-webhooks.md, "Signature
// scheme" and "Webhook headers"): the headers webhook-id (the delivery's
// id, the same on every retry: receivers dedupe by it), webhook-timestamp
// (the attempt's Unix time, seconds) and webhook-signature, "v1," followed
// by the base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}"
// keyed with the secret's bytes. A secret is "whsec_" followed by the
// base64 of 32 random bytes; it is shown once, when the endpoint is created,
// and stored sealed by the keyring.
//
// # Addresses
//
// Endpoints must be https URLs of public addresses: loopback, private
// (RFC 1918, fc00::/7), link-local (with 169.254.169.254, the cloud
// metadata address), shared and unspecified addresses are refused when the
// endpoint is registered (a literal address) and again when a delivery
// connects (after DNS, so a name that resolves to a private address, or is
// rebound to one, is refused too). [Options.AllowPrivate] (the operator's
// CAIRN_WEBHOOKS_ALLOW_PRIVATE) lifts both and allows plain http.
package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/translog"
)

// The event types an endpoint may subscribe to.
const (
	AwardIssued     = "award.issued"
	AwardRevoked    = "award.revoked"
	AwardSuspended  = "award.suspended"
	AwardReinstated = "award.reinstated"
	AwardRenewed    = "award.renewed"
	JobDone         = "job.done"
	// Test is the type of the ping [Service.SendTest] sends; endpoints do
	// not subscribe to it.
	Test = "webhook.test"
)

// EventTypes lists the types an endpoint may subscribe to, in the order
// pages show them.
var EventTypes = []string{AwardIssued, AwardRevoked, AwardSuspended, AwardReinstated, AwardRenewed, JobDone}

// ValidEventType reports whether t is one of [EventTypes].
func ValidEventType(t string) bool {
	for _, e := range EventTypes {
		if e == t {
			return true
		}
	}
	return false
}

// The outbox kinds of this package.
const (
	EventKind    = "webhook.event"    // one event of an organization, to fan out
	DeliveryKind = "webhook.delivery" // one event for one endpoint
)

// AwardEventType returns the webhook event type of an award change, from
// the transparency log's event type of the change (issuing's
// Service.ChangeType): issued, revoked, suspended, reinstated, and
// award.renewed for both a renewal and a re-issue (each is the credential
// signed again with a new validity; the event's data says which). It
// returns "" for a change that is not an event.
func AwardEventType(t translog.EventType) string {
	switch t {
	case translog.Issued:
		return AwardIssued
	case translog.Revoked:
		return AwardRevoked
	case translog.Suspended:
		return AwardSuspended
	case translog.Reinstated:
		return AwardReinstated
	case translog.Renewed, translog.Reissued:
		return AwardRenewed
	}
	return ""
}

// Endpoint is a URL an organization registered to receive events.
type Endpoint struct {
	ID          string
	OrgID       string
	URL         string
	Description string
	Events      []string // a subset of EventTypes
	// SecretSealed is the signing secret ("whsec_…") sealed by the
	// keyring, bound to the endpoint's ID (see SecretAAD).
	SecretSealed []byte
	Enabled      bool
	// DisabledReason says why the endpoint was disabled automatically
	// (e.g. the receiver answered 410 Gone); "" otherwise.
	DisabledReason string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Wants reports whether the endpoint is enabled and subscribed to t.
func (e *Endpoint) Wants(t string) bool {
	if !e.Enabled {
		return false
	}
	for _, x := range e.Events {
		if x == t {
			return true
		}
	}
	return false
}

// Attempt is one try at delivering a delivery.
type Attempt struct {
	ID         int64
	OrgID      string
	EndpointID string
	DeliveryID int64 // the delivery's outbox message id
	Attempt    int   // from 1
	StartedAt  time.Time
	StatusCode int    // 0 when no response came
	Response   string // the first MaxResponseExcerpt bytes of the response body
	Duration   time.Duration
	Error      string // "" on success
}

// MaxResponseExcerpt is how much of a response body an attempt keeps.
const MaxResponseExcerpt = 1024

// Delivery is one event for one endpoint, with its attempts.
type Delivery struct {
	ID         int64 // the outbox message id
	EndpointID string
	WebhookID  string // the webhook-id header
	Type       string
	Body       []byte // the signed JSON body
	State      string // pending, done or dead (outbox.State)
	LastError  string
	NextAt     time.Time // when pending: the next attempt
	CreatedAt  time.Time
	Attempts   []*Attempt // oldest first
}

// Store keeps endpoints and attempts; *store.DB implements it.
type Store interface {
	// Enqueue stores outbox messages (see outbox.Store).
	Enqueue(ctx context.Context, msgs ...outbox.Message) error
	// CreateWebhook stores a new endpoint (ID, CreatedAt and UpdatedAt
	// set by the caller). Errors: Invalid, NotFound (no such
	// organization), Conflict (ID taken).
	CreateWebhook(ctx context.Context, e *Endpoint) error
	// Webhook returns an endpoint of the organization. Errors: NotFound.
	Webhook(ctx context.Context, orgID, id string) (*Endpoint, error)
	// Webhooks returns the organization's endpoints, oldest first.
	Webhooks(ctx context.Context, orgID string) ([]*Endpoint, error)
	// UpdateWebhook stores URL, Description, Events, Enabled,
	// DisabledReason and UpdatedAt of e.ID in e.OrgID. Errors: NotFound.
	UpdateWebhook(ctx context.Context, e *Endpoint) error
	// DeleteWebhook deletes an endpoint and its attempts. Errors: NotFound.
	DeleteWebhook(ctx context.Context, orgID, id string) error
	// WebhookOrgs returns the organizations that have an enabled endpoint.
	WebhookOrgs(ctx context.Context) ([]string, error)
	// RecordWebhookAttempt stores an attempt.
	RecordWebhookAttempt(ctx context.Context, a *Attempt) error
	// WebhookDeliveries returns up to limit of an endpoint's deliveries,
	// newest first, with their attempts.
	WebhookDeliveries(ctx context.Context, orgID, endpointID string, limit int) ([]*Delivery, error)
	// WebhookDelivery returns one delivery of an endpoint. Errors:
	// NotFound.
	WebhookDelivery(ctx context.Context, orgID, endpointID string, id int64) (*Delivery, error)
	// RetryWebhookDelivery makes a delivery of an endpoint due now, with
	// a fresh count of attempts, whatever its state. Errors: NotFound.
	RetryWebhookDelivery(ctx context.Context, orgID, endpointID string, id int64) error
}

// SecretPrefix starts every signing secret (Standard Webhooks' symmetric
// secret serialization).
const SecretPrefix = "whsec_"

// secretBytes is the size of a new secret: the spec asks for 24 to 64.
const secretBytes = 32

// NewSecret returns a new random signing secret, "whsec_" and the base64
// of 32 random bytes.
func NewSecret() string {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// SecretKey returns the HMAC key of a secret: the bytes its base64 (after
// the optional "whsec_" prefix) encodes. Errors: Invalid.
func SecretKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(key) == 0 {
		return nil, cairn.Invalidf("secret", "is not whsec_ followed by base64")
	}
	return key, nil
}

// Sign returns the webhook-signature header value of a delivery: "v1,"
// and the base64 HMAC-SHA256, keyed with key, of "{id}.{timestamp}.{body}"
// (Standard Webhooks, "Signature scheme").
func Sign(key []byte, id string, timestamp time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(timestamp.Unix(), 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery as a receiver does: one of the space-separated
// signatures in signature must be Sign(key, id, timestamp, body), and the
// timestamp within tolerance of now (Standard Webhooks suggests 5
// minutes). It is for receivers written in Go and for tests.
func Verify(key []byte, id, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) bool {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	ts := time.Unix(sec, 0)
	if ts.Before(now.Add(-tolerance)) || ts.After(now.Add(tolerance)) {
		return false
	}
	want := Sign(key, id, ts, body)
	ok := false
	for _, sig := range strings.Fields(signature) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			ok = true
		}
	}
	return ok
}

// SecretAAD is the associated data an endpoint's secret is sealed with.
func SecretAAD(endpointID string) []byte { return []byte("cairn webhook secret " + endpointID) }

// WebhookID returns the webhook-id of the delivery with outbox key key:
// "msg_" and 32 hex digits of its SHA-256, stable across retries and free
// of the '.' the signed content uses as a separator.
func WebhookID(key string) string {
	sum := sha256.Sum256([]byte(DeliveryKind + "\n" + key))
	return "msg_" + hex.EncodeToString(sum[:16])
}

// DeliveryKeyPrefix is the prefix of the outbox keys of an endpoint's
// deliveries: the key is the prefix followed by the event's key.
func DeliveryKeyPrefix(endpointID string) string { return endpointID + "/" }
