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

// TestJobDoneWebhook: an award job that ends sends job.done, once, with its
// final counts, to an endpoint subscribed to it (and award.issued to none
// that is not).
func TestJobDoneWebhook(t *testing.T) {
	bodies := make(chan []byte, 50)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- b
	}))
	defer recv.Close()
	a, stop := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true, WebhooksAllowPrivate: true})
	defer stop()
	call := func(method, path, ctype, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, a.BaseURL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+a.FirstRun.APIKey)
		req.Header.Set("Content-Type", ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, out := call("POST", "/api/v1/webhooks", "application/json", `{"url":"`+recv.URL+`/hook","events":["job.done"]}`); code != http.StatusCreated {
		t.Fatalf("register: %d %s", code, out)
	}
	code, out := call("POST", "/api/v1/award-jobs?achievementId="+a.FirstRun.AchievementID, "text/csv",
		"email,name\nada@example.org,Ada\nbob@example.org,Bob\nnot-an-email,Eve\n")
	if code != http.StatusAccepted {
		t.Fatalf("upload: %d %s", code, out)
	}
	var job struct{ ID string }
	json.Unmarshal(out, &job)
	select {
	case body := <-bodies:
		var ev struct {
			Type string
			Data struct {
				JobID   string
				Summary struct {
					State                          string
					Total, Issued, Failed, Skipped int
				}
			}
		}
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Fatal(err)
		}
		s := ev.Data.Summary
		if ev.Type != "job.done" || ev.Data.JobID != job.ID || s.State != "done" || s.Issued != 2 || s.Total != 3 {
			t.Fatalf("event %s, want job.done of %s with 2 of 3 issued", body, job.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no job.done within 30 s")
	}
	select {
	case body := <-bodies:
		t.Fatalf("a second delivery: %s", body)
	case <-time.After(time.Second):
	}
}
