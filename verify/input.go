package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/cairn-badges/cairn/bake"
)

// TooLargeError reports an input over its limit: MaxCredentialBytes for a
// credential, MaxInputBytes for a baked image.
type TooLargeError struct {
	What  string // "credential" or "image"
	Limit int    // in bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the %s is larger than the limit of %d bytes", e.What, e.Limit)
}

// ReadInput reads what is to be verified from r, refusing it as soon as it
// passes its limit, so that an oversized input is never read whole: a PNG
// or SVG badge (recognized by its first bytes) may have MaxInputBytes, any
// other input (credential JSON, a JWT) MaxCredentialBytes. An input over
// its limit gives a *TooLargeError; a read error is returned as is.
func ReadInput(r io.Reader) ([]byte, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	head = head[:n]
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return head, nil
	}
	if err != nil {
		return nil, err
	}
	what, limit := "credential", MaxCredentialBytes
	if _, err := bake.Detect(head); err == nil {
		what, limit = "image", MaxInputBytes
	}
	data, err := io.ReadAll(io.LimitReader(io.MultiReader(bytes.NewReader(head), r), int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, &TooLargeError{What: what, Limit: limit}
	}
	return data, nil
}
