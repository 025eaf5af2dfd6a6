package admin

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/webhooks"
)

// TestBrowserWebhooks registers an endpoint pointing to a test receiver
// through the Webhooks page, copies its secret, issues an award, and sees
// the delivery with the receiver's 200 on the endpoint's page; the
// receiver checks the signature with the secret the page showed.
func TestBrowserWebhooks(t *testing.T) {
	var mux http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) }))
	defer srv.Close()
	e := newEnv(t, srv.URL, Options{})
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wh := webhooks.New(e.db, kr, webhooks.Options{AllowPrivate: true, CredentialURL: e.svc.CredentialURL, ChangeType: e.svc.ChangeType})
	if err := wh.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.db.AwardMessages = wh.AwardMessages
	w := outbox.NewWorker(e.db, "browser-test", nil)
	w.Poll = 50 * time.Millisecond
	w.Register(wh.EventConsumer())
	w.Register(wh.DeliveryConsumer())
	e.db.OutboxWake = w.Wake
	wctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(wctx); close(done) }()
	defer func() { stop(); <-done }()
	m := http.NewServeMux()
	New(e.svc, Options{Webhooks: wh}).Register(m)
	mux = m

	var mu sync.Mutex
	var secret string
	var verified, received int
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		received++
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "." + string(body)))
		if r.Header.Get("webhook-signature") == "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
			verified++
		}
		io.WriteString(w, `{"received":true}`)
	}))
	defer recv.Close()

	dir := testenv.ScreenshotDir(t)
	actx := testenv.Browser(t, 120*time.Second)
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	shot := func(name string) {
		t.Helper()
		b := run(t, ctx, chromedp.FullScreenshot(100))
		file := filepath.Join(dir, "admin-webhooks-"+name+".png")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/admin/webhooks"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), ownerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#webhook-form")),
	); err != nil {
		t.Fatal(err)
	}
	// No event ticked: the error shows next to the events.
	run(t, ctx, chromedp.Evaluate[bool](`document.querySelectorAll("input[name=events]").forEach(c => c.checked = false); true`))
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#url"), recv.URL+"/hook"),
		chromedp.SendKeys(chromedp.CSS("#description"), "Student records"),
		chromedp.Click(chromedp.CSS("#webhook-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#events p.field-error")),
	); err != nil {
		t.Fatal(err)
	}
	shot("error")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("input[value='award.issued']")),
		chromedp.Click(chromedp.CSS("input[value='award.revoked']")),
		chromedp.Click(chromedp.CSS("#webhook-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#new-secret")),
	); err != nil {
		t.Fatal(err)
	}
	s := run(t, ctx, chromedp.Value(chromedp.CSS("#new-secret input")))
	if !strings.HasPrefix(s, "whsec_") {
		t.Fatalf("secret %q", s)
	}
	mu.Lock()
	secret = s
	mu.Unlock()
	shot("created")

	e.award(t, "ada@example.org")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#new-secret a")), chromedp.WaitVisible(chromedp.CSS("#deliveries"))); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		text := run(t, ctx, chromedp.Text(chromedp.CSS("#deliveries")))
		if strings.Contains(text, "award.issued") && strings.Contains(text, "Delivered") && strings.Contains(text, "200") {
			if !strings.Contains(text, `{"received":true}`) {
				t.Errorf("the response is not shown:\n%s", text)
			}
			break
		}
		if i == 50 {
			t.Fatalf("no delivered award.issued on the page:\n%s", text)
		}
		time.Sleep(200 * time.Millisecond)
		if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#deliveries"))); err != nil {
			t.Fatal(err)
		}
	}
	// A test event, then disable.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#send-test"))); err != nil {
		t.Fatal(err)
	}
	waitLocation(t, ctx, "done=test")
	for i := 0; ; i++ {
		if text := run(t, ctx, chromedp.Text(chromedp.CSS("#deliveries"))); strings.Contains(text, "webhook.test") && strings.Count(text, "Delivered") == 2 {
			break
		} else if i == 50 {
			t.Fatalf("the test event is not delivered:\n%s", text)
		}
		time.Sleep(200 * time.Millisecond)
		if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#deliveries"))); err != nil {
			t.Fatal(err)
		}
	}
	shot("deliveries")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#webhook-form input[name=enabled]")),
		chromedp.Click(chromedp.CSS("#webhook-form button[type=submit]")),
	); err != nil {
		t.Fatal(err)
	}
	waitLocation(t, ctx, "done=update")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin/webhooks"),
		chromedp.WaitVisible(chromedp.CSS("#endpoints")),
	); err != nil {
		t.Fatal(err)
	}
	if text := run(t, ctx, chromedp.Text(chromedp.CSS("#endpoints"))); !strings.Contains(text, "Disabled") {
		t.Errorf("the list does not show the endpoint disabled:\n%s", text)
	}
	shot("list")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(srv.URL+"/admin/webhooks"), chromedp.WaitVisible(chromedp.CSS("#endpoints"))); err != nil {
		t.Fatal(err)
	}
	if run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
		t.Errorf("the webhooks page is wider than a phone")
	}
	shot("list-phone")
	mu.Lock()
	defer mu.Unlock()
	if received != 2 || verified != 2 {
		t.Errorf("the receiver got %d deliveries, %d with a valid signature; want 2 and 2", received, verified)
	}
}

// waitLocation waits until the page's URL contains part (a form's
// redirect has landed) and the page is loaded.
func waitLocation(t *testing.T, ctx context.Context, part string) {
	t.Helper()
	for i := 0; ; i++ {
		if loc := run(t, ctx, chromedp.Location()); strings.Contains(loc, part) {
			if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
				t.Fatal(err)
			}
			return
		} else if i == 100 {
			t.Fatalf("at %s, want a URL with %s", loc, part)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
