package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/jsonld"
	"github.com/cairn-badges/cairn/proof"
	"github.com/cairn-badges/cairn/verify"
)

// The VC-API (W3C Credentials Community Group, https://w3c-ccg.github.io/vc-api/)
// under /vc-api: the issue, verify and presentation-verify endpoints that
// other software and the W3C test suites drive.
//
//   - POST /vc-api/credentials/issue (API key or session; the role must
//     allow issuing) signs the client's credential with eddsa-rdfc-2022 as
//     one of the organization's issuers (issuing.Service.IssueCredential):
//     201 {"verifiableCredential": …}; 400 naming the field for a
//     credential that cannot be issued.
//   - POST /vc-api/credentials/verify (public) runs Cairn's verifier:
//     200 {"checks", "warnings", "errors": []} when verified, 400 with the
//     same shape when it failed or is indeterminate.
//   - POST /vc-api/presentations/verify (public) verifies a presentation's
//     proof, when it has one, against options.challenge and options.domain,
//     and each credential it holds.
//
// The VC-API answers bad input with 400, not the 422 of /api/v1, as its
// specification lists.

// VCAPIPrefix is the path the VC-API routes start with.
const VCAPIPrefix = "/vc-api"

func (s *Server) vcRoutes() []route {
	return []route{
		{"POST", "/credentials/issue", cairn.ActionIssue, 0, s.vcIssue},
		{"POST", "/credentials/verify", "", verify.MaxCredentialBytes + 64<<10, s.vcVerify},
		{"POST", "/presentations/verify", "", verify.MaxInputBytes, s.vcVerifyPresentation},
	}
}

// vcIssueRequest is the body of POST /vc-api/credentials/issue.
type vcIssueRequest struct {
	Credential map[string]any `json:"credential"`
	// Options are the VC-API issue options; Cairn takes none.
	Options map[string]any `json:"options,omitempty"`
}

