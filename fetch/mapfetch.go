package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Map serves documents from local files.
//
// Each key of Entries is either an exact URL, mapped to a file, or a URL
// prefix ending in "/", mapped to a folder: the rest of the URL is appended
// to the folder as a relative path (".." and other escapes are refused). A
// key may also be a did:web DID, which stands for the URL of its DID
// document. The longest matching key wins; fragments are ignored. URLs that
// match no key go to Next, or fail with [ErrUnavailable] if Next is nil.
type Map struct {
	Entries map[string]string
	Next    Fetcher
	// MaxBytes bounds the size of a served file (default [DefaultMaxBytes]).
	MaxBytes int64
}

// Fetch returns the mapped file's content, or asks Next.
func (m *Map) Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	target, _, _ := strings.Cut(rawURL, "#")
	file, ok, err := m.lookup(target)
	if err != nil {
		return nil, err
	}
	if !ok {
		if m.Next == nil {
			return nil, fmt.Errorf("fetch %s: not mapped to a local file and no network access: %w", target, ErrUnavailable)
		}
		return m.Next.Fetch(ctx, rawURL)
	}
	limit := m.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	f, err := os.Open(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("fetch %s: mapped file %s does not exist: %w", target, file, ErrNotFound)
		}
		return nil, fmt.Errorf("fetch %s: mapped file: %w", target, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: mapped file %s: %w", target, file, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("fetch %s: %w: mapped file %s exceeds the %d-byte limit", target, ErrTooLarge, file, limit)
	}
	return data, nil
}

// lookup finds the file for target.
func (m *Map) lookup(target string) (file string, ok bool, err error) {
	best := ""
	for key, p := range m.Entries {
		k := key
		if strings.HasPrefix(k, "did:web:") {
			u, err := didWebURL(k)
			if err != nil {
				return "", false, fmt.Errorf("fetch: mapping %q: %v", key, err)
			}
			k = u
		}
		if k == target && !strings.HasSuffix(k, "/") {
			return p, true, nil
		}
		if strings.HasSuffix(k, "/") && strings.HasPrefix(target, k) && len(k) > len(best) {
			best, file = k, p
		}
	}
	if best == "" {
		return "", false, nil
	}
	rest := strings.TrimPrefix(target, best)
	if strings.ContainsAny(rest, "?\\") {
		return "", false, fmt.Errorf("fetch %s: cannot map a URL with a query or backslash to a file", target)
	}
	if unesc, err := url.PathUnescape(rest); err == nil {
		rest = unesc
	}
	if rest == "" || rest == "." || !fs.ValidPath(rest) || path.Clean(rest) != rest {
		return "", false, fmt.Errorf("fetch %s: path %q under mapped prefix %s is not a plain relative path", target, rest, best)
	}
	return filepath.Join(file, filepath.FromSlash(rest)), true, nil
}

// ParseMapping splits a mapping "URL=PATH" as given to the --resolve flag.
// URL is an https or http URL (a prefix when it ends in "/") or a did:web
// DID; the split is at the last "=".
func ParseMapping(s string) (rawURL, path string, err error) {
	i := strings.LastIndex(s, "=")
	if i < 0 {
		return "", "", fmt.Errorf("fetch: mapping %q: want URL=PATH", s)
	}
	rawURL, path = s[:i], s[i+1:]
	if path == "" {
		return "", "", fmt.Errorf("fetch: mapping %q: empty path", s)
	}
	if strings.HasPrefix(rawURL, "did:web:") {
		if _, err := didWebURL(rawURL); err != nil {
			return "", "", fmt.Errorf("fetch: mapping %q: %v", s, err)
		}
		return rawURL, path, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", "", fmt.Errorf("fetch: mapping %q: %q is not an http(s) URL or did:web DID", s, rawURL)
	}
	return rawURL, path, nil
}

// didWebURL turns a did:web DID into the URL of its DID document
// (https://w3c-ccg.github.io/did-method-web/#read-resolve). The did package
// exports the same conversion as did.WebURL.
func didWebURL(did string) (string, error) {
	rest, ok := strings.CutPrefix(did, "did:web:")
	if !ok || rest == "" {
		return "", fmt.Errorf("%q is not a did:web DID", did)
	}
	if strings.ContainsAny(rest, "/?#") {
		return "", fmt.Errorf("%q: a did:web DID has no path, query or fragment", did)
	}
	parts := strings.Split(rest, ":")
	host, err := url.PathUnescape(parts[0])
	if err != nil || host == "" || strings.ContainsAny(host, "/@\\?#") {
		return "", fmt.Errorf("%q: invalid host", did)
	}
	if u, err := url.Parse("https://" + host + "/"); err != nil || u.Host != host || u.Hostname() == "" {
		return "", fmt.Errorf("%q: invalid host %q", did, host)
	}
	segs := parts[1:]
	for i, p := range segs {
		seg, err := url.PathUnescape(p)
		if err != nil || seg == "" || seg == "." || seg == ".." || strings.Contains(seg, "/") {
			return "", fmt.Errorf("%q: invalid path segment %q", did, p)
		}
		segs[i] = url.PathEscape(seg)
	}
	if len(segs) == 0 {
		return "https://" + host + "/.well-known/did.json", nil
	}
	return "https://" + host + "/" + strings.Join(segs, "/") + "/did.json", nil
}
