package did

import "github.com/mr-tron/base58"

func base58Encode(b []byte) string { return base58.Encode(b) }
