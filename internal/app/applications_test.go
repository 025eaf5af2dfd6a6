package app

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/store/storetest"
)

// TestApplyForm posts the public anyone-can-apply form as a client would:
// a file of a forbidden type and a too-large file come back as the form
// with the reason next to the field (400), a form without its token is
// refused (403), and past five applications from one address the form
// answers 429 with Retry-After.
func TestApplyForm(t *testing.T) {
	testApplyForm(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true})
}

// TestApplyFormPostgres is the same on PostgreSQL (CAIRN_TEST_POSTGRES).
func TestApplyFormPostgres(t *testing.T) {
	testApplyForm(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: storetest.PostgresSchema(t), Offline: true})
}

func testApplyForm(t *testing.T, cfg Config) {
	a, stop := bootConfig(t, cfg)
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	achID := rubricAchievement(t, base, fr)
	if code, out := appAPI(t, base, fr.APIKey, "PUT", "/api/v1/achievements/"+achID+"/applications", `{"open":true,"anyone":true}`); code != 200 {
		t.Fatalf("open: %d %s", code, out)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(base + "/achievements/" + achID + "/apply")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("apply page: %d %s", resp.StatusCode, page)
	}
	token := string(m[1])
	post := func(token, email string, files map[string][]byte) (int, string, http.Header) {
		t.Helper()
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("csrf_token", token)
		w.WriteField("name", "Nguyen Van An")
		w.WriteField("email", email)
		w.WriteField("statement", "My evidence.")
		w.WriteField("urls", "https://example.org/an")
		for name, data := range files {
			fw, _ := w.CreateFormFile("files", name)
			fw.Write(data)
		}
		w.Close()
		resp, err := client.Post(base+"/achievements/"+achID+"/apply", w.FormDataContentType(), &b)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}
	code, body, _ := post(token, "an@example.org", map[string][]byte{"cv.pdf": []byte("<html><script>alert(1)</script></html>")})
	if code != 400 || !strings.Contains(body, "The file cv.pdf is not a PDF, PNG, JPEG or plain text file") || !strings.Contains(body, `id="files"`) {
		t.Fatalf("forbidden type: %d %s", code, body)
	}
	code, body, _ = post(token, "an@example.org", map[string][]byte{"big.pdf": append([]byte("%PDF-1.7\n"), make([]byte, 10<<20)...)})
	if code != 400 || !strings.Contains(body, "The file big.pdf is larger than 10 MiB") {
		t.Fatalf("too large: %d %.300s", code, body)
	}
	code, body, _ = post(token, "not an address", nil)
	if code != 400 || !strings.Contains(body, "is not an email address") {
		t.Fatalf("bad email: %d %.300s", code, body)
	}
	if code, _, _ = post("not-the-token", "an@example.org", nil); code != 403 {
		t.Fatalf("without the token: %d", code)
	}
	for i := range 5 {
		code, body, _ = post(token, "an"+string(rune('a'+i))+"@example.org", map[string][]byte{"notes.txt": []byte("notes\n")})
		if code != 200 || !strings.Contains(body, `id="applied"`) {
			t.Fatalf("application %d: %d %.300s", i, code, body)
		}
	}
	code, body, hdr := post(token, "late@example.org", nil)
	if code != 429 || hdr.Get("Retry-After") == "" || !strings.Contains(body, "Too many applications") {
		t.Fatalf("sixth application: %d %v %.300s", code, hdr, body)
	}
	// The five are in the queue.
	code, out := appAPI(t, base, fr.APIKey, "GET", "/api/v1/applications?achievementId="+achID, "")
	if code != 200 || strings.Count(string(out), `"notes.txt"`) != 5 {
		t.Fatalf("queue: %d %s", code, out)
	}
	// One approved (the file published with consent: no), one rejected.
	var queue struct {
		Items []struct {
			ID    string
			Files []struct{ ID string }
		}
	}
	json.Unmarshal(out, &queue)
	code, out = appAPI(t, base, fr.APIKey, "POST", "/api/v1/applications/"+queue.Items[0].ID+"/approve",
		`{"results":[{"resultDescription":"urn:cairn:result-description:1","value":"B"},{"resultDescription":"urn:cairn:result-description:2","value":"71.5"}]}`)
	if code != 200 || !strings.Contains(string(out), `"state":"approved"`) {
		t.Fatalf("approve: %d %s", code, out)
	}
	if code, _ := get(t, base+"/evidence/"+queue.Items[0].Files[0].ID); code != 404 {
		t.Fatalf("an unconsented file is public: %d", code)
	}
	code, out = appAPI(t, base, fr.APIKey, "POST", "/api/v1/applications/"+queue.Items[1].ID+"/reject", `{"reason":"Not enough."}`)
	if code != 200 || !strings.Contains(string(out), `"state":"rejected"`) {
		t.Fatalf("reject: %d %s", code, out)
	}
	code, out = appAPI(t, base, fr.APIKey, "GET", "/api/v1/applications?state=submitted", "")
	if code != 200 || strings.Count(string(out), `"notes.txt"`) != 3 {
		t.Fatalf("still submitted: %d %s", code, out)
	}
	// A closed achievement's page says so.
	appAPI(t, base, fr.APIKey, "PUT", "/api/v1/achievements/"+achID+"/applications", `{"open":false}`)
	if code, _ := get(t, base+"/achievements/"+achID+"/apply"); code != 404 {
		t.Fatalf("closed: %d", code)
	}
}
