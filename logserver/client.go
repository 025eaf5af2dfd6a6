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
	if client == nil {
		client = http.DefaultClient
	}
	prefix = strings.TrimRight(prefix, "/")
	return func(ctx context.Context, path string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, prefix+"/"+path, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
			return nil, &StatusError{Path: path, Code: resp.StatusCode}
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxResource+1))
		if err != nil {
			return nil, err
		}
		if len(b) > maxResource {
			return nil, fmt.Errorf("%s: larger than %d bytes", path, maxResource)
		}
		return b, nil
	}
}
