package pathway

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
)

// Award is what the evaluator needs of one of the learner's awards.
type Award struct {
	ID            string
	AchievementID string
	State         cairn.AwardState
	AwardedDate   time.Time
	ValidFrom     time.Time
	ValidUntil    *time.Time
	Score         *float64 // see Score
	CreditsEarned *float64
	// CreditsAvailable is the achievement's, counted when CreditsEarned
	// is nil.
	CreditsAvailable *float64
	// FromPathway is set when a pathway gave the award (the store has
	// its record): a learner none of whose awards has it holds no
	// pathway award.
	FromPathway bool
}

// Credits returns the credits the award counts for: CreditsEarned, else
// the achievement's CreditsAvailable, else 0.
func (a *Award) Credits() float64 {
	switch {
	case a.CreditsEarned != nil:
		return *a.CreditsEarned
	case a.CreditsAvailable != nil:
		return *a.CreditsAvailable
	}
	return 0
}

// Recognition is a recognition of prior learning staff recorded for the
// learner: ID is the record, RecognitionID the recognition it grants.
type Recognition struct {
	ID            string
	RecognitionID string
	Credits       *float64
}

// ExternalBadge is a badge of another issuer the learner presented and
// that verified.
type ExternalBadge struct {
	ID              string // the record
	Issuer          string // the credential's issuer id
	AchievementID   string
	AchievementName string
	ValidUntil      *time.Time
}

// Facts is what is known of one learner when a rule is evaluated.
type Facts struct {
	Now          time.Time
	Awards       []Award
	Recognitions []Recognition
	External     []ExternalBadge
	// Pathway resolves {"pathway": ID}: the achievement that pathway
	// awards and its current rule; ok false for an unknown pathway.
	Pathway func(id string) (achievementID string, rule *Rule, ok bool)
}

// Score returns the learner's score in results: the highest result value
// that is a number (a percentage sign is ignored), or nil.
func Score(results []ob.Result) *float64 {
	var best *float64
	for _, r := range results {
		v := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r.Value), "%"))
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		if best == nil || f > *best {
			best = &f
		}
	}
	return best
}

// Node is the evaluation of one rule: whether it holds and why (or why
// not), with the evaluation of its sub-rules.
type Node struct {
	Path      string `json:"path"` // the rule's field, e.g. "rule.of[2]"
	Kind      string `json:"kind"`
	Ref       string `json:"ref,omitempty"` // the achievement, pathway or recognition id, or the external issuer
	Satisfied bool   `json:"satisfied"`
	// Reason says why a leaf does not hold ("not earned", "revoked" …) or
	// which award makes it hold.
	Reason string `json:"reason,omitempty"`
	// Have and Need count the rules that hold and that must (atLeast, all,
	// any) or the credits (credits).
	Have float64 `json:"have,omitempty"`
	Need float64 `json:"need,omitempty"`
	// Credits are those of the awards and recognitions that contribute to
	// the rule so far.
	Credits  float64 `json:"credits"`
	AwardID  string  `json:"awardId,omitempty"` // a leaf's award
	Children []Node  `json:"children,omitempty"`
}

// Outcome is the evaluation of a pathway's rule for one learner.
type Outcome struct {
	Satisfied bool
	// Credits so far: of every contributing award and recognition, each
	// counted once.
	Credits float64
	// Awards, Recognitions and External are the ids of what contributes:
	// when Satisfied, what makes the rule hold (the pathway award's
	// evidence); otherwise the progress so far.
	Awards       []string
	Recognitions []string
	External     []string
	Tree         Node
}

// Leaves returns the leaf rules of the tree that hold (satisfied true) or
// that do not.
func (o *Outcome) Leaves(satisfied bool) []Node {
	var out []Node
	var walk func(n *Node)
	walk = func(n *Node) {
		if len(n.Children) == 0 {
			if n.Satisfied == satisfied {
				out = append(out, *n)
			}
			return
		}
		for i := range n.Children {
			walk(&n.Children[i])
		}
	}
	walk(&o.Tree)
	return out
}

// contrib is what contributes to a node.
type contrib struct {
	awards, recs, exts []string
	credits            map[string]float64 // by "a:"+award id or "r:"+record id
}

