// Package translog is Cairn's tamper-evident issuance log: an append-only
// Merkle tree of credential events with signed checkpoints, proofs anyone
// can check, and an auditor that detects any rewrite of history.
//
// # Model
//
// Every issuance, re-issue, revocation, suspension, reinstatement and
// renewal is an [Event]: credential id, issuer, SHA-256 of the exact signed
// credential bytes, type and time, and no personal data. Its canonical
// encoding ([Event.Marshal]) is one entry of the log, and the entry's RFC
// 6962 leaf hash one leaf of the tree. [Log.Append] adds events in batches
// and never changes an entry once written.
//
// The tree is RFC 6962's (https://www.rfc-editor.org/rfc/rfc6962#section-2.1,
// kept by RFC 9162 §2.1): leaf hash SHA-256(0x00 || entry), interior hash
// SHA-256(0x01 || left || right), computed with
// github.com/transparency-dev/merkle. [Log.InclusionProof] proves an entry is
// in a tree (RFC 9162 §2.1.3) and [Log.ConsistencyProof] that a tree
// extends an older one (RFC 9162 §2.1.4); both verify with
// github.com/transparency-dev/merkle/proof, and [VerifyInclusion] wraps the
// check against a [Checkpoint].
//
// The log periodically signs a [Checkpoint] (https://c2sp.org/tlog-checkpoint):
// origin, tree size and root hash, as a signed note
// (https://c2sp.org/signed-note, golang.org/x/mod/sumdb/note) with the
// log's Ed25519 key, whose name is the origin. "A log MUST not sign any
// checkpoint which is inconsistent with any checkpoint it previously
// signed": [Log.SignCheckpoint] only signs the tree it has, which only
// grows. Witnesses add cosignatures (https://c2sp.org/tlog-cosignature,
// [Cosigner], [NewCosignatureVerifier], [Log.AddCosignatures]) so that a log
// cannot show different histories to different people.
//
// # Storage
//
// A [Storage] keeps entries, hash tiles and the latest checkpoint, and
// indexes entries by credential id. Hashes are stored in the C2SP
// tlog-tiles layout (https://c2sp.org/tlog-tiles#merkle-tree): a tile holds
// 256 consecutive hashes of tree level 8L, the level 0 tiles leaf hashes.
// Every hash of the tree is either stored or computed from at most 256
// stored hashes of one tile, so a proof reads a handful of tiles whatever
// the log's size, and serving the log to auditors ([Log.ReadPath]) is a read
// of stored bytes. Tiles only grow, so a partial tile of any earlier tree
// size is a prefix of the stored tile. [MemStorage] keeps it all in memory;
// database backends must pass translogtest.Run.
//
// # Auditing
//
// An [Auditor] downloads the log as a client would (checkpoint, entry
// bundles, tiles), recomputes every hash, and checks it against the tiles
// served, the log's checkpoint, and the checkpoint it saved last time. It
// reports the first divergent index ([DivergenceError]) and, for two
// validly signed checkpoints that cannot both be true, the two notes as
// evidence ([ForkError]).
package translog
