package issuing

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/translog"
)

// The transparency log
//
// Every award change enters the instance's log (package translog) through
// a durable outbox:
//
//  1. The store calls [Service.AwardEvent] inside the transaction of
//     CreateAward, SetAwardState and UpdateAward, and writes the event it
//     returns to the outbox table in that transaction. An award change
//     never commits without its event.
//  2. [TransparencyLog.Run], a background worker, drains the outbox in
//     batches: one translog append per batch, whose transaction also
//     deletes the batch's outbox rows. An event leaves the outbox exactly
//     when it enters the log, so a crash anywhere loses nothing and
//     appends nothing twice.
//  3. After each drain the worker signs a checkpoint of the new tree with
//     the log key. The key is an Ed25519 note key generated on first run,
//     sealed by the keyring and kept in the database; its name, the log's
//     origin, is the base URL's host and path followed by "/log".

// LogStore is what the transparency log needs from the database: the log's
// storage, the outbox of events waiting for it, and the log key. The SQL
// store's LogStorage implements it.
type LogStore interface {
	translog.Storage
	// Outbox returns up to limit of the oldest waiting events, with their
	// outbox sequence numbers; an entry's Data is the encoded event.
	Outbox(ctx context.Context, limit int) (seqs []int64, entries []translog.Entry, err error)
	// OutboxPending counts the waiting events about a credential.
	OutboxPending(ctx context.Context, credentialID string) (int, error)
	// Draining returns a storage whose Append also deletes outbox rows
	// seqs in its transaction, or fails with translog.ErrConflict if one
	// is gone.
	Draining(seqs []int64) translog.Storage
	// LogKey returns the log key's name and sealed private key; NotFound
	// before the first run.
	LogKey(ctx context.Context) (name string, sealed []byte, err error)
	// CreateLogKey stores a log key unless one exists, and returns the
	// stored one.
	CreateLogKey(ctx context.Context, name string, public, sealed []byte) (string, []byte, error)
}

// LogOptions tune the log worker. Zero values take the defaults.
type LogOptions struct {
	// Interval is how often the worker looks at the outbox when nothing
	// wakes it (default 1s).
	Interval time.Duration
	// BatchDelay is how long the worker waits after being woken by an
	// award change, to gather more events into one append (default 100ms).
	BatchDelay time.Duration
	// BatchSize is the largest number of events one append takes
	// (default 4096).
	BatchSize int
	// Witnesses are sent each new checkpoint to cosign (see Witness).
	Witnesses []Witness
	// WitnessClient makes the requests to witnesses (default
	// http.DefaultClient; each request has a 10 s timeout).
	WitnessClient *http.Client
}

// TransparencyLog is the instance's issuance log: the outbox worker, the
// log key, and the reads the log's HTTP endpoints and the API need. Open
// it with [Service.OpenLog]; it is safe for concurrent use.
type TransparencyLog struct {
	store    LogStore
	log      *translog.Log
	signer   note.Signer
	verifier note.Verifier
	vkey     string
	opts     LogOptions
	logger   *slog.Logger

	base          *url.URL                    // the server's base URL, whose /log/ is this log
	credentialURL func(awardID string) string // an award's credential id

	poke chan struct{} // wakes the worker; buffered, never blocks

	onAppend []func(ctx context.Context, credentialIDs []string) // see OnAppend

	mu        sync.Mutex
	signed    chan struct{} // closed and replaced when a checkpoint is signed
	running   bool
	witnesses map[string]witnessState // by witness URL
}

// logEventKey marks a context whose UpdateAward is a renewal.
type logEventKey struct{}

// withLogEvent marks ctx so that the re-signing made under it is logged as
// event type t (renewed or reissued): the change alone cannot tell them
// apart, and re-signing in the same second may make the same bytes.
func withLogEvent(ctx context.Context, t translog.EventType) context.Context {
	return context.WithValue(ctx, logEventKey{}, t)
}

// LogOrigin returns the origin of the instance's log, and the name of its
// key: the base URL without its scheme, followed by "/log".
func (s *Service) LogOrigin() string {
	return s.base.Host + strings.TrimRight(s.base.Path, "/") + "/log"
}

