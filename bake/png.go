package bake

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// PNG keywords of baked badges.
const (
	keywordOB3 = "openbadgecredential"
	keywordOB2 = "openbadges"
)

// chunk is one PNG chunk, located in the input.
type chunk struct {
	index  int    // position in the stream, 0 = IHDR
	offset int    // offset of the length field
	typ    string // chunk type, e.g. "IHDR"
	data   []byte // chunk data (aliases the input)
}

func (c chunk) end() int { return c.offset + 12 + len(c.data) }

func (c chunk) where() string { return fmt.Sprintf("chunk %d %q", c.index, c.typ) }

// parsePNG splits a PNG stream into chunks (PNG §5.3), checking the
// signature, chunk lengths, chunk type codes and CRCs, that IHDR comes first
// and that IEND ends the stream. Bytes after IEND are returned as trailer.
func parsePNG(data []byte) (chunks []chunk, trailer []byte, err error) {
	bad := func(off int, where, format string, args ...any) error {
		return &ImageError{Format: PNG, Offset: int64(off), Where: where, Reason: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxImageSize {
		return nil, nil, fmt.Errorf("bake: PNG of %d bytes: %w (limit %d)", len(data), ErrTooLarge, MaxImageSize)
	}
	if !bytes.HasPrefix(data, pngSignature) {
		return nil, nil, bad(0, "", "missing PNG signature")
	}
	off := len(pngSignature)
	for i := 0; ; i++ {
		where := fmt.Sprintf("chunk %d", i)
		if len(data)-off < 12 {
			return nil, nil, bad(off, where, "truncated: %d bytes left, a chunk needs at least 12 (no IEND)", len(data)-off)
		}
		n := binary.BigEndian.Uint32(data[off:])
		typ := data[off+4 : off+8]
		if !isChunkType(typ) {
			return nil, nil, bad(off+4, where, "chunk type %q is not four ASCII letters", typ)
		}
		where = fmt.Sprintf("chunk %d %q", i, typ)
		if n > 1<<31-1 || int64(n) > int64(len(data)-off-12) {
			return nil, nil, bad(off, where, "truncated: chunk length %d exceeds the %d bytes left", n, len(data)-off-12)
		}
		c := chunk{index: i, offset: off, typ: string(typ), data: data[off+8 : off+8+int(n)]}
		want := binary.BigEndian.Uint32(data[c.end()-4:])
		if got := crc32.ChecksumIEEE(data[off+4 : off+8+int(n)]); got != want {
			return nil, nil, bad(c.end()-4, where, "CRC mismatch: stored %08x, computed %08x", want, got)
		}
		if i == 0 && (c.typ != "IHDR" || n != 13) {
			return nil, nil, bad(off, where, "first chunk must be a 13-byte IHDR")
		}
		if i > 0 && c.typ == "IHDR" {
			return nil, nil, bad(off, where, "second IHDR chunk")
		}
		chunks = append(chunks, c)
		off = c.end()
		if c.typ == "IEND" {
			return chunks, data[off:], nil
		}
	}
}

func isChunkType(t []byte) bool {
	for _, c := range t {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// textKeyword returns the keyword of a tEXt, zTXt or iTXt chunk.
func textKeyword(c chunk) (string, bool) {
	if c.typ != "tEXt" && c.typ != "zTXt" && c.typ != "iTXt" {
		return "", false
	}
	i := bytes.IndexByte(c.data, 0)
	if i < 1 || i > 79 {
		return "", false
	}
	return string(c.data[:i]), true
}

// textOf decodes the text of a tEXt, zTXt or iTXt chunk (PNG §11.3.4),
// inflating compressed text up to MaxPayloadSize.
func textOf(c chunk) ([]byte, error) {
	bad := func(format string, args ...any) error {
		return &ImageError{Format: PNG, Offset: int64(c.offset), Where: c.where(), Reason: fmt.Sprintf(format, args...)}
	}
	k := bytes.IndexByte(c.data, 0)
	rest := c.data[k+1:]
	compressed := false
	switch c.typ {
	case "tEXt":
		return rest, nil
	case "zTXt":
		if len(rest) < 1 || rest[0] != 0 {
			return nil, bad("unknown compression method")
		}
		rest, compressed = rest[1:], true
	case "iTXt":
		if len(rest) < 2 {
			return nil, bad("truncated iTXt header")
		}
		flag, method := rest[0], rest[1]
		if flag > 1 || (flag == 1 && method != 0) {
			return nil, bad("bad iTXt compression flag %d or method %d", flag, method)
		}
		compressed = flag == 1
		rest = rest[2:]
		for range 2 { // language tag, translated keyword
			i := bytes.IndexByte(rest, 0)
			if i < 0 {
				return nil, bad("truncated iTXt header")
			}
			rest = rest[i+1:]
		}
	}
	if !compressed {
		return rest, nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(rest))
	if err != nil {
		return nil, bad("compressed text: %v", err)
	}
	text, err := io.ReadAll(io.LimitReader(zr, MaxPayloadSize+1))
	if err != nil {
		return nil, bad("compressed text: %v", err)
	}
	if len(text) > MaxPayloadSize {
		return nil, fmt.Errorf("bake: PNG %s: compressed text inflates beyond %d bytes: %w", c.where(), MaxPayloadSize, ErrTooLarge)
	}
	return text, nil
}

func unbakePNG(data []byte) (*Baked, error) {
	chunks, _, err := parsePNG(data)
	if err != nil {
		return nil, err
	}
	var ob3, ob2 *chunk
	for i, c := range chunks {
		switch kw, _ := textKeyword(c); kw {
		case keywordOB3:
			if ob3 != nil {
				return nil, &ImageError{Format: PNG, Offset: int64(c.offset), Where: c.where(),
					Reason: fmt.Sprintf("second %q chunk (first is chunk %d)", keywordOB3, ob3.index)}
			}
			ob3 = &chunks[i]
		case keywordOB2:
			if ob2 == nil {
				ob2 = &chunks[i]
			}
		}
	}
	c, v := ob3, OB3
	if c == nil {
		c, v = ob2, OB2
	}
	if c == nil {
		return nil, fmt.Errorf("bake: PNG has no %q or %q text chunk: %w", keywordOB3, keywordOB2, ErrNotBaked)
	}
	text, err := textOf(*c)
	if err != nil {
		return nil, err
	}
	kind, payload, err := payloadKind(text, v)
	if err != nil {
		return nil, fmt.Errorf("PNG %s: %w", c.where(), err)
	}
	return &Baked{Format: PNG, Version: v, Kind: kind, Payload: bytes.Clone(payload)}, nil
}

// BakePNG returns a copy of the PNG img carrying payload, a credential as
// JSON or a compact JWS, in one uncompressed iTXt chunk with keyword
// "openbadgecredential" placed right after IHDR (OB 3.0 §5.3.1). Text
// chunks of earlier bakes (keywords "openbadgecredential" and "openbadges")
// are removed; all other chunks are kept in order, byte for byte.
func BakePNG(img, payload []byte) ([]byte, error) {
	chunks, trailer, err := parsePNG(img)
	if err != nil {
		return nil, err
	}
	_, payload, err = payloadKind(payload, OB3)
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(payload, 0) >= 0 {
		return nil, fmt.Errorf("bake: payload contains a NUL byte: %w", ErrInvalidPayload)
	}
	// iTXt data: keyword, NUL, compression flag 0, method 0, empty
	// language tag, NUL, empty translated keyword, NUL, text.
	text := make([]byte, 0, len(keywordOB3)+5+len(payload))
	text = append(text, keywordOB3...)
	text = append(text, 0, 0, 0, 0, 0)
	text = append(text, payload...)

	out := make([]byte, 0, len(img)+len(text)+12)
	out = append(out, pngSignature...)
	for _, c := range chunks {
		if kw, ok := textKeyword(c); ok && (kw == keywordOB3 || kw == keywordOB2) {
			continue
		}
		out = append(out, img[c.offset:c.end()]...)
		if c.typ == "IHDR" {
			out = appendChunk(out, "iTXt", text)
		}
	}
	out = append(out, trailer...)
	if len(out) > MaxImageSize {
		return nil, fmt.Errorf("bake: baked PNG of %d bytes: %w (limit %d)", len(out), ErrTooLarge, MaxImageSize)
	}
	return out, nil
}

func appendChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}
