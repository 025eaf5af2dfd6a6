package keyring_test

import (
	"fmt"

	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/keys"
)

func Example() {
	// In the server: keyring.LoadMasterKey(os.Getenv, filepath.Join(dataDir, "master.key")).
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		panic(err)
	}
	keyID := []byte("did:web:example.org:issuers:42#key-1")

	// Creating an issuer key: store sealed in the issuer key row, publish publicJWK.
	sealed, publicJWK, _, err := kr.Generate(keys.Ed25519, keyID)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(publicJWK) > 0)

	// Issuing: the row's blob and key id give a signer; no key bytes in sight.
	signer, err := kr.NewSigner(sealed, keyID)
	if err != nil {
		panic(err)
	}
	fmt.Println(signer.Type())

	// The same blob in another issuer's row does not open.
	_, err = kr.NewSigner(sealed, []byte("did:web:example.org:issuers:43#key-1"))
	fmt.Println(err)
	// Output:
	// true
	// ed25519
	// keyring: sealed key does not authenticate (tampered, or bound to another key id)
}
