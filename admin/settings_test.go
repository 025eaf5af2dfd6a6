package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The owner sets the organization's default language in Settings; a bad
// language is refused naming the field; the console then speaks it; a
// viewer cannot reach the page.
func TestSettings(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	owner := e.client(t)
	owner.mustLogin(ownerEmail)
	res := owner.get("/admin/settings")
	if res.StatusCode != 200 || !strings.Contains(res.body, `<option value="th" lang="th">ไทย</option>`) || !strings.Contains(res.body, `value="en" lang="en" selected`) {
		t.Fatalf("settings page: %d\n%s", res.StatusCode, res.body)
	}
	form := url.Values{"name": {"Example University"}, "slug": {e.org.Slug}, "language": {"xx"}}
	if res := owner.post("/admin/settings", form); res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, "is not a language Cairn speaks") {
		t.Errorf("bad language: %d\n%s", res.StatusCode, res.body)
	}
	form.Set("language", "th")
	if res := owner.post("/admin/settings", form); res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/admin/settings?saved=1") {
		t.Errorf("save: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// The console follows the organization's default language.
	if res := owner.get("/admin/settings?saved=1"); !strings.Contains(res.body, `<html lang="th">`) || !strings.Contains(res.body, "บันทึกการตั้งค่าแล้ว") ||
		!strings.Contains(res.body, `value="th" lang="th" selected`) {
		t.Errorf("after saving:\n%s", res.body)
	}
	if o, _ := e.db.Organization(context.Background(), e.org.ID); o.DefaultLanguage != "th" {
		t.Errorf("stored language %q", o.DefaultLanguage)
	}
	viewer := e.client(t)
	viewer.mustLogin(viewerEmail)
	if res := viewer.get("/admin/settings"); res.StatusCode != http.StatusForbidden {
		t.Errorf("viewer: %d, want 403", res.StatusCode)
	}
}
