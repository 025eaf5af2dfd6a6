package translog

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// BenchmarkAppend appends batches of events to an in-memory log; one
// iteration is one batch. The appends/s metric is events per second.
func BenchmarkAppend(b *testing.B) {
	events := make([]Event, 1<<14)
	for i := range events {
		events[i] = testEvent(i)
	}
	for _, batch := range []int{256, 1024} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			ctx := context.Background()
			l := New(NewMemStorage())
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				off := (i * batch) % len(events)
				if _, err := l.Append(ctx, events[off:off+batch]...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "appends/s")
		})
	}
}

// bigLog builds a log of n leaves whose hashes are derived from their
// indexes, storing tiles only: the tree of a big log without its entries.
func bigLog(b *testing.B, n int) *Log {
	b.Helper()
	l := New(&MemStorage{dropEntries: true})
	const batch = 1 << 16
	hashes := make([][]byte, batch)
	entries := make([]Entry, batch)
	buf := make([]byte, batch*HashSize)
	for i := 0; i < n; i += batch {
		k := min(batch, n-i)
		for j := 0; j < k; j++ {
			h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i+j)))
			hashes[j] = buf[j*HashSize : (j+1)*HashSize]
			copy(hashes[j], h[:])
		}
		if _, err := l.appendHashed(context.Background(), entries[:k], hashes[:k]); err != nil {
			b.Fatal(err)
		}
	}
	return l
}

var (
	log10MOnce sync.Once
	log10M     *Log
)

// BenchmarkInclusionProof proves a random leaf of a 10,000,000-leaf tree.
// Building the tree (tiles only) takes a few seconds, once per process.
func BenchmarkInclusionProof(b *testing.B) {
	const n = 10_000_000
	log10MOnce.Do(func() { log10M = bigLog(b, n) })
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := log10M.InclusionProof(ctx, r.Uint64N(n), n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConsistencyProof proves a random older size consistent with
// the 10,000,000-leaf tree.
func BenchmarkConsistencyProof(b *testing.B) {
	const n = 10_000_000
	log10MOnce.Do(func() { log10M = bigLog(b, n) })
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := log10M.ConsistencyProof(ctx, 1+r.Uint64N(n-1), n); err != nil {
			b.Fatal(err)
		}
	}
}

var (
	log1MOnce  sync.Once
	log1M      *Log
	log1MSaved []byte
)

// BenchmarkAudit audits a 1,000,000-event log in memory: fetching every
// entry bundle and tile through ReadPath, parsing and hashing every event,
// recomputing the tree and checking it against both checkpoints.
func BenchmarkAudit(b *testing.B) {
	const n = 1_000_000
	s, v := testKeys(b)
	ctx := context.Background()
	log1MOnce.Do(func() {
		l := New(NewMemStorage())
		evs := make([]Event, 1024)
		for i := 0; i < n; i += len(evs) {
			k := min(len(evs), n-i)
			for j := 0; j < k; j++ {
				evs[j] = testEvent(i + j)
			}
			if _, err := l.Append(ctx, evs[:k]...); err != nil {
				b.Fatal(err)
			}
			if i == n/2 {
				saved, err := l.SignCheckpoint(ctx, s)
				if err != nil {
					b.Fatal(err)
				}
				log1MSaved = saved
			}
		}
		if _, err := l.SignCheckpoint(ctx, s); err != nil {
			b.Fatal(err)
		}
		log1M = l
	})
	a := &Auditor{Fetch: log1M.ReadPath, LogKey: v}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := a.Audit(ctx, log1MSaved)
		if err != nil {
			b.Fatal(err)
		}
		if res.Checkpoint.Size != n {
			b.Fatalf("audited %d entries", res.Checkpoint.Size)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "entries/s")
}
