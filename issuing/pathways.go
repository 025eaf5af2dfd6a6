package issuing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/pathway"
)

// PathwayStore is what the pathway service needs of the store beyond
// cairn.Store. *store.DB implements it; see its methods for the errors.
type PathwayStore interface {
	CreatePathway(ctx context.Context, p *pathway.Pathway) error
	UpdatePathway(ctx context.Context, p *pathway.Pathway) error
	DeletePathway(ctx context.Context, orgID, id string) error
	Pathway(ctx context.Context, orgID, id string) (*pathway.Pathway, error)
	PathwayVersion(ctx context.Context, orgID, id string, version int) (*pathway.Pathway, error)
	PublicPathway(ctx context.Context, id string) (*pathway.Pathway, error)
	Pathways(ctx context.Context, orgID string) ([]*pathway.Pathway, error)
	PathwaysInvolving(ctx context.Context, achievementID string) ([]*pathway.Pathway, error)
	InvolvedAchievements(ctx context.Context) ([]string, error)
	LearnerAwards(ctx context.Context, orgID, recipient string) ([]pathway.Award, error)
	LearnersAwards(ctx context.Context, orgID string, recipients []string) (map[string][]pathway.Award, error)
	LearnerRecognitions(ctx context.Context, orgID, recipient string) ([]pathway.Recognition, error)
	ExternalBadges(ctx context.Context, orgID, recipient string) ([]pathway.ExternalBadge, error)
	AwardByIdempotencyKey(ctx context.Context, orgID, key string) (*cairn.Award, error)
	PathwayAward(ctx context.Context, orgID, pathwayID, recipient string) (*pathway.Earned, error)
	PathwayAwardByID(ctx context.Context, awardID string) (*pathway.Earned, error)
	LearnerPathwayAwards(ctx context.Context, orgID, recipient string) ([]*pathway.Earned, error)
	RecordPathwayAward(ctx context.Context, e *pathway.Earned) error
	UpdatePathwayAward(ctx context.Context, awardID string, suspendedByPathway bool, sources []pathway.Source) error
	PathwayCompletions(ctx context.Context, orgID string) (map[string]map[cairn.AwardState]int, error)
	PathwayRecipients(ctx context.Context, orgID string, achievementIDs []string, after string, limit int) ([]string, error)
	CreateRecognition(ctx context.Context, r *pathway.RecognitionDef) error
	Recognitions(ctx context.Context, orgID string) ([]*pathway.RecognitionDef, error)
	RecordRecognition(ctx context.Context, r *pathway.LearnerRecognition, msgs ...outbox.Message) error
	AddExternalBadge(ctx context.Context, e *pathway.ExternalRecord, msgs ...outbox.Message) error
	Enqueue(ctx context.Context, msgs ...outbox.Message) error
}

// Outbox kinds of the pathway service.
const (
	// KindPathwayEvaluate re-evaluates, for one learner, the pathways that
	// involve one achievement (or every pathway of the organization).
	KindPathwayEvaluate = "pathway.evaluate"
	// KindPathwaySweep evaluates one pathway version for every learner
	// who holds an achievement it involves (after a create or an edit).
	KindPathwaySweep = "pathway.sweep"
	// KindPathwayRecord records that a pathway gave an award made under
	// its idempotency key by something else than the evaluation (an award
	// job issuing to the learners who qualify).
	KindPathwayRecord = "pathway.record"
)

// Pathways runs stackable pathways: it validates and stores them, and
// re-evaluates a learner's pathways after each award change so that a
// pathway's achievement is issued, exactly once, when its rule comes to
// hold, suspended (with a reason naming the badge) when a contributing
// badge is revoked or suspended, and reinstated when the rule holds again.
//
// Award changes reach it through the outbox: AwardMessages runs in each
// award change's transaction and writes a KindPathwayEvaluate message when
// the award's achievement may be involved in a pathway, and Handle (the
// consumer) evaluates; new awards stored together in one transaction (a
// bulk job's batch) write one KindPathwayEvaluateBatch message for the
// batch instead (AwardBatchMessages). It knows which achievements pathways involve from
// an in-memory set, refreshed by Run every RefreshEvery and at once after
// this process changes a pathway. Another replica's change reaches the set
// within RefreshEvery; meanwhile an award change of a newly involved
// achievement is not enqueued, which is why every pathway create and edit
// also enqueues a sweep (KindPathwaySweep) that runs after twice
// RefreshEvery and evaluates everyone who holds an involved achievement.
// Before the first refresh, every award change is enqueued.
//
// Expiry: "notExpired" is evaluated at evaluation time, and ExpiryPass
// (run periodically) enqueues an evaluation for each involved award whose
// validUntil just passed.
type Pathways struct {
	svc *Service
	st  PathwayStore
	log *slog.Logger

	// RefreshEvery is how often Run reloads the set of involved
	// achievements (default 5 s).
	RefreshEvery time.Duration

	involved atomic.Pointer[map[string]bool]
	// involvingCache holds PathwaysInvolving by achievement until the
	// next Refresh.
	cacheMu        sync.Mutex
	involvingCache map[string][]*pathway.Pathway
	// locks serialize the evaluations of one learner in this process
	// (striped by a hash of organization and learner, so bounded).
	locks [64]sync.Mutex
}

// lock locks the evaluations of one learner and returns the unlock.
func (p *Pathways) lock(orgID, recipient string) func() {
	h := fnv.New32a()
	h.Write([]byte(orgID))
	h.Write([]byte{0})
	h.Write([]byte(recipient))
	mu := &p.locks[h.Sum32()%uint32(len(p.locks))]
	mu.Lock()
	return mu.Unlock
}

// NewPathways returns the pathway service over svc and st (normally the
// same store).
func NewPathways(svc *Service, st PathwayStore) *Pathways {
	return &Pathways{svc: svc, st: st, log: svc.log, RefreshEvery: 5 * time.Second}
}

// Store returns the pathway store.
func (p *Pathways) Store() PathwayStore { return p.st }

