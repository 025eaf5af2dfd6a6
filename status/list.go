package status

import (
	"errors"
	"fmt"
	"time"
)

// A List is a parsed status list document: a BitstringStatusListCredential,
// a StatusList2021Credential or a 1EdTech revocation list. Parsing does not
// verify the list's proof; the caller does that before trusting it.
type List struct {
	// Type is TypeBitstringCredential, TypeStatusList2021Cred or
	// Type1EdTechRevocationList.
	Type string
	// ID is the document's id, if any.
	ID string
	// Issuer is the issuer id (issuer as a string, or issuer.id).
	Issuer string
	// Purpose is the list's statusPurpose (Revocation for 1EdTech lists).
	Purpose Purpose
	// EncodedList is the encodedList as published (bitstring lists only).
	EncodedList string
	// Bits is the decoded list (bitstring lists only).
	Bits *Bitstring
	// ValidFrom and ValidUntil bound the list's validity; zero when absent.
	// They are read from validFrom/validUntil, or from the VC 1.1
	// issuanceDate/expirationDate.
	ValidFrom, ValidUntil time.Time
	// Revoked lists the entries of a 1EdTech revocation list.
	Revoked []Revoked
}

// Revoked is one entry of a 1EdTech revocation list.
type Revoked struct {
	ID     string
	Reason string
	// NotRevoked is true when the entry says "revoked": false.
	NotRevoked bool
}

// ParseListCredential parses a status list document decoded by
// encoding/json. Bitstring lists (type BitstringStatusListCredential or
// StatusList2021Credential) must have a credentialSubject of type
// BitstringStatusList or StatusList2021 with statusPurpose and encodedList;
// the list is decoded (see [Decode] for the size cap). A document with
// revokedCredentials (the 1EdTech revocation list; revokedCredential is
// accepted too) or type 1EdTechRevocationList is read as a 1EdTech list.
func ParseListCredential(doc map[string]any) (*List, error) {
	if doc == nil {
		return nil, errors.New("status: list document is null")
	}
	l := &List{}
	if id, ok := doc["id"].(string); ok {
		l.ID = id
	}
	switch iss := doc["issuer"].(type) {
	case string:
		l.Issuer = iss
	case map[string]any:
		l.Issuer, _ = iss["id"].(string)
	}
	var err error
	if l.ValidFrom, err = date(doc, "validFrom", "issuanceDate"); err != nil {
		return nil, err
	}
	if l.ValidUntil, err = date(doc, "validUntil", "expirationDate"); err != nil {
		return nil, err
	}
	if revoked, ok := revokedField(doc); ok || hasType(doc, Type1EdTechRevocationList) {
		l.Type = Type1EdTechRevocationList
		l.Purpose = Revocation
		l.Revoked, err = parseRevoked(revoked)
		return l, err
	}
	if l.Type, err = typeOf(doc, "list type", TypeBitstringCredential, TypeStatusList2021Cred); err != nil {
		return nil, err
	}
	subj, ok := doc["credentialSubject"].(map[string]any)
	if !ok {
		if arr, isArr := doc["credentialSubject"].([]any); isArr && len(arr) == 1 {
			subj, ok = arr[0].(map[string]any)
		}
		if !ok {
			return nil, fmt.Errorf("status: list credentialSubject is %s, want one object", jsonKind(doc["credentialSubject"]))
		}
	}
	if _, err := typeOf(subj, "list credentialSubject.type", TypeBitstringList, TypeStatusList2021); err != nil {
		return nil, err
	}
	p, ok := subj["statusPurpose"].(string)
	if !ok || !Purpose(p).valid() {
		return nil, fmt.Errorf("status: list credentialSubject.statusPurpose %s is not revocation, suspension, message or refresh", quote(subj["statusPurpose"]))
	}
	l.Purpose = Purpose(p)
	if l.EncodedList, ok = subj["encodedList"].(string); !ok {
		return nil, fmt.Errorf("status: list credentialSubject.encodedList is %s, want a string", jsonKind(subj["encodedList"]))
	}
	if l.Bits, err = Decode(l.EncodedList); err != nil {
		return nil, fmt.Errorf("list credentialSubject.encodedList: %w", err)
	}
	return l, nil
}

// CurrentAt fails when t is outside the list's validity period. A verifier
// treats an expired or not yet valid list like one it could not fetch.
func (l *List) CurrentAt(t time.Time) error {
	if !l.ValidFrom.IsZero() && t.Before(l.ValidFrom) {
		return fmt.Errorf("status: list is not valid before %s", l.ValidFrom.Format(time.RFC3339))
	}
	if !l.ValidUntil.IsZero() && !t.Before(l.ValidUntil) {
		return fmt.Errorf("status: list expired at %s", l.ValidUntil.Format(time.RFC3339))
	}
	return nil
}

