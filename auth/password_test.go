package auth

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// cheap keeps tests fast where the cost parameters do not matter.
var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestCheckPasswordPolicy(t *testing.T) {
	tests := []struct {
		name, pw string
		want     string // substring of the reason; "" = accepted
	}{
		{"ten ascii", "abcdefghij", ""},
		{"nine ascii", "abcdefghi", "at least 10 characters"},
		{"empty", "", "at least 10 characters"},
		{"ten runes, more bytes", "éééééééééé", ""},
		{"nine runes, 18 bytes", "ééééééééé", "at least 10 characters"},
		{"spaces count", "a b c d e ", ""},
		{"max bytes", strings.Repeat("x", MaxPasswordBytes), ""},
		{"over max bytes", strings.Repeat("x", MaxPasswordBytes+1), "at most 1024 bytes"},
		{"invalid utf-8", "abcdefghij\xff", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPasswordPolicy(tt.pw)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v, want a *FieldError", err)
			}
			if fe.Field != "password" || !strings.Contains(fe.Reason, tt.want) {
				t.Errorf("error = %q, want field password and reason containing %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "password: ") {
				t.Errorf("message %q does not start with the field", err)
			}
		})
	}
}

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=1,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashVerifyDefault(t *testing.T) {
	ctx := context.Background()
	h, err := HashPassword(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !phc.MatchString(h) {
		t.Fatalf("hash %q is not a PHC argon2id string with the default parameters", h)
	}
	if NeedsRehash(h) {
		t.Error("fresh default hash needs rehash")
	}
	if err := VerifyPassword(ctx, h, "correct horse battery staple"); err != nil {
		t.Errorf("right password: %v", err)
	}
	if err := VerifyPassword(ctx, h, "correct horse battery stapl"); !errors.Is(err, ErrPasswordMismatch) {
		t.Errorf("wrong password: %v, want ErrPasswordMismatch", err)
	}
}

// Hashes made by the reference C implementation (libargon2 20171227 through
// argon2id_hash_encoded, password "correct horse battery staple", salt
// "cairn-test-salt!") verify here: Cairn reads hashes from other systems and
// they read Cairn's.
func TestVerifyReferenceHashes(t *testing.T) {
	ctx := context.Background()
	for _, h := range []string{
		"$argon2id$v=19$m=1024,t=2,p=1$Y2Fpcm4tdGVzdC1zYWx0IQ$F6p/HxubtcdPqb+jyhhZXdOGqPQ5QNksx9ujmACT90M",
		"$argon2id$v=19$m=65536,t=1,p=2$Y2Fpcm4tdGVzdC1zYWx0IQ$whTog9J4WDrA1DWMVNMHeLTFDUnCgkwT2+xSL7zBsow",
	} {
		if err := VerifyPassword(ctx, h, "correct horse battery staple"); err != nil {
			t.Errorf("%s: %v", h, err)
		}
		if strings.Contains(h, "m=1024,") { // wrong passwords at full cost: TestHashVerifyDefault
			if err := VerifyPassword(ctx, h, "Correct horse battery staple"); !errors.Is(err, ErrPasswordMismatch) {
				t.Errorf("%s with a wrong password: %v", h, err)
			}
		}
		p, salt, _, err := decodeHash(h)
		if err != nil {
			t.Fatal(err)
		}
		key, _ := b64.DecodeString(h[strings.LastIndex(h, "$")+1:])
		if got := p.encode(salt, key); got != h {
			t.Errorf("re-encoded as %s", got)
		}
	}
	if NeedsRehash("$argon2id$v=19$m=1024,t=2,p=1$Y2Fpcm4tdGVzdC1zYWx0IQ$F6p/HxubtcdPqb+jyhhZXdOGqPQ5QNksx9ujmACT90M") != true {
		t.Error("weaker reference hash does not need rehash")
	}
}

func TestHashVerifyCheap(t *testing.T) {
	ctx := context.Background()
	h1, _ := cheap.Hash(ctx, "same password")
	h2, _ := cheap.Hash(ctx, "same password")
	if h1 == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	if !NeedsRehash(h1) {
		t.Error("hash with non-default parameters does not need rehash")
	}
	for _, pw := range []string{"", "same passwor", "same password ", "Same password", strings.Repeat("x", MaxPasswordBytes+1)} {
		if err := VerifyPassword(ctx, h1, pw); !errors.Is(err, ErrPasswordMismatch) {
			t.Errorf("VerifyPassword(%.20q) = %v, want ErrPasswordMismatch", pw, err)
		}
	}
	if err := VerifyPassword(ctx, h1, "same password"); err != nil {
		t.Error(err)
	}
	if _, err := cheap.Hash(ctx, strings.Repeat("x", MaxPasswordBytes+1)); err == nil {
		t.Error("hashed an over-long password")
	}
	if err := FakeVerifyPassword(ctx, "anything at all"); !errors.Is(err, ErrPasswordMismatch) {
		t.Errorf("FakeVerifyPassword = %v", err)
	}
}

func TestVerifyMalformedHash(t *testing.T) {
	const salt, key = "Y2Fpcm4tdGVzdC1zYWx0IQ", "F6p/HxubtcdPqb+jyhhZXdOGqPQ5QNksx9ujmACT90M"
	for _, h := range []string{
		"",
		"plaintext",
		"$2a$10$abcdefghijklmnopqrstuv", // bcrypt
		"$argon2i$v=19$m=1024,t=2,p=1$" + salt + "$" + key, // argon2i
		"$argon2id$v=16$m=1024,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=1024,t=2$" + salt + "$" + key,
		"$argon2id$v=19$t=2,m=1024,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=-1,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key, // 4 TiB
		"$argon2id$v=19$m=1024,t=1000000,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=1024,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=1024,t=2,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=1024,t=2,p=256$" + salt + "$" + key,
		"$argon2id$v=19$m=1024,t=2,p=1$" + salt + "=$" + key,
		"$argon2id$v=19$m=1024,t=2,p=1$!!$" + key,
		"$argon2id$v=19$m=1024,t=2,p=1$$" + key,
		"$argon2id$v=19$m=1024,t=2,p=1$" + salt + "$" + key[:10],
		"$argon2id$v=19$m=1024,t=2,p=1$" + salt + "$" + key + "$",
	} {
		err := VerifyPassword(context.Background(), h, "correct horse battery staple")
		if err == nil || errors.Is(err, ErrPasswordMismatch) {
			t.Errorf("VerifyPassword(%q) = %v, want a malformed-hash error", h, err)
		}
		if !NeedsRehash(h) {
			t.Errorf("NeedsRehash(%q) = false", h)
		}
	}
}

// Hashing waits for a free slot and gives up when its context ends.
func TestHashSlotsBounded(t *testing.T) {
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	defer func() {
		for range cap(hashSlots) {
			<-hashSlots
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := cheap.Hash(ctx, "0123456789"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash with every slot taken = %v, want DeadlineExceeded", err)
	}
	if err := VerifyPassword(ctx, "$argon2id$v=19$m=64,t=1,p=1$Y2Fpcm4tdGVzdC1zYWx0IQ$F6p/HxubtcdPqb+jyhhZXdOGqPQ5QNksx9ujmACT90M", "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("VerifyPassword with every slot taken = %v, want DeadlineExceeded", err)
	}
}

func BenchmarkHashPassword(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := HashPassword(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	ctx := context.Background()
	h, _ := HashPassword(ctx, "correct horse battery staple")
	for b.Loop() {
		if err := VerifyPassword(ctx, h, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
