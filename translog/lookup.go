package translog

// The JSON answers of a Cairn log's lookup and consistency endpoints
// ({base}/log/lookup/{id}, {base}/log/proof/consistency). The log server
// writes them and verifiers read them; the proofs they carry check with
// [VerifyInclusion] and [VerifyConsistency] against the signed checkpoint
// they name, so a verifier trusts the log key, never the JSON.

// LookupResponse is the JSON of GET {base}/log/lookup/{id}: every entry of
// the log about one credential, with inclusion proofs against a signed
// checkpoint. A log with no entry about the credential answers with no
// entries (and Pending false): that answer, signed checkpoint included, is
// the log saying the credential is not in it. HTTP 404 means there is no
// log at that address.
type LookupResponse struct {
	CredentialID string `json:"credentialId"`
	// Checkpoint is the signed checkpoint note the proofs are against, and
	// TreeSize its size.
	Checkpoint string        `json:"checkpoint"`
	TreeSize   uint64        `json:"treeSize"`
	Entries    []LookupEntry `json:"entries"`
	// Pending is true when events about the credential are accepted but
	// not yet under the checkpoint.
	Pending bool `json:"pending"`
}

// LookupEntry is one log entry about a credential.
type LookupEntry struct {
	Index uint64 `json:"index"`
	Type  string `json:"type"`
	Time  string `json:"time"`
	// Entry is the encoded event, the bytes the leaf hashes. []byte
	// values are standard base64 in the JSON, as hashes are in checkpoints.
	Entry []byte `json:"entry"`
	// InclusionProof proves Entry at Index in the checkpoint's tree (RFC
	// 9162 §2.1.3); absent while the entry is not yet under it.
	InclusionProof [][]byte `json:"inclusionProof,omitempty"`
	Included       bool     `json:"included"`
}

// ConsistencyResponse is the JSON of GET
// {base}/log/proof/consistency?old=N&new=M: the proof that the tree of
// size Old is a prefix of the tree of size New (RFC 9162 §2.1.4).
type ConsistencyResponse struct {
	Old   uint64   `json:"old"`
	New   uint64   `json:"new"`
	Proof [][]byte `json:"proof"`
}
