package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/verify"
)

type awardOut struct {
	ID           string `json:"id"`
	CredentialID string `json:"credentialId"`
	Recipient    struct {
		Type     string `json:"type"`
		Identity string `json:"identity"`
		Hashed   bool   `json:"hashed"`
	} `json:"recipient"`
	AwardedDate time.Time       `json:"awardedDate"`
	ValidFrom   time.Time       `json:"validFrom"`
	ValidUntil  *time.Time      `json:"validUntil"`
	Formats     []string        `json:"formats"`
	State       string          `json:"state"`
	StateReason string          `json:"stateReason"`
	Credential  json.RawMessage `json:"credential"`
	JWT         string          `json:"jwt"`
	Links       struct {
		Credential, JSON, JWT, PNG, SVG string
	} `json:"links"`
}

// TestAPI drives every endpoint in the order a client uses them: issuer,
// images, achievement, awards (Data Integrity and JWT), lists and pages,
// state changes, re-issue and renew, verifying the credentials throughout.
func TestAPI(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("uni")
	ctx := context.Background()

	var me struct {
		Organization struct{ ID, Slug string }
		Role         string
		APIKey       *struct{ Name, Prefix string } `json:"apiKey"`
	}
	e.do("GET", "/api/v1/me", o.key, nil).must(t, 200, &me)
	if me.Organization.ID != o.id || me.Role != "owner" || me.APIKey == nil || me.APIKey.Name != "test owner key" ||
		!strings.HasPrefix(o.key, strings.TrimSuffix(me.APIKey.Prefix, "…")) {
		t.Fatalf("me: %+v", me)
	}

	// Issuers.
	var is struct {
		ID, Name, URL, Email, Description, DID string
		Keys                                   []struct {
			ID, Type, VerificationMethod string
			RetiredAt                    *time.Time
		}
	}
	r := e.do("POST", "/api/v1/issuers", o.key, map[string]any{"name": " Example University ", "url": "https://example.edu", "email": "badges@example.edu"})
	r.must(t, 201, &is)
	if is.Name != "Example University" || !strings.HasPrefix(is.DID, "did:web:badges.example.org:issuers:") || len(is.Keys) != 2 {
		t.Fatalf("created issuer: %s", r.body)
	}
	if loc := r.hdr.Get("Location"); loc != "/api/v1/issuers/"+is.ID {
		t.Fatalf("Location %q", loc)
	}
	id := is.ID
	is.Email, is.Description = "", ""
	e.do("PATCH", "/api/v1/issuers/"+id, o.key, rawBody{"application/merge-patch+json", []byte(`{"description":"A university.","email":null}`)}).must(t, 200, &is)
	if is.Description != "A university." || is.Email != "" || is.URL != "https://example.edu" || is.ID != id {
		t.Fatalf("patched issuer: %+v", is)
	}
	// Contact details: the LinkedIn id is taken from an admin URL, the
	// country code upper-cased; null removes the address.
	var contact struct {
		Phone, LinkedinOrganizationID string
		Address                       *struct{ AddressLocality, AddressCountryCode string }
	}
	e.do("PATCH", "/api/v1/issuers/"+id, o.key, map[string]any{"phone": "+66 2 470 8000", "linkedinOrganizationId": "https://www.linkedin.com/company/165158/admin/",
		"address": map[string]any{"addressLocality": "Bangkok", "addressCountryCode": "th"}}).must(t, 200, &contact)
	if contact.Phone != "+66 2 470 8000" || contact.LinkedinOrganizationID != "165158" || contact.Address == nil ||
		contact.Address.AddressLocality != "Bangkok" || contact.Address.AddressCountryCode != "TH" {
		t.Fatalf("contact details: %+v", contact)
	}
	contact.Address = nil
	e.do("PATCH", "/api/v1/issuers/"+id, o.key, rawBody{"application/merge-patch+json", []byte(`{"description":"A university.","address":null}`)}).must(t, 200, &contact)
	if contact.Address != nil || contact.LinkedinOrganizationID != "165158" {
		t.Fatalf("address not removed, or LinkedIn id lost: %+v", contact)
	}
	var issuers struct{ Items []struct{ ID string } }
	e.do("GET", "/api/v1/issuers", o.key, nil).must(t, 200, &issuers)
	if len(issuers.Items) != 1 || issuers.Items[0].ID != is.ID {
		t.Fatalf("issuers: %+v", issuers)
	}

	// Images: an uploaded SVG (sanitized), a PNG in a multipart form, a
	// generated design.
	var img struct {
		ID, ContentType, SHA256 string
		Warnings                []string
	}
	evil := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"><script>alert(2)</script><circle r="4" cx="5" cy="5"/></svg>`
	e.do("POST", "/api/v1/images", o.key, rawBody{"image/svg+xml", []byte(evil)}).must(t, 201, &img)
	if img.ContentType != "image/svg+xml" || len(img.Warnings) == 0 {
		t.Fatalf("svg upload: %+v", img)
	}
	got := e.do("GET", "/api/v1/images/"+img.ID, o.key, nil)
	if got.code != 200 || bytes.Contains(got.body, []byte("script")) || bytes.Contains(got.body, []byte("onload")) || !bytes.Contains(got.body, []byte("circle")) {
		t.Fatalf("stored svg: %d %s", got.code, got.body)
	}
	pngData, err := badgeimg.Design{Title: "Go"}.PNG(300)
	if err != nil {
		t.Fatal(err)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "badge.png")
	fw.Write(pngData)
	mw.Close()
	e.do("POST", "/api/v1/images", o.key, rawBody{mw.FormDataContentType(), form.Bytes()}).must(t, 201, &img)
	if img.ContentType != "image/png" {
		t.Fatalf("png upload: %+v", img)
	}
	e.do("POST", "/api/v1/images/generate", o.key, map[string]any{"shape": "shield", "primary": "#112233", "title": "Go", "icon": "star", "format": "png", "size": 256}).must(t, 201, &img)
	if img.ContentType != "image/png" {
		t.Fatalf("generated png: %+v", img)
	}
	e.do("POST", "/api/v1/images/generate", o.key, map[string]any{"shape": "hexagon", "title": "Go Programming"}).must(t, 201, &img)
	if img.ContentType != "image/svg+xml" {
		t.Fatalf("generated svg: %+v", img)
	}

	// Achievements.
	var ach struct {
		ID, IssuerID, Name, URL, AchievementType string
		Alignment                                []map[string]any
		Tag                                      []string
		ValidForMonths                           int
	}
	e.do("POST", "/api/v1/achievements", o.key, achievementBody(is.ID, img.ID)).must(t, 201, &ach)
	if ach.IssuerID != is.ID || ach.AchievementType != "Certificate" || len(ach.Alignment) != 1 || ach.ValidForMonths != 24 ||
		ach.URL != testBase+"/achievements/"+ach.ID {
		t.Fatalf("achievement: %+v", ach)
	}
	upd := achievementBody("", img.ID)
	delete(upd, "issuerId")
	upd["name"] = "Go Programming II"
	e.do("PUT", "/api/v1/achievements/"+ach.ID, o.key, upd).must(t, 200, &ach)
	if ach.Name != "Go Programming II" || ach.IssuerID != is.ID {
		t.Fatalf("updated achievement: %+v", ach)
	}
	e.do("GET", "/api/v1/achievements/"+ach.ID, o.key, nil).must(t, 200, &ach)
	var achs struct{ Items []struct{ ID string } }
	e.do("GET", "/api/v1/achievements?issuerId="+is.ID, o.key, nil).must(t, 200, &achs)
	if len(achs.Items) != 1 {
		t.Fatalf("achievements of issuer: %+v", achs)
	}
	e.do("GET", "/api/v1/achievements?issuerId=nobody", o.key, nil).must(t, 200, &achs)
	if len(achs.Items) != 0 {
		t.Fatalf("achievements of no issuer: %+v", achs)
	}

	// An award in both formats.
	body := awardBody(ach.ID, "Ada@Example.com")
	body["formats"] = []string{"jwt", "di"}
	var aw awardOut
	r = e.do("POST", "/api/v1/awards", o.key, body)
	r.must(t, 201, &aw)
	if aw.CredentialID != testBase+"/credentials/"+aw.ID || aw.Links.JSON != aw.CredentialID+".json" || aw.Links.PNG != aw.CredentialID+".png" ||
		aw.Links.SVG != aw.CredentialID+".svg" || aw.Links.JWT != aw.CredentialID+".jwt" || aw.JWT == "" || aw.State != "active" ||
		aw.Recipient.Identity != "ada@example.com" || !aw.Recipient.Hashed || aw.ValidUntil == nil {
		t.Fatalf("award: %s", r.body)
	}
	if r.hdr.Get("Idempotent-Replayed") != "" {
		t.Fatal("a new award says it was replayed")
	}
	var cred map[string]any
	if err := json.Unmarshal(aw.Credential, &cred); err != nil || cred["id"] != aw.CredentialID || cred["proof"] == nil {
		t.Fatalf("credential: %v %s", err, aw.Credential)
	}
	mustVerify(t, e, aw.Credential, verify.Verified)
	mustVerify(t, e, []byte(aw.JWT), verify.Verified)
	// The same through POST /api/v1/verify, without authentication.
	var rep verify.Report
	e.do("POST", "/api/v1/verify", "", rawBody{"application/octet-stream", aw.Credential}).must(t, 200, &rep)
	if rep.Result != verify.Verified {
		t.Fatalf("verify endpoint: %+v", rep)
	}
	e.do("POST", "/api/v1/verify", "", rawBody{"text/plain", []byte(aw.JWT)}).must(t, 200, &rep)
	if rep.Result != verify.Verified {
		t.Fatalf("verify endpoint (JWT): %+v", rep)
	}
	e.do("POST", "/api/v1/verify", "", rawBody{"application/json", []byte("{nope")}).must(t, 422, &rep)
	if rep.Result != verify.Failed {
		t.Fatalf("verify endpoint (bad JSON): %+v", rep)
	}

	// A DID recipient with an explicit validUntil.
	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	var aw2 awardOut
	e.do("POST", "/api/v1/awards", o.key, map[string]any{"achievementId": ach.ID, "recipient": map[string]any{"did": "did:example:learner"},
		"validUntil": until}).must(t, 201, &aw2)
	if aw2.Recipient.Type != "did" || aw2.ValidUntil == nil || !aw2.ValidUntil.Equal(until) || aw2.JWT != "" || aw2.Links.JWT != "" {
		t.Fatalf("DID award: %+v", aw2)
	}
	mustVerify(t, e, aw2.Credential, verify.Verified)

	// Lists and pages: 7 awards in all.
	for i := range 5 {
		e.do("POST", "/api/v1/awards", o.key, awardBody(ach.ID, fmt.Sprintf("p%d@example.com", i))).must(t, 201, nil)
	}
	seen := map[string]bool{}
	next := "/api/v1/awards?limit=3"
	pages := 0
	for next != "" {
		r := e.do("GET", next, o.key, nil)
		var page struct {
			Items []awardOut
			Next  *string
		}
		r.must(t, 200, &page)
		pages++
		if r.hdr.Get("X-Total-Count") != "7" {
			t.Fatalf("X-Total-Count %q", r.hdr.Get("X-Total-Count"))
		}
		for _, a := range page.Items {
			if seen[a.ID] || a.Credential != nil {
				t.Fatalf("award %s seen twice, or listed with its credential", a.ID)
			}
			seen[a.ID] = true
		}
		link := r.hdr.Get("Link")
		if (page.Next == nil) != (link == "") {
			t.Fatalf("next %v but Link %q", page.Next, link)
		}
		next = ""
		if link != "" {
			u, rel, ok := strings.Cut(strings.TrimPrefix(link, "<"), ">")
			if !ok || rel != `; rel="next"` || !strings.HasPrefix(u, testBase+"/api/v1/awards?") {
				t.Fatalf("Link %q", link)
			}
			pu, _ := url.Parse(u)
			if pu.Query().Get("cursor") != *page.Next {
				t.Fatalf("Link %q does not carry the cursor %q", link, *page.Next)
			}
			next = pu.RequestURI()
		}
	}
	if len(seen) != 7 || pages != 3 {
		t.Fatalf("paged through %d awards in %d pages", len(seen), pages)
	}
	var list struct{ Items []awardOut }
	r = e.do("GET", "/api/v1/awards?recipient=ADA@example.com&achievementId="+ach.ID+"&issuerId="+is.ID, o.key, nil)
	r.must(t, 200, &list)
	if len(list.Items) != 1 || list.Items[0].ID != aw.ID || r.hdr.Get("X-Total-Count") != "1" {
		t.Fatalf("filtered by recipient: %s", r.body)
	}

	// Suspend, reinstate, revoke.
	e.do("POST", "/api/v1/awards/"+aw2.ID+"/suspend", o.key, map[string]any{"reason": "under review"}).must(t, 200, &aw2)
	if aw2.State != "suspended" || aw2.StateReason != "under review" {
		t.Fatalf("suspended: %+v", aw2)
	}
	e.do("GET", "/api/v1/awards?state=suspended", o.key, nil).must(t, 200, &list)
	if len(list.Items) != 1 || list.Items[0].ID != aw2.ID {
		t.Fatalf("suspended list: %+v", list)
	}
	e.do("POST", "/api/v1/awards/"+aw2.ID+"/reinstate", o.key, nil).must(t, 200, &aw2)
	if aw2.State != "active" {
		t.Fatalf("reinstated: %+v", aw2)
	}
	mustVerify(t, e, aw2.Credential, verify.Verified)

	// Re-issue: same id, newer validFrom, awardedDate kept; renew.
	time.Sleep(1100 * time.Millisecond) // validFrom has one-second precision
	var re awardOut
	e.do("POST", "/api/v1/awards/"+aw.ID+"/reissue", o.key, nil).must(t, 200, &re)
	if re.ID != aw.ID || !re.ValidFrom.After(aw.ValidFrom) || !re.AwardedDate.Equal(aw.AwardedDate) || bytes.Equal(re.Credential, aw.Credential) || re.JWT == "" {
		t.Fatalf("re-issued: %+v (was %+v)", re, aw)
	}
	mustVerify(t, e, re.Credential, verify.Verified)
	newUntil := time.Now().AddDate(3, 0, 0).UTC().Truncate(time.Second)
	e.do("POST", "/api/v1/awards/"+aw.ID+"/renew", o.key, map[string]any{"validUntil": newUntil}).must(t, 200, &re)
	if re.ValidUntil == nil || !re.ValidUntil.Equal(newUntil) {
		t.Fatalf("renewed: %+v", re)
	}
	mustVerify(t, e, re.Credential, verify.Verified)
	e.do("POST", "/api/v1/awards/"+aw.ID+"/renew", o.key, `{"validUntil":null}`).must(t, 200, &re)
	if re.ValidUntil != nil {
		t.Fatalf("renewed without expiry: %+v", re)
	}
	e.do("POST", "/api/v1/awards/"+aw.ID+"/renew", o.key, `{}`).problem(t, 422)

	e.do("POST", "/api/v1/awards/"+aw.ID+"/revoke", o.key, map[string]any{"reason": "issued in error"}).must(t, 200, &re)
	if re.State != "revoked" || re.StateReason != "issued in error" {
		t.Fatalf("revoked: %+v", re)
	}
	e.do("GET", "/api/v1/awards/"+aw.ID, o.key, nil).must(t, 200, &re)
	rep2 := e.verifier.Verify(ctx, re.Credential)
	if rep2.Result != verify.Failed || rep2.Check(verify.CheckStatus) == nil || rep2.Check(verify.CheckStatus).Outcome != verify.Failed {
		t.Fatalf("revoked credential verifies: %s", rep2.Summary())
	}
	for _, action := range []string{"reinstate", "suspend", "reissue"} {
		p := e.do("POST", "/api/v1/awards/"+aw.ID+"/"+action, o.key, nil).problem(t, 409)
		if !strings.Contains(p.Detail, "revoked") {
			t.Fatalf("%s of a revoked award: %+v", action, p)
		}
	}

	// Rotating keys keeps old credentials verifiable.
	e.do("POST", "/api/v1/issuers/"+is.ID+"/rotate-keys", o.key, nil).must(t, 200, &is)
	retired := 0
	for _, k := range is.Keys {
		if k.RetiredAt != nil {
			retired++
		}
	}
	if len(is.Keys) != 4 || retired != 2 {
		t.Fatalf("rotated keys: %+v", is.Keys)
	}
	mustVerify(t, e, aw2.Credential, verify.Verified)
	var aw3 awardOut
	e.do("POST", "/api/v1/awards", o.key, awardBody(ach.ID, "new@example.com")).must(t, 201, &aw3)
	mustVerify(t, e, aw3.Credential, verify.Verified)
}

