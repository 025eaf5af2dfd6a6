package issuing

import (
	"sync"
	"time"
)

// BusyRate is the rate of single awards (per second, over the last second
// or two) at which Busy says the service is issuing in earnest: a person
// in the console, or a script now and then, stays under it.
const BusyRate = 20

// busyMeter counts single awards in one-second windows: the current one
// and the one before it. Its clock is real time, not the service's
// (tests move that one).
type busyMeter struct {
	mu         sync.Mutex
	start      time.Time // of the current window
	cur, prev  int
	nowForTest func() time.Time
}

func (m *busyMeter) now() time.Time {
	if m.nowForTest != nil {
		return m.nowForTest()
	}
	return time.Now()
}

// add counts one award.
func (m *busyMeter) add() {
	now := m.now()
	m.mu.Lock()
	m.roll(now)
	m.cur++
	m.mu.Unlock()
}

// roll starts a new window when the current one is a second old.
func (m *busyMeter) roll(now time.Time) {
	switch d := now.Sub(m.start); {
	case d < time.Second:
	case d < 2*time.Second:
		m.prev, m.cur, m.start = m.cur, 0, m.start.Add(time.Second)
	default: // a quiet second or more went by
		m.prev, m.cur, m.start = 0, 0, now
	}
}

// busy reports whether the current or the last whole window reached rate.
func (m *busyMeter) busy(rate int) bool {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll(now)
	return m.cur >= rate || m.prev >= rate
}

// Busy reports whether single awards (Award) are being made at BusyRate
// or more. Background work that competes with them for the cores (the
// credential pages rendered ahead) waits while it does.
func (s *Service) Busy() bool { return s.meter.busy(BusyRate) }
