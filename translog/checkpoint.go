package translog

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is a log's signed statement of its tree: the note text of the
// C2SP tlog-checkpoint format (https://c2sp.org/tlog-checkpoint#note-text).
type Checkpoint struct {
	// Origin identifies the log, such as "badges.example.edu/log". It "MUST
	// be non-empty, and it SHOULD be a schema-less URL containing neither
	// Unicode spaces nor plus". Cairn uses the log key's name.
	Origin string
	// Size is the number of entries in the tree.
	Size uint64
	// Hash is the RFC 6962 root hash of the tree at Size, 32 bytes.
	Hash []byte
	// Extensions are optional extra lines, each non-empty. Their use "is
	// NOT RECOMMENDED, as they are not auditable by log monitors"; Cairn
	// writes none but keeps those it reads.
	Extensions []string
}

// Marshal returns the checkpoint's note text: origin, size, base64 root
// hash and extension lines, each ending in a newline.
func (c Checkpoint) Marshal() ([]byte, error) {
	if err := checkLine(c.Origin); err != nil {
		return nil, fmt.Errorf("translog: checkpoint origin: %v: %w", err, ErrInvalid)
	}
	if len(c.Hash) != HashSize {
		return nil, fmt.Errorf("translog: checkpoint hash has %d bytes, want %d: %w", len(c.Hash), HashSize, ErrInvalid)
	}
	for _, x := range c.Extensions {
		if err := checkLine(x); err != nil {
			return nil, fmt.Errorf("translog: checkpoint extension line: %v: %w", err, ErrInvalid)
		}
	}
	var b bytes.Buffer
	b.WriteString(c.Origin)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatUint(c.Size, 10))
	b.WriteByte('\n')
	b.WriteString(base64.StdEncoding.EncodeToString(c.Hash))
	b.WriteByte('\n')
	for _, x := range c.Extensions {
		b.WriteString(x)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// checkLine checks that s can be one line of a signed note: non-empty,
// UTF-8, no control characters (https://c2sp.org/signed-note#note-text).
func checkLine(s string) error {
	if s == "" {
		return errors.New("empty line")
	}
	if !utf8.ValidString(s) {
		return errors.New("not UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("control character %U", r)
		}
	}
	return nil
}

// ParseCheckpoint parses a checkpoint's note text (without signatures). It
// accepts only what Marshal produces: no leading zeroes in the size, the
// canonical base64 of a 32-byte hash, no empty lines.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	bad := func(why string) (Checkpoint, error) {
		return Checkpoint{}, fmt.Errorf("translog: checkpoint: %s: %w", why, ErrInvalid)
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return bad("does not end with a newline")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return bad("fewer than three lines")
	}
	for _, l := range lines {
		if err := checkLine(l); err != nil {
			return bad(err.Error())
		}
	}
	c := Checkpoint{Origin: lines[0]}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return bad("tree size is not a decimal number without leading zeroes")
	}
	c.Size = size
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(h) != HashSize {
		return bad("root hash is not the base64 of 32 bytes")
	}
	c.Hash = h
	if len(lines) > 3 {
		c.Extensions = lines[3:]
	}
	return c, nil
}

// SignCheckpoint signs c as a signed note with the log's key and any other
// signers. The log's key must be named c.Origin ("The log's key name in its
// signature line SHOULD match the origin line", and Cairn makes it so).
func SignCheckpoint(c Checkpoint, logKey note.Signer, others ...note.Signer) ([]byte, error) {
	if logKey.Name() != c.Origin {
		return nil, fmt.Errorf("translog: log key %q does not match checkpoint origin %q: %w", logKey.Name(), c.Origin, ErrInvalid)
	}
	text, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: string(text)}, append([]note.Signer{logKey}, others...)...)
}

// OpenCheckpoint verifies a signed checkpoint and parses it. It requires a
// valid signature by logKey, whose name must be the checkpoint's origin,
// and checks the signatures of others (witness cosigners, see
// [NewCosignatureVerifier]) when present. Signatures by unknown keys are
// ignored, as the signed-note spec requires
// (https://c2sp.org/tlog-checkpoint#signatures: "clients MUST ignore
// unknown signatures"); they are in the returned note's UnverifiedSigs.
// Errors wrap ErrInvalid, or are the note package's errors for bad
// signatures (*note.InvalidSignatureError, *note.UnverifiedNoteError).
func OpenCheckpoint(msg []byte, logKey note.Verifier, others ...note.Verifier) (Checkpoint, *note.Note, error) {
	n, err := note.Open(msg, note.VerifierList(append([]note.Verifier{logKey}, others...)...))
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("translog: checkpoint: %w", err)
	}
	signed := false
	for _, s := range n.Sigs {
		if s.Name == logKey.Name() && s.Hash == logKey.KeyHash() {
			signed = true
		}
	}
	if !signed {
		return Checkpoint{}, nil, fmt.Errorf("translog: checkpoint is not signed by the log key %s: %w", logKey.Name(), ErrInvalid)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, nil, err
	}
	if c.Origin != logKey.Name() {
		return Checkpoint{}, nil, fmt.Errorf("translog: checkpoint origin %q is not the log key's name %q: %w", c.Origin, logKey.Name(), ErrInvalid)
	}
	return c, n, nil
}