func mustVerify(t *testing.T, e *env, input []byte, want verify.Outcome) {
	t.Helper()
	rep := e.verifier.Verify(context.Background(), input)
	if rep.Result != want {
		t.Fatalf("verification %s, want %s: %s", rep.Result, want, rep.Summary())
	}
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("idem")
	f := e.makeFixture(o)
	body := awardBody(f.achievementID, "retry@example.com")
	var first, again awardOut
	r := e.do("POST", "/api/v1/awards", o.key, body, "Idempotency-Key", "order-42")
	r.must(t, 201, &first)
	if r.hdr.Get("Idempotent-Replayed") != "" {
		t.Fatal("first request marked replayed")
	}
	r = e.do("POST", "/api/v1/awards", o.key, body, "Idempotency-Key", "order-42")
	r.must(t, 200, &again)
	if r.hdr.Get("Idempotent-Replayed") != "true" || again.ID != first.ID || !bytes.Equal(again.Credential, first.Credential) {
		t.Fatalf("replay: %s %+v", r.hdr.Get("Idempotent-Replayed"), again)
	}
	other := awardBody(f.achievementID, "someone-else@example.com")
	p := e.do("POST", "/api/v1/awards", o.key, other, "Idempotency-Key", "order-42").problem(t, 409)
	if p.Type != "urn:cairn:problem:conflict" {
		t.Fatalf("conflict: %+v", p)
	}
	// The key is per organization: another one may use it.
	o2 := e.newOrg("idem2")
	f2 := e.makeFixture(o2)
	e.do("POST", "/api/v1/awards", o2.key, awardBody(f2.achievementID, "retry@example.com"), "Idempotency-Key", "order-42").must(t, 201, nil)
	// Without a key, the same body makes a second award.
	e.do("POST", "/api/v1/awards", o.key, body).must(t, 201, &again)
	if again.ID == first.ID {
		t.Fatal("a request without Idempotency-Key replayed an award")
	}
	n, err := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: o.id, Recipient: "retry@example.com"})
	if err != nil || n != 2 {
		t.Fatalf("%d awards to retry@example.com (%v), want 2", n, err)
	}
	for _, bad := range []string{"", "two words", strings.Repeat("k", 201), "é"} {
		p := e.do("POST", "/api/v1/awards", o.key, body, "Idempotency-Key", bad).problem(t, 400)
		if p.Field != "Idempotency-Key" {
			t.Fatalf("Idempotency-Key %q: %+v", bad, p)
		}
	}
}