// AwardEvent returns the transparency log event recording an award change,
// for the store to write to the outbox in the change's transaction (the
// store.AwardEventFunc shape). prev is nil for a new award. It returns nil
// for a change the log does not record (a new reason for the same state).
//
// The event's digest is the SHA-256 of the exact signed credential: the
// Data Integrity JSON, or the VC-JWT for an award issued only as a JWT.
func (s *Service) AwardEvent(ctx context.Context, prev, cur *cairn.Award) (*translog.Event, error) {
	t := s.ChangeType(ctx, prev, cur)
	if t == "" {
		return nil, nil
	}
	at := cur.UpdatedAt
	if at.IsZero() {
		at = s.now()
	}
	ev := &translog.Event{
		CredentialID:     s.CredentialURL(cur.ID),
		Issuer:           s.IssuerDID(&cairn.Issuer{ID: cur.IssuerID}),
		CredentialDigest: sha256.Sum256(SignedBytes(cur)),
		Type:             t,
		Time:             at,
	}
	return ev, nil
}

// ChangeType returns what an award change is, as the transparency log
// names it: issued (prev is nil), revoked, suspended, reinstated, renewed or
// reissued (Renew and Reissue mark their context; a change of the signed
// bytes made otherwise is a re-issue), or "" for a change that is none of
// them (a new reason for the same state). It runs inside the change's
// transaction (the outbox's AwardMessagesFunc calls it too): it only looks
// at its arguments.
func (s *Service) ChangeType(ctx context.Context, prev, cur *cairn.Award) translog.EventType {
	marked, _ := ctx.Value(logEventKey{}).(translog.EventType)
	switch {
	case prev == nil:
		return translog.Issued
	case prev.State != cur.State:
		switch cur.State {
		case cairn.StateRevoked:
			return translog.Revoked
		case cairn.StateSuspended:
			return translog.Suspended
		default:
			return translog.Reinstated
		}
	case marked.Valid():
		// Reissue and Renew say which they are, even when re-signing made
		// the same bytes (same second, nothing changed).
		return marked
	case !bytes.Equal(prev.CredentialJSON, cur.CredentialJSON) || prev.CredentialJWT != cur.CredentialJWT:
		return translog.Reissued
	}
	return ""
}

// SignedBytes returns the exact signed bytes of an award's credential, the
// bytes its log events digest: the Data Integrity JSON, or the VC-JWT when
// the award was issued as a JWT only.
func SignedBytes(aw *cairn.Award) []byte {
	if aw.CredentialJWT != "" && len(aw.Formats) > 0 && !slices.Contains(aw.Formats, cairn.FormatDataIntegrity) {
		return []byte(aw.CredentialJWT)
	}
	return aw.CredentialJSON
}

// logKeyAAD binds the sealed log key to its name.
func logKeyAAD(name string) []byte { return []byte("cairn translog key " + name) }

// LogKeyAAD is the associated data the transparency log's key, named name,
// is sealed with, for master key rotation.
func LogKeyAAD(name string) []byte { return logKeyAAD(name) }

// OpenLog opens the instance's transparency log over st, creating its key
// on first use. Run its worker with [TransparencyLog.Run].
func (s *Service) OpenLog(ctx context.Context, st LogStore, opts LogOptions) (*TransparencyLog, error) {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.BatchDelay <= 0 {
		opts.BatchDelay = 100 * time.Millisecond
	}
	if opts.BatchSize <= 0 || opts.BatchSize > translog.MaxBatch {
		opts.BatchSize = 4096
	}
	name, sealed, err := st.LogKey(ctx)
	if cairn.KindOf(err) == cairn.NotFound {
		name = s.LogOrigin()
		var pub []byte
		var signer keys.Signer
		sealed, _, signer, err = s.keyring.Generate(keys.Ed25519, logKeyAAD(name))
		if err != nil {
			return nil, cairn.Wrapf(cairn.Internal, err, "generating the log key")
		}
		pub = signer.Public().(ed25519.PublicKey)
		name, sealed, err = st.CreateLogKey(ctx, name, pub, sealed)
	}
	if err != nil {
		return nil, err
	}
	if name != s.LogOrigin() {
		// The log's identity is fixed by its first key: a new base URL does
		// not make a new log.
		s.log.Warn("the transparency log keeps its first origin", "origin", name, "base_url_origin", s.LogOrigin())
	}
	ks, err := s.keyring.NewSigner(sealed, logKeyAAD(name))
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "opening the log key")
	}
	pub, ok := ks.Public().(ed25519.PublicKey)
	if !ok {
		return nil, cairn.Errorf(cairn.Internal, "the log key is %s, not Ed25519", ks.Type())
	}
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "log key name %q", name)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "log verifier key")
	}
	l := &TransparencyLog{
		store: st, log: translog.New(st), verifier: v, vkey: vkey, opts: opts, logger: s.log,
		base: s.base, credentialURL: s.CredentialURL,
		signer: &noteSigner{name: name, hash: v.KeyHash(), s: ks},
		poke:   make(chan struct{}, 1), signed: make(chan struct{}),
		witnesses: make(map[string]witnessState),
	}
	return l, nil
}

