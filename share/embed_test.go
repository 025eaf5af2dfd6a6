package share

import (
	"strings"
	"testing"
)

func TestLinkedInFeedShareURL(t *testing.T) {
	got := LinkedInFeedShareURL("https://badges.example.org/credentials/a b?x=1&y=2")
	want := "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fbadges.example.org%2Fcredentials%2Fa+b%3Fx%3D1%26y%3D2"
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestEmbedHTML(t *testing.T) {
	h := Embed{URL: "https://b.example/credentials/1", ImageURL: "https://b.example/credentials/1.png",
		Name: `Welding <Level 2> "A"`, IssuerName: "Tech & Co"}.HTML()
	for _, want := range []string{`href="https://b.example/credentials/1"`, `src="https://b.example/credentials/1.png"`,
		`Welding &lt;Level 2&gt; &#34;A&#34;`, `Tech &amp; Co`, `width="120"`} {
		if !strings.Contains(h, want) {
			t.Errorf("embed lacks %s:\n%s", want, h)
		}
	}
	for _, bad := range []string{"<script", "<Level", "onload", "javascript:"} {
		if strings.Contains(h, bad) {
			t.Errorf("embed holds %s:\n%s", bad, h)
		}
	}
}
