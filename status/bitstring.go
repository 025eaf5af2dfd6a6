package status

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MinEntries is the smallest list an issuer may publish: the specification
// requires at least 16 KiB (131,072 entries) of uncompressed bits so that a
// single list gives its holders herd privacy (Bitstring Status List §6.1).
const MinEntries = 131072

// MaxDecodedBytes caps the uncompressed size of a decoded list (16 MiB, that
// is 134,217,728 entries). An encodedList that inflates beyond it is refused,
// so a small hostile document cannot exhaust memory (a "gzip bomb").
const MaxDecodedBytes = 16 << 20

// ErrTooLarge is wrapped by the errors of [Decode] when the list inflates
// beyond [MaxDecodedBytes].
var ErrTooLarge = errors.New("status list exceeds the decompressed size limit")

// A Bitstring is a status list: a fixed number of one-bit entries. Index 0
// is the most significant bit of byte 0. The zero value is an empty list.
type Bitstring struct {
	bits []byte
}

// New returns a list of size entries, all unset. For issuing, size must be
// at least [MinEntries] and a multiple of 8.
func New(size int) (*Bitstring, error) {
	if size < MinEntries {
		return nil, fmt.Errorf("status: list size %d is below the minimum of %d entries", size, MinEntries)
	}
	if size%8 != 0 {
		return nil, fmt.Errorf("status: list size %d is not a multiple of 8", size)
	}
	if size/8 > MaxDecodedBytes {
		return nil, fmt.Errorf("status: list size %d exceeds the maximum of %d entries", size, MaxDecodedBytes*8)
	}
	return &Bitstring{bits: make([]byte, size/8)}, nil
}

// FromBytes returns a list whose entries are the bits of b (8 entries per
// byte, most significant bit first). It keeps a copy of b and accepts any
// length, as a verifier must read lists of any size.
func FromBytes(b []byte) *Bitstring {
	return &Bitstring{bits: bytes.Clone(b)}
}

// Bytes returns a copy of the uncompressed bits.
func (b *Bitstring) Bytes() []byte { return bytes.Clone(b.bits) }

// Len returns the number of entries.
func (b *Bitstring) Len() int { return len(b.bits) * 8 }

func (b *Bitstring) check(i int) error {
	if i < 0 || i >= b.Len() {
		return fmt.Errorf("status: index %d out of range [0, %d)", i, b.Len())
	}
	return nil
}

// Get reports whether entry i is set. It fails when i is out of range.
func (b *Bitstring) Get(i int) (bool, error) {
	if err := b.check(i); err != nil {
		return false, err
	}
	return b.bits[i/8]&(0x80>>(i%8)) != 0, nil
}

// Set sets entry i to v. It fails when i is out of range.
func (b *Bitstring) Set(i int, v bool) error {
	if err := b.check(i); err != nil {
		return err
	}
	if v {
		b.bits[i/8] |= 0x80 >> (i % 8)
	} else {
		b.bits[i/8] &^= 0x80 >> (i % 8)
	}
	return nil
}

// value reads size bits starting at entry i as a big-endian unsigned number.
func (b *Bitstring) value(i, size int) (uint64, error) {
	var v uint64
	for k := range size {
		set, err := b.Get(i + k)
		if err != nil {
			return 0, err
		}
		v <<= 1
		if set {
			v |= 1
		}
	}
	return v, nil
}

// Encode returns the encodedList form of the list (§4.1): the multibase
// prefix "u" followed by the unpadded base64url encoding of the
// GZIP-compressed bits.
func (b *Bitstring) Encode() string {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b.bits) // writes to a bytes.Buffer cannot fail
	zw.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// Decode parses an encodedList. It accepts the multibase form of Bitstring
// Status List ("u" + base64url without padding) and the plain base64url of
// StatusList2021, with or without padding (and, leniently, standard
// base64). The uncompressed list may hold
// any whole number of bytes up to [MaxDecodedBytes]; larger lists fail with
// an error wrapping [ErrTooLarge].
func Decode(s string) (*Bitstring, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("status: encodedList is empty")
	}
	// A GZIP stream starts 1f 8b, so its base64url form starts "H4s": a
	// leading "u" is always the multibase prefix, never data.
	s = strings.TrimPrefix(s, "u")
	s = strings.TrimRight(s, "=")
	enc := base64.RawURLEncoding
	if strings.ContainsAny(s, "+/") {
		enc = base64.RawStdEncoding // seen from some StatusList2021 issuers
	}
	raw, err := enc.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("status: encodedList is not base64url: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("status: encodedList is not GZIP data: %w", err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, MaxDecodedBytes+1))
	if err != nil {
		return nil, fmt.Errorf("status: encodedList: bad GZIP data: %w", err)
	}
	if len(bits) > MaxDecodedBytes {
		return nil, fmt.Errorf("status: encodedList: %w (%d bytes)", ErrTooLarge, MaxDecodedBytes)
	}
	if len(bits) == 0 {
		return nil, errors.New("status: encodedList decodes to an empty list")
	}
	return &Bitstring{bits: bits}, nil
}
