package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/webhooks"
)

// withWebhooks serves e's admin pages again with a webhooks service.
func withWebhooks(t *testing.T, e *env, allowPrivate bool) *webhooks.Service {
	t.Helper()
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wh := webhooks.New(e.db, kr, webhooks.Options{AllowPrivate: allowPrivate, CredentialURL: e.svc.CredentialURL, ChangeType: e.svc.ChangeType})
	e.h = New(e.svc, Options{Webhooks: wh})
	e.mux = http.NewServeMux()
	e.h.Register(e.mux)
	return wh
}

// TestWebhookPages: only owners reach the pages; a private address is
// refused next to the URL field; the secret is shown once; the endpoint's
// page lists the test delivery; settings save; delete removes it.
func TestWebhookPages(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	wh := withWebhooks(t, e, false)
	issuer := e.client(t)
	issuer.mustLogin(issuerEmail)
	if res := issuer.get("/admin/webhooks"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("issuer on /admin/webhooks: %d", res.StatusCode)
	}
	c := e.client(t)
	c.mustLogin(ownerEmail)
	res := c.post("/admin/webhooks", url.Values{"url": {"https://127.0.0.1/hook"}, "events": {"award.issued"}})
	if res.StatusCode != 400 || !strings.Contains(res.body, "only public addresses") || !strings.Contains(res.body, `id="url" name="url" value="https://127.0.0.1/hook"`) {
		t.Fatalf("private URL: %d\n%s", res.StatusCode, res.body)
	}
	res = c.post("/admin/webhooks", url.Values{"url": {"https://hooks.example.org/cairn"}, "events": {"award.issued", "job.done"}})
	if res.StatusCode != 200 || !strings.Contains(res.body, `value="whsec_`) {
		t.Fatalf("create: %d\n%s", res.StatusCode, res.body)
	}
	eps, _ := wh.Endpoints(context.Background(), e.org.ID)
	if len(eps) != 1 || len(eps[0].Events) != 2 {
		t.Fatalf("endpoints %+v", eps)
	}
	id := eps[0].ID
	if res := c.get("/admin/webhooks"); strings.Contains(res.body, "whsec_") {
		t.Error("the list shows the secret again")
	}
	if res := c.post("/admin/webhooks/"+id+"/test", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("test: %d", res.StatusCode)
	}
	if res := c.get("/admin/webhooks/" + id); !strings.Contains(res.body, "webhook.test") || !strings.Contains(res.body, "not attempted yet") {
		t.Fatalf("the endpoint's page does not list the test delivery:\n%s", res.body)
	}
	if res := c.post("/admin/webhooks/"+id, url.Values{"url": {"https://hooks.example.org/cairn"}}); res.StatusCode != 400 || !strings.Contains(res.body, "Name at least one event type") {
		t.Fatalf("save without events: %d", res.StatusCode)
	}
	if res := c.post("/admin/webhooks/"+id, url.Values{"url": {"https://hooks.example.org/v2"}, "events": {"award.revoked"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, res.body)
	}
	got, _ := wh.Endpoint(context.Background(), e.org.ID, id)
	if got.URL != "https://hooks.example.org/v2" || got.Enabled || len(got.Events) != 1 {
		t.Fatalf("after save (enabled unticked): %+v", got)
	}
	if res := c.get("/admin/webhooks/not-there"); res.StatusCode != 404 {
		t.Fatalf("unknown endpoint: %d", res.StatusCode)
	}
	if res := c.post("/admin/webhooks/"+id+"/delete", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if eps, _ := wh.Endpoints(context.Background(), e.org.ID); len(eps) != 0 {
		t.Fatalf("after delete: %+v", eps)
	}
}