// TestConcurrentIdempotency sends the same keyed request at once from many
// goroutines: exactly one award exists afterwards.
func TestConcurrentIdempotency(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("race")
	f := e.makeFixture(o)
	body := awardBody(f.achievementID, "race@example.com")
	ids := make(chan string, 8)
	codes := make(chan int, 8)
	for range 8 {
		go func() {
			r := e.do("POST", "/api/v1/awards", o.key, body, "Idempotency-Key", "same")
			var a awardOut
			json.Unmarshal(r.body, &a)
			codes <- r.code
			ids <- a.ID
		}()
	}
	created := 0
	first := ""
	for range 8 {
		code, id := <-codes, <-ids
		if code == 201 {
			created++
		} else if code != 200 {
			t.Fatalf("status %d", code)
		}
		if first == "" {
			first = id
		} else if id != first {
			t.Fatalf("two awards: %s and %s", first, id)
		}
	}
	if created != 1 {
		t.Fatalf("%d responses said created", created)
	}
}

func TestListParams(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("params")
	e.makeFixture(o)
	for _, tc := range []struct{ query, field string }{
		{"limit=0", "limit"},
		{"limit=201", "limit"},
		{"limit=ten", "limit"},
		{"state=lost", "state"},
		{"since=yesterday", "since"},
		{"cursor=not-a-cursor", "cursor"},
		{"colour=blue", "colour"},
		{"limit=1&limit=2", "limit"},
		{"issuerId=%00", "issuerId"},
		{"achievementId=a/b", "achievementId"},
		{"recipient=a%00b", "recipient"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			p := e.do("GET", "/api/v1/awards?"+tc.query, o.key, nil).problem(t, 400)
			if p.Field != tc.field {
				t.Fatalf("field %q, want %q: %+v", p.Field, tc.field, p)
			}
		})
	}
	var page struct{ Items []awardOut }
	r := e.do("GET", "/api/v1/awards?limit=200&since="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), o.key, nil)
	r.must(t, 200, &page)
	if len(page.Items) != 0 || r.hdr.Get("X-Total-Count") != "0" {
		t.Fatalf("since the future: %s", r.body)
	}
	r = e.do("GET", "/api/v1/awards", o.key, nil)
	r.must(t, 200, &page)
	if n, _ := strconv.Atoi(r.hdr.Get("X-Total-Count")); n != 1 || len(page.Items) != 1 || r.hdr.Get("Link") != "" {
		t.Fatalf("one award: %s %v", r.body, r.hdr)
	}
}