// AddSignatures returns the signed note msg with the signature lines of
// sigs added, skipping those already present. sigs holds whole signature
// lines ("— name base64\n"), as a witness returns them
// (https://c2sp.org/tlog-witness). It checks syntax only: open the result
// with [OpenCheckpoint] to verify the new signatures.
func AddSignatures(msg, sigs []byte) ([]byte, error) {
	i := bytes.LastIndex(msg, []byte("\n\n"))
	if i < 0 {
		return nil, fmt.Errorf("translog: signed note has no signature block: %w", ErrInvalid)
	}
	have := make(map[string]bool)
	for _, l := range strings.SplitAfter(string(msg[i+2:]), "\n") {
		have[l] = true
	}
	out := append([]byte(nil), msg...)
	if len(sigs) == 0 || sigs[len(sigs)-1] != '\n' {
		return nil, fmt.Errorf("translog: signature lines do not end with a newline: %w", ErrInvalid)
	}
	for _, l := range strings.SplitAfter(string(sigs[:len(sigs)-1]), "\n") {
		l = strings.TrimSuffix(l, "\n") + "\n"
		rest, ok := strings.CutPrefix(l, "— ")
		name, b64, ok2 := strings.Cut(strings.TrimSuffix(rest, "\n"), " ")
		sig, err := base64.StdEncoding.DecodeString(b64)
		if !ok || !ok2 || name == "" || strings.ContainsAny(name, " +\t") || err != nil || len(sig) < 5 {
			return nil, fmt.Errorf("translog: %.80q is not a signature line: %w", l, ErrInvalid)
		}
		if !have[l] {
			out = append(out, l...)
			have[l] = true
		}
	}
	return out, nil
}

// SignCheckpoint signs a checkpoint of the log at its current size with
// the log's key, whose name is the origin, stores it with
// [Storage.WriteCheckpoint], and returns the signed note.
func (l *Log) SignCheckpoint(ctx context.Context, logKey note.Signer) ([]byte, error) {
	size, err := l.storage.Size(ctx)
	if err != nil {
		return nil, err
	}
	root, err := l.RootHash(ctx, size)
	if err != nil {
		return nil, err
	}
	msg, err := SignCheckpoint(Checkpoint{Origin: logKey.Name(), Size: size, Hash: root}, logKey)
	if err != nil {
		return nil, err
	}
	if err := l.storage.WriteCheckpoint(ctx, size, msg); err != nil {
		return nil, err
	}
	return msg, nil
}

// Checkpoint returns the latest stored signed checkpoint, or an error
// wrapping ErrNotFound if none was signed yet.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	return l.storage.ReadCheckpoint(ctx)
}

// AddCosignatures adds witness signature lines to the stored checkpoint,
// after checking that each line is a valid signature of that checkpoint by
// one of the cosigners, and returns the new note. It returns an error
// wrapping ErrInvalid for a line no cosigner verifies, and one wrapping
// ErrConflict if a newer checkpoint was stored meanwhile.
func (l *Log) AddCosignatures(ctx context.Context, logKey note.Verifier, sigs []byte, cosigners ...note.Verifier) ([]byte, error) {
	cur, err := l.storage.ReadCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	merged, err := AddSignatures(cur, sigs)
	if err != nil {
		return nil, err
	}
	c, n, err := OpenCheckpoint(merged, logKey, cosigners...)
	if err != nil {
		return nil, err
	}
	verified := make(map[string]bool)
	for _, s := range n.Sigs {
		verified["— "+s.Name+" "+s.Base64+"\n"] = true
	}
	for _, line := range strings.SplitAfter(string(sigs), "\n") {
		if line != "" && !verified[line] {
			return nil, fmt.Errorf("translog: %.80q is not a valid cosignature of the checkpoint: %w", line, ErrInvalid)
		}
	}
	if err := l.storage.WriteCheckpoint(ctx, c.Size, merged); err != nil {
		return nil, err
	}
	return merged, nil
}
