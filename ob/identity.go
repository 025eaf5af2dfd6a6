package ob

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// HashIdentity returns the hashed form of an earner identity as OB 3.0 (identityHash)
// and OB 2.0 (identity) define it: "sha256$" + hex(SHA-256(identity + salt)).
// See https://www.imsglobal.org/spec/ob/v3p0/#identityobject.
func HashIdentity(identity, salt string) string {
	sum := sha256.Sum256([]byte(identity + salt))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// NewIdentityObject returns a hashed IdentityObject for identity (e.g. an email address
// with identityType "emailAddress") using salt.
func NewIdentityObject(identityType, identity, salt string) IdentityObject {
	return IdentityObject{
		Type:         "IdentityObject",
		Hashed:       true,
		IdentityHash: HashIdentity(identity, salt),
		IdentityType: identityType,
		Salt:         salt,
	}
}

// Matches reports whether identity (e.g. an email address) is the one o identifies.
// A hashed value is compared in constant time with [HashIdentity](identity, salt).
// Email addresses are also tried lower-cased, since issuers commonly normalise them.
func (o IdentityObject) Matches(identity string) bool {
	return matchIdentity(o.IdentityHash, o.Hashed, o.Salt, identity, o.IdentityType == "emailAddress")
}

// Matches reports whether identity is the OB 2.0 recipient o identifies. Besides
// "sha256$…" it accepts the "md5$…" hashes some OB 2.0 issuers used.
func (o IdentityObjectV2) Matches(identity string) bool {
	return matchIdentity(o.Identity, o.Hashed, o.Salt, identity, o.Type == "email")
}

func matchIdentity(stored string, hashed bool, salt, identity string, email bool) bool {
	candidates := []string{identity}
	if email && strings.ToLower(identity) != identity {
		candidates = append(candidates, strings.ToLower(identity))
	}
	for _, c := range candidates {
		var want string
		switch {
		case !hashed:
			want = c
		case strings.HasPrefix(strings.ToLower(stored), "md5$"):
			sum := md5.Sum([]byte(c + salt))
			want = "md5$" + hex.EncodeToString(sum[:])
		default:
			want = HashIdentity(c, salt)
		}
		got := stored
		if hashed {
			got = strings.ToLower(got) // hex digits may be upper case
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
			return true
		}
	}
	return false
}
