// Package ob models Open Badges and Comprehensive Learner Record documents: the types,
// their JSON form, parsing of untrusted input, builders for what Cairn issues, and
// JSON Schema validation. It does no I/O and knows nothing about proofs or keys.
//
// Specifications:
//   - Open Badges 3.0: https://www.imsglobal.org/spec/ob/v3p0/
//   - Comprehensive Learner Record 2.0: https://www.imsglobal.org/spec/clr/v2p0/
//   - Open Badges 2.0: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html
//   - W3C Verifiable Credentials Data Model 2.0: https://www.w3.org/TR/vc-data-model-2.0/
//
// # JSON form
//
// Multi-valued properties are [List] values: a single JSON value is accepted where an
// array is expected (JSON-LD allows it, and real credentials do it), but they are always
// written as arrays, which the formal OB 3.0 JSON Schema requires. Optional properties
// are omitted when empty, so decoding and re-encoding invents nothing. Every object type
// keeps the properties it does not name (extensions) in its Extra field and writes them
// back. Properties that may be given as a bare URI instead of an object (an issuer
// [Profile], an OB 2.0 [BadgeClass] or [Image], ...) set URIOnly and are written back as
// the string. Dates are kept as the strings the issuer wrote.
//
// Human-readable strings are Go strings: the language maps ({"en": "…"}) that the JSON-LD
// schema variant allows are reported by [Parse] as type errors.
//
// # Parsing and validation
//
// [Parse] detects the kind of document (OB 3.0, endorsement, CLR 2.0, OB 2.0) and decodes
// it, with errors that name the property ("credentialSubject.achievement.name: expected
// string, got number") or the line and column of a JSON syntax error. Input is limited to
// [MaxDocumentSize].
//
// [ValidateIssued] checks what Cairn issues against the strict ("formal") 1EdTech JSON
// Schemas; [ValidateRead] checks what Cairn receives against the lenient (JSON-LD) ones
// and accepts VC Data Model 1.1 credentials with a warning. The schemas are embedded
// (see schemas/SOURCES.md) and compiled once.
package ob
