package status

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// Purpose is a statusPurpose (Bitstring Status List §2.1).
type Purpose string

// The status purposes defined by Bitstring Status List v1.0.
const (
	Revocation Purpose = "revocation"
	Suspension Purpose = "suspension"
	Message    Purpose = "message"
	Refresh    Purpose = "refresh"
)

func (p Purpose) valid() bool {
	switch p {
	case Revocation, Suspension, Message, Refresh:
		return true
	}
	return false
}

// Entry and list types.
const (
	TypeBitstringEntry        = "BitstringStatusListEntry"
	TypeStatusList2021Entry   = "StatusList2021Entry"
	Type1EdTechRevocationList = "1EdTechRevocationList"
	TypeBitstringCredential   = "BitstringStatusListCredential"
	TypeStatusList2021Cred    = "StatusList2021Credential"
	TypeBitstringList         = "BitstringStatusList"
	TypeStatusList2021        = "StatusList2021"
	maxStatusSize             = 8
	maxIndex                  = MaxDecodedBytes * 8
)

// An Entry is one credentialStatus object of a credential.
type Entry struct {
	// ID is the entry's id (optional for Bitstring entries). For a
	// 1EdTechRevocationList entry it is the URL of the revocation list.
	ID string
	// Type is TypeBitstringEntry, TypeStatusList2021Entry or
	// Type1EdTechRevocationList.
	Type string
	// Purpose is the statusPurpose; Revocation for 1EdTechRevocationList.
	Purpose Purpose
	// Index is the statusListIndex (unused for 1EdTechRevocationList).
	Index int
	// Size is the statusSize in bits, 1 unless the entry says otherwise.
	Size int
	// ListCredential is the statusListCredential URL.
	ListCredential string
}

// ListURL returns the URL to fetch the list from: statusListCredential, or
// the id of a 1EdTechRevocationList entry.
func (e *Entry) ListURL() string {
	if e.Type == Type1EdTechRevocationList {
		return e.ID
	}
	return e.ListCredential
}

// ParseEntries parses a credentialStatus value, which may be one entry object
// or an array of them (VC Data Model 2.0 §4.10).
func ParseEntries(v any) ([]*Entry, error) {
	list, ok := v.([]any)
	if !ok {
		e, err := ParseEntry(v)
		if err != nil {
			return nil, err
		}
		return []*Entry{e}, nil
	}
	if len(list) == 0 {
		return nil, errors.New("status: credentialStatus is an empty array")
	}
	out := make([]*Entry, 0, len(list))
	for i, item := range list {
		e, err := ParseEntry(item)
		if err != nil {
			return nil, fmt.Errorf("credentialStatus[%d]: %w", i, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// ParseEntry parses one credentialStatus object, as decoded by
// encoding/json: a BitstringStatusListEntry, a StatusList2021Entry or a
// 1EdTechRevocationList. statusListIndex may be a string of decimal digits
// (as the specifications require) or a JSON number (as some issuers write).
// Errors name the offending field.
func ParseEntry(v any) (*Entry, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("status: credentialStatus is %s, want an object", jsonKind(v))
	}
	typ, err := typeOf(m, "credentialStatus.type",
		TypeBitstringEntry, TypeStatusList2021Entry, Type1EdTechRevocationList)
	if err != nil {
		return nil, err
	}
	e := &Entry{Type: typ, Size: 1}
	if id, ok := m["id"]; ok {
		s, ok := id.(string)
		if !ok || !absoluteURL(s) {
			return nil, errors.New("status: credentialStatus.id is not an absolute URL")
		}
		e.ID = s
	}
	if typ == Type1EdTechRevocationList {
		if e.ID == "" {
			return nil, errors.New("status: credentialStatus.id (the revocation list URL) is missing")
		}
		e.Purpose = Revocation
		return e, nil
	}
	p, ok := m["statusPurpose"].(string)
	switch {
	case m["statusPurpose"] == nil:
		return nil, errors.New("status: credentialStatus.statusPurpose is missing")
	case !ok || !Purpose(p).valid():
		return nil, fmt.Errorf("status: credentialStatus.statusPurpose %s is not revocation, suspension, message or refresh", quote(m["statusPurpose"]))
	}
	e.Purpose = Purpose(p)
	if e.Index, err = index(m["statusListIndex"], "statusListIndex"); err != nil {
		return nil, err
	}
	if raw, ok := m["statusSize"]; ok {
		n, err := index(raw, "statusSize")
		if err != nil {
			return nil, err
		}
		if n < 1 || n > maxStatusSize {
			return nil, fmt.Errorf("status: credentialStatus.statusSize %d is outside 1..%d", n, maxStatusSize)
		}
		if n > 1 && e.Purpose != Message {
			return nil, fmt.Errorf("status: credentialStatus.statusSize %d is only allowed with statusPurpose message", n)
		}
		e.Size = n
	}
	u, ok := m["statusListCredential"].(string)
	switch {
	case m["statusListCredential"] == nil:
		return nil, errors.New("status: credentialStatus.statusListCredential is missing")
	case !ok || !absoluteURL(u):
		return nil, fmt.Errorf("status: credentialStatus.statusListCredential %s is not an absolute URL", quote(m["statusListCredential"]))
	}
	e.ListCredential = u
	return e, nil
}

// index parses a non-negative integer given as a string of digits or a
// JSON number.
func index(v any, field string) (int, error) {
	var n int64
	switch x := v.(type) {
	case nil:
		return 0, fmt.Errorf("status: credentialStatus.%s is missing", field)
	case string:
		if x == "" || strings.TrimLeft(x, "0123456789") != "" {
			return 0, fmt.Errorf("status: credentialStatus.%s %q is not a string of decimal digits", field, x)
		}
		var err error
		if n, err = strconv.ParseInt(x, 10, 64); err != nil || n > maxIndex {
			return 0, fmt.Errorf("status: credentialStatus.%s %q is too large", field, x)
		}
	case float64:
		if x < 0 || x != math.Trunc(x) || x > maxIndex {
			return 0, fmt.Errorf("status: credentialStatus.%s %v is not a non-negative integer in range", field, x)
		}
		n = int64(x)
	case json.Number:
		return index(string(x), field)
	case int:
		if x < 0 || x > maxIndex {
			return 0, fmt.Errorf("status: credentialStatus.%s %d is not a non-negative integer in range", field, x)
		}
		n = int64(x)
	default:
		return 0, fmt.Errorf("status: credentialStatus.%s is %s, want a string of digits", field, jsonKind(v))
	}
	return int(n), nil
}

// typeOf returns the one type in m["type"] (a string or an array of
// strings) that is among want.
func typeOf(m map[string]any, field string, want ...string) (string, error) {
	var types []string
	switch t := m["type"].(type) {
	case nil:
		return "", fmt.Errorf("status: %s is missing", field)
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				types = append(types, s)
			}
		}
	default:
		return "", fmt.Errorf("status: %s is %s, want a string or an array", field, jsonKind(m["type"]))
	}
	for _, t := range types {
		for _, w := range want {
			if t == w {
				return t, nil
			}
		}
	}
	return "", fmt.Errorf("status: %s %s is not one of %s", field, quote(m["type"]), strings.Join(want, ", "))
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64, json.Number, int:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// quote renders a JSON value for an error message, shortened.
func quote(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}
