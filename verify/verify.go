// Package verify is Cairn's verification pipeline for Open Badges 3.0,
// CLR 2.0 and Verifiable Credentials. It reads a credential in any of the
// forms OB 3.0 allows (JSON with an embedded proof, VC-JWT, or either baked
// into a PNG or SVG badge), and runs each check in turn: format and JSON
// Schema, proof, issuer key, status, validity dates, the inner credentials of
// a CLR, and endorsements.
//
// The Report has three outcomes, never two (DESIGN.md): Verified when every
// check ran and passed, Failed when one failed (with which and why), and
// Indeterminate when none failed but one could not run — a status list or a
// DID document that could not be fetched is not "not revoked".
//
// The package does no I/O of its own: everything it fetches (DID documents,
// status lists) goes through the fetch.Fetcher it is given, so a verifier can
// be offline, or answer URLs from local files.
package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn/bake"
	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/jsonld"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/proof"
	"github.com/cairn-badges/cairn/status"
)

// Limits on what one verification may do. The shape of a credential's JSON
// (depth, objects, array elements, members, contexts) is bounded by
// jsonld.DefaultLimits, checked before any other work on it.
const (
	// MaxCredentialBytes caps a credential: its JSON or its JWT, given as
	// is or baked in an image.
	MaxCredentialBytes = 1 << 20
	// MaxInputBytes caps the input: a baked PNG or SVG badge may be larger
	// than the credential it carries.
	MaxInputBytes = 8 << 20
	// MaxDepth caps nesting: a CLR holding credentials with endorsements is
	// depth 2.
	MaxDepth = 3
	// MaxNested caps the credentials verified inside one input (CLR inner
	// credentials and endorsements, at every depth).
	MaxNested = 200
	// MaxFetches caps the documents (DID documents, status lists) one
	// verification fetches, nested credentials included: past it a check
	// that needs another is indeterminate.
	MaxFetches = 32
	// DefaultTimeout bounds a whole verification when the caller's context
	// has no deadline.
	DefaultTimeout = 30 * time.Second
)

// A Verifier verifies credentials. The zero value is not usable: set Fetcher
// (fetch.Offline to forbid the network).
type Verifier struct {
	// Fetcher fetches DID documents and status lists.
	Fetcher fetch.Fetcher
	// Now is the clock for validity dates (default time.Now).
	Now func() time.Time
	// Skew is the clock skew tolerated on validity dates (default 5 minutes).
	Skew time.Duration

	// The transparency log check (see [LogURL] and the CheckLog outcomes).

	// LogKeys are log keys the verifier trusts, each named as its log's
	// origin (note.NewVerifier of a key from {base}/log/key, or given by
	// the issuer out of band).
	LogKeys []note.Verifier
	// LogPins remembers the keys of the logs not in LogKeys, trusted on
	// first use: fetched from {log}/key the first time, then required.
	// Nil means a MemoryPins private to this Verifier.
	LogPins LogKeyPins
	// LogCheckpoints are signed checkpoints saved earlier (by cairn log
	// audit, say). A log's checkpoint must be consistent with the saved
	// ones of the same origin.
	LogCheckpoints [][]byte
	// LogWitnesses are witness cosigners (translog.NewCosignatureVerifier)
	// each of which must have cosigned a log's checkpoint.
	LogWitnesses []note.Verifier

	pinsOnce sync.Once
	memPins  *MemoryPins
}

// pins returns the LogKeyPins in use.
func (v *Verifier) pins() LogKeyPins {
	if v.LogPins != nil {
		return v.LogPins
	}
	v.pinsOnce.Do(func() { v.memPins = &MemoryPins{} })
	return v.memPins
}

// New returns a Verifier that fetches through f.
func New(f fetch.Fetcher) *Verifier { return &Verifier{Fetcher: f} }

type run struct {
	v        *Verifier
	fetcher  fetch.Fetcher // v's, counting what it fetches
	fetches  atomic.Int32
	resolver *did.Resolver
	now      time.Time
	nested   int
}

// Verify verifies input, which may be credential JSON, a compact JWS
// (VC-JWT), a JSON string or {"jwt": …} holding one, or a PNG or SVG image
// with a baked credential. It always returns a report; malformed input gives
// a Failed report whose format check says what is wrong and where.
func (v *Verifier) Verify(ctx context.Context, input []byte) *Report {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	fetcher := v.Fetcher
	if fetcher == nil {
		fetcher = fetch.Offline
	}
	r := &run{v: v, now: now()}
	r.fetcher = fetch.Func(func(ctx context.Context, url string) ([]byte, error) {
		if r.fetches.Add(1) > MaxFetches {
			return nil, fmt.Errorf("not fetching %s: one verification fetches at most %d documents: %w", url, MaxFetches, fetch.ErrUnavailable)
		}
		return fetcher.Fetch(ctx, url)
	})
	r.resolver = &did.Resolver{Fetcher: r.fetcher}
	rep := r.verifyInput(ctx, input, 0)
	if ctx.Err() != nil {
		// Checks cut short say so themselves (a context error is
		// indeterminate); this says why, once, and keeps the report from
		// reading as complete.
		rep.add(CheckFormat, Indeterminate, "not verified: the verification ran out of time before every check could run (%s)", timeoutCause(ctx))
		rep.finish()
	}
	return rep
}

