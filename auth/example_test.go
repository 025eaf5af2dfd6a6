package auth_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/cairn-badges/cairn/auth"
)

// An API key is shown once; the store keeps its prefix and hash.
func ExampleNewAPIKey() {
	key, stored := auth.NewAPIKey()
	fmt.Println(strings.HasPrefix(key, "cairn_"+stored.Prefix+"_"), len(key))

	// Later, on a request:
	r := httptest.NewRequest("GET", "/api/v1/awards", nil)
	r.Header.Set("Authorization", "Bearer "+key)
	presented, err := auth.ParseAPIKey(auth.BearerToken(r))
	if err != nil {
		fmt.Println(err)
		return
	}
	// ... the store looks up presented.Prefix and returns stored ...
	fmt.Println(presented.Matches(stored))

	_, err = auth.ParseAPIKey("cairn_secret")
	fmt.Println(errors.Is(err, auth.ErrMalformedAPIKey), err)
	// Output:
	// true 58
	// true
	// true auth: malformed API key: 12 characters long, want 58
}
