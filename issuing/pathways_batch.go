package issuing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/pathway"
)

// This file re-evaluates the pathways of a batch of new awards (a bulk
// job's batch) through one outbox message for the whole batch, instead of
// one per award: the message is written in the batch's transaction, like
// the per-award ones, so exactly-once is the same; its handler reads the
// learners' awards in a few queries and decides most learners (nothing to
// do) without a query of their own.

// KindPathwayEvaluateBatch re-evaluates, for each learner of a batch of
// new awards stored in one transaction, the pathways that involve the
// achievements of the learner's new awards.
const KindPathwayEvaluateBatch = "pathway.evaluate-batch"

// batchPayload is the payload of a KindPathwayEvaluateBatch message: the
// new awards' learners and achievements, of one organization.
type batchPayload struct {
	OrgID    string         `json:"orgId"`
	Learners []batchLearner `json:"learners"`
}

type batchLearner struct {
	Recipient     string `json:"r"`
	AchievementID string `json:"a"`
}

// maxBatchLearners bounds the entries of one KindPathwayEvaluateBatch
// message (about 100 bytes each).
const maxBatchLearners = 1000

// AwardBatchMessages is the outbox.AwardBatchMessagesFunc of pathways:
// for the new awards of one transaction, what AwardMessages gives for
// each, except that the re-evaluations of an organization's awards are one
// KindPathwayEvaluateBatch message (per maxBatchLearners awards) listing
// their learners and achievements, keyed by a hash of the awards' IDs.
// A batch with one such award gets AwardMessages' message. It touches no
// store.
func (p *Pathways) AwardBatchMessages(_ context.Context, created []*cairn.Award) ([]outbox.Message, error) {
	var msgs []outbox.Message
	set := p.involved.Load()
	var orgs []string
	byOrg := map[string][]*cairn.Award{}
	for _, a := range created {
		if m, ok := recordMessage(nil, a); ok {
			msgs = append(msgs, m)
		}
		if set != nil && !(*set)[a.AchievementID] {
			continue
		}
		if byOrg[a.OrgID] == nil {
			orgs = append(orgs, a.OrgID)
		}
		byOrg[a.OrgID] = append(byOrg[a.OrgID], a)
	}
	for _, org := range orgs {
		for aws := byOrg[org]; len(aws) > 0; {
			chunk := aws[:min(len(aws), maxBatchLearners)]
			aws = aws[len(chunk):]
			if len(chunk) == 1 {
				msgs = append(msgs, awardEvaluateMessage(chunk[0]))
				continue
			}
			pl := batchPayload{OrgID: org, Learners: make([]batchLearner, len(chunk))}
			h := sha256.New()
			for i, a := range chunk {
				pl.Learners[i] = batchLearner{Recipient: a.Recipient.Identity, AchievementID: a.AchievementID}
				h.Write([]byte(a.ID))
				h.Write([]byte{0})
			}
			payload, err := json.Marshal(pl)
			if err != nil {
				return nil, cairn.Wrapf(cairn.Internal, err, "encoding a pathway batch message")
			}
			sum := h.Sum(nil)
			msgs = append(msgs, outbox.Message{Kind: KindPathwayEvaluateBatch, OrgID: org, Payload: payload,
				Key: "batch/" + strconv.Itoa(len(chunk)) + "/" + hex.EncodeToString(sum[:16])})
		}
	}
	return msgs, nil
}

