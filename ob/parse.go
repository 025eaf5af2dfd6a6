package ob

import (
	"fmt"
	"strings"
)

// Kind is the kind of a document recognised by [Parse].
type Kind int

// The document kinds [Parse] recognises.
const (
	KindUnknown       Kind = iota
	KindOpenBadge          // OB 3.0 OpenBadgeCredential / AchievementCredential → *OpenBadgeCredential
	KindEndorsement        // OB 3.0 EndorsementCredential → *EndorsementCredential
	KindCLR                // CLR 2.0 ClrCredential → *ClrCredential
	KindProfile            // OB 3.0 Profile (e.g. from GET /profile) → *Profile
	KindOB2Assertion       // OB 2.0 Assertion → *Assertion
	KindOB2BadgeClass      // OB 2.0 BadgeClass → *BadgeClass
	KindOB2Issuer          // OB 2.0 Issuer / Profile → *Issuer
)

var kindNames = [...]string{"unknown", "OpenBadgeCredential", "EndorsementCredential", "ClrCredential", "Profile", "OB 2.0 Assertion", "OB 2.0 BadgeClass", "OB 2.0 Issuer"}

// String returns the kind's name, e.g. "OpenBadgeCredential".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// IsOB2 reports whether k is an Open Badges 2.0 kind.
func (k Kind) IsOB2() bool { return k >= KindOB2Assertion && k <= KindOB2Issuer }

// DetectKind tells what a decoded JSON document is, from its type and @context.
// OB 2.0 compact IRIs ("obi:Assertion") and full IRIs are recognised too.
func DetectKind(doc map[string]any) Kind {
	types := stringsOf(doc["type"])
	if len(types) == 0 {
		types = stringsOf(doc["@type"])
	}
	has := func(names ...string) bool {
		for _, t := range types {
			t = strings.TrimPrefix(t, "obi:")
			t = strings.TrimPrefix(t, "https://w3id.org/openbadges#")
			for _, n := range names {
				if t == n {
					return true
				}
			}
		}
		return false
	}
	ob2 := false
	for _, c := range stringsOf(doc["@context"]) {
		if strings.HasPrefix(c, "https://w3id.org/openbadges") || strings.HasPrefix(c, "https://openbadgespec.org/") {
			ob2 = true
		}
	}
	switch {
	case has("ClrCredential"):
		return KindCLR
	case has("OpenBadgeCredential", "AchievementCredential"):
		return KindOpenBadge
	case has("EndorsementCredential"):
		return KindEndorsement
	case has("Assertion"):
		return KindOB2Assertion
	case has("BadgeClass"):
		return KindOB2BadgeClass
	case has("Issuer"), has("Profile") && ob2:
		return KindOB2Issuer
	case has("Profile"):
		return KindProfile
	}
	return KindUnknown
}

func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Parse decodes an Open Badges 3.0, CLR 2.0 or Open Badges 2.0 JSON document (at most
// [MaxDocumentSize] bytes) and tells which it is. The value is a pointer to the matching
// type (see [Kind]). Parse checks JSON syntax and the JSON type of every property it
// models; it does not check that required properties are present, nor proofs: use
// [ValidateRead] or [ValidateIssued] for the former. Errors are *ParseError values:
// one line naming the property and the reason, or the line and column of a syntax error.
func Parse(data []byte) (Kind, any, error) {
	g, err := decodeGeneric(data)
	if err != nil {
		return KindUnknown, nil, err
	}
	return parseGeneric(data, g)
}

func parseGeneric(data []byte, g any) (Kind, any, error) {
	doc, ok := g.(map[string]any)
	if !ok {
		return KindUnknown, nil, &ParseError{Reason: "expected object, got " + jsonKind(g), Err: ErrType}
	}
	k := DetectKind(doc)
	var v any
	switch k {
	case KindOpenBadge:
		v = new(OpenBadgeCredential)
	case KindEndorsement:
		v = new(EndorsementCredential)
	case KindCLR:
		v = new(ClrCredential)
	case KindProfile:
		v = new(Profile)
	case KindOB2Assertion:
		v = new(Assertion)
	case KindOB2BadgeClass:
		v = new(BadgeClass)
	case KindOB2Issuer:
		v = new(Issuer)
	default:
		reason := "missing: want OpenBadgeCredential, EndorsementCredential, ClrCredential, Profile, or OB 2.0 Assertion, BadgeClass or Issuer"
		if t, ok := doc["type"]; ok {
			reason = fmt.Sprintf("no known type in %s: want OpenBadgeCredential, EndorsementCredential, ClrCredential, Profile, or OB 2.0 Assertion, BadgeClass or Issuer", compactJSON(t))
		}
		return KindUnknown, nil, &ParseError{Path: "type", Reason: reason, Err: ErrUnknownKind}
	}
	if err := unmarshalChecked(data, g, v); err != nil {
		return k, nil, err
	}
	return k, v, nil
}

func compactJSON(v any) string {
	s := fmt.Sprint(v)
	if b, err := jsonMarshal(v); err == nil {
		s = string(b)
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
