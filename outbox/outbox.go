// Package outbox is the one mechanism by which Cairn's effects outside the
// database (mail, webhook deliveries, re-evaluations) follow from changes
// inside it, exactly once as far as the receiver can tell.
//
// A change writes its messages in its own transaction (for awards, the
// store calls the registered [AwardMessagesFunc] inside the award's
// transaction), so a message exists if and only if its change committed. A
// [Worker] then claims due messages with a lease, hands each to the
// [Consumer] registered for its kind, and marks it done, or schedules a
// retry with exponential backoff, or gives up (dead) after the consumer's
// attempts or on a [Permanent] error.
//
// A worker that dies holding a lease loses it when the lease ends, and
// another (or the same, restarted) claims the message again. So a handler
// may see a message more than once, and must make its effect idempotent:
// each message has a stable ID and a Key unique within its kind, which it
// passes on (a webhook's id header, a mail's Message-ID) or records in the
// same transaction as its own bookkeeping.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/cairn-badges/cairn"
)

// Message is one effect to carry out.
type Message struct {
	ID    int64  // assigned by the store
	Kind  string // the consumer that handles it, e.g. "mail" or "webhook"
	OrgID string // the organization it belongs to ("" for the instance)
	// Key identifies the message within its kind: enqueuing a message
	// whose kind and key exist already does nothing, so a retried change
	// cannot enqueue its effect twice.
	Key     string
	Payload []byte
	// NotBefore delays the first attempt (zero: at once).
	NotBefore time.Time

	// Set by the store when claimed.
	Attempts  int // this attempt's number, from 1
	CreatedAt time.Time
}

// State is where a message stands.
type State string

const (
	Pending State = "pending" // waiting for its (next) attempt
	Done    State = "done"    // handled
	Dead    State = "dead"    // given up: attempts exhausted or a permanent error
)

// Limits of a message.
const (
	MaxKeyLen     = 300
	MaxPayloadLen = 1 << 20
)

// Store keeps messages. *store.DB implements it.
type Store interface {
	// Enqueue stores msgs in one transaction of its own, skipping any
	// whose kind and key exist already.
	Enqueue(ctx context.Context, msgs ...Message) error
	// Claim leases up to n due messages of the given kinds to owner until
	// now+lease, counting an attempt on each, oldest due first. Messages
	// leased to another owner whose lease has not ended are not due.
	Claim(ctx context.Context, owner string, kinds []string, n int, lease time.Duration) ([]Message, error)
	// Finish ends owner's lease on message id: Done, Dead (with reason),
	// or Pending again at retryAt (with reason). Errors: Conflict when
	// the lease is no longer owner's (it ended and another claimed it).
	Finish(ctx context.Context, id int64, owner string, state State, retryAt time.Time, reason string) error
}

// Outcome is how the handling of one message ended, for [BatchFinisher].
type Outcome struct {
	ID      int64
	State   State
	RetryAt time.Time // when State is Pending
	Reason  string
}

// BatchFinisher is a [Store] that records the outcomes of many messages in
// one transaction. The worker uses it, when the store has it, for the
// consumers that handle messages in batches.
type BatchFinisher interface {
	// FinishAll ends owner's leases on the messages of outcomes, as Finish
	// does for each, in one transaction. Errors: Conflict when the lease
	// of one or more is no longer owner's (the others are recorded).
	FinishAll(ctx context.Context, owner string, outcomes []Outcome) error
}

// Validate checks a message before it is stored.
func (m *Message) Validate() error {
	switch {
	case m.Kind == "":
		return cairn.Invalidf("kind", "is required")
	case m.Key == "":
		return cairn.Invalidf("key", "is required")
	case len(m.Key) > MaxKeyLen:
		return cairn.Invalidf("key", "is %d bytes, over the limit of %d", len(m.Key), MaxKeyLen)
	case len(m.Payload) > MaxPayloadLen:
		return cairn.Invalidf("payload", "is %d bytes, over the limit of %d", len(m.Payload), MaxPayloadLen)
	}
	return nil
}

// AwardMessagesFunc returns the messages that an award change causes. prev
// is the award before the change (nil for a creation), cur the award being
// stored. It runs inside the store's transaction: it must be quick, must
// not touch the store, and an error aborts the change.
type AwardMessagesFunc func(ctx context.Context, prev, cur *cairn.Award) ([]Message, error)

// Combine returns an AwardMessagesFunc that returns the messages of every
// f, in order. Nil entries are skipped.
func Combine(fs ...AwardMessagesFunc) AwardMessagesFunc {
	return func(ctx context.Context, prev, cur *cairn.Award) ([]Message, error) {
		var all []Message
		for _, f := range fs {
			if f == nil {
				continue
			}
			ms, err := f(ctx, prev, cur)
			if err != nil {
				return nil, err
			}
			all = append(all, ms...)
		}
		return all, nil
	}
}