// PathwayInput is what a caller gives to create or replace a pathway.
type PathwayInput struct {
	Name          string          `json:"name"`
	Description   string          `json:"description,omitempty"`
	AchievementID string          `json:"achievementId"`
	Rule          json.RawMessage `json:"rule"`
	AutoAward     bool            `json:"autoAward"`
}

// MaxPathwayDescriptionLen bounds a pathway's description.
const MaxPathwayDescriptionLen = 5000

// build validates in for pathway self ("" for a new one) of the
// organization.
func (p *Pathways) build(ctx context.Context, orgID, self string, in PathwayInput) (*pathway.Pathway, error) {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	if err := checkText("name", in.Name, 1, MaxNameLen); err != nil {
		return nil, err
	}
	if err := checkText("description", in.Description, 0, MaxPathwayDescriptionLen); err != nil {
		return nil, err
	}
	if in.AchievementID == "" {
		return nil, cairn.Invalidf("achievementId", "is required")
	}
	if _, err := p.svc.store.Achievement(ctx, orgID, in.AchievementID); err != nil {
		return nil, fieldErr("achievementId", err)
	}
	if len(in.Rule) == 0 || string(in.Rule) == "null" {
		return nil, cairn.Invalidf("rule", "is required")
	}
	rule, err := pathway.ParseRule(in.Rule)
	if err != nil {
		return nil, err
	}
	lk, err := p.lookup(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if err := pathway.Validate(self, in.AchievementID, rule, lk); err != nil {
		return nil, err
	}
	return &pathway.Pathway{ID: self, OrgID: orgID, Name: in.Name, Description: in.Description,
		AchievementID: in.AchievementID, Rule: rule, AutoAward: in.AutoAward}, nil
}

func (p *Pathways) lookup(ctx context.Context, orgID string) (pathway.MapLookup, error) {
	lk := pathway.MapLookup{Achievements: map[string]bool{}, Recognitions: map[string]bool{}, Pathways: map[string]*pathway.Rule{}}
	achs, err := p.svc.store.Achievements(ctx, orgID, "")
	if err != nil {
		return lk, err
	}
	for _, a := range achs {
		lk.Achievements[a.ID] = true
	}
	recs, err := p.st.Recognitions(ctx, orgID)
	if err != nil {
		return lk, err
	}
	for _, r := range recs {
		lk.Recognitions[r.ID] = true
	}
	ps, err := p.st.Pathways(ctx, orgID)
	if err != nil {
		return lk, err
	}
	for _, pw := range ps {
		lk.Pathways[pw.ID] = pw.Rule
	}
	return lk, nil
}

// Create validates and stores a new pathway. Errors: Invalid (naming the
// field, e.g. "rule.of[2].achievement").
func (p *Pathways) Create(ctx context.Context, orgID string, in PathwayInput) (*pathway.Pathway, error) {
	pw, err := p.build(ctx, orgID, "", in)
	if err != nil {
		return nil, err
	}
	if err := p.st.CreatePathway(ctx, pw); err != nil {
		return nil, err
	}
	p.changed(ctx, pw)
	return pw, nil
}

// Update stores a new version of a pathway. What was earned under the old
// version stays earned. Errors: Invalid, NotFound.
func (p *Pathways) Update(ctx context.Context, orgID, id string, in PathwayInput) (*pathway.Pathway, error) {
	if _, err := p.st.Pathway(ctx, orgID, id); err != nil {
		return nil, err
	}
	pw, err := p.build(ctx, orgID, id, in)
	if err != nil {
		return nil, err
	}
	if err := p.st.UpdatePathway(ctx, pw); err != nil {
		return nil, err
	}
	p.changed(ctx, pw)
	return pw, nil
}

// Delete deletes a pathway: it awards no more; what it awarded stays.
// Errors: NotFound.
func (p *Pathways) Delete(ctx context.Context, orgID, id string) error {
	if err := p.st.DeletePathway(ctx, orgID, id); err != nil {
		return err
	}
	p.Refresh(ctx)
	return nil
}

// changed refreshes the involved set and enqueues the sweep of a new
// pathway version.
func (p *Pathways) changed(ctx context.Context, pw *pathway.Pathway) {
	p.Refresh(ctx)
	if !pw.AutoAward {
		return
	}
	payload, _ := json.Marshal(sweepPayload{OrgID: pw.OrgID, PathwayID: pw.ID, Version: pw.Version})
	m := outbox.Message{Kind: KindPathwaySweep, OrgID: pw.OrgID, Key: pw.ID + "/" + strconv.Itoa(pw.Version), Payload: payload,
		NotBefore: time.Now().Add(2 * p.RefreshEvery)}
	if err := p.st.Enqueue(ctx, m); err != nil {
		p.log.Warn("pathway: cannot enqueue the sweep of a new version", "pathway", pw.ID, "err", err)
	}
}

// Refresh reloads the set of achievements that pathways involve.
func (p *Pathways) Refresh(ctx context.Context) {
	ids, err := p.st.InvolvedAchievements(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("pathway: cannot load the involved achievements", "err", err)
		}
		return
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	p.cacheMu.Lock()
	p.involvingCache = nil
	p.cacheMu.Unlock()
	p.involved.Store(&set)
}

// involving returns the pathways that involve an achievement, from a
// cache emptied at every Refresh (so as fresh as the involved set: another
// replica's edit is seen within RefreshEvery, and its sweep covers the
// gap). Callers must not change what it returns.
func (p *Pathways) involving(ctx context.Context, achievementID string) ([]*pathway.Pathway, error) {
	p.cacheMu.Lock()
	ps, ok := p.involvingCache[achievementID]
	p.cacheMu.Unlock()
	if ok {
		return ps, nil
	}
	ps, err := p.st.PathwaysInvolving(ctx, achievementID)
	if err != nil {
		return nil, err
	}
	p.cacheMu.Lock()
	if p.involvingCache == nil || len(p.involvingCache) >= maxInvolvingCache {
		p.involvingCache = map[string][]*pathway.Pathway{}
	}
	p.involvingCache[achievementID] = ps
	p.cacheMu.Unlock()
	return ps, nil
}

const maxInvolvingCache = 4096

// Run refreshes the set of involved achievements every RefreshEvery until
// ctx ends.
func (p *Pathways) Run(ctx context.Context) {
	p.Refresh(ctx)
	t := time.NewTicker(p.RefreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.Refresh(ctx)
		}
	}
}

