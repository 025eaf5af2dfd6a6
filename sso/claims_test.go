package sso

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/cairn-badges/cairn"
)

func claimsOf(t testing.TB, js string) Claims {
	t.Helper()
	var c Claims
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClaimValues(t *testing.T) {
	c := claimsOf(t, `{"groups":["a","",3,"b"],"roles":"x y,z","realm_access":{"roles":["kc"]},
		"https://example.org/roles":["ns"],"n":5,"nil":null,"email_verified":"TRUE","v2":false}`)
	for _, tc := range []struct {
		name    string
		want    []string
		present bool
		err     bool
	}{
		{"groups", []string{"a", "b"}, true, false},
		{"roles", []string{"x", "y", "z"}, true, false},
		{"realm_access.roles", []string{"kc"}, true, false},
		{"https://example.org/roles", []string{"ns"}, true, false},
		{"missing", nil, false, false},
		{"nil", nil, false, false},
		{"realm_access.missing", nil, false, false},
		{"n", nil, true, true},
		{"realm_access", nil, true, true},
	} {
		got, present, err := c.Values(tc.name)
		if !slices.Equal(got, tc.want) || present != tc.present || (err != nil) != tc.err {
			t.Errorf("Values(%q) = %v, %v, %v; want %v, %v, error %v", tc.name, got, present, err, tc.want, tc.present, tc.err)
		}
	}
	if v, ok := c.Bool("email_verified"); !v || !ok {
		t.Errorf(`Bool of "TRUE" = %v, %v`, v, ok)
	}
	if v, ok := c.Bool("v2"); v || !ok {
		t.Errorf("Bool of false = %v, %v", v, ok)
	}
	if _, ok := c.Bool("n"); ok {
		t.Error("Bool of a number is present")
	}
}

func TestRoleFor(t *testing.T) {
	c := &Config{RoleMap: []RoleMapping{{"viewers", cairn.RoleViewer}, {"admins", cairn.RoleOwner}, {"issuers", cairn.RoleIssuer}}}
	for _, tc := range []struct {
		values []string
		def    cairn.Role
		want   cairn.Role
	}{
		{[]string{"viewers", "issuers"}, "", cairn.RoleIssuer},
		{[]string{"issuers", "admins", "viewers"}, "", cairn.RoleOwner},
		{[]string{"other"}, "", ""},
		{nil, cairn.RoleViewer, cairn.RoleViewer},
		{[]string{"issuers"}, cairn.RoleOwner, cairn.RoleIssuer}, // a mapping wins over the default
	} {
		c.DefaultRole = tc.def
		if got, _ := c.RoleFor(tc.values); got != tc.want {
			t.Errorf("RoleFor(%v) with default %q = %q, want %q", tc.values, tc.def, got, tc.want)
		}
	}
}

// FuzzClaims feeds arbitrary ID token claims to what reads them: no
// panic, and values are non-empty strings.
func FuzzClaims(f *testing.F) {
	for _, s := range []string{`{"groups":["a"]}`, `{"a":{"b":{"c":"x y"}}}`, `{"a.b":1,"a":{"b":[null,{}]}}`, `{"email_verified":"true"}`} {
		f.Add(s, "groups")
		f.Add(s, "a.b.c")
		f.Add(s, "a.b")
	}
	f.Fuzz(func(t *testing.T, js, name string) {
		var c Claims
		if json.Unmarshal([]byte(js), &c) != nil {
			return
		}
		vs, _, _ := c.Values(name)
		for _, v := range vs {
			if v == "" {
				t.Fatalf("empty value from %s", js)
			}
		}
		c.Bool(name)
		c.String(name)
		cfg := &Config{RoleMap: []RoleMapping{{Value: "a", Role: cairn.RoleOwner}}}
		cfg.RoleFor(vs)
	})
}