// noteSigner signs checkpoints with the sealed log key (a keys.Signer),
// as a note.Signer of type Ed25519.
type noteSigner struct {
	name string
	hash uint32
	s    keys.Signer
}

func (n *noteSigner) Name() string                    { return n.name }
func (n *noteSigner) KeyHash() uint32                 { return n.hash }
func (n *noteSigner) Sign(msg []byte) ([]byte, error) { return n.s.Sign(msg) }

// Log returns the underlying log, for reads: tiles, proofs, lookups.
func (l *TransparencyLog) Log() *translog.Log { return l.log }

// Origin returns the log's origin, its key's name.
func (l *TransparencyLog) Origin() string { return l.verifier.Name() }

// VerifierKey returns the log's public key as a note verifier key
// ("<origin>+<hash>+<base64 key>"), what auditors and witnesses configure.
func (l *TransparencyLog) VerifierKey() string { return l.vkey }

// Verifier returns the note verifier of the log key.
func (l *TransparencyLog) Verifier() note.Verifier { return l.verifier }

// Checkpoint returns the latest signed checkpoint and what it says. Errors
// wrap translog.ErrNotFound before the first one is signed.
func (l *TransparencyLog) Checkpoint(ctx context.Context) ([]byte, translog.Checkpoint, error) {
	msg, err := l.log.Checkpoint(ctx)
	if err != nil {
		return nil, translog.Checkpoint{}, err
	}
	c, _, err := translog.OpenCheckpoint(msg, l.verifier)
	if err != nil {
		return nil, translog.Checkpoint{}, fmt.Errorf("the stored checkpoint: %w: %w", err, translog.ErrCorrupt)
	}
	return msg, c, nil
}

// Pending reports whether events about the credential credentialID wait in
// the outbox, accepted but not yet in the log.
func (l *TransparencyLog) Pending(ctx context.Context, credentialID string) (bool, error) {
	n, err := l.store.OutboxPending(ctx, credentialID)
	return n > 0, err
}

// OnAppend registers f to be called by Drain, after the checkpoint that
// includes them is signed, with the credential ids of the events it
// appended (in log order; an id may repeat). It follows the outbox: an
// award change written in its own transaction reaches f once the log has
// it, on the replica that appended it; f must not block for long (queue
// the work). A crash between the append and the call loses the call, not
// the event. Register before Run.
func (l *TransparencyLog) OnAppend(f func(ctx context.Context, credentialIDs []string)) {
	l.onAppend = append(l.onAppend, f)
}

func (l *TransparencyLog) wake() {
	select {
	case l.poke <- struct{}{}:
	default:
	}
}

// Drain appends every event waiting in the outbox to the log, in batches,
// and signs a checkpoint when the tree grew (or none was signed yet). It
// returns how many events it appended. Run calls it; tests call it to
// drain on their own schedule.
func (l *TransparencyLog) Drain(ctx context.Context) (int, error) {
	total := 0
	var appended []string // credential ids, for OnAppend
	for {
		seqs, entries, err := l.store.Outbox(ctx, l.opts.BatchSize)
		if err != nil {
			return total, err
		}
		if len(seqs) == 0 {
			break
		}
		events := make([]translog.Event, len(entries))
		for i, e := range entries {
			if events[i], err = translog.ParseEvent(e.Data); err != nil {
				return total, cairn.Wrapf(cairn.Internal, err, "outbox event %d does not parse", seqs[i])
			}
		}
		_, err = translog.New(l.store.Draining(seqs)).Append(ctx, events...)
		switch {
		case errors.Is(err, translog.ErrConflict):
			// Another worker (another replica) took these events first.
			continue
		case err != nil:
			return total, err
		}
		total += len(events)
		if len(l.onAppend) > 0 {
			for _, ev := range events {
				appended = append(appended, ev.CredentialID)
			}
		}
		if len(seqs) < l.opts.BatchSize {
			break
		}
	}
	if err := l.signIfGrown(ctx); err != nil {
		return total, err
	}
	if len(appended) > 0 {
		for _, f := range l.onAppend {
			f(ctx, appended)
		}
	}
	return total, nil
}