func (s *Server) vcIssue(w http.ResponseWriter, r *http.Request, c *caller) error {
	data, err := readJSON(r, "application/json", "application/ld+json")
	if err != nil {
		return err
	}
	var req vcIssueRequest
	if err := unmarshalVC(data, &req); err != nil {
		return err
	}
	if req.Credential == nil {
		return badRequest("credential", "is required: the unsigned credential to issue")
	}
	for k := range req.Options {
		return badRequest("options."+k, "is not supported: this server signs with eddsa-rdfc-2022 and takes no issue options")
	}
	issued, err := s.Service.IssueCredential(r.Context(), c.orgID, req.Credential)
	if err != nil {
		return as400(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = fmt.Fprintf(w, "{\"verifiableCredential\":%s}\n", issued.JSON)
	return nil
}

// vcVerifyOptions are the options of the verify endpoints. checks is
// accepted and ignored: every check that applies runs.
type vcVerifyOptions struct {
	Checks    []string `json:"checks,omitempty"`
	Challenge string   `json:"challenge,omitempty"`
	Domain    string   `json:"domain,omitempty"`
}

type vcVerifyRequest struct {
	VerifiableCredential json.RawMessage `json:"verifiableCredential"`
	Options              json.RawMessage `json:"options,omitempty"`
}

// VCVerification is the answer of the VC-API verify endpoints: the names
// of the checks that passed, and problem details for warnings and for the
// checks that failed or could not run. Result is Cairn's three-state
// outcome (verified, failed, indeterminate).
type VCVerification struct {
	Result   verify.Outcome `json:"result"`
	Checks   []string       `json:"checks"`
	Warnings []VCProblem    `json:"warnings"`
	Errors   []VCProblem    `json:"errors"`
}

// VCProblem is a problem detail of a VCVerification. Check names the
// check, as Cairn's verification report does (proof, status …).
type VCProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
	Check  string `json:"check,omitempty"`
}

// Problem types of VCProblem.
const (
	vcFailed        = "urn:cairn:verify:failed"
	vcIndeterminate = "urn:cairn:verify:indeterminate"
	vcWarning       = "urn:cairn:verify:warning"
)

func (s *Server) vcVerify(w http.ResponseWriter, r *http.Request, _ *caller) error {
	if s.Verifier == nil {
		return cairn.Errorf(cairn.Unavailable, "verification is not configured on this server")
	}
	data, err := readVCBody(r)
	if err != nil {
		return err
	}
	var req vcVerifyRequest
	if err := unmarshalVC(data, &req); err != nil {
		return err
	}
	if isAbsent(req.VerifiableCredential) {
		return badRequest("verifiableCredential", "is required: the credential to verify (JSON with a proof, or a VC-JWT)")
	}
	if _, err := verifyOptions(req.Options); err != nil {
		return err
	}
	// The credential's own bytes, as sent: the transparency log check
	// digests them.
	rep := s.Verifier.Verify(r.Context(), req.VerifiableCredential)
	out := VCVerification{Checks: []string{}, Warnings: []VCProblem{}, Errors: []VCProblem{}}
	addReport(&out, rep, "")
	return writeVerification(w, &out)
}

type vcPresentationRequest struct {
	VerifiablePresentation json.RawMessage `json:"verifiablePresentation"`
	Options                json.RawMessage `json:"options,omitempty"`
}

// vcPresentation is the part of a presentation the endpoint reads itself;
// the credentials are kept as their bytes.
type vcPresentation struct {
	Context              json.RawMessage `json:"@context"`
	Type                 json.RawMessage `json:"type"`
	VerifiableCredential json.RawMessage `json:"verifiableCredential"`
}

func (s *Server) vcVerifyPresentation(w http.ResponseWriter, r *http.Request, _ *caller) error {
	if s.Verifier == nil {
		return cairn.Errorf(cairn.Unavailable, "verification is not configured on this server")
	}
	data, err := readVCBody(r)
	if err != nil {
		return err
	}
	var req vcPresentationRequest
	if err := unmarshalVC(data, &req); err != nil {
		return err
	}
	if isAbsent(req.VerifiablePresentation) {
		return badRequest("verifiablePresentation", "is required: the presentation to verify")
	}
	opts, err := verifyOptions(req.Options)
	if err != nil {
		return err
	}
	out := VCVerification{Checks: []string{}, Warnings: []VCProblem{}, Errors: []VCProblem{}}
	fail := func(check, format string, args ...any) {
		out.Errors = append(out.Errors, VCProblem{Type: vcFailed, Title: check + " failed", Detail: fmt.Sprintf(format, args...), Check: check})
	}
	var vp map[string]any
	if err := decodeNumbers(req.VerifiablePresentation, &vp); err != nil {
		fail(verify.CheckFormat, "verifiablePresentation: must be a JSON object (an enveloped or JWT presentation is not supported)")
		return writeVerification(w, &out)
	}
	var parts vcPresentation
	_ = json.Unmarshal(req.VerifiablePresentation, &parts) // vp decoded, so this does too
	if reason := presentationShape(vp); reason != "" {
		fail(verify.CheckFormat, "%s", reason)
		return writeVerification(w, &out)
	}
	out.Checks = append(out.Checks, verify.CheckFormat)

	if _, ok := vp["proof"]; ok {
		res, err := proof.VerifyPresentationDI(r.Context(), vp, &did.Resolver{Fetcher: s.fetcher()},
			proof.PresentationOptions{Challenge: opts.Challenge, Domain: opts.Domain})
		switch {
		case err == nil:
			out.Checks = append(out.Checks, "presentation-proof")
		case errors.Is(err, proof.ErrIndeterminate) || res != nil && res.Indeterminate():
			out.Errors = append(out.Errors, VCProblem{Type: vcIndeterminate, Title: "presentation-proof could not be checked", Detail: err.Error(), Check: "presentation-proof"})
		default:
			fail("presentation-proof", "%v", err)
		}
	} else if opts.Challenge != "" || opts.Domain != "" {
		out.Warnings = append(out.Warnings, VCProblem{Type: vcWarning, Title: "unsigned presentation",
			Detail: "the presentation has no proof, so the challenge and domain given in options are not bound to it", Check: "presentation-proof"})
	}

	creds, err := credentialList(parts.VerifiableCredential)
	if err != nil {
		fail(verify.CheckInner, "verifiableCredential: %v", err)
		return writeVerification(w, &out)
	}
	for i, raw := range creds {
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`)) {
			fail(verify.CheckInner, "verifiableCredential[%d]: must be a credential object, not a string", i)
			continue
		}
		addReport(&out, s.Verifier.Verify(r.Context(), raw), fmt.Sprintf("verifiableCredential[%d]", i))
	}
	if len(creds) > 0 && !slices.ContainsFunc(out.Errors, func(p VCProblem) bool { return strings.HasPrefix(p.Detail, "verifiableCredential[") }) {
		out.Checks = append(out.Checks, "credentials")
	}
	return writeVerification(w, &out)
}

// readVCBody reads a verify body: JSON, under the route's size limit and
// the verifier's shape limits (checked on the text, before decoding).
func readVCBody(r *http.Request) ([]byte, error) {
	if err := checkContentType(r, "application/json", "application/ld+json"); err != nil {
		return nil, err
	}
	data, err := readBody(r, verify.MaxInputBytes)
	if err != nil {
		return nil, err
	}
	if err := jsonld.CheckJSONLimits(data, jsonld.Limits{}); err != nil {
		return nil, &requestError{status: http.StatusRequestEntityTooLarge, detail: fmt.Sprintf("the body is larger than the verifier handles: %v", err)}
	}
	return data, nil
}

// unmarshalVC decodes a VC-API body strictly (see unmarshalStrict), with
// numbers kept as written: a credential's numbers are signed as they are.
func unmarshalVC(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return badRequest("", "the request body is empty; send a JSON object")
	}
	if err := checkShape(data, reflect.TypeOf(v).Elem()); err != nil {
		return err
	}
	if err := decodeNumbers(data, v); err != nil {
		return badRequest("", "the JSON body cannot be decoded: %v", err)
	}
	return nil
}

func decodeNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

func isAbsent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

func verifyOptions(raw json.RawMessage) (vcVerifyOptions, error) {
	var o vcVerifyOptions
	if isAbsent(raw) {
		return o, nil
	}
	t := bytes.TrimSpace(raw)
	if t[0] != '{' {
		return o, badRequest("options", "must be an object")
	}
	// Unknown options are ignored: verifying with more checks than asked
	// is never less safe. Known ones must have their type.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(t, &m); err != nil {
		return o, badRequest("options", "must be an object")
	}
	for name, dst := range map[string]any{"checks": &o.Checks, "challenge": &o.Challenge, "domain": &o.Domain} {
		if v, ok := m[name]; ok && !isAbsent(v) {
			if err := json.Unmarshal(v, dst); err != nil {
				want := "a string"
				if name == "checks" {
					want = "a list of strings"
				}
				return o, badRequest("options."+name, "must be %s", want)
			}
		}
	}
	return o, nil
}

// presentationShape checks the data model rules of a presentation
// (https://www.w3.org/TR/vc-data-model-2.0/#presentations), returning what
// is wrong, or "".
func presentationShape(vp map[string]any) string {
	ctx, _ := vp["@context"].([]any)
	if s, ok := vp["@context"].(string); ok {
		ctx = []any{s}
	}
	switch {
	case vp["@context"] == nil:
		return "@context: missing"
	case len(ctx) == 0 || ctx[0] != "https://www.w3.org/ns/credentials/v2" && ctx[0] != "https://www.w3.org/2018/credentials/v1":
		return fmt.Sprintf("@context: the first context must be %q", "https://www.w3.org/ns/credentials/v2")
	}
	for i, c := range ctx[1:] {
		switch c := c.(type) {
		case string:
			if !strings.Contains(c, ":") || strings.ContainsAny(c, " \t\n") {
				return fmt.Sprintf("@context[%d]: %q is not a URL", i+1, c)
			}
		case map[string]any:
		default:
			return fmt.Sprintf("@context[%d]: must be a URL or an object", i+1)
		}
	}
	var types []any
	switch t := vp["type"].(type) {
	case string:
		types = []any{t}
	case []any:
		types = t
	}
	if !slices.Contains(types, any("VerifiablePresentation")) {
		return "type: must include \"VerifiablePresentation\""
	}
	if h, ok := vp["holder"]; ok {
		switch h := h.(type) {
		case string:
			if !strings.Contains(h, ":") {
				return fmt.Sprintf("holder: %q is not a URL", h)
			}
		case map[string]any:
			if id, _ := h["id"].(string); !strings.Contains(id, ":") {
				return "holder.id: must be a URL"
			}
		default:
			return "holder: must be a URL or an object with an id"
		}
	}
	return ""
}

// credentialList returns the credentials of a presentation, each as sent.
func credentialList(raw json.RawMessage) ([]json.RawMessage, error) {
	t := bytes.TrimSpace(raw)
	switch {
	case isAbsent(t):
		return nil, nil
	case t[0] == '[':
		var list []json.RawMessage
		if err := json.Unmarshal(t, &list); err != nil {
			return nil, err
		}
		return list, nil
	}
	return []json.RawMessage{t}, nil
}

// addReport adds a verification report to out: the checks that passed (by
// name, once), a problem for each that did not, and the warnings. label
// prefixes the details of a credential inside a presentation.
func addReport(out *VCVerification, rep *verify.Report, label string) {
	prefix := ""
	if label != "" {
		prefix = label + ": "
	}
	errs := len(out.Errors)
	for _, c := range rep.Checks {
		switch c.Outcome {
		case verify.Verified:
			if label == "" && !slices.Contains(out.Checks, c.Name) {
				out.Checks = append(out.Checks, c.Name)
			}
		case verify.Failed:
			out.Errors = append(out.Errors, VCProblem{Type: vcFailed, Title: c.Name + " failed", Detail: prefix + c.Reason, Check: c.Name})
		default:
			out.Errors = append(out.Errors, VCProblem{Type: vcIndeterminate, Title: c.Name + " could not be checked", Detail: prefix + c.Reason, Check: c.Name})
		}
	}
	if rep.Result != verify.Verified && len(out.Errors) == errs {
		// Not verified although no check failed: no proof check passed.
		t, title := vcIndeterminate, "not verified"
		if rep.Result == verify.Failed {
			t, title = vcFailed, "verification failed"
		}
		out.Errors = append(out.Errors, VCProblem{Type: t, Title: title, Detail: prefix + rep.Summary(), Check: verify.CheckProof})
	}
	for _, wn := range rep.Warnings {
		out.Warnings = append(out.Warnings, VCProblem{Type: vcWarning, Title: "warning", Detail: prefix + wn})
	}
	if label == "" {
		out.Result = rep.Result
	}
}

// writeVerification answers 200 when nothing is in Errors, 400 otherwise.
func writeVerification(w http.ResponseWriter, out *VCVerification) error {
	status := http.StatusOK
	switch {
	case len(out.Errors) == 0:
		out.Result = verify.Verified
	case out.Result == "" || out.Result == verify.Verified:
		out.Result = verify.Failed
		if !slices.ContainsFunc(out.Errors, func(p VCProblem) bool { return p.Type == vcFailed }) {
			out.Result = verify.Indeterminate
		}
	}
	if len(out.Errors) > 0 {
		status = http.StatusBadRequest
	}
	return writeJSON(w, status, out)
}

// fetcher returns what the presentation verifier resolves DIDs with: the
// credential verifier's fetcher when it is Cairn's, offline otherwise
// (did:key still resolves).
func (s *Server) fetcher() fetch.Fetcher {
	if v, ok := s.Verifier.(*verify.Verifier); ok && v.Fetcher != nil {
		return v.Fetcher
	}
	return fetch.Offline
}

// as400 turns an Invalid error of the service into the VC-API's 400,
// keeping the field and message.
func as400(err error) error {
	if cairn.KindOf(err) != cairn.Invalid {
		return err
	}
	var re *requestError
	if errors.As(err, &re) {
		return err
	}
	msg := cairn.PublicMessage(err)
	field := cairn.FieldOf(err)
	msg = strings.TrimPrefix(msg, field+": ")
	return badRequest(field, "%s", msg)
}
