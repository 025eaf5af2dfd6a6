package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/webhooks"
)

// This file is the store of package webhooks: endpoints in
// webhook_endpoints, attempts in webhook_attempts, and deliveries, which
// are the outbox messages of kind webhooks.DeliveryKind whose key starts
// with the endpoint's prefix (webhooks.DeliveryKeyPrefix).

var _ webhooks.Store = (*DB)(nil)

const webhookCols = `id, org_id, url, description, events, secret_sealed, enabled, disabled_reason, created_at, updated_at`

func scanWebhook(s scanner) (*webhooks.Endpoint, error) {
	var e webhooks.Endpoint
	if err := s.Scan(&e.ID, &e.OrgID, &e.URL, &e.Description, jsonCol{&e.Events}, bytesCol{&e.SecretSealed},
		&e.Enabled, &e.DisabledReason, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt}); err != nil {
		return nil, err
	}
	return &e, nil
}

func eventsArg(evs []string) (string, error) {
	if evs == nil {
		evs = []string{}
	}
	b, err := json.Marshal(evs)
	return string(b), err
}

// CreateWebhook implements [webhooks.Store.CreateWebhook].
func (db *DB) CreateWebhook(ctx context.Context, e *webhooks.Endpoint) error {
	if err := required("id", e.ID, "org_id", e.OrgID, "url", e.URL); err != nil {
		return err
	}
	if len(e.SecretSealed) == 0 {
		return cairn.Invalidf("secret", "is required")
	}
	evs, err := eventsArg(e.Events)
	if err != nil {
		return cairn.Wrapf(cairn.Invalid, err, "events")
	}
	e.CreatedAt, e.UpdatedAt = norm(e.CreatedAt), norm(e.UpdatedAt)
	return db.write(ctx, func(x q) error {
		if err := x.row(ctx, "SELECT id FROM organizations WHERE id = ?", e.OrgID).Scan(new(string)); err != nil {
			return orNotFound(err, "organization")
		}
		_, err := x.exec(ctx, `INSERT INTO webhook_endpoints (`+webhookCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.OrgID, e.URL, e.Description, evs, e.SecretSealed, e.Enabled, e.DisabledReason, e.CreatedAt, e.UpdatedAt)
		return err
	})
}

// Webhook implements [webhooks.Store.Webhook].
func (db *DB) Webhook(ctx context.Context, orgID, id string) (*webhooks.Endpoint, error) {
	e, err := scanWebhook(db.read().prow(ctx, "SELECT "+webhookCols+" FROM webhook_endpoints WHERE org_id = ? AND id = ?", orgID, id))
	if err != nil {
		return nil, orNotFound(err, "webhook endpoint")
	}
	return e, nil
}

