package pathway

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
)

func mustParse(t testing.TB, s string) *Rule {
	t.Helper()
	r, err := ParseRule([]byte(s))
	if err != nil {
		t.Fatalf("ParseRule(%s): %v", s, err)
	}
	return r
}

func fp(f float64) *float64 { return &f }

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func award(id, ach string, ago time.Duration) Award {
	t := now.Add(-ago)
	return Award{ID: id, AchievementID: ach, State: cairn.StateActive, AwardedDate: t, ValidFrom: t}
}

func TestParseRuleRoundTrip(t *testing.T) {
	for _, s := range []string{
		`{"achievement":"a"}`,
		`{"achievement":"a","minScore":60,"within":"P24M","notExpired":true}`,
		`{"all":[{"achievement":"a"},{"achievement":"b"}]}`,
		`{"any":[{"achievement":"a"},{"pathway":"p"}]}`,
		`{"atLeast":5,"of":[{"achievement":"a"},{"achievement":"b"},{"achievement":"c"},{"achievement":"d"},{"achievement":"e"},{"achievement":"f"}]}`,
		`{"credits":30,"of":[{"achievement":"a"},{"recognition":"r"}]}`,
		`{"pathway":"p"}`,
		`{"external":{"issuer":"did:web:example.org","achievementName":"Python"}}`,
		`{"external":{"issuer":"https://badges.example.org/issuers/1","achievementId":"https://badges.example.org/achievements/9"}}`,
		`{"recognition":"rpl-1"}`,
	} {
		t.Run(s, func(t *testing.T) {
			r := mustParse(t, s)
			out, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != s {
				t.Errorf("marshal = %s, want %s", out, s)
			}
			var r2 Rule
			if err := json.Unmarshal(out, &r2); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
		})
	}
}