// AwardBatchMessagesFunc returns the messages that a batch of new awards,
// stored together in one transaction (a bulk job's batch, or concurrent
// single awards sharing a commit), causes: it may write one message for
// the whole batch where an [AwardMessagesFunc] writes one per award. Like
// that, it runs inside the store's transaction, must be quick, must not
// touch the store, and an error aborts the batch.
type AwardBatchMessagesFunc func(ctx context.Context, created []*cairn.Award) ([]Message, error)

// Effect is what award changes cause for one consumer: Award gives the
// messages of one change; Batch, if set, those of a batch of new awards,
// in place of Award's for each of them.
type Effect struct {
	Award AwardMessagesFunc
	Batch AwardBatchMessagesFunc
}

// CombineBatch returns an AwardBatchMessagesFunc that returns, in order,
// each effect's messages for a batch of new awards: its Batch's, or its
// Award's for each award when it has no Batch. Effects without either are
// skipped.
func CombineBatch(effects ...Effect) AwardBatchMessagesFunc {
	return func(ctx context.Context, created []*cairn.Award) ([]Message, error) {
		var all []Message
		for _, e := range effects {
			switch {
			case e.Batch != nil:
				ms, err := e.Batch(ctx, created)
				if err != nil {
					return nil, err
				}
				all = append(all, ms...)
			case e.Award != nil:
				for _, a := range created {
					ms, err := e.Award(ctx, nil, a)
					if err != nil {
						return nil, err
					}
					all = append(all, ms...)
				}
			}
		}
		return all, nil
	}
}

// Handler carries out one message. It returns nil when done, a [Permanent]
// error to give up at once, or another error to be retried.
type Handler func(ctx context.Context, m Message) error

// BatchHandler carries out a batch of messages at once (e.g. grouping
// those about one learner). It returns one error per message, in order, as
// a [Handler] does for one; a nil or short slice means nil for the rest.
// Like a Handler, it may see a message again after a crash, and must be
// idempotent.
type BatchHandler func(ctx context.Context, ms []Message) []error

// Consumer handles the messages of one kind.
type Consumer struct {
	Kind   string
	Handle Handler
	// HandleBatch, when set, is used instead of Handle: each round claims
	// up to BatchSize messages (one claim), hands them over in one call,
	// and records their outcomes together (one transaction, when the
	// store is a [BatchFinisher]).
	HandleBatch BatchHandler
	// BatchSize is the most messages of one HandleBatch call (default
	// 100).
	BatchSize int
	// MaxAttempts before the message is dead (default 12).
	MaxAttempts int
	// Backoff gives the delay before attempt n+1 after attempt n failed
	// (default: 10 s doubling up to 6 h, with jitter).
	Backoff func(attempt int) time.Duration
	// Concurrency is how many of its messages are handled at once
	// (default 4).
	Concurrency int
	// Timeout bounds one attempt (default 30 s); the lease is twice it.
	Timeout time.Duration
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying: the message is dead at once.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked by [Permanent].
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// DefaultBackoff is 10 s after the first failure, doubling up to 6 hours,
// each delay randomized by up to a fifth so that retries spread out.
func DefaultBackoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < 6*time.Hour; i++ {
		d *= 2
	}
	d = min(d, 6*time.Hour)
	return d - time.Duration(rand.Int64N(int64(d/5)+1))
}

// Worker runs the consumers over a store.
type Worker struct {
	store Store
	owner string
	log   *slog.Logger
	// Poll is how often the worker looks for due messages when not woken
	// (default 500 ms).
	Poll time.Duration
	// Now returns the current time (tests may replace it).
	Now func() time.Time

	mu        sync.Mutex
	consumers map[string]*Consumer
	poke      chan struct{}
}

// NewWorker returns a worker that claims messages as owner (unique per
// process, e.g. a random id) and logs to log (nil: slog.Default()).
func NewWorker(st Store, owner string, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.Default()
	}
	return &Worker{store: st, owner: owner, log: log, Poll: 500 * time.Millisecond, Now: time.Now,
		consumers: map[string]*Consumer{}, poke: make(chan struct{}, 1)}
}

// Register adds a consumer. Call it before Run.
func (w *Worker) Register(c Consumer) {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 12
	}
	if c.Backoff == nil {
		c.Backoff = DefaultBackoff
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.consumers[c.Kind] = &c
}

// Wake makes the worker look for due messages now, e.g. after a commit
// that enqueued some. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.poke <- struct{}{}:
	default:
	}
}

// wakeLinger is the least time between two wakes Run passes on to the
// consumers (see Run).
const wakeLinger = 10 * time.Millisecond

// Run handles messages until ctx ends. Each consumer runs in its own loop,
// so a slow kind does not hold up another.
func (w *Worker) Run(ctx context.Context) {
	w.mu.Lock()
	cs := make([]*Consumer, 0, len(w.consumers))
	for _, c := range w.consumers {
		cs = append(cs, c)
	}
	w.mu.Unlock()
	wakes := make([]chan struct{}, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wakes[i] = make(chan struct{}, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx, c, wakes[i])
		}()
	}
	var last time.Time // of the last wake passed on
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-w.poke:
			// Under a stream of commits (every batch of awards wakes the
			// worker), pass wakes on at most every wakeLinger: each makes
			// every consumer look for due messages, a read each, hundreds
			// of times a second for nothing. A lone wake goes at once.
			if d := wakeLinger - time.Since(last); d > 0 {
				select {
				case <-ctx.Done():
					wg.Wait()
					return
				case <-time.After(d):
				}
				select {
				case <-w.poke:
				default:
				}
			}
			last = time.Now()
			for _, ch := range wakes {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}
	}
}

