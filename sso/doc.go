// Package sso signs staff in with OpenID Connect: an organization's owner
// names the organization's OpenID provider (Microsoft Entra ID, Google
// Workspace, Keycloak …) and how the provider's claims map to Cairn's
// roles, and the organization's staff sign in there instead of with a
// password.
//
// # The flow
//
// [Service.Begin] starts the authorization code flow
// (OpenID Connect Core 1.0 §3.1, https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth)
// with PKCE (RFC 7636, method S256): it returns the provider's
// authorization URL and a flow token, sealed by the keyring, that the
// caller keeps in a short-lived cookie. The token holds the state, the
// nonce and the PKCE verifier, so a callback that does not come back to
// the browser that started it fails, and so does a replayed or swapped
// ID token.
//
// [Service.Finish] handles the callback: it checks the state, exchanges
// the code (with the verifier), verifies the ID token with go-oidc
// (signature by the provider's published keys, issuer, audience = the
// client id, expiry) and its nonce, then requires a verified email
// (§5.1 email_verified; Microsoft's xms_edov counts too) in one of the
// organization's allowed domains. The account with that email is found,
// or created (just-in-time provisioning), and its membership in the
// organization is set from the role claim at every sign-in: a group taken
// away at the provider takes the role away in Cairn. The last owner of an
// organization is never demoted or removed this way: they keep the owner
// role and a warning is logged.
//
// Every refusal is a [*Refusal], which says in words what was wrong
// (which claim was missing, which domain is not allowed) and which HTTP
// status to answer.
//
// # Sessions
//
// A session started by single sign-on acts in the organization whose
// provider vouched for the account, and in no other: another
// organization's provider is not trusted to say who someone is here. A
// session started with a password acts in the account's organizations
// that still allow password login ([Scope]).
package sso
