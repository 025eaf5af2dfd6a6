package wallet

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

func TestSniffInput(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want InputKind
	}{
		{"\x89PNG\r\n\x1a\nrest", InputPNG},
		{"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'/>", InputSVG},
		{"<?xml version='1.0'?><!-- a badge --><!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN' 'x'><svg/>", InputSVG},
		{"<svg:svg xmlns:svg='http://www.w3.org/2000/svg'/>", InputSVG},
		{"<!DOCTYPE html><html><head>", InputHTML},
		{"<!-- c --><HTML lang=en>", InputHTML},
		{" {\"@context\": []}", InputJSON},
		{"\"eyJhbGciOiJFUzI1NiJ9.eyJ2YyI6e319.c2ln\"", InputJSON},
		{"eyJhbGciOiJFUzI1NiJ9.eyJ2YyI6e319.c2ln\n", InputJWT},
		{"https://badges.example.org/credentials/1", InputURL},
	} {
		got, err := SniffInput([]byte(tc.in))
		if err != nil || got != tc.want {
			t.Errorf("SniffInput(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "   ", "hello world", "<p>x</p>", "<!-- open", "ftp://x.example/a", "a.b", "<?xml version='1.0'?><note/>"} {
		if k, err := SniffInput([]byte(in)); !errors.Is(err, ErrUnknownInput) {
			t.Errorf("SniffInput(%q) = %q, %v; want ErrUnknownInput", in, k, err)
		}
	}
}

func TestAlternateLink(t *testing.T) {
	base, _ := url.Parse("https://badges.example.org/credentials/1")
	page := `<!doctype html><html><head><link rel="stylesheet" href="/a.css"><link rel="alternate" type="application/json" href="/j">
<link rel="Alternate" type="application/vc+ld+json; charset=utf-8" href="1.json"></head><body><link rel="alternate" type="application/vc+ld+json" href="/late"></body></html>`
	if got := alternateLink([]byte(page), base); got != "https://badges.example.org/credentials/1.json" {
		t.Errorf("alternateLink = %q", got)
	}
	if got := alternateLink([]byte(`<html><head><link rel="alternate" type="text/html" href="/x"></head></html>`), base); got != "" {
		t.Errorf("alternateLink of a page without a credential link = %q", got)
	}
}

// FuzzSniffInput: any bytes are told or refused without panicking, a
// told kind agrees with the first bytes, and the credential page reader
// returns absolute URLs only.
func FuzzSniffInput(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "api", "testdata", "wallet", "*"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	for _, s := range []string{"<!doctype html><link rel=alternate type=application/vc+ld+json href=//x>", "<svg/>", "{}", "\"a.b.c\"", "https://x.example/y", "<!--", "<?xml?><svg:svg/>"} {
		f.Add([]byte(s))
	}
	base, _ := url.Parse("https://badges.example.org/credentials/1")
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := SniffInput(data)
		if err != nil {
			if !errors.Is(err, ErrUnknownInput) {
				t.Fatalf("error %v does not wrap ErrUnknownInput", err)
			}
			return
		}
		trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
		switch k {
		case InputPNG:
			if !bytes.HasPrefix(data, pngSig) {
				t.Fatalf("PNG without a signature: %q", data)
			}
		case InputSVG, InputHTML:
			if trimmed[0] != '<' {
				t.Fatalf("%s not starting with <: %q", k, data)
			}
			if k == InputHTML {
				if u := alternateLink(data, base); u != "" {
					if p, err := url.Parse(u); err != nil || !p.IsAbs() {
						t.Fatalf("alternate %q is not absolute", u)
					}
				}
			}
		case InputJSON:
			if !bytes.ContainsRune([]byte(`{["`), rune(trimmed[0])) {
				t.Fatalf("JSON starting with %q", trimmed[0])
			}
		case InputJWT:
			if bytes.Count(trimmed, []byte(".")) != 2 {
				t.Fatalf("JWT without three parts: %q", trimmed)
			}
		case InputURL:
			if _, err := url.Parse(string(trimmed)); err != nil {
				t.Fatalf("URL that does not parse: %q", trimmed)
			}
		default:
			t.Fatalf("unknown kind %q", k)
		}
	})
}