// timeoutCause names why ctx ended, in words.
func timeoutCause(ctx context.Context) string {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, context.DeadlineExceeded):
		return "its deadline passed"
	case errors.Is(cause, context.Canceled):
		return "it was cancelled"
	default:
		return cause.Error()
	}
}

func (r *run) verifyInput(ctx context.Context, input []byte, depth int) *Report {
	rep := &Report{}
	defer rep.finish()
	if len(input) > MaxInputBytes {
		rep.add(CheckFormat, Failed, "input is %d bytes, more than the %d allowed", len(input), MaxInputBytes)
		return rep
	}
	if _, err := bake.Detect(input); err != nil && len(input) > MaxCredentialBytes {
		rep.add(CheckFormat, Failed, "credential is %d bytes, more than the %d allowed", len(input), MaxCredentialBytes)
		return rep
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(input, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		rep.add(CheckFormat, Failed, "input is empty")
		return rep
	}
	if _, err := bake.Detect(trimmed); err == nil {
		b, err := bake.Unbake(trimmed)
		if err != nil {
			rep.add(CheckFormat, Failed, "%v", err)
			return rep
		}
		rep.Container = string(b.Format)
		if len(b.Payload) > MaxCredentialBytes {
			rep.add(CheckFormat, Failed, "the baked credential is %d bytes, more than the %d allowed", len(b.Payload), MaxCredentialBytes)
			return rep
		}
		if b.Version == bake.OB2 {
			r.verifyOB2(ctx, rep, b.Payload, b.Kind == bake.URL, nil)
			return rep
		}
		trimmed = bytes.TrimSpace(b.Payload)
	}
	r.verifyPayload(ctx, rep, trimmed, depth)
	return rep
}

// verifyPayload verifies JSON or a JWT (not an image).
func (r *run) verifyPayload(ctx context.Context, rep *Report, data []byte, depth int) {
	rep.signed = [][]byte{data}
	if data[0] != '{' && data[0] != '"' {
		r.verifyJWT(ctx, rep, string(data), depth)
		return
	}
	if err := jsonld.CheckJSONLimits(data, jsonld.Limits{}); err != nil {
		rep.add(CheckFormat, Indeterminate, "not verified: the credential is larger than this verifier handles (%v)", err)
		return
	}
	var v any
	if err := decodeJSON(data, &v); err != nil {
		rep.add(CheckFormat, Failed, "%v", err)
		return
	}
	if err := jsonld.CheckLimits(v, jsonld.Limits{}); err != nil {
		rep.add(CheckFormat, Indeterminate, "not verified: the credential is larger than this verifier handles (%v)", err)
		return
	}
	r.verifyValue(ctx, rep, v, depth)
}

// verifyValue verifies a decoded JSON value: a credential object, a JWT
// string, {"jwt": …}, or an EnvelopedVerifiableCredential.
func (r *run) verifyValue(ctx context.Context, rep *Report, v any, depth int) {
	switch x := v.(type) {
	case string:
		r.verifyJWT(ctx, rep, x, depth)
		return
	case map[string]any:
		if tok, ok := jwtOf(x); ok {
			r.verifyJWT(ctx, rep, tok, depth)
			return
		}
		if hasType(x, "VerifiablePresentation") {
			r.verifyPresentation(ctx, rep, x, depth)
			return
		}
		r.verifyCredential(ctx, rep, x, "ldp_vc", depth)
	default:
		rep.add(CheckFormat, Failed, "input: expected a JSON object (credential) or a JWT, got %s", jsonKind(v))
	}
}

// jwtOf returns the compact JWS in {"jwt": "…"} or in an
// EnvelopedVerifiableCredential ("data:application/vc+jwt,…").
func jwtOf(m map[string]any) (string, bool) {
	if len(m) == 1 {
		if s, ok := m["jwt"].(string); ok {
			return s, true
		}
	}
	if hasType(m, "EnvelopedVerifiableCredential") {
		if id, ok := m["id"].(string); ok {
			for _, p := range []string{"data:application/vc+jwt,", "data:application/vc-ld+jwt,", "data:application/jwt,"} {
				if strings.HasPrefix(id, p) {
					return strings.TrimPrefix(id, p), true
				}
			}
		}
	}
	return "", false
}

func (r *run) verifyJWT(ctx context.Context, rep *Report, token string, depth int) {
	rep.signed = [][]byte{[]byte(token)}
	res, err := proof.VerifyJWTWithOptions(ctx, token, r.resolver, proof.JWTOptions{Now: func() time.Time { return r.now }, Skew: r.skew()})
	if res == nil || res.Credential == nil {
		rep.Format = "jwt"
		rep.add(CheckFormat, Failed, "%v", errText(err))
		return
	}
	rep.Format = res.Format
	for _, w := range res.WarningMessages { // formats scanned by TestMessagesTranslated
		rep.warnMessage(Message{Key: w.Format, Args: w.Args})
	}
	r.describe(rep, res.Credential)
	if err := jsonld.CheckLimits(res.Credential, jsonld.Limits{}); err != nil {
		rep.add(CheckFormat, Indeterminate, "not verified: the credential is larger than this verifier handles (%v)", err)
		return
	}
	rep.addMessages(CheckFormat, Verified, formatName(rep.Format, rep.Container, res.Credential))
	if ctx.Err() == nil { // the schema library takes no context: not started late
		r.schema(rep, res.Credential)
	}
	unknownContexts(rep, res.Credential)
	switch {
	case err == nil:
		rep.add(CheckProof, Verified, "JWS signature (%s) verified", res.Alg)
		rep.addMessages(CheckIssuerKey, Verified, keyReason(res))
	case errors.Is(err, proof.ErrIndeterminate):
		rep.add(CheckIssuerKey, Indeterminate, "%v", errText(err))
		rep.add(CheckProof, Indeterminate, "the signature could not be checked without the issuer's key")
	default:
		name := CheckProof
		var pe *proof.Error
		if errors.As(err, &pe) && isKeyCheck(pe.Check) {
			name = CheckIssuerKey
		}
		rep.add(name, Failed, "%v", errText(err))
	}
	r.rest(ctx, rep, res.Credential, depth)
}

// unknownContexts warns of the @context URLs of a VC-JWT that are not
// embedded: the JWS signature does not depend on them, but what the terms
// they define mean could not be checked. (In an embedded proof they make
// the proof indeterminate.)
func unknownContexts(rep *Report, cred map[string]any) {
	for _, c := range asList(cred["@context"]) {
		if u, ok := c.(string); ok {
			if _, known := jsonld.Context(u); !known {
				rep.warn("unknown JSON-LD context %s: the signature does not depend on it, but the terms it defines were not checked", u)
			}
		}
	}
}

func keyReason(res *proof.JWTResult) Message {
	switch res.KeySource {
	case proof.KeyFromJWK:
		return msg("key taken from the JWS header (jwk): it proves integrity, not who the issuer is")
	case "":
		return msg("key given by the verifier")
	}
	if res.VerificationMethod != "" {
		return msg("%s belongs to the issuer %s (assertionMethod)", res.VerificationMethod, res.Controller)
	}
	return msg("key of the issuer %s (assertionMethod)", res.Controller)
}

// isKeyCheck reports whether a proof error concerns the issuer's key rather
// than the signature itself.
func isKeyCheck(check string) bool {
	switch check {
	case "key", "controller", "verificationMethod", "kid", "jwk", "issuer":
		return true
	}
	return false
}

// verifyCredential verifies a credential with embedded proofs.
func (r *run) verifyCredential(ctx context.Context, rep *Report, cred map[string]any, format string, depth int) {
	rep.Format = format
	r.describe(rep, cred)
	if _, ok := cred["@context"]; !ok {
		rep.add(CheckFormat, Failed, "@context: missing; this is not a Verifiable Credential")
		return
	}
	if looksOB2(cred) {
		r.verifyOB2(ctx, rep, nil, false, cred)
		return
	}
	rep.addMessages(CheckFormat, Verified, formatName(format, rep.Container, cred))
	if ctx.Err() == nil { // the schema library takes no context: not started late
		r.schema(rep, cred)
	}
	if _, ok := cred["proof"]; !ok {
		rep.add(CheckProof, Failed, "proof: missing; the credential is not signed")
	} else {
		kf := newKeyForms(r.resolver, proof.IssuerID(cred))
		res, err := proof.VerifyDI(ctx, cred, kf)
		r.addDI(rep, res, err, kf)
	}
	r.rest(ctx, rep, cred, depth)
}

// addDI reports the outcome of VerifyDI; kf, if not nil, is the resolver
// it used, which says how each key was bound to the issuer.
func (r *run) addDI(rep *Report, res *proof.Result, err error, kf *keyForms) {
	if res == nil || len(res.Proofs) == 0 {
		rep.add(CheckProof, outcomeOf(err), "%v", errText(err))
		return
	}
	keyOutcome, proofOutcome := Verified, Verified
	var keyReasons, proofReasons []Message
	for _, p := range res.Proofs {
		label := p.Type
		if p.Cryptosuite != "" {
			label += " " + p.Cryptosuite
		}
		o := Outcome(p.Outcome)
		if p.Outcome == proof.Unsupported {
			o = Indeterminate
		}
		var pe *proof.Error
		var uc *jsonld.UnknownContextError
		switch {
		case o == Verified && p.Controller != rep.Issuer:
			// Another party's proof (a co-signer's, a chain's): it must
			// verify with its own keys, and says so, but it does not vouch
			// for the issuer.
			proofReasons = append(proofReasons, msg("%s verified", label))
			keyReasons = append(keyReasons, msg("also signed by %s, not the issuer (%s, assertionMethod)", p.Controller, p.VerificationMethod))
		case o == Verified && kf != nil:
			proofReasons = append(proofReasons, msg("%s verified", label))
			ko, reason, warning := kf.note(p.VerificationMethod, p.Controller)
			keyOutcome = worst(keyOutcome, ko)
			keyReasons = append(keyReasons, reason)
			if warning.Key != "" {
				rep.warnMessage(warning)
			}
		case o == Verified:
			proofReasons = append(proofReasons, msg("%s verified", label))
			keyReasons = append(keyReasons, msg("%s belongs to the issuer %s (assertionMethod)", p.VerificationMethod, p.Controller))
		case errors.As(p.Err, &pe) && isKeyCheck(pe.Check):
			keyOutcome = worst(keyOutcome, o)
			keyReasons = append(keyReasons, msg("%s", errText(p.Err)))
			proofOutcome = worst(proofOutcome, Indeterminate)
			if o == Failed {
				proofOutcome = Failed
			}
			proofReasons = append(proofReasons, msg("%s: not checked, the key is not the issuer's", label))
		case errors.As(p.Err, &uc):
			// Not a proof failure: what the document means is unknown.
			proofOutcome = worst(proofOutcome, o)
			proofReasons = append(proofReasons, msg("%s: cannot verify: unknown JSON-LD context %s (Cairn uses only the contexts it embeds, and fetches none)", label, uc.URL))
			keyReasons = append(keyReasons, msg("%s belongs to the issuer %s (assertionMethod)", p.VerificationMethod, p.Controller))
		default:
			proofOutcome = worst(proofOutcome, o)
			proofReasons = append(proofReasons, msg("%s: %s", label, errText(p.Err)))
			if p.Controller != "" {
				keyReasons = append(keyReasons, msg("%s belongs to the issuer %s (assertionMethod)", p.VerificationMethod, p.Controller))
			}
		}
	}
	if len(keyReasons) == 0 {
		keyOutcome = worst(keyOutcome, Indeterminate)
		keyReasons = append(keyReasons, msg("not checked: the proof failed before its key was looked up"))
	}
	rep.addMessages(CheckProof, proofOutcome, proofReasons...)
	rep.addMessages(CheckIssuerKey, keyOutcome, keyReasons...)
}

// rest runs the checks common to every credential format once the proof is
// done: status, dates, inner credentials and endorsements.
func (r *run) rest(ctx context.Context, rep *Report, cred map[string]any, depth int) {
	rep.Credential = cred
	r.checkStatus(ctx, rep, cred, depth)
	if depth == 0 {
		// Nested credentials are re-encoded JSON, not the bytes their
		// issuer signed and logged: only the presented credential is
		// looked up.
		r.checkLog(ctx, rep, cred, rep.signed)
	}
	r.checkDates(rep, cred)
	r.checkInner(ctx, rep, cred, depth)
	r.checkEndorsements(ctx, rep, cred, depth)
}

// schema is step 1 of OB 3.0 §Verification
// (https://www.imsglobal.org/spec/ob/v3p0/#verification): the credential is
// checked against JSON Schema only when a credentialSchema of type
// 1EdTechJsonSchemaValidator2019 asks for it, and then a problem fails the
// check. Otherwise the credential conforms when its subject has an id or an
// identifier, and what the (lenient) JSON Schema would flag is a warning on
// the schema line, with its JSON pointer: an image given as a URL, an
// achievementType outside the vocabulary, a missing validFrom. A credential
// that is not an Open Badge is checked as a W3C Verifiable Credential.
func (r *run) schema(rep *Report, cred map[string]any) {
	if ob.DetectKind(cred) == ob.KindUnknown {
		vcSchema(rep, cred)
		return
	}
	var asked, lines []string
	seen := map[string]bool{}
	addProblems := func(probs []ob.Problem, to *[]string) {
		for _, p := range probs {
			if s := p.String(); p.Warning && !seen[s] {
				seen[s] = true
				rep.warn("%s", s)
			} else if !p.Warning {
				*to = append(*to, s)
			}
		}
	}
	for _, it := range asList(cred["credentialSchema"]) {
		cs, _ := it.(map[string]any)
		url, typ := stringField(cs, "id"), stringField(cs, "type")
		if typ != "1EdTechJsonSchemaValidator2019" {
			rep.note("credentialSchema %s (type %q) not checked: only 1EdTechJsonSchemaValidator2019 is a step of OB 3.0 verification", url, typ)
			continue
		}
		probs, known := ob.ValidateSchema(cred, url)
		if !known {
			rep.warn("credentialSchema %s not checked: Cairn has no copy of this JSON Schema and fetches none", url)
			continue
		}
		asked = append(asked, url)
		addProblems(probs, &lines)
	}
	if len(asked) > 0 {
		if len(lines) == 0 {
			rep.add(CheckSchema, Verified, "valid against the JSON Schema its credentialSchema names (%s)", strings.Join(asked, ", "))
			return
		}
		if len(lines) > 5 {
			lines = append(lines[:5], fmt.Sprintf("and %d more", len(lines)-5))
		}
		rep.add(CheckSchema, Failed, "not valid against the JSON Schema its credentialSchema names: %s", strings.Join(lines, "; "))
		return
	}
	var deviations []string
	addProblems(ob.ValidateRead(cred), &deviations)
	if len(deviations) > maxSchemaWarnings {
		deviations = append(deviations[:maxSchemaWarnings], fmt.Sprintf("and %d more", len(deviations)-maxSchemaWarnings))
	}
	by, ok := subjectIdentified(cred)
	if !ok {
		rep.addWarned(CheckSchema, Failed, deviations, "credentialSubject: %s; OB 3.0 requires the subject to have an id or an identifier", by)
		return
	}
	reason := msg("conforms: the subject is identified by its %s, and it is valid against the %s JSON Schema", by, schemaName(cred))
	if len(deviations) > 0 {
		reason = msg("conforms: the subject is identified by its %s, and no credentialSchema asks for JSON Schema validation; where it differs from the %s JSON Schema is listed below, as warnings", by, schemaName(cred))
	}
	rep.addMessages(CheckSchema, Verified, reason)
	rep.Checks[len(rep.Checks)-1].Warnings = deviations
}

// maxSchemaWarnings caps the schema deviations listed on the schema line.
const maxSchemaWarnings = 20

// subjectIdentified reports whether every credentialSubject has an id or a
// non-empty identifier, and names which (or what is wrong).
func subjectIdentified(cred map[string]any) (string, bool) {
	subjects := asList(cred["credentialSubject"])
	if len(subjects) == 0 {
		return "missing", false
	}
	by := "id"
	for _, it := range subjects {
		subj, ok := it.(map[string]any)
		switch {
		case !ok:
			return "not an object", false
		case stringField(subj, "id") != "":
		case len(asList(subj["identifier"])) > 0:
			by = "identifier"
		default:
			return "has neither id nor identifier", false
		}
	}
	return by, true
}

// vcSchema checks what the W3C VC Data Model (2.0 or 1.1) requires of a
// credential that is not an Open Badge: it is verified as a VC (proof,
// issuer key, status, dates), with a note saying so.
func vcSchema(rep *Report, cred map[string]any) {
	var probs []string
	ctx := asList(cred["@context"])
	version := "2.0"
	switch {
	case len(ctx) > 0 && ctx[0] == ob.ContextVC2:
	case isVC1(cred):
		version = "1.1"
	default:
		probs = append(probs, fmt.Sprintf("/@context/0: must be %s (VC 2.0) or %s (VC 1.1)", ob.ContextVC2, ob.ContextVC1))
	}
	if !hasType(cred, "VerifiableCredential") {
		probs = append(probs, "/type: must include VerifiableCredential")
	}
	if proof.IssuerID(cred) == "" {
		probs = append(probs, "/issuer: missing, or an object without id")
	}
	if _, ok := subjectIdentified(cred); !ok && len(asList(cred["credentialSubject"])) == 0 {
		probs = append(probs, "/credentialSubject: missing")
	}
	if len(probs) > 0 {
		rep.add(CheckSchema, Failed, "not a Verifiable Credential: %s", strings.Join(probs, "; "))
		return
	}
	rep.add(CheckSchema, Verified, "has what the W3C VC Data Model %s requires; it is not an Open Badge, so no Open Badges JSON Schema applies", version)
	rep.note("not an Open Badge (no OpenBadgeCredential, AchievementCredential, EndorsementCredential or ClrCredential type): verified as a W3C Verifiable Credential: proof, issuer key, status and dates")
}

func schemaName(cred map[string]any) string {
	switch {
	case hasType(cred, "ClrCredential"):
		return "CLR 2.0 ClrCredential"
	case hasType(cred, "EndorsementCredential"):
		return "OB 3.0 EndorsementCredential"
	case hasType(cred, "OpenBadgeCredential"), hasType(cred, "AchievementCredential"):
		return "OB 3.0 AchievementCredential"
	}
	return "Verifiable Credential"
}

func (r *run) skew() time.Duration {
	if r.v.Skew != 0 {
		return r.v.Skew
	}
	return proof.DefaultClockSkew
}

// checkDates checks validFrom/validUntil (VC 2.0) or
// issuanceDate/expirationDate (VC 1.1) against the clock.
func (r *run) checkDates(rep *Report, cred map[string]any) {
	from, fromName := dateField(cred, "validFrom", "issuanceDate")
	until, untilName := dateField(cred, "validUntil", "expirationDate")
	skew := r.skew()
	var fromT, untilT time.Time
	var err error
	if from != "" {
		if fromT, err = parseDate(from); err != nil {
			rep.add(CheckDates, Failed, "%s: %v", fromName, err)
			return
		}
	}
	if until != "" {
		if untilT, err = parseDate(until); err != nil {
			rep.add(CheckDates, Failed, "%s: %v", untilName, err)
			return
		}
	}
	// VC 2.0 makes validFrom optional
	// (https://www.w3.org/TR/vc-data-model-2.0/#validity-period); VC 1.1
	// requires issuanceDate (https://www.w3.org/TR/vc-data-model-1.1/#issuance-date).
	switch {
	case from == "" && isVC1(cred):
		rep.add(CheckDates, Failed, "issuanceDate: missing; the VC Data Model 1.1 requires it")
	case from != "" && fromT.After(r.now.Add(skew)):
		rep.add(CheckDates, Failed, "not yet valid: %s is %s", fromName, from)
	case until != "" && !untilT.After(r.now.Add(-skew)):
		rep.add(CheckDates, Failed, "expired on %s (%s)", untilT.UTC().Format("2 January 2006 15:04 MST"), untilName)
	case from != "" && until != "" && untilT.Before(fromT):
		rep.add(CheckDates, Failed, "%s (%s) is before %s (%s)", untilName, until, fromName, from)
	case from != "" && until != "":
		rep.add(CheckDates, Verified, "valid from %s until %s", fromT.UTC().Format(time.DateOnly), untilT.UTC().Format(time.DateOnly))
	case from != "":
		rep.add(CheckDates, Verified, "valid from %s, no expiry", fromT.UTC().Format(time.DateOnly))
	case until != "":
		rep.add(CheckDates, Verified, "valid until %s; no validFrom (optional in VC 2.0)", untilT.UTC().Format(time.DateOnly))
	default:
		rep.add(CheckDates, Verified, "no validity period: neither validFrom nor validUntil (both optional in VC 2.0)")
	}
}

func dateField(cred map[string]any, names ...string) (string, string) {
	for _, n := range names {
		if s, ok := cred[n].(string); ok {
			return s, n
		}
	}
	return "", names[0]
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an XML Schema dateTime", s)
}

// checkStatus checks every credentialStatus entry against its list.
func (r *run) checkStatus(ctx context.Context, rep *Report, cred map[string]any, depth int) {
	raw, ok := cred["credentialStatus"]
	if !ok {
		return
	}
	entries, err := status.ParseEntries(raw)
	if err != nil {
		rep.add(CheckStatus, Failed, "credentialStatus: %v", err)
		return
	}
	outcome := Verified
	var reasons []Message
	for _, e := range entries {
		o, reason := r.checkEntry(ctx, cred, e, depth)
		outcome = worst(outcome, o)
		reasons = append(reasons, reason)
	}
	rep.addMessages(CheckStatus, outcome, reasons...)
}

func (r *run) checkEntry(ctx context.Context, cred map[string]any, e *status.Entry, depth int) (Outcome, Message) {
	url := e.ListURL()
	purpose := string(e.Purpose)
	data, err := r.fetcher.Fetch(ctx, url)
	if err != nil {
		return Indeterminate, pastMsg(e.Purpose, "%s: the status list could not be fetched (%v), so the credential may be {past}", purpose, err)
	}
	// The list is itself a credential: verify it before trusting it, but
	// without following its own status (lists have none) or nesting further.
	listRep := r.verifyInputNoStatus(ctx, data, depth)
	if listRep.Credential == nil {
		return Failed, msg("%s: the status list at %s is not a credential: %s", purpose, url, listRep.Summary())
	}
	list, err := status.ParseListCredential(listRep.Credential)
	if err != nil {
		return Failed, msg("%s: the status list at %s: %v", purpose, url, err)
	}
	// Trust: the list must verify, with its own issuer's key; that issuer
	// may differ from the credential's. A 1EdTech revocation list is often
	// a plain document; unsigned, it can still reveal a revocation, but
	// never confirm there is none.
	trusted, why := listTrust(listRep, list)
	if trusted == Failed && list.Type != status.Type1EdTechRevocationList {
		return Failed, msg("%s: the status list at %s %s", purpose, url, why)
	}
	if trusted == Indeterminate && list.Type != status.Type1EdTechRevocationList {
		return Indeterminate, msg("%s: the status list at %s %s", purpose, url, why)
	}
	// The list's own validity, with the same clock skew as credential dates:
	// a list signed on demand a moment ago may carry a validFrom just ahead
	// of this clock.
	if err := listCurrent(list, r.now, r.skew()); err != nil {
		return Indeterminate, msg("%s: the status list at %s is not current (%v), so the credential's present status is unknown", purpose, url, err)
	}
	st, err := status.Check(e, list, stringField(cred, "id"))
	if err != nil {
		return Failed, msg("%s: %v", purpose, err)
	}
	if !st.Set && trusted != Verified {
		return Indeterminate, msg("%s: the list at %s does not list this credential, but it %s", purpose, url, why)
	}
	if st.Set {
		where := url
		if e.Type != status.Type1EdTechRevocationList {
			where += fmt.Sprintf(", index %d", e.Index)
		}
		reason := pastMsg(e.Purpose, "%s: the issuer has {past} this credential (status list %s)", purpose, where)
		if st.Reason != "" {
			reason = pastMsg(e.Purpose, "%s: the issuer has {past} this credential (status list %s): %s", purpose, where, st.Reason)
		}
		if e.Purpose == status.Revocation || e.Purpose == status.Suspension {
			return Failed, reason
		}
		return Verified, msg("%s: status set to %d (status list %s)", purpose, st.Value, url)
	}
	if issuer := proof.IssuerID(cred); list.Issuer != issuer {
		// https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential:
		// the issuers of the credential and of its status list MAY differ.
		return Verified, pastMsg(e.Purpose, "%s: not {past} (status list %s, signed by %s, not the credential's issuer)", purpose, url, list.Issuer)
	}
	return Verified, pastMsg(e.Purpose, "%s: not {past} (status list %s, signed by the issuer)", purpose, url)
}

// pastMsg is msg with {past} in format replaced by what the purpose p
// makes of a credential ("revoked"), so that the word is in the key.
func pastMsg(p status.Purpose, format string, args ...any) Message {
	return msg(strings.ReplaceAll(format, "{past}", pastTense(p)), args...)
}

// outcomeMsg is msg with {outcome} in format replaced by o, so that the
// word is in the key.
func outcomeMsg(o Outcome, format string, args ...any) Message {
	return msg(strings.ReplaceAll(format, "{outcome}", string(o)), args...)
}

// listTrust says whether a status list document can be trusted, and if
// not, why: it must have a proof that verifies with a key of its own
// issuer. Who that issuer is, is for the caller to report.
func listTrust(listRep *Report, list *status.List) (Outcome, string) {
	pc := listRep.Check(CheckProof)
	if pc == nil {
		return Failed, "is not signed"
	}
	if pc.Outcome != Verified {
		return pc.Outcome, "has a proof that did not verify: " + pc.Reason
	}
	if kc := listRep.Check(CheckIssuerKey); kc != nil && kc.Outcome != Verified {
		return kc.Outcome, "is signed with a key that is not its issuer's: " + kc.Reason
	}
	if list.Issuer == "" {
		return Failed, "names no issuer"
	}
	return Verified, ""
}

// listCurrent checks a status list's validity period at now ± skew.
func listCurrent(l *status.List, now time.Time, skew time.Duration) error {
	if !l.ValidFrom.IsZero() && l.ValidFrom.After(now.Add(skew)) {
		return fmt.Errorf("the list is not valid before %s", l.ValidFrom.UTC().Format(time.RFC3339))
	}
	if !l.ValidUntil.IsZero() && !l.ValidUntil.After(now.Add(-skew)) {
		return fmt.Errorf("the list expired at %s", l.ValidUntil.UTC().Format(time.RFC3339))
	}
	return nil
}

func pastTense(p status.Purpose) string {
	switch p {
	case status.Revocation:
		return "revoked"
	case status.Suspension:
		return "suspended"
	}
	return "flagged"
}

// verifyInputNoStatus verifies a status list credential: proof and issuer
// key only.
func (r *run) verifyInputNoStatus(ctx context.Context, data []byte, depth int) *Report {
	rep := &Report{}
	defer rep.finish()
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		rep.add(CheckFormat, Failed, "empty document")
		return rep
	}
	if data[0] != '{' {
		res, err := proof.VerifyJWTWithOptions(ctx, string(data), r.resolver, proof.JWTOptions{Now: func() time.Time { return r.now }, Skew: r.skew()})
		if res == nil || res.Credential == nil {
			rep.add(CheckFormat, Failed, "%v", errText(err))
			return rep
		}
		rep.Credential = res.Credential
		rep.add(CheckProof, outcomeOf(err), "%s", errTextOr(err, "JWS verified"))
		if err == nil && res.KeySource == proof.KeyFromJWK {
			// Nothing binds a header key to anyone: such a list is signed
			// by nobody in particular.
			rep.add(CheckIssuerKey, Failed, "the key is taken from the JWS header (jwk): nothing binds it to the list's issuer")
		}
		return rep
	}
	if err := jsonld.CheckJSONLimits(data, jsonld.Limits{}); err != nil {
		rep.add(CheckFormat, Indeterminate, "not verified: the status list is larger than this verifier handles (%v)", err)
		return rep
	}
	var m map[string]any
	if err := decodeJSON(data, &m); err != nil {
		rep.add(CheckFormat, Failed, "%v", err)
		return rep
	}
	if err := jsonld.CheckLimits(m, jsonld.Limits{}); err != nil {
		rep.add(CheckFormat, Indeterminate, "not verified: the status list is larger than this verifier handles (%v)", err)
		return rep
	}
	rep.Credential = m
	if _, ok := m["proof"]; ok {
		res, err := proof.VerifyDI(ctx, m, r.resolver)
		r.addDI(rep, res, err, nil)
	}
	return rep
}