// signIfGrown signs a checkpoint of the current tree unless the stored one
// has its size.
func (l *TransparencyLog) signIfGrown(ctx context.Context) error {
	size, err := l.log.Size(ctx)
	if err != nil {
		return err
	}
	_, c, err := l.Checkpoint(ctx)
	if err == nil && c.Size >= size {
		return nil
	}
	if err != nil && !errors.Is(err, translog.ErrNotFound) {
		return err
	}
	if _, err := l.log.SignCheckpoint(ctx, l.signer); err != nil && !errors.Is(err, translog.ErrConflict) {
		return err
	}
	l.mu.Lock()
	close(l.signed)
	l.signed = make(chan struct{})
	l.mu.Unlock()
	return nil
}

// Run drains the outbox until ctx is done: when woken by an award change
// (after LogOptions.BatchDelay, to batch) and every LogOptions.Interval.
// Errors are logged and retried on the next round.
func (l *TransparencyLog) Run(ctx context.Context) {
	t := time.NewTicker(l.opts.Interval)
	defer t.Stop()
	for {
		if n, err := l.Drain(ctx); err != nil && ctx.Err() == nil {
			l.logger.Warn("transparency log: draining the outbox", "err", err)
		} else if n > 0 {
			l.logger.Debug("transparency log: appended", "events", n)
		}
		if err := l.Witness(ctx); err != nil && ctx.Err() == nil {
			l.logger.Warn("transparency log: witnessing", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-l.poke:
			select {
			case <-ctx.Done():
				return
			case <-time.After(l.opts.BatchDelay):
			}
		}
	}
}

// Inclusion says where a credential's latest event is in the log.
type Inclusion struct {
	// Index is the entry's index in the log.
	Index uint64
	// Checkpoint is the signed checkpoint whose tree includes it, and Note
	// its signed note.
	Checkpoint translog.Checkpoint
	Note       []byte
}

// WaitIncluded waits until every event about the credential credentialID
// (its id URL, [Service.CredentialURL]) is in the log under a signed
// checkpoint, for at most timeout, and returns where the latest one is.
// Errors: NotFound (the log has no event about it), Unavailable (not yet
// included when the timeout passed).
func (l *TransparencyLog) WaitIncluded(ctx context.Context, credentialID string, timeout time.Duration) (*Inclusion, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		l.mu.Lock()
		signed := l.signed
		l.mu.Unlock()
		inc, pending, err := l.included(ctx, credentialID)
		if err != nil || inc != nil {
			return inc, err
		}
		if !pending {
			return nil, cairn.Errorf(cairn.NotFound, "the log has no event about credential %s", credentialID)
		}
		l.wake()
		select {
		case <-ctx.Done():
			return nil, cairn.Errorf(cairn.Unavailable, "credential %s is not yet in the log's checkpoint; try again", credentialID)
		case <-signed:
		case <-time.After(50 * time.Millisecond): // another replica's worker may sign it
		}
	}
}

// included returns the credential's inclusion if its latest event is
// under the signed checkpoint, or pending if some event is still on its
// way.
func (l *TransparencyLog) included(ctx context.Context, credentialID string) (inc *Inclusion, pending bool, err error) {
	n, err := l.store.OutboxPending(ctx, credentialID)
	if err != nil {
		return nil, false, err
	}
	idx, err := l.store.Lookup(ctx, credentialID)
	if err != nil {
		return nil, false, err
	}
	if n > 0 {
		return nil, true, nil
	}
	if len(idx) == 0 {
		return nil, false, nil
	}
	last := idx[len(idx)-1]
	msg, c, err := l.Checkpoint(ctx)
	if errors.Is(err, translog.ErrNotFound) || (err == nil && c.Size <= last) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	return &Inclusion{Index: last, Checkpoint: c, Note: msg}, false, nil
}
