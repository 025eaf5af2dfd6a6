package api_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/webhooks"
)

// tenancyCase is what org B asks of one route, aimed at org A's objects,
// and what it must get.
type tenancyCase struct {
	path string
	body any
	// code is the status B must get with its owner key; 0 means a 2xx
	// whose body must not mention any of A's IDs.
	code int
	// field is the field a 422 names.
	field string
}

// tenancyCases aims every route at A's objects. A route missing here fails
// TestTenancy, so a new route cannot skip the walk.
func tenancyCases(a fixture) map[string]tenancyCase {
	newAward := awardBody(a.achievementID, "intruder@example.com")
	cases := map[string]tenancyCase{
		"GET /api/v1/openapi.json":   {path: "/api/v1/openapi.json"},
		"POST /api/v1/verify":        {path: "/api/v1/verify", body: `{"not":"a credential"}`, code: 422},
		"GET /api/v1/me":             {path: "/api/v1/me"},
		"GET /api/v1/organization":   {path: "/api/v1/organization"},
		"PATCH /api/v1/organization": {path: "/api/v1/organization", body: map[string]any{"defaultLanguage": "th"}},

		"GET /api/v1/members":             {path: "/api/v1/members"},
		"PATCH /api/v1/members/{id}":      {path: "/api/v1/members/" + a.org.ownerID, body: map[string]any{"role": "viewer"}, code: 404},
		"DELETE /api/v1/members/{id}":     {path: "/api/v1/members/" + a.org.ownerID, code: 404},
		"GET /api/v1/invitations":         {path: "/api/v1/invitations"},
		"POST /api/v1/invitations":        {path: "/api/v1/invitations", body: map[string]any{"email": "newcomer@example.org", "role": "viewer"}},
		"DELETE /api/v1/invitations/{id}": {path: "/api/v1/invitations/" + a.invitationID, code: 404},

		"GET /api/v1/issuers":                   {path: "/api/v1/issuers"},
		"POST /api/v1/issuers":                  {path: "/api/v1/issuers", body: map[string]any{"name": "Mine", "imageId": a.imageID}, code: 422, field: "imageId"},
		"GET /api/v1/issuers/{id}":              {path: "/api/v1/issuers/" + a.issuerID, code: 404},
		"PATCH /api/v1/issuers/{id}":            {path: "/api/v1/issuers/" + a.issuerID, body: map[string]any{"name": "Taken over"}, code: 404},
		"POST /api/v1/issuers/{id}/rotate-keys": {path: "/api/v1/issuers/" + a.issuerID + "/rotate-keys", code: 404},

		"POST /api/v1/images":          {path: "/api/v1/images", body: rawBody{"image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>`)}},
		"POST /api/v1/images/generate": {path: "/api/v1/images/generate", body: map[string]any{"title": "B"}},
		"GET /api/v1/images/{id}":      {path: "/api/v1/images/" + a.imageID, code: 404},

		"GET /api/v1/achievements":                  {path: "/api/v1/achievements?issuerId=" + a.issuerID},
		"POST /api/v1/achievements":                 {path: "/api/v1/achievements", body: achievementBody(a.issuerID, ""), code: 422, field: "issuerId"},
		"GET /api/v1/achievements/{id}":             {path: "/api/v1/achievements/" + a.achievementID, code: 404},
		"PUT /api/v1/achievements/{id}":             {path: "/api/v1/achievements/" + a.achievementID, body: achievementBody(a.issuerID, ""), code: 404},
		"GET /api/v1/achievements/{id}/certificate": {path: "/api/v1/achievements/" + a.achievementID + "/certificate", code: 404},
		"PUT /api/v1/achievements/{id}/certificate": {path: "/api/v1/achievements/" + a.achievementID + "/certificate", body: map[string]any{"layout": "modern"}, code: 404},

		"GET /api/v1/awards":                 {path: "/api/v1/awards?achievementId=" + a.achievementID + "&issuerId=" + a.issuerID},
		"POST /api/v1/awards":                {path: "/api/v1/awards", body: newAward, code: 422, field: "achievementId"},
		"GET /api/v1/awards/{id}":            {path: "/api/v1/awards/" + a.awardID, code: 404},
		"POST /api/v1/awards/{id}/revoke":    {path: "/api/v1/awards/" + a.awardID + "/revoke", body: map[string]any{"reason": "x"}, code: 404},
		"POST /api/v1/awards/{id}/suspend":   {path: "/api/v1/awards/" + a.awardID + "/suspend", code: 404},
		"POST /api/v1/awards/{id}/reinstate": {path: "/api/v1/awards/" + a.awardID + "/reinstate", code: 404},
		"POST /api/v1/awards/{id}/reissue":   {path: "/api/v1/awards/" + a.awardID + "/reissue", code: 404},
		"POST /api/v1/awards/{id}/renew":     {path: "/api/v1/awards/" + a.awardID + "/renew", body: map[string]any{"validUntil": nil}, code: 404},
		"GET /api/v1/awards/{id}/clr":        {path: "/api/v1/awards/" + a.awardID + "/clr", code: 404},

		"GET /api/v1/rules":                                  {path: "/api/v1/rules"},
		"POST /api/v1/rules":                                 {path: "/api/v1/rules", body: map[string]any{"name": "Mine", "eventType": "course.completed", "achievementId": a.achievementID}, code: 422, field: "achievementId"},
		"GET /api/v1/rules/{id}":                             {path: "/api/v1/rules/" + a.ruleID, code: 404},
		"PATCH /api/v1/rules/{id}":                           {path: "/api/v1/rules/" + a.ruleID, body: map[string]any{"enabled": false}, code: 404},
		"DELETE /api/v1/rules/{id}":                          {path: "/api/v1/rules/" + a.ruleID, code: 404},
		"GET /api/v1/events":                                 {path: "/api/v1/events"},
		"POST /api/v1/events":                                {path: "/api/v1/events", body: eventBody("fixture-"+a.org.slug, "intruder@example.com", -1)}, // A's externalId is B's to use
		"GET /api/v1/events/{id}":                            {path: "/api/v1/events/" + a.eventID, code: 404},
		"GET /api/v1/mail":                                   {path: "/api/v1/mail"},
		"GET /api/v1/mail-templates/{kind}":                  {path: "/api/v1/mail-templates/award"},
		"PUT /api/v1/mail-templates/{kind}":                  {path: "/api/v1/mail-templates/award", body: map[string]any{"subject": "B", "body": "B"}},
		"DELETE /api/v1/mail-templates/{kind}":               {path: "/api/v1/mail-templates/reminder"},
		"POST /api/v1/mail-templates/{kind}/preview":         {path: "/api/v1/mail-templates/award/preview", body: map[string]any{"awardId": a.awardID}, code: 404},
		"GET /api/v1/pathways":                               {path: "/api/v1/pathways"},
		"POST /api/v1/pathways":                              {path: "/api/v1/pathways", body: map[string]any{"name": "Mine", "achievementId": a.achievementID, "rule": map[string]any{"achievement": a.achievementID}}, code: 422, field: "achievementId"},
		"GET /api/v1/pathways/{id}":                          {path: "/api/v1/pathways/" + a.pathwayID, code: 404},
		"PUT /api/v1/pathways/{id}":                          {path: "/api/v1/pathways/" + a.pathwayID, body: map[string]any{"name": "Taken", "achievementId": a.achievementID, "rule": map[string]any{"achievement": a.achievementID}}, code: 404},
		"DELETE /api/v1/pathways/{id}":                       {path: "/api/v1/pathways/" + a.pathwayID, code: 404},
		"GET /api/v1/pathways/{id}/progress":                 {path: "/api/v1/pathways/" + a.pathwayID + "/progress?recipient=learner@example.com", code: 404},
		"GET /api/v1/recognitions":                           {path: "/api/v1/recognitions"},
		"POST /api/v1/recognitions":                          {path: "/api/v1/recognitions", body: map[string]any{"name": "B's"}},
		"POST /api/v1/learners/{email}/recognitions":         {path: "/api/v1/learners/learner@example.com/recognitions", body: map[string]any{"recognitionId": a.recognitionID, "evidence": []map[string]any{{"narrative": "x"}}}, code: 422, field: "recognitionId"},
		"GET /api/v1/learners/{email}/clr":                   {path: "/api/v1/learners/learner@example.com/clr"}, // B's own transcript of its learner
		"POST /api/v1/learners/{email}/external-credentials": {path: "/api/v1/learners/learner@example.com/external-credentials", body: `{"credential":{"not":"a credential"}}`, code: 422},
		"POST /api/v1/award-jobs":                            {path: "/api/v1/award-jobs?achievementId=" + a.achievementID, body: rawBody{"text/csv", []byte("email\nintruder@example.com\n")}, code: 422, field: "achievementId"},
		"GET /api/v1/award-jobs":                             {path: "/api/v1/award-jobs"},
		"GET /api/v1/award-jobs/{id}":                        {path: "/api/v1/award-jobs/" + a.jobID, code: 404},
		"GET /api/v1/award-jobs/{id}/rows":                   {path: "/api/v1/award-jobs/" + a.jobID + "/rows?state=failed", code: 404},
		"POST /api/v1/award-jobs/{id}/cancel":                {path: "/api/v1/award-jobs/" + a.jobID + "/cancel", code: 404},

		"GET /api/v1/api-keys":         {path: "/api/v1/api-keys"},
		"POST /api/v1/api-keys":        {path: "/api/v1/api-keys", body: map[string]any{"name": "b", "role": "viewer"}},
		"DELETE /api/v1/api-keys/{id}": {path: "/api/v1/api-keys/" + a.keyID, code: 404},

		"GET /api/v1/sso": {path: "/api/v1/sso"},
		"PUT /api/v1/sso": {path: "/api/v1/sso", body: map[string]any{"enabled": false, "issuerUrl": "https://idp.example.org", "clientId": "b",
			"clientSecret": "b-secret", "emailDomains": []string{"b.example"}}},

		"GET /api/v1/lti/registrations":         {path: "/api/v1/lti/registrations"},
		"POST /api/v1/lti/registrations":        {path: "/api/v1/lti/registrations", code: 409, field: "clientId", body: map[string]any{"issuer": "https://lms.example.org/" + a.org.id, "clientId": "c-" + a.org.id, "deploymentIds": []string{"d1"}, "authLoginUrl": "https://lms.example.org/auth", "authTokenUrl": "https://lms.example.org/token", "jwksUrl": "https://lms.example.org/jwks"}},
		"GET /api/v1/lti/registrations/{id}":    {path: "/api/v1/lti/registrations/" + a.ltiRegID, code: 404},
		"PUT /api/v1/lti/registrations/{id}":    {path: "/api/v1/lti/registrations/" + a.ltiRegID, code: 404, body: map[string]any{"issuer": "https://evil.example.org", "clientId": "x", "deploymentIds": []string{"d"}, "authLoginUrl": "https://evil.example.org/a", "authTokenUrl": "https://evil.example.org/t", "jwksUrl": "https://evil.example.org/j"}},
		"DELETE /api/v1/lti/registrations/{id}": {path: "/api/v1/lti/registrations/" + a.ltiRegID, code: 404},
		"GET /api/v1/lti/courses":               {path: "/api/v1/lti/courses"},
		"POST /api/v1/lti/courses/{id}/poll":    {path: "/api/v1/lti/courses/" + a.ltiCourseID + "/poll", code: 404},
		"DELETE /api/v1/lti/courses/{id}":       {path: "/api/v1/lti/courses/" + a.ltiCourseID, code: 404},

		"GET /api/v1/webhooks":                                     {path: "/api/v1/webhooks"},
		"POST /api/v1/webhooks":                                    {path: "/api/v1/webhooks", body: map[string]any{"url": "https://hooks.example.org/b", "events": []string{"award.issued"}}},
		"GET /api/v1/webhooks/{id}":                                {path: "/api/v1/webhooks/" + a.webhookID, code: 404},
		"PATCH /api/v1/webhooks/{id}":                              {path: "/api/v1/webhooks/" + a.webhookID, body: map[string]any{"url": "https://evil.example.org/"}, code: 404},
		"DELETE /api/v1/webhooks/{id}":                             {path: "/api/v1/webhooks/" + a.webhookID, code: 404},
		"POST /api/v1/webhooks/{id}/test":                          {path: "/api/v1/webhooks/" + a.webhookID + "/test", code: 404},
		"GET /api/v1/webhooks/{id}/deliveries":                     {path: "/api/v1/webhooks/" + a.webhookID + "/deliveries", code: 404},
		"POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/retry": {path: "/api/v1/webhooks/" + a.webhookID + "/deliveries/" + a.deliveryID + "/retry", code: 404},

		"PUT /api/v1/achievements/{id}/applications":   {path: "/api/v1/achievements/" + a.achievementID + "/applications", body: map[string]any{"open": false}, code: 404},
		"GET /api/v1/applications":                     {path: "/api/v1/applications?achievementId=" + a.achievementID},
		"GET /api/v1/applications/{id}":                {path: "/api/v1/applications/" + a.applicationID, code: 404},
		"GET /api/v1/applications/{id}/files/{fileId}": {path: "/api/v1/applications/" + a.applicationID + "/files/" + a.appFileID, code: 404},
		"POST /api/v1/applications/{id}/approve":       {path: "/api/v1/applications/" + a.applicationID + "/approve", body: map[string]any{"results": []map[string]any{{"resultDescription": "urn:cairn:result-description:1", "value": "A"}}}, code: 404},
		"POST /api/v1/applications/{id}/return":        {path: "/api/v1/applications/" + a.applicationID + "/return", body: map[string]any{"comment": "More."}, code: 404},
		"POST /api/v1/applications/{id}/reject":        {path: "/api/v1/applications/" + a.applicationID + "/reject", body: map[string]any{"reason": "No."}, code: 404},

		// B may endorse A's achievement, but not as A's issuer.
		"GET /api/v1/endorsements":              {path: "/api/v1/endorsements"},
		"POST /api/v1/endorsements":             {path: "/api/v1/endorsements", body: map[string]any{"issuerId": a.issuerID, "achievementId": a.achievementID, "comment": "Fine work."}, code: 422, field: "issuerId"},
		"GET /api/v1/endorsements/{id}":         {path: "/api/v1/endorsements/" + a.endorsementID, code: 404},
		"POST /api/v1/endorsements/{id}/revoke": {path: "/api/v1/endorsements/" + a.endorsementID + "/revoke", code: 404},

		// B cannot sign as A's issuer; the verifiers answer anyone.
		"POST /vc-api/credentials/issue": {path: "/vc-api/credentials/issue", body: map[string]any{"credential": map[string]any{
			"@context": []string{"https://www.w3.org/ns/credentials/v2"}, "type": []string{"VerifiableCredential"},
			"issuer": "did:web:badges.example.org:issuers:" + a.issuerID, "credentialSubject": map[string]any{"name": "B"},
		}}, code: 400},
		"POST /vc-api/credentials/verify":   {path: "/vc-api/credentials/verify", body: `{"verifiableCredential":{"not":"a credential"}}`, code: 400},
		"POST /vc-api/presentations/verify": {path: "/vc-api/presentations/verify", body: `{"verifiablePresentation":{"not":"a presentation"}}`, code: 400},
	}
	for k, v := range learnerTenancyCases(a) {
		cases[k] = v
	}
	return cases
}

// reportRoutes answer a verification report, not a problem document, when
// the input does not verify.
var reportRoutes = map[string]bool{
	"POST /api/v1/verify": true, "POST /vc-api/credentials/verify": true, "POST /vc-api/presentations/verify": true,
}

// snapshot is everything org A has, read from the store.
type snapshot struct {
	issuer      *cairn.Issuer
	keys        []*cairn.IssuerKey
	image       *cairn.Image
	achievement *cairn.Achievement
	award       *cairn.Award
	apiKeys     []*cairn.APIKey
	awards      int
	rules       []*cairn.Rule
	event       *cairn.Event
	webhook     *webhooks.Endpoint
	deliveries  []*webhooks.Delivery
	application *store.Application
	settings    *store.ApplicationSettings
	appFile     *store.ApplicationFile
	endorsement *cairn.Endorsement
}

func takeSnapshot(t *testing.T, e *env, a fixture) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	s.issuer, err = e.db.Issuer(ctx, a.org.id, a.issuerID)
	check(err)
	s.keys, err = e.db.IssuerKeys(ctx, a.issuerID)
	check(err)
	s.image, err = e.db.Image(ctx, a.org.id, a.imageID)
	check(err)
	s.achievement, err = e.db.Achievement(ctx, a.org.id, a.achievementID)
	check(err)
	s.award, err = e.db.Award(ctx, a.org.id, a.awardID)
	check(err)
	s.apiKeys, err = e.db.APIKeys(ctx, a.org.id)
	check(err)
	for _, k := range s.apiKeys {
		k.LastUsedAt = nil // A's own use of its key is not a change
	}
	s.awards, err = e.db.CountAwards(ctx, cairn.AwardFilter{OrgID: a.org.id})
	check(err)
	s.rules, err = e.db.Rules(ctx, a.org.id)
	check(err)
	s.event, err = e.db.Event(ctx, a.org.id, a.eventID)
	check(err)
	s.webhook, err = e.db.Webhook(ctx, a.org.id, a.webhookID)
	check(err)
	s.deliveries, err = e.db.WebhookDeliveries(ctx, a.org.id, a.webhookID, 100)
	check(err)
	s.application, err = e.db.Application(ctx, a.org.id, a.applicationID)
	check(err)
	s.settings, err = e.db.ApplicationSettings(ctx, a.org.id, a.achievementID)
	check(err)
	s.appFile, err = e.db.ApplicationFile(ctx, a.org.id, a.applicationID, a.appFileID)
	check(err)
	s.endorsement, err = e.db.Endorsement(ctx, a.org.id, a.endorsementID)
	check(err)
	return s
}

// TestTenancy walks every route with org B's keys against org A's objects:
// B gets 404 for A's IDs (403 first where its role may not act), lists that
// show none of A's objects, and references to A's objects refused; A's data
// is unchanged afterwards.
func TestTenancy(t *testing.T) {
	e := newEnv(t)
	a := e.makeFixture(e.newOrg("a"))
	b := e.makeFixture(e.newOrg("b"))
	viewerB := e.keyFor(b.org, cairn.RoleViewer)
	issuerB := e.keyFor(b.org, cairn.RoleIssuer)
	// A endorses a third organization's issuer: B sees neither end of it.
	c := e.newOrg("c")
	var cIssuer, end struct{ ID string }
	e.do("POST", "/api/v1/issuers", c.key, map[string]any{"name": "Issuer C"}).must(t, 201, &cIssuer)
	e.do("POST", "/api/v1/endorsements", a.org.key, map[string]any{"issuerId": a.issuerID, "profileId": cIssuer.ID, "comment": "Good."}).must(t, 201, &end)
	a.endorsementID = end.ID
	before := takeSnapshot(t, e, a)
	aIDs := []string{a.org.id, a.issuerID, a.imageID, a.achievementID, a.awardID, a.keyID, a.ruleID, a.eventID, a.webhookID, a.ltiRegID, a.ltiCourseID, a.pathwayID, a.recognitionID, a.jobID, a.applicationID, a.appFileID, a.endorsementID}

	cases := tenancyCases(a)
	for _, pattern := range e.srv.Routes() {
		tc, ok := cases[pattern]
		if !ok {
			t.Errorf("route %s is not walked by the tenancy test", pattern)
			continue
		}
		delete(cases, pattern)
		method, _, _ := strings.Cut(pattern, " ")
		t.Run(pattern, func(t *testing.T) {
			r := e.do(method, tc.path, b.org.key, tc.body)
			switch {
			case reportRoutes[pattern]: // a report, not a problem
				if r.code != tc.code {
					t.Fatalf("status %d: %s", r.code, r.body)
				}
			case tc.code == 0:
				if r.code < 200 || r.code > 299 {
					t.Fatalf("status %d: %s", r.code, r.body)
				}
				for _, id := range aIDs {
					if strings.Contains(string(r.body), id) {
						t.Fatalf("org B sees org A's %s: %s", id, r.body)
					}
				}
			case tc.code == 422 && tc.field != "":
				if p := r.problem(t, 422); p.Field != tc.field || !strings.Contains(p.Detail, "no such") {
					t.Fatalf("problem %+v, want field %s", p, tc.field)
				}
			default:
				r.problem(t, tc.code)
			}
			// With lesser roles: 403 where the role may not act, and
			// never more than the owner got.
			for _, key := range []string{viewerB, issuerB} {
				r2 := e.do(method, tc.path, key, tc.body)
				if r2.code != r.code && r2.code != 403 && !(r.code >= 200 && r.code < 300 && r2.code >= 200 && r2.code < 300) {
					t.Fatalf("lesser role: status %d, owner got %d: %s", r2.code, r.code, r2.body)
				}
				if r2.code == 403 && !reportRoutes[pattern] {
					r2.problem(t, 403)
				}
				for _, id := range aIDs {
					if strings.Contains(string(r2.body), id) {
						t.Fatalf("org B sees org A's %s: %s", id, r2.body)
					}
				}
			}
		})
	}
	for pattern := range cases {
		t.Errorf("tenancy case %s names no route", pattern)
	}

	after := takeSnapshot(t, e, a)
	if !reflect.DeepEqual(before, after) {
		b1, _ := json.Marshal(before.award)
		b2, _ := json.Marshal(after.award)
		t.Fatalf("org A's data changed:\nbefore %+v\nafter  %+v\naward before %s\naward after  %s", before, after, b1, b2)
	}
	// And A still works with its own key.
	e.do("GET", "/api/v1/awards/"+a.awardID, a.org.key, nil).must(t, 200, nil)
	// A's award is active and B's lists hold only B's objects.
	n, err := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: b.org.id})
	if err != nil || n != 1 {
		t.Fatalf("org B has %d awards (%v), want its own 1", n, err)
	}
}