// checkInner verifies the credentials a CLR carries.
func (r *run) checkInner(ctx context.Context, rep *Report, cred map[string]any, depth int) {
	subj, _ := cred["credentialSubject"].(map[string]any)
	raw, ok := subj["verifiableCredential"]
	if !ok {
		return
	}
	items := asList(raw)
	if len(items) == 0 {
		rep.add(CheckInner, Verified, "no inner credentials")
		return
	}
	outcome, n, bad := r.nestedAll(ctx, rep, items, depth)
	switch outcome {
	case Verified:
		rep.add(CheckInner, Verified, "all %d inner credentials verified", n)
	default:
		rep.addMessages(CheckInner, outcome, outcomeMsg(outcome, "%d of %d inner credentials {outcome}: %s", len(bad), n, strings.Join(bad, "; ")))
	}
}

// checkEndorsements verifies the endorsements of the credential, its
// issuer and its achievement.
func (r *run) checkEndorsements(ctx context.Context, rep *Report, cred map[string]any, depth int) {
	var items []any
	collect := func(m map[string]any) {
		if m == nil {
			return
		}
		items = append(items, asList(m["endorsement"])...)
		items = append(items, asList(m["endorsementJwt"])...)
	}
	collect(cred)
	issuer, _ := cred["issuer"].(map[string]any)
	collect(issuer)
	if subj, ok := cred["credentialSubject"].(map[string]any); ok {
		ach, _ := subj["achievement"].(map[string]any)
		collect(ach)
		if ach != nil {
			creator, _ := ach["creator"].(map[string]any)
			collect(creator)
		}
	}
	if len(items) == 0 {
		return
	}
	// OB 3.0 §Verification verifies embedded endorsements, but an
	// endorsement is its endorser's statement: its failure is a warning on
	// this credential, whose result stays what its own checks give.
	verified := 0
	for i, it := range items {
		inner := r.nestedOne(ctx, it, depth)
		rep.Endorsements = append(rep.Endorsements, inner)
		if inner.Result == Verified {
			verified++
			continue
		}
		if c := decisive(inner); c != nil {
			rep.warnMessage(outcomeMsg(inner.Result, "endorsement %s {outcome} (%s: %s); an endorsement does not change this credential's result", endorsementLabel(inner, i), c.Name, c.Reason))
		} else {
			rep.warnMessage(outcomeMsg(inner.Result, "endorsement %s {outcome}; an endorsement does not change this credential's result", endorsementLabel(inner, i)))
		}
	}
	if verified > 0 {
		rep.note("%d of %d endorsements verified", verified, len(items))
	}
}

