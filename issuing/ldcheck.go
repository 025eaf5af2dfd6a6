package issuing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/jsonld"
	"github.com/cairn-badges/cairn/ob"
)

// checkIRI checks a value that becomes an IRI in a credential (a node id)
// with the rule the JSON-LD layer applies when it signs.
func checkIRI(field, v string) error {
	if len(v) > MaxURLLen {
		return cairn.Invalidf(field, "is %d bytes long; the limit is %d", len(v), MaxURLLen)
	}
	var ie *jsonld.IRIError
	if err := jsonld.CheckIRI(v); errors.As(err, &ie) {
		return cairn.Invalidf(field, "%q cannot be an IRI in a credential: %s", v, ie.Reason)
	}
	return nil
}

// checkDID checks a DID (DID Core §3.1 syntax, and the IRI rule).
func checkDID(field, v string) error {
	if len(v) > MaxURLLen {
		return cairn.Invalidf(field, "is %d bytes long; the limit is %d", len(v), MaxURLLen)
	}
	var se *did.SyntaxError
	if err := did.CheckSyntax(v); errors.As(err, &se) {
		return cairn.Invalidf(field, "%q is not a DID: %s", v, se.Reason)
	}
	return checkIRI(field, v)
}

// signingError classifies an error from checking (ob.ValidateIssued) or
// canonicalizing and signing (jsonld, proof) the credential doc. A fault in
// a part of doc that fields maps to an input field is Invalid, naming that
// field; a budget that the document exceeds is Invalid too (the input made
// it that large); the end of ctx is Unavailable; anything else is Internal:
// Cairn built a document it cannot sign.
//
// An error that names no place (json-gold's "colliding keywords", say) is
// blamed on one of lists, the JSON Pointers of the arrays of doc that hold
// input, when doc canonicalizes without it (see blame).
func signingError(ctx context.Context, doc map[string]any, err error, fields func(ptr string) (field, note string, ok bool), lists []string, what string) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return cairn.Wrapf(cairn.Unavailable, err, "%s: the request ended", what)
	}
	if errors.Is(err, jsonld.ErrLimit) {
		return &cairn.Error{Kind: cairn.Invalid, Message: "the credential this request makes is too large to sign; send fewer or smaller values", Err: err}
	}
	ptr, msg, ok := docFault(doc, err)
	if !ok {
		var ve *ob.ValidationError
		if !errors.As(err, &ve) {
			ptr, ok = blame(ctx, doc, lists)
			msg = "cannot be signed as JSON-LD; leave out JSON-LD keywords (@id, @context …) and give extension properties plain values"
		}
	}
	if ok {
		if field, note, ok := fields(ptr); ok {
			return &cairn.Error{Kind: cairn.Invalid, Field: field, Message: note + msg, Err: err}
		}
	}
	return cairn.Wrapf(cairn.Internal, err, "%s", what)
}

// blame finds which item of the arrays lists (JSON Pointers into doc) makes
// doc fail to canonicalize: it tries doc without each array, then, for the
// one whose removal lets doc through, with half of its items, then half of
// that half, down to one item, about a dozen canonicalizations in all. It
// blames nothing when doc itself canonicalizes. It
// returns the item's pointer (or the array's, when no single item is to
// blame), or false when doc fails without any of the arrays.
func blame(ctx context.Context, doc map[string]any, lists []string) (string, bool) {
	passes := func(d map[string]any) bool {
		_, err := jsonld.Canonicalize(ctx, d, jsonld.Options{})
		return err == nil
	}
	if passes(doc) {
		return "", false // the error was not about canonicalizing doc
	}
	for _, ptr := range lists {
		items, ok := arrayAt(doc, ptr)
		if !ok || len(items) == 0 || !passes(withArray(doc, ptr, nil)) {
			continue
		}
		lo, hi := 0, len(items) // the culprit is in items[lo:hi]
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if !passes(withArray(doc, ptr, items[lo:mid])) {
				hi = mid
			} else if !passes(withArray(doc, ptr, items[mid:hi])) {
				lo = mid
			} else {
				return ptr, true // only a combination fails
			}
		}
		return ptr + "/" + strconv.Itoa(lo), true
	}
	return "", false
}

// arrayAt returns the array at ptr, a pointer of object members only.
func arrayAt(doc map[string]any, ptr string) ([]any, bool) {
	var v any = doc
	for _, seg := range strings.Split(ptr, "/")[1:] {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		v = m[seg]
	}
	items, ok := v.([]any)
	return items, ok
}

// withArray returns a copy of doc (sharing what it does not change) whose
// array at ptr holds items.
func withArray(doc map[string]any, ptr string, items []any) map[string]any {
	segs := strings.Split(ptr, "/")[1:]
	var set func(m map[string]any, segs []string) map[string]any
	set = func(m map[string]any, segs []string) map[string]any {
		c := make(map[string]any, len(m))
		for k, v := range m {
			c[k] = v
		}
		if len(segs) == 1 {
			c[segs[0]] = items
			return c
		}
		inner, _ := m[segs[0]].(map[string]any)
		c[segs[0]] = set(inner, segs[1:])
		return c
	}
	return set(doc, segs)
}