func revokedField(doc map[string]any) (any, bool) {
	for _, k := range []string{"revokedCredentials", "revokedCredential"} {
		if v, ok := doc[k]; ok {
			return v, true
		}
	}
	return nil, false
}

func parseRevoked(v any) ([]Revoked, error) {
	var items []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		items = x
	case map[string]any:
		items = []any{x}
	default:
		return nil, fmt.Errorf("status: list revokedCredentials is %s, want an array", jsonKind(v))
	}
	out := make([]Revoked, 0, len(items))
	for i, it := range items {
		var r Revoked
		switch x := it.(type) {
		case string:
			r.ID = x
		case map[string]any:
			id, ok := x["id"].(string)
			if !ok || id == "" {
				return nil, fmt.Errorf("status: list revokedCredentials[%d].id is missing or not a string", i)
			}
			r.ID = id
			r.Reason, _ = x["revocationReason"].(string)
			if b, ok := x["revoked"].(bool); ok && !b {
				r.NotRevoked = true
			}
		default:
			return nil, fmt.Errorf("status: list revokedCredentials[%d] is %s, want an object", i, jsonKind(it))
		}
		out = append(out, r)
	}
	return out, nil
}

func hasType(m map[string]any, want string) bool {
	_, err := typeOf(m, "type", want)
	return err == nil
}

// date reads the first present field of names as an XML Schema dateTime.
func date(doc map[string]any, names ...string) (time.Time, error) {
	for _, n := range names {
		v, ok := doc[n]
		if !ok {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return time.Time{}, fmt.Errorf("status: list %s is %s, want a dateTime string", n, jsonKind(v))
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("status: list %s %q is not an RFC 3339 dateTime", n, s)
		}
		return t, nil
	}
	return time.Time{}, nil
}

// Status is the result of [Check].
type Status struct {
	// Set is true when the entry's status is set: for revocation, the
	// credential is revoked; for suspension, suspended.
	Set bool
	// Value is the entry's statusSize-bit value (0 or 1 for one-bit entries).
	Value uint64
	// Purpose is the purpose checked.
	Purpose Purpose
	// Reason is the revocationReason of a 1EdTech revocation list entry.
	Reason string
}

// Check looks up entry in list. credentialID is the id of the credential
// that carries entry; it is needed for 1EdTech revocation lists, which list
// credential ids. Check fails when the index is out of the list's range, when
// entry and list have different purposes, or when entry and list kinds do
// not match. It does not check the list's proof or validity period (see
// [List.CurrentAt]); nor does it compare list.ID with the URL it came from,
// since published lists often carry a different id.
func Check(entry *Entry, list *List, credentialID string) (Status, error) {
	if entry == nil || list == nil {
		return Status{}, errors.New("status: nil entry or list")
	}
	st := Status{Purpose: entry.Purpose}
	if entry.Type == Type1EdTechRevocationList {
		if list.Type != Type1EdTechRevocationList {
			return Status{}, fmt.Errorf("status: entry type %s needs a 1EdTech revocation list, got %s", entry.Type, list.Type)
		}
		if credentialID == "" {
			return Status{}, errors.New("status: credential has no id to look up in the 1EdTech revocation list")
		}
		for _, r := range list.Revoked {
			if r.ID == credentialID && !r.NotRevoked {
				st.Set, st.Value, st.Reason = true, 1, r.Reason
				return st, nil
			}
		}
		return st, nil
	}
	if list.Type == Type1EdTechRevocationList || list.Bits == nil {
		return Status{}, fmt.Errorf("status: entry type %s needs a bitstring status list, got %s", entry.Type, list.Type)
	}
	if entry.Purpose != list.Purpose {
		return Status{}, fmt.Errorf("status: entry statusPurpose %q does not match the list's %q", entry.Purpose, list.Purpose)
	}
	size := max(entry.Size, 1)
	pos := entry.Index * size
	if entry.Index < 0 || pos+size > list.Bits.Len() {
		return Status{}, fmt.Errorf("status: statusListIndex %d is out of range: the list has %d entries", entry.Index, list.Bits.Len()/size)
	}
	v, err := list.Bits.value(pos, size)
	if err != nil {
		return Status{}, err
	}
	st.Value, st.Set = v, v != 0
	return st, nil
}
