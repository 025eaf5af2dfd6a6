package web

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/verify"
)

func TestCredentialPage(t *testing.T) {
	data, err := os.ReadFile("testdata/ob3-full.eddsa-rdfc-2022.json")
	if err != nil {
		t.Fatal(err)
	}
	var c ob.OpenBadgeCredential
	if err := ob.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	p := NewCredentialPage(&c, "https://badges.example.org/credentials/1", nil)
	p.JSONURL, p.PNGURL, p.SVGURL = p.URL+".json", p.URL+".png", p.URL+".svg"
	p.Report = &verify.Report{Result: verify.Verified, Checks: []verify.Check{{Name: "proof", Outcome: verify.Verified, Reason: "DataIntegrityProof eddsa-rdfc-2022 verified"}}}
	p.RecipientName = "Ada <Lovelace>"
	p.SetState("revoked", "Issued in error", nil, time.Now())

	w := httptest.NewRecorder()
	(&Handler{}).RenderCredential(w, p)
	body := w.Body.String()
	for _, want := range []string{
		"This credential was revoked by its issuer", "Issued in error",
		c.CredentialSubject.Achievement.Name, "Ada &lt;Lovelace&gt;",
		`rel="canonical" href="https://badges.example.org/credentials/1"`,
		`type="application/vc+ld+json"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page does not contain %q", want)
		}
	}
	if strings.Contains(body, "<Lovelace>") {
		t.Error("recipient name not escaped")
	}
	if out := os.Getenv("CAIRN_WRITE_PAGE"); out != "" {
		os.WriteFile(out, w.Body.Bytes(), 0o644)
	}
}