func (c *contrib) add(o contrib) {
	for _, id := range o.awards {
		if !slices.Contains(c.awards, id) {
			c.awards = append(c.awards, id)
		}
	}
	for _, id := range o.recs {
		if !slices.Contains(c.recs, id) {
			c.recs = append(c.recs, id)
		}
	}
	for _, id := range o.exts {
		if !slices.Contains(c.exts, id) {
			c.exts = append(c.exts, id)
		}
	}
	for k, v := range o.credits {
		if c.credits == nil {
			c.credits = map[string]float64{}
		}
		c.credits[k] = v
	}
}

func (c *contrib) total() float64 {
	keys := make([]string, 0, len(c.credits))
	for k := range c.credits {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a fixed order of summation
	t := 0.0
	for _, k := range keys {
		t += c.credits[k]
	}
	return t
}

// Evaluate evaluates rule r against what is known of a learner. It never
// fails: what cannot hold (an unknown pathway, a nesting too deep) is a
// node that does not hold, with its reason.
func Evaluate(r *Rule, f *Facts) Outcome {
	e := newEvaluator(f)
	n, c := e.eval(r, "rule", 0)
	return Outcome{Satisfied: n.Satisfied, Credits: c.total(), Awards: c.awards, Recognitions: c.recs, External: c.exts, Tree: n}
}

func newEvaluator(f *Facts) *evaluator {
	e := &evaluator{f: f, byAch: map[string][]*Award{}}
	for i := range f.Awards {
		a := &f.Awards[i]
		e.byAch[a.AchievementID] = append(e.byAch[a.AchievementID], a)
	}
	for _, list := range e.byAch {
		// Newest first: the newest qualifying award is the one that counts.
		slices.SortStableFunc(list, func(a, b *Award) int { return b.AwardedDate.Compare(a.AwardedDate) })
	}
	return e
}

type evaluator struct {
	f     *Facts
	byAch map[string][]*Award
}

const epsilon = 1e-9

func (e *evaluator) eval(r *Rule, path string, depth int) (Node, contrib) {
	n := Node{Path: path, Kind: r.Kind()}
	var c contrib
	if depth > 2*MaxDepth {
		n.Reason = "nested too deep"
		return n, c
	}
	switch n.Kind {
	case KindAchievement:
		n.Ref = r.Achievement
		a, reason := e.pick(r)
		if a == nil {
			n.Reason = reason
			return n, c
		}
		n.Satisfied, n.AwardID, n.Reason = true, a.ID, "award "+a.ID
		c.awards = []string{a.ID}
		c.credits = map[string]float64{"a:" + a.ID: a.Credits()}
	case KindRecognition:
		n.Ref = r.Recognition
		for _, rec := range e.f.Recognitions {
			if rec.RecognitionID == r.Recognition {
				n.Satisfied, n.Reason = true, "recognition "+rec.ID
				c.recs = []string{rec.ID}
				cr := 0.0
				if rec.Credits != nil {
					cr = *rec.Credits
				}
				c.credits = map[string]float64{"r:" + rec.ID: cr}
				break
			}
		}
		if !n.Satisfied {
			n.Reason = "not recognized"
		}
	case KindExternal:
		x := r.External
		n.Ref = x.Issuer
		n.Reason = "not presented"
		for _, b := range e.f.External {
			if !sameIssuer(b.Issuer, x.Issuer) {
				continue
			}
			if x.AchievementID != "" && b.AchievementID != x.AchievementID ||
				x.AchievementName != "" && !strings.EqualFold(strings.TrimSpace(b.AchievementName), x.AchievementName) {
				continue
			}
			if b.ValidUntil != nil && !b.ValidUntil.After(e.f.Now) {
				n.Reason = "presented, but expired"
				continue
			}
			n.Satisfied, n.Reason = true, "external badge "+b.ID
			c.exts = []string{b.ID}
			break
		}
	case KindPathway:
		n.Ref = r.Pathway
		achID, sub, ok := "", (*Rule)(nil), false
		if e.f.Pathway != nil {
			achID, sub, ok = e.f.Pathway(r.Pathway)
		}
		if !ok {
			n.Reason = "no such pathway"
			return n, c
		}
		// Holding the pathway's achievement is enough (it was awarded, by
		// the pathway or by hand); otherwise its rule must hold.
		if a, _ := e.pick(&Rule{Achievement: achID}); a != nil {
			n.Satisfied, n.AwardID, n.Reason = true, a.ID, "award "+a.ID
			c.awards = []string{a.ID}
			c.credits = map[string]float64{"a:" + a.ID: a.Credits()}
			return n, c
		}
		child, cc := e.eval(sub, path+".pathway("+r.Pathway+")", depth+1)
		n.Children = []Node{child}
		n.Satisfied = child.Satisfied
		c = cc
	default: // all, any, atLeast, credits
		kids := r.Children()
		field := r.childField()
		var held, all contrib
		count := 0
		for i := range kids {
			child, cc := e.eval(&kids[i], fmt.Sprintf("%s.%s[%d]", path, field, i), depth+1)
			n.Children = append(n.Children, child)
			all.add(cc)
			if child.Satisfied {
				count++
				held.add(cc)
			}
		}
		switch n.Kind {
		case KindAll:
			n.Have, n.Need = float64(count), float64(len(kids))
		case KindAny:
			n.Have, n.Need = float64(count), 1
		case KindAtLeast:
			n.Have, n.Need = float64(count), float64(r.AtLeast)
		case KindCredits:
			n.Have, n.Need = held.total(), r.Credits
		}
		n.Satisfied = len(kids) > 0 && n.Have+epsilon >= n.Need
		if n.Satisfied {
			c = held
		} else {
			c = all
		}
	}
	n.Credits = c.total()
	return n, c
}

// pick returns the newest award of r.Achievement that satisfies r, or nil
// and why none does (of the newest award, when there is one).
func (e *evaluator) pick(r *Rule) (*Award, string) {
	list := e.byAch[r.Achievement]
	if len(list) == 0 {
		return nil, "not earned"
	}
	reason := ""
	for _, a := range list {
		why := e.fails(r, a)
		if why == "" {
			return a, ""
		}
		if reason == "" {
			reason = why
		}
	}
	return nil, reason
}

// Why an award does not satisfy a rule (see failure).
const (
	failNone = iota
	failBadDuration
	failRevoked
	failSuspended
	failNotActive
	failNotYetValid
	failExpired
	failTooOld
	failNoScore
	failLowScore
)

// failure says why award a does not satisfy rule r at now, as one of the
// fail constants (failNone: it does). Evaluate and Holds both decide by it.
func failure(r *Rule, a *Award, now time.Time) int {
	within := r.within
	if r.Within != "" && within.text != r.Within {
		var err error
		if within, err = ParseDuration(r.Within); err != nil {
			return failBadDuration
		}
	}
	switch {
	case a.State == cairn.StateRevoked:
		return failRevoked
	case a.State == cairn.StateSuspended:
		return failSuspended
	case a.State != cairn.StateActive:
		return failNotActive
	case a.ValidFrom.After(now):
		return failNotYetValid
	case r.NotExpired && a.ValidUntil != nil && !a.ValidUntil.After(now):
		return failExpired
	case r.Within != "" && a.AwardedDate.Before(within.Before(now)):
		return failTooOld
	case r.MinScore != nil && a.Score == nil:
		return failNoScore
	case r.MinScore != nil && *a.Score+epsilon < *r.MinScore:
		return failLowScore
	}
	return failNone
}

// fails says why award a does not satisfy rule r, or "".
func (e *evaluator) fails(r *Rule, a *Award) string {
	switch failure(r, a, e.f.Now) {
	case failBadDuration:
		return "bad duration " + r.Within
	case failRevoked:
		return "revoked"
	case failSuspended:
		return "suspended"
	case failNotActive:
		return "not active"
	case failNotYetValid:
		return "not valid yet"
	case failExpired:
		return "expired"
	case failTooOld:
		return "awarded more than " + r.Within + " ago"
	case failNoScore:
		return fmt.Sprintf("no score recorded (%v needed)", *r.MinScore)
	case failLowScore:
		return fmt.Sprintf("score %v is below %v", *a.Score, *r.MinScore)
	}
	return ""
}

func sameIssuer(a, b string) bool {
	return strings.TrimRight(strings.TrimSpace(a), "/") == strings.TrimRight(strings.TrimSpace(b), "/")
}
