package ob

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseErrorsNameTheField(t *testing.T) {
	simple := string(readFile(t, "testdata/validator/ob30/simple.json"))
	tests := []struct {
		name, doc, want string
		class           error
	}{
		{"achievement name number", strings.Replace(simple, `"name": "Teamwork"`, `"name": 42`, 1),
			"credentialSubject.achievement.name: expected string, got number", ErrType},
		{"issuer number", `{"type":["VerifiableCredential","OpenBadgeCredential"],"issuer":7}`,
			"issuer: expected URI string or object, got number", ErrType},
		{"proof item string", `{"type":"OpenBadgeCredential","proof":["x"]}`,
			"proof[0]: expected object, got string", ErrType},
		{"result value", `{"type":"OpenBadgeCredential","credentialSubject":{"result":[{"value":1.5}]}}`,
			"credentialSubject.result[0].value: expected string, got number", ErrType},
		{"hashed string", `{"type":"OpenBadgeCredential","credentialSubject":{"identifier":{"hashed":"yes"}}}`,
			"credentialSubject.identifier.hashed: expected boolean, got string", ErrType},
		{"credits string", `{"type":"OpenBadgeCredential","credentialSubject":{"creditsEarned":"3"}}`,
			"credentialSubject.creditsEarned: expected number, got string", ErrType},
		{"clr vc list", `{"type":["ClrCredential"],"credentialSubject":{"association":[{"sourceId":{}}]}}`,
			"credentialSubject.association[0].sourceId: expected string, got object", ErrType},
		{"ob2 recipient", `{"@context":"https://w3id.org/openbadges/v2","type":"Assertion","recipient":"x"}`,
			"recipient: expected object, got string", ErrType},
		{"ob2 badge issuer", `{"type":"Assertion","badge":{"issuer":[]}}`,
			"badge.issuer: expected URI string or object, got array", ErrType},
		{"not an object", `[1,2]`, "(root): expected object, got array", ErrType},
		{"no type", `{"id":"urn:x"}`, "type: missing", ErrUnknownKind},
		{"unknown type", `{"type":"Thing"}`, `type: no known type in "Thing"`, ErrUnknownKind},
		{"language map", `{"type":"OpenBadgeCredential","name":{"en":"x"}}`, "name: expected string, got object", ErrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if !strings.HasPrefix(err.Error(), tt.want) || !errors.Is(err, tt.class) {
				t.Errorf("error = %q (%v), want prefix %q (%v)", err, errors.Unwrap(err), tt.want, tt.class)
			}
		})
	}
}

func TestParseSyntaxErrorPosition(t *testing.T) {
	tests := []struct {
		doc            string
		line, col      int
		reasonContains string
	}{
		{"{\n  \"type\": \"OpenBadgeCredential\",\n  \"name\": oops\n}", 3, 11, "invalid character"},
		{"{\"type\": [1, 2}", 1, 15, "invalid character"},
		{"{\"a\":1}\n{}", 2, 1, "after the JSON value"},
		{"{\"a\":", 1, 6, "unexpected end"},
		{"", 1, 1, "unexpected end"},
	}
	for _, tt := range tests {
		_, _, err := Parse([]byte(tt.doc))
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: error %v is not a syntax *ParseError", tt.doc, err)
			continue
		}
		if pe.Line != tt.line || pe.Column != tt.col || !strings.Contains(pe.Reason, tt.reasonContains) {
			t.Errorf("%q: got line %d col %d %q; want line %d col %d containing %q", tt.doc, pe.Line, pe.Column, pe.Reason, tt.line, tt.col, tt.reasonContains)
		}
		if want := fmt.Sprintf("line %d, column %d: ", tt.line, tt.col); !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: message %q", tt.doc, err)
		}
	}
}

