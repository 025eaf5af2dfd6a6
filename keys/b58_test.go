package keys

import "github.com/mr-tron/base58"

func b58(b []byte) string { return base58.Encode(b) }
