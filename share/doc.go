// Package share builds what the public credential page offers for sharing
// a credential: LinkedIn's "add to profile" link ([LinkedInAddToProfileURL]),
// a QR code of the page's URL as SVG or PNG ([QRCodeSVG], [QRCodePNG]), and
// the OpenGraph and Twitter card meta tags that make a shared link preview
// well ([Meta.Tags]).
//
// The package does no I/O and calls no third-party script: the LinkedIn
// link is a plain URL, the QR code is drawn here.
package share
