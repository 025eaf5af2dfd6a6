package ob

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed schemas/formal/*.json schemas/lenient/*.json
var schemaFS embed.FS

// schemaSet is one variant (formal or lenient) of the schemas, compiled.
type schemaSet struct {
	byKind map[Kind]*jsonschema.Schema
	byID   map[string]*jsonschema.Schema // by $id
}

func compileSchemas(files map[Kind]string) (*schemaSet, error) {
	c := jsonschema.NewCompiler()
	ids := map[Kind]string{}
	for k, name := range files {
		b, err := schemaFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("ob: schema %s: %w", name, err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			id = "https://cairn.invalid/" + path.Base(name)
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("ob: schema %s: %w", name, err)
		}
		ids[k] = id
	}
	set := &schemaSet{byKind: map[Kind]*jsonschema.Schema{}, byID: map[string]*jsonschema.Schema{}}
	for k, id := range ids {
		sch, err := c.Compile(id)
		if err != nil {
			return nil, fmt.Errorf("ob: schema %s: %w", files[k], err)
		}
		set.byKind[k] = sch
		set.byID[id] = sch
	}
	return set, nil
}

// The schemas compile once, on first use. They are embedded, so nothing is fetched.
var (
	formalSchemas = sync.OnceValues(func() (*schemaSet, error) {
		return compileSchemas(map[Kind]string{
			KindOpenBadge:   "schemas/formal/achievementcredential.json",
			KindEndorsement: "schemas/formal/endorsementcredential.json",
			KindProfile:     "schemas/formal/profile.json",
			// 1EdTech publishes no formal CLR 2.0 schema: the JSON-LD one plus
			// checkArrays (below) stands in for it.
			KindCLR: "schemas/lenient/clr_v2p0_clrcredential_schema.json",
		})
	})
	lenientSchemas = sync.OnceValues(func() (*schemaSet, error) {
		return compileSchemas(map[Kind]string{
			KindOpenBadge:   "schemas/lenient/ob_v3p0_achievementcredential_schema.json",
			KindEndorsement: "schemas/lenient/ob_v3p0_endorsementcredential_schema.json",
			KindProfile:     "schemas/lenient/ob_v3p0_profile_schema.json",
			KindCLR:         "schemas/lenient/clr_v2p0_clrcredential_schema.json",
		})
	})
)

// issuedParts are the definitions of the strict OpenBadgeCredential
// schema that ValidateIssuedParts checks, compiled once.
var issuedParts = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	const name = "schemas/formal/achievementcredential.json"
	b, err := schemaFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("ob: schema %s: %w", name, err)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	c := jsonschema.NewCompiler()
	if err := c.AddResource(id, doc); err != nil {
		return nil, fmt.Errorf("ob: schema %s: %w", name, err)
	}
	out := map[string]*jsonschema.Schema{}
	for _, def := range []string{"Evidence", "Result"} {
		if out[def], err = c.Compile(id + "#/$defs/" + def); err != nil {
			return nil, fmt.Errorf("ob: schema %s, %s: %w", name, def, err)
		}
	}
	return out, nil
})

// ValidateIssuedParts checks the parts of an OpenBadgeCredential (decoded
// JSON) that a request gives award by award, its evidence and its
// credentialSubject's results, against their definitions in the strict
// schema (Evidence, Result), as ValidateIssued checks them in place, with
// the same problem paths. It does not look at the rest: a caller that
// checks whole credentials of one shape on a sample (the rest is the same
// in every credential of the shape) checks these parts on the others.
func ValidateIssuedParts(m map[string]any) error {
	defs, err := issuedParts()
	if err != nil {
		return err
	}
	var probs []Problem
	check := func(def, at string, v any) {
		items, _ := v.([]any)
		for i, it := range items {
			for _, p := range schemaProblems(defs[def], it) {
				p.Path = at + "/" + strconv.Itoa(i) + p.Path
				probs = append(probs, p)
			}
		}
	}
	check("Evidence", "/evidence", m["evidence"])
	if cs, ok := m["credentialSubject"].(map[string]any); ok {
		check("Result", "/credentialSubject/result", cs["result"])
	}
	if len(probs) > 0 {
		sortProblems(&probs)
		return &ValidationError{Kind: KindOpenBadge, Problems: probs}
	}
	return nil
}

// Problem is one reason a document does not conform. Path is a JSON Pointer (RFC 6901)
// to the offending value ("" for the document itself).
type Problem struct {
	Path    string
	Message string
	// Warning marks a problem that does not make the document invalid for reading
	// (e.g. the document uses the VC Data Model 1.1).
	Warning bool
}

// String returns the problem as one line: "path: message".
func (p Problem) String() string {
	path := p.Path
	if path == "" {
		path = "(root)"
	}
	if p.Warning {
		return path + ": warning: " + p.Message
	}
	return path + ": " + p.Message
}

// ValidationError is returned by [ValidateIssued]; it lists every problem found.
type ValidationError struct {
	Kind     Kind
	Problems []Problem
}

// Error returns the first problem, and how many more there are, on one line.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 0 {
		return "invalid " + e.Kind.String()
	}
	s := "invalid " + e.Kind.String() + ": " + e.Problems[0].String()
	if n := len(e.Problems) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more)", n)
	}
	return s
}

// ValidateIssued checks a document Cairn is about to issue against the strict ("formal")
// 1EdTech JSON Schemas: multi-valued properties must be arrays, the VC 2.0 and OB 3.0
// contexts must come first, required properties must be present. doc may be JSON bytes
// (string or []byte or json.RawMessage), a map from encoding/json, or a value of one of
// this package's credential types. Cairn issues VC 2.0 only, so VC 1.1 documents and
// OB 2.0 documents are refused. The error is a *ValidationError, or a *ParseError if doc
// is not JSON.
func ValidateIssued(doc any) error {
	g, err := toGeneric(doc)
	if err != nil {
		return err
	}
	m, ok := g.(map[string]any)
	if !ok {
		return &ValidationError{Problems: []Problem{{Message: "expected object, got " + jsonKind(g)}}}
	}
	k := DetectKind(m)
	switch {
	case k == KindUnknown || k.IsOB2():
		return &ValidationError{Kind: k, Problems: []Problem{{Path: "/type", Message: "Cairn issues OpenBadgeCredential, EndorsementCredential, ClrCredential or Profile, not " + k.String()}}}
	case k != KindProfile && isVC1(anySlice(m["@context"])):
		return &ValidationError{Kind: k, Problems: []Problem{{Path: "/@context/0", Message: "VC Data Model 1.1 context: Cairn issues VC 2.0 (" + ContextVC2 + ")"}}}
	}
	set, err := formalSchemas()
	if err != nil {
		return err
	}
	probs := schemaProblems(set.byKind[k], g)
	if k == KindCLR {
		probs = append(probs, checkArrays(m)...)
		sortProblems(&probs)
	}
	if len(probs) > 0 {
		return &ValidationError{Kind: k, Problems: probs}
	}
	return nil
}

// ValidateRead checks a document Cairn received against the lenient (JSON-LD) 1EdTech
// JSON Schemas, which accept single values where arrays are expected and language maps
// for strings. It returns nil if the document conforms.
//
// VC Data Model 1.1 credentials (context https://www.w3.org/2018/credentials/v1,
// issuanceDate/expirationDate) are still accepted by verifiers but fail the VC 2.0 rules of
// the schema by design. ValidateRead therefore checks a copy in which, for every
// credential in the document, the v1 context is replaced by the v2 one and issuanceDate /
// expirationDate are renamed validFrom / validUntil; any remaining problem is real, and one
// Warning problem notes the VC 1.1 form.
//
// OB 2.0 documents get a structural check of their required properties (1EdTech publishes
// no JSON Schema for them).
func ValidateRead(doc any) []Problem {
	g, err := toGeneric(doc)
	if err != nil {
		return []Problem{{Message: err.Error()}}
	}
	m, ok := g.(map[string]any)
	if !ok {
		return []Problem{{Message: "expected object, got " + jsonKind(g)}}
	}
	k := DetectKind(m)
	switch {
	case k == KindUnknown:
		return []Problem{{Path: "/type", Message: "not an OpenBadgeCredential, EndorsementCredential, ClrCredential, Profile or OB 2.0 document"}}
	case k.IsOB2():
		return ob2Problems(m, k)
	}
	set, err := lenientSchemas()
	if err != nil {
		return []Problem{{Message: err.Error()}}
	}
	var probs []Problem
	if k != KindProfile && isVC1(anySlice(m["@context"])) {
		g = mapVC1(g)
		probs = append(probs, Problem{Path: "/@context/0", Warning: true,
			Message: "VC Data Model 1.1 credential; checked as VC 2.0 after mapping its context and issuanceDate/expirationDate to validFrom/validUntil"})
	}
	return append(probs, schemaProblems(set.byKind[k], g)...)
}

// ValidateSchema checks a received document against the embedded 1EdTech JSON Schema
// whose $id is url, as a credentialSchema of type 1EdTechJsonSchemaValidator2019 asks
// (OB 3.0 §Verification, step 1). The lenient (JSON-LD adaptation) schemas are served
// at the purl URLs credentials name, e.g.
// https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json;
// the formal ones are known by their own $id too. known is false when no embedded schema
// has that $id: schemas are never fetched. A VC 1.1 document is mapped as in
// [ValidateRead], with the same warning.
func ValidateSchema(doc any, url string) (probs []Problem, known bool) {
	var sch *jsonschema.Schema
	for _, load := range []func() (*schemaSet, error){lenientSchemas, formalSchemas} {
		set, err := load()
		if err != nil {
			return []Problem{{Message: err.Error()}}, true
		}
		if s, ok := set.byID[url]; ok {
			sch = s
			break
		}
	}
	if sch == nil {
		return nil, false
	}
	g, err := toGeneric(doc)
	if err != nil {
		return []Problem{{Message: err.Error()}}, true
	}
	if m, ok := g.(map[string]any); ok && isVC1(anySlice(m["@context"])) {
		g = mapVC1(g)
		probs = append(probs, Problem{Path: "/@context/0", Warning: true,
			Message: "VC Data Model 1.1 credential; checked as VC 2.0 after mapping its context and issuanceDate/expirationDate to validFrom/validUntil"})
	}
	return append(probs, schemaProblems(sch, g)...), true
}

func anySlice(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case nil:
		return nil
	}
	return []any{v}
}

// toGeneric turns doc into generic JSON values.
func toGeneric(doc any) (any, error) {
	switch d := doc.(type) {
	case []byte:
		return decodeGeneric(d)
	case json.RawMessage:
		return decodeGeneric(d)
	case string:
		return decodeGeneric([]byte(d))
	case map[string]any:
		return d, nil
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return decodeGeneric(b)
}

// mapVC1 returns a copy of v in which every VC 1.1 credential looks like VC 2.0.
func mapVC1(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = mapVC1(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = mapVC1(e)
		}
		if ctx, ok := out["@context"].([]any); ok && len(ctx) > 0 && ctx[0] == ContextVC1 {
			ctx = slices.Clone(ctx)
			ctx[0] = ContextVC2
			out["@context"] = ctx
			for from, to := range map[string]string{"issuanceDate": "validFrom", "expirationDate": "validUntil"} {
				if d, ok := out[from]; ok {
					if _, dup := out[to]; !dup {
						out[to] = d
						delete(out, from)
					}
				}
			}
		}
		return out
	}
	return v
}

var printer = message.NewPrinter(language.English)

// schemaProblems validates g and turns the error tree into one problem per failing leaf.
// Where oneOf/anyOf failed, only the alternatives that got furthest into the document are
// reported, and of those the ones with the fewest problems: the others are what the
// author plainly did not mean (an issuer Profile with one wrong property is not a badly
// formed language map).
func schemaProblems(sch *jsonschema.Schema, g any) []Problem {
	err := sch.Validate(g)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []Problem{{Message: err.Error()}}
	}
	var probs []Problem
	seen := map[string]bool{}
	for _, leaf := range leaves(ve) {
		p := Problem{Path: jsonPointer(leaf.InstanceLocation), Message: leafMessage(leaf.ErrorKind)}
		if key := p.Path + "\x00" + p.Message; !seen[key] {
			seen[key] = true
			probs = append(probs, p)
		}
	}
	sortProblems(&probs)
	return probs
}

// leafMessage is the message of one failing leaf. A long enumeration (the
// achievementType vocabulary has 31 values) is named by its first values only.
func leafMessage(k jsonschema.ErrorKind) string {
	if e, ok := k.(*kind.Enum); ok && len(e.Want) > 6 {
		var first []string
		for _, w := range e.Want[:4] {
			first = append(first, fmt.Sprintf("%q", w))
		}
		return fmt.Sprintf("%q is not one of the %d values of the enumeration (%s, …)", fmt.Sprint(e.Got), len(e.Want), strings.Join(first, ", "))
	}
	return k.LocalizedString(printer)
}

func sortProblems(p *[]Problem) {
	slices.SortStableFunc(*p, func(a, b Problem) int { return strings.Compare(a.Path, b.Path) })
}

func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	causes := e.Causes
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		best, fewest := -1, 0
		var picked [][]*jsonschema.ValidationError
		for _, c := range causes {
			d, ls := depth(c), leaves(c)
			switch {
			case d > best, d == best && len(ls) < fewest:
				best, fewest, picked = d, len(ls), [][]*jsonschema.ValidationError{ls}
			case d == best && len(ls) == fewest:
				picked = append(picked, ls)
			}
		}
		var out []*jsonschema.ValidationError
		for _, ls := range picked {
			out = append(out, ls...)
		}
		return out
	}
	var out []*jsonschema.ValidationError
	for _, c := range causes {
		out = append(out, leaves(c)...)
	}
	return out
}

func depth(e *jsonschema.ValidationError) int {
	d := len(e.InstanceLocation)
	for _, c := range e.Causes {
		d = max(d, depth(c))
	}
	return d
}

func jsonPointer(tokens []string) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return sb.String()
}

// checkArrays reports multi-valued CLR properties given as single values, which the
// lenient CLR schema lets through but Cairn must not issue.
func checkArrays(m map[string]any) []Problem {
	var probs []Problem
	check := func(obj map[string]any, ptr string, keys ...string) {
		for _, k := range keys {
			if v, ok := obj[k]; ok {
				if _, isArr := v.([]any); !isArr {
					probs = append(probs, Problem{Path: ptr + "/" + k, Message: "must be an array"})
				}
			}
		}
	}
	check(m, "", "@context", "type", "proof", "credentialSchema", "termsOfUse", "evidence", "endorsement", "endorsementJwt")
	if s, ok := m["credentialSubject"].(map[string]any); ok {
		check(s, "/credentialSubject", "type", "identifier", "achievement", "verifiableCredential", "association")
	}
	return probs
}

// ob2Problems checks the properties OB 2.0 requires.
func ob2Problems(m map[string]any, k Kind) []Problem {
	var required []string
	switch k {
	case KindOB2Assertion:
		required = []string{"id", "type", "recipient", "badge", "verification", "issuedOn"}
	case KindOB2BadgeClass:
		required = []string{"id", "type", "name", "description", "image", "criteria", "issuer"}
	case KindOB2Issuer:
		required = []string{"id", "type", "name", "url", "email"}
	}
	var probs []Problem
	for _, r := range required {
		if _, ok := m[r]; !ok {
			probs = append(probs, Problem{Message: fmt.Sprintf("missing property %q", r)})
		}
	}
	if k == KindOB2Assertion {
		if rec, ok := m["recipient"].(map[string]any); ok {
			for _, r := range []string{"type", "identity"} {
				if _, ok := rec[r]; !ok {
					probs = append(probs, Problem{Path: "/recipient", Message: fmt.Sprintf("missing property %q", r)})
				}
			}
		}
	}
	return probs
}