// The organization's default language: owners set it, a viewer cannot,
// and a language Cairn does not speak is a 422 naming the field.
func TestOrganizationLanguage(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("lang")
	var v struct{ ID, Name, DefaultLanguage string }
	e.do("GET", "/api/v1/organization", o.key, nil).must(t, 200, &v)
	if v.ID != o.id || v.DefaultLanguage != "en" {
		t.Fatalf("organization: %+v", v)
	}
	e.do("PATCH", "/api/v1/organization", o.key, map[string]any{"defaultLanguage": "th"}).must(t, 200, &v)
	if v.DefaultLanguage != "th" {
		t.Fatalf("after PATCH: %+v", v)
	}
	if p := e.do("PATCH", "/api/v1/organization", o.key, map[string]any{"defaultLanguage": "fr"}).problem(t, 422); p.Field != "defaultLanguage" {
		t.Errorf("unknown language: field %q", p.Field)
	}
	e.do("PATCH", "/api/v1/organization", e.keyFor(o, cairn.RoleViewer), map[string]any{"defaultLanguage": "ko"}).problem(t, 403)
	var me struct {
		Organization struct{ DefaultLanguage string }
	}
	e.do("GET", "/api/v1/me", o.key, nil).must(t, 200, &me)
	if me.Organization.DefaultLanguage != "th" {
		t.Errorf("me after a refused PATCH: %+v", me)
	}
}
