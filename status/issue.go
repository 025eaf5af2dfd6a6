package status

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// ContextV2 is the VC Data Model 2.0 context, which defines the Bitstring
// Status List terms (BitstringStatusListCredential, BitstringStatusList,
// statusPurpose, encodedList, BitstringStatusListEntry …).
const ContextV2 = "https://www.w3.org/ns/credentials/v2"

// NewListCredential returns the unsigned BitstringStatusListCredential for
// bits (Bitstring Status List §2.2): id is the URL the list is published at,
// the subject is id+"#list". validUntil is omitted when zero. The caller
// signs the result before publishing it.
func NewListCredential(id, issuer string, purpose Purpose, bits *Bitstring, validFrom, validUntil time.Time) (map[string]any, error) {
	switch {
	case !absoluteURL(id):
		return nil, fmt.Errorf("status: list id %q is not an absolute URL", id)
	case !absoluteURL(issuer):
		return nil, fmt.Errorf("status: list issuer %q is not an absolute URI", issuer)
	case !purpose.valid():
		return nil, fmt.Errorf("status: purpose %q is not revocation, suspension, message or refresh", purpose)
	case bits == nil || bits.Len() < MinEntries:
		return nil, fmt.Errorf("status: a published list needs at least %d entries", MinEntries)
	case validFrom.IsZero():
		return nil, errors.New("status: list validFrom is zero")
	case !validUntil.IsZero() && !validUntil.After(validFrom):
		return nil, errors.New("status: list validUntil is not after validFrom")
	}
	doc := map[string]any{
		"@context":  []any{ContextV2},
		"id":        id,
		"type":      []any{"VerifiableCredential", TypeBitstringCredential},
		"issuer":    issuer,
		"validFrom": validFrom.UTC().Format(time.RFC3339),
		"credentialSubject": map[string]any{
			"id":            id + "#list",
			"type":          TypeBitstringList,
			"statusPurpose": string(purpose),
			"encodedList":   bits.Encode(),
		},
	}
	if !validUntil.IsZero() {
		doc["validUntil"] = validUntil.UTC().Format(time.RFC3339)
	}
	return doc, nil
}

// NewEntry returns the credentialStatus object for index in the list
// published at listURL: a BitstringStatusListEntry whose id is
// listURL#index.
func NewEntry(listURL string, purpose Purpose, index int) map[string]any {
	return map[string]any{
		"id":                   fmt.Sprintf("%s#%d", listURL, index),
		"type":                 TypeBitstringEntry,
		"statusPurpose":        string(purpose),
		"statusListIndex":      fmt.Sprint(index),
		"statusListCredential": listURL,
	}
}

// ErrFull is returned by [RandomIndex] when every index is in use.
var ErrFull = errors.New("status: list is full")

// randomTries is how many uniformly random draws RandomIndex makes before
// falling back to a scan from a random start.
const randomTries = 64

// RandomIndex returns an index in [0, size) for which used reports false,
// chosen uniformly at random with crypto/rand while the list is not nearly
// full, so that indexes reveal nothing about issuance order (Bitstring
// Status List §6.1, herd privacy). After repeated collisions it scans from a
// random position, so it finds the last free index; a full list gives
// [ErrFull].
func RandomIndex(used func(int) bool, size int) (int, error) {
	if size <= 0 {
		return 0, fmt.Errorf("status: list size %d is not positive", size)
	}
	n := big.NewInt(int64(size))
	draw := func() (int, error) {
		r, err := rand.Int(rand.Reader, n)
		if err != nil {
			return 0, fmt.Errorf("status: random index: %w", err)
		}
		return int(r.Int64()), nil
	}
	for range randomTries {
		i, err := draw()
		if err != nil {
			return 0, err
		}
		if !used(i) {
			return i, nil
		}
	}
	start, err := draw()
	if err != nil {
		return 0, err
	}
	for k := range size {
		if i := (start + k) % size; !used(i) {
			return i, nil
		}
	}
	return 0, ErrFull
}
