package ob

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// fixtureErrors lists the fixtures that must not parse, and why. Every other JSON file
// under testdata must parse and round-trip.
var fixtureErrors = map[string]error{
	// Not strict JSON upstream.
	"validator/ob20/assets/openbadges_context.json":     ErrSyntax,
	"validator/ob20/redirected-validation-subject.json": ErrSyntax,
	// OB 2.0 documents that are not assertions, badge classes or issuers.
	"validator/ob20/assets/badgecriteria.json":                  ErrUnknownKind,
	"validator/ob20/assets/criteria-no-type.json":               ErrUnknownKind,
	"validator/ob20/assets/empty-revocation-list.json":          ErrUnknownKind,
	"validator/ob20/assets/revocation-list.json":                ErrUnknownKind,
	"validator/ob20/assets/endorsement-1.json":                  ErrUnknownKind,
	"validator/ob20/assets/endorsement-2.json":                  ErrUnknownKind,
	"validator/ob20/assets/endorsement-3.json":                  ErrUnknownKind,
	"validator/ob20/assets/endorsement-4.json":                  ErrUnknownKind,
	"validator/ob20/assets/key1.json":                           ErrUnknownKind,
	"validator/ob20/assets/key2.json":                           ErrUnknownKind,
	"validator/ob20/assets/key3.json":                           ErrUnknownKind,
	"validator/ob20/rdf-validation/valid-alignment-object.json": ErrUnknownKind,
	"validator/ob20/rdf-validation/valid-cool-class.json":       ErrUnknownKind,
	// Deliberately broken: wrong or missing type.
	"validator/ob20/assets/issuer-invalid-type.json":        ErrUnknownKind, // type "Criteria"
	"validator/ob20/basic-assertion-invalid-type.json":      ErrUnknownKind,
	"validator/ob20/rdf-validation/invalid-class.json":      ErrUnknownKind,
	"validator/ob20/rdf-validation/invalid-empty-type.json": ErrUnknownKind,
	"validator/ob30/simple-err-type.json":                   ErrUnknownKind, // OtherCredential
}

func fixtureFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 110 {
		t.Fatalf("found only %d fixtures", len(files))
	}
	return files
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFixturesParseAndRoundTrip(t *testing.T) {
	for _, p := range fixtureFiles(t) {
		name := filepath.ToSlash(strings.TrimPrefix(p, "testdata"+string(filepath.Separator)))
		t.Run(name, func(t *testing.T) {
			data := readFile(t, p)
			kind, v, err := Parse(data)
			if want := fixtureErrors[name]; want != nil {
				if !errors.Is(err, want) {
					t.Fatalf("Parse error = %v, want %v", err, want)
				}
				var pe *ParseError
				if !errors.As(err, &pe) || strings.Contains(pe.Error(), "\n") {
					t.Fatalf("error %q is not a one-line *ParseError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if kind == KindUnknown || v == nil {
				t.Fatalf("Parse returned kind %v, value %T", kind, v)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var orig, back any
			if err := json.Unmarshal(data, &orig); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatal(err)
			}
			if diff := jsonDiff(orig, back, ""); diff != "" {
				t.Errorf("round trip changed the document: %s\n%s", diff, out)
			}
			// A second round trip is stable byte for byte.
			_, v2, err := Parse(out)
			if err != nil {
				t.Fatalf("re-Parse: %v", err)
			}
			out2, _ := json.Marshal(v2)
			if string(out2) != string(out) {
				t.Errorf("second round trip differs:\n%s\n%s", out, out2)
			}
		})
	}
}

// jsonDiff compares generic JSON values and describes the first difference. A single
// value in want matches a one-element array in got (List normalises to arrays).
func jsonDiff(want, got any, path string) string {
	if arr, ok := got.([]any); ok && len(arr) == 1 {
		if _, wantArr := want.([]any); !wantArr {
			got = arr[0]
		}
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path + ": object became " + jsonKind(got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return path + "/" + k + ": lost"
			}
			if d := jsonDiff(wv, gv, path+"/"+k); d != "" {
				return d
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return path + "/" + k + ": invented"
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path + ": array changed"
		}
		for i := range w {
			if d := jsonDiff(w[i], g[i], path+"/"+strconv.Itoa(i)); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(want, got) {
		return path + ": value changed"
	}
	return ""
}

func TestFixtureKinds(t *testing.T) {
	for file, want := range map[string]Kind{
		"validator/ob30/simple.json":                        KindOpenBadge,
		"validator/ob30/endorsement-valid.json":             KindEndorsement,
		"validator/clr20/complex.json":                      KindCLR,
		"validator/ob20/basic-assertion.json":               KindOB2Assertion,
		"validator/ob20/assets/badgeclass1.json":            KindOB2BadgeClass,
		"validator/ob20/assets/issuer1.json":                KindOB2Issuer,
		"validator/ob20/issuer-compact-iri-validation.json": KindOB2Issuer,
	} {
		k, _, err := Parse(readFile(t, filepath.Join("testdata", file)))
		if err != nil || k != want {
			t.Errorf("%s: kind %v, err %v; want %v", file, k, err, want)
		}
	}
}

func TestParseTyped(t *testing.T) {
	_, v, err := Parse(readFile(t, "testdata/validator/ob30/complete.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := v.(*OpenBadgeCredential)
	a := c.CredentialSubject.Achievement
	if a.AchievementType != "Degree" || len(a.Alignment) != 2 || a.Alignment[1].TargetType != "CTDL" {
		t.Errorf("achievement = %+v", a)
	}
	if a.Creator == nil || a.Creator.Address == nil || a.Creator.Address.Geo == nil || *a.Creator.Address.Geo.Latitude != 1 {
		t.Errorf("creator address not decoded: %+v", a.Creator)
	}
	if got := c.CredentialSubject.Identifier[0]; got.IdentityType != "emailAddress" || !got.Matches("student@1edtech.edu") {
		t.Errorf("identifier = %+v", got)
	}
	if c.Image == nil || c.Image.Caption == "" || len(c.Proof) != 1 || c.Proof[0].Cryptosuite == "" {
		t.Errorf("image/proof not decoded: %+v %+v", c.Image, c.Proof)
	}

	_, v, err = Parse(readFile(t, "testdata/validator/clr20/simple.json"))
	if err != nil {
		t.Fatal(err)
	}
	clr := v.(*ClrCredential)
	if len(clr.CredentialSubject.VerifiableCredential) != 1 {
		t.Fatalf("CLR has %d credentials", len(clr.CredentialSubject.VerifiableCredential))
	}
	k, inner, err := Parse(clr.CredentialSubject.VerifiableCredential[0])
	if err != nil || k != KindOpenBadge || inner.(*OpenBadgeCredential).Proof[0].ProofValue == "" {
		t.Errorf("inner credential: %v %v", k, err)
	}
	for _, as := range clr.CredentialSubject.Association {
		if !as.AssociationType.Valid() {
			t.Errorf("association type %q not valid", as.AssociationType)
		}
	}

	_, v, err = Parse(readFile(t, "testdata/validator/ob20/basic-assertion.json"))
	if err != nil {
		t.Fatal(err)
	}
	as := v.(*Assertion)
	if !as.Badge.URIOnly || as.Badge.ID != "https://example.org/robotics-badge.json" {
		t.Errorf("badge = %+v", as.Badge)
	}
	if len(as.Evidence) != 1 || !as.Evidence[0].URIOnly || as.Image == nil || !as.Image.URIOnly {
		t.Errorf("evidence/image = %+v %+v", as.Evidence, as.Image)
	}
	if as.Verification.Type[0] != "hosted" || !as.Recipient.Hashed {
		t.Errorf("verification/recipient = %+v %+v", as.Verification, as.Recipient)
	}
}