// TestRoles checks the role table: viewers read, issuers issue and manage
// achievements, owners also manage issuers and API keys.
func TestRoles(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("roles"))
	viewer := e.keyFor(f.org, cairn.RoleViewer)
	issuer := e.keyFor(f.org, cairn.RoleIssuer)
	type call struct {
		method, path string
		body         any
	}
	reads := []call{
		{"GET", "/api/v1/me", nil}, {"GET", "/api/v1/issuers", nil}, {"GET", "/api/v1/issuers/" + f.issuerID, nil},
		{"GET", "/api/v1/achievements", nil}, {"GET", "/api/v1/awards", nil}, {"GET", "/api/v1/awards/" + f.awardID, nil},
		{"GET", "/api/v1/images/" + f.imageID, nil},
	}
	issuing := []call{
		{"POST", "/api/v1/awards", awardBody(f.achievementID, "x@example.com")},
		{"POST", "/api/v1/achievements", achievementBody(f.issuerID, "")},
		{"POST", "/api/v1/images/generate", map[string]any{"title": "x"}},
		{"POST", "/api/v1/awards/" + f.awardID + "/suspend", nil},
		{"POST", "/api/v1/awards/" + f.awardID + "/reinstate", nil},
		{"POST", "/api/v1/awards/" + f.awardID + "/reissue", nil},
	}
	owning := []call{
		{"POST", "/api/v1/issuers", map[string]any{"name": "Another"}},
		{"PATCH", "/api/v1/issuers/" + f.issuerID, map[string]any{"description": "changed"}},
		{"POST", "/api/v1/issuers/" + f.issuerID + "/rotate-keys", nil},
		{"GET", "/api/v1/api-keys", nil},
		{"POST", "/api/v1/api-keys", map[string]any{"name": "n", "role": "viewer"}},
		{"GET", "/api/v1/webhooks", nil},
		{"GET", "/api/v1/webhooks/" + f.webhookID + "/deliveries", nil},
	}
	ok := func(t *testing.T, key string, c call) {
		t.Helper()
		if r := e.do(c.method, c.path, key, c.body); r.code < 200 || r.code > 299 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, r.code, r.body)
		}
	}
	forbidden := func(t *testing.T, key string, c call) {
		t.Helper()
		p := e.do(c.method, c.path, key, c.body).problem(t, 403)
		if !strings.Contains(p.Detail, "role may not") {
			t.Fatalf("%s %s: %+v", c.method, c.path, p)
		}
	}
	for _, c := range reads {
		ok(t, viewer, c)
		ok(t, issuer, c)
	}
	for _, c := range issuing {
		forbidden(t, viewer, c)
		ok(t, issuer, c)
	}
	for _, c := range owning {
		forbidden(t, viewer, c)
		forbidden(t, issuer, c)
		ok(t, f.org.key, c)
	}
	forbidden(t, issuer, call{"DELETE", "/api/v1/api-keys/" + f.keyID, nil})
	e.do("DELETE", "/api/v1/api-keys/"+f.keyID, f.org.key, nil).must(t, 204, nil)
	e.do("POST", "/api/v1/awards/"+f.awardID+"/revoke", viewer, nil).problem(t, 403)
	e.do("POST", "/api/v1/awards/"+f.awardID+"/revoke", issuer, nil).must(t, 200, nil)
}
