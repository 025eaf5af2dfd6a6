package issuing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/jsonld"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/proof"
)

// Issuing a client's credential (VC-API)
//
// [Service.IssueCredential] signs a credential that the client wrote, as the
// W3C CCG VC-API's POST /credentials/issue asks
// (https://w3c-ccg.github.io/vc-api/#issue-credential). Unlike an award it is
// not built from an achievement, has no status entry and is not stored: the
// signed credential is returned once. It is not written to the transparency
// log either. The log records awards, whose credentials the server serves at
// {base}/credentials/{id} so that anyone auditing the log can fetch each
// logged credential and compare its digest (cairn log audit --credentials);
// a VC-API credential is served nowhere and its id, if any, is the client's,
// so a log entry about it could never be checked. Each issue is logged
// (slog) with the issuer and the credential's digest instead.

// IssuedCredential is a credential signed by IssueCredential.
type IssuedCredential struct {
	// Credential is the signed credential, with its proof.
	Credential map[string]any
	// Issuer is the organization's issuer that signed it.
	Issuer *cairn.Issuer
	// JSON is Credential encoded, the exact bytes to answer with.
	JSON []byte
}

// IssueCredential signs cred, a W3C Verifiable Credential (Data Model 2.0,
// or 1.1) written by the client, with a DataIntegrityProof (eddsa-rdfc-2022) by one
// of the organization's issuers: the one whose DID is cred's issuer (a
// string, or an object's id), or the organization's first issuer when cred
// names none, whose DID is then set as issuer. When validFrom (1.1:
// issuanceDate) is absent it is set to the time of issue, unless validUntil
// (expirationDate) is already past: 1.1 requires issuanceDate, and Cairn's
// awards always say from when they hold. A 1.1 credential also gets the
// Data Integrity context, which defines the proof's terms.
//
// The credential must follow the data model (checkCredential lists the
// rules) and every term it uses must be defined by an embedded context.
// Errors: Invalid, naming the field as credential.PATH (credential.issuer
// for an issuer that is not the organization's); Unavailable.
func (s *Service) IssueCredential(ctx context.Context, orgID string, cred map[string]any) (*IssuedCredential, error) {
	if err := checkCredential(cred); err != nil {
		return nil, err
	}
	if id, ok := cred["id"].(string); ok && strings.HasPrefix(id, s.URL("/credentials/")) {
		return nil, cairn.Invalidf("credential.id", "%q is under %s/credentials/, which is kept for the awards this server issues and logs", id, s.BaseURL())
	}
	is, err := s.vcIssuer(ctx, orgID, proof.IssuerID(cred))
	if err != nil {
		return nil, err
	}
	now := s.clock()
	cred = shallowCopy(cred)
	if _, ok := cred["issuer"]; !ok {
		cred["issuer"] = s.IssuerDID(is)
	}
	from, until := "validFrom", "validUntil"
	if isVC1(cred) {
		from, until = "issuanceDate", "expirationDate"
		// The 1.1 context does not define DataIntegrityProof: add the
		// context that does, as the cryptosuite asks
		// (https://www.w3.org/TR/vc-di-eddsa/#add-proof-eddsa-rdfc-2022).
		if ctx := contextList(cred["@context"]); !slices.Contains(ctx, any(ContextDataIntegrity)) {
			cred["@context"] = append(slices.Clone(ctx), ContextDataIntegrity)
		}
	}
	if _, ok := cred[from]; !ok {
		u, _ := cred[until].(string)
		if t, err := time.Parse(time.RFC3339Nano, u); u == "" || err == nil && t.After(now) {
			cred[from] = now.Format(time.RFC3339)
		}
	}
	sg, err := s.signerFor(ctx, is, keys.Ed25519)
	if err != nil {
		return nil, err
	}
	signed, err := proof.SignDI(ctx, cred, sg.signer, sg.vm, now)
	if err != nil {
		return nil, signError(err)
	}
	// One proof is written as an object, as the VC Data Model's examples
	// and the W3C test suites expect; OB 3.0 awards keep the array their
	// JSON Schema requires.
	if set, ok := signed["proof"].([]any); ok && len(set) == 1 {
		signed["proof"] = set[0]
	}
	data, err := json.Marshal(signed)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "encoding the credential")
	}
	sum := sha256.Sum256(data)
	s.log.InfoContext(ctx, "vc-api: issued a credential", "org", orgID, "issuer", is.ID,
		"credential", stringOf(signed["id"]), "sha256", hex.EncodeToString(sum[:]))
	return &IssuedCredential{Credential: signed, Issuer: is, JSON: data}, nil
}

// vcIssuer returns the organization's issuer whose DID is did, or its first
// issuer when did is "".
func (s *Service) vcIssuer(ctx context.Context, orgID, did string) (*cairn.Issuer, error) {
	list, err := s.store.Issuers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, cairn.Invalidf("credential.issuer", "the organization has no issuer yet; create one with POST /api/v1/issuers")
	}
	if did == "" {
		return list[0], nil
	}
	var dids []string
	for _, is := range list {
		if s.IssuerDID(is) == did {
			return is, nil
		}
		dids = append(dids, s.IssuerDID(is))
	}
	if len(dids) > 3 {
		dids = append(dids[:3], "…")
	}
	return nil, cairn.Invalidf("credential.issuer", "is not the DID of one of this organization's issuers (%s); leave issuer out to sign as %s",
		strings.Join(dids, ", "), dids[0])
}

// signError turns an error of proof.SignDI into an Invalid error naming the
// field when the credential is at fault.
func signError(err error) error {
	var ut *jsonld.UndefinedTermError
	var uc *jsonld.UnknownContextError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return cairn.Wrapf(cairn.Unavailable, err, "signing was interrupted")
	case errors.As(err, &ut):
		field := "credential"
		if ut.Path != "" {
			field = pointerField(ut.Path)
		}
		return cairn.Invalidf(field, "the term %q is not defined by any @context of the credential; add a context that defines it, or remove it", ut.Term)
	case errors.As(err, &uc):
		return cairn.Invalidf("credential.@context", "%q is not a context this server has; it never fetches contexts (see docs/INTEROP.md for the list)", uc.URL)
	case errors.Is(err, jsonld.ErrLimit):
		return cairn.Invalidf("credential", "the credential is too large or complex to canonicalize (%v)", err)
	case errors.Is(err, proof.ErrCannotSign):
		return cairn.Invalidf("credential", "%s", strings.TrimPrefix(err.Error(), proof.ErrCannotSign.Error()+": "))
	}
	// Any other JSON-LD error (a protected term redefined, a malformed
	// context) is about the input.
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "proof: sign: ")
	msg = strings.TrimPrefix(msg, "document: ")
	return cairn.Invalidf("credential", "not valid JSON-LD: %s", msg)
}

// pointerField turns a JSON Pointer into a field name: /credentialSubject/0/x
// → credential.credentialSubject[0].x.
func pointerField(ptr string) string {
	var b strings.Builder
	b.WriteString("credential")
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if tok != "" && strings.Trim(tok, "0123456789") == "" {
			fmt.Fprintf(&b, "[%s]", tok)
		} else {
			b.WriteString("." + tok)
		}
	}
	return b.String()
}

// ContextDataIntegrity defines DataIntegrityProof and its properties for
// documents whose base context does not (VC 1.1).
const ContextDataIntegrity = "https://w3id.org/security/data-integrity/v2"

func contextList(v any) []any {
	if s, ok := v.(string); ok {
		return []any{s}
	}
	l, _ := v.([]any)
	return l
}

func shallowCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}
