package jobs

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
)

// RowKey is the idempotency key of a job's row: the award it gives is
// found, not issued again, however often the row is tried.
func RowKey(jobID string, row int) string { return "job:" + jobID + ":" + strconv.Itoa(row) }

// Run issues the rows of queued and running jobs, Options.Workers
// batches at a time, until ctx is done. Every process runs it; replicas
// on one PostgreSQL database share the work. With releaseLeases (the only
// process using the database, as with SQLite) the leases a killed process
// held are ended at once instead of when they run out.
func (s *Service) Run(ctx context.Context, releaseLeases bool) {
	if releaseLeases {
		if err := s.store.ReleaseAwardJobLeases(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("releasing award job leases", "err", err)
		}
	}
	var wg sync.WaitGroup
	for range s.opts.Workers {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Go(func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			if _, err := s.store.DeleteStaleAwardJobs(ctx, time.Now().Add(-staleLoading)); err != nil && ctx.Err() == nil {
				s.log.Warn("deleting stale award jobs", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	wg.Wait()
}

func (s *Service) work(ctx context.Context) {
	t := time.NewTicker(s.opts.Poll)
	defer t.Stop()
	for ctx.Err() == nil {
		n, err := s.Step(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("award job batch", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-s.wake:
			s.Wake() // let the other workers look too
		case <-t.C:
		}
	}
}

// Step claims one batch of pending rows, issues it and records what
// became of each row. It returns how many rows it claimed (0: nothing to
// do).
func (s *Service) Step(ctx context.Context) (int, error) {
	job, rows, err := s.store.ClaimAwardJobRows(ctx, s.opts.Owner, time.Now().Add(s.opts.Lease), s.opts.BatchSize)
	if err != nil || job == nil {
		return 0, err
	}
	s.inFlight.Add(1)
	defer func() {
		s.lastBatch.Store(time.Now().UnixNano())
		s.inFlight.Add(-1)
	}()
	ins := make([]issuing.AwardInput, 0, len(rows))
	idx := make([]int, 0, len(rows))
	for i, r := range rows {
		var ri rowInput
		if err := json.Unmarshal(r.Input, &ri); err != nil {
			r.State, r.Column, r.Reason = cairn.RowFailed, "", "the stored row cannot be read"
			continue
		}
		in := ri.AwardInput
		in.IdempotencyKey = ri.Key // set by CreateFromAwards only
		if in.IdempotencyKey == "" {
			in.IdempotencyKey = RowKey(job.ID, r.Num)
		}
		ins = append(ins, in)
		idx = append(idx, i)
	}
	for k, res := range s.svc.AwardBatch(ctx, job.OrgID, ins) {
		r := rows[idx[k]]
		switch {
		case res.Err == nil:
			r.State, r.AwardID = cairn.RowIssued, res.Award.ID
		case cairn.KindOf(res.Err) == cairn.Unavailable || ctx.Err() != nil:
			r.State = cairn.RowPending // tried again later
		case cairn.KindOf(res.Err) == cairn.Internal:
			s.log.Error("award job row", "job", job.ID, "row", r.Num, "err", res.Err)
			r.State, r.Column, r.Reason = cairn.RowFailed, "", "internal error; the server logged it"
		default:
			field := cairn.FieldOf(res.Err)
			r.State, r.Column = cairn.RowFailed, columnOf(field)
			r.Reason = strings.TrimPrefix(cairn.PublicMessage(res.Err), field+": ")
		}
	}
	// Record the outcome even when ctx ends now: what was issued is
	// stored, and recording it spares the next worker a lookup.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := s.store.FinishAwardJobRows(fctx, job.ID, rows); err != nil {
		return len(rows), err
	}
	return len(rows), nil
}
