package proof

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/jsonld"
	"github.com/cairn-badges/cairn/keys"
	"github.com/mr-tron/base58"
)

// Proof types and cryptosuites handled by this package.
const (
	TypeDataIntegrityProof   = "DataIntegrityProof"
	TypeEd25519Signature2020 = "Ed25519Signature2020"
	CryptosuiteEdDSARDFC2022 = "eddsa-rdfc-2022"
	// PurposeAssertionMethod is the only proof purpose issued and accepted.
	PurposeAssertionMethod = "assertionMethod"
)

// KeyResolver dereferences a verification method. It must check that the
// method is listed under purpose (here always "assertionMethod") of its
// controller. An error wrapping fetch.ErrUnavailable means the method could
// not be fetched now; the verification is then Indeterminate. *did.Resolver
// implements it.
type KeyResolver interface {
	VerificationMethod(ctx context.Context, id, purpose string) (*did.VerificationMethod, error)
}

// Result is the outcome of VerifyDI: one ProofResult per proof of the set, in
// document order.
type Result struct {
	// Outcome is Verified when at least one proof is supported and every
	// supported proof verified; Failed when any failed (or none is
	// supported); Indeterminate when none failed but one could not be
	// checked.
	Outcome Outcome
	Proofs  []ProofResult
}

// ProofResult describes one proof and its outcome.
type ProofResult struct {
	Type               string
	Cryptosuite        string // "" for Ed25519Signature2020
	VerificationMethod string
	Controller         string // from the resolved verification method
	ProofPurpose       string
	Created            string
	Outcome            Outcome
	Err                error // nil when Verified; an *Error otherwise
}

// Indeterminate reports whether the result is Indeterminate.
func (r *Result) Indeterminate() bool { return r.Outcome == Indeterminate }

// SignDI returns a copy of cred secured with a DataIntegrityProof using the
// eddsa-rdfc-2022 cryptosuite, made by s (which must be an Ed25519 key) for
// verification method vm, with the given creation time (rounded down to the
// second, UTC).
//
// The proof is appended to cred's proof set and "proof" is always an array,
// as the OB 3.0 JSON Schema requires. Existing proofs are not covered by the
// new signature (a proof set, not a chain). When vm is a DID URL, its DID must
// be the issuer id; otherwise no verifier would accept the proof.
//
// Errors: ErrCannotSign for bad input; canonicalization errors from jsonld
// (e.g. *jsonld.UndefinedTermError) are returned wrapped.
func SignDI(ctx context.Context, cred map[string]any, s keys.Signer, vm string, created time.Time) (map[string]any, error) {
	return signDI(ctx, cred, s, vm, created, true)
}

// SignDIShared is SignDI, but the document returned shares cred's values
// instead of copying them (only its top level is new): for a caller that
// encodes it at once and changes neither.
func SignDIShared(ctx context.Context, cred map[string]any, s keys.Signer, vm string, created time.Time) (map[string]any, error) {
	return signDI(ctx, cred, s, vm, created, false)
}

func signDI(ctx context.Context, cred map[string]any, s keys.Signer, vm string, created time.Time, deep bool) (map[string]any, error) {
	if _, ok := s.Public().(ed25519.PublicKey); !ok {
		return nil, cannotSign("%s needs an Ed25519 key, the signer's key is %s", CryptosuiteEdDSARDFC2022, s.Type())
	}
	issuer := IssuerID(cred)
	if issuer == "" {
		return nil, cannotSign("credential has no issuer id")
	}
	if vm == "" {
		return nil, cannotSign("no verification method")
	}
	if err := checkController(issuer, vm); err != nil {
		return nil, err
	}
	if _, ok := cred["@context"]; !ok {
		return nil, cannotSign("credential has no @context")
	}
	existing, err := proofSet(cred["proof"])
	if err != nil {
		return nil, cannotSign("%v", err)
	}
	doc := without(cred, "proof")
	opts := map[string]any{
		"type":               TypeDataIntegrityProof,
		"cryptosuite":        CryptosuiteEdDSARDFC2022,
		"created":            formatDateTime(created),
		"verificationMethod": vm,
		"proofPurpose":       PurposeAssertionMethod,
	}
	h, err := hashDI(ctx, doc, opts, nil)
	if err != nil {
		return nil, fmt.Errorf("proof: sign: %w", err)
	}
	sig, err := s.Sign(h.data())
	if err != nil {
		return nil, fmt.Errorf("proof: sign: %w", err)
	}
	opts["proofValue"] = "z" + base58.Encode(sig)

	out := doc
	set := make([]any, 0, len(existing)+1)
	if deep {
		out = deepCopy(doc).(map[string]any)
		for _, p := range existing {
			set = append(set, deepCopy(p))
		}
	} else {
		for _, p := range existing {
			set = append(set, p)
		}
	}
	out["proof"] = append(set, opts)
	return out, nil
}