func TestParseTooLarge(t *testing.T) {
	doc := `{"type":"OpenBadgeCredential","name":"` + strings.Repeat("x", MaxDocumentSize) + `"}`
	_, _, err := Parse([]byte(doc))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestListSingleAndArray(t *testing.T) {
	var c OpenBadgeCredential
	if err := Unmarshal([]byte(`{"type":"OpenBadgeCredential","proof":{"type":"DataIntegrityProof"},"@context":"https://www.w3.org/ns/credentials/v2"}`), &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Type) != 1 || len(c.Proof) != 1 || c.Proof[0].Type != "DataIntegrityProof" || len(c.Context) != 1 {
		t.Fatalf("decoded %+v", c)
	}
	out, _ := json.Marshal(c)
	want := `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["OpenBadgeCredential"],"proof":[{"type":"DataIntegrityProof"}]}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestExtensionsSurvive(t *testing.T) {
	in := `{"type":["Achievement"],"name":"A","criteria":{"narrative":"n","ext:weight":3},"myExt:level":{"a":[1,"b"]},"Name":"case clash"}`
	var a Achievement
	if err := Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	if a.Name != "A" {
		t.Errorf("Name = %q: a key differing only in case must not override it", a.Name)
	}
	if string(a.Extra["myExt:level"]) != `{"a":[1,"b"]}` || string(a.Criteria.Extra["ext:weight"]) != "3" || string(a.Extra["Name"]) != `"case clash"` {
		t.Errorf("extras = %v / %v", a.Extra, a.Criteria.Extra)
	}
	out, _ := json.Marshal(a)
	want := `{"type":["Achievement"],"criteria":{"narrative":"n","ext:weight":3},"name":"A","Name":"case clash","myExt:level":{"a":[1,"b"]}}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestURIOnlyAndStatusIndex(t *testing.T) {
	in := `{"type":["OpenBadgeCredential"],"issuer":"did:example:issuer","credentialStatus":{"type":"BitstringStatusListEntry","statusListIndex":94567}}`
	var c OpenBadgeCredential
	if err := Unmarshal([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	if !c.Issuer.URIOnly || c.Issuer.ID != "did:example:issuer" || c.CredentialStatus.StatusListIndex.Value != "94567" {
		t.Fatalf("decoded %+v %+v", c.Issuer, c.CredentialStatus)
	}
	out, _ := json.Marshal(c)
	if !strings.Contains(string(out), `"issuer":"did:example:issuer"`) || !strings.Contains(string(out), `"statusListIndex":94567`) {
		t.Errorf("re-encoded as %s", out)
	}
	c.CredentialStatus.StatusListIndex = NumberOrString{Value: "7"}
	out, _ = json.Marshal(c.CredentialStatus)
	if !strings.Contains(string(out), `"statusListIndex":"7"`) {
		t.Errorf("string index encoded as %s", out)
	}
}

func TestHashIdentity(t *testing.T) {
	// From the OB 2.0 fixture basic-assertion.json.
	const want = "sha256$ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942"
	if got := HashIdentity("nobody@example.org", "deadsea"); got != want {
		t.Fatalf("HashIdentity = %s", got)
	}
	o := NewIdentityObject("emailAddress", "nobody@example.org", "deadsea")
	for id, match := range map[string]bool{"nobody@example.org": true, "Nobody@Example.org": true, "somebody@example.org": false, "": false} {
		if o.Matches(id) != match {
			t.Errorf("Matches(%q) = %v", id, !match)
		}
	}
	upper := o
	upper.IdentityHash = strings.ToUpper(o.IdentityHash[:7]) + strings.ToUpper(o.IdentityHash[7:])
	if !upper.Matches("nobody@example.org") {
		t.Error("upper-case hex hash did not match")
	}
	plain := IdentityObject{Type: "IdentityObject", IdentityHash: "student@1edtech.edu", IdentityType: "emailAddress"}
	if !plain.Matches("student@1edtech.edu") || plain.Matches("other@1edtech.edu") {
		t.Error("unhashed identity matching is wrong")
	}
	v2 := IdentityObjectV2{Type: "email", Hashed: true, Salt: "s", Identity: "md5$" + "6b9b1c1b6f2f8eab3f3b1e1c2a1d1e1f"}
	if v2.Matches("nobody@example.org") {
		t.Error("wrong md5 matched")
	}
	v2.Identity = md5Identity("nobody@example.org", "s")
	if !v2.Matches("nobody@example.org") {
		t.Error("md5 identity did not match")
	}
}

func newTestCredential() *OpenBadgeCredential {
	issuer := NewProfile("https://example.edu/issuers/565049", "Example University")
	a := NewAchievement("https://example.edu/achievements/teamwork", "Teamwork",
		"Collaborates within a group.", "Nominated by peers.")
	a.AchievementType = "Badge"
	s := NewAchievementSubject("", a)
	s.Identifier = List[IdentityObject]{NewIdentityObject("emailAddress", "learner@example.org", "pepper")}
	return NewOpenBadgeCredential("urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002", issuer, s,
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600)))
}

func TestBuiltCredentialPassesStrict(t *testing.T) {
	c := newTestCredential()
	if err := ValidateIssued(c); err != nil {
		t.Fatalf("ValidateIssued: %v", err)
	}
	if c.ValidFrom != "2026-01-02T02:04:05Z" {
		t.Errorf("ValidFrom = %s", c.ValidFrom)
	}
	if got := c.ContextURLs(); len(got) != 2 || got[0] != ContextVC2 || got[1] != ContextOB3 {
		t.Errorf("contexts %v", got)
	}
	c.CredentialSchema = List[CredentialSchema]{{ID: "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json", Type: "1EdTechJsonSchemaValidator2019"}}
	c.EnsureContexts()
	c.EnsureContexts()
	if got := c.ContextURLs(); len(got) != 3 || got[2] != ContextOB3Extensions {
		t.Errorf("contexts after EnsureContexts %v", got)
	}
	if err := ValidateIssued(c); err != nil {
		t.Fatalf("ValidateIssued with schema: %v", err)
	}

	e := NewEndorsementCredential("urn:uuid:1", "Endorsement", NewProfile("https://endorser.example", "Endorser"),
		"https://example.edu/issuers/565049", "In good standing", time.Unix(0, 0))
	if err := ValidateIssued(e); err != nil {
		t.Errorf("endorsement: %v", err)
	}
	signed := readFile(t, "testdata/validator/ob30/simple.json")
	clr := NewClrCredential("urn:uuid:2", "Transcript", NewProfile("https://example.edu/issuers/565049", "Example University"),
		"did:example:learner", [][]byte{signed}, time.Unix(0, 0))
	clr.CredentialSubject.Achievement = List[Achievement]{c.CredentialSubject.Achievement}
	clr.CredentialSubject.Association = List[Association]{{Type: "Association", AssociationType: IsPartOf, SourceID: "urn:a", TargetID: "urn:b"}}
	if err := ValidateIssued(clr); err != nil {
		t.Errorf("CLR: %v", err)
	}
	out, _ := json.Marshal(clr)
	if !strings.Contains(string(out), `"verifiableCredential":[{"@context":`) {
		t.Errorf("CLR credentials not embedded: %.200s", out)
	}
}

func TestValidateIssuedAndRead(t *testing.T) {
	vector := readFile(t, "testdata/vc-verify/1edtech-ob3-ldp-test-vector.json")
	err := ValidateIssued(vector)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Path != "/proof" {
		t.Errorf("1EdTech vector (single proof): ValidateIssued = %v, want a /proof problem", err)
	}
	if p := ValidateRead(vector); p != nil {
		t.Errorf("1EdTech vector: ValidateRead = %v", p)
	}

	for _, f := range []string{"validator/ob30/simple.json", "validator/ob30/complete.json", "validator/ob30/endorsement-valid.json",
		"validator/clr20/simple.json", "educredentials/full_ex.json", "educredentials/minimal_valid_obv3.json",
		"vc-verify/ob3-basic-unsigned.json", "vc-verify/ob3-full-unsigned.json"} {
		b := readFile(t, "testdata/"+f)
		if err := ValidateIssued(b); err != nil {
			t.Errorf("%s: ValidateIssued: %v", f, err)
		}
		if p := ValidateRead(b); p != nil {
			t.Errorf("%s: ValidateRead: %v", f, p)
		}
	}

	// VC 1.1 credentials: refused for issuing, read with only a warning.
	for _, f := range []string{"validator/ob30/simple_v1.json", "validator/ob30/simple-eddsa-2022.json",
		"validator/ob30/credential-status-revoked.json", "validator/clr20/simple_v1.json", "validator/clr20/complex.json"} {
		b := readFile(t, "testdata/"+f)
		if err := ValidateIssued(b); err == nil || !strings.Contains(err.Error(), "1.1") {
			t.Errorf("%s: ValidateIssued = %v, want a VC 1.1 error", f, err)
		}
		probs := ValidateRead(b)
		if len(probs) != 1 || !probs[0].Warning {
			t.Errorf("%s: ValidateRead = %v, want one warning", f, probs)
		}
	}
}

func TestValidateNamesTheField(t *testing.T) {
	base := func() map[string]any {
		var m map[string]any
		if err := json.Unmarshal(readFile(t, "testdata/validator/ob30/simple.json"), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	subject := func(m map[string]any) map[string]any { return m["credentialSubject"].(map[string]any) }
	achievement := func(m map[string]any) map[string]any { return subject(m)["achievement"].(map[string]any) }
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		path   string
		substr string
	}{
		{"no issuer", func(m map[string]any) { delete(m, "issuer") }, "", "'issuer'"},
		{"no validFrom", func(m map[string]any) { delete(m, "validFrom") }, "", "'validFrom'"},
		{"no achievement", func(m map[string]any) { delete(subject(m), "achievement") }, "/credentialSubject", "'achievement'"},
		{"no achievement name", func(m map[string]any) { delete(achievement(m), "name") }, "/credentialSubject/achievement", "'name'"},
		{"no criteria", func(m map[string]any) { delete(achievement(m), "criteria") }, "/credentialSubject/achievement", "'criteria'"},
		{"name number", func(m map[string]any) { achievement(m)["name"] = 3 }, "/credentialSubject/achievement/name", "want string"},
		{"wrong issuer type", func(m map[string]any) { m["issuer"].(map[string]any)["type"] = []any{"Org"} }, "/issuer/type/0", "Profile"},
		{"no OB type", func(m map[string]any) {
			m["type"] = []any{"VerifiableCredential", "OpenBadgeCredential", "X"}
			delete(m, "id")
		}, "", "'id'"},
		{"bad context order", func(m map[string]any) { m["@context"] = []any{ContextOB3, ContextVC2} }, "/@context/0", ""},
		{"identity hash missing", func(m map[string]any) {
			subject(m)["identifier"] = []any{map[string]any{"type": "IdentityObject", "hashed": true, "identityType": "emailAddress"}}
		}, "/credentialSubject/identifier/0", "'identityHash'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, strict := range []bool{true, false} {
				m := base()
				tt.edit(m)
				var probs []Problem
				if strict {
					err := ValidateIssued(m)
					var ve *ValidationError
					if !errors.As(err, &ve) {
						t.Fatalf("ValidateIssued = %v", err)
					}
					probs = ve.Problems
				} else {
					probs = ValidateRead(m)
				}
				found := false
				for _, p := range probs {
					if p.Path == tt.path && strings.Contains(p.Message, tt.substr) && !strings.Contains(p.String(), "\n") {
						found = true
					}
				}
				if !found {
					t.Errorf("strict=%v: problems %v lack %q at %q", strict, probs, tt.substr, tt.path)
				}
			}
		})
	}
}

func TestValidateCLRStrictArrays(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal(readFile(t, "testdata/validator/clr20/simple.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["proof"] = m["proof"].([]any)[0]
	if p := ValidateRead(m); p != nil {
		t.Errorf("ValidateRead = %v", p)
	}
	err := ValidateIssued(m)
	if err == nil || !strings.Contains(err.Error(), "/proof: must be an array") {
		t.Errorf("ValidateIssued = %v", err)
	}
}

func TestValidateOB2(t *testing.T) {
	if p := ValidateRead(readFile(t, "testdata/validator/ob20/basic-assertion.json")); p != nil {
		t.Errorf("basic assertion: %v", p)
	}
	p := ValidateRead(`{"@context":"https://w3id.org/openbadges/v2","type":"Assertion","id":"urn:x","recipient":{"hashed":false}}`)
	want := []string{`(root): missing property "badge"`, `(root): missing property "verification"`, `(root): missing property "issuedOn"`, `/recipient: missing property "type"`, `/recipient: missing property "identity"`}
	if len(p) != len(want) {
		t.Fatalf("problems = %v", p)
	}
	for i := range want {
		if p[i].String() != want[i] {
			t.Errorf("problem %d = %q, want %q", i, p[i], want[i])
		}
	}
	if err := ValidateIssued(readFile(t, "testdata/validator/ob20/basic-assertion.json")); err == nil {
		t.Error("ValidateIssued accepted an OB 2.0 assertion")
	}
}

func ExampleNewOpenBadgeCredential() {
	issuer := NewProfile("https://example.edu/issuers/1", "Example University")
	a := NewAchievement("https://example.edu/achievements/teamwork", "Teamwork", "Works well in a team.", "Peer nomination.")
	c := NewOpenBadgeCredential("urn:uuid:1", issuer, NewAchievementSubject("did:example:learner", a), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	out, _ := json.MarshalIndent(c, "", " ")
	fmt.Println(string(out))
	fmt.Println(ValidateIssued(c))
	// Output:
	// {
	//  "@context": [
	//   "https://www.w3.org/ns/credentials/v2",
	//   "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	//  ],
	//  "id": "urn:uuid:1",
	//  "type": [
	//   "VerifiableCredential",
	//   "OpenBadgeCredential"
	//  ],
	//  "name": "Teamwork",
	//  "credentialSubject": {
	//   "id": "did:example:learner",
	//   "type": [
	//    "AchievementSubject"
	//   ],
	//   "achievement": {
	//    "id": "https://example.edu/achievements/teamwork",
	//    "type": [
	//     "Achievement"
	//    ],
	//    "criteria": {
	//     "narrative": "Peer nomination."
	//    },
	//    "description": "Works well in a team.",
	//    "name": "Teamwork"
	//   }
	//  },
	//  "issuer": {
	//   "id": "https://example.edu/issuers/1",
	//   "type": [
	//    "Profile"
	//   ],
	//   "name": "Example University"
	//  },
	//  "validFrom": "2026-03-01T00:00:00Z"
	// }
	// <nil>
}

func FuzzParse(f *testing.F) {
	for _, p := range fixtureFiles(f) {
		f.Add(readFile(f, p))
	}
	f.Add([]byte(`{"type":"OpenBadgeCredential","proof":{},"issuer":"x","credentialStatus":{"statusListIndex":1e3}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, v, err := Parse(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is not a one-line *ParseError", err)
			}
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal after Parse: %v", err)
		}
		k2, v2, err := Parse(out)
		if err != nil || k2 != k {
			t.Fatalf("re-Parse: kind %v→%v, %v\n%s", k, k2, err, out)
		}
		out2, _ := json.Marshal(v2)
		if string(out2) != string(out) {
			t.Fatalf("unstable:\n%s\n%s", out, out2)
		}
		_ = ValidateRead(out)
	})
}

func BenchmarkParse(b *testing.B) {
	for _, f := range []string{"validator/ob30/simple.json", "validator/ob30/complete.json"} {
		data, err := os.ReadFile("testdata/" + f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(f[len("validator/ob30/"):], func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Parse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkValidateIssued(b *testing.B) {
	if _, err := formalSchemas(); err != nil {
		b.Fatal(err)
	}
	b.Run("built", func(b *testing.B) {
		c := newTestCredential()
		b.ReportAllocs()
		for b.Loop() {
			if err := ValidateIssued(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	data, _ := os.ReadFile("testdata/validator/ob30/complete.json")
	var m map[string]any
	json.Unmarshal(data, &m)
	b.Run("complete-map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := ValidateIssued(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestValidateForeignDeviations: what other platforms issue deviates from the schema in
// known ways; each deviation is one problem at its own JSON pointer, without the noise
// of the alternatives the author did not mean (a Profile is not a language map).
func TestValidateForeignDeviations(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal(readFile(t, "testdata/educredentials/minimal_valid_obv3.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["issuer"].(map[string]any)["image"] = "https://example.org/logo.png"
	ach := m["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
	ach["achievementType"] = "Bootcamp"
	delete(m, "validFrom")
	want := map[string]string{
		"":              "'validFrom'",
		"/issuer/image": "want object",
		"/credentialSubject/achievement/achievementType": "",
	}
	probs := ValidateRead(m)
	paths := map[string]bool{}
	for _, p := range probs {
		paths[p.Path] = true
	}
	if len(paths) != len(want) {
		t.Errorf("ValidateRead = %v, want problems at %d paths", probs, len(want))
	}
	for _, p := range probs {
		substr, ok := want[p.Path]
		if !ok || !strings.Contains(p.Message, substr) || p.Warning {
			t.Errorf("unexpected problem %s", p)
		}
	}

	// The same against the schema the credential names, by URL.
	const url = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
	got, known := ValidateSchema(m, url)
	if !known || len(got) != len(probs) {
		t.Errorf("ValidateSchema(%s) = %v, %v; want %v", url, got, known, probs)
	}
	if got, known := ValidateSchema(m, "https://issuer.example/schema.json"); known || got != nil {
		t.Errorf("ValidateSchema(unknown URL) = %v, %v; want nil, false", got, known)
	}
	if got, known := ValidateSchema(readFile(t, "testdata/educredentials/minimal_valid_obv3.json"), url); !known || got != nil {
		t.Errorf("ValidateSchema(valid) = %v, %v", got, known)
	}
}

// TestValidateIssuedParts: the evidence and results of a credential are
// judged alone as the whole schema judges them in place, with the same
// problems.
func TestValidateIssuedParts(t *testing.T) {
	base := func() map[string]any {
		var m map[string]any
		if err := json.Unmarshal(readFile(t, "testdata/validator/ob30/simple.json"), &m); err != nil {
			t.Fatal(err)
		}
		m["evidence"] = []any{map[string]any{"type": []any{"Evidence"}, "id": "https://example.org/e/1", "name": "Project", "x-extra": map[string]any{"a": 1.0}}}
		m["credentialSubject"].(map[string]any)["result"] = []any{
			map[string]any{"type": []any{"Result"}, "value": "A", "resultDescription": "urn:uuid:1"},
			map[string]any{"type": []any{"Result"}, "status": "Completed", "alignment": []any{map[string]any{"type": []any{"Alignment"}, "targetName": "T", "targetUrl": "https://example.org/t"}}},
		}
		return m
	}
	sub := func(m map[string]any) map[string]any { return m["credentialSubject"].(map[string]any) }
	tests := []struct {
		name string
		edit func(m map[string]any)
		bad  bool
	}{
		{"valid", func(m map[string]any) {}, false},
		{"no evidence or results", func(m map[string]any) { delete(m, "evidence"); delete(sub(m), "result") }, false},
		{"evidence type wrong", func(m map[string]any) { m["evidence"].([]any)[0].(map[string]any)["type"] = []any{"Proof"} }, true},
		{"evidence name a number", func(m map[string]any) { m["evidence"].([]any)[0].(map[string]any)["name"] = 3.0 }, true},
		{"evidence without type", func(m map[string]any) { delete(m["evidence"].([]any)[0].(map[string]any), "type") }, true},
		{"result status not in the vocabulary", func(m map[string]any) { sub(m)["result"].([]any)[1].(map[string]any)["status"] = "Done" }, true},
		{"result value a number", func(m map[string]any) { sub(m)["result"].([]any)[0].(map[string]any)["value"] = 1.5 }, true},
		{"result alignment without targetName", func(m map[string]any) {
			delete(sub(m)["result"].([]any)[1].(map[string]any)["alignment"].([]any)[0].(map[string]any), "targetName")
		}, true},
		{"two bad results", func(m map[string]any) {
			sub(m)["result"].([]any)[0].(map[string]any)["type"] = "Result"
			sub(m)["result"].([]any)[1].(map[string]any)["achievedLevel"] = true
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.edit(m)
			whole, parts := ValidateIssued(m), ValidateIssuedParts(m)
			if (parts != nil) != tt.bad {
				t.Fatalf("ValidateIssuedParts = %v, want an error: %v", parts, tt.bad)
			}
			if (whole != nil) != tt.bad {
				t.Fatalf("ValidateIssued = %v, want an error: %v", whole, tt.bad)
			}
			if !tt.bad {
				return
			}
			var pw, pp *ValidationError
			if !errors.As(whole, &pw) || !errors.As(parts, &pp) {
				t.Fatalf("not ValidationErrors: %v / %v", whole, parts)
			}
			if fmt.Sprint(pw.Problems) != fmt.Sprint(pp.Problems) {
				t.Errorf("problems differ:\nwhole %v\nparts %v", pw.Problems, pp.Problems)
			}
		})
	}
}
