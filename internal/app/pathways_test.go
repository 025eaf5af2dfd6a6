package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store/storetest"
)

// TestPathwayAnyFiveOfSix runs issue 9's scenario on the real server: a
// pathway "any 5 of 6" with autoAward; after 4 badges there is no award,
// after the 5th exactly one (with the five credentials as evidence); a
// revoked contributing badge suspends it with a reason naming the badge;
// a new badge (the 6th) reinstates it. There is only ever one award.
func TestPathwayAnyFiveOfSix(t *testing.T) {
	testPathwayAnyFiveOfSix(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true})
}

// TestPathwayAnyFiveOfSixPostgres is the same on PostgreSQL
// (CAIRN_TEST_POSTGRES).
func TestPathwayAnyFiveOfSixPostgres(t *testing.T) {
	dbURL := storetest.PostgresSchema(t)
	testPathwayAnyFiveOfSix(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dbURL, Offline: true})
}

func testPathwayAnyFiveOfSix(t *testing.T, cfg Config) {
	a, stop := bootConfig(t, cfg)
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	call := func(method, path string, body any, want int, out any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = strings.NewReader(string(b))
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+fr.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, data)
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				t.Fatal(err)
			}
		}
	}
	achievement := func(name, kind string) string {
		var ach struct{ ID string }
		call("POST", "/api/v1/achievements", map[string]any{"issuerId": fr.IssuerID, "name": name, "description": name + ".",
			"criteriaNarrative": "Pass the course.", "achievementType": kind}, 201, &ach)
		return ach.ID
	}
	var badges []string
	var of []any
	for i := 1; i <= 6; i++ {
		badges = append(badges, achievement(fmt.Sprintf("Marketing module %d", i), "Badge"))
		of = append(of, map[string]any{"achievement": badges[i-1]})
	}
	micro := achievement("Digital Marketing Practitioner", "MicroCredential")
	var pw struct{ ID string }
	call("POST", "/api/v1/pathways", map[string]any{"name": "Digital Marketing Practitioner", "achievementId": micro,
		"autoAward": true, "rule": map[string]any{"atLeast": 5, "of": of}}, 201, &pw)

	const learner = "learner@example.org"
	issued := map[int]string{}
	issue := func(i int) {
		var aw struct{ ID string }
		call("POST", "/api/v1/awards", map[string]any{"achievementId": badges[i], "recipient": map[string]any{"email": learner, "name": "Lee"}}, 201, &aw)
		issued[i] = aw.ID
	}
	ctx := context.Background()
	// settled waits until no pathway message of the organization is pending.
	settled := func() {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			ms, err := a.db.OutboxMessages(ctx, fr.OrgID, issuing.KindPathwayEvaluate, 0, 500)
			if err != nil {
				t.Fatal(err)
			}
			pending := 0
			for _, m := range ms {
				if m.State == outbox.Pending {
					pending++
				}
				if m.State == outbox.Dead {
					t.Fatalf("message %s dead: %s", m.Key, m.LastError)
				}
			}
			if pending == 0 && len(ms) > 0 {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		ms, _ := a.db.OutboxMessages(ctx, fr.OrgID, issuing.KindPathwayEvaluate, 0, 500)
		for _, m := range ms {
			t.Logf("message %s: %s attempts %d: %s", m.Key, m.State, m.Attempts, m.LastError)
		}
		t.Fatal("pathway messages still pending after 20 s")
	}
	microAwards := func() []*cairn.Award {
		t.Helper()
		aws, _, err := a.db.Awards(ctx, cairn.AwardFilter{OrgID: fr.OrgID, AchievementID: micro})
		if err != nil {
			t.Fatal(err)
		}
		return aws
	}

	for i := range 4 {
		issue(i)
	}
	settled()
	if aws := microAwards(); len(aws) != 0 {
		t.Fatalf("after 4 of 6: %d pathway awards, want none", len(aws))
	}
	var pr struct {
		Satisfied bool
		Missing   []struct{ Path string }
		AwardIDs  []string
	}
	call("GET", "/api/v1/pathways/"+pw.ID+"/progress?recipient="+learner, nil, 200, &pr)
	if pr.Satisfied || len(pr.Missing) != 2 || len(pr.AwardIDs) != 4 {
		t.Fatalf("progress after 4: %+v", pr)
	}

	start := time.Now()
	issue(4)
	var aws []*cairn.Award
	for time.Since(start) < 20*time.Second {
		if aws = microAwards(); len(aws) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("the pathway award appeared %v after the 5th badge was acknowledged", time.Since(start).Round(time.Millisecond))
	settled()
	if aws = microAwards(); len(aws) != 1 {
		t.Fatalf("after 5 of 6: %d pathway awards, want 1", len(aws))
	}
	award := aws[0]
	if award.Recipient.Identity != learner || award.Recipient.Name != "Lee" || len(award.Evidence) != 5 {
		t.Fatalf("pathway award: %+v", award)
	}
	for i := range 5 {
		if !strings.Contains(string(award.CredentialJSON), a.svc.CredentialURL(issued[i])) {
			t.Errorf("the pathway credential does not cite contributing credential %d", i)
		}
	}

	// A revoked contributing badge suspends it, naming the badge.
	call("POST", "/api/v1/awards/"+issued[2]+"/revoke", map[string]any{"reason": "plagiarism"}, 200, nil)
	settled()
	got, err := a.db.Award(ctx, fr.OrgID, award.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != cairn.StateSuspended || !strings.Contains(got.StateReason, "Marketing module 3") || !strings.Contains(got.StateReason, "revoked") {
		t.Fatalf("after a revoke: %s %q", got.State, got.StateReason)
	}
	page := string(getOK(t, base+"/credentials/"+award.ID))
	if !strings.Contains(page, "suspended") {
		t.Error("the pathway credential's page does not say it is suspended")
	}

	// A new badge (the 6th) makes the rule hold again: reinstated.
	issue(5)
	settled()
	if got, _ = a.db.Award(ctx, fr.OrgID, award.ID); got.State != cairn.StateActive {
		t.Fatalf("after a new badge: %s %q", got.State, got.StateReason)
	}
	if aws := microAwards(); len(aws) != 1 {
		t.Fatalf("at the end: %d pathway awards, want exactly 1", len(aws))
	}
	earned, err := a.db.PathwayAward(ctx, fr.OrgID, pw.ID, learner)
	if err != nil || earned.AwardID != award.ID || len(earned.Sources) != 5 {
		t.Fatalf("pathway award record: %+v %v", earned, err)
	}
}

// TestPathwayOtherSources: on the real server, a recognition of prior
// learning, a presented badge that verifies (an external rule), and an
// expiry each change a learner's pathway: recorded recognitions and
// presented badges award, and a contributing badge that expires suspends
// the award of a "notExpired" pathway once the expiry pass sees it.
func TestPathwayOtherSources(t *testing.T) {
	a, stop := boot(t, t.TempDir())
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	ctx := context.Background()
	call := func(method, path string, body any, want int, out any) {
		t.Helper()
		apiCall(t, base, fr.APIKey, method, path, body, want, out)
	}
	achievement := func(name string) string {
		var ach struct{ ID string }
		call("POST", "/api/v1/achievements", map[string]any{"issuerId": fr.IssuerID, "name": name, "description": name + ".",
			"criteriaNarrative": "Pass.", "achievementType": "Certificate"}, 201, &ach)
		return ach.ID
	}
	waitAward := func(achievementID, learner string) *cairn.Award {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			aws, _, err := a.db.Awards(ctx, cairn.AwardFilter{OrgID: fr.OrgID, AchievementID: achievementID, Recipient: learner})
			if err != nil {
				t.Fatal(err)
			}
			if len(aws) > 0 {
				return aws[0]
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("no award of %s to %s", achievementID, learner)
		return nil
	}

	// Recognition of prior learning.
	var rec struct{ ID string }
	call("POST", "/api/v1/recognitions", map[string]any{"name": "Ten years in the trade", "credits": 20}, 201, &rec)
	rpl := achievement("Trade Certificate (RPL)")
	var pw struct{ ID string }
	call("POST", "/api/v1/pathways", map[string]any{"name": "RPL route", "achievementId": rpl, "autoAward": true,
		"rule": map[string]any{"credits": 20, "of": []any{map[string]any{"recognition": rec.ID}}}}, 201, &pw)
	call("POST", "/api/v1/learners/dana@example.org/recognitions", map[string]any{"recognitionId": rec.ID}, 422, nil) // evidence required
	call("POST", "/api/v1/learners/dana@example.org/recognitions", map[string]any{"recognitionId": rec.ID,
		"evidence": []any{map[string]any{"name": "Employer statement", "narrative": "Worked as a technician 2014-2024."}}}, 201, nil)
	waitAward(rpl, "dana@example.org")

	// A presented badge (this server's own, presented as a learner would).
	other := achievement("Partner Badge")
	var given struct{ ID string }
	call("POST", "/api/v1/awards", map[string]any{"achievementId": other, "recipient": map[string]any{"email": "eli@example.org"}}, 201, &given)
	cred := getOK(t, base+"/credentials/"+given.ID+".json")
	issuerDID := a.svc.IssuerDID(&cairn.Issuer{ID: fr.IssuerID})
	ext := achievement("Recognized Partner Learning")
	call("POST", "/api/v1/pathways", map[string]any{"name": "External route", "achievementId": ext, "autoAward": true,
		"rule": map[string]any{"external": map[string]any{"issuer": issuerDID, "achievementName": "partner badge"}}}, 201, nil)
	call("POST", "/api/v1/learners/fay@example.org/external-credentials", map[string]any{"credential": json.RawMessage(cred)}, 422, nil) // not hers
	tampered := strings.Replace(string(cred), "Partner Badge", "Partner Badgf", 1)
	call("POST", "/api/v1/learners/eli@example.org/external-credentials", map[string]any{"credential": json.RawMessage(tampered)}, 422, nil)
	call("POST", "/api/v1/learners/eli@example.org/external-credentials", map[string]any{"credential": json.RawMessage(cred)}, 201, nil)
	waitAward(ext, "eli@example.org")

	// Expiry: a badge valid for two more seconds, a pathway that wants it
	// unexpired.
	short := achievement("Safety Induction")
	site := achievement("Site Access")
	call("POST", "/api/v1/pathways", map[string]any{"name": "Site access", "achievementId": site, "autoAward": true,
		"rule": map[string]any{"achievement": short, "notExpired": true}}, 201, nil)
	until := time.Now().Add(2 * time.Second).UTC().Truncate(time.Second).Add(time.Second)
	call("POST", "/api/v1/awards", map[string]any{"achievementId": short, "recipient": map[string]any{"email": "gus@example.org"},
		"validUntil": until.Format(time.RFC3339)}, 201, nil)
	siteAward := waitAward(site, "gus@example.org")
	time.Sleep(time.Until(until) + 200*time.Millisecond)
	a.expiryPass(ctx, until.Add(-time.Minute)) // what the background does every 5 s
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := a.db.Award(ctx, fr.OrgID, siteAward.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State == cairn.StateSuspended {
			if !strings.Contains(got.StateReason, "Safety Induction") || !strings.Contains(got.StateReason, "expired") {
				t.Errorf("reason %q", got.StateReason)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the expiry: %s", got.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
