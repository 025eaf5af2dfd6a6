package lti_test

import (
	"math"
	"testing"

	"github.com/cairn-badges/cairn/lti"
)

func ptr(f float64) *float64 { return &f }

func TestScore(t *testing.T) {
	li := lti.LineItem{ScoreMaximum: 50}
	for _, tt := range []struct {
		name   string
		r      lti.Result
		li     lti.LineItem
		want   float64
		wantOK bool
	}{
		{"result maximum", lti.Result{ResultScore: ptr(8), ResultMaximum: ptr(10)}, li, 80, true},
		{"line item maximum", lti.Result{ResultScore: ptr(40)}, li, 80, true},
		{"above maximum", lti.Result{ResultScore: ptr(12), ResultMaximum: ptr(10)}, li, 120, true},
		{"zero", lti.Result{ResultScore: ptr(0)}, li, 0, true},
		{"no score", lti.Result{ResultMaximum: ptr(10)}, li, 0, false},
		{"zero maximum", lti.Result{ResultScore: ptr(5), ResultMaximum: ptr(0)}, li, 0, false},
		{"no maximum anywhere", lti.Result{ResultScore: ptr(5)}, lti.LineItem{}, 0, false},
		{"negative maximum", lti.Result{ResultScore: ptr(5)}, lti.LineItem{ScoreMaximum: -1}, 0, false},
		{"NaN score", lti.Result{ResultScore: ptr(math.NaN())}, li, 0, false},
		{"infinite maximum", lti.Result{ResultScore: ptr(5), ResultMaximum: ptr(math.Inf(1))}, li, 0, false},
	} {
		got, ok := lti.Score(tt.r, tt.li)
		if ok != tt.wantOK || got != tt.want {
			t.Errorf("%s: Score = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestExternalID(t *testing.T) {
	// Computed once, and independently with Python's hashlib.
	const want = "lti:1jIVa3zXkWWlLlihwDRnLaygkmrbvE0kdbEuDdCOZYY"
	got := lti.ExternalID("https://lms.example", "dep-1", "https://lms.example/li/7", "u-42", 87.5)
	if len(got) != 47 {
		t.Fatalf("ExternalID is %d characters, want 47: %q", len(got), got)
	}
	if got != want {
		t.Errorf("ExternalID = %q, want %q", got, want)
	}
	if again := lti.ExternalID("https://lms.example", "dep-1", "https://lms.example/li/7", "u-42", 87.5); again != got {
		t.Errorf("ExternalID is not stable: %q then %q", got, again)
	}
	for _, other := range []string{
		lti.ExternalID("https://lms.example", "dep-1", "https://lms.example/li/7", "u-42", 87.6),
		lti.ExternalID("https://lms.example", "dep-1", "https://lms.example/li/7", "u-43", 87.5),
		// The separators keep fields apart: moving a character across one changes the id.
		lti.ExternalID("https://lms.example", "dep-1", "https://lms.example/li/7u", "-42", 87.5),
	} {
		if other == got {
			t.Errorf("a different result has the same id %q", got)
		}
	}
}
