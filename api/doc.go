// Package api serves Cairn's JSON API under /api/v1: issuers, images,
// achievements, awards and API keys of one organization, and a public
// verification endpoint; and the W3C CCG VC-API under /vc-api (vcapi.go):
// issuing a client's credential, verifying credentials and presentations.
// The OpenAPI 3.1 document that describes every route is served at
// /api/v1/openapi.json (openapi.json in this folder).
//
// # Authentication and access
//
// A request authenticates with an API key (Authorization: Bearer
// cairn_<prefix>_<secret>; the key decides the organization and the role) or
// with the session cookie of the web UI (package auth), which must also carry
// the session's CSRF token on unsafe methods. A missing or invalid credential
// is 401 with a WWW-Authenticate challenge; a role that may not do what the
// route does (cairn.Role.Can) is 403. Every handler reads and writes in the
// caller's organization only: the ID of another organization's object is 404,
// exactly as an ID that does not exist.
//
// # Errors
//
// Every error is an RFC 9457 problem document (application/problem+json)
// with type, title, status, detail and, for bad input, the field at fault.
// The status comes from one table (statusOf): the kind of the cairn.Error the
// service or store returned, or, for a request that cannot be read at all
// (malformed JSON, a body too large, a wrong media type), the status of the
// *requestError the decoder returned. A 500 never shows its cause; the cause
// goes to the log with the request's ID, which the problem carries.
//
// # Request bodies
//
// JSON bodies are read whole under a size cap (MaxJSONBody; MaxImageBody
// for images) and checked against the Go type they decode into before they
// are decoded: unknown or duplicate fields, values of the wrong JSON type and
// syntax errors are refused with 400 naming the field (as a path such as
// recipient.email or evidence[0].id) or the line and column. Field names
// match exactly, not case-insensitively as encoding/json would.
package api
