package issuing

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/mr-tron/base58"
)

// The W3C Verifiable Credentials Data Model 2.0 (REC,
// https://www.w3.org/TR/vc-data-model-2.0/) as an issuer enforces it on a
// credential a client gives to be signed. JSON-LD rules (every term defined,
// protected terms not redefined, types that expand to IRIs) are left to the
// canonicalization that signing runs.

// The base contexts a credential Cairn signs for a client starts with: the
// VC Data Model 2.0, or 1.1 (https://www.w3.org/TR/vc-data-model-1.1/),
// whose validity dates are issuanceDate (required) and expirationDate.
const (
	ContextVC2 = "https://www.w3.org/ns/credentials/v2"
	ContextVC1 = "https://www.w3.org/2018/credentials/v1"
)

// checkCredential checks the data model rules of §4 and §5 that a client's
// credential must follow to be issued:
//
//   - @context: an ordered set whose first item is ContextVC2 (or
//     ContextVC1); the others URLs or objects (§4.3);
//   - type: one or more strings, VerifiableCredential among them (§4.5);
//   - id, when present: one URL (§4.4); the same for the id of
//     credentialSubject, credentialStatus, evidence and termsOfUse;
//   - issuer, when present: a URL, or an object whose id is one (§4.7);
//   - credentialSubject: one or more objects, each with a claim (§4.8);
//   - name and description, of the credential and of its issuer: a string,
//     a language value object (@value, @language, @direction) or a list of
//     them (§4.6, §11.1);
//   - validFrom and validUntil: XML Schema dateTimeStamps, validUntil not
//     before validFrom (§4.9); for VC 1.1, issuanceDate and expirationDate
//     the same, and validFrom and validUntil absent;
//   - credentialStatus, termsOfUse, evidence and refreshService: objects
//     with a type (§4.10, §5.4, §5.5, §5.6); credentialSchema: objects
//     with an id (URL) and a type (§4.11);
//   - relatedResource: objects, each with a unique id (URL) and a well-formed
//     digestSRI or digestMultibase (§5.3);
//   - no proof: the issuer adds it.
//
// The error is Invalid and names the field (credential.PATH).
func checkCredential(cred map[string]any) error {
	const f = "credential"
	if cred == nil {
		return cairn.Invalidf(f, "is required: the credential to issue, a JSON object")
	}
	if err := checkContext(cred["@context"]); err != nil {
		return err
	}
	if err := checkTypes(f+".type", cred["type"], true); err != nil {
		return err
	}
	if v, ok := cred["id"]; ok {
		if err := checkURLValue(f+".id", v); err != nil {
			return err
		}
	}
	if v, ok := cred["issuer"]; ok {
		if err := checkIssuerValue(v); err != nil {
			return err
		}
	}
	if err := checkSubjects(cred["credentialSubject"]); err != nil {
		return err
	}
	for _, k := range []string{"name", "description"} {
		if v, ok := cred[k]; ok {
			if err := checkLanguageValue(f+"."+k, v); err != nil {
				return err
			}
		}
	}
	if err := checkValidity(cred); err != nil {
		return err
	}
	for _, k := range []string{"credentialStatus", "termsOfUse", "evidence", "refreshService", "credentialSchema"} {
		v, ok := cred[k]
		if !ok {
			continue
		}
		err := eachObject(f+"."+k, v, func(field string, m map[string]any) error {
			if err := checkTypes(field+".type", m["type"], false); err != nil {
				return err
			}
			id, hasID := m["id"]
			if k == "credentialSchema" && !hasID {
				return cairn.Invalidf(field+".id", "is required: the URL of the schema")
			}
			if hasID {
				return checkURLValue(field+".id", id)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if v, ok := cred["relatedResource"]; ok {
		if err := checkRelated(v); err != nil {
			return err
		}
	}
	if _, ok := cred["proof"]; ok {
		return cairn.Invalidf(f+".proof", "must be absent: the credential to issue is unsigned, and the issuer adds the proof")
	}
	return nil
}

func checkContext(v any) error {
	const f = "credential.@context"
	var list []any
	switch t := v.(type) {
	case nil:
		return cairn.Invalidf(f, "is required: a list starting with %q", ContextVC2)
	case string:
		list = []any{t}
	case []any:
		list = t
	default:
		return cairn.Invalidf(f, "must be a list of URLs and objects starting with %q", ContextVC2)
	}
	if len(list) == 0 || list[0] != ContextVC2 && list[0] != ContextVC1 {
		return cairn.Invalidf(f+"[0]", "must be %q (VC Data Model 2.0) or %q (1.1)", ContextVC2, ContextVC1)
	}
	for i, c := range list[1:] {
		field := fmt.Sprintf("%s[%d]", f, i+1)
		switch c := c.(type) {
		case string:
			if !isURL(c) {
				return cairn.Invalidf(field, "%q is not a URL", c)
			}
		case map[string]any:
		default:
			return cairn.Invalidf(field, "must be a context URL or an embedded context object, not %s", jsonKind(c))
		}
	}
	return nil
}

// checkTypes checks a type value: one or more non-empty strings, including
// VerifiableCredential when vc is set.
func checkTypes(field string, v any, vc bool) error {
	var list []any
	switch t := v.(type) {
	case nil:
		return cairn.Invalidf(field, "is required")
	case string:
		list = []any{t}
	case []any:
		list = t
	default:
		return cairn.Invalidf(field, "must be a string or a list of strings, not %s", jsonKind(v))
	}
	if len(list) == 0 {
		return cairn.Invalidf(field, "must name at least one type")
	}
	for i, e := range list {
		s, ok := e.(string)
		if !ok || s == "" {
			return cairn.Invalidf(fmt.Sprintf("%s[%d]", field, i), "must be a non-empty string, not %s", jsonKind(e))
		}
	}
	if vc && !slices.Contains(list, any("VerifiableCredential")) {
		return cairn.Invalidf(field, "must include \"VerifiableCredential\"")
	}
	return nil
}

func checkIssuerValue(v any) error {
	const f = "credential.issuer"
	switch t := v.(type) {
	case string:
		return checkURLValue(f, t)
	case map[string]any:
		id, ok := t["id"]
		if !ok {
			return cairn.Invalidf(f+".id", "is required: the issuer's URL")
		}
		if err := checkURLValue(f+".id", id); err != nil {
			return err
		}
		for _, k := range []string{"name", "description"} {
			if v, ok := t[k]; ok {
				if err := checkLanguageValue(f+"."+k, v); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return cairn.Invalidf(f, "must be a URL or an object with an id, not %s", jsonKind(v))
}

func checkSubjects(v any) error {
	const f = "credential.credentialSubject"
	if v == nil {
		return cairn.Invalidf(f, "is required: the claims the credential makes")
	}
	if l, ok := v.([]any); ok && len(l) == 0 {
		return cairn.Invalidf(f, "must hold at least one subject")
	}
	return eachObject(f, v, func(field string, m map[string]any) error {
		if len(m) == 0 {
			return cairn.Invalidf(field, "makes no claim: give at least one property")
		}
		if id, ok := m["id"]; ok {
			return checkURLValue(field+".id", id)
		}
		return nil
	})
}

// eachObject calls fn for v, an object or a list of objects, with the
// field name of each.
func eachObject(field string, v any, fn func(field string, m map[string]any) error) error {
	switch t := v.(type) {
	case map[string]any:
		return fn(field, t)
	case []any:
		for i, e := range t {
			m, ok := e.(map[string]any)
			if !ok {
				return cairn.Invalidf(fmt.Sprintf("%s[%d]", field, i), "must be an object, not %s", jsonKind(e))
			}
			if err := fn(fmt.Sprintf("%s[%d]", field, i), m); err != nil {
				return err
			}
		}
		return nil
	}
	return cairn.Invalidf(field, "must be an object or a list of objects, not %s", jsonKind(v))
}

// checkLanguageValue checks a name or description (§11.1).
func checkLanguageValue(field string, v any) error {
	one := func(field string, v any) error {
		switch t := v.(type) {
		case string:
			return nil
		case map[string]any:
			if _, ok := t["@value"].(string); !ok {
				return cairn.Invalidf(field+".@value", "is required: the text, a string")
			}
			for k, e := range t {
				switch k {
				case "@value":
				case "@language", "@direction":
					if _, ok := e.(string); !ok {
						return cairn.Invalidf(field+"."+k, "must be a string")
					}
				default:
					return cairn.Invalidf(field+"."+k, "is not allowed in a language value object (only @value, @language and @direction)")
				}
			}
			return nil
		}
		return cairn.Invalidf(field, "must be a string or a language value object, not %s", jsonKind(v))
	}
	if l, ok := v.([]any); ok {
		for i, e := range l {
			if err := one(fmt.Sprintf("%s[%d]", field, i), e); err != nil {
				return err
			}
		}
		return nil
	}
	return one(field, v)
}

// dateTimeStamp is the lexical form of an XML Schema dateTimeStamp: a
// dateTime with a time zone.
var dateTimeStamp = regexp.MustCompile(`^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$`)

// isVC1 reports whether cred is a VC Data Model 1.1 credential.
func isVC1(cred map[string]any) bool {
	switch c := cred["@context"].(type) {
	case string:
		return c == ContextVC1
	case []any:
		return len(c) > 0 && c[0] == ContextVC1
	}
	return false
}

func checkValidity(cred map[string]any) error {
	names := []string{"validFrom", "validUntil"}
	if isVC1(cred) {
		for _, k := range names {
			if _, ok := cred[k]; ok {
				return cairn.Invalidf("credential."+k, "is VC Data Model 2.0: a 1.1 credential has issuanceDate and expirationDate")
			}
		}
		names = []string{"issuanceDate", "expirationDate"}
	}
	var times [2]time.Time
	for i, k := range names {
		v, ok := cred[k]
		if !ok {
			continue
		}
		s, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if !dateTimeStamp.MatchString(s) || err != nil {
			return cairn.Invalidf("credential."+k, "must be an XML Schema dateTimeStamp such as 2025-01-31T09:00:00Z, not %s", quoteOrKind(v))
		}
		times[i] = t
	}
	if !times[0].IsZero() && !times[1].IsZero() && times[1].Before(times[0]) {
		return cairn.Invalidf("credential."+names[1], "is before %s", names[0])
	}
	return nil
}

// sriDigest is an SRI integrity value (https://www.w3.org/TR/SRI/#the-integrity-attribute).
var sriDigest = regexp.MustCompile(`^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$`)

func checkRelated(v any) error {
	const f = "credential.relatedResource"
	seen := map[string]bool{}
	return eachObject(f, v, func(field string, m map[string]any) error {
		id, ok := m["id"]
		if !ok {
			return cairn.Invalidf(field+".id", "is required: the URL of the resource")
		}
		if err := checkURLValue(field+".id", id); err != nil {
			return err
		}
		if seen[id.(string)] {
			return cairn.Invalidf(field+".id", "%q is listed twice; each related resource appears once", id)
		}
		seen[id.(string)] = true
		sri, hasSRI := m["digestSRI"]
		mb, hasMB := m["digestMultibase"]
		if !hasSRI && !hasMB {
			return cairn.Invalidf(field, "needs a digestSRI or a digestMultibase")
		}
		if hasSRI {
			s, _ := sri.(string)
			g := sriDigest.FindStringSubmatch(s)
			want := map[string]int{"sha256": 32, "sha384": 48, "sha512": 64}
			if g == nil {
				return cairn.Invalidf(field+".digestSRI", "must be an SRI digest such as sha384-BASE64, not %s", quoteOrKind(sri))
			}
			if b, err := base64.StdEncoding.DecodeString(g[2]); err != nil || len(b) != want[g[1]] {
				return cairn.Invalidf(field+".digestSRI", "the base64 of a %s digest must decode to %d bytes", g[1], want[g[1]])
			}
		}
		if hasMB {
			s, _ := mb.(string)
			if !validMultibase(s) {
				return cairn.Invalidf(field+".digestMultibase", "must be a multibase digest (u… base64url or z… base58btc), not %s", quoteOrKind(mb))
			}
		}
		if mt, ok := m["mediaType"]; ok {
			if _, ok := mt.(string); !ok {
				return cairn.Invalidf(field+".mediaType", "must be a string")
			}
		}
		return nil
	})
}

// validMultibase reports whether s is base64url ("u") or base58btc ("z")
// multibase of at least 16 bytes.
func validMultibase(s string) bool {
	if len(s) < 2 {
		return false
	}
	var b []byte
	var err error
	switch s[0] {
	case 'u':
		b, err = base64.RawURLEncoding.DecodeString(s[1:])
	case 'z':
		b, err = base58.Decode(s[1:])
	default:
		return false
	}
	return err == nil && len(b) >= 16
}

func checkURLValue(field string, v any) error {
	s, ok := v.(string)
	if !ok {
		return cairn.Invalidf(field, "must be one URL, not %s", jsonKind(v))
	}
	if !isURL(s) {
		return cairn.Invalidf(field, "%q is not a URL", s)
	}
	return nil
}

// isURL reports whether s is an absolute URL (a scheme, then something),
// DIDs and URNs included.
func isURL(s string) bool {
	if len(s) > MaxURLLen || strings.ContainsAny(s, " \t\r\n<>\"{}|\\^`") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Opaque != "" || u.Host != "" || u.Path != "")
}

func quoteOrKind(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return jsonKind(v)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a number"
}
