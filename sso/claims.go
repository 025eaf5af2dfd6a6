package sso

import (
	"fmt"
	"strings"
)

// Claims are the claims of an ID token (and of the UserInfo answer, for
// those the ID token lacks), as decoded JSON.
type Claims map[string]any

// lookup returns the claim name: the top-level claim of that exact name
// when there is one (names such as "https://example.org/roles" hold
// dots), else the dotted path through nested objects
// ("realm_access.roles", as Keycloak nests realm roles).
func (c Claims) lookup(name string) (any, bool) {
	if v, ok := c[name]; ok {
		return v, true
	}
	if !strings.Contains(name, ".") {
		return nil, false
	}
	var cur any = map[string]any(c)
	for _, part := range strings.Split(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// String returns a claim that is a string ("" and false otherwise).
func (c Claims) String(name string) (string, bool) {
	v, ok := c.lookup(name)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

// Values returns the values of a role claim: an array of strings (other
// members are skipped), or one string, which may list several separated
// by spaces or commas. present is false when the claim is missing or
// null; err says when it has another type.
func (c Claims) Values(name string) (values []string, present bool, err error) {
	v, ok := c.lookup(name)
	if !ok || v == nil {
		return nil, false, nil
	}
	switch v := v.(type) {
	case string:
		return strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }), true, nil
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok && s != "" {
				values = append(values, s)
			}
		}
		return values, true, nil
	}
	return nil, true, fmt.Errorf("the %q claim is a %s, not a list of strings", name, jsonType(v))
}

// Bool returns a claim that is true or false, or the string "true" or
// "false" as some providers send email_verified.
func (c Claims) Bool(name string) (value, present bool) {
	v, ok := c.lookup(name)
	if !ok {
		return false, false
	}
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(v) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

func jsonType(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case float64:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	}
	return fmt.Sprintf("%T", v)
}
