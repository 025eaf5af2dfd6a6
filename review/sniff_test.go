package review

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name, data, want string
	}{
		{"pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", TypePDF},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", TypePNG},
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF", TypeJPEG},
		{"text", "My report.\r\nLine two\tand a tab.\f", TypeText},
		{"thai text", "รายงานคุณภาพอากาศ", TypeText},
		{"bom text", "\xef\xbb\xbfhello", TypeText},
		{"empty", "", ""},
		{"html", "<!DOCTYPE html><p>x", ""},
		{"html after space", "\n  <html><script>", ""},
		{"svg", "<svg xmlns='http://www.w3.org/2000/svg'/>", ""},
		{"xml", "<?xml version='1.0'?><svg/>", ""},
		{"script", "<SCRIPT>alert(1)</SCRIPT>", ""},
		{"zip", "PK\x03\x04\x14\x00", ""},
		{"exe", "MZ\x90\x00", ""},
		{"nul in text", "abc\x00def", ""},
		{"latin-1 text", "caf\xe9", ""},
		{"gif", "GIF89a\x01\x00", ""},
		{"short jpeg", "\xff\xd8\xff", ""},
	} {
		if got := Sniff([]byte(c.data)); got != c.want {
			t.Errorf("%s: Sniff = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Users\me\report.pdf`: "report.pdf", "../../etc/passwd": "passwd", "a\"b\r\n.txt": "ab.txt", "  x.png ": "x.png",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSniff: Sniff never panics, and what it accepts is what it says:
// the magic bytes of the type, or UTF-8 text without control characters
// that does not start like markup.
func FuzzSniff(f *testing.F) {
	for _, s := range []string{"%PDF-1.4", "\x89PNG\r\n\x1a\n", "\xff\xd8\xff\xdb", "hello\n", "<html>", "\xef\xbb\xbf<svg", "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := Sniff(data)
		switch got {
		case "":
		case TypePDF:
			if !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Fatalf("PDF without its magic: %q", data)
			}
		case TypePNG:
			if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
				t.Fatalf("PNG without its magic: %q", data)
			}
		case TypeJPEG:
			if len(data) < 4 || !bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}) {
				t.Fatalf("JPEG without its magic: %q", data)
			}
		case TypeText:
			if !utf8.Valid(data) || bytes.ContainsRune(data, 0) {
				t.Fatalf("text that is not UTF-8 or holds NUL: %q", data)
			}
			if bytes.Contains(bytes.ToLower(data[:min(len(data), 16)]), []byte("<html")) && bytes.HasPrefix(bytes.TrimSpace(bytes.ToLower(data)), []byte("<html")) {
				t.Fatalf("markup as text: %q", data)
			}
		default:
			t.Fatalf("unknown type %q", got)
		}
		if got != "" && Extension(got) == "" {
			t.Fatalf("no extension for %q", got)
		}
	})
}

func BenchmarkSniffText(b *testing.B) {
	data := bytes.Repeat([]byte("A line of a plain text report, with some words.\n"), 200_000) // ~10 MiB
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if Sniff(data) != TypeText {
			b.Fatal("not text")
		}
	}
}
