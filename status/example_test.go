package status_test

import (
	"fmt"
	"time"

	"github.com/cairn-badges/cairn/status"
)

func Example() {
	// Issuer: a list with one revoked credential.
	bits, _ := status.New(status.MinEntries)
	bits.Set(23, true)
	doc, _ := status.NewListCredential("https://issuer.example/status/1", "https://issuer.example",
		status.Revocation, bits, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{})

	// Verifier: the credential's entry and the fetched (and verified) list.
	entry, _ := status.ParseEntry(map[string]any{
		"type":                 "BitstringStatusListEntry",
		"statusPurpose":        "revocation",
		"statusListIndex":      "23",
		"statusListCredential": "https://issuer.example/status/1",
	})
	list, _ := status.ParseListCredential(doc)
	st, err := status.Check(entry, list, "urn:uuid:1234")
	fmt.Println(st.Purpose, st.Set, err)
	// Output: revocation true <nil>
}