// hashes holds the intermediate values of the eddsa-rdfc-2022 hashing
// algorithm (https://www.w3.org/TR/vc-di-eddsa/#hashing-eddsa-rdfc-2022).
type hashes struct {
	proofCanon, docCanon string
	proofHash, docHash   [32]byte
}

// data returns proofHash ‖ docHash, the bytes that are signed.
func (h *hashes) data() []byte {
	return append(h.proofHash[:], h.docHash[:]...)
}

// hashDI canonicalizes and hashes the unsecured document and the proof
// options (without proofValue; the document's @context is added). A non-nil
// docCache is used for, or filled with, the document's canonical form.
func hashDI(ctx context.Context, doc, proofOpts map[string]any, docCache *string) (*hashes, error) {
	cfg := without(proofOpts, "proofValue")
	cfg["@context"] = doc["@context"]
	var h hashes
	var err error
	key, cacheable := optionsKey(cfg)
	hit := false
	if cacheable {
		h.proofCanon, hit = optionsCanon.get(key)
	}
	if !hit {
		if h.proofCanon, err = jsonld.Canonicalize(ctx, cfg, jsonld.Options{}); err != nil {
			return nil, fmt.Errorf("proof options: %w", err)
		}
		if cacheable {
			optionsCanon.put(key, h.proofCanon)
		}
	}
	if docCache != nil && *docCache != "" {
		h.docCanon = *docCache
	} else {
		if h.docCanon, err = jsonld.Canonicalize(ctx, doc, jsonld.Options{}); err != nil {
			return nil, fmt.Errorf("document: %w", err)
		}
		if docCache != nil {
			*docCache = h.docCanon
		}
	}
	h.proofHash = sha256.Sum256([]byte(h.proofCanon))
	h.docHash = sha256.Sum256([]byte(h.docCanon))
	return &h, nil
}

// optionsCanon caches the canonical form of proof options. One signer
// makes the same options for every credential it signs in one second (and
// a verifier meets the same options of a status list again and again), so
// their canonicalization, about a fifth of signing, is done once.
var optionsCanon = &canonCache{m: map[string]string{}}

// maxCanonCache bounds optionsCanon; past it, it starts again empty.
const maxCanonCache = 1024

type canonCache struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *canonCache) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *canonCache) put(key, canon string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCanonCache {
		clear(c.m)
	}
	c.m[key] = canon
}

