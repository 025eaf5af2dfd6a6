package pathway

import "strings"

// Holds reports whether rule r holds for the learner of f: exactly
// Evaluate(r, f).Satisfied, without building the evaluation tree, the
// paths and the lists of contributions. It decides every rule form the way
// Evaluate does (the same award test, failure; the same counting), except
// that a "credits" rule, whose sum depends on which awards contribute, is
// handed to the full evaluator when the cheap bound does not rule it out:
// the credits of every award, recognition and external badge the learner
// has. It allocates nothing for rules without "credits".
//
// It is the fast negative check of re-evaluation: most award changes make
// no pathway hold, and for those the tree is never built.
func Holds(r *Rule, f *Facts) bool {
	h := holder{f: f}
	return h.holds(r, 0)
}

type holder struct {
	f *Facts
	// full is the evaluator of "credits" rules, built when first needed.
	full *evaluator
	// bound is the most credits any rule can sum (-1: not computed).
	bound    float64
	boundSet bool
}

// has reports whether some award of the learner satisfies an achievement
// rule (Evaluate's pick, without the order: any satisfying award will do).
func (h *holder) has(r *Rule) bool {
	for i := range h.f.Awards {
		a := &h.f.Awards[i]
		if a.AchievementID == r.Achievement && failure(r, a, h.f.Now) == failNone {
			return true
		}
	}
	return false
}

func (h *holder) holds(r *Rule, depth int) bool {
	if depth > 2*MaxDepth {
		return false
	}
	switch r.Kind() {
	case KindAchievement:
		return h.has(r)
	case KindRecognition:
		for _, rec := range h.f.Recognitions {
			if rec.RecognitionID == r.Recognition {
				return true
			}
		}
		return false
	case KindExternal:
		x := r.External
		for _, b := range h.f.External {
			if !sameIssuer(b.Issuer, x.Issuer) {
				continue
			}
			if x.AchievementID != "" && b.AchievementID != x.AchievementID ||
				x.AchievementName != "" && !strings.EqualFold(strings.TrimSpace(b.AchievementName), x.AchievementName) {
				continue
			}
			if b.ValidUntil != nil && !b.ValidUntil.After(h.f.Now) {
				continue
			}
			return true
		}
		return false
	case KindPathway:
		if h.f.Pathway == nil {
			return false
		}
		achID, sub, ok := h.f.Pathway(r.Pathway)
		if !ok {
			return false
		}
		if h.has(&Rule{Achievement: achID}) {
			return true
		}
		return h.holds(sub, depth+1)
	case KindCredits:
		if len(r.Of) == 0 || h.creditBound()+epsilon < r.Credits {
			return false
		}
		if h.full == nil {
			h.full = newEvaluator(h.f)
		}
		n, _ := h.full.eval(r, "rule", depth)
		return n.Satisfied
	}
	// all, any, atLeast (and a rule of no form, which never holds).
	kids := r.Children()
	need := 0
	switch r.Kind() {
	case KindAll:
		need = len(kids)
	case KindAny:
		need = 1
	case KindAtLeast:
		need = r.AtLeast
	default:
		return false
	}
	if len(kids) == 0 || need > len(kids) {
		return false
	}
	count := 0
	for i := range kids {
		if h.holds(&kids[i], depth+1) {
			count++
			if count >= need {
				return true
			}
		} else if count+len(kids)-i-1 < need {
			return false // the rest cannot make up the difference
		}
	}
	return count >= need
}

// creditBound returns an upper bound of what any credits rule can sum for
// the learner: every award's credits (revoked or not) and every
// recognition's. A credits rule counts each award and recognition at most
// once, and external badges carry none.
func (h *holder) creditBound() float64 {
	if h.boundSet {
		return h.bound
	}
	t := 0.0
	for i := range h.f.Awards {
		if c := h.f.Awards[i].Credits(); c > 0 {
			t += c
		}
	}
	for _, rec := range h.f.Recognitions {
		if rec.Credits != nil && *rec.Credits > 0 {
			t += *rec.Credits
		}
	}
	h.bound, h.boundSet = t, true
	return t
}
