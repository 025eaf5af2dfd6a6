package api

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/issuing"
)

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
// whatever it accepts, encoding/json accepts and decodes the same way.
func FuzzUnmarshalStrict(f *testing.F) {
	for _, s := range []string{
		`{"achievementId":"a","recipient":{"email":"e"}}`,
		`{"evidence":[{"id":"u","extra":[1,{"a":null}]}],"results":{"value":"v"}}`,
		`{"creditsEarned":1e3,"validFrom":"2024-01-01T00:00:00Z","formats":null}`,
		`{"recipient":{"hashed":true,"showName":false}}`, `{}`, `{"a":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var strict issuing.AwardInput
		if err := unmarshalStrict(data, &strict); err != nil {
			if _, ok := err.(*requestError); !ok {
				t.Fatalf("error %T: %v", err, err)
			}
			return
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
