package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/lti"
	"github.com/cairn-badges/cairn/lti/ltitest"
)

// TestLTICommand: cairn lti courses lists the connected course, cairn lti
// poll reads its gradebook (a rule then awards the learner) and prints
// what it saw; a course id that is not connected and a missing key are
// one-line errors.
func TestLTICommand(t *testing.T) {
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true, LTIAllowPrivate: true,
		LTIPollEvery: time.Hour}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	base, key := a.BaseURL(), a.FirstRun.APIKey

	p := ltitest.New(t)
	reg := p.Registration("cairn", "d1")
	p.AllowRedirect(base + "/lti/launch")
	p.SetToolJWKS(base + "/lti/jwks.json")
	p.AddCourse("ds101", "Data Science 101")
	p.AddUser("t1", "teacher@example.org", "Teacher", lti.RoleInstructor)
	p.AddUser("l1", "ada@example.org", "Ada", "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner")
	p.AddLineItem("ds101", "final", "Final", 100)
	p.SetResult("ds101", "final", "l1", 91, 100)
	api := func(method, path string, body any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
		}
	}
	api("POST", "/api/v1/lti/registrations", map[string]any{"issuer": reg.Issuer, "clientId": reg.ClientID, "deploymentIds": reg.DeploymentIDs,
		"authLoginUrl": reg.AuthLoginURL, "authTokenUrl": reg.AuthTokenURL, "jwksUrl": reg.JWKSURL})
	api("POST", "/api/v1/rules", map[string]any{"name": "Passed", "eventType": "lti.score", "courseId": "ds101", "minScore": 80,
		"achievementId": a.FirstRun.AchievementID})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, page, err := p.Launch(c, reg, base+"/lti/login", base+"/lti/launch", "t1", "ds101")
	if err != nil {
		t.Fatalf("launch: %v\n%s", err, page)
	}
	if resp, err := c.PostForm(resp.Request.URL.String()+"/connect", nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("connect: %v %v", resp, err)
	}

	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append([]string{"lti"}, args...), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, errs := run("courses", "--server", base, "--key", key)
	if code != 0 || !strings.Contains(out, "Data Science 101 (ds101): not read yet") {
		t.Fatalf("lti courses: %d\n%s%s", code, out, errs)
	}
	id := strings.Fields(out)[0]
	code, out, errs = run("poll", "--server", base, "--key", key, "--course", id)
	if code != 0 || !strings.Contains(out, "1 line items, 1 scored results, 1 new events, 1 awards") {
		t.Fatalf("lti poll: %d\n%s%s", code, out, errs)
	}
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"poll", "--server", base, "--key", key, "--course", "nope"}, `cairn: lti poll: no connected course has the id "nope"`},
		{[]string{"poll", "--server", base}, "cairn: lti: --key (or $CAIRN_API_KEY) is required"},
		{[]string{"courses", "--server", base, "--key", "bad"}, "cairn: lti courses: 401"},
		{[]string{"sync"}, "cairn: lti: want a subcommand"},
	} {
		code, _, errs := run(tc.args...)
		if code == 0 || !strings.HasPrefix(errs, tc.err) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("lti %v: %d %q, want one line starting %q", tc.args, code, errs, tc.err)
		}
	}
}
