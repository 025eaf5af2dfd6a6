// Package issuing is Cairn's issuing service: it turns issuers,
// achievements and recipients into signed Open Badges 3.0 credentials, and
// keeps their status lists. It sits between the HTTP layer (api, web) and the
// store, and is the only place where issuer keys sign.
//
// One award, as DESIGN.md lays it out: validate the input → build the
// OpenBadgeCredential from the achievement and the recipient → reserve a
// status-list index (store.ReserveAward, no lock held) → sign (Data
// Integrity eddsa-rdfc-2022 with the issuer's Ed25519 key; VC-JWT ES256
// with its P-256 key when asked), on the request's goroutine → store the
// exact signed bytes (store.InsertAwards, one commit shared by concurrent
// awards).
//
// Issuers are identified by did:web DIDs under the server's base URL
// (did:web:HOST:issuers:ID), whose documents list every key an issuer ever
// had, so that rotating a key keeps old signatures verifiable.
package issuing

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/keyring"
)

// Service issues and manages credentials. Create it with New.
type Service struct {
	store   cairn.Store
	keyring *keyring.Keyring
	base    *url.URL
	now     func() time.Time
	log     *slog.Logger

	templates templates      // shared parts of credentials (template.go)
	schema    *schemaSampler // which credentials get the strict schema check
	parts     partsCache     // achievements, issuers and signers by version (parts.go)
	// requestParts: the JSON forms of awards' evidence and results
	requestParts requestParts
	meter        busyMeter // single awards per second (busy.go)
}

// Options configure a Service.
type Options struct {
	// BaseURL is the server's public base URL, e.g. https://badges.example.org.
	// Credential ids, DIDs and status list URLs are made from it.
	BaseURL string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives background errors (default slog.Default()).
	Log *slog.Logger
	// SchemaSample: the strict OB 3.0 schema check runs on the first
	// credential of each shape (achievement version and optional parts)
	// and then on one in SchemaSample (default DefaultSchemaSample; 1:
	// every one, the default in test binaries).
	SchemaSample int
}

// New returns a Service over store that signs with keys sealed by kr.
func New(store cairn.Store, kr *keyring.Keyring, opts Options) (*Service, error) {
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("issuing: base URL %q: want http(s)://host[/path]", opts.BaseURL)
	}
	s := &Service{store: store, keyring: kr, base: base, now: opts.Now, log: opts.Log, schema: newSchemaSampler(opts.SchemaSample)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// BaseURL returns the server's public base URL, without a trailing slash.
func (s *Service) BaseURL() string { return s.base.String() }

// URL returns the public URL of path (which starts with "/").
func (s *Service) URL(path string) string { return s.base.String() + path }

// CredentialURL is the public URL, and credential id, of an award.
func (s *Service) CredentialURL(awardID string) string { return s.URL("/credentials/" + awardID) }

// AchievementURL is the public URL, and OB id, of an achievement.
func (s *Service) AchievementURL(id string) string { return s.URL("/achievements/" + id) }

// IssuerURL is the public profile page of an issuer.
func (s *Service) IssuerURL(id string) string { return s.URL("/issuers/" + id) }

// ImageURL is the public URL of an image.
func (s *Service) ImageURL(id string) string { return s.URL("/images/" + id) }

// StatusListURL is the public URL of a status list credential.
func (s *Service) StatusListURL(id string) string { return s.URL("/status/" + id) }

// IssuerDID is the did:web identifier of an issuer.
func (s *Service) IssuerDID(is *cairn.Issuer) string { return is.DID(s.base) }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Second) }

// Store returns the store the service works on, for reads the HTTP layer
// makes directly.
func (s *Service) Store() cairn.Store { return s.store }

// ctxErr turns a cancelled context into an Unavailable error.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return cairn.Wrapf(cairn.Unavailable, err, "request cancelled")
	}
	return nil
}
