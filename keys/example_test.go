package keys_test

import (
	"fmt"

	"github.com/cairn-badges/cairn/keys"
)

func ExampleDecodeMultikey() {
	pub, err := keys.DecodeMultikey("zDnaeuXTe1166iy8S8nSCLqjcXJSt4j8k2tccZT9XJV5bwLoE")
	if err != nil {
		fmt.Println(err)
		return
	}
	t, _ := keys.TypeOf(pub)
	jwk, _ := keys.PublicJWK(pub)
	fmt.Println(t, jwk["x"], jwk["y"])

	_, err = keys.DecodeMultikey("z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJBy")
	fmt.Println(err)
	// Output:
	// p256 sEsnlaWvtMVywextZlxcM1YUErR58KTZb0bonxrpwrU MQwhYN8xz4pOOq5kaLYrn0JSqfz6svBOJEbbSu4Pga8
	// keys: multikey: Ed25519 Multikey (z6Mk…) has 47 characters, want 48 (truncated or extended?)
}

func ExampleGenerate() {
	k, err := keys.Generate(keys.Ed25519)
	if err != nil {
		fmt.Println(err)
		return
	}
	msg := []byte("credential bytes")
	sig, _ := k.Sign(msg)
	fmt.Println(k.Type().JWSAlgorithm(), len(sig), keys.Verify(k.Public(), msg, sig))
	// Output: EdDSA 64 <nil>
}
