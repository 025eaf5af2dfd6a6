package issuing

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/cairn-badges/cairn"
)

// BatchResult is what AwardBatch did with one input: Award is set unless
// Err is; Created is false when the input's idempotency key named an
// award issued before, which Award then is.
type BatchResult struct {
	Award   *cairn.Award
	Created bool
	Err     error
}

// ValidateAward checks and normalizes an award input as Award does,
// without reading the store or issuing. Errors: Invalid, naming the field.
func (s *Service) ValidateAward(in *AwardInput) error { return in.validate(s.clock()) }

// AwardBatch issues many awards of one organization: each input is
// validated, the status entries of all reserved together, each credential
// built and signed on GOMAXPROCS goroutines at once, and the signed awards are stored with
// their transparency-log events in one transaction (store.InsertAwards)
// instead of one per award. It returns one result per input, in order; one
// input's error does not fail the others. Errors per input: those of
// Award.
func (s *Service) AwardBatch(ctx context.Context, orgID string, ins []AwardInput) []BatchResult {
	out := make([]BatchResult, len(ins))
	now := s.clock()
	type parts struct {
		ach *cairn.Achievement
		is  *cairn.Issuer
		fs  map[bool]*formatSigners // by "wants JWT"
		err error
	}
	byAch := map[string]*parts{}
	awards := make([]*cairn.Award, len(ins))
	achOf := make([]*parts, len(ins))
	for i := range ins {
		in := &ins[i]
		if err := in.validate(now); err != nil {
			out[i].Err = err
			continue
		}
		p := byAch[in.AchievementID]
		if p == nil {
			p = &parts{fs: map[bool]*formatSigners{}}
			byAch[in.AchievementID] = p
			p.ach, p.is, p.fs[wantsJWT(in.Formats)], p.err = s.awardParts(ctx, orgID, in.AchievementID, in.Formats)
		}
		if p.err != nil {
			out[i].Err = p.err
			continue
		}
		jwt := wantsJWT(in.Formats)
		if p.fs[jwt] == nil {
			_, _, fs, err := s.awardParts(ctx, orgID, in.AchievementID, in.Formats)
			if err != nil {
				out[i].Err = err
				continue
			}
			p.fs[jwt] = fs
		}
		awards[i] = s.newAward(orgID, in, p.ach, p.is, now)
		achOf[i] = p
	}

	// Reserve the batch (a few queries for all, store.ReserveAwards), sign
	// on every core, then insert what was signed, in one transaction. An
	// entry another replica took meanwhile is reserved and signed again,
	// with the others of its round.
	todo := make([]int, 0, len(ins))
	for i, aw := range awards {
		if aw != nil {
			todo = append(todo, i)
		}
	}
	for attempt := 0; len(todo) > 0; attempt++ {
		batch := make([]*cairn.Award, len(todo))
		for k, i := range todo {
			batch[k] = awards[i]
		}
		reserved := todo[:0:0]
		for k, r := range s.store.ReserveAwards(ctx, batch) {
			i := todo[k]
			switch {
			case r.Err != nil:
				out[i].Err = r.Err
			case r.Existing != nil:
				out[i] = BatchResult{Award: r.Existing}
			default:
				reserved = append(reserved, i)
			}
		}
		signed := make([]bool, len(ins))
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(runtime.GOMAXPROCS(0), len(reserved)) {
			wg.Go(func() {
				for {
					k := int(next.Add(1)) - 1
					if k >= len(reserved) {
						return
					}
					i := reserved[k]
					aw, p := awards[i], achOf[i]
					jwt := len(aw.Formats) > 1 || aw.Formats[0] == cairn.FormatJWT
					if err := s.sign(ctx, aw, p.ach, p.is, p.fs[jwt]); err != nil {
						s.store.ReleaseAward(aw)
						out[i].Err = err
					} else {
						signed[i] = true
					}
				}
			})
		}
		wg.Wait()
		batch = batch[:0]
		idx := make([]int, 0, len(todo))
		for _, i := range reserved {
			if signed[i] {
				batch = append(batch, awards[i])
				idx = append(idx, i)
			}
		}
		todo = todo[:0]
		if len(batch) == 0 {
			break
		}
		for k, r := range s.store.InsertAwards(ctx, batch) {
			i := idx[k]
			switch {
			case r.Err == nil:
				out[i] = BatchResult{Award: awards[i], Created: r.Created}
			case errors.Is(r.Err, cairn.ErrStatusEntryTaken) && attempt < maxResign:
				awards[i].CredentialJSON, awards[i].CredentialJWT = nil, ""
				todo = append(todo, i)
			default:
				out[i].Err = r.Err
			}
		}
	}
	return out
}