// docFault locates what err says is wrong with doc, as a JSON Pointer
// (RFC 6901) into doc and a message for the person who sent the input. ok
// is false when err is not about one place in the document.
func docFault(doc map[string]any, err error) (ptr, msg string, ok bool) {
	var (
		ve *ob.ValidationError
		ie *jsonld.IRIError
		ut *jsonld.UndefinedTermError
		uc *jsonld.UnknownContextError
	)
	switch {
	case errors.As(err, &ve):
		for _, p := range ve.Problems {
			if !p.Warning {
				return p.Path, p.Message, true
			}
		}
	case errors.As(err, &ie):
		ptr, ok = findPath(doc, "", func(_ string, v any) bool { return v == ie.IRI })
		return ptr, fmt.Sprintf("%q cannot be an IRI in a credential: %s", ie.IRI, ie.Reason), ok
	case errors.As(err, &ut):
		ptr, ok = ut.Path, ut.Path != ""
		if !ok {
			ptr, ok = findPath(doc, "", func(k string, v any) bool { return k == ut.Term || v == ut.Term })
		}
		if seg := ptr[strings.LastIndexByte(ptr, '/')+1:]; unescapeSeg(seg) == ut.Term {
			return ptr, fmt.Sprintf("%q is not an Open Badges 3.0 property; name an extension property with an absolute IRI (such as https://example.org/terms#%s)", ut.Term, ut.Term), ok
		}
		return ptr, fmt.Sprintf("%q is not an absolute IRI", ut.Term), ok
	case errors.As(err, &uc):
		ptr, ok = findPath(doc, "", func(k string, v any) bool {
			if k != "@context" {
				return false
			}
			if s, ok := v.(string); ok {
				return s == uc.URL
			}
			l, _ := v.([]any)
			return slices.Contains(l, any(uc.URL))
		})
		return ptr, fmt.Sprintf("the JSON-LD context %q is not one Cairn has; leave @context out", uc.URL), ok && ptr != "/@context"
	}
	return "", "", false
}

// findPath returns the JSON Pointer of the first member or item of v (keys
// in sorted order, depth first) for which match holds, given its key (the
// index, for an array item) and value.
func findPath(v any, at string, match func(key string, v any) bool) (string, bool) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := at + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
			if match(k, v[k]) {
				return p, true
			}
			if p, ok := findPath(v[k], p, match); ok {
				return p, true
			}
		}
	case []any:
		for i, item := range v {
			p := at + "/" + strconv.Itoa(i)
			if match(strconv.Itoa(i), item) {
				return p, true
			}
			if p, ok := findPath(item, p, match); ok {
				return p, true
			}
		}
	}
	return "", false
}

func unescapeSeg(s string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}

// cutPointer reports whether ptr is prefix or lies under it, and returns
// the rest.
func cutPointer(ptr, prefix string) (rest string, ok bool) {
	if ptr == prefix {
		return "", true
	}
	rest, ok = strings.CutPrefix(ptr, prefix+"/")
	return "/" + rest, ok
}

// fieldPath writes the JSON Pointer rest as a field path after name, the
// way problem documents name fields: /0/id → [0].id.
func fieldPath(name, rest string) string {
	var b strings.Builder
	b.WriteString(name)
	for _, seg := range strings.Split(rest, "/")[1:] {
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(unescapeSeg(seg))
	}
	return b.String()
}

// The arrays of a credential that hold what an award's or an achievement's
// input gave, for blame.
var (
	awardLists       = []string{"/evidence", "/credentialSubject/result"}
	achievementLists = []string{"/credentialSubject/achievement/alignment", "/credentialSubject/achievement/resultDescription"}
)

// awardFields maps a place in an award's credential to the AwardInput field
// it came from. The achievement and the issuer profile were checked when
// they were saved (an older version of Cairn may have saved one that
// cannot be signed): a fault there is named by achievementId.
func awardFields(ptr string) (field, note string, ok bool) {
	for _, m := range []struct{ prefix, field string }{
		{"/evidence", "evidence"},
		{"/credentialSubject/result", "results"},
	} {
		if rest, ok := cutPointer(ptr, m.prefix); ok {
			return fieldPath(m.field, rest), "", true
		}
	}
	for _, m := range []struct{ prefix, field, note string }{
		{"/credentialSubject/narrative", "narrative", ""},
		{"/credentialSubject/id", "recipient.did", ""},
		{"/credentialSubject/achievement", "achievementId", "the achievement cannot be signed; correct it first: "},
		{"/issuer", "achievementId", "the achievement's issuer profile cannot be signed; correct it first: "},
	} {
		if _, ok := cutPointer(ptr, m.prefix); ok {
			return m.field, m.note, true
		}
	}
	return "", "", false
}

// achievementFields maps a place in a credential to the AchievementInput
// field it came from.
func achievementFields(ptr string) (field, note string, ok bool) {
	rest, ok := cutPointer(ptr, "/credentialSubject/achievement")
	if !ok || rest == "" {
		return "", "", false
	}
	for _, m := range []struct{ prefix, field string }{
		{"/criteria/id", "criteriaUrl"},
		{"/criteria", "criteriaNarrative"},
		{"/image", "imageId"},
		{"/creator", "issuerId"},
		{"/id", ""},
		{"/type", ""},
	} {
		if _, ok := cutPointer(rest, m.prefix); ok {
			return m.field, "", m.field != ""
		}
	}
	return fieldPath("", rest), "", true
}