func TestParseRuleErrors(t *testing.T) {
	deep := strings.Repeat(`{"all":[`, MaxDepth+1) + `{"achievement":"a"}` + strings.Repeat(`]}`, MaxDepth+1)
	for _, tc := range []struct{ in, field, msg string }{
		{`[]`, "rule", "rule object"},
		{`null`, "rule", "rule object"},
		{`{}`, "rule", "none of"},
		{`{"achievement":"a","all":[]}`, "rule", "one form"},
		{`{"achievement":""}`, "rule.achievement", "id"},
		{`{"achievement":7}`, "rule.achievement", "id"},
		{`{"achievement":"a","foo":1}`, "rule.foo", "not a field"},
		{`{"achievement":"a","within":"24M"}`, "rule.within", "ISO 8601"},
		{`{"achievement":"a","within":"P"}`, "rule.within", ""},
		{`{"achievement":"a","within":"PT"}`, "rule.within", ""},
		{`{"achievement":"a","within":"P1.5Y"}`, "rule.within", ""},
		{`{"achievement":"a","within":"P1D2Y"}`, "rule.within", "order"},
		{`{"achievement":"a","minScore":"high"}`, "rule.minScore", "number"},
		{`{"achievement":"a","notExpired":"yes"}`, "rule.notExpired", ""},
		{`{"all":[]}`, "rule.all", "empty"},
		{`{"any":{}}`, "rule.any", "list"},
		{`{"atLeast":3,"of":[{"achievement":"a"},{"achievement":"b"}]}`, "rule.atLeast", "lists 2"},
		{`{"atLeast":0,"of":[{"achievement":"a"}]}`, "rule.atLeast", "at least 1"},
		{`{"atLeast":1.5,"of":[{"achievement":"a"}]}`, "rule.atLeast", "whole"},
		{`{"atLeast":1}`, "rule.of", "required"},
		{`{"credits":-1,"of":[{"achievement":"a"}]}`, "rule.credits", "above 0"},
		{`{"all":[{"achievement":"a"},{"any":[{"achievement":"b"},{"achievement":"c","within":"soon"}]}]}`, "rule.all[1].any[1].within", ""},
		{`{"atLeast":1,"of":[{"achievement":"a"},{"achievement":"b"},{"pathway":""}]}`, "rule.of[2].pathway", ""},
		{`{"external":{"achievementName":"x"}}`, "rule.external.issuer", "required"},
		{`{"external":{"issuer":"example.org","achievementName":"x"}}`, "rule.external.issuer", "DID"},
		{`{"external":{"issuer":"did:web:x"}}`, "rule.external", "one of them"},
		{`{"external":{"issuer":"did:web:x","achievementId":"a","achievementName":"b"}}`, "rule.external", "one of them"},
		{`{"external":{"issuer":"did:web:x","name":"b"}}`, "rule.external", ""},
		{`{"recognition":null}`, "rule.recognition", ""},
		{deep, "", "nested"},
	} {
		t.Run(tc.in[:min(len(tc.in), 60)], func(t *testing.T) {
			_, err := ParseRule([]byte(tc.in))
			var ce *cairn.Error
			if !errors.As(err, &ce) || ce.Kind != cairn.Invalid {
				t.Fatalf("err = %v, want Invalid", err)
			}
			if tc.field != "" && ce.Field != tc.field {
				t.Errorf("field = %q, want %q (%v)", ce.Field, tc.field, err)
			}
			if !strings.Contains(ce.Message, tc.msg) {
				t.Errorf("message %q does not say %q", ce.Message, tc.msg)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Duration
		ok   bool
	}{
		{"P24M", Duration{Months: 24}, true},
		{"P1Y6M", Duration{Years: 1, Months: 6}, true},
		{"P2W", Duration{Weeks: 2}, true},
		{"P90D", Duration{Days: 90}, true},
		{"PT36H", Duration{Hours: 36}, true},
		{"P1DT2H3M4S", Duration{Days: 1, Hours: 2, Minutes: 3, Seconds: 4}, true},
		{"P0D", Duration{}, true},
		{"", Duration{}, false},
		{"P", Duration{}, false},
		{"24M", Duration{}, false},
		{"PT", Duration{}, false},
		{"P1H", Duration{}, false},
		{"PT1D", Duration{}, false},
		{"P1M1Y", Duration{}, false},
		{"P1Y1Y", Duration{}, false},
		{"P-1Y", Duration{}, false},
		{"P1,5Y", Duration{}, false},
		{"P99999999Y", Duration{}, false},
		{"P1YT", Duration{}, false},
		{"P1YTT1H", Duration{}, false},
		{"p1y", Duration{}, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			d, err := ParseDuration(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			d.text = ""
			if tc.ok && d != tc.want {
				t.Errorf("= %+v, want %+v", d, tc.want)
			}
		})
	}
	d, _ := ParseDuration("P24M")
	if got := d.Before(now); !got.Equal(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("P24M before %v = %v", now, got)
	}
}

func TestValidate(t *testing.T) {
	lk := MapLookup{
		Achievements: map[string]bool{"a": true, "b": true, "self-ach": true},
		Recognitions: map[string]bool{"r": true},
		Pathways: map[string]*Rule{
			"p1": mustParse(t, `{"achievement":"a"}`),
			"p2": mustParse(t, `{"all":[{"pathway":"p1"},{"pathway":"p3"}]}`),
			"p3": mustParse(t, `{"any":[{"pathway":"self"}]}`),
		},
	}
	for _, tc := range []struct{ rule, field, msg string }{
		{`{"all":[{"achievement":"a"},{"achievement":"b"},{"recognition":"r"},{"pathway":"p1"},{"external":{"issuer":"did:web:x","achievementId":"y"}}]}`, "", ""},
		{`{"atLeast":1,"of":[{"achievement":"a"},{"achievement":"b"},{"achievement":"zzz"}]}`, "rule.of[2].achievement", "no such achievement"},
		{`{"all":[{"achievement":"self-ach"}]}`, "rule.all[0].achievement", "awards"},
		{`{"recognition":"nope"}`, "rule.recognition", "no such recognition"},
		{`{"pathway":"nope"}`, "rule.pathway", "no such pathway"},
		{`{"pathway":"self"}`, "rule.pathway", "itself"},
		{`{"any":[{"pathway":"p1"},{"pathway":"p2"}]}`, "rule.any[1].pathway", "cycle: self → p2 → p3 → self"},
		{`{"credits":3,"of":[{"pathway":"p3"}]}`, "rule.of[0].pathway", "cycle"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			err := Validate("self", "self-ach", mustParse(t, tc.rule), lk)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ce *cairn.Error
			if !errors.As(err, &ce) || ce.Kind != cairn.Invalid || ce.Field != tc.field || !strings.Contains(ce.Message, tc.msg) {
				t.Fatalf("err = %v (%+v), want %s: …%s…", err, ce, tc.field, tc.msg)
			}
		})
	}
	// A new pathway (no id yet) cannot be in a cycle.
	if err := Validate("", "self-ach", mustParse(t, `{"pathway":"p3"}`), lk); err != nil {
		t.Errorf("new pathway: %v", err)
	}
}

func TestEvaluate(t *testing.T) {
	day := 24 * time.Hour
	expired := award("x1", "a", 400*day)
	past := now.Add(-day)
	expired.ValidUntil = &past
	revoked := award("rv", "a", day)
	revoked.State = cairn.StateRevoked
	suspended := award("su", "b", day)
	suspended.State = cairn.StateSuspended
	scored := award("s1", "a", day)
	scored.Score = Score([]ob.Result{{Value: "abc"}, {Value: "72%"}, {Value: "65"}})
	future := award("fu", "a", -day)
	credA := award("ca", "a", day)
	credA.CreditsEarned = fp(5)
	credB := award("cb", "b", day)
	credB.CreditsAvailable = fp(10)
	credC := award("cc", "c", day)
	credC.CreditsAvailable, credC.CreditsEarned = fp(10), fp(2)
	old := award("old", "a", 800*day)
	fresh := award("fresh", "a", 10*day)
	pwAward := award("pa", "pw-ach", day)
	subs := map[string]struct {
		ach  string
		rule *Rule
	}{
		"inner": {"pw-ach", mustParse(t, `{"all":[{"achievement":"a"},{"achievement":"b"}]}`)},
	}
	facts := func(awards ...Award) *Facts {
		return &Facts{Now: now, Awards: awards, Pathway: func(id string) (string, *Rule, bool) {
			s, ok := subs[id]
			return s.ach, s.rule, ok
		}}
	}
	six := `{"atLeast":5,"of":[{"achievement":"a"},{"achievement":"b"},{"achievement":"c"},{"achievement":"d"},{"achievement":"e"},{"achievement":"f"}]}`
	for _, tc := range []struct {
		name    string
		rule    string
		facts   *Facts
		ok      bool
		awards  []string
		credits float64
		reason  string // of the first missing leaf
	}{
		{"achievement held", `{"achievement":"a"}`, facts(award("1", "a", day)), true, []string{"1"}, 0, ""},
		{"achievement not earned", `{"achievement":"a"}`, facts(award("1", "b", day)), false, nil, 0, "not earned"},
		{"revoked does not count", `{"achievement":"a"}`, facts(revoked), false, nil, 0, "revoked"},
		{"suspended does not count", `{"achievement":"b"}`, facts(suspended), false, nil, 0, "suspended"},
		{"revoked but another active", `{"achievement":"a"}`, facts(revoked, award("2", "a", 2*day)), true, []string{"2"}, 0, ""},
		{"not valid yet", `{"achievement":"a"}`, facts(future), false, nil, 0, "not valid yet"},
		{"expired counts by default", `{"achievement":"a"}`, facts(expired), true, []string{"x1"}, 0, ""},
		{"notExpired", `{"achievement":"a","notExpired":true}`, facts(expired), false, nil, 0, "expired"},
		{"notExpired with later validUntil", `{"achievement":"a","notExpired":true}`, facts(func() Award {
			a := award("v", "a", day)
			f := now.Add(day)
			a.ValidUntil = &f
			return a
		}()), true, []string{"v"}, 0, ""},
		{"within too old", `{"achievement":"a","within":"P24M"}`, facts(old), false, nil, 0, "more than P24M ago"},
		{"within picks the fresh one", `{"achievement":"a","within":"P24M"}`, facts(old, fresh), true, []string{"fresh"}, 0, ""},
		{"within days", `{"achievement":"a","within":"P5D"}`, facts(fresh), false, nil, 0, "P5D"},
		{"minScore met", `{"achievement":"a","minScore":70}`, facts(scored), true, []string{"s1"}, 0, ""},
		{"minScore missed", `{"achievement":"a","minScore":80}`, facts(scored), false, nil, 0, "score 72 is below 80"},
		{"minScore without results", `{"achievement":"a","minScore":1}`, facts(award("1", "a", day)), false, nil, 0, "no score"},
		{"all", `{"all":[{"achievement":"a"},{"achievement":"b"}]}`, facts(award("1", "a", day), award("2", "b", day)), true, []string{"1", "2"}, 0, ""},
		{"all partial", `{"all":[{"achievement":"a"},{"achievement":"b"}]}`, facts(award("1", "a", day)), false, []string{"1"}, 0, "not earned"},
		{"any", `{"any":[{"achievement":"a"},{"achievement":"b"}]}`, facts(award("2", "b", day)), true, []string{"2"}, 0, ""},
		{"any none", `{"any":[{"achievement":"a"},{"achievement":"b"}]}`, facts(), false, nil, 0, "not earned"},
		{"5 of 6 with 4", six, facts(award("1", "a", day), award("2", "b", day), award("3", "c", day), award("4", "d", day)), false, []string{"1", "2", "3", "4"}, 0, "not earned"},
		{"5 of 6 with 5", six, facts(award("1", "a", day), award("2", "b", day), award("3", "c", day), award("4", "d", day), award("5", "f", day)), true, []string{"1", "2", "3", "4", "5"}, 0, ""},
		{"5 of 6 with one revoked", six, facts(award("1", "a", day), award("2", "b", day), award("3", "c", day), award("4", "d", day), func() Award {
			a := award("5", "f", day)
			a.State = cairn.StateRevoked
			return a
		}()), false, []string{"1", "2", "3", "4"}, 0, "not earned"},
		{"credits reached", `{"credits":15,"of":[{"achievement":"a"},{"achievement":"b"},{"achievement":"c"}]}`, facts(credA, credB), true, []string{"ca", "cb"}, 15, ""},
		{"credits earned beats available", `{"credits":15,"of":[{"achievement":"a"},{"achievement":"c"}]}`, facts(credA, credC), false, []string{"ca", "cc"}, 7, ""},
		{"credits without any", `{"credits":1,"of":[{"achievement":"a"}]}`, facts(award("1", "a", day)), false, []string{"1"}, 0, ""},
		{"credits nested, counted once", `{"credits":15,"of":[{"achievement":"a"},{"any":[{"achievement":"a"},{"achievement":"b"}]}]}`, facts(credA, credB), true, []string{"ca", "cb"}, 15, ""},
		{"pathway by its award", `{"pathway":"inner"}`, facts(pwAward), true, []string{"pa"}, 0, ""},
		{"pathway by its rule", `{"pathway":"inner"}`, facts(award("1", "a", day), award("2", "b", day)), true, []string{"1", "2"}, 0, ""},
		{"pathway not yet", `{"all":[{"pathway":"inner"},{"achievement":"c"}]}`, facts(award("1", "a", day), award("3", "c", day)), false, []string{"1", "3"}, 0, "not earned"},
		{"unknown pathway", `{"pathway":"gone"}`, facts(), false, nil, 0, "no such pathway"},
		{"nesting", `{"all":[{"any":[{"achievement":"a"},{"achievement":"b"}]},{"atLeast":1,"of":[{"achievement":"c","minScore":50},{"achievement":"d"}]}]}`, facts(award("2", "b", day), award("4", "d", day)), true, []string{"2", "4"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Evaluate(mustParse(t, tc.rule), tc.facts)
			if h := Holds(mustParse(t, tc.rule), tc.facts); h != o.Satisfied {
				t.Errorf("Holds = %v, Evaluate says %v", h, o.Satisfied)
			}
			if o.Satisfied != tc.ok {
				t.Errorf("satisfied = %v, want %v; tree %+v", o.Satisfied, tc.ok, o.Tree)
			}
			if !slices.Equal(o.Awards, tc.awards) {
				t.Errorf("awards = %v, want %v", o.Awards, tc.awards)
			}
			if o.Credits != tc.credits {
				t.Errorf("credits = %v, want %v", o.Credits, tc.credits)
			}
			if tc.reason != "" {
				miss := o.Leaves(false)
				if len(miss) == 0 || !strings.Contains(miss[0].Reason, tc.reason) {
					t.Errorf("missing = %+v, want a first reason with %q", miss, tc.reason)
				}
			}
			if tc.ok && len(o.Leaves(true)) == 0 {
				t.Error("satisfied with no satisfied leaf")
			}
		})
	}
}

func TestEvaluateExternalAndRecognition(t *testing.T) {
	past, later := now.Add(-time.Hour), now.Add(time.Hour)
	f := &Facts{Now: now,
		External: []ExternalBadge{
			{ID: "e1", Issuer: "did:web:other.example", AchievementName: "Data Literacy "},
			{ID: "e2", Issuer: "https://old.example/", AchievementID: "urn:x:1", ValidUntil: &past},
			{ID: "e3", Issuer: "https://new.example", AchievementID: "urn:x:2", ValidUntil: &later},
		},
		Recognitions: []Recognition{{ID: "rec-7", RecognitionID: "rpl-marketing", Credits: fp(10)}},
	}
	for _, tc := range []struct {
		rule string
		ok   bool
		why  string
	}{
		{`{"external":{"issuer":"did:web:other.example","achievementName":"data literacy"}}`, true, "e1"},
		{`{"external":{"issuer":"did:web:other.example","achievementName":"Statistics"}}`, false, "not presented"},
		{`{"external":{"issuer":"did:web:elsewhere","achievementName":"Data Literacy"}}`, false, "not presented"},
		{`{"external":{"issuer":"https://old.example","achievementId":"urn:x:1"}}`, false, "expired"},
		{`{"external":{"issuer":"https://new.example/","achievementId":"urn:x:2"}}`, true, "e3"},
		{`{"recognition":"rpl-marketing"}`, true, "rec-7"},
		{`{"recognition":"rpl-other"}`, false, "not recognized"},
		{`{"credits":10,"of":[{"recognition":"rpl-marketing"}]}`, true, ""},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			o := Evaluate(mustParse(t, tc.rule), f)
			if h := Holds(mustParse(t, tc.rule), f); h != o.Satisfied {
				t.Errorf("Holds = %v, Evaluate says %v", h, o.Satisfied)
			}
			if o.Satisfied != tc.ok {
				t.Fatalf("satisfied = %v, want %v (%+v)", o.Satisfied, tc.ok, o.Tree)
			}
			if !strings.Contains(o.Tree.Reason, tc.why) {
				t.Errorf("reason %q, want %q", o.Tree.Reason, tc.why)
			}
		})
	}
	o := Evaluate(mustParse(t, `{"all":[{"recognition":"rpl-marketing"},{"external":{"issuer":"did:web:other.example","achievementName":"Data Literacy"}}]}`), f)
	if !o.Satisfied || !slices.Equal(o.Recognitions, []string{"rec-7"}) || !slices.Equal(o.External, []string{"e1"}) || o.Credits != 10 {
		t.Errorf("outcome %+v", o)
	}
}

