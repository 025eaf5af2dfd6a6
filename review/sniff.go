package review

import (
	"bytes"
	"unicode/utf8"
)

// The file types an application may carry, by content.
const (
	TypePDF  = "application/pdf"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeText = "text/plain; charset=utf-8"
)

// Sniff returns the type of an evidence file judged by its content alone
// (the name and the browser's claimed type are not trusted): a PDF, a
// PNG, a JPEG or UTF-8 plain text; "" for anything else (HTML, SVG,
// archives, executables, other text encodings). Text is text when it is
// valid UTF-8 without NUL or other control characters than tab, line
// feed, form feed and carriage return; a byte-order mark is allowed.
func Sniff(data []byte) string {
	switch {
	case len(data) == 0:
		return ""
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case len(data) >= 4 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return TypeJPEG
	}
	text := bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(text) {
		return ""
	}
	for _, c := range text {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' || c == 0x7F {
			return ""
		}
	}
	// Markup is refused even though files are served as attachments: a
	// reviewer's viewer may still render what looks like HTML or SVG.
	head := bytes.ToLower(bytes.TrimLeft(text[:min(len(text), 512)], " \t\r\n\f"))
	for _, p := range [][]byte{[]byte("<!doctype"), []byte("<html"), []byte("<svg"), []byte("<?xml"), []byte("<script")} {
		if bytes.HasPrefix(head, p) {
			return ""
		}
	}
	return TypeText
}

// Inline reports whether a file of the type may be shown in the browser
// (images); others are downloaded (Content-Disposition: attachment).
func Inline(ctype string) bool { return ctype == TypePNG || ctype == TypeJPEG }

// Extension is the usual file name extension of a sniffed type.
func Extension(ctype string) string {
	switch ctype {
	case TypePDF:
		return ".pdf"
	case TypePNG:
		return ".png"
	case TypeJPEG:
		return ".jpg"
	}
	return ".txt"
}
