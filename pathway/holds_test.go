package pathway

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
)

// randomRule returns a rule of every form over the achievements a0…a5,
// the recognitions r0, r1, the external issuers x0, x1 and the pathways
// p0 (a leaf rule) and p1 (which names p0), nested up to depth levels.
func randomRule(rng *rand.Rand, depth int) Rule {
	k := rng.IntN(9)
	if depth <= 0 {
		k = rng.IntN(4)
	}
	ach := fmt.Sprintf("a%d", rng.IntN(6))
	kids := func() []Rule {
		n := rng.IntN(5) + 1
		out := make([]Rule, n)
		for i := range out {
			out[i] = randomRule(rng, depth-1)
		}
		return out
	}
	switch k {
	case 0:
		r := Rule{Achievement: ach}
		switch rng.IntN(5) {
		case 1:
			r.MinScore = fp(float64(rng.IntN(100)))
		case 2:
			r.Within = []string{"P5D", "P1M", "P2Y"}[rng.IntN(3)]
		case 3:
			r.NotExpired = true
		}
		return r
	case 1:
		return Rule{Recognition: fmt.Sprintf("r%d", rng.IntN(2))}
	case 2:
		return Rule{External: &External{Issuer: fmt.Sprintf("did:web:x%d", rng.IntN(2)), AchievementName: fmt.Sprintf("N%d", rng.IntN(2))}}
	case 3:
		return Rule{Pathway: fmt.Sprintf("p%d", rng.IntN(3))} // p2 does not exist
	case 4:
		return Rule{All: kids()}
	case 5:
		return Rule{Any: kids()}
	case 6, 7:
		of := kids()
		return Rule{AtLeast: rng.IntN(len(of)+1) + 1, Of: of} // sometimes more than the list
	default:
		return Rule{Credits: float64(rng.IntN(30) + 1), Of: kids()}
	}
}

func randomFacts(rng *rand.Rand) *Facts {
	f := &Facts{Now: now}
	states := []cairn.AwardState{cairn.StateActive, cairn.StateActive, cairn.StateActive, cairn.StateRevoked, cairn.StateSuspended}
	for i := range rng.IntN(8) {
		a := award(fmt.Sprint("w", i), fmt.Sprintf("a%d", rng.IntN(7)), time.Duration(rng.IntN(1000)-10)*24*time.Hour)
		a.State = states[rng.IntN(len(states))]
		if rng.IntN(3) == 0 {
			until := now.Add(time.Duration(rng.IntN(20)-10) * 24 * time.Hour)
			a.ValidUntil = &until
		}
		if rng.IntN(2) == 0 {
			a.Score = fp(float64(rng.IntN(100)))
		}
		switch rng.IntN(3) {
		case 0:
			a.CreditsEarned = fp(float64(rng.IntN(10)))
		case 1:
			a.CreditsAvailable = fp(float64(rng.IntN(10)))
		}
		f.Awards = append(f.Awards, a)
	}
	for i := range rng.IntN(3) {
		rec := Recognition{ID: fmt.Sprint("rec", i), RecognitionID: fmt.Sprintf("r%d", rng.IntN(2))}
		if rng.IntN(2) == 0 {
			rec.Credits = fp(float64(rng.IntN(10)))
		}
		f.Recognitions = append(f.Recognitions, rec)
	}
	for i := range rng.IntN(3) {
		b := ExternalBadge{ID: fmt.Sprint("ext", i), Issuer: fmt.Sprintf("did:web:x%d", rng.IntN(2)), AchievementName: fmt.Sprintf("N%d", rng.IntN(2))}
		if rng.IntN(2) == 0 {
			until := now.Add(time.Duration(rng.IntN(20)-10) * time.Hour)
			b.ValidUntil = &until
		}
		f.External = append(f.External, b)
	}
	p0 := Rule{Any: []Rule{{Achievement: "a0"}, {Recognition: "r0"}}}
	p1 := Rule{All: []Rule{{Pathway: "p0"}, {Achievement: "a1"}}}
	f.Pathway = func(id string) (string, *Rule, bool) {
		switch id {
		case "p0":
			return "a6", &p0, true
		case "p1":
			return "a5", &p1, true
		}
		return "", nil, false
	}
	return f
}

// TestHoldsIsEvaluate: on random rules of every form and random learners,
// Holds answers exactly what Evaluate's Satisfied does.
func TestHoldsIsEvaluate(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	held := 0
	const n = 30000
	for i := range n {
		r := randomRule(rng, 3)
		f := randomFacts(rng)
		want := Evaluate(&r, f).Satisfied
		if got := Holds(&r, f); got != want {
			t.Fatalf("case %d: Holds = %v, Evaluate = %v\nrule %+v\nfacts %+v", i, got, want, r, f)
		}
		if want {
			held++
		}
	}
	// Both answers occur often enough for the comparison to mean something.
	if held < n/10 || held > n*9/10 {
		t.Fatalf("%d of %d rules hold: the generator is lopsided", held, n)
	}
}

// FuzzHolds compares Holds with Evaluate on rules and learners drawn from
// a fuzzed seed.
func FuzzHolds(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		rng := rand.New(rand.NewPCG(a, b))
		r := randomRule(rng, 4)
		facts := randomFacts(rng)
		if got, want := Holds(&r, facts), Evaluate(&r, facts).Satisfied; got != want {
			t.Fatalf("Holds = %v, Evaluate = %v\nrule %+v", got, want, r)
		}
	})
}

// BenchmarkHolds compares the fast check with the full evaluation on the
// common case of a bulk job: a rule "all of [the new badge, another]" that
// the learner, holding only the new badge, does not satisfy.
func BenchmarkHolds(b *testing.B) {
	r := Rule{All: []Rule{{Achievement: "bulk"}, {Achievement: "other"}}}
	f := &Facts{Now: now, Awards: []Award{award("1", "bulk", time.Hour), award("2", "x", time.Hour)}}
	b.Run("Holds", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if Holds(&r, f) {
				b.Fatal("holds")
			}
		}
	})
	b.Run("Evaluate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if Evaluate(&r, f).Satisfied {
				b.Fatal("holds")
			}
		}
	})
}