// decisive returns the check that decided a report that is not Verified:
// the first that failed, else the first that could not run. A proof not
// checked because its key is not the issuer's is decided by the issuer-key
// check.
func decisive(rep *Report) *Check {
	for _, o := range []Outcome{Failed, Indeterminate} {
		for i := range rep.Checks {
			c := &rep.Checks[i]
			if c.Outcome != o {
				continue
			}
			if kc := rep.Check(CheckIssuerKey); c.Name == CheckProof && kc != nil && kc.Outcome == o {
				return kc
			}
			return c
		}
	}
	return nil
}

// endorsementLabel names an endorsement in a warning.
func endorsementLabel(e *Report, i int) string {
	label := fmt.Sprintf("#%d", i+1)
	switch {
	case e.Name != "":
		label = fmt.Sprintf("%q", e.Name)
	case e.ID != "":
		label = e.ID
	}
	if e.Issuer != "" {
		label += " by " + e.Issuer
	}
	return label
}

// nestedOne verifies a credential nested in another, within MaxDepth and
// MaxNested.
func (r *run) nestedOne(ctx context.Context, it any, depth int) *Report {
	inner := &Report{}
	switch {
	case ctx.Err() != nil:
		inner.add(CheckFormat, Indeterminate, "not verified: the verification ran out of time")
	case depth+1 > MaxDepth:
		inner.add(CheckFormat, Indeterminate, "nested more than %d levels deep: not verified", MaxDepth)
	case r.nested >= MaxNested:
		inner.add(CheckFormat, Indeterminate, "more than %d nested credentials: not verified", MaxNested)
	default:
		r.nested++
		r.verifyValue(ctx, inner, it, depth+1)
	}
	inner.finish()
	return inner
}

