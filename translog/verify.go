package translog

import (
	"fmt"

	"github.com/transparency-dev/merkle/proof"
)

// VerifyInclusion checks offline that entry (an encoded [Event]) is at
// index in the tree of checkpoint c, given the inclusion proof from
// [Log.InclusionProof] for index and c.Size. It returns nil when the proof
// holds. Verify the checkpoint's signature first ([OpenCheckpoint]).
func VerifyInclusion(c Checkpoint, index uint64, entry []byte, p [][]byte) error {
	if index >= c.Size {
		return fmt.Errorf("translog: index %d is not in a tree of size %d: %w", index, c.Size, ErrInvalid)
	}
	if err := proof.VerifyInclusion(hasher, index, c.Size, hasher.HashLeaf(entry), p, c.Hash); err != nil {
		return fmt.Errorf("translog: inclusion of entry %d in tree of size %d: %w", index, c.Size, err)
	}
	return nil
}

// VerifyConsistency checks offline that the tree of checkpoint newer
// extends the tree of checkpoint older, given the proof from
// [Log.ConsistencyProof] for their sizes. A nil error from a log that
// signed both means neither checkpoint hides a fork from the other.
func VerifyConsistency(older, newer Checkpoint, p [][]byte) error {
	if older.Size > newer.Size {
		older, newer = newer, older
	}
	if err := proof.VerifyConsistency(hasher, older.Size, newer.Size, p, older.Hash, newer.Hash); err != nil {
		return fmt.Errorf("translog: consistency of trees of sizes %d and %d: %w", older.Size, newer.Size, err)
	}
	return nil
}
