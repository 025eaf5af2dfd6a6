package issuing

import (
	"context"
	"errors"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/jsonld"
	"github.com/cairn-badges/cairn/proof"
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

// TestBlame: an error that names no place is blamed on the one item
// without which the document canonicalizes, and on nothing when the
// document canonicalizes as it is.
func TestBlame(t *testing.T) {
	ctx := context.Background()
	ctxDef := map[string]any{"@vocab": "https://ex.org/", "id": "@id"}
	items := []any{}
	for i := range 7 {
		items = append(items, map[string]any{"name": "e" + string(rune('a'+i))})
	}
	bad := append(append([]any{}, items...), map[string]any{"@id": "https://e.org/x", "id": "https://e.org/y"})
	bad[3], bad[7] = bad[7], bad[3]
	doc := map[string]any{"@context": ctxDef, "evidence": bad, "credentialSubject": map[string]any{"result": items}}
	_, cerr := jsonld.Canonicalize(ctx, doc, jsonld.Options{})
	if cerr == nil {
		t.Fatal("the document canonicalizes")
	}
	if ptr, ok := blame(ctx, doc, awardLists); ptr != "/evidence/3" || !ok {
		t.Fatalf("blame: %q %v", ptr, ok)
	}
	err := signingError(ctx, doc, cerr, awardFields, awardLists, "signing")
	if cairn.KindOf(err) != cairn.Invalid || cairn.FieldOf(err) != "evidence[3]" {
		t.Fatalf("signingError: %v (field %q)", err, cairn.FieldOf(err))
	}
	good := map[string]any{"@context": ctxDef, "evidence": items}
	if ptr, ok := blame(ctx, good, awardLists); ok {
		t.Fatalf("blame of a good document: %q", ptr)
	}
	if err := signingError(ctx, good, proof.ErrCannotSign, awardFields, awardLists, "signing"); cairn.KindOf(err) != cairn.Internal {
		t.Fatalf("a signing error about no input: %v", err)
	}
}
