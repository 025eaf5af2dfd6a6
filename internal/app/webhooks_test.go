package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/webhooks"
)

// TestWebhooksWired boots the real server with private addresses allowed,
// registers an endpoint through the API, issues an award and receives its
// award.issued event, signed with the secret the API gave; without
// CAIRN_WEBHOOKS_ALLOW_PRIVATE the same endpoint is refused.
func TestWebhooksWired(t *testing.T) {
	got := make(chan *http.Request, 10)
	bodies := make(chan []byte, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	defer recv.Close()

	a, stopA := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true, WebhooksAllowPrivate: true})
	stopped := false
	defer func() {
		if !stopped {
			stopA()
		}
	}()
	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, a.BaseURL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+a.FirstRun.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, out := call("POST", "/api/v1/webhooks", `{"url":"`+recv.URL+`/hook","events":["award.issued"]}`)
	if code != http.StatusCreated {
		t.Fatalf("register: %d %s", code, out)
	}
	var ep struct{ Secret string }
	json.Unmarshal(out, &ep)
	code, out = call("POST", "/api/v1/awards", `{"achievementId":"`+a.FirstRun.AchievementID+`","recipient":{"did":"did:example:learner"}}`)
	if code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, out)
	}
	select {
	case r := <-got:
		body := <-bodies
		key, _ := webhooks.SecretKey(ep.Secret)
		if !webhooks.Verify(key, r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), body, time.Now(), time.Minute) {
			t.Fatalf("the delivery does not verify: %v %s", r.Header, body)
		}
		if !strings.Contains(string(body), `"type":"award.issued"`) || !strings.Contains(string(body), `"identity":"did:example:learner"`) {
			t.Fatalf("body %s", body)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no delivery within 20 s")
	}
	stopA()
	stopped = true

	b, stop2 := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true})
	defer stop2()
	req, _ := http.NewRequest("POST", b.BaseURL()+"/api/v1/webhooks", strings.NewReader(`{"url":"`+recv.URL+`/hook","events":["award.issued"]}`))
	req.Header.Set("Authorization", "Bearer "+b.FirstRun.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(out), `"field":"url"`) {
		t.Fatalf("without the operator's allowance: %d %s, want 422 naming url", resp.StatusCode, out)
	}
}
