// Package lti is the logic of Cairn's LTI 1.3 Advantage adapter, as
// docs/LTI.md designs it: Cairn is an LTI tool that a platform (an LMS)
// launches, and that reads the platform's gradebook through Assignment and
// Grade Services 2.0 and its rosters through Names and Role Provisioning
// Services 2.0, so that results become Cairn events.
//
// The package holds:
//
//   - Registration, the platform's side of a registration, and its checks;
//   - the OIDC third-party initiated login (ParseLogin, AuthRedirect;
//     LTI Security Framework 1.0 §5.1.1);
//   - the verification of a launch id_token (KeySet.VerifyLaunch; LTI Core
//     1.3 §5.3, Security Framework §5.1.3), whose failures are CheckErrors
//     naming the check;
//   - the tool key, its JWKS and the RFC 7523 client assertion
//     (Security Framework §4.1);
//   - Services, an HTTP client for the AGS line item and result services and
//     the NRPS membership service, with the bearer token cached;
//   - Score and ExternalID, which turn a result into the score and the
//     deterministic external id of a Cairn event.
//
// It is not a store and not a web handler: it keeps no state but the JWKS
// and token caches in memory, remembers no nonce or state (the caller must
// refuse a nonce it has seen), serves no endpoint and fetches nothing but
// through the functions and http.Client it is given. Package lti/ltitest is
// an in-process LTI platform to test against.
package lti
