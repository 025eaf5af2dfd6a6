// Package auth holds the server's authentication primitives: password
// hashing, session and API key tokens, session cookies, CSRF checks and a
// login rate limiter. It does no routing and no storage: the store keeps
// what this package tells it to keep (hashes, never secrets), and handlers
// call these functions.
//
// # What is stored, and how
//
//   - Passwords: argon2id, as a PHC string ([HashPassword]). Slow on
//     purpose; concurrent hashes are bounded so that a burst of logins
//     cannot exhaust memory.
//   - Session tokens and API keys: 32 random bytes. Only their SHA-256
//     ([HashToken]) is stored. A fast hash is right here: the token has 256
//     bits of entropy, so there is nothing to brute-force, and argon2 would
//     only slow down every API request.
//   - API keys look like cairn_<prefix>_<secret> ([NewAPIKey]). The 8-character
//     prefix is stored in clear to find the row (and to show the key in the
//     UI); the hash of the whole key is compared in constant time.
//
// # Errors
//
// Errors wrap a few sentinels that callers map to HTTP statuses with
// [errors.Is]: [ErrPasswordMismatch], [ErrNoSession], [ErrSessionExpired],
// [ErrMalformedAPIKey] and [ErrAPIKeyMismatch] → 401; [ErrCSRF] → 403; [ErrRateLimited] → 429
// (with Retry-After). Policy failures are [*FieldError] (→ 400, naming the
// field). Responses to a failed login must not say whether the account
// exists: see [FakeVerifyPassword].
package auth