func (r *run) nestedAll(ctx context.Context, rep *Report, items []any, depth int) (Outcome, int, []string) {
	outcome := Verified
	var bad []string
	for i, it := range items {
		inner := r.nestedOne(ctx, it, depth)
		rep.Inner = append(rep.Inner, inner)
		outcome = worst(outcome, inner.Result)
		if inner.Result != Verified {
			label := inner.ID
			if label == "" {
				label = fmt.Sprintf("#%d", i+1)
			}
			bad = append(bad, fmt.Sprintf("%s: %s", label, inner.Summary()))
		}
	}
	return outcome, len(items), bad
}

func looksOB2(cred map[string]any) bool {
	for _, c := range asList(cred["@context"]) {
		if s, ok := c.(string); ok && (s == "https://w3id.org/openbadges/v2" || strings.HasPrefix(s, "https://w3id.org/openbadges/v1")) {
			return true
		}
	}
	return false
}

// describe fills the display fields of the report from the credential.
func (r *run) describe(rep *Report, cred map[string]any) {
	rep.ID = stringField(cred, "id")
	for _, t := range asList(cred["type"]) {
		if s, ok := t.(string); ok {
			rep.Types = append(rep.Types, s)
		}
	}
	rep.Issuer = proof.IssuerID(cred)
	rep.Name = stringField(cred, "name")
	if subj, ok := cred["credentialSubject"].(map[string]any); ok {
		rep.Subject = stringField(subj, "id")
		if rep.Name == "" {
			if ach, ok := subj["achievement"].(map[string]any); ok {
				rep.Name = stringField(ach, "name")
			}
		}
	}
}

