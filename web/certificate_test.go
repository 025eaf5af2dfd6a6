package web

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/issuing"
)

// pdfText returns the text of a PDF by pdftotext (poppler-utils), or skips
// the test when it is not installed.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	cmd := exec.Command(bin, "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

var mediaBox = regexp.MustCompile(`/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]`)

// pageSize returns the MediaBox width and height of a PDF's page, in points.
func pageSize(t *testing.T, pdf []byte) string {
	t.Helper()
	m := mediaBox.FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no MediaBox in the PDF")
	}
	return string(m[1]) + "x" + string(m[2])
}

const (
	a4Landscape     = "841.89x595.28"
	letterLandscape = "792.00x612.00"
)

func TestCertificatePDF(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	aw := e.award(t, e.ach, true)
	path := "/credentials/" + aw.ID + ".pdf"

	w := get(t, e.mux, path)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	wantHeader(t, w, "Content-Type", "application/pdf")
	wantHeader(t, w, "Vary", "Accept-Language, Cookie")
	if cd := w.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "inline;") || !strings.Contains(cd, "certificate.pdf") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	pdf := w.Body.Bytes()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", pdf)
	}
	if got := pageSize(t, pdf); got != a4Landscape {
		t.Errorf("default page %s, want A4 landscape %s", got, a4Landscape)
	}
	text := pdfText(t, pdf)
	for _, s := range []string{"Ada Lovelace", "Data Analysis Foundations", "Example University", e.svc.CredentialURL(aw.ID), "has earned the micro credential"} {
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(s, " ", "")) {
			t.Errorf("the certificate's text lacks %q:\n%s", s, text)
		}
	}

	// Cached: the same bytes and ETag, and a conditional GET is answered 304.
	again := get(t, e.mux, path)
	if !bytes.Equal(again.Body.Bytes(), pdf) || again.Header().Get("ETag") != w.Header().Get("ETag") {
		t.Error("a second GET answered other bytes or another ETag")
	}
	if nm := get(t, e.mux, path, "If-None-Match", w.Header().Get("ETag")); nm.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", nm.Code)
	}

	// Paper: asked for, or from the reader's language.
	for _, tc := range []struct{ query, lang, want string }{
		{"?size=letter", "", letterLandscape},
		{"?size=A4", "en-US", a4Landscape},
		{"", "en-US,en;q=0.9", letterLandscape},
		{"", "fr-CA", letterLandscape},
		{"", "th-TH,th;q=0.9", a4Landscape},
		{"", "en", a4Landscape},
	} {
		w := get(t, e.mux, path+tc.query, "Accept-Language", tc.lang)
		if w.Code != http.StatusOK {
			t.Errorf("%s (%s): %d", tc.query, tc.lang, w.Code)
			continue
		}
		if got := pageSize(t, w.Body.Bytes()); got != tc.want {
			t.Errorf("%s (Accept-Language %q): page %s, want %s", tc.query, tc.lang, got, tc.want)
		}
	}
	if w := get(t, e.mux, path+"?size=legal"); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "a4 or letter") {
		t.Errorf("?size=legal: %d %s", w.Code, w.Body)
	}

	// The page links it.
	if body := get(t, e.mux, "/credentials/"+aw.ID).Body.String(); !strings.Contains(body, `href="/credentials/`+aw.ID+`.pdf"`) ||
		!strings.Contains(body, "Download certificate (PDF)") {
		t.Error("the credential page does not link its certificate")
	}
}

func TestCertificatePDF_HiddenName(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	aw := e.award(t, e.ach, false)
	text := pdfText(t, get(t, e.mux, "/credentials/"+aw.ID+".pdf").Body.Bytes())
	if strings.Contains(text, "Ada") {
		t.Errorf("the certificate shows a name the learner did not allow:\n%s", text)
	}
	if !strings.Contains(text, "This certificate is awarded for") {
		t.Errorf("no wording for a certificate without a name:\n%s", text)
	}
}

// A new design shows at once: the cache key names the design's version.
func TestCertificatePDF_Template(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	aw := e.award(t, e.ach, true)
	path := "/credentials/" + aw.ID + ".pdf"
	before := get(t, e.mux, path)
	if _, err := e.svc.SetCertificateTemplate(context.Background(), e.org.ID, e.ach.ID, issuing.CertificateInput{
		Layout: "modern", Title: "Certificate of Completion", PrimaryColor: "#123456", SignatoryName: "Dr Grace Hopper", SignatoryTitle: "Dean",
	}); err != nil {
		t.Fatal(err)
	}
	after := get(t, e.mux, path)
	if after.Header().Get("ETag") == before.Header().Get("ETag") {
		t.Error("the ETag did not change with the design")
	}
	text := pdfText(t, after.Body.Bytes())
	for _, s := range []string{"CERTIFICATE OF COMPLETION", "Dr Grace Hopper", "Dean"} {
		if !strings.Contains(text, s) {
			t.Errorf("the new design's certificate lacks %q:\n%s", s, text)
		}
	}
}