type evalPayload struct {
	OrgID     string `json:"orgId"`
	Recipient string `json:"recipient"`
	// AchievementID names the achievement whose award changed; "" means
	// every pathway of the organization (a recognition, an external badge).
	AchievementID string `json:"achievementId,omitempty"`
}

type sweepPayload struct {
	OrgID     string `json:"orgId"`
	PathwayID string `json:"pathwayId"`
	Version   int    `json:"version"`
}

// EvaluateMessage returns the message that re-evaluates a learner's
// pathways involving achievementID ("": all of the organization's), keyed
// by what caused it (the award's version, a recognition's id …) so that
// the same cause enqueues it once.
func EvaluateMessage(orgID, recipient, achievementID, cause string) outbox.Message {
	sum := sha256.Sum256([]byte(orgID + "\x00" + recipient))
	payload, _ := json.Marshal(evalPayload{OrgID: orgID, Recipient: recipient, AchievementID: achievementID})
	return outbox.Message{Kind: KindPathwayEvaluate, OrgID: orgID, Payload: payload,
		Key: achievementID + "/" + hex.EncodeToString(sum[:16]) + "/" + cause}
}

// AwardMessages is the outbox.AwardMessagesFunc of pathways: for every
// award change (creation, state change, re-issue, renew) of an achievement
// that a pathway may involve, one KindPathwayEvaluate message keyed by
// (recipient, achievement, the award's UpdatedAt). It touches no store.
//
// A new award made under a pathway's idempotency key also gets a
// KindPathwayRecord message, so that the pathway records it whoever made
// it.
func (p *Pathways) AwardMessages(_ context.Context, prev, cur *cairn.Award) ([]outbox.Message, error) {
	var msgs []outbox.Message
	if m, ok := recordMessage(prev, cur); ok {
		msgs = append(msgs, m)
	}
	if set := p.involved.Load(); set != nil && !(*set)[cur.AchievementID] {
		return msgs, nil
	}
	return append(msgs, awardEvaluateMessage(cur)), nil
}

// awardEvaluateMessage is the KindPathwayEvaluate message of an award
// change.
func awardEvaluateMessage(cur *cairn.Award) outbox.Message {
	return EvaluateMessage(cur.OrgID, cur.Recipient.Identity, cur.AchievementID, strconv.FormatInt(cur.UpdatedAt.UnixMicro(), 10))
}

// recordMessage returns the KindPathwayRecord message of a new award made
// under a pathway's idempotency key, if cur is one.
func recordMessage(prev, cur *cairn.Award) (outbox.Message, bool) {
	if prev != nil || !strings.HasPrefix(cur.IdempotencyKey, pathwayKeyPrefix) {
		return outbox.Message{}, false
	}
	payload, _ := json.Marshal(recordPayload{OrgID: cur.OrgID, AwardID: cur.ID})
	return outbox.Message{Kind: KindPathwayRecord, OrgID: cur.OrgID, Key: cur.ID, Payload: payload}, true
}

type recordPayload struct {
	OrgID   string `json:"orgId"`
	AwardID string `json:"awardId"`
}

// parsePathwayKey reads the pathway and version of an IdempotencyKey.
func parsePathwayKey(key string) (pathwayID string, version int, ok bool) {
	parts := strings.Split(strings.TrimPrefix(key, pathwayKeyPrefix), ":")
	if len(parts) != 3 || !strings.HasPrefix(key, pathwayKeyPrefix) {
		return "", 0, false
	}
	v, err := strconv.Atoi(parts[1])
	return parts[0], v, err == nil && v > 0
}

// handleRecord records the pathway award of a KindPathwayRecord message,
// with what makes the rule of its version hold now as its sources.
func (p *Pathways) handleRecord(ctx context.Context, m outbox.Message) error {
	var pl recordPayload
	if err := json.Unmarshal(m.Payload, &pl); err != nil || pl.OrgID == "" || pl.AwardID == "" {
		return outbox.Permanent(fmt.Errorf("pathway: bad message payload %q", m.Payload))
	}
	aw, err := p.svc.store.Award(ctx, pl.OrgID, pl.AwardID)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	pathwayID, version, ok := parsePathwayKey(aw.IdempotencyKey)
	if !ok {
		return outbox.Permanent(fmt.Errorf("pathway: award %s has no pathway key (%q)", aw.ID, aw.IdempotencyKey))
	}
	if _, err := p.st.PathwayAwardByID(ctx, aw.ID); err == nil {
		return nil // the evaluation recorded it
	} else if cairn.KindOf(err) != cairn.NotFound {
		return err
	}
	pw, err := p.st.PathwayVersion(ctx, aw.OrgID, pathwayID, version)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	recipient := aw.Recipient.Identity
	defer p.lock(aw.OrgID, recipient)()
	facts, err := p.Facts(ctx, aw.OrgID, recipient)
	if err != nil {
		return err
	}
	o := pathway.Evaluate(pw.Rule, facts)
	err = p.st.RecordPathwayAward(ctx, &pathway.Earned{AwardID: aw.ID, OrgID: aw.OrgID, PathwayID: pw.ID, Version: pw.Version,
		Recipient: recipient, Sources: o.Sources()})
	if cairn.KindOf(err) == cairn.Conflict {
		return nil // the pathway gave the learner another award meanwhile
	}
	if err == nil {
		p.log.Info("pathway: award recorded", "pathway", pw.ID, "version", pw.Version, "award", aw.ID)
	}
	return err
}

