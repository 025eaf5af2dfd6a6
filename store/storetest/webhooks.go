package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/webhooks"
)

// testWebhooks: endpoints are kept and changed per organization; the
// organizations with an enabled endpoint are listed; deliveries are the
// outbox messages under an endpoint's key prefix (not a neighbour's), with
// their attempts; a retry makes one due again; the master key rotation
// sees the secrets; deleting removes the attempts.
func testWebhooks(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "hooks-a"), newTenant(t, db, "hooks-b")
	now := time.Now().UTC().Truncate(time.Microsecond)
	ep := &webhooks.Endpoint{ID: "ep", OrgID: a.org.ID, URL: "https://hooks.example.org/a", Description: "records",
		Events: []string{webhooks.AwardIssued, webhooks.JobDone}, SecretSealed: []byte{7, 7}, Enabled: true, CreatedAt: now, UpdatedAt: now}
	must(t, "CreateWebhook", db.CreateWebhook(ctx, ep))
	// A neighbour whose id sorts next to ep's prefix.
	nb := &webhooks.Endpoint{ID: "ep-2", OrgID: a.org.ID, URL: "https://hooks.example.org/n", Events: []string{webhooks.AwardIssued},
		SecretSealed: []byte{8}, CreatedAt: now, UpdatedAt: now}
	must(t, "CreateWebhook", db.CreateWebhook(ctx, nb))
	wantKind(t, "CreateWebhook of no organization", db.CreateWebhook(ctx, &webhooks.Endpoint{ID: "x", OrgID: "nope", URL: "https://x.example/", SecretSealed: []byte{1}}), cairn.NotFound)
	got, err := db.Webhook(ctx, a.org.ID, ep.ID)
	must(t, "Webhook", err)
	if !reflect.DeepEqual(got, ep) {
		t.Fatalf("Webhook = %+v, want %+v", got, ep)
	}
	_, err = db.Webhook(ctx, b.org.ID, ep.ID)
	wantKind(t, "Webhook of another organization", err, cairn.NotFound)
	list, err := db.Webhooks(ctx, a.org.ID)
	must(t, "Webhooks", err)
	if len(list) != 2 || list[0].ID != "ep" {
		t.Fatalf("Webhooks = %v", list)
	}
	orgs, err := db.WebhookOrgs(ctx)
	must(t, "WebhookOrgs", err)
	if !reflect.DeepEqual(orgs, []string{a.org.ID}) {
		t.Fatalf("WebhookOrgs = %v, want only %s", orgs, a.org.ID)
	}
	other := *ep
	other.OrgID, other.URL = b.org.ID, "https://evil.example/"
	wantKind(t, "UpdateWebhook of another organization", db.UpdateWebhook(ctx, &other), cairn.NotFound)
	ep.Enabled, ep.DisabledReason, ep.Events = false, "the receiver answered 410 Gone", []string{webhooks.AwardRevoked}
	must(t, "UpdateWebhook", db.UpdateWebhook(ctx, ep))
	got, _ = db.Webhook(ctx, a.org.ID, ep.ID)
	if got.Enabled || got.DisabledReason != ep.DisabledReason || !reflect.DeepEqual(got.Events, ep.Events) {
		t.Fatalf("after UpdateWebhook: %+v", got)
	}
	if orgs, _ := db.WebhookOrgs(ctx); len(orgs) != 0 {
		t.Fatalf("WebhookOrgs with every endpoint disabled = %v", orgs)
	}

	must(t, "Enqueue", db.Enqueue(ctx,
		outbox.Message{Kind: webhooks.DeliveryKind, OrgID: a.org.ID, Key: webhooks.DeliveryKeyPrefix("ep") + "e1", Payload: []byte(`{"type":"award.issued","body":{"a":1}}`)},
		outbox.Message{Kind: webhooks.DeliveryKind, OrgID: a.org.ID, Key: webhooks.DeliveryKeyPrefix("ep-2") + "e1", Payload: []byte(`{"type":"award.issued","body":{}}`)},
		outbox.Message{Kind: webhooks.DeliveryKind, OrgID: a.org.ID, Key: webhooks.DeliveryKeyPrefix("ep") + "e2", Payload: []byte(`{"type":"job.done","body":{}}`)}))
	ms, err := db.Claim(ctx, "w", []string{webhooks.DeliveryKind}, 10, time.Minute)
	must(t, "Claim", err)
	for _, m := range ms {
		ep := "ep"
		if m.Key == webhooks.DeliveryKeyPrefix("ep-2")+"e1" {
			ep = "ep-2"
		}
		must(t, "RecordWebhookAttempt", db.RecordWebhookAttempt(ctx, &webhooks.Attempt{OrgID: a.org.ID, EndpointID: ep, DeliveryID: m.ID,
			Attempt: 1, StartedAt: now, StatusCode: 500, Response: "oops", Duration: 1500 * time.Millisecond, Error: "the receiver answered 500"}))
		must(t, "Finish", db.Finish(ctx, m.ID, "w", outbox.Dead, time.Time{}, "given up"))
	}
	ds, err := db.WebhookDeliveries(ctx, a.org.ID, "ep", 10)
	must(t, "WebhookDeliveries", err)
	if len(ds) != 2 || ds[0].Type != "job.done" || ds[1].Type != "award.issued" || string(ds[1].Body) != `{"a":1}` {
		t.Fatalf("WebhookDeliveries = %+v, want ep's two, newest first", ds)
	}
	if ds[1].WebhookID != webhooks.WebhookID(webhooks.DeliveryKeyPrefix("ep")+"e1") || ds[1].State != "dead" {
		t.Fatalf("delivery %+v", ds[1])
	}
	if at := ds[1].Attempts; len(at) != 1 || at[0].StatusCode != 500 || at[0].Response != "oops" || at[0].Duration != 1500*time.Millisecond {
		t.Fatalf("attempts %+v", at)
	}
	if ds, _ := db.WebhookDeliveries(ctx, b.org.ID, "ep", 10); len(ds) != 0 {
		t.Fatalf("another organization sees %d deliveries", len(ds))
	}
	wantKind(t, "RetryWebhookDelivery of another endpoint", db.RetryWebhookDelivery(ctx, a.org.ID, "ep-2", ds[1].ID), cairn.NotFound)
	wantKind(t, "RetryWebhookDelivery of another organization", db.RetryWebhookDelivery(ctx, b.org.ID, "ep", ds[1].ID), cairn.NotFound)
	must(t, "RetryWebhookDelivery", db.RetryWebhookDelivery(ctx, a.org.ID, "ep", ds[1].ID))
	d, err := db.WebhookDelivery(ctx, a.org.ID, "ep", ds[1].ID)
	must(t, "WebhookDelivery", err)
	if d.State != "pending" || len(d.Attempts) != 1 {
		t.Fatalf("after a retry: %+v", d)
	}
	ms, err = db.Claim(ctx, "w", []string{webhooks.DeliveryKind}, 10, time.Minute)
	must(t, "Claim", err)
	if len(ms) != 1 || ms[0].ID != d.ID || ms[0].Attempts != 1 {
		t.Fatalf("claimed after a retry: %+v", ms)
	}

	seen := map[string]bool{}
	_, err = db.RewriteSealedKeys(ctx, func(k *store.SealedKey) ([]byte, error) {
		if k.WebhookID != "" {
			seen[k.WebhookID] = true
			return []byte{9}, nil
		}
		return nil, nil
	})
	must(t, "RewriteSealedKeys", err)
	if got, _ := db.Webhook(ctx, a.org.ID, "ep"); !seen["ep"] || !seen["ep-2"] || string(got.SecretSealed) != "\x09" {
		t.Fatalf("RewriteSealedKeys saw %v and left %x", seen, got.SecretSealed)
	}

	// Pruning keeps what is newer than the cutoff, and drops older attempts.
	_, err = db.PruneOutbox(ctx, now.Add(-time.Hour))
	must(t, "PruneOutbox", err)
	if d, _ := db.WebhookDelivery(ctx, a.org.ID, "ep", d.ID); len(d.Attempts) != 1 {
		t.Fatalf("PruneOutbox removed a recent attempt: %+v", d.Attempts)
	}
	_, err = db.PruneOutbox(ctx, now.Add(time.Hour))
	must(t, "PruneOutbox", err)
	if d, _ := db.WebhookDelivery(ctx, a.org.ID, "ep", d.ID); len(d.Attempts) != 0 {
		t.Fatalf("PruneOutbox kept an old attempt: %+v", d.Attempts)
	}

	wantKind(t, "DeleteWebhook of another organization", db.DeleteWebhook(ctx, b.org.ID, "ep"), cairn.NotFound)
	must(t, "DeleteWebhook", db.DeleteWebhook(ctx, a.org.ID, "ep"))
	_, err = db.Webhook(ctx, a.org.ID, "ep")
	wantKind(t, "Webhook after DeleteWebhook", err, cairn.NotFound)
	if d, err := db.WebhookDelivery(ctx, a.org.ID, "ep", d.ID); err == nil && len(d.Attempts) != 0 {
		t.Fatalf("attempts after DeleteWebhook: %+v", d.Attempts)
	}
}
