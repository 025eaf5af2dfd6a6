package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/translog"
	"github.com/cairn-badges/cairn/webhooks"
)

// TestSignSpecExample checks Sign against the example the Standard
// Webhooks reference libraries publish (libraries/go/webhook_test.go,
// TestWebhookSign, in github.com/standard-webhooks/standard-webhooks).
func TestSignSpecExample(t *testing.T) {
	key, err := webhooks.SecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := webhooks.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

// TestVerify: the signature verifies; another body, id, key or a stale
// timestamp does not.
func TestVerify(t *testing.T) {
	key, _ := webhooks.SecretKey(webhooks.NewSecret())
	now := time.Unix(1700000000, 0)
	body := []byte(`{"type":"award.issued"}`)
	sig := webhooks.Sign(key, "msg_1", now, body)
	ts := strconv.FormatInt(now.Unix(), 10)
	other, _ := webhooks.SecretKey(webhooks.NewSecret())
	for _, c := range []struct {
		name      string
		key       []byte
		id, ts    string
		sig       string
		body      string
		now       time.Time
		wantValid bool
	}{
		{"valid", key, "msg_1", ts, sig, string(body), now, true},
		{"several signatures", key, "msg_1", ts, "v1,AAAA " + sig, string(body), now, true},
		{"other body", key, "msg_1", ts, sig, `{"type":"award.revoked"}`, now, false},
		{"other id", key, "msg_2", ts, sig, string(body), now, false},
		{"other key", other, "msg_1", ts, sig, string(body), now, false},
		{"stale", key, "msg_1", ts, sig, string(body), now.Add(10 * time.Minute), false},
		{"bad timestamp", key, "msg_1", "x", sig, string(body), now, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := webhooks.Verify(c.key, c.id, c.ts, c.sig, []byte(c.body), c.now, 5*time.Minute); got != c.wantValid {
				t.Fatalf("Verify = %v, want %v", got, c.wantValid)
			}
		})
	}
}