func (w *Worker) loop(ctx context.Context, c *Consumer, wake <-chan struct{}) {
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		for ctx.Err() == nil && w.RunOnce(ctx, c.Kind) > 0 {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

// RunOnce claims one round of due messages of kind and handles them, and
// returns how many it claimed. Tests use it to drive the worker step by step.
func (w *Worker) RunOnce(ctx context.Context, kind string) int {
	w.mu.Lock()
	c := w.consumers[kind]
	w.mu.Unlock()
	if c == nil {
		return 0
	}
	n := c.Concurrency
	if c.HandleBatch != nil {
		n = c.BatchSize
	}
	ms, err := w.store.Claim(ctx, w.owner, []string{kind}, n, 2*c.Timeout)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("outbox: cannot claim messages", "kind", kind, "err", err)
		}
		return 0
	}
	if c.HandleBatch != nil {
		if len(ms) > 0 {
			w.handleBatch(ctx, c, ms)
		}
		return len(ms)
	}
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.handle(ctx, c, m)
		}()
	}
	wg.Wait()
	return len(ms)
}

func (w *Worker) handle(ctx context.Context, c *Consumer, m Message) {
	hctx, cancel := context.WithTimeout(ctx, c.Timeout)
	err := safeHandle(hctx, c.Handle, m)
	cancel()
	if err != nil && ctx.Err() != nil {
		return // stopped in the middle: the lease ends and the message is claimed again
	}
	// A message handled while the worker stops is still recorded, so that
	// its effect is not repeated.
	ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	o := w.outcome(c, m, err)
	if err := w.store.Finish(ctx, m.ID, w.owner, o.State, o.RetryAt, o.Reason); err != nil {
		w.log.Warn("outbox: cannot record the outcome of a message", "kind", m.Kind, "id", m.ID, "err", err)
	}
}

// outcome is what becomes of message m whose handling returned err.
func (w *Worker) outcome(c *Consumer, m Message, err error) Outcome {
	o := Outcome{ID: m.ID, State: Done}
	switch {
	case err == nil:
	case IsPermanent(err) || m.Attempts >= c.MaxAttempts:
		o.State, o.Reason = Dead, err.Error()
		w.log.Warn("outbox: message given up", "kind", m.Kind, "id", m.ID, "attempts", m.Attempts, "err", err)
	default:
		o.State, o.RetryAt, o.Reason = Pending, w.Now().Add(c.Backoff(m.Attempts)), err.Error()
		w.log.Info("outbox: message will be retried", "kind", m.Kind, "id", m.ID, "attempt", m.Attempts, "at", o.RetryAt, "err", err)
	}
	return o
}

// handleBatch hands ms to c.HandleBatch and records the outcomes in one
// transaction (when the store is a BatchFinisher). If the worker stops in
// the middle, only the messages handled without error are recorded; the
// others' leases end and they are claimed again.
func (w *Worker) handleBatch(ctx context.Context, c *Consumer, ms []Message) {
	hctx, cancel := context.WithTimeout(ctx, c.Timeout)
	errs := safeHandleBatch(hctx, c.HandleBatch, ms)
	cancel()
	stopped := ctx.Err() != nil
	ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	outcomes := make([]Outcome, 0, len(ms))
	for i, m := range ms {
		var err error
		if i < len(errs) {
			err = errs[i]
		}
		if err != nil && stopped {
			continue
		}
		outcomes = append(outcomes, w.outcome(c, m, err))
	}
	if bf, ok := w.store.(BatchFinisher); ok {
		if err := bf.FinishAll(ctx, w.owner, outcomes); err != nil {
			w.log.Warn("outbox: cannot record the outcomes of a batch", "kind", c.Kind, "messages", len(outcomes), "err", err)
		}
		return
	}
	for _, o := range outcomes {
		if err := w.store.Finish(ctx, o.ID, w.owner, o.State, o.RetryAt, o.Reason); err != nil {
			w.log.Warn("outbox: cannot record the outcome of a message", "kind", c.Kind, "id", o.ID, "err", err)
		}
	}
}

// safeHandleBatch runs h, turning a panic into an error for every message.
func safeHandleBatch(ctx context.Context, h BatchHandler, ms []Message) (errs []error) {
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("outbox: handler panicked: %v", r)
			errs = make([]error, len(ms))
			for i := range errs {
				errs[i] = err
			}
		}
	}()
	return h(ctx, ms)
}

// safeHandle runs h, turning a panic into an error so that one bad
// message cannot stop the worker.
func safeHandle(ctx context.Context, h Handler, m Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("outbox: handler panicked: %v", r)
		}
	}()
	return h(ctx, m)
}
