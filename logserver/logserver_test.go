package logserver_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/logserver"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/translog"
)

type fixture struct {
	db    *store.DB
	svc   *issuing.Service
	log   *issuing.TransparencyLog
	srv   *httptest.Server
	orgID string
	achID string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	kr, _ := keyring.New(keyring.GenerateMasterKey(), nil)
	f := &fixture{db: db}
	if f.svc, err = issuing.New(db, kr, issuing.Options{BaseURL: "https://badges.example.org"}); err != nil {
		t.Fatal(err)
	}
	db.AwardEvent = f.svc.AwardEvent
	if f.log, err = f.svc.OpenLog(ctx, db.LogStorage(), issuing.LogOptions{}); err != nil {
		t.Fatal(err)
	}
	org := &cairn.Organization{Slug: "uni", Name: "Uni"}
	if err := db.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	is, err := f.svc.CreateIssuer(ctx, org.ID, issuing.IssuerInput{Name: "School", URL: "https://example.org", Email: "b@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	ach, err := f.svc.CreateAchievement(ctx, org.ID, issuing.AchievementInput{IssuerID: is.ID, Name: "Badge", Description: "A badge.", CriteriaNarrative: "Do it."})
	if err != nil {
		t.Fatal(err)
	}
	f.orgID, f.achID = org.ID, ach.ID
	mux := http.NewServeMux()
	(&logserver.Handler{Log: f.log, CredentialURL: f.svc.CredentialURL}).Register(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) award(t *testing.T, i int) *cairn.Award {
	t.Helper()
	aw, _, err := f.svc.Award(context.Background(), f.orgID, issuing.AwardInput{AchievementID: f.achID,
		Recipient: issuing.RecipientInput{Email: fmt.Sprintf("l%d@example.org", i)}})
	if err != nil {
		t.Fatal(err)
	}
	return aw
}

func (f *fixture) drain(t *testing.T) {
	t.Helper()
	if _, err := f.log.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestEndpoints(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	base := f.srv.URL + "/log"

	// Before the worker's first round there is no checkpoint.
	if resp, _ := get(t, base+"/checkpoint"); resp.StatusCode != 404 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("checkpoint before the first: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	first := f.award(t, 0)
	f.drain(t)
	resp, oldNote := get(t, base+"/checkpoint")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("checkpoint: %d %v", resp.StatusCode, resp.Header)
	}
	_, vkey := get(t, base+"/key")
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		t.Fatal(err)
	}
	old, _, err := translog.OpenCheckpoint(oldNote, v)
	if err != nil || old.Size != 1 || old.Origin != "badges.example.org/log" {
		t.Fatalf("checkpoint %+v, %v", old, err)
	}

	var awards []*cairn.Award
	for i := 1; i < 4; i++ {
		awards = append(awards, f.award(t, i))
	}
	if _, err := f.svc.SetState(ctx, f.orgID, first.ID, cairn.StateRevoked, ""); err != nil {
		t.Fatal(err)
	}
	// Accepted, not yet appended: the lookup says pending.
	var lr logserver.LookupResponse
	resp, body := get(t, base+"/lookup/"+first.ID)
	if err := json.Unmarshal(body, &lr); err != nil || resp.StatusCode != 200 || !lr.Pending || len(lr.Entries) != 1 {
		t.Fatalf("lookup before the drain: %d %s", resp.StatusCode, body)
	}
	f.drain(t)

	resp, body = get(t, base+"/lookup/"+first.ID)
	lr = logserver.LookupResponse{}
	if err := json.Unmarshal(body, &lr); err != nil || resp.StatusCode != 200 {
		t.Fatalf("lookup: %d %s", resp.StatusCode, body)
	}
	cp, _, err := translog.OpenCheckpoint([]byte(lr.Checkpoint), v)
	if err != nil || cp.Size != 5 || lr.TreeSize != 5 || lr.Pending || len(lr.Entries) != 2 {
		t.Fatalf("lookup %+v (checkpoint %v)", lr, err)
	}
	for i, e := range lr.Entries {
		if err := translog.VerifyInclusion(cp, e.Index, e.Entry, e.InclusionProof); err != nil || !e.Included {
			t.Errorf("entry %d: %v", i, err)
		}
		ev, err := translog.ParseEvent(e.Entry)
		if err != nil || ev.CredentialID != f.svc.CredentialURL(first.ID) {
			t.Errorf("entry %d: %+v, %v", i, ev, err)
		}
	}
	if lr.Entries[0].Type != "issued" || lr.Entries[1].Type != "revoked" {
		t.Errorf("event types %s, %s", lr.Entries[0].Type, lr.Entries[1].Type)
	}
	// The full credential id, escaped, names the same credential.
	resp, _ = get(t, base+"/lookup/"+strings.ReplaceAll(strings.ReplaceAll(f.svc.CredentialURL(awards[0].ID), "/", "%2F"), ":", "%3A"))
	if resp.StatusCode != 200 {
		t.Errorf("lookup by credential URL: %d", resp.StatusCode)
	}
	// A log answers for a credential it does not have: no entries, under
	// its signed checkpoint (a 404 would mean there is no log).
	resp, body = get(t, base+"/lookup/unknown")
	lr = logserver.LookupResponse{}
	if err := json.Unmarshal(body, &lr); err != nil || resp.StatusCode != 200 || len(lr.Entries) != 0 || lr.Pending || lr.TreeSize != 5 {
		t.Errorf("lookup of an unknown credential: %d %s", resp.StatusCode, body)
	}

	var cr logserver.ConsistencyResponse
	resp, body = get(t, base+"/proof/consistency?old=1")
	if err := json.Unmarshal(body, &cr); err != nil || resp.StatusCode != 200 || cr.Old != 1 || cr.New != 5 {
		t.Fatalf("consistency: %d %s", resp.StatusCode, body)
	}
	if err := translog.VerifyConsistency(old, cp, cr.Proof); err != nil {
		t.Errorf("consistency proof: %v", err)
	}
	for _, q := range []string{"", "?old=x", "?old=3&new=2", "?old=1&new=6"} {
		if resp, _ := get(t, base+"/proof/consistency"+q); resp.StatusCode != 400 {
			t.Errorf("consistency%s: %d, want 400", q, resp.StatusCode)
		}
	}

	// An auditor downloading the log over HTTP checks it all, from the
	// checkpoint it saved.
	a := &translog.Auditor{Fetch: logserver.Fetcher(nil, base), LogKey: v}
	res, err := a.Audit(ctx, oldNote)
	if err != nil || res.Checkpoint.Size != 5 {
		t.Fatalf("audit: %+v, %v", res, err)
	}
	for path, want := range map[string]int{
		"tile/0/000.p/5": 200, "tile/entries/000.p/5": 200, "tile/0/000.p/6": 404, "tile/0/000": 404,
		"tile/0/001.p/1": 404, "tile/0/0": 404, "tile/x": 404, "nope": 404,
	} {
		resp, _ := get(t, base+"/"+path)
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
		if want == 200 && resp.Header.Get("Cache-Control") != "public, max-age=60" {
			t.Errorf("%s: Cache-Control %q", path, resp.Header.Get("Cache-Control"))
		}
	}
}

// TestFullTiles fills a tile: it is served as immutable.
func TestFullTiles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var evs []translog.Event
	for i := range 300 {
		evs = append(evs, translog.Event{CredentialID: fmt.Sprintf("urn:x:%d", i), Issuer: "did:web:x",
			CredentialDigest: sha256.Sum256([]byte{byte(i)}), Type: translog.Issued, Time: time.Unix(1700000000, 0)})
	}
	if _, err := f.log.Log().Append(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	f.drain(t) // signs the grown tree
	for path, cache := range map[string]string{
		"tile/0/000": "public, max-age=31536000, immutable", "tile/entries/000": "public, max-age=31536000, immutable",
		"tile/0/001.p/44": "public, max-age=60", "tile/1/000.p/1": "public, max-age=60",
	} {
		resp, body := get(t, f.srv.URL+"/log/"+path)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != cache || resp.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("%s: %d %v", path, resp.StatusCode, resp.Header)
		}
		if path == "tile/0/000" && len(body) != 256*32 {
			t.Errorf("full tile of %d bytes", len(body))
		}
	}
	a := &translog.Auditor{Fetch: logserver.Fetcher(nil, f.srv.URL+"/log"), LogKey: f.log.Verifier()}
	if _, err := a.Audit(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := logserver.Fetcher(nil, f.srv.URL+"/log")(ctx, "tile/0/009"); !errors.Is(err, translog.ErrNotFound) {
		t.Errorf("fetching a missing tile: %v, want ErrNotFound", err)
	}
}