func TestAwardEventType(t *testing.T) {
	for _, c := range []struct {
		in   translog.EventType
		want string
	}{
		{translog.Issued, webhooks.AwardIssued},
		{translog.Revoked, webhooks.AwardRevoked},
		{translog.Suspended, webhooks.AwardSuspended},
		{translog.Reinstated, webhooks.AwardReinstated},
		{translog.Renewed, webhooks.AwardRenewed},
		{translog.Reissued, webhooks.AwardRenewed},
		{"", ""},
	} {
		t.Run(string(c.in), func(t *testing.T) {
			if got := webhooks.AwardEventType(c.in); got != c.want {
				t.Fatalf("AwardEventType(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://hooks.example.org/cairn", false, true},
		{"https://93.184.216.34/x", false, true},
		{"http://hooks.example.org/cairn", false, false},
		{"http://hooks.example.org/cairn", true, true},
		{"https://127.0.0.1/x", false, false},
		{"https://localhost/x", false, false},
		{"https://LocalHost./x", false, false},
		{"https://a.localhost/x", false, false},
		{"https://10.1.2.3/x", false, false},
		{"https://192.168.0.1/x", false, false},
		{"https://172.16.5.5/x", false, false},
		{"https://169.254.169.254/latest/meta-data", false, false},
		{"https://[::1]/x", false, false},
		{"https://[fd00::1]/x", false, false},
		{"https://[fe80::1]/x", false, false},
		{"https://[::ffff:127.0.0.1]/x", false, false},
		{"https://127.0.0.1/x", true, true},
		{"ftp://hooks.example.org/", false, false},
		{"https://user:pw@hooks.example.org/", false, false},
		{"https:///nohost", false, false},
		{"", false, false},
	} {
		t.Run(c.url, func(t *testing.T) {
			err := webhooks.CheckURL(c.url, c.allowPrivate)
			if (err == nil) != c.ok {
				t.Fatalf("CheckURL(%q, %v) = %v, want ok=%v", c.url, c.allowPrivate, err, c.ok)
			}
			if err != nil && cairn.FieldOf(err) != "url" {
				t.Fatalf("error %v names field %q, want url", err, cairn.FieldOf(err))
			}
		})
	}
}

var quiet = slog.New(slog.DiscardHandler)

// env is a store, an issuing service, a webhooks service and an outbox
// worker over them, wired as the app wires them, and an organization with
// an achievement.
type env struct {
	db  *store.DB
	kr  *keyring.Keyring
	svc *issuing.Service
	wh  *webhooks.Service
	w   *outbox.Worker
	org *cairn.Organization
	ach *cairn.Achievement
}

func newEnv(t *testing.T, allowPrivate bool) *env {
	t.Helper()
	ctx := context.Background()
	db, svc := testenv.Service(t, "https://badges.example.org", nil)
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, kr: kr, svc: svc}
	e.wh = webhooks.New(db, kr, webhooks.Options{AllowPrivate: allowPrivate, CredentialURL: svc.CredentialURL,
		ChangeType: svc.ChangeType, Timeout: 5 * time.Second, Log: quiet})
	if err := e.wh.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	db.AwardMessages = e.wh.AwardMessages
	e.w = outbox.NewWorker(db, "test", quiet)
	e.w.Register(e.wh.EventConsumer())
	c := e.wh.DeliveryConsumer()
	c.Backoff = func(int) time.Duration { return 0 }
	e.w.Register(c)
	e.org = e.newOrg(t, "uni")
	is, err := svc.CreateIssuer(ctx, e.org.ID, issuing.IssuerInput{Name: "Uni", URL: "https://uni.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if e.ach, err = svc.CreateAchievement(ctx, e.org.ID, issuing.AchievementInput{IssuerID: is.ID, Name: "Data",
		Description: "Data.", CriteriaNarrative: "Do it."}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) newOrg(t *testing.T, slug string) *cairn.Organization {
	t.Helper()
	org := &cairn.Organization{Slug: slug, Name: slug}
	if err := e.db.CreateOrganizationWithOwner(context.Background(), org, &cairn.Account{Email: slug + "@example.org", PasswordHash: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	return org
}

func (e *env) award(t *testing.T) *cairn.Award {
	t.Helper()
	aw, _, err := e.svc.Award(context.Background(), e.org.ID, issuing.AwardInput{AchievementID: e.ach.ID,
		Recipient: issuing.RecipientInput{Email: "ada@example.org", Name: "Ada"}})
	if err != nil {
		t.Fatal(err)
	}
	return aw
}

// drain runs the event and delivery consumers until neither has work.
func (e *env) drain(ctx context.Context) {
	for range 50 {
		if e.w.RunOnce(ctx, webhooks.EventKind)+e.w.RunOnce(ctx, webhooks.DeliveryKind) == 0 {
			return
		}
	}
}

func (e *env) messages(t *testing.T, kind string) []store.OutboxMessage {
	t.Helper()
	ms, err := e.db.OutboxMessages(context.Background(), e.org.ID, kind, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// receiver is an httptest server that checks each delivery's signature by
// hand, per the spec, and records what it got.
type receiver struct {
	*httptest.Server
	t      *testing.T
	mu     sync.Mutex
	secret string
	// status answers the n-th request (from 1); nil: 200.
	status func(n int) int
	got    []delivery
	seen   map[string]int  // webhook-id → times received
	done   map[string]bool // webhook-ids answered with a 2xx
	block  chan struct{}   // if not nil, requests wait on it
	arrive chan string
}

type delivery struct {
	id   string
	body map[string]any
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, seen: map[string]int{}, done: map[string]bool{}, arrive: make(chan string, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id, ts, sig := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	r.mu.Lock()
	secret := r.secret
	r.mu.Unlock()
	// The signature, computed by hand from the spec: HMAC-SHA256 keyed
	// with the base64-decoded secret over "id.timestamp.body".
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		r.t.Errorf("secret %q: %v", secret, err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if sig != want || id == "" || strings.Contains(id, ".") {
		r.t.Errorf("delivery %s: signature %q, want %q", id, sig, want)
	}
	if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
		r.t.Errorf("delivery %s: webhook-timestamp %q is not now", id, ts)
	}
	r.arrive <- id
	if r.block != nil {
		<-r.block
	}
	r.mu.Lock()
	r.seen[id]++
	n := 0
	for _, c := range r.seen {
		n += c
	}
	status := 200
	if r.status != nil {
		status = r.status(n)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		r.t.Errorf("delivery %s: body %s: %v", id, body, err)
	}
	if status/100 == 2 && !r.done[id] { // deduped by webhook-id
		r.done[id] = true
		r.got = append(r.got, delivery{id, m})
	}
	r.mu.Unlock()
	w.WriteHeader(status)
	io.WriteString(w, `{"ok":`+strconv.FormatBool(status/100 == 2)+`}`)
}

func (e *env) register(t *testing.T, r *receiver, events ...string) *webhooks.Endpoint {
	t.Helper()
	u := r.URL + "/hook"
	ep, secret, err := e.wh.Create(context.Background(), e.org.ID, webhooks.Input{URL: &u, Events: &events})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
	return ep
}

// TestAwardEvents: each award change gives the event of the mapping table,
// signed, with its data; an endpoint gets only the types it wants.
func TestAwardEvents(t *testing.T) {
	e := newEnv(t, true)
	ctx := context.Background()
	r := newReceiver(t)
	e.register(t, r, webhooks.EventTypes...)
	only := newReceiver(t)
	e.register(t, only, webhooks.AwardRevoked)
	// Both receivers check with the secret they were given.
	aw := e.award(t)
	steps := []struct {
		do   func() error
		want string
	}{
		{func() error { return nil }, webhooks.AwardIssued},
		{func() error {
			_, err := e.svc.SetState(ctx, e.org.ID, aw.ID, cairn.StateSuspended, "check")
			return err
		}, webhooks.AwardSuspended},
		{func() error { _, err := e.svc.SetState(ctx, e.org.ID, aw.ID, cairn.StateActive, ""); return err }, webhooks.AwardReinstated},
		{func() error { _, err := e.svc.Renew(ctx, e.org.ID, aw.ID, nil); return err }, webhooks.AwardRenewed},
		{func() error { _, err := e.svc.Reissue(ctx, e.org.ID, aw.ID); return err }, webhooks.AwardRenewed},
		{func() error { _, err := e.svc.SetState(ctx, e.org.ID, aw.ID, cairn.StateRevoked, "fraud"); return err }, webhooks.AwardRevoked},
	}
	for i, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		e.drain(ctx)
		r.mu.Lock()
		n := len(r.got)
		var last delivery
		if n > 0 {
			last = r.got[n-1]
		}
		r.mu.Unlock()
		if n != i+1 || last.body["type"] != s.want {
			t.Fatalf("step %d: the receiver has %d events, the last %v; want %d, the last %s", i, n, last.body["type"], i+1, s.want)
		}
		data := last.body["data"].(map[string]any)
		if data["awardId"] != aw.ID || data["credentialUrl"] != e.svc.CredentialURL(aw.ID) || data["achievementId"] != e.ach.ID {
			t.Fatalf("step %d: data %v", i, data)
		}
		if rc := data["recipient"].(map[string]any); rc["type"] != "email" || rc["identity"] != nil {
			t.Fatalf("step %d: recipient %v, want the type without the email", i, rc)
		}
	}
	if c := r.got[3].body["data"].(map[string]any)["change"]; c != "renewed" {
		t.Fatalf("renew: change %v", c)
	}
	if c := r.got[4].body["data"].(map[string]any)["change"]; c != "reissued" {
		t.Fatalf("reissue: change %v", c)
	}
	if s := r.got[5].body["data"].(map[string]any); s["state"] != "revoked" || s["reason"] != "fraud" {
		t.Fatalf("revoke: data %v", s)
	}
	if len(only.got) != 1 || only.got[0].body["type"] != webhooks.AwardRevoked {
		t.Fatalf("the revoked-only endpoint got %v", only.got)
	}
	// A new reason for the same state is no event.
	if _, err := e.svc.SetState(ctx, e.org.ID, aw.ID, cairn.StateRevoked, "fraud, confirmed"); err != nil {
		t.Fatal(err)
	}
	if n := len(e.messages(t, webhooks.EventKind)); n != 6 {
		t.Fatalf("%d event messages, want 6", n)
	}
}

// TestNoEndpointsNoMessages: an organization without endpoints gets no
// outbox message per award; one whose endpoint is disabled neither.
func TestNoEndpointsNoMessages(t *testing.T) {
	e := newEnv(t, true)
	e.award(t)
	if ms := e.messages(t, webhooks.EventKind); len(ms) != 0 {
		t.Fatalf("%d event messages for an organization without endpoints", len(ms))
	}
	r := newReceiver(t)
	ep := e.register(t, r, webhooks.AwardIssued)
	e.award(t)
	if ms := e.messages(t, webhooks.EventKind); len(ms) != 1 {
		t.Fatalf("%d event messages after registering, want 1", len(ms))
	}
	off := false
	if _, err := e.wh.Update(context.Background(), e.org.ID, ep.ID, webhooks.Input{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	e.award(t)
	if ms := e.messages(t, webhooks.EventKind); len(ms) != 1 {
		t.Fatalf("%d event messages after disabling, want still 1", len(ms))
	}
}

// TestRetryThenSuccess: 500 twice, then 200: three attempts recorded, one
// success, and the same webhook-id each time.
func TestRetryThenSuccess(t *testing.T) {
	e := newEnv(t, true)
	ctx := context.Background()
	r := newReceiver(t)
	r.status = func(n int) int {
		if n <= 2 {
			return 500
		}
		return 200
	}
	ep := e.register(t, r, webhooks.AwardIssued)
	e.award(t)
	e.drain(ctx)
	if len(r.seen) != 1 || len(r.got) != 1 {
		t.Fatalf("the receiver saw ids %v and kept %d events, want one id and one event", r.seen, len(r.got))
	}
	for id, n := range r.seen {
		if n != 3 {
			t.Fatalf("webhook-id %s came %d times, want 3 (two 500s, then 200)", id, n)
		}
	}
	ds, err := e.wh.Deliveries(ctx, e.org.ID, ep.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].State != "done" || len(ds[0].Attempts) != 3 {
		t.Fatalf("deliveries %+v, want one done with three attempts", ds)
	}
	for i, a := range ds[0].Attempts {
		want := 500
		if i == 2 {
			want = 200
		}
		if a.StatusCode != want || a.Attempt != i+1 || !strings.Contains(a.Response, `"ok"`) {
			t.Fatalf("attempt %d: %+v, want status %d", i, a, want)
		}
	}
	if ds[0].WebhookID != r.got[0].id {
		t.Fatalf("the listing says webhook-id %s, the receiver got %s", ds[0].WebhookID, r.got[0].id)
	}
	// A manual retry sends the same id again; the receiver dedupes it.
	if _, err := e.wh.Retry(ctx, e.org.ID, ep.ID, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	e.drain(ctx)
	if r.seen[ds[0].WebhookID] != 4 || len(r.got) != 1 {
		t.Fatalf("after a retry: seen %v, kept %d", r.seen, len(r.got))
	}
}

// TestGoneDisables: 410 disables the endpoint and ends the delivery.
func TestGoneDisables(t *testing.T) {
	e := newEnv(t, true)
	ctx := context.Background()
	r := newReceiver(t)
	r.status = func(int) int { return http.StatusGone }
	ep := e.register(t, r, webhooks.AwardIssued)
	e.award(t)
	e.drain(ctx)
	got, err := e.wh.Endpoint(ctx, e.org.ID, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Enabled || !strings.Contains(got.DisabledReason, "410") {
		t.Fatalf("after 410: enabled %v, reason %q", got.Enabled, got.DisabledReason)
	}
	ds, _ := e.wh.Deliveries(ctx, e.org.ID, ep.ID, 10)
	if len(ds) != 1 || ds[0].State != "dead" || len(ds[0].Attempts) != 1 {
		t.Fatalf("deliveries %+v, want one dead after one attempt", ds)
	}
}

// TestPrivateRefused: without AllowPrivate, a loopback endpoint is refused
// at registration, naming url; and a delivery to a name that resolves to
// loopback is refused at dial time, without reaching the receiver.
func TestPrivateRefused(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	r := newReceiver(t)
	u := r.URL + "/hook"
	evs := []string{webhooks.AwardIssued}
	_, _, err := e.wh.Create(ctx, e.org.ID, webhooks.Input{URL: &u, Events: &evs})
	if cairn.KindOf(err) != cairn.Invalid || cairn.FieldOf(err) != "url" {
		t.Fatalf("registering %s: %v, want Invalid naming url", u, err)
	}
	// A name that resolves (or is rebound) to loopback passes the
	// registration check; the dial check refuses it. Stand for it with an
	// endpoint stored as is.
	ep := &webhooks.Endpoint{ID: "rebound", OrgID: e.org.ID, URL: "https://127.0.0.1" + r.URL[strings.LastIndex(r.URL, ":"):] + "/hook",
		Events: evs, Enabled: true, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if ep.SecretSealed, err = e.kr.Seal([]byte(webhooks.NewSecret()), webhooks.SecretAAD(ep.ID)); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateWebhook(ctx, ep); err != nil {
		t.Fatal(err)
	}
	if err := e.wh.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	e.award(t)
	e.drain(ctx)
	if len(r.seen) != 0 {
		t.Fatalf("the receiver was reached: %v", r.seen)
	}
	ds, _ := e.wh.Deliveries(ctx, e.org.ID, ep.ID, 10)
	if len(ds) != 1 || len(ds[0].Attempts) == 0 || ds[0].Attempts[0].StatusCode != 0 ||
		!strings.Contains(ds[0].Attempts[0].Error, "not public") {
		t.Fatalf("deliveries %+v, want failed attempts refused as not public", ds)
	}
}

// TestFanOutTwice: running the fan-out of one event again (a crash after
// it enqueued) enqueues no second delivery.
func TestFanOutTwice(t *testing.T) {
	e := newEnv(t, true)
	ctx := context.Background()
	r := newReceiver(t)
	e.register(t, r, webhooks.AwardIssued)
	e.register(t, newReceiver(t), webhooks.AwardIssued)
	e.award(t)
	ev := e.messages(t, webhooks.EventKind)
	if len(ev) != 1 {
		t.Fatalf("%d events", len(ev))
	}
	h := e.wh.EventConsumer().Handle
	for range 3 {
		if err := h(ctx, ev[0].Message); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.messages(t, webhooks.DeliveryKind)); n != 2 {
		t.Fatalf("%d deliveries after three fan-outs to two endpoints, want 2", n)
	}
}

// TestCrashRedelivers: a worker stopped while the receiver holds the
// request leaves the delivery to be claimed again when its lease ends; the
// next attempt carries the same webhook-id.
func TestCrashRedelivers(t *testing.T) {
	e := newEnv(t, true)
	r := newReceiver(t)
	r.block = make(chan struct{})
	e.register(t, r, webhooks.AwardIssued)
	e.award(t)
	e.w.RunOnce(context.Background(), webhooks.EventKind)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.w.RunOnce(ctx, webhooks.DeliveryKind); close(done) }()
	first := <-r.arrive
	cancel() // the worker "crashes" with the request in flight
	<-done
	close(r.block)
	if ms := e.messages(t, webhooks.DeliveryKind); ms[0].State != outbox.Pending {
		t.Fatalf("after the crash: %s, want pending", ms[0].State)
	}
	// The lease ends: move the store's clock past it.
	e.db.Now = func() time.Time { return time.Now().Add(time.Hour) }
	w2 := outbox.NewWorker(e.db, "second", quiet)
	w2.Register(e.wh.DeliveryConsumer())
	if n := w2.RunOnce(context.Background(), webhooks.DeliveryKind); n != 1 {
		t.Fatalf("the second worker claimed %d", n)
	}
	second := <-r.arrive
	if first != second {
		t.Fatalf("webhook-id %s, then %s after the crash", first, second)
	}
	if ms := e.messages(t, webhooks.DeliveryKind); ms[0].State != outbox.Done {
		t.Fatalf("after the second worker: %s", ms[0].State)
	}
	if len(r.got) != 1 {
		t.Fatalf("the receiver kept %d events, want 1", len(r.got))
	}
}

// TestJobDoneMessage: the message of a finished job, enqueued in a
// transaction of its own as the jobs code does, reaches an endpoint that
// wants job.done, once however often it is enqueued.
func TestJobDoneMessage(t *testing.T) {
	e := newEnv(t, true)
	ctx := context.Background()
	r := newReceiver(t)
	e.register(t, r, webhooks.JobDone)
	for range 2 {
		m, err := webhooks.JobDoneMessage(e.org.ID, "job-1", map[string]int{"issued": 3, "failed": 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.db.EnqueueTx(ctx, func(context.Context, store.Tx) ([]outbox.Message, error) { return []outbox.Message{m}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	e.award(t) // not wanted by the endpoint
	e.drain(ctx)
	if len(r.got) != 1 || r.got[0].body["type"] != webhooks.JobDone {
		t.Fatalf("the receiver got %v", r.got)
	}
	data := r.got[0].body["data"].(map[string]any)
	if data["jobId"] != "job-1" || data["summary"].(map[string]any)["issued"] != float64(3) {
		t.Fatalf("data %v", data)
	}
	if _, err := webhooks.JobDoneMessage("", "x", nil); err == nil {
		t.Fatal("JobDoneMessage without an organization: no error")
	}
}

// TestTenancy: another organization's endpoints are not found.
func TestTenancy(t *testing.T) {
	e := newEnv(t, true)
	ctx := context.Background()
	ep := e.register(t, newReceiver(t), webhooks.AwardIssued)
	other := e.newOrg(t, "other")
	if _, err := e.wh.Endpoint(ctx, other.ID, ep.ID); cairn.KindOf(err) != cairn.NotFound {
		t.Fatalf("Endpoint from another organization: %v", err)
	}
	if err := e.wh.Delete(ctx, other.ID, ep.ID); cairn.KindOf(err) != cairn.NotFound {
		t.Fatalf("Delete from another organization: %v", err)
	}
	if _, err := e.wh.SendTest(ctx, other.ID, ep.ID); cairn.KindOf(err) != cairn.NotFound {
		t.Fatalf("SendTest from another organization: %v", err)
	}
	if _, err := e.wh.Deliveries(ctx, other.ID, ep.ID, 10); cairn.KindOf(err) != cairn.NotFound {
		t.Fatalf("Deliveries from another organization: %v", err)
	}
}

// TestSendTest: the ping arrives signed, with type webhook.test.
func TestSendTest(t *testing.T) {
	e := newEnv(t, true)
	ctx := context.Background()
	r := newReceiver(t)
	ep := e.register(t, r, webhooks.AwardRevoked)
	id, err := e.wh.SendTest(ctx, e.org.ID, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.drain(ctx)
	if len(r.got) != 1 || r.got[0].id != id || r.got[0].body["type"] != webhooks.Test {
		t.Fatalf("the receiver got %v, want the test %s", r.got, id)
	}
}
