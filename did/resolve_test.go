package did

import (
	"context"
	"testing"
)

func TestVerificationMethodBareDIDKey(t *testing.T) {
	const d = "did:key:z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB"
	vm, err := (&Resolver{}).VerificationMethod(context.Background(), d, AssertionMethod)
	if err != nil {
		t.Fatal(err)
	}
	if vm.ID != d+"#z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB" || vm.Controller != d {
		t.Fatalf("got id %s controller %s", vm.ID, vm.Controller)
	}
	if _, err := (&Resolver{}).VerificationMethod(context.Background(), "did:web:example.com", AssertionMethod); err == nil {
		t.Fatal("a did:web without fragment was accepted")
	}
}
