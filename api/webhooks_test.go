package api_test

import (
	"strings"
	"testing"
)

// TestWebhooksAPI: register (the secret once), read without it, bad input
// as 422 naming the field, private addresses refused, a test delivery
// listed and retried, and delete.
func TestWebhooksAPI(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("hooks")
	type view struct {
		ID, URL, Secret string
		Events          []string
		Enabled         bool
	}
	var created view
	e.do("POST", "/api/v1/webhooks", o.key, map[string]any{"url": "https://hooks.example.org/cairn",
		"events": []string{"award.issued", "award.revoked"}, "description": "records"}).must(t, 201, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || !created.Enabled || len(created.Events) != 2 {
		t.Fatalf("created %+v", created)
	}
	var got view
	e.do("GET", "/api/v1/webhooks/"+created.ID, o.key, nil).must(t, 200, &got)
	if got.Secret != "" || got.URL != created.URL {
		t.Fatalf("read back %+v: the secret is shown again or the URL differs", got)
	}
	for _, c := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"loopback", map[string]any{"url": "https://127.0.0.1/hook", "events": []string{"award.issued"}}, "url"},
		{"metadata", map[string]any{"url": "https://169.254.169.254/latest", "events": []string{"award.issued"}}, "url"},
		{"private", map[string]any{"url": "https://10.0.0.8/hook", "events": []string{"award.issued"}}, "url"},
		{"localhost", map[string]any{"url": "https://localhost:8443/hook", "events": []string{"award.issued"}}, "url"},
		{"plain http", map[string]any{"url": "http://hooks.example.org/", "events": []string{"award.issued"}}, "url"},
		{"no url", map[string]any{"events": []string{"award.issued"}}, "url"},
		{"unknown event", map[string]any{"url": "https://hooks.example.org/", "events": []string{"award.eaten"}}, "events"},
		{"no events", map[string]any{"url": "https://hooks.example.org/", "events": []string{}}, "events"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if p := e.do("POST", "/api/v1/webhooks", o.key, c.body).problem(t, 422); p.Field != c.field {
				t.Fatalf("problem %+v, want field %s", p, c.field)
			}
		})
	}
	e.do("PATCH", "/api/v1/webhooks/"+created.ID, o.key, map[string]any{"url": "https://[::1]/x"}).problem(t, 422)
	e.do("PATCH", "/api/v1/webhooks/"+created.ID, o.key, map[string]any{"enabled": false, "events": []string{"job.done"}}).must(t, 200, &got)
	if got.Enabled || len(got.Events) != 1 || got.Events[0] != "job.done" {
		t.Fatalf("after PATCH: %+v", got)
	}
	var test struct{ WebhookID string }
	e.do("POST", "/api/v1/webhooks/"+created.ID+"/test", o.key, nil).must(t, 202, &test)
	var ds struct {
		Items []struct {
			ID, WebhookID, Type, State string
		}
	}
	e.do("GET", "/api/v1/webhooks/"+created.ID+"/deliveries", o.key, nil).must(t, 200, &ds)
	if len(ds.Items) != 1 || ds.Items[0].WebhookID != test.WebhookID || ds.Items[0].Type != "webhook.test" || ds.Items[0].State != "pending" {
		t.Fatalf("deliveries %+v, want the pending test %s", ds, test.WebhookID)
	}
	e.do("POST", "/api/v1/webhooks/"+created.ID+"/deliveries/"+ds.Items[0].ID+"/retry", o.key, nil).must(t, 202, nil)
	e.do("POST", "/api/v1/webhooks/"+created.ID+"/deliveries/999999/retry", o.key, nil).problem(t, 404)
	e.do("GET", "/api/v1/webhooks/"+created.ID+"/deliveries?limit=0", o.key, nil).problem(t, 422)
	e.do("DELETE", "/api/v1/webhooks/"+created.ID, o.key, nil).must(t, 204, nil)
	e.do("GET", "/api/v1/webhooks/"+created.ID, o.key, nil).problem(t, 404)
}
