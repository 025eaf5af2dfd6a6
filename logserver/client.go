package logserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cairn-badges/cairn/translog"
)

// maxResource bounds what a client reads for one log resource: a full
// entry bundle of 256 entries of at most 64 KiB each, with their prefixes.
const maxResource = translog.TileWidth * (2 + translog.MaxEntrySize)

// StatusError is a log resource the server did not serve.
type StatusError struct {
	Path string
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s", e.Path, e.Code, http.StatusText(e.Code))
}

// Unwrap makes a 404 an error wrapping translog.ErrNotFound.
func (e *StatusError) Unwrap() error {
	if e.Code == http.StatusNotFound {
		return translog.ErrNotFound
	}
	return nil
}

// Fetcher returns a translog.Fetcher reading the log whose prefix URL is
// prefix (such as https://badges.example.edu/log), with client
// (http.DefaultClient when nil). Errors for a status other than 200 are
// *StatusError.
func Fetcher(client *http.Client, prefix string) translog.Fetcher {
	prefix = strings.TrimRight(prefix, "/")
	return func(ctx context.Context, path string) ([]byte, error) {
		return get(ctx, client, prefix+"/"+path, path, "")
	}
}

// CredentialMediaType is the media type [FetchCredential] asks for: the
// signed JSON of a credential (VC Data Model 2.0 §6.3).
const CredentialMediaType = "application/vc+ld+json"

// FetchCredential returns the bytes served at a credential's URL (its id)
// for Accept: accept ([CredentialMediaType] when empty), with client
// (http.DefaultClient when nil). Errors for a status other than 200 are
// *StatusError with the URL as Path.
func FetchCredential(ctx context.Context, client *http.Client, url, accept string) ([]byte, error) {
	if accept == "" {
		accept = CredentialMediaType
	}
	return get(ctx, client, url, url, accept)
}

// get reads one resource of at most maxResource bytes.
func get(ctx context.Context, client *http.Client, url, name, accept string) ([]byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, &StatusError{Path: name, Code: resp.StatusCode}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResource+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxResource {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxResource)
	}
	return b, nil
}