// handleEvaluateMany handles a KindPathwayEvaluateBatch message. It reads
// the awards of all its learners in a few queries and, for each learner,
// decides from them whether evaluating the pathways involved could change
// anything: not when the learner holds no pathway's award, no rule
// involved needs the learner's other records, and no automatic pathway's
// rule holds (pathway.Holds, exact). That decision may rest on awards read
// before the learner's lock: an award change since has its own message,
// evaluated after it. Every other learner is evaluated in full, under the
// lock, with fresh facts, up to evalWorkers at a time. A learner whose
// evaluation fails gets messages of its own (KindPathwayEvaluate, keyed
// by this message, so a re-run of it enqueues them once), retried on
// their own; if those cannot be enqueued, the whole message is retried.
func (p *Pathways) handleEvaluateMany(ctx context.Context, m outbox.Message) error {
	var pl batchPayload
	if err := json.Unmarshal(m.Payload, &pl); err != nil || pl.OrgID == "" || len(pl.Learners) == 0 {
		return outbox.Permanent(fmt.Errorf("pathway: bad message payload %q", m.Payload))
	}
	type learner struct {
		recipient string
		achs      []string
		ps        []*pathway.Pathway
		err       error
	}
	var order []*learner
	byRecipient := map[string]*learner{}
	for _, e := range pl.Learners {
		if e.Recipient == "" || e.AchievementID == "" {
			return outbox.Permanent(fmt.Errorf("pathway: bad entry in message payload %q", m.Payload))
		}
		l := byRecipient[e.Recipient]
		if l == nil {
			l = &learner{recipient: e.Recipient}
			byRecipient[e.Recipient] = l
			order = append(order, l)
		}
		if !slices.Contains(l.achs, e.AchievementID) {
			l.achs = append(l.achs, e.AchievementID)
		}
	}
	recipients := make([]string, len(order))
	for i, l := range order {
		recipients[i] = l.recipient
	}
	awards, err := p.st.LearnersAwards(ctx, pl.OrgID, recipients)
	if err != nil {
		return err
	}
	now := p.svc.clock()
	// The pathways of a set of achievements, and whether they need the
	// learners' other records: a batch's learners mostly share them.
	type involved struct {
		ps      []*pathway.Pathway
		records bool
	}
	cache := map[string]involved{}
	var todo []*learner
	for _, l := range order {
		key := strings.Join(l.achs, "\x00")
		inv, ok := cache[key]
		if !ok {
			ps, err := p.orgInvolving(ctx, pl.OrgID, l.achs)
			if err != nil {
				return err
			}
			inv = involved{ps: ps, records: needsRecords(ps)}
			cache[key] = inv
		}
		if len(inv.ps) == 0 {
			continue
		}
		l.ps = inv.ps
		if inv.records || mayChange(inv.ps, &pathway.Facts{Now: now, Awards: awards[l.recipient]}) {
			todo = append(todo, l)
		}
	}
	eachLearner(todo, func(l *learner) { l.err = p.evaluate(ctx, pl.OrgID, l.recipient, l.ps) })
	var retry []outbox.Message
	var errs []error
	for _, l := range todo {
		if l.err == nil {
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %w", l.recipient, l.err))
		for _, a := range l.achs {
			retry = append(retry, EvaluateMessage(pl.OrgID, l.recipient, a, "batch-"+strconv.FormatInt(m.ID, 10)))
		}
	}
	if len(retry) == 0 {
		return nil
	}
	if ctx.Err() != nil {
		return errors.Join(errs...) // stopping: the message is claimed again
	}
	if err := p.st.Enqueue(ctx, retry...); err != nil {
		return errors.Join(append(errs, err)...)
	}
	p.log.Warn("pathway: learners of a batch failed; each will be retried on its own", "message", m.ID,
		"learners", len(errs), "err", errors.Join(errs...))
	return nil
}

// orgInvolving returns the pathways of the organization that involve any
// of achievementIDs, each once.
func (p *Pathways) orgInvolving(ctx context.Context, orgID string, achievementIDs []string) ([]*pathway.Pathway, error) {
	var mine []*pathway.Pathway // the cache's lists are not changed
	for i, id := range achievementIDs {
		ps, err := p.involving(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, pw := range ps {
			if pw.OrgID == orgID && (i == 0 || !slices.ContainsFunc(mine, func(q *pathway.Pathway) bool { return q.ID == pw.ID })) {
				mine = append(mine, pw)
			}
		}
	}
	return mine, nil
}

// mayChange reports whether evaluating ps (whose rules need no records
// beyond awards) for the learner of f (awards only) could change
// anything, exactly as evaluate would decide it: the learner holds a
// pathway's award (which may have to be suspended or reinstated), or the
// rule of an automatic pathway holds (its award may have to be issued).
// Otherwise evaluate would issue, suspend and reinstate nothing.
func mayChange(ps []*pathway.Pathway, f *pathway.Facts) bool {
	if slices.ContainsFunc(f.Awards, func(a pathway.Award) bool { return a.FromPathway }) {
		return true
	}
	for _, pw := range ps {
		if pw.AutoAward && pathway.Holds(pw.Rule, f) {
			return true
		}
	}
	return false
}
