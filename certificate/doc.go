// Package certificate draws printable PDF certificates of awards: an A4 or
// US Letter page, landscape, with the badge image, the recipient's name
// (when the learner lets it show), the achievement, the issuer and its
// logo, the dates, a signature, a QR code and the URL where anyone
// verifies the credential. It does no I/O: the caller passes the texts and
// the images (PNG) and gets the PDF's bytes.
//
// # Fonts
//
// Text is set in the fonts of package internal/fonts (see its OFL.txt
// and scripts/fonts/build.py): Noto Sans for Latin (with Vietnamese and the
// other Latin-script languages, Indonesian among them), Greek and
// Cyrillic; Noto Sans Thai; Noto Sans CJK KR for Hangul. Each run of text
// takes the font of its script, and only the fonts a certificate uses are
// embedded in it, subset to the glyphs it uses. Characters none of the
// fonts has (Chinese or Japanese ideographs, say) show as empty boxes; the
// PDF's text layer still holds them, so they are copied and searched.
//
// The PDF writer places glyphs by their advance widths and reads no
// OpenType layout tables, so text is shaped (by internal/fonts) as far as the scripts
// need it: text is put in Unicode normalization form C (a Vietnamese
// letter with two marks is one precomposed glyph), and Thai marks take the
// font's positional variants (a tone mark above an upper vowel is raised,
// marks over a tall consonant move left, a lower vowel under a consonant
// with a descender moves down). Thai text drawn with variants carries its
// original characters as the PDF's ActualText, so copying and text
// extraction give the text as written.
//
// # Fitting
//
// Every text has a box. A text too long for its box is set smaller, down
// to a floor, then wrapped over the lines the box allows, and its last
// line ends with an ellipsis if it still does not fit: a name of any
// length stays on the page. Images are scaled into their box keeping
// their aspect ratio, and images larger than needed for print are scaled
// down before they are embedded (see [MaxImagePixels]).
package certificate
