package ob

import (
	"crypto/md5"
	"encoding/hex"
)

func md5Identity(identity, salt string) string {
	sum := md5.Sum([]byte(identity + salt))
	return "md5$" + hex.EncodeToString(sum[:])
}