// optionsKey returns a key that determines the canonical form of proof
// options cfg, or "" when cfg holds anything but strings (and an @context
// of strings), which is then not cached: the canonical form is a function
// of the document alone (contexts come from the embedded set).
func optionsKey(cfg map[string]any) (string, bool) {
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	// Every string is written with its length first, so that no two
	// different options give the same key (strings may hold any byte).
	var b strings.Builder
	put := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	for _, k := range keys {
		put(k)
		switch v := cfg[k].(type) {
		case string:
			b.WriteByte('s')
			put(v)
		case []any:
			if k != "@context" {
				return "", false
			}
			b.WriteByte('a')
			b.WriteString(strconv.Itoa(len(v)))
			for _, c := range v {
				s, ok := c.(string)
				if !ok {
					return "", false
				}
				put(s)
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// MaxProofs is the most proofs VerifyDI checks on one credential. A proof
// set or chain of more is not verified (indeterminate): each proof costs a
// canonicalization, and no issuer needs that many.
const MaxProofs = 8

func stringOf(v any) string { s, _ := v.(string); return s }

// proofSet returns the proofs of a "proof" value: nil, one object, or an
// array of objects.
func proofSet(v any) ([]map[string]any, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return []map[string]any{t}, nil
	case []any:
		out := make([]map[string]any, 0, len(t))
		for i, e := range t {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("proof[%d] is not an object", i)
			}
			out = append(out, m)
		}
		return out, nil
	}
	return nil, fmt.Errorf("proof is neither an object nor an array")
}

// VerifyDI verifies every proof of cred's proof set with keys from r.
//
// It returns a non-nil Result whenever cred has a proof. The error is nil
// only when Result.Outcome is Verified; otherwise it is the *Error of the
// first failed proof (or of the first indeterminate one when none failed):
// use errors.Is(err, ErrIndeterminate) to tell "could not check now" from
// errors.Is(err, ErrFailed), "invalid".
//
// Per proof it checks: supported type and cryptosuite (DataIntegrityProof
// with eddsa-rdfc-2022, or Ed25519Signature2020); proofPurpose
// assertionMethod; proofValue "z"+base58btc of 64 bytes; created, when
// present, a dateTime; the verification method, dereferenced through r for
// assertionMethod; its controller equal to the issuer id; an Ed25519 key; and
// the signature over the RDFC-1.0 canonical forms. A term that no context
// defines fails the proof with an error wrapping *jsonld.UndefinedTermError;
// a context that is not embedded makes it Indeterminate, with an error
// wrapping *jsonld.UnknownContextError.
// It does not check validity dates or status: that is the caller's job.
func VerifyDI(ctx context.Context, cred map[string]any, r KeyResolver) (*Result, error) {
	set, err := proofSet(cred["proof"])
	if err != nil {
		e := failed("proof", "%v", err)
		return &Result{Outcome: Failed}, e
	}
	if len(set) == 0 {
		e := failed("proof", "the credential has no proof")
		return &Result{Outcome: Failed}, e
	}
	if len(set) > MaxProofs {
		// Each proof costs a canonicalization: a budget, not a rule.
		e := &Error{Outcome: Indeterminate, Check: "proof", Err: fmt.Errorf("%d proofs, more than the %d a verification checks: not verified", len(set), MaxProofs)}
		return &Result{Outcome: Indeterminate}, e
	}
	doc := without(cred, "proof")
	issuer := IssuerID(cred)
	var docCanon string // shared by the proofs that cover doc alone
	res := &Result{Proofs: make([]ProofResult, 0, len(set))}
	want := expect{purpose: PurposeAssertionMethod, controller: issuer, role: "issuer"}
	if issuer == "" {
		want.role = "" // checkDI fails every proof: a credential has an issuer
	}
	for _, p := range set {
		if err := ctx.Err(); err != nil {
			res.Proofs = append(res.Proofs, ProofResult{Type: stringOf(p["type"]), Outcome: Indeterminate, Err: classify("proof", err)})
			continue
		}
		pr := verifyOne(ctx, doc, want, p, set, r, &docCanon)
		res.Proofs = append(res.Proofs, pr)
	}
	// Proofs by other parties (a co-signer, an earlier link of a chain)
	// count once the issuer's own proof verifies: each is then checked
	// with its own controller's keys, and must verify too
	// (https://www.w3.org/TR/vc-data-integrity/#proof-sets).
	if slices.ContainsFunc(res.Proofs, func(p ProofResult) bool { return p.Outcome == Verified && p.Controller == issuer }) {
		others := want
		others.others = true
		for i, pr := range res.Proofs {
			var pe *Error
			if pr.Outcome == Failed && errors.As(pr.Err, &pe) && pe.Check == "controller" {
				res.Proofs[i] = verifyOne(ctx, doc, others, set[i], set, r, &docCanon)
			}
		}
	}
	err = res.summarize()
	return res, err
}

// summarize sets r.Outcome from the proofs and returns the error to report.
func (r *Result) summarize() error {
	var firstFailed, firstIndet, firstUnsup error
	verified := 0
	for _, p := range r.Proofs {
		switch p.Outcome {
		case Verified:
			verified++
		case Failed:
			if firstFailed == nil {
				firstFailed = p.Err
			}
		case Indeterminate:
			if firstIndet == nil {
				firstIndet = p.Err
			}
		case Unsupported:
			if firstUnsup == nil {
				firstUnsup = p.Err
			}
		}
	}
	switch {
	case firstFailed != nil:
		r.Outcome = Failed
		return firstFailed
	case firstIndet != nil:
		r.Outcome = Indeterminate
		return firstIndet
	case verified == 0:
		r.Outcome = Failed
		return &Error{Outcome: Failed, Check: "type", Err: fmt.Errorf("no supported proof: %w", firstUnsup)}
	}
	r.Outcome = Verified
	return nil
}

// expect is what a proof must show besides a valid signature: its purpose,
// and the controller of its verification method, the document's issuer or
// holder (role). An empty controller with role "holder" accepts any
// controller (a presentation without a holder); with role "" it fails.
// Challenge and domain, when set, must be the proof's (presentations).
type expect struct {
	purpose    string
	controller string
	role       string
	// others lets a proof's key belong to another controller than the
	// expected one, checked against that controller's own keys for the
	// purpose: a credential may carry proofs by other parties (a
	// co-signer, a notary), as long as one of its proofs is its issuer's.
	others    bool
	challenge string
	domain    string
}

func verifyOne(ctx context.Context, doc map[string]any, want expect, p map[string]any, set []map[string]any, r KeyResolver, docCanon *string) ProofResult {
	str := func(k string) string { s, _ := p[k].(string); return s }
	pr := ProofResult{
		Type:               str("type"),
		Cryptosuite:        str("cryptosuite"),
		VerificationMethod: str("verificationMethod"),
		ProofPurpose:       str("proofPurpose"),
		Created:            str("created"),
	}
	if err := checkDI(ctx, doc, want, p, set, r, docCanon, &pr); err != nil {
		pr.Outcome, pr.Err = err.Outcome, err
		return pr
	}
	pr.Outcome = Verified
	return pr
}

func checkDI(ctx context.Context, doc map[string]any, want expect, p map[string]any, set []map[string]any, r KeyResolver, docCanon *string, pr *ProofResult) *Error {
	switch pr.Type {
	case TypeDataIntegrityProof:
		if pr.Cryptosuite != CryptosuiteEdDSARDFC2022 {
			return &Error{Outcome: Unsupported, Check: "cryptosuite", Err: fmt.Errorf("cryptosuite %q is not supported (only %s)", pr.Cryptosuite, CryptosuiteEdDSARDFC2022)}
		}
	case TypeEd25519Signature2020:
	default:
		return &Error{Outcome: Unsupported, Check: "type", Err: fmt.Errorf("proof type %q is not supported", pr.Type)}
	}
	if pr.ProofPurpose != want.purpose {
		return failed("proofPurpose", "proofPurpose is %q, want %q", pr.ProofPurpose, want.purpose)
	}
	pv, _ := p["proofValue"].(string)
	if len(pv) < 2 || pv[0] != 'z' {
		return failed("proofValue", "proofValue must be multibase base58btc (\"z…\")")
	}
	sig, err := base58.Decode(pv[1:])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return failed("proofValue", "proofValue does not decode to a %d-byte Ed25519 signature", ed25519.SignatureSize)
	}
	if c, ok := p["created"]; ok {
		s, _ := c.(string)
		if _, err := parseDateTime(s); err != nil {
			return failed("created", "created: %v", err)
		}
	}
	if pr.VerificationMethod == "" {
		return failed("verificationMethod", "proof has no verificationMethod")
	}
	if want.role == "" {
		return failed("issuer", "credential has no issuer id")
	}
	if e := checkChallenge(p, want); e != nil {
		return e
	}
	m, err := r.VerificationMethod(ctx, pr.VerificationMethod, want.purpose)
	if err != nil {
		return classify("verificationMethod", fmt.Errorf("%s: %w", pr.VerificationMethod, err))
	}
	pr.Controller = m.Controller
	if want.controller != "" && m.Controller != want.controller && !want.others {
		return failed("controller", "verification method controller %q is not the %s %q", m.Controller, want.role, want.controller)
	}
	pub, err := m.PublicKey()
	if err != nil {
		return failed("verificationMethod", "%s: %v", pr.VerificationMethod, err)
	}
	edPub, ok := pub.(ed25519.PublicKey)
	if !ok {
		return failed("verificationMethod", "%s is not an Ed25519 key", pr.VerificationMethod)
	}

	unsecured := doc
	copied := false
	cache := docCanon
	if pc, ok := p["@context"]; ok {
		// https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-rdfc-2022
		// step 4: the document's @context must start with the proof's.
		if !contextPrefix(doc["@context"], pc) {
			return failed("@context", "the proof's @context is not a prefix of the document's")
		}
		unsecured = without(doc)
		copied = true
		unsecured["@context"] = pc
		cache = nil
	}
	if prev, ok := p["previousProof"]; ok {
		// A proof chain: the previous proofs are part of what was signed
		// (https://www.w3.org/TR/vc-data-integrity/#verify-proof-sets-and-chains).
		chained, err := previousProofs(prev, set)
		if err != nil {
			return failed("previousProof", "%v", err)
		}
		if !copied {
			unsecured = without(doc)
		}
		unsecured["proof"] = chained
		cache = nil
	}
	opts := without(p, "proofValue", "@context")
	h, err := hashDI(ctx, unsecured, opts, cache)
	if err != nil {
		return canonError(err)
	}
	if !ed25519.Verify(edPub, h.data(), sig) {
		return failed("signature", "invalid %s signature", pr.Type)
	}
	return nil
}

// canonError classifies a canonicalization error, naming an undefined term.
// A context that is not embedded makes the proof Indeterminate, not Failed:
// Cairn never fetches contexts, so it cannot say what the document means,
// which is not the same as the signature being wrong. The error wraps the
// *jsonld.UnknownContextError.
func canonError(err error) *Error {
	var ut *jsonld.UndefinedTermError
	if errors.As(err, &ut) {
		return &Error{Outcome: Failed, Check: "canonicalization", Err: fmt.Errorf("undefined term %q: %w", ut.Term, err)}
	}
	var uc *jsonld.UnknownContextError
	if errors.As(err, &uc) {
		return &Error{Outcome: Indeterminate, Check: "context", Err: fmt.Errorf("cannot verify: unknown JSON-LD context %s: %w", uc.URL, uc)}
	}
	return classify("canonicalization", err)
}

// contextPrefix reports whether the proof's @context pc is a prefix of the
// document's dc.
func contextPrefix(dc, pc any) bool {
	list := func(v any) []any {
		if s, ok := v.([]any); ok {
			return s
		}
		return []any{v}
	}
	d, p := list(dc), list(pc)
	if len(p) > len(d) {
		return false
	}
	for i := range p {
		ps, ok1 := p[i].(string)
		ds, ok2 := d[i].(string)
		if !ok1 || !ok2 || ps != ds {
			return false
		}
	}
	return true
}

// previousProofs returns the proofs of set named by previousProof (an id or
// a list of ids).
func previousProofs(prev any, set []map[string]any) ([]any, error) {
	var ids []string
	switch t := prev.(type) {
	case string:
		ids = []string{t}
	case []any:
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("previousProof must be a string or a list of strings")
			}
			ids = append(ids, s)
		}
	default:
		return nil, fmt.Errorf("previousProof must be a string or a list of strings")
	}
	var out []any
	for _, id := range ids {
		i := slices.IndexFunc(set, func(p map[string]any) bool { return p["id"] == id })
		if i < 0 {
			return nil, fmt.Errorf("previous proof %q is not in the proof set", id)
		}
		out = append(out, set[i])
	}
	return out, nil
}
