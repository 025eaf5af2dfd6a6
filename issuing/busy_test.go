package issuing

import (
	"testing"
	"time"
)

func TestBusyMeter(t *testing.T) {
	now := time.Unix(1000, 0)
	m := &busyMeter{nowForTest: func() time.Time { return now }}
	if m.busy(3) {
		t.Fatal("busy before any award")
	}
	m.add()
	m.add()
	if m.busy(3) {
		t.Fatal("busy at 2 awards, rate 3")
	}
	m.add()
	if !m.busy(3) {
		t.Fatal("not busy at 3 awards in a second")
	}
	now = now.Add(1500 * time.Millisecond) // the next window: the last one counts
	if !m.busy(3) {
		t.Fatal("not busy just after a busy second")
	}
	m.add()
	now = now.Add(time.Second) // that window had 1
	if m.busy(3) {
		t.Fatal("busy after a quiet second")
	}
	now = now.Add(10 * time.Second)
	if m.busy(1) {
		t.Fatal("busy after ten quiet seconds")
	}
}
