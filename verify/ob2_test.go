package verify

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cairn-badges/cairn/fetch"
)

func TestOB2Hosted(t *testing.T) {
	const base = "https://badges.example.org"
	assertion := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": base + "/ob2/assertions/a1",
			"recipient": map[string]any{"type": "email", "hashed": true, "salt": "s", "identity": "sha256$00"},
			"badge":     base + "/ob2/badges/b1", "verification": map[string]any{"type": "hosted"}, "issuedOn": "2025-06-01T00:00:00Z"}
		if mod != nil {
			mod(m)
		}
		return m
	}
	badge := map[string]any{"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": base + "/ob2/badges/b1",
		"name": "Welding", "description": "d", "image": base + "/i.svg", "criteria": map[string]any{"narrative": "n"}, "issuer": base + "/ob2/issuers/i1"}
	issuer := map[string]any{"@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": base + "/ob2/issuers/i1",
		"name": "School", "url": base, "email": "a@badges.example.org"}
	serve := func(hosted map[string]any, gone bool, iss map[string]any) fetch.Fetcher {
		docs := map[string]map[string]any{base + "/ob2/assertions/a1": hosted, base + "/ob2/badges/b1": badge, base + "/ob2/issuers/i1": iss}
		return fetch.Func(func(ctx context.Context, u string) ([]byte, error) {
			if gone && u == base+"/ob2/assertions/a1" {
				return nil, &fetch.StatusError{URL: u, StatusCode: 410}
			}
			d, ok := docs[u]
			if !ok {
				return nil, &fetch.StatusError{URL: u, StatusCode: 404}
			}
			return json.Marshal(d)
		})
	}
	other := map[string]any{}
	for k, v := range issuer {
		other[k] = v
	}
	other["id"] = base + "/ob2/issuers/i1"
	other["verification"] = map[string]any{"allowedOrigins": "elsewhere.example"}
	for name, tc := range map[string]struct {
		input map[string]any
		f     fetch.Fetcher
		want  fixtureWant
	}{
		"verified":        {assertion(nil), serve(assertion(nil), false, issuer), fixtureWant{Verified, ""}},
		"gone":            {assertion(nil), serve(nil, true, issuer), fixtureWant{Failed, CheckStatus}},
		"revoked":         {assertion(nil), serve(assertion(func(m map[string]any) { m["revoked"] = true }), false, issuer), fixtureWant{Failed, CheckStatus}},
		"expired":         {assertion(nil), serve(assertion(func(m map[string]any) { m["expires"] = "2025-12-01T00:00:00Z" }), false, issuer), fixtureWant{Failed, CheckDates}},
		"other origin":    {assertion(nil), serve(assertion(nil), false, other), fixtureWant{Failed, CheckIssuerKey}},
		"unreachable":     {assertion(nil), fetch.Offline, fixtureWant{Indeterminate, CheckProof}},
		"no badge name":   {assertion(nil), serve(assertion(func(m map[string]any) { m["badge"] = map[string]any{"id": "x"} }), false, issuer), fixtureWant{Failed, CheckSchema}},
		"signed":          {assertion(func(m map[string]any) { m["verification"] = map[string]any{"type": "signed"} }), fetch.Offline, fixtureWant{Indeterminate, CheckProof}},
		"not hosted here": {assertion(func(m map[string]any) { m["id"] = "urn:uuid:1" }), fetch.Offline, fixtureWant{Failed, CheckFormat}},
	} {
		t.Run(name, func(t *testing.T) {
			data, _ := json.Marshal(tc.input)
			rep := testVerifier(tc.f).Verify(context.Background(), data)
			checkReport(t, rep, tc.want)
			if rep.Format != "ob2" {
				t.Errorf("format %q", rep.Format)
			}
			if tc.want.result == Verified && (rep.Name != "Welding" || rep.Issuer != base+"/ob2/issuers/i1") {
				t.Errorf("name %q issuer %q", rep.Name, rep.Issuer)
			}
		})
	}
}
