package translog_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/cairn-badges/cairn/translog"
	"golang.org/x/mod/sumdb/note"
)

// The life of a log: append events, sign a checkpoint, prove a credential's
// entry offline, audit the whole log.
func Example() {
	ctx := context.Background()
	// A fixed key for the example; a server keeps its key behind a signer.
	skey, vkey, _ := note.GenerateKey(bytes.NewReader(make([]byte, 64)), "badges.example.edu/log")
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)

	log := translog.New(translog.NewMemStorage())
	signed := []byte(`{"type":["VerifiableCredential","OpenBadgeCredential"], "…": "…"}`)
	first, err := log.Append(ctx,
		translog.Event{
			CredentialID:     "https://badges.example.edu/credentials/7f3a",
			Issuer:           "did:web:badges.example.edu",
			CredentialDigest: sha256.Sum256(signed),
			Type:             translog.Issued,
			Time:             time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		},
		translog.Event{
			CredentialID:     "https://badges.example.edu/credentials/7f3a",
			Issuer:           "did:web:badges.example.edu",
			CredentialDigest: sha256.Sum256(signed),
			Type:             translog.Revoked,
			Time:             time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC),
		})
	if err != nil {
		panic(err)
	}
	msg, _ := log.SignCheckpoint(ctx, signer)
	fmt.Printf("first index %d\n%s", first, msg[:bytes.Index(msg, []byte("\n\n"))+1])

	// A verifier holding the checkpoint checks the revocation's entry.
	cp, _, err := translog.OpenCheckpoint(msg, verifier)
	if err != nil {
		panic(err)
	}
	recs, _ := log.Lookup(ctx, "https://badges.example.edu/credentials/7f3a")
	last := recs[len(recs)-1]
	proof, _ := log.InclusionProof(ctx, last.Index, cp.Size)
	entry, _ := last.Event.Marshal()
	fmt.Println(last.Event.Type, "at index", last.Index, "included:", translog.VerifyInclusion(cp, last.Index, entry, proof) == nil)

	// An auditor downloads the log through its tiles API and checks it all.
	a := &translog.Auditor{Fetch: log.ReadPath, LogKey: verifier}
	res, err := a.Audit(ctx, nil)
	fmt.Println("audit:", res.Checkpoint.Size, "entries, error:", err)
	// Output:
	// first index 0
	// badges.example.edu/log
	// 2
	// pM0x8I0R9eTf4f7MFq39Dxpo+UkAYQCYuWPsDM1HTpw=
	// revoked at index 1 included: true
	// audit: 2 entries, error: <nil>
}
