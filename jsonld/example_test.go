package jsonld_test

import (
	"context"
	"fmt"

	"github.com/cairn-badges/cairn/jsonld"
)

func ExampleCanonicalize() {
	doc := map[string]any{
		"@context": []any{"https://www.w3.org/ns/credentials/v2"},
		"id":       "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
		"type":     []any{"VerifiableCredential"},
		"issuer":   "did:example:issuer",
		"credentialSubject": map[string]any{
			"id": "did:example:subject",
		},
	}
	out, err := jsonld.Canonicalize(context.Background(), doc, jsonld.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(out)
	// Output:
	// <urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://www.w3.org/2018/credentials#VerifiableCredential> .
	// <urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <https://www.w3.org/2018/credentials#credentialSubject> <did:example:subject> .
	// <urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <https://www.w3.org/2018/credentials#issuer> <did:example:issuer> .
}

func ExampleCanonicalizeNQuads() {
	in := `_:x <http://example.org/knows> _:y .
_:y <http://example.org/name> "Bob" .
`
	out, err := jsonld.CanonicalizeNQuads(context.Background(), in, jsonld.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(out)
	// Output:
	// _:c14n0 <http://example.org/knows> _:c14n1 .
	// _:c14n1 <http://example.org/name> "Bob" .
}

func ExampleUndefinedTermError() {
	doc := map[string]any{
		"@context": []any{"https://www.w3.org/ns/credentials/v2"},
		"type":     []any{"VerifiableCredential", "MadeUpCredential"},
	}
	_, err := jsonld.Canonicalize(context.Background(), doc, jsonld.Options{})
	fmt.Println(err)
	// Output:
	// jsonld: undefined term "MadeUpCredential" at /type/1
}