func formatName(format, container string, cred map[string]any) Message {
	what := schemaName(cred)
	if _, ok := cred["@context"]; ok && isVC1(cred) {
		what += " (VC Data Model 1.1)"
	}
	key, args := "%s, %s", []any{what, format}
	switch format {
	case "ldp_vc":
		key, args = "%s, JSON with an embedded proof", args[:1]
	case proof.FormatVCJWT:
		key, args = "%s, VC-JWT", args[:1]
	case proof.FormatJWTVCJSON:
		key, args = "%s, VC-JWT, VC 1.1 vc-claim form", args[:1]
	}
	if container != "" {
		key, args = key+", baked in %s", append(args, strings.ToUpper(container))
	}
	return msg(key, args...)
}

func isVC1(cred map[string]any) bool {
	ctx := asList(cred["@context"])
	return len(ctx) > 0 && ctx[0] == "https://www.w3.org/2018/credentials/v1"
}

func hasType(m map[string]any, t string) bool {
	for _, x := range asList(m["type"]) {
		if x == t {
			return true
		}
	}
	return false
}

func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

func stringField(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64, json.Number:
		return "a number"
	case []any:
		return "an array"
	case string:
		return "a string"
	}
	return "an object"
}

// decodeJSON decodes data into v, with an error that names the line and
// column of a syntax error or the property of a type error.
func decodeJSON(data []byte, v any) error {
	if err := ob.Unmarshal(data, v); err != nil {
		return fmt.Errorf("malformed JSON: %w", err)
	}
	return nil
}

func outcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return Verified
	case errors.Is(err, proof.ErrIndeterminate), errors.Is(err, fetch.ErrUnavailable):
		return Indeterminate
	}
	return Failed
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

func errTextOr(err error, ok string) string {
	if err == nil {
		return ok
	}
	return err.Error()
}
