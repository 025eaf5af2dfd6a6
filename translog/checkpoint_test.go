package translog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

func testKeys(t testing.TB) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), "badges.example.edu/log")
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func testCosigner(t testing.TB, name string, seed byte, at time.Time) (*Cosigner, note.Verifier) {
	t.Helper()
	priv, vkey, err := GenerateCosignerKey(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)), name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCosigner(name, priv, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewCosignatureVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return c, v
}

func TestCheckpointRoundTrip(t *testing.T) {
	s, v := testKeys(t)
	c := Checkpoint{Origin: "badges.example.edu/log", Size: 20852163, Hash: bytes.Repeat([]byte{0xab}, 32), Extensions: []string{"ext one"}}
	msg, err := SignCheckpoint(c, s)
	if err != nil {
		t.Fatal(err)
	}
	text := "badges.example.edu/log\n20852163\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\next one\n\n— badges.example.edu/log "
	if !strings.HasPrefix(string(msg), text) {
		t.Fatalf("signed checkpoint = %q, want prefix %q", msg, text)
	}
	got, n, err := OpenCheckpoint(msg, v)
	if err != nil {
		t.Fatal(err)
	}
	if got.Origin != c.Origin || got.Size != c.Size || !bytes.Equal(got.Hash, c.Hash) || len(got.Extensions) != 1 || len(n.Sigs) != 1 {
		t.Errorf("OpenCheckpoint = %+v, want %+v", got, c)
	}
	// Tampered text.
	bad := bytes.Replace(msg, []byte("20852163"), []byte("20852164"), 1)
	if _, _, err := OpenCheckpoint(bad, v); err == nil {
		t.Error("OpenCheckpoint accepted a checkpoint whose size was changed")
	}
	// Key name must match the origin.
	c.Origin = "other.example/log"
	if _, err := SignCheckpoint(c, s); !errors.Is(err, ErrInvalid) {
		t.Errorf("SignCheckpoint with a foreign origin: error = %v, want ErrInvalid", err)
	}
}

func TestOpenCheckpointRequiresLogKey(t *testing.T) {
	_, v := testKeys(t)
	w, wv := testCosigner(t, "witness.example/w1", 1, time.Unix(1700000000, 0))
	text, _ := Checkpoint{Origin: "badges.example.edu/log", Size: 1, Hash: make([]byte, 32)}.Marshal()
	msg, err := note.Sign(&note.Note{Text: string(text)}, w)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenCheckpoint(msg, v, wv); !errors.Is(err, ErrInvalid) {
		t.Errorf("checkpoint cosigned but not signed by the log: error = %v, want ErrInvalid", err)
	}
}

func TestParseCheckpointErrors(t *testing.T) {
	h := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for name, text := range map[string]string{
		"two lines":       "o\n1\n",
		"no newline":      "o\n1\n" + h,
		"leading zero":    "o\n01\n" + h + "\n",
		"negative":        "o\n-1\n" + h + "\n",
		"short hash":      "o\n1\nAAAA\n",
		"empty origin":    "\n1\n" + h + "\n",
		"empty extension": "o\n1\n" + h + "\n\n",
		"tab":             "o\t\n1\n" + h + "\n",
		"url base64":      "o\n1\n" + strings.Repeat("_", 43) + "=\n",
	} {
		if _, err := ParseCheckpoint([]byte(text)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: ParseCheckpoint(%q) error = %v, want ErrInvalid", name, text, err)
		}
	}
}

