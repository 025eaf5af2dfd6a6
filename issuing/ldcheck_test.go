package issuing

import (
	"context"
	"errors"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/jsonld"
)

func TestFieldMaps(t *testing.T) {
	for _, tc := range []struct {
		fields      func(string) (string, string, bool)
		ptr, field  string
		inputFields bool
	}{
		{awardFields, "/evidence/0/id", "evidence[0].id", true},
		{awardFields, "/evidence/12/x~1y/0", "evidence[12].x/y[0]", true},
		{awardFields, "/credentialSubject/result/1/alignment/0/targetUrl", "results[1].alignment[0].targetUrl", true},
		{awardFields, "/credentialSubject/id", "recipient.did", true},
		{awardFields, "/credentialSubject/achievement/criteria/id", "achievementId", true},
		{awardFields, "/issuer/url", "achievementId", true},
		{awardFields, "/credentialStatus/id", "", false},
		{awardFields, "/evidenceX", "", false},
		{achievementFields, "/credentialSubject/achievement/criteria/id", "criteriaUrl", true},
		{achievementFields, "/credentialSubject/achievement/alignment/0/x", "alignment[0].x", true},
		{achievementFields, "/credentialSubject/achievement/resultDescription/0/rubricCriterionLevel/1/id", "resultDescription[0].rubricCriterionLevel[1].id", true},
		{achievementFields, "/credentialSubject/achievement/tag/2", "tag[2]", true},
		{achievementFields, "/credentialSubject/achievement/id", "", false},
		{achievementFields, "/credentialSubject/achievement", "", false},
		{achievementFields, "/evidence/0", "", false},
	} {
		field, _, ok := tc.fields(tc.ptr)
		if field != tc.field || ok != tc.inputFields {
			t.Errorf("%s: %q %v, want %q %v", tc.ptr, field, ok, tc.field, tc.inputFields)
		}
	}
}

// TestSigningError: a fault in what the caller sent is Invalid and names
// the field; a fault in what Cairn built stays Internal; a limit is Invalid;
// the end of the context is Unavailable.
func TestSigningError(t *testing.T) {
	ctx := context.Background()
	doc := map[string]any{
		"evidence":         []any{map[string]any{"id": "https://e.org/a b"}},
		"credentialStatus": map[string]any{"id": "https://b.org/s p"},
	}
	for _, tc := range []struct {
		name  string
		ctx   context.Context
		err   error
		kind  cairn.Kind
		field string
	}{
		{"input IRI", ctx, jsonld.CheckIRI("https://e.org/a b"), cairn.Invalid, "evidence[0].id"},
		{"Cairn's IRI", ctx, jsonld.CheckIRI("https://b.org/s p"), cairn.Internal, ""},
		{"undefined term", ctx, &jsonld.UndefinedTermError{Term: "x", Path: "/evidence/0/x"}, cairn.Invalid, "evidence[0].x"},
		{"limit", ctx, jsonld.ErrLimit, cairn.Invalid, ""},
		{"other", ctx, errors.New("boom"), cairn.Internal, ""},
		{"deadline", ctx, context.DeadlineExceeded, cairn.Unavailable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := signingError(tc.ctx, doc, tc.err, awardFields, awardLists, "signing")
			if cairn.KindOf(err) != tc.kind || cairn.FieldOf(err) != tc.field {
				t.Fatalf("%v: kind %v field %q, want %v %q", err, cairn.KindOf(err), cairn.FieldOf(err), tc.kind, tc.field)
			}
		})
	}
}