// Consumers returns the outbox consumers of the pathway service.
func (p *Pathways) Consumers() []outbox.Consumer {
	return []outbox.Consumer{
		// In batches: one claim and one finish per batch, and a learner
		// with several messages in it is evaluated once.
		{Kind: KindPathwayEvaluate, Handle: p.handleEvaluate, HandleBatch: p.handleEvaluateBatch, BatchSize: evalBatch,
			Backoff: pathwayBackoff, Concurrency: 4},
		// One message per batch of new awards (a bulk job's): up to
		// 2×maxBatchLearners learners at a time.
		{Kind: KindPathwayEvaluateBatch, Handle: p.handleEvaluateMany, Backoff: pathwayBackoff, Concurrency: 2,
			Timeout: 2 * time.Minute},
		{Kind: KindPathwaySweep, Handle: p.handleSweep, Concurrency: 1, Timeout: 10 * time.Minute},
		{Kind: KindPathwayRecord, Handle: p.handleRecord, Backoff: pathwayBackoff},
	}
}

// pathwayBackoff retries soon at first: a conflict with a concurrent
// evaluation resolves at once.
func pathwayBackoff(attempt int) time.Duration {
	if attempt <= 2 {
		return time.Duration(attempt) * 500 * time.Millisecond
	}
	return outbox.DefaultBackoff(attempt - 2)
}

func (p *Pathways) handleEvaluate(ctx context.Context, m outbox.Message) error {
	var pl evalPayload
	if err := json.Unmarshal(m.Payload, &pl); err != nil || pl.OrgID == "" || pl.Recipient == "" {
		return outbox.Permanent(fmt.Errorf("pathway: bad message payload %q", m.Payload))
	}
	return p.Reevaluate(ctx, pl.OrgID, pl.Recipient, pl.AchievementID)
}

// evalBatch is how many KindPathwayEvaluate messages one batch holds: a
// bulk job makes one per award.
const evalBatch = 200

// handleEvaluateBatch handles KindPathwayEvaluate messages in a batch:
// grouped by learner, each learner's pathways that involve any of the
// batch's achievements (or all of the organization's) are evaluated once,
// up to Concurrency learners at a time. A learner's error is that of each
// of the learner's messages (retried; the evaluation is idempotent).
func (p *Pathways) handleEvaluateBatch(ctx context.Context, ms []outbox.Message) []error {
	errs := make([]error, len(ms))
	type learner struct {
		orgID, recipient string
		achs             []string
		all              bool // a message asked for every pathway
		msgs             []int
	}
	var order []*learner
	byKey := map[string]*learner{}
	for i, m := range ms {
		var pl evalPayload
		if err := json.Unmarshal(m.Payload, &pl); err != nil || pl.OrgID == "" || pl.Recipient == "" {
			errs[i] = outbox.Permanent(fmt.Errorf("pathway: bad message payload %q", m.Payload))
			continue
		}
		k := pl.OrgID + "\x00" + pl.Recipient
		l := byKey[k]
		if l == nil {
			l = &learner{orgID: pl.OrgID, recipient: pl.Recipient}
			byKey[k] = l
			order = append(order, l)
		}
		l.msgs = append(l.msgs, i)
		switch {
		case pl.AchievementID == "":
			l.all = true
		case !slices.Contains(l.achs, pl.AchievementID):
			l.achs = append(l.achs, pl.AchievementID)
		}
	}
	eachLearner(order, func(l *learner) {
		var err error
		if l.all {
			err = p.Reevaluate(ctx, l.orgID, l.recipient, "")
		} else {
			err = p.reevaluate(ctx, l.orgID, l.recipient, l.achs)
		}
		for _, i := range l.msgs {
			errs[i] = err
		}
	})
	return errs
}

// evalWorkers is how many learners of a batch are evaluated at once.
const evalWorkers = 4

// eachLearner calls f on each of ls, evalWorkers at a time, and returns
// when every call has.
func eachLearner[L any](ls []L, f func(L)) {
	work := make(chan L)
	var wg sync.WaitGroup
	for range min(evalWorkers, len(ls)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range work {
				f(l)
			}
		}()
	}
	for _, l := range ls {
		work <- l
	}
	close(work)
	wg.Wait()
}

func (p *Pathways) handleSweep(ctx context.Context, m outbox.Message) error {
	var pl sweepPayload
	if err := json.Unmarshal(m.Payload, &pl); err != nil || pl.OrgID == "" || pl.PathwayID == "" {
		return outbox.Permanent(fmt.Errorf("pathway: bad message payload %q", m.Payload))
	}
	pw, err := p.st.Pathway(ctx, pl.OrgID, pl.PathwayID)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil // deleted
	}
	if err != nil {
		return err
	}
	if pw.Version != pl.Version {
		return nil // a newer version has its own sweep
	}
	all, err := p.orgPathways(ctx, pl.OrgID)
	if err != nil {
		return err
	}
	achs := pathway.Involved(all)[pw.ID]
	after := ""
	for {
		rs, err := p.st.PathwayRecipients(ctx, pl.OrgID, achs, after, 500)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := p.evaluate(ctx, pl.OrgID, r, []*pathway.Pathway{pw}); err != nil {
				return err
			}
		}
		if len(rs) < 500 {
			return nil
		}
		after = rs[len(rs)-1]
	}
}

func (p *Pathways) orgPathways(ctx context.Context, orgID string) (map[string]*pathway.Pathway, error) {
	ps, err := p.st.Pathways(ctx, orgID)
	if err != nil {
		return nil, err
	}
	m := make(map[string]*pathway.Pathway, len(ps))
	for _, pw := range ps {
		m[pw.ID] = pw
	}
	return m, nil
}

// Reevaluate evaluates, for one learner of the organization, the pathways
// that involve achievementID ("": every pathway of the organization), and
// issues, suspends or reinstates their awards accordingly. It is
// idempotent: running it twice issues nothing twice.
func (p *Pathways) Reevaluate(ctx context.Context, orgID, recipient, achievementID string) error {
	if achievementID != "" {
		return p.reevaluate(ctx, orgID, recipient, []string{achievementID})
	}
	ps, err := p.st.Pathways(ctx, orgID)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return nil
	}
	return p.evaluate(ctx, orgID, recipient, ps)
}

