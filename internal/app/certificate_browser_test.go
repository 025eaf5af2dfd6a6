package app

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/internal/testenv"
)

// getPDF fetches a certificate as an anonymous reader would.
func getPDF(t *testing.T, url string) []byte {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Fatalf("GET %s: %d %s %.40q", url, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	return body
}

// pdfToText returns the text of a PDF (pdftotext), "" when poppler is
// not installed.
func pdfToText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext (poppler-utils) is not installed: the certificate's text is not checked")
		return ""
	}
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// pdfScreenshot renders the PDF's page as name (PNG) in the screenshot
// folder, when pdftoppm is installed.
func pdfScreenshot(t *testing.T, pdf []byte, name string) {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		return
	}
	dir := testenv.ScreenshotDir(t)
	src := filepath.Join(t.TempDir(), "certificate.pdf")
	if err := os.WriteFile(src, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "80", "-singlefile", src, filepath.Join(dir, strings.TrimSuffix(name, ".png"))).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	t.Logf("screenshot: %s", filepath.Join(dir, name))
}

// TestBrowserCertificate: the credential page offers its certificate,
// which is a PDF naming the learner, the achievement, the issuer and the
// link to verify it; staff change the certificate's design on the
// achievement page (a mistake is named next to its field), preview it,
// and the next download shows the new design.
func TestBrowserCertificate(t *testing.T) {
	ctx := testenv.Browser(t, 120*time.Second)
	a, stop := bootWith(t, Config{})
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	shot := func(name string) { t.Helper(); screenshot(t, ctx, name) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }

	// The learner's (or an employer's) view.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)),
		chromedp.Navigate(base+"/credentials/"+fr.AwardID),
		chromedp.WaitVisible(chromedp.CSS("#certificate-pdf")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#certificate-pdf"); got != "Download certificate (PDF)" {
		t.Errorf("link text %q", got)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("certificate-pdf").href`))
	if err != nil {
		t.Fatal(err)
	}
	shot("certificate-link.png")
	pdf := getPDF(t, href)
	pdfScreenshot(t, pdf, "certificate-default.png")
	credURL := base + "/credentials/" + fr.AwardID
	if s := pdfToText(t, pdf); s != "" {
		flat := strings.ReplaceAll(s, " ", "")
		for _, want := range []string{"Alex Newcomer", "Cairn Explorer", "My Organization", credURL, "Certificate of Achievement"} {
			if !strings.Contains(flat, strings.ReplaceAll(want, " ", "")) {
				t.Errorf("the certificate lacks %q: %s", want, s)
			}
		}
	}

	// Staff choose a design on the achievement page.
	sig, err := badgeimg.Design{Title: "J. Roe", Shape: badgeimg.Circle, Primary: "#203040", Secondary: "#ffffff"}.PNG(200)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sigFile, notPNG := filepath.Join(dir, "signature.png"), filepath.Join(dir, "signature.txt")
	os.WriteFile(sigFile, sig, 0o644)
	os.WriteFile(notPNG, []byte("not an image"), 0o644)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/achievements/"+fr.AchievementID),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), fr.OwnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), fr.OwnerPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#certificate")),
		chromedp.Click(chromedp.CSS(`#certificate input[name=certLayout][value=modern]`)),
		chromedp.SetValue(chromedp.CSS("#certTitle"), "Certificate of Completion"),
		chromedp.SetValue(chromedp.CSS("#signatoryName"), "Dr Jane Roe"),
		chromedp.SetValue(chromedp.CSS("#signatoryTitle"), "Director of Studies"),
		chromedp.SetUploadFiles(chromedp.CSS("#signature"), []string{notPNG}),
		chromedp.Click(chromedp.CSS("#certificate-save")),
		chromedp.WaitVisible(chromedp.CSS("#certificate .field-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#certificate .field-error"); !strings.Contains(got, "PNG") {
		t.Errorf("signature error: %q", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#signatoryName"))); got != "Dr Jane Roe" {
		t.Errorf("the form lost the signatory: %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#signature"), []string{sigFile}),
		chromedp.Click(chromedp.CSS("#certificate-save")),
		chromedp.WaitVisible(chromedp.CSS("#notice")),
		chromedp.WaitVisible(chromedp.CSS("#certificate img.signature")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#notice"); !strings.Contains(got, "certificate design is saved") {
		t.Errorf("notice %q", got)
	}
	if checked, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#certificate input[value=modern]").checked`)); !checked {
		t.Error("the saved layout is not shown")
	}
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS("#certificate"))); err != nil {
		t.Fatal(err)
	}
	shot("certificate-design.png")

	// The staff preview is a PDF too (fetched with the staff session's
	// cookies: the staff pages' CSP lets no script fetch).
	previewURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("certificate-preview").href`))
	if err != nil {
		t.Fatal(err)
	}
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", previewURL, nil)
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sample, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("preview: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	pdfScreenshot(t, sample, "certificate-preview.png")
	if s := pdfToText(t, sample); s != "" && (!strings.Contains(s, "Alex Sample") || !strings.Contains(s, "Dr Jane Roe")) {
		t.Errorf("the preview: %s", s)
	}

	// The next download shows the new design.
	pdf = getPDF(t, href)
	pdfScreenshot(t, pdf, "certificate-modern.png")
	if s := pdfToText(t, pdf); s != "" {
		for _, want := range []string{"CERTIFICATE OF COMPLETION", "Dr Jane Roe", "Director of Studies", "Alex Newcomer"} {
			if !strings.Contains(s, want) {
				t.Errorf("the new design's certificate lacks %q: %s", want, s)
			}
		}
	}
}