func TestRefs(t *testing.T) {
	a, p, r := mustParse(t, `{"all":[{"achievement":"a"},{"any":[{"achievement":"b"},{"achievement":"a"},{"pathway":"p"}]},{"recognition":"r"}]}`).Refs()
	if !slices.Equal(a, []string{"a", "b"}) || !slices.Equal(p, []string{"p"}) || !slices.Equal(r, []string{"r"}) {
		t.Errorf("Refs = %v %v %v", a, p, r)
	}
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{
		`{"achievement":"a","minScore":60,"within":"P24M","notExpired":true}`,
		`{"atLeast":2,"of":[{"achievement":"a"},{"pathway":"p"},{"recognition":"r"}]}`,
		`{"credits":30,"of":[{"all":[{"achievement":"a"}]},{"external":{"issuer":"did:web:x","achievementName":"n"}}]}`,
		`{"any":[{"achievement":"a","within":"P1Y2M3W4DT5H6M7S"}]}`,
		`{"all":[]}`, `[]`, `{"achievement":1}`,
	} {
		f.Add([]byte(s))
	}
	lk := MapLookup{Achievements: map[string]bool{"a": true}, Recognitions: map[string]bool{"r": true},
		Pathways: map[string]*Rule{"p": {Achievement: "a"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRule(data)
		if err != nil {
			var ce *cairn.Error
			if !errors.As(err, &ce) || ce.Kind != cairn.Invalid || !strings.HasPrefix(ce.Field, "rule") {
				t.Fatalf("error %v is not Invalid naming a rule field", err)
			}
			return
		}
		_ = Validate("self", "z", r, lk)
		// What parses marshals to a rule that parses to the same thing.
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := ParseRule(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := json.Marshal(r2)
		if string(out) != string(out2) {
			t.Fatalf("not stable: %s vs %s", out, out2)
		}
		o := Evaluate(r, &Facts{Now: now, Awards: []Award{award("1", "a", time.Hour)},
			Pathway: func(id string) (string, *Rule, bool) { return "pa", r, id == "p" }})
		_ = o.Leaves(false)
	})
}