// reevaluate evaluates, for one learner, the pathways of the organization
// that involve any of achievementIDs, each once.
func (p *Pathways) reevaluate(ctx context.Context, orgID, recipient string, achievementIDs []string) error {
	mine, err := p.orgInvolving(ctx, orgID, achievementIDs)
	if err != nil || len(mine) == 0 {
		return err
	}
	return p.evaluate(ctx, orgID, recipient, mine)
}

func (p *Pathways) evaluate(ctx context.Context, orgID, recipient string, ps []*pathway.Pathway) error {
	defer p.lock(orgID, recipient)()
	facts, err := p.facts(ctx, orgID, recipient, needsRecords(ps))
	if err != nil {
		return err
	}
	// The learner's pathway awards in one query when there are several
	// pathways (with 100 of them, one lookup each was most of the cost),
	// and none when none of the learner's awards is a pathway's (that
	// query reads the same awards).
	var earned map[string]*pathway.Earned
	if !slices.ContainsFunc(facts.Awards, func(a pathway.Award) bool { return a.FromPathway }) {
		earned = map[string]*pathway.Earned{}
	} else if len(ps) > 1 {
		list, err := p.st.LearnerPathwayAwards(ctx, orgID, recipient)
		if err != nil {
			return err
		}
		earned = make(map[string]*pathway.Earned, len(list))
		for _, e := range list {
			earned[e.PathwayID] = e
		}
	}
	var errs []error
	for _, pw := range ps {
		if err := p.apply(ctx, pw, recipient, facts, earned); err != nil {
			errs = append(errs, fmt.Errorf("pathway %s: %w", pw.ID, err))
		}
	}
	return errors.Join(errs...)
}

// Facts loads what the evaluator needs to know of a learner: awards,
// recognitions, external badges, and the organization's pathways for
// {"pathway": ID} rules (loaded only if a rule asks).
func (p *Pathways) Facts(ctx context.Context, orgID, recipient string) (*pathway.Facts, error) {
	return p.facts(ctx, orgID, recipient, true)
}

// facts is Facts, leaving out the learner's recognitions and external
// badges unless records is set.
func (p *Pathways) facts(ctx context.Context, orgID, recipient string, records bool) (*pathway.Facts, error) {
	f := &pathway.Facts{Now: p.svc.clock()}
	var err error
	if f.Awards, err = p.st.LearnerAwards(ctx, orgID, recipient); err != nil {
		return nil, err
	}
	if records {
		if f.Recognitions, err = p.st.LearnerRecognitions(ctx, orgID, recipient); err != nil {
			return nil, err
		}
		if f.External, err = p.st.ExternalBadges(ctx, orgID, recipient); err != nil {
			return nil, err
		}
	}
	var once sync.Once
	var all map[string]*pathway.Pathway
	f.Pathway = func(id string) (string, *pathway.Rule, bool) {
		once.Do(func() {
			if all, err = p.orgPathways(ctx, orgID); err != nil {
				p.log.Warn("pathway: cannot load the organization's pathways", "org", orgID, "err", err)
			}
		})
		pw := all[id]
		if pw == nil {
			return "", nil, false
		}
		return pw.AchievementID, pw.Rule, true
	}
	return f, nil
}

// needsRecords reports whether a rule of ps may look at the learner's
// recognitions or external badges: it names one, or names a pathway (whose
// rule, read at evaluation time, might). Without them, a rule's outcome
// does not depend on those records.
func needsRecords(ps []*pathway.Pathway) bool {
	var walk func(r *pathway.Rule) bool
	walk = func(r *pathway.Rule) bool {
		switch r.Kind() {
		case pathway.KindRecognition, pathway.KindExternal, pathway.KindPathway:
			return true
		}
		kids := r.Children()
		for i := range kids {
			if walk(&kids[i]) {
				return true
			}
		}
		return false
	}
	for _, pw := range ps {
		if pw.Rule != nil && walk(pw.Rule) {
			return true
		}
	}
	return false
}

// IdempotencyKey is the key of the award a pathway version gives a
// learner: a re-run of the evaluation finds the award instead of issuing
// another.
func IdempotencyKey(pathwayID string, version int, recipient string) string {
	sum := sha256.Sum256([]byte(recipient))
	return pathwayKeyPrefix + pathwayID + ":" + strconv.Itoa(version) + ":" + hex.EncodeToString(sum[:16])
}

const pathwayKeyPrefix = "pathway:"

// apply brings one pathway's award for the learner in line with its rule.
// known, if not nil, holds the learner's pathway awards by pathway.
func (p *Pathways) apply(ctx context.Context, pw *pathway.Pathway, recipient string, facts *pathway.Facts, known map[string]*pathway.Earned) error {
	var earned *pathway.Earned
	if known != nil {
		earned = known[pw.ID]
	} else {
		var err error
		earned, err = p.st.PathwayAward(ctx, pw.OrgID, pw.ID, recipient)
		if err != nil && cairn.KindOf(err) != cairn.NotFound {
			return err
		}
	}
	if earned == nil {
		// The fast check first: most award changes complete nothing, and
		// for those the evaluation tree is never built.
		if !pw.AutoAward || !pathway.Holds(pw.Rule, facts) {
			return nil
		}
		o := pathway.Evaluate(pw.Rule, facts)
		return p.issue(ctx, pw, recipient, &o)
	}
	aw, err := p.svc.store.Award(ctx, pw.OrgID, earned.AwardID)
	if err != nil {
		return err
	}
	if aw.State == cairn.StateRevoked {
		return nil
	}
	// The award holds if the rule it was earned under holds, or the
	// current one does.
	rule := pw.Rule
	holds := pathway.Holds(rule, facts)
	if !holds && earned.Version != pw.Version {
		if old, err := p.st.PathwayVersion(ctx, pw.OrgID, pw.ID, earned.Version); err == nil {
			rule, holds = old.Rule, pathway.Holds(old.Rule, facts)
		}
	}
	switch {
	case aw.State == cairn.StateActive && !holds:
		reason := p.suspendReason(ctx, pw, earned, facts)
		if err := p.st.UpdatePathwayAward(ctx, aw.ID, true, nil); err != nil {
			return err
		}
		if _, err := p.svc.SetState(ctx, pw.OrgID, aw.ID, cairn.StateSuspended, reason); err != nil {
			return err
		}
		p.log.Info("pathway: award suspended", "pathway", pw.ID, "award", aw.ID, "reason", reason)
	case aw.State == cairn.StateSuspended && earned.SuspendedByPathway && holds:
		o := pathway.Evaluate(rule, facts)
		if _, err := p.svc.SetState(ctx, pw.OrgID, aw.ID, cairn.StateActive, "The pathway's requirements are met again."); err != nil {
			return err
		}
		if err := p.st.UpdatePathwayAward(ctx, aw.ID, false, o.Sources()); err != nil {
			return err
		}
		p.log.Info("pathway: award reinstated", "pathway", pw.ID, "award", aw.ID)
	}
	return nil
}

