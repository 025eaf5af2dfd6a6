// Package badgeimg validates, sanitizes and generates achievement images.
//
// An achievement (Open Badges 3.0 §B.1.1 Achievement.image,
// https://www.imsglobal.org/spec/ob/v3p0/#achievement) carries an image that
// Cairn later bakes a credential into (package bake). The image comes from
// one of two places:
//
//   - an upload, checked by [Validate]: a static PNG within the size caps
//     ([MaxPNGSize], [MaxPNGDimension]), or an SVG rewritten by [SanitizeSVG];
//   - a generated [Design]: a shape, two colours, a title, a subtitle and an
//     optional icon, drawn as SVG ([Design.SVG]) and as PNG ([Design.PNG]),
//     both from the same geometry so they look alike.
//
// # SVG sanitizing
//
// An SVG is a document that browsers run scripts in and that can fetch
// other resources. [SanitizeSVG] does not try to find what is dangerous;
// it re-serializes the document keeping only what is known to be safe:
//
//   - the XML is read with encoding/xml in strict mode; a DOCTYPE with an
//     internal subset (entity declarations), an undeclared entity, a
//     document that is not UTF-8, deeper than [MaxSVGDepth], with more than
//     [MaxSVGElements] elements or larger than [MaxSVGSize] is refused;
//   - elements in the SVG namespace on an allowlist (shapes, text,
//     gradients, patterns, clip paths, masks, markers, filters but not
//     feImage, <use>, <symbol>, <image>) are kept; every other element is
//     dropped with its content (<script>, <foreignObject>, <iframe>,
//     elements of other namespaces such as a baked <openbadges:credential>),
//     except <a>, which is replaced by its children;
//   - attributes on an allowlist (geometry, presentation, filter
//     parameters, id, class, xml:space, ARIA labels) are kept; event
//     handlers (on*) and anything else are dropped;
//   - no external reference survives: href and xlink:href must be a local
//     "#id", or on <image> a base64 data: URL of a PNG or JPEG; a value
//     with url(…) is kept only when every url(…) is local "url(#id)";
//   - <style> style sheets and style attributes are rewritten: at-rules
//     (@import, @font-face …) are dropped, and a declaration is kept only
//     when its property is a presentation property and its value uses a
//     small character set with no escapes, colons or non-local url(…);
//   - a <use> whose target is missing or itself contains a <use> is
//     dropped, which rules out exponential "use bombs";
//   - comments, processing instructions (<?xml-stylesheet?>) and the
//     DOCTYPE are dropped.
//
// The output is UTF-8 with no XML declaration, the SVG namespace as the
// default namespace on the root, and the xlink namespace declared there when
// it is used. Sanitizing it again gives the same bytes.
package badgeimg