func TestCosignature(t *testing.T) {
	ctx := context.Background()
	s, v := testKeys(t)
	at := time.Unix(1679315147, 0)
	w1, v1 := testCosigner(t, "witness.example/w1", 1, at)
	w2, v2 := testCosigner(t, "witness.example/w2", 2, at)
	l := New(NewMemStorage())
	appendN(t, l, 0, 10, 10)
	msg, err := l.SignCheckpoint(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	// A witness verifies the checkpoint, then returns its signature line.
	c, _, err := OpenCheckpoint(msg, v)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := c.Marshal()
	cosigned, err := note.Sign(&note.Note{Text: string(text)}, w1, w2)
	if err != nil {
		t.Fatal(err)
	}
	lines := cosigned[bytes.Index(cosigned, []byte("\n\n"))+2:]
	merged, err := l.AddCosignatures(ctx, v, lines, v1, v2)
	if err != nil {
		t.Fatal(err)
	}
	_, n, err := OpenCheckpoint(merged, v, v1, v2)
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Sigs) != 3 {
		t.Fatalf("cosigned checkpoint has %d verified signatures, want 3", len(n.Sigs))
	}
	ts, err := CosignatureTime(n.Sigs[1])
	if err != nil || !ts.Equal(at) {
		t.Errorf("CosignatureTime = %v, %v; want %v", ts, err, at)
	}
	// The cosigned message is the one the spec defines.
	sig, _ := base64.StdEncoding.DecodeString(n.Sigs[1].Base64)
	pub := w1.key.Public().(ed25519.PublicKey)
	signed := "cosignature/v1\ntime 1679315147\n" + string(text)
	if !ed25519.Verify(pub, []byte(signed), sig[12:]) {
		t.Error("cosignature is not over cosignature/v1, the time line and the checkpoint")
	}
	// Adding the same lines again changes nothing; stored note is the merged one.
	again, err := l.AddCosignatures(ctx, v, lines, v1, v2)
	if err != nil || !bytes.Equal(again, merged) {
		t.Errorf("adding cosignatures twice: %v, changed = %v", err, !bytes.Equal(again, merged))
	}
	if stored, _ := l.Checkpoint(ctx); !bytes.Equal(stored, merged) {
		t.Error("AddCosignatures did not store the merged checkpoint")
	}
	// A cosignature from an unknown witness or over other text is refused.
	if _, err := l.AddCosignatures(ctx, v, lines, v1); err == nil {
		t.Error("AddCosignatures accepted a signature by an unconfigured witness")
	}
	other, _ := note.Sign(&note.Note{Text: "badges.example.edu/log\n9\n" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n"}, w1)
	if _, err := l.AddCosignatures(ctx, v, other[bytes.Index(other, []byte("\n\n"))+2:], v1); err == nil {
		t.Error("AddCosignatures accepted a cosignature of another checkpoint")
	}
	// Key ID per spec: SHA-256(name || "\n" || 0x04 || pub)[:4].
	if w1.KeyHash() != v1.KeyHash() || w1.KeyHash() == w2.KeyHash() {
		t.Error("cosigner key hashes are inconsistent")
	}
}

func TestCosignatureVerifierKeyErrors(t *testing.T) {
	_, vkey, _ := GenerateCosignerKey(nil, "w.example/1")
	name, rest, _ := strings.Cut(vkey, "+")
	key, _ := base64.StdEncoding.DecodeString(rest[9:])
	key[0] = 1 // the Ed25519 note key type, not a cosignature key
	for _, k := range []string{
		"", "w.example/1", name + "+00000000+" + rest[9:], // wrong key ID
		name + "+" + rest[:8] + "+" + base64.StdEncoding.EncodeToString(key),
		vkey + "AAAA",
	} {
		if _, err := NewCosignatureVerifier(k); err == nil {
			t.Errorf("NewCosignatureVerifier(%q) succeeded", k)
		}
	}
	if _, err := NewCosignatureVerifier(vkey); err != nil {
		t.Error(err)
	}
}

func TestAddSignaturesErrors(t *testing.T) {
	for _, lines := range []string{"", "— w AAAA", "- w AAAAAAA=\n", "— w not-base64\n", "— w  AAAAAAA=\n"} {
		if _, err := AddSignatures([]byte("a\n1\nh\n\n— o AAAAAAA=\n"), []byte(lines)); err == nil {
			t.Errorf("AddSignatures(%q) succeeded", lines)
		}
	}
}

func TestCheckFork(t *testing.T) {
	s, v := testKeys(t)
	a, _ := SignCheckpoint(Checkpoint{Origin: s.Name(), Size: 5, Hash: bytes.Repeat([]byte{1}, 32)}, s)
	b, _ := SignCheckpoint(Checkpoint{Origin: s.Name(), Size: 5, Hash: bytes.Repeat([]byte{2}, 32)}, s)
	c, _ := SignCheckpoint(Checkpoint{Origin: s.Name(), Size: 6, Hash: bytes.Repeat([]byte{2}, 32)}, s)
	var fork *ForkError
	if err := CheckFork(a, b, v); !errors.As(err, &fork) || fork.A.Size != 5 || !bytes.Equal(fork.NoteB, b) {
		t.Errorf("CheckFork(same size, different roots) = %v, want *ForkError with both", err)
	}
	if err := CheckFork(a, a, v); err != nil {
		t.Errorf("CheckFork(a, a) = %v", err)
	}
	if err := CheckFork(a, c, v); err != nil {
		t.Errorf("CheckFork(different sizes) = %v", err)
	}
}

func FuzzOpenCheckpoint(f *testing.F) {
	s, v := testKeys(f)
	w, wv := testCosigner(f, "witness.example/w1", 1, time.Unix(1700000000, 0))
	msg, _ := SignCheckpoint(Checkpoint{Origin: s.Name(), Size: 3, Hash: make([]byte, 32)}, s, w)
	f.Add(msg)
	f.Add([]byte("badges.example.edu/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseCheckpoint(b); err == nil {
			again, err := c.Marshal()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("checkpoint text does not round-trip: %q → %q, %v", b, again, err)
			}
		}
		c, _, err := OpenCheckpoint(b, v, wv)
		if err != nil {
			return
		}
		if c.Origin != s.Name() {
			t.Fatalf("opened a checkpoint of origin %q", c.Origin)
		}
	})
}
