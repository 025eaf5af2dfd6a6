package issuing

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/fetch"
)

// Fetcher returns a fetch.Fetcher that answers this server's own DID
// documents and status lists from the store, and hands every other URL to
// next. The server verifies the credentials it shows with it, so its pages
// do not depend on reaching themselves over the network (a did:web always
// resolves over https, which a development server on http cannot answer).
func (s *Service) Fetcher(next fetch.Fetcher) fetch.Fetcher {
	return fetch.Func(func(ctx context.Context, raw string) ([]byte, error) {
		if data, ok, err := s.fetchLocal(ctx, raw); ok {
			return data, err
		}
		if next == nil {
			return nil, fetch.ErrUnavailable
		}
		return next.Fetch(ctx, raw)
	})
}

func (s *Service) fetchLocal(ctx context.Context, raw string) ([]byte, bool, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host != s.base.Host || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, false, nil
	}
	path := strings.TrimPrefix(u.Path, s.base.Path)
	switch {
	case strings.HasPrefix(path, "/issuers/") && strings.HasSuffix(path, "/did.json"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/issuers/"), "/did.json")
		doc, err := s.DIDDocument(ctx, id)
		if err != nil {
			return nil, true, notFound(raw, err)
		}
		data, err := json.Marshal(doc)
		return data, true, err
	case strings.HasPrefix(path, "/log/"):
		// The transparency log's own fetcher (TransparencyLog.Fetcher),
		// wrapped around this one, answers these when the server runs
		// its log; a service without one serves no log.
		return nil, true, &fetch.StatusError{URL: raw, StatusCode: 404}
	case strings.HasPrefix(path, "/status/"):
		data, _, err := s.StatusListCredential(ctx, strings.TrimPrefix(path, "/status/"))
		if err != nil {
			return nil, true, notFound(raw, err)
		}
		return data, true, nil
	}
	return nil, false, nil
}

func notFound(raw string, err error) error {
	if cairn.KindOf(err) == cairn.NotFound {
		return &fetch.StatusError{URL: raw, StatusCode: 404}
	}
	return cairn.Wrapf(cairn.Unavailable, fetch.ErrUnavailable, "%s: %v", raw, err)
}
