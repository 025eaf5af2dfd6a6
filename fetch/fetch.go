// Package fetch is the only way Cairn's credential core reaches the network.
//
// Verifying a credential may need documents that live elsewhere: DID
// documents (did:web), controller documents, status lists, JSON Schemas.
// Everything goes through a [Fetcher], so a caller decides what may be
// fetched: [HTTP] fetches over HTTPS with a timeout, a size cap and limited
// redirects; [Map] serves chosen URLs from local files (the CLI's --resolve
// URL=PATH) and hands the rest to another Fetcher; [Offline] fetches nothing.
//
// Errors tell a verifier how to report a check: an error wrapping
// [ErrUnavailable] (network failure, timeout, 5xx, offline) means the answer
// is unknown and the check is indeterminate; [ErrNotFound] (404, 410) and
// other errors mean the document is missing or unacceptable.
package fetch

import (
	"context"
	"errors"
	"fmt"
)

// Fetcher fetches the document at an absolute URL.
//
// Fetch returns an error wrapping [ErrUnavailable] when the document could
// not be obtained for reasons that say nothing about it (network, timeout,
// server error, offline), [ErrNotFound] when the server says it does not
// exist, [ErrTooLarge] when it exceeds the size limit, and another error
// for URLs that are refused (not https) or responses that are unacceptable.
type Fetcher interface {
	Fetch(ctx context.Context, url string) ([]byte, error)
}

// Func adapts a function to the [Fetcher] interface.
type Func func(ctx context.Context, url string) ([]byte, error)

// Fetch calls f(ctx, url).
func (f Func) Fetch(ctx context.Context, url string) ([]byte, error) { return f(ctx, url) }

var (
	// ErrUnavailable is wrapped by errors for documents that could not be
	// obtained: network failure, timeout, 5xx, offline. A check that depends
	// on the document is indeterminate, not failed.
	ErrUnavailable = errors.New("unavailable")
	// ErrNotFound is wrapped by errors for documents that do not exist
	// (HTTP 404 or 410, or a mapped file that is missing).
	ErrNotFound = errors.New("not found")
	// ErrTooLarge is wrapped by errors for documents larger than the limit.
	ErrTooLarge = errors.New("document too large")
)

// DefaultMaxBytes is the size limit applied when none is configured.
const DefaultMaxBytes = 1 << 20

// Offline is a Fetcher that fetches nothing: every Fetch fails with an error
// wrapping [ErrUnavailable].
var Offline Fetcher = offline{}

type offline struct{}

func (offline) Fetch(_ context.Context, url string) ([]byte, error) {
	return nil, fmt.Errorf("offline: refusing to fetch %s: %w", url, ErrUnavailable)
}
