package did_test

import (
	"context"
	"fmt"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/keys"
)

func ExampleWebURL() {
	for _, d := range []string{"did:web:example.com", "did:web:example.com:u:alice", "did:web:localhost%3A8443"} {
		u, _ := did.WebURL(d)
		fmt.Println(u)
	}
	// Output:
	// https://example.com/.well-known/did.json
	// https://example.com/u/alice/did.json
	// https://localhost:8443/.well-known/did.json
}

func ExampleKeyDID() {
	pub, _ := keys.DecodeMultikey("z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB")
	d, vm, _ := did.KeyDID(pub)
	fmt.Println(d)
	fmt.Println(vm)
	// Output:
	// did:key:z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB
	// did:key:z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB#z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB
}

func ExampleResolver_VerificationMethod() {
	r := &did.Resolver{Fetcher: &fetch.Map{Entries: map[string]string{
		"did:web:issuer.example": "testdata/did-web-issuer.example.json",
	}}}
	vm, err := r.VerificationMethod(context.Background(), "did:web:issuer.example#key-p256", did.AssertionMethod)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(vm.Type, vm.Controller)
	// Output: Multikey did:web:issuer.example
}
