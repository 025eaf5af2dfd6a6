package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestBadIRIs sends values that become IRIs in a signed credential but that
// the JSON-LD layer cannot write (a space, {, `, |, ^, <, " in a URL; a DID
// with a quote), a DID without a method-specific id, invalid UTF-8, and
// extensions that no context defines: each is a 422 naming the field (they
// were 500s, or were stored and failed every award later), and nothing is
// stored.
func TestBadIRIs(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("iri"))
	key := f.org.key
	award := func(members string) string {
		return fmt.Sprintf(`{"achievementId":%q,"recipient":{"email":"x@example.com"},%s}`, f.achievementID, members)
	}
	awardDID := func(did string) string {
		return fmt.Sprintf(`{"achievementId":%q,"recipient":{"did":%q}}`, f.achievementID, did)
	}
	achievement := func(members string) string {
		return fmt.Sprintf(`{"issuerId":%q,"name":"n","description":"d","criteriaNarrative":"c",%s}`, f.issuerID, members)
	}
	type tc struct {
		name, method, path, body, field string
	}
	var cases []tc
	for _, bad := range []string{"https://e.org/a b", "https://e.org/{", "https://e.org/`", "https://e.org/|", "https://e.org/^", "https://e.org/<", `https://e.org/"`, `https://e.org/\`} {
		q := strings.ReplaceAll(strings.ReplaceAll(bad, `\`, `\\`), `"`, `\"`)
		cases = append(cases,
			tc{"evidence " + bad, "POST", "/api/v1/awards", award(`"evidence":[{"id":"` + q + `"}]`), "evidence[0].id"},
			tc{"criteria " + bad, "POST", "/api/v1/achievements", achievement(`"criteriaUrl":"` + q + `"`), "criteriaUrl"},
			tc{"alignment " + bad, "POST", "/api/v1/achievements", achievement(`"alignment":[{"targetName":"t","targetUrl":"` + q + `"}]`), "alignment[0].targetUrl"},
			tc{"issuer url " + bad, "POST", "/api/v1/issuers", `{"name":"n","url":"` + q + `"}`, "url"},
			tc{"issuer patch url " + bad, "PATCH", "/api/v1/issuers/" + f.issuerID, `{"url":"` + q + `"}`, "url"},
		)
	}
	for _, bad := range []string{`did:example:a"<b>`, "did:x", "did:x:", "did:Ex:1", "did:example:a b", "did:example:%zz", "did:example:a/b", "did:example:a?b"} {
		cases = append(cases, tc{"did " + bad, "POST", "/api/v1/awards", awardDID(bad), "recipient.did"})
	}
	cases = append(cases,
		tc{"invalid UTF-8 in a name", "POST", "/api/v1/awards", fmt.Sprintf("{\"achievementId\":%q,\"recipient\":{\"email\":\"x@example.com\",\"name\":\"Ad\xffa\"}}", f.achievementID), "recipient.name"},
		tc{"invalid UTF-8 in evidence", "POST", "/api/v1/awards", award("\"evidence\":[{\"name\":\"ok\"},{\"name\":\"\xc3\"}]"), "evidence[1].name"},
		tc{"invalid UTF-8 in an extension", "POST", "/api/v1/awards", award("\"evidence\":[{\"name\":\"ok\",\"x\":{\"y\":\"\xed\xa0\x80\"}}]"), "evidence[0].x.y"},
		tc{"invalid UTF-8 in a key", "POST", "/api/v1/awards", award("\"evidence\":[{\"name\":\"ok\",\"\xff\":1}]"), "evidence[0]"},
		tc{"invalid UTF-8 in an issuer name", "POST", "/api/v1/issuers", "{\"name\":\"\xfe\"}", "name"},
		tc{"lone surrogate", "POST", "/api/v1/issuers", `{"name":"a\udc00"}`, "name"},
		tc{"invalid UTF-8 in a query value", "GET", "/api/v1/awards?recipient=%FF", "", "recipient"},
		tc{"extension no context defines", "POST", "/api/v1/awards", award(`"evidence":[{"name":"n","colour":"blue"}]`), "evidence[0].colour"},
		tc{"extension in a result", "POST", "/api/v1/awards", award(`"results":[{"value":"A","x":{"y":1}}]`), "results[0].x.y"},
		tc{"result status", "POST", "/api/v1/awards", award(`"results":[{"status":"Bogus"}]`), "results[0].status"},
		tc{"result alignment URL", "POST", "/api/v1/awards", award(`"results":[{"alignment":[{"targetName":"t","targetUrl":"https://e.org/a b"}]}]`), "results[0].alignment[0].targetUrl"},
		tc{"context in evidence", "POST", "/api/v1/awards", award(`"evidence":[{"name":"n","@context":"https://e.org/ctx"}]`), "evidence[0].@context"},
		tc{"colliding keywords", "POST", "/api/v1/awards", award(`"evidence":[{"name":"a"},{"name":"n","@id":"https://e.org/x","id":"https://e.org/y"}]`), "evidence[1]"},
		tc{"relative @id in evidence", "POST", "/api/v1/awards", award(`"evidence":[{"name":"n","@id":"a b"}]`), "evidence[0].@id"},
		tc{"extension in an alignment", "POST", "/api/v1/achievements", achievement(`"alignment":[{"targetName":"t","targetUrl":"https://e.org/","x":1}]`), "alignment[0].x"},
		tc{"result description id", "POST", "/api/v1/achievements", achievement(`"resultDescription":[{"name":"n","resultType":"LetterGrade","id":"a b"}]`), "resultDescription[0].id"},
		tc{"result description type", "POST", "/api/v1/achievements", achievement(`"resultDescription":[{"name":"n","resultType":"Bogus"}]`), "resultDescription[0].resultType"},
		tc{"rubric level id", "POST", "/api/v1/achievements", achievement(`"resultDescription":[{"name":"n","resultType":"RubricCriterionLevel","rubricCriterionLevel":[{"id":"https://e.org/|","name":"l","level":"1"}]}]`), "resultDescription[0].rubricCriterionLevel[0].id"},
		tc{"achievement update", "PUT", "/api/v1/achievements/" + f.achievementID, achievement(`"criteriaUrl":"https://e.org/a b"`), "criteriaUrl"},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.countAll(f.org.id)
			var body any
			if c.body != "" {
				body = c.body
			}
			p := e.do(c.method, c.path, key, body).problem(t, 422)
			if p.Field != c.field {
				t.Fatalf("problem %+v, want field %q", p, c.field)
			}
			if after := e.countAll(f.org.id); after != before {
				t.Fatalf("a failed request changed the data: %v → %v", before, after)
			}
		})
	}
}