func TestCertificatePDF_States(t *testing.T) {
	for _, tc := range []struct {
		state cairn.AwardState
		code  int
		says  string
	}{
		{cairn.StateRevoked, http.StatusGone, "revoked by its issuer"},
		{cairn.StateSuspended, http.StatusConflict, "suspended by its issuer"},
	} {
		t.Run(string(tc.state), func(t *testing.T) {
			e := newEnv(t, testBase, PublicOptions{})
			aw := e.award(t, e.ach, true)
			path := "/credentials/" + aw.ID + ".pdf"
			if w := get(t, e.mux, path); w.Code != http.StatusOK {
				t.Fatalf("active: %d", w.Code)
			}
			if _, err := e.svc.SetState(context.Background(), e.org.ID, aw.ID, tc.state, "reason"); err != nil {
				t.Fatal(err)
			}
			w := get(t, e.mux, path)
			if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.says) {
				t.Errorf("%s: %d %s", tc.state, w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want a page", ct)
			}
			if body := get(t, e.mux, "/credentials/"+aw.ID).Body.String(); strings.Contains(body, ".pdf") {
				t.Error("the page still offers the certificate")
			}
		})
	}
}

func TestCertificatePDF_Expired(t *testing.T) {
	future := time.Now().AddDate(3, 0, 0)
	e := newEnv(t, testBase, PublicOptions{Now: func() time.Time { return future }})
	aw := e.award(t, e.ach, true)
	w := get(t, e.mux, "/credentials/"+aw.ID+".pdf")
	if w.Code != http.StatusOK {
		t.Fatalf("%d", w.Code)
	}
	if text := pdfText(t, w.Body.Bytes()); !strings.Contains(text, "This credential expired on "+aw.ValidUntil.UTC().Format("2 January 2006")) {
		t.Errorf("an expired credential's certificate does not say so:\n%s", text)
	}
}

// A certificate's wording is in the reader's language (?lang=, the
// cookie, Accept-Language), else the organization's default, else
// English; each language is cached apart.
func TestCertificatePDF_Language(t *testing.T) {
	var missing []string
	i18n.Missing = func(l i18n.Lang, key string) { missing = append(missing, string(l)+": "+key) }
	defer func() { i18n.Missing = nil }()
	future := time.Now().AddDate(3, 0, 0)
	e := newEnv(t, testBase, PublicOptions{Now: func() time.Time { return future }})
	aw := e.award(t, e.ach, true)
	path := "/credentials/" + aw.ID + ".pdf"
	check := func(name string, w *httptest.ResponseRecorder, l i18n.Lang) {
		t.Helper()
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", name, w.Code, w.Body)
		}
		p := i18n.For(l)
		text := strings.ReplaceAll(pdfText(t, w.Body.Bytes()), " ", "")
		for _, s := range []string{p.T("Verify this certificate"), p.T("has earned the %s", strings.ToLower(p.TypeName("Micro Credential"))),
			p.Date(aw.AwardedDate), p.T("This credential expired on %s.", p.Date(*aw.ValidUntil))} {
			if !strings.Contains(text, strings.ReplaceAll(s, " ", "")) {
				t.Errorf("%s: the certificate lacks %q:\n%s", name, s, text)
			}
		}
	}
	for _, l := range i18n.Langs {
		check("?lang="+string(l.Lang), get(t, e.mux, path+"?lang="+string(l.Lang)), l.Lang)
		check("Accept-Language "+string(l.Lang), get(t, e.mux, path, "Accept-Language", string(l.Lang)), l.Lang)
	}
	check("cookie", get(t, e.mux, path, "Cookie", i18n.CookieName+"=ko"), i18n.Korean)
	check("no preference", get(t, e.mux, path), i18n.English)

	e.org.DefaultLanguage = "th"
	if err := e.store.UpdateOrganization(context.Background(), e.org); err != nil {
		t.Fatal(err)
	}
	check("organization's default", get(t, e.mux, path), i18n.Thai)
	check("reader's language over the default", get(t, e.mux, path, "Accept-Language", "vi"), i18n.Vietnamese)
	for _, m := range missing {
		t.Errorf("missing message %s", m)
	}
}
