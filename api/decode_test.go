package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
)

// Every document the tests decode is checked by both shape checks.
func init() { checkBothShapes = true }

// CheckBothShapes lets benchmarks measure the fast path alone.
var CheckBothShapes = &checkBothShapes

func TestUnmarshalStrictAccepts(t *testing.T) {
	var in issuing.AwardInput
	body := `{
		"achievementId": "a1",
		"recipient": {"email": "x@example.com", "hashed": false, "name": null},
		"evidence": [{"id": "https://example.org/e", "genre": "Project", "x-extension": {"any": [1, 2]}}],
		"results": [{"value": "A", "alignment": {"targetName": "n", "targetUrl": "https://example.org"}}],
		"creditsEarned": 2.5,
		"activityStartDate": "2024-01-02T03:04:05+01:00",
		"formats": ["di", "jwt"]
	}`
	if err := unmarshalStrict([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if in.AchievementID != "a1" || *in.Recipient.Hashed || len(in.Evidence) != 1 || in.Evidence[0].Extra["x-extension"] == nil ||
		len(in.Results[0].Alignment) != 1 || *in.CreditsEarned != 2.5 || !in.ActivityStart.Equal(time.Date(2024, 1, 2, 2, 4, 5, 0, time.UTC)) {
		t.Fatalf("decoded %+v", in)
	}
}

// TestUnicode: invalid UTF-8 and lone surrogates are refused with the
// field's path, extensions and member names included; U+FFFD itself, raw
// or escaped, and surrogate pairs are accepted.
func TestUnicode(t *testing.T) {
	for _, tc := range []struct {
		body, field, detail string // field "" and detail "": accepted
	}{
		{`{"narrative":"a\ufffd b\uFFFD \ud83d\ude00"}`, "", ""},
		{"{\"narrative\":\"\xef\xbf\xbd \xf0\x9f\x98\x80\"}", "", ""},
		{`{"narrative":"\\ud800"}`, "", ""}, // an escaped backslash, then text
		{"{\"narrative\":\"ab\xff\"}", "narrative", "byte 0xFF at line 1, column 17"},
		{"{\n\"recipient\": {\"name\": \"\xc3\"}}", "recipient.name", "line 2, column 24"},
		{`{"narrative":"\ud800"}`, "narrative", `\uD800 is half`},
		{`{"narrative":"\udc00\ud800"}`, "narrative", `\uDC00 is half`},
		{`{"narrative":"\ud83d\u0041"}`, "narrative", `\uD83D is half`},
		{"{\"evidence\":[{\"name\":\"n\"},{\"x\":{\"y\":[\"\xff\"]}}]}", "evidence[1].x.y[0]", "not valid UTF-8"},
		{"{\"evidence\":[{\"\xff\":1}]}", "evidence[0]", "a member name is not valid UTF-8"},
		{"{\"\xff\":1}", "", "a member name is not valid UTF-8"},
	} {
		var in issuing.AwardInput
		err := unmarshalStrict([]byte(tc.body), &in)
		if tc.detail == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.body, err)
			}
			continue
		}
		if cairn.KindOf(err) != cairn.Invalid || cairn.FieldOf(err) != tc.field || !strings.Contains(cairn.PublicMessage(err), tc.detail) {
			t.Errorf("%q: %v (field %q), want field %q and %q", tc.body, err, cairn.FieldOf(err), tc.field, tc.detail)
		}
	}
}

func TestPosition(t *testing.T) {
	c := &shapeChecker{data: []byte("ab\ncde\nf")}
	for _, tc := range []struct {
		off       int64
		line, col int
	}{{0, 1, 1}, {1, 1, 2}, {3, 2, 1}, {5, 2, 3}, {7, 3, 1}, {100, 3, 2}} {
		if l, col := c.position(tc.off); l != tc.line || col != tc.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", tc.off, l, col, tc.line, tc.col)
		}
	}
}

// FuzzUnmarshalStrict checks the strict decoder against encoding/json:
// whatever it accepts, encoding/json accepts and decodes the same way, and
// it is valid UTF-8.
func FuzzUnmarshalStrict(f *testing.F) {
	for _, s := range []string{
		`{"achievementId":"a","recipient":{"email":"e"}}`,
		`{"evidence":[{"id":"u","extra":[1,{"a":null}]}],"results":{"value":"v"}}`,
		`{"creditsEarned":1e3,"validFrom":"2024-01-01T00:00:00Z","formats":null}`,
		`{"recipient":{"hashed":true,"showName":false}}`, `{}`, `{"a":1}`,
		"{\"narrative\":\"\xff\"}", `{"narrative":"\ud800\udc00\ud800"}`, "{\"evidence\":[{\"\xc3\":1}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, typ := range []reflect.Type{reflect.TypeFor[issuing.AwardInput](), reflect.TypeFor[issuing.AchievementInput](), reflect.TypeFor[map[string]int]()} {
			if shapeOK(data, typ) {
				if err := checkShape(data, typ); err != nil {
					t.Fatalf("%v: shapeOK accepted what checkShape refuses: %v", typ, err)
				}
			}
		}
		var strict issuing.AwardInput
		if err := unmarshalStrict(data, &strict); err != nil {
			var ce *cairn.Error
			if _, ok := err.(*requestError); !ok && !(errors.As(err, &ce) && ce.Kind == cairn.Invalid) {
				t.Fatalf("error %T: %v", err, err)
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatalf("strict accepted invalid UTF-8: %q", data)
		}
		var plain issuing.AwardInput
		if err := json.Unmarshal(data, &plain); err != nil {
			t.Fatalf("strict accepted what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(strict, plain) {
			t.Fatalf("decoded differently:\n%+v\n%+v", strict, plain)
		}
	})
}

// TestShapeOK: the fast shape check accepts ordinary bodies and leaves
// anything checkShape would refuse (or that it does not judge) to it.
func TestShapeOK(t *testing.T) {
	typ := reflect.TypeFor[issuing.AwardInput]()
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`{"achievementId":"a1","recipient":{"email":"x@example.com","name":"Zoë","showName":true},"narrative":"Built it.",
		  "evidence":[{"id":"https://example.org/e","name":"P","x-ext":{"a":[1,{"b":null}],"a":2}}],
		  "results":[{"resultDescription":"urn:x","value":"A"}],"creditsEarned":3,"validFrom":"2025-01-02T03:04:05Z","formats":["di"]} `, true},
		{`{"results":[{"alignment":{"targetName":"n","targetUrl":"https://example.org"}}]}`, true}, // ob.List: one value for an array
		{`{"results":{"value":"A"}}`, false},
		{`{"creditsEarned":null,"recipient":null}`, true},
		{`{"achievementId":"a","achievementId":"b"}`, false},
		{`{"achievementID":"a"}`, false},
		{`{"narrative":"line\nbreak"}`, false}, // escaped: checkShape judges it
		{`{"creditsEarned":"3"}`, false},
		{`{"validFrom":"yesterday"}`, false},
		{`{"formats":"di"}`, false},
		{`{"recipient":{"hashed":1}}`, false},
		{`{"a":1} x`, false},
		{`[]`, false},
		{"{\"narrative\":\"\xff\"}", false},
		{`{"narrative":"` + "\uFFFD" + `"}`, false},
	} {
		if got := shapeOK([]byte(tc.body), typ); got != tc.ok {
			t.Errorf("shapeOK(%s) = %v, want %v", tc.body, got, tc.ok)
		}
		if tc.ok {
			if err := checkShape([]byte(tc.body), typ); err != nil {
				t.Errorf("checkShape(%s) = %v", tc.body, err)
			}
		}
	}
}