// suspendReason names the contributing badges that no longer count.
func (p *Pathways) suspendReason(ctx context.Context, pw *pathway.Pathway, earned *pathway.Earned, facts *pathway.Facts) string {
	byID := map[string]*pathway.Award{}
	for i := range facts.Awards {
		byID[facts.Awards[i].ID] = &facts.Awards[i]
	}
	var parts []string
	for _, s := range earned.Sources {
		if s.Kind != pathway.SourceAward {
			continue
		}
		a := byID[s.ID]
		what := ""
		switch {
		case a == nil:
			what = "is gone"
		case a.State == cairn.StateRevoked:
			what = "was revoked"
		case a.State == cairn.StateSuspended:
			what = "was suspended"
		case a.ValidUntil != nil && !a.ValidUntil.After(facts.Now):
			what = "expired"
		default:
			continue
		}
		name := s.ID
		if a != nil {
			if ach, err := p.svc.store.Achievement(ctx, pw.OrgID, a.AchievementID); err == nil {
				name = fmt.Sprintf("%q (award %s)", ach.Name, s.ID)
			}
		}
		parts = append(parts, name+" "+what)
	}
	reason := fmt.Sprintf("The requirements of the pathway %q no longer hold", pw.Name)
	if len(parts) > 0 {
		reason += ": contributing badge " + strings.Join(parts, "; ")
	}
	if len(reason) > 1000 {
		reason = reason[:997] + "…"
	}
	return reason + "."
}

// issue gives the pathway's achievement to the learner, with the
// contributing credentials as evidence, exactly once per pathway version
// and learner (the idempotency key), and records it.
func (p *Pathways) issue(ctx context.Context, pw *pathway.Pathway, recipient string, o *pathway.Outcome) error {
	key := IdempotencyKey(pw.ID, pw.Version, recipient)
	aw, err := p.st.AwardByIdempotencyKey(ctx, pw.OrgID, key)
	if err != nil && cairn.KindOf(err) != cairn.NotFound {
		return err
	}
	if aw == nil {
		in, err := p.awardInput(ctx, pw, recipient, o)
		if err != nil {
			return err
		}
		in.IdempotencyKey = key
		aw, _, err = p.svc.Award(ctx, pw.OrgID, *in)
		if cairn.KindOf(err) == cairn.Conflict {
			// A concurrent evaluation (another replica) issued it with
			// other evidence: take that one.
			aw, err = p.st.AwardByIdempotencyKey(ctx, pw.OrgID, key)
		}
		if err != nil {
			return err
		}
		p.log.Info("pathway: achievement awarded", "pathway", pw.ID, "version", pw.Version, "award", aw.ID)
	}
	err = p.st.RecordPathwayAward(ctx, &pathway.Earned{AwardID: aw.ID, OrgID: pw.OrgID, PathwayID: pw.ID, Version: pw.Version,
		Recipient: recipient, Sources: o.Sources()})
	if cairn.KindOf(err) == cairn.Conflict {
		return nil // recorded meanwhile (under another version's key)
	}
	return err
}

func (p *Pathways) awardInput(ctx context.Context, pw *pathway.Pathway, recipient string, o *pathway.Outcome) (*AwardInput, error) {
	in := &AwardInput{AchievementID: pw.AchievementID, Narrative: fmt.Sprintf("Completed the pathway %q.", pw.Name)}
	var newest *cairn.Award
	for _, id := range o.Awards {
		a, err := p.svc.store.Award(ctx, pw.OrgID, id)
		if err != nil {
			return nil, err
		}
		if newest == nil || a.AwardedDate.After(newest.AwardedDate) {
			newest = a
		}
		if len(in.Evidence) < MaxEvidence {
			name := "Badge " + id
			if ach, err := p.svc.store.Achievement(ctx, pw.OrgID, a.AchievementID); err == nil {
				name = ach.Name
			}
			in.Evidence = append(in.Evidence, ob.Evidence{ID: p.svc.CredentialURL(id), Name: name,
				Description: "A credential that counts toward this pathway."})
		}
	}
	for _, id := range o.Recognitions {
		if len(in.Evidence) < MaxEvidence {
			in.Evidence = append(in.Evidence, ob.Evidence{Name: "Recognition of prior learning", Narrative: "Recorded by the issuer (record " + id + ")."})
		}
	}
	for _, id := range o.External {
		if len(in.Evidence) < MaxEvidence {
			in.Evidence = append(in.Evidence, ob.Evidence{Name: "External badge", Narrative: "Presented by the learner and verified (record " + id + ")."})
		}
	}
	switch {
	case newest != nil && newest.Recipient.Type == cairn.RecipientDID:
		in.Recipient.DID = recipient
	default:
		in.Recipient.Email = recipient
		if newest != nil && newest.Recipient.Salt == "" {
			f := false
			in.Recipient.Hashed = &f
		}
	}
	if newest == nil && strings.HasPrefix(recipient, "did:") {
		in.Recipient = RecipientInput{DID: recipient}
	}
	if newest != nil {
		in.Recipient.Name, in.Recipient.ShowName = newest.Recipient.Name, newest.Recipient.ShowName
	}
	return in, nil
}