// Webhooks implements [webhooks.Store.Webhooks].
func (db *DB) Webhooks(ctx context.Context, orgID string) ([]*webhooks.Endpoint, error) {
	rows, err := db.read().pquery(ctx, "SELECT "+webhookCols+" FROM webhook_endpoints WHERE org_id = ? ORDER BY created_at, id", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*webhooks.Endpoint
	for rows.Next() {
		e, err := scanWebhook(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// UpdateWebhook implements [webhooks.Store.UpdateWebhook].
func (db *DB) UpdateWebhook(ctx context.Context, e *webhooks.Endpoint) error {
	if err := required("url", e.URL); err != nil {
		return err
	}
	evs, err := eventsArg(e.Events)
	if err != nil {
		return cairn.Wrapf(cairn.Invalid, err, "events")
	}
	e.UpdatedAt = norm(e.UpdatedAt)
	var n int64
	err = db.write(ctx, func(x q) (err error) {
		n, err = x.execN(ctx, `UPDATE webhook_endpoints SET url = ?, description = ?, events = ?, enabled = ?, disabled_reason = ?, updated_at = ?
			WHERE org_id = ? AND id = ?`, e.URL, e.Description, evs, e.Enabled, e.DisabledReason, e.UpdatedAt, e.OrgID, e.ID)
		return err
	})
	if err == nil && n == 0 {
		return notFound("webhook endpoint")
	}
	return err
}

// DeleteWebhook implements [webhooks.Store.DeleteWebhook].
func (db *DB) DeleteWebhook(ctx context.Context, orgID, id string) error {
	var n int64
	err := db.write(ctx, func(x q) (err error) {
		if _, err = x.exec(ctx, "DELETE FROM webhook_attempts WHERE org_id = ? AND endpoint_id = ?", orgID, id); err != nil {
			return err
		}
		n, err = x.execN(ctx, "DELETE FROM webhook_endpoints WHERE org_id = ? AND id = ?", orgID, id)
		return err
	})
	if err == nil && n == 0 {
		return notFound("webhook endpoint")
	}
	return err
}

// WebhookOrgs implements [webhooks.Store.WebhookOrgs].
func (db *DB) WebhookOrgs(ctx context.Context) ([]string, error) {
	rows, err := db.read().query(ctx, "SELECT DISTINCT org_id FROM webhook_endpoints WHERE enabled = ?", true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, id)
	}
	return out, mapErr(rows.Err())
}

// RecordWebhookAttempt implements [webhooks.Store.RecordWebhookAttempt].
func (db *DB) RecordWebhookAttempt(ctx context.Context, a *webhooks.Attempt) error {
	if len(a.Response) > webhooks.MaxResponseExcerpt {
		a.Response = strings.ToValidUTF8(a.Response[:webhooks.MaxResponseExcerpt], "")
	}
	if len(a.Error) > 2000 {
		a.Error = strings.ToValidUTF8(a.Error[:2000], "")
	}
	a.StartedAt = norm(a.StartedAt)
	return db.write(ctx, func(x q) error {
		return mapErr(x.row(ctx, `INSERT INTO webhook_attempts (org_id, endpoint_id, delivery_id, attempt, started_at, status_code, response, duration_ms, error)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.OrgID, a.EndpointID, a.DeliveryID, a.Attempt, a.StartedAt,
			a.StatusCode, a.Response, a.Duration.Milliseconds(), a.Error).Scan(&a.ID))
	})
}

// deliveryRange returns the key range [lo, hi) of an endpoint's
// deliveries: the prefix, and the prefix with its last byte ('/') plus one.
func deliveryRange(endpointID string) (lo, hi string) {
	lo = webhooks.DeliveryKeyPrefix(endpointID)
	return lo, lo[:len(lo)-1] + string(rune(lo[len(lo)-1]+1))
}

const deliveryCols = `id, key, payload, state, next_at, last_error, created_at`

func scanDelivery(s scanner, endpointID string) (*webhooks.Delivery, error) {
	var d webhooks.Delivery
	var key string
	var payload []byte
	if err := s.Scan(&d.ID, &key, bytesCol{&payload}, &d.State, timeCol{&d.NextAt}, &d.LastError, timeCol{&d.CreatedAt}); err != nil {
		return nil, err
	}
	var p struct {
		Type string          `json:"type"`
		Body json.RawMessage `json:"body"`
	}
	_ = json.Unmarshal(payload, &p) // written by package webhooks; a bad one shows empty
	d.EndpointID, d.WebhookID, d.Type, d.Body = endpointID, webhooks.WebhookID(key), p.Type, p.Body
	return &d, nil
}

// WebhookDeliveries implements [webhooks.Store.WebhookDeliveries].
func (db *DB) WebhookDeliveries(ctx context.Context, orgID, endpointID string, limit int) ([]*webhooks.Delivery, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	lo, hi := deliveryRange(endpointID)
	var out []*webhooks.Delivery
	err := db.readTx(ctx, func(x q) error {
		rows, err := x.query(ctx, `SELECT `+deliveryCols+` FROM outbox
			WHERE kind = ? AND key >= ? AND key < ? AND org_id = ? ORDER BY id DESC LIMIT ?`,
			webhooks.DeliveryKind, lo, hi, orgID, limit)
		if err != nil {
			return err
		}
		byID := map[int64]*webhooks.Delivery{}
		for rows.Next() {
			d, err := scanDelivery(rows, endpointID)
			if err != nil {
				rows.Close()
				return mapErr(err)
			}
			out = append(out, d)
			byID[d.ID] = d
		}
		if err := rows.Close(); err != nil {
			return mapErr(err)
		}
		if len(out) == 0 {
			return nil
		}
		// Their attempts: the deliveries are the newest, so the attempts
		// are at or after the oldest one's creation.
		return db.attachAttempts(ctx, x, orgID, endpointID, out[len(out)-1].ID, byID)
	})
	return out, err
}

func (db *DB) attachAttempts(ctx context.Context, x q, orgID, endpointID string, minID int64, byID map[int64]*webhooks.Delivery) error {
	rows, err := x.query(ctx, `SELECT id, delivery_id, attempt, started_at, status_code, response, duration_ms, error
		FROM webhook_attempts WHERE org_id = ? AND endpoint_id = ? AND delivery_id >= ? ORDER BY id`, orgID, endpointID, minID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a := &webhooks.Attempt{OrgID: orgID, EndpointID: endpointID}
		var ms int64
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.Attempt, timeCol{&a.StartedAt}, &a.StatusCode, &a.Response, &ms, &a.Error); err != nil {
			return mapErr(err)
		}
		a.Duration = time.Duration(ms) * time.Millisecond
		if d := byID[a.DeliveryID]; d != nil {
			d.Attempts = append(d.Attempts, a)
		}
	}
	return mapErr(rows.Err())
}

// WebhookDelivery implements [webhooks.Store.WebhookDelivery].
func (db *DB) WebhookDelivery(ctx context.Context, orgID, endpointID string, id int64) (*webhooks.Delivery, error) {
	lo, hi := deliveryRange(endpointID)
	var d *webhooks.Delivery
	err := db.readTx(ctx, func(x q) (err error) {
		d, err = scanDelivery(x.row(ctx, `SELECT `+deliveryCols+` FROM outbox
			WHERE id = ? AND kind = ? AND key >= ? AND key < ? AND org_id = ?`, id, webhooks.DeliveryKind, lo, hi, orgID), endpointID)
		if err != nil {
			return orNotFound(err, "webhook delivery")
		}
		return db.attachAttempts(ctx, x, orgID, endpointID, id, map[int64]*webhooks.Delivery{id: d})
	})
	return d, err
}

// RetryWebhookDelivery implements [webhooks.Store.RetryWebhookDelivery].
func (db *DB) RetryWebhookDelivery(ctx context.Context, orgID, endpointID string, id int64) error {
	lo, hi := deliveryRange(endpointID)
	var n int64
	err := db.write(ctx, func(x q) (err error) {
		// A leased delivery keeps its lease: the attempt in flight ends it.
		n, err = x.execN(ctx, `UPDATE outbox SET state = ?, attempts = 0, next_at = ?, ended_at = NULL
			WHERE id = ? AND kind = ? AND key >= ? AND key < ? AND org_id = ?`,
			string(outbox.Pending), db.now(), id, webhooks.DeliveryKind, lo, hi, orgID)
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("webhook delivery")
	}
	db.wakeOutbox()
	return nil
}
