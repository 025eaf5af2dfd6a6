package api_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/issuing"
)

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Servers    []struct{ URL string }                `json:"servers"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]schema          `json:"schemas"`
		Responses       map[string]json.RawMessage `json:"responses"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

type schema struct {
	Properties           map[string]json.RawMessage `json:"properties"`
	AdditionalProperties *bool                      `json:"additionalProperties"`
}

type operation struct {
	OperationID string                      `json:"operationId"`
	Security    *[]any                      `json:"security"`
	Parameters  []struct{ Name, In string } `json:"parameters"`
	Responses   map[string]json.RawMessage  `json:"responses"`
}

func loadOpenAPI(t *testing.T) (openAPIDoc, []byte) {
	t.Helper()
	e := newEnv(t)
	r := e.do("GET", "/api/v1/openapi.json", "", nil)
	r.must(t, 200, nil)
	if !bytes.Equal(r.body, api.OpenAPI()) {
		t.Fatal("the served document is not the embedded one")
	}
	var doc openAPIDoc
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc, r.body
}

// TestOpenAPIRoutes checks that the document describes every route the
// server registers, and nothing else, and that each operation documents
// its errors.
func TestOpenAPIRoutes(t *testing.T) {
	doc, raw := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != api.Prefix {
		t.Fatalf("openapi %q, servers %+v", doc.OpenAPI, doc.Servers)
	}
	var documented []string
	ids := map[string]bool{}
	for path, item := range doc.Paths {
		var pathParams []struct{ Name, In string }
		if p, ok := item["parameters"]; ok {
			json.Unmarshal(p, &pathParams)
		}
		// A path's own servers (the VC-API's /vc-api) replace the document's.
		prefix := api.Prefix
		if sv, ok := item["servers"]; ok {
			var servers []struct{ URL string }
			if json.Unmarshal(sv, &servers); len(servers) != 1 || servers[0].URL != api.VCAPIPrefix {
				t.Errorf("%s: servers %s, want one: %s", path, sv, api.VCAPIPrefix)
			}
			prefix = api.VCAPIPrefix
		}
		for method, rawOp := range item {
			if method == "parameters" || method == "servers" {
				continue
			}
			pattern := strings.ToUpper(method) + " " + prefix + path
			documented = append(documented, pattern)
			var op operation
			if err := json.Unmarshal(rawOp, &op); err != nil {
				t.Fatalf("%s: %v", pattern, err)
			}
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s: operationId %q missing or repeated", pattern, op.OperationID)
			}
			ids[op.OperationID] = true
			has := func(code string) bool { _, ok := op.Responses[code]; return ok }
			if !slices.ContainsFunc([]string{"200", "201", "202", "204"}, has) {
				t.Errorf("%s: no success response", pattern)
			}
			public := op.Security != nil && len(*op.Security) == 0
			if !public && (!has("401") || !has("403")) {
				t.Errorf("%s: protected but 401 or 403 undocumented", pattern)
			}
			if !has("500") {
				t.Errorf("%s: 500 undocumented", pattern)
			}
			if strings.Contains(path, "{id}") {
				if !has("404") {
					t.Errorf("%s: 404 undocumented", pattern)
				}
				if !slices.ContainsFunc(append(pathParams, op.Parameters...), func(p struct{ Name, In string }) bool { return p.Name == "id" && p.In == "path" }) {
					t.Errorf("%s: the id parameter is undocumented", pattern)
				}
			}
		}
	}
	routes := (&api.Server{}).Routes()
	sort.Strings(documented)
	sort.Strings(routes)
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.json documents %s, which the server does not serve", d)
		}
	}
	// Every $ref resolves.
	var all any
	json.Unmarshal(raw, &all)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
				var cur any = all
				for _, p := range parts {
					m, _ := cur.(map[string]any)
					cur = m[p]
				}
				if cur == nil {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(all)
	for name, r := range doc.Components.Responses {
		if !strings.Contains(string(r), `"application/problem+json"`) {
			t.Errorf("response %s is not a problem document", name)
		}
	}
	for _, s := range []string{"apiKey", "session"} {
		if doc.Components.SecuritySchemes[s] == nil {
			t.Errorf("security scheme %s missing", s)
		}
	}
}

// jsonNames returns the JSON member names of a struct type.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && name == "" {
			names = append(names, jsonNames(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func keysOf[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestOpenAPISchemas checks the input schemas against the Go types the
// server decodes, and that every member of real answers is documented.
func TestOpenAPISchemas(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	for name, typ := range map[string]reflect.Type{
		"IssuerInput":            reflect.TypeFor[issuing.IssuerInput](),
		"AchievementInput":       reflect.TypeFor[issuing.AchievementInput](),
		"AwardInput":             reflect.TypeFor[issuing.AwardInput](),
		"RecipientInput":         reflect.TypeFor[issuing.RecipientInput](),
		"RuleInput":              reflect.TypeFor[issuing.RuleInput](),
		"RulePatch":              reflect.TypeFor[issuing.RulePatch](),
		"EventInput":             reflect.TypeFor[issuing.EventInput](),
		"CertificateDesignInput": reflect.TypeFor[issuing.CertificateInput](),
	} {
		s := doc.Components.Schemas[name]
		if got, want := keysOf(s.Properties), jsonNames(typ); !slices.Equal(got, want) {
			t.Errorf("schema %s has %v; %s decodes %v", name, got, typ, want)
		}
		if s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Errorf("schema %s allows additional properties; the server refuses them", name)
		}
	}

	e := newEnv(t)
	f := e.makeFixture(e.newOrg("doc"))
	check := func(schemaName, path string) {
		t.Helper()
		var m map[string]json.RawMessage
		e.do("GET", path, f.org.key, nil).must(t, 200, &m)
		props := doc.Components.Schemas[schemaName].Properties
		for k := range m {
			if _, ok := props[k]; !ok {
				t.Errorf("%s answers %q, which schema %s does not document", path, k, schemaName)
			}
		}
	}
	check("Me", "/api/v1/me")
	check("Issuer", "/api/v1/issuers/"+f.issuerID)
	check("Achievement", "/api/v1/achievements/"+f.achievementID)
	check("CertificateDesign", "/api/v1/achievements/"+f.achievementID+"/certificate")
	check("Award", "/api/v1/awards/"+f.awardID)
	check("AwardPage", "/api/v1/awards")
	check("Rule", "/api/v1/rules/"+f.ruleID)
	check("RuleList", "/api/v1/rules")
	check("Event", "/api/v1/events/"+f.eventID)
	check("EventPage", "/api/v1/events")
	check("SSOConfig", "/api/v1/sso")
	var keys struct{ Items []map[string]json.RawMessage }
	e.do("GET", "/api/v1/api-keys", f.org.key, nil).must(t, 200, &keys)
	for k := range keys.Items[0] {
		if _, ok := doc.Components.Schemas["APIKey"].Properties[k]; !ok {
			t.Errorf("API keys answer %q, which schema APIKey does not document", k)
		}
	}
	var img map[string]json.RawMessage
	e.do("POST", "/api/v1/images/generate", f.org.key, map[string]any{"title": "x"}).must(t, 201, &img)
	for k := range img {
		if _, ok := doc.Components.Schemas["Image"].Properties[k]; !ok {
			t.Errorf("images answer %q, which schema Image does not document", k)
		}
	}
}