// Progress evaluates a pathway for one learner, and returns the learner's
// award of it, if any. Errors: Invalid (bad recipient), NotFound.
func (p *Pathways) Progress(ctx context.Context, orgID, pathwayID, recipient string) (*pathway.Pathway, *pathway.Outcome, *pathway.Earned, error) {
	recipient, err := NormalizeRecipient(recipient)
	if err != nil {
		return nil, nil, nil, err
	}
	pw, err := p.st.Pathway(ctx, orgID, pathwayID)
	if err != nil {
		return nil, nil, nil, err
	}
	facts, err := p.Facts(ctx, orgID, recipient)
	if err != nil {
		return nil, nil, nil, err
	}
	o := pathway.Evaluate(pw.Rule, facts)
	earned, err := p.st.PathwayAward(ctx, orgID, pw.ID, recipient)
	if err != nil && cairn.KindOf(err) != cairn.NotFound {
		return nil, nil, nil, err
	}
	return pw, &o, earned, nil
}

// NormalizeRecipient checks a learner's identity (an email address or a
// DID) and returns it as awards store it (email addresses in lower case).
func NormalizeRecipient(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", cairn.Invalidf("recipient", "is required (an email address or a DID)")
	case strings.HasPrefix(s, "did:"):
		if err := checkDID("recipient", s); err != nil {
			return "", err
		}
		return s, nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 320 {
		return "", cairn.Invalidf("recipient", "%q is not an email address or a DID", s)
	}
	return strings.ToLower(s), nil
}

// RecognitionInput defines a kind of prior learning the organization
// recognizes.
type RecognitionInput struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Credits     *float64 `json:"credits,omitempty"`
}

