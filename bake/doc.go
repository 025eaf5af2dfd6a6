// Package bake embeds Open Badges credentials in PNG and SVG images and
// extracts them again ("baking", https://www.imsglobal.org/spec/ob/v3p0/#baking,
// and Open Badges 2.0 baking, https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html).
//
// Open Badges 3.0:
//   - PNG: one iTXt chunk with keyword "openbadgecredential", uncompressed,
//     whose text is the credential JSON or its compact JWS (VC-JWT).
//     [BakePNG] places it right after IHDR and removes older baked chunks.
//   - SVG: the root element declares the namespace
//     https://purl.imsglobal.org/ob/v3p0 (conventionally with the prefix
//     "openbadges") and its first child is <openbadges:credential>: a JWS in
//     the verify attribute, or JSON in a CDATA section. [BakeSVG] leaves every
//     other byte of the document as it was.
//
// Open Badges 2.0 images are read too: PNG iTXt (or old tEXt/zTXt) chunks
// with keyword "openbadges", and SVG <openbadges:assertion> elements in the
// namespace http://openbadges.org, carrying a hosted assertion URL, a signed
// assertion (JWS) or assertion JSON.
//
// The package only moves bytes: it neither fetches a hosted assertion nor
// verifies a signature. Inputs are untrusted: sizes are capped
// ([MaxImageSize], [MaxPayloadSize]), PNG chunk CRCs are checked, XML is read
// with encoding/xml (no DTD or entity expansion), and errors say where the
// image is broken.
package bake
