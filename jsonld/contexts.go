package jsonld

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/piprate/json-gold/ld"
)

//go:embed contexts/*.json contexts/*.jsonld
var contextFS embed.FS

// contextFiles maps each context URL this package serves to its file under
// contexts/. contexts/SOURCES.md says where every file came from.
var contextFiles = map[string]string{
	// W3C Verifiable Credentials Data Model 1.1 and 2.0.
	"https://www.w3.org/2018/credentials/v1":          "credentials-v1.jsonld",
	"https://www.w3.org/2018/credentials/examples/v1": "credentials-examples-v1.jsonld",
	"https://www.w3.org/ns/credentials/v2":            "credentials-v2.jsonld",
	"https://www.w3.org/ns/credentials/examples/v2":   "credentials-examples-v2.jsonld",
	"https://www.w3.org/ns/odrl.jsonld":               "odrl.jsonld", // used by examples/v1

	// 1EdTech Open Badges 3.0 and CLR 2.0.
	"https://purl.imsglobal.org/spec/ob/v3p0/context.json":        "ob-v3p0-context.json",
	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json":  "ob-v3p0-context-3.0.1.json",
	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json":  "ob-v3p0-context-3.0.2.json",
	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json":  "ob-v3p0-context-3.0.3.json",
	"https://purl.imsglobal.org/spec/ob/v3p0/extensions.json":     "ob-v3p0-extensions.json",
	"https://purl.imsglobal.org/spec/clr/v2p0/context.json":       "clr-v2p0-context.json",
	"https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "clr-v2p0-context-2.0.1.json",

	// Open Badges 2.0 (import and verification of legacy badges).
	"https://w3id.org/openbadges/v2":                                         "openbadges-v2.json",
	"https://openbadgespec.org/v2/context.json":                              "openbadges-v2.json",
	"https://w3id.org/openbadges/extensions/exampleExtension/context.json":   "ob-v2p0-example-extension.json",
	"https://w3id.org/openbadges/extensions/applyLinkExtension/context.json": "ob-v2p0-applylink-extension.json",

	// Data Integrity, keys and cryptosuites.
	"https://w3id.org/security/data-integrity/v1":      "data-integrity-v1.jsonld",
	"https://w3id.org/security/data-integrity/v2":      "data-integrity-v2.jsonld",
	"https://w3id.org/security/multikey/v1":            "multikey-v1.jsonld",
	"https://w3id.org/security/jwk/v1":                 "jwk-v1.jsonld",
	"https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-2020-v1.jsonld",
	"https://w3id.org/security/suites/jws-2020/v1":     "jws-2020-v1.jsonld",
	"https://w3id.org/security/v1":                     "security-v1.jsonld",
	"https://w3id.org/security/v2":                     "security-v2.jsonld",

	// Status lists.
	"https://www.w3.org/ns/credentials/status/v1": "credentials-status-v1.jsonld",
	"https://w3id.org/vc/status-list/2021/v1":     "status-list-2021-v1.jsonld",

	// Decentralized identifiers.
	"https://www.w3.org/ns/did/v1": "did-v1.jsonld",
	"https://w3id.org/did/v1":      "did-v1.jsonld",
}

// Context returns the bytes of the embedded context document served for url,
// exactly as shipped, and whether there is one.
func Context(url string) ([]byte, bool) {
	name, ok := contextFiles[url]
	if !ok {
		return nil, false
	}
	b, err := contextFS.ReadFile("contexts/" + name)
	if err != nil {
		return nil, false
	}
	return b, true
}

// ContextURLs returns the URLs of all embedded contexts, sorted.
func ContextURLs() []string {
	urls := make([]string, 0, len(contextFiles))
	for u := range contextFiles {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	return urls
}

// parsedContexts holds the decoded JSON of each embedded context, decoded once.
// json-gold only reads the documents a loader returns, so one decoded copy is
// shared by all calls.
var parsedContexts = sync.OnceValues(func() (map[string]*ld.RemoteDocument, error) {
	m := make(map[string]*ld.RemoteDocument, len(contextFiles))
	for u, name := range contextFiles {
		b, err := contextFS.ReadFile("contexts/" + name)
		if err != nil {
			return nil, err
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("jsonld: embedded context %s: %w", name, err)
		}
		m[u] = &ld.RemoteDocument{DocumentURL: u, Document: doc}
	}
	return m, nil
})

// loader is the json-gold DocumentLoader: it serves the embedded contexts
// and nothing else, and never touches the network. Any other URL fails with
// an *UnknownContextError (which json-gold wraps).
type loader struct{}

func (loader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	m, err := parsedContexts()
	if err != nil {
		return nil, err
	}
	d, ok := m[u]
	if !ok {
		return nil, &UnknownContextError{URL: u}
	}
	// json-gold's @import handling writes into the loaded context object, so
	// each load gets its own copy of the two top levels; deeper values are
	// only read.
	doc := d.Document.(map[string]any)
	cp := make(map[string]any, len(doc))
	for k, v := range doc {
		if c, ok := v.(map[string]any); ok && k == "@context" {
			c2 := make(map[string]any, len(c))
			for k2, v2 := range c {
				c2[k2] = v2
			}
			v = c2
		}
		cp[k] = v
	}
	return &ld.RemoteDocument{DocumentURL: d.DocumentURL, Document: cp}, nil
}