// CreateRecognition stores a recognition of prior learning that rules may
// name ({"recognition": ID}). Errors: Invalid.
func (p *Pathways) CreateRecognition(ctx context.Context, orgID string, in RecognitionInput) (*pathway.RecognitionDef, error) {
	if err := checkText("name", strings.TrimSpace(in.Name), 1, MaxNameLen); err != nil {
		return nil, err
	}
	if err := checkText("description", in.Description, 0, MaxDescriptionLen); err != nil {
		return nil, err
	}
	if in.Credits != nil && (*in.Credits < 0 || *in.Credits > 1e6) {
		return nil, cairn.Invalidf("credits", "must be between 0 and 1000000")
	}
	r := &pathway.RecognitionDef{OrgID: orgID, Name: strings.TrimSpace(in.Name), Description: in.Description, Credits: in.Credits}
	if err := p.st.CreateRecognition(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// LearnerRecognitionInput records a recognition for a learner.
type LearnerRecognitionInput struct {
	RecognitionID string        `json:"recognitionId"`
	Evidence      []ob.Evidence `json:"evidence"`
	Note          string        `json:"note,omitempty"`
}

// RecordRecognition records, with its evidence, that the learner holds a
// recognition of prior learning, and re-evaluates the learner's pathways
// (through the outbox, in the same transaction). Errors: Invalid
// (evidence is required), NotFound.
func (p *Pathways) RecordRecognition(ctx context.Context, orgID, recipient, recordedBy string, in LearnerRecognitionInput) (*pathway.LearnerRecognition, error) {
	recipient, err := NormalizeRecipient(recipient)
	if err != nil {
		return nil, err
	}
	if in.RecognitionID == "" {
		return nil, cairn.Invalidf("recognitionId", "is required")
	}
	if len(in.Evidence) == 0 {
		return nil, cairn.Invalidf("evidence", "is required: say what the recognition rests on")
	}
	if len(in.Evidence) > MaxEvidence {
		return nil, cairn.Invalidf("evidence", "has %d entries; the limit is %d", len(in.Evidence), MaxEvidence)
	}
	for i := range in.Evidence {
		e := &in.Evidence[i]
		e.Type = ob.List[string]{"Evidence"}
		field := fmt.Sprintf("evidence[%d]", i)
		if e.ID != "" {
			if err := checkURL(field+".id", e.ID); err != nil {
				return nil, err
			}
		}
		if e.ID == "" && e.Narrative == "" && e.Name == "" {
			return nil, cairn.Invalidf(field, "needs an id (URL), a name or a narrative")
		}
		for f, v := range map[string]string{".name": e.Name, ".description": e.Description, ".narrative": e.Narrative} {
			if err := checkText(field+f, v, 0, MaxDescriptionLen); err != nil {
				return nil, err
			}
		}
	}
	if err := checkText("note", in.Note, 0, MaxDescriptionLen); err != nil {
		return nil, err
	}
	r := &pathway.LearnerRecognition{ID: newRecordID(), OrgID: orgID, RecognitionID: in.RecognitionID, Recipient: recipient,
		Evidence: in.Evidence, Note: in.Note, RecordedBy: recordedBy}
	if err := p.st.RecordRecognition(ctx, r, EvaluateMessage(orgID, recipient, "", "recognition:"+r.ID)); err != nil {
		return nil, fieldErr("recognitionId", err)
	}
	return r, nil
}

func newRecordID() string { return uuid.NewString() }

// AddExternal records a verified badge of another issuer that the learner
// presented, and re-evaluates the learner's pathways (through the outbox,
// in the same transaction). The caller verified the credential.
func (p *Pathways) AddExternal(ctx context.Context, orgID string, rec *pathway.ExternalRecord) error {
	rec.OrgID = orgID
	rec.ID = newRecordID()
	return p.st.AddExternalBadge(ctx, rec, EvaluateMessage(orgID, rec.Recipient, "", "external:"+rec.ID))
}

// ExternalFromCredential reads, from an Open Badges credential (JSON) that
// verified, what a rule {"external": …} matches, and checks that it was
// issued to recipient: its subject's id is the recipient's DID, or one of
// its identifiers is the recipient's email address (plain, or hashed as
// OB 3.0 §IdentityObject says). Errors: Invalid (naming the field).
func ExternalFromCredential(doc []byte, recipient string) (*pathway.ExternalRecord, error) {
	var c struct {
		ID         string          `json:"id"`
		Issuer     json.RawMessage `json:"issuer"`
		ValidUntil *time.Time      `json:"validUntil"`
		Expiration *time.Time      `json:"expirationDate"`
		Subject    struct {
			ID          string              `json:"id"`
			Identifier  []ob.IdentityObject `json:"identifier"`
			Achievement struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"achievement"`
		} `json:"credentialSubject"`
	}
	if err := json.Unmarshal(doc, &c); err != nil {
		return nil, cairn.Invalidf("credential", "is not an Open Badges credential in JSON (a VC-JWT is not accepted here yet)")
	}
	var issuer string
	if json.Unmarshal(c.Issuer, &issuer) != nil {
		var o struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(c.Issuer, &o)
		issuer = o.ID
	}
	switch {
	case c.ID == "":
		return nil, cairn.Invalidf("credential.id", "is required")
	case issuer == "":
		return nil, cairn.Invalidf("credential.issuer", "is required")
	case c.Subject.Achievement.ID == "" && c.Subject.Achievement.Name == "":
		return nil, cairn.Invalidf("credential.credentialSubject.achievement", "is required")
	}
	if !issuedTo(c.Subject.ID, c.Subject.Identifier, recipient) {
		return nil, cairn.Invalidf("credential.credentialSubject", "was not issued to %s", recipient)
	}
	until := c.ValidUntil
	if until == nil {
		until = c.Expiration
	}
	return &pathway.ExternalRecord{Recipient: recipient, CredentialID: c.ID, Issuer: issuer,
		AchievementID: c.Subject.Achievement.ID, AchievementName: c.Subject.Achievement.Name, ValidUntil: until}, nil
}

func issuedTo(subjectID string, ids []ob.IdentityObject, recipient string) bool {
	if subjectID != "" && (subjectID == recipient || strings.EqualFold(strings.TrimPrefix(subjectID, "mailto:"), recipient)) {
		return true
	}
	for _, id := range ids {
		if !id.Hashed {
			if strings.EqualFold(id.IdentityHash, recipient) {
				return true
			}
			continue
		}
		h, ok := strings.CutPrefix(id.IdentityHash, "sha256$")
		if !ok {
			continue
		}
		for _, cand := range []string{recipient, strings.ToLower(recipient)} {
			sum := sha256.Sum256([]byte(cand + id.Salt))
			if strings.EqualFold(hex.EncodeToString(sum[:]), h) {
				return true
			}
		}
	}
	return false
}

// Candidate is a learner for whom a pathway's rule holds today.
type Candidate struct {
	Recipient string
	Outcome   pathway.Outcome
	// Holds is set when the learner already holds the pathway's award.
	Holds bool
}

// MaxCandidates bounds how many learners Qualifying looks at.
const MaxCandidates = 2000

// Qualifying returns the learners (among the first MaxCandidates who hold
// an achievement the pathway involves) for whom the pathway's current rule
// holds today, and whether each already holds its award: the preview of
// the staff pages. Errors: NotFound.
func (p *Pathways) Qualifying(ctx context.Context, orgID, pathwayID string) (*pathway.Pathway, []Candidate, error) {
	pw, err := p.st.Pathway(ctx, orgID, pathwayID)
	if err != nil {
		return nil, nil, err
	}
	all, err := p.orgPathways(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	rs, err := p.st.PathwayRecipients(ctx, orgID, pathway.Involved(all)[pw.ID], "", MaxCandidates)
	if err != nil {
		return nil, nil, err
	}
	var out []Candidate
	for _, r := range rs {
		facts, err := p.Facts(ctx, orgID, r)
		if err != nil {
			return nil, nil, err
		}
		o := pathway.Evaluate(pw.Rule, facts)
		if !o.Satisfied {
			continue
		}
		c := Candidate{Recipient: r, Outcome: o}
		if _, err := p.st.PathwayAward(ctx, orgID, pw.ID, r); err == nil {
			c.Holds = true
		} else if cairn.KindOf(err) != cairn.NotFound {
			return nil, nil, err
		}
		out = append(out, c)
	}
	return pw, out, nil
}

// QualifyingAwards returns the pathway and the awards of its achievement
// to every learner Qualifying finds who does not hold it yet (whether or
// not the pathway awards automatically), each with the evidence and the
// idempotency key of an automatic award (so that the pathway records it,
// and never issues it a second time), for an award job to issue.
// Errors: NotFound.
func (p *Pathways) QualifyingAwards(ctx context.Context, orgID, pathwayID string) (*pathway.Pathway, []AwardInput, error) {
	pw, cs, err := p.Qualifying(ctx, orgID, pathwayID)
	if err != nil {
		return nil, nil, err
	}
	var out []AwardInput
	for _, c := range cs {
		if c.Holds {
			continue
		}
		in, err := p.awardInput(ctx, pw, c.Recipient, &c.Outcome)
		if err != nil {
			return nil, nil, err
		}
		in.IdempotencyKey = IdempotencyKey(pw.ID, pw.Version, c.Recipient)
		out = append(out, *in)
	}
	return pw, out, nil
}

// IssueQualifying issues the pathway's achievement to every learner
// Qualifying finds who does not hold it yet (whether or not the pathway
// awards automatically), with the same idempotency keys as the automatic
// awards, and returns how many it issued. Errors: NotFound, and the first
// failure (the awards before it stand).
func (p *Pathways) IssueQualifying(ctx context.Context, orgID, pathwayID string) (int, error) {
	pw, cs, err := p.Qualifying(ctx, orgID, pathwayID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cs {
		if c.Holds {
			continue
		}
		unlock := p.lock(orgID, c.Recipient)
		err := p.issue(ctx, pw, c.Recipient, &c.Outcome)
		unlock()
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
