package throttle

import (
	"context"
	"sync"
	"time"
)

// A budget is processing time that a context may use: its timer runs
// except while the work waits on something outside this process (see
// Pause), and cancels the context, with cause ErrBudget, when it runs out.
type budget struct {
	mu      sync.Mutex
	total   time.Duration
	left    time.Duration
	started time.Time
	paused  int
	timer   *time.Timer
	done    bool
	cancel  context.CancelCauseFunc
}

type budgetKey struct{}

// WithBudget returns a context that ends when parent does or when d of
// processing time has been used. stop releases its resources and reports
// whether the budget ran out.
func WithBudget(parent context.Context, d time.Duration) (ctx context.Context, stop func() bool) {
	ctx, b := withBudget(parent, d)
	return ctx, func() bool {
		_, expired := b.stop()
		return expired
	}
}

func withBudget(parent context.Context, d time.Duration) (context.Context, *budget) {
	ctx, cancel := context.WithCancelCause(parent)
	b := &budget{total: d, left: d, started: time.Now(), cancel: cancel}
	b.timer = time.AfterFunc(d, b.expire)
	return &budgetCtx{Context: context.WithValue(ctx, budgetKey{}, b), b: b}, b
}

// budgetCtx is a budget's context. Its Err also looks at the clock, so
// that work polling it stops as soon as the budget is used up, even before
// the timer's goroutine has run (a loaded machine can delay it).
type budgetCtx struct {
	context.Context
	b *budget
}

func (c *budgetCtx) Err() error {
	c.b.mu.Lock()
	if !c.b.done && c.b.paused == 0 && time.Since(c.b.started) >= c.b.left {
		c.b.done = true
		c.b.cancel(ErrBudget)
	}
	c.b.mu.Unlock()
	return c.Context.Err()
}

// stop ends the budget's context and returns the processing time it used
// and whether it ran out.
func (b *budget) stop() (used time.Duration, expired bool) {
	b.mu.Lock()
	if b.paused == 0 && !b.done {
		if b.timer.Stop() {
			b.left -= time.Since(b.started)
		} else {
			b.done = true // it fired: expire waits for the lock
		}
	}
	expired = b.done
	b.done = true
	used = min(b.total, b.total-b.left)
	if expired {
		used = b.total
	}
	b.mu.Unlock()
	b.cancel(context.Canceled)
	return used, expired
}

func (b *budget) expire() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done || b.paused > 0 {
		return
	}
	b.done = true
	b.cancel(ErrBudget)
}

// Pause stops the clock of ctx's budget, if it has one, until resume is
// called: time spent waiting on the network (fetching a DID document or a
// status list) is not processing time. Pauses nest; every Pause needs its
// resume. The context still ends when its parent does.
func Pause(ctx context.Context) (resume func()) {
	b, _ := ctx.Value(budgetKey{}).(*budget)
	if b == nil {
		return func() {}
	}
	b.mu.Lock()
	if b.paused == 0 && !b.done {
		if b.timer.Stop() {
			b.left -= time.Since(b.started)
		} else {
			b.left = 0 // it fired: expire waits for the lock, and will see the pause
		}
	}
	b.paused++
	b.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.paused--
			if b.paused > 0 || b.done {
				return
			}
			b.started = time.Now()
			if b.left <= 0 {
				b.done = true
				b.cancel(ErrBudget)
				return
			}
			b.timer.Reset(b.left)
		})
	}
}

// Budgeted reports whether ctx's budget ran out (rather than ctx ending
// otherwise).
func Budgeted(ctx context.Context) bool {
	return context.Cause(ctx) == ErrBudget
}
