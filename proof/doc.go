// Package proof signs and verifies the proofs that secure Open Badges 3.0 and
// CLR 2.0 credentials: embedded Data Integrity proofs and VC-JWT.
//
// # Data Integrity
//
// [SignDI] adds a DataIntegrityProof with the eddsa-rdfc-2022 cryptosuite
// (https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022), which is the embedded
// proof that 1EdTech certifies for OB 3.0
// (https://www.imsglobal.org/spec/ob/v3p0/#data-integrity). The document
// without its proofs and the proof options (the proof without proofValue, with
// the document's @context) are canonicalized with RDFC-1.0
// (https://www.w3.org/TR/rdf-canon/), each is hashed with SHA-256, and the
// Ed25519 signature over proofHash ‖ docHash is stored as proofValue, "z" +
// base58btc (https://www.w3.org/TR/vc-di-eddsa/#hashing-eddsa-rdfc-2022).
//
// [VerifyDI] checks every proof of the proof set
// (https://www.w3.org/TR/vc-data-integrity/#proof-sets): DataIntegrityProof
// with eddsa-rdfc-2022, and the legacy Ed25519Signature2020
// (https://w3c-ccg.github.io/di-eddsa-2020/), whose hashing is the same.
//
// # VC-JWT
//
// [SignJWT] produces the OB 3.0 "JSON Web Token Proof Format"
// (https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof-format): the payload is
// the credential itself plus the registered claims iss, jti, nbf, sub and exp
// (RFC 7519). [VerifyJWT] also accepts the VC Data Model 1.1 form with a "vc"
// claim (https://www.w3.org/TR/vc-data-model-1.1/#json-web-token).
//
// # Outcomes
//
// Verification has three outcomes ([Outcome]): [Verified]; [Failed], the proof
// is invalid and will stay invalid; and [Indeterminate], the verifier could not
// decide, typically because the verification method could not be fetched
// (the resolver's error wraps fetch.ErrUnavailable) or the context expired. An
// indeterminate result must not be shown as "invalid" or "valid": retry later.
// Every verification error is an [*Error]; test it with
// errors.Is(err, [ErrFailed]) or errors.Is(err, [ErrIndeterminate]), and
// errors.As for the cause (for example *jsonld.UndefinedTermError).
//
// The package does no I/O of its own: keys come from a [KeyResolver].
package proof
