package rules_test

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/rules"
)

func score(v float64) *float64 { return &v }

func ids(rs []*cairn.Rule) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.ID)
	}
	return strings.Join(s, ",")
}

func TestMatch(t *testing.T) {
	rs := []*cairn.Rule{
		{ID: "any-course", EventType: "course.completed", AchievementID: "a1", Enabled: true},
		{ID: "cs101", EventType: "course.completed", CourseID: "CS101", AchievementID: "a2", Enabled: true},
		{ID: "cs101-80", EventType: "course.completed", CourseID: "CS101", MinScore: score(80), AchievementID: "a3", Enabled: true},
		{ID: "disabled", EventType: "course.completed", AchievementID: "a4"},
		{ID: "passed", EventType: "assessment.passed", MinScore: score(50), AchievementID: "a5", Enabled: true},
		{ID: "same-achievement", EventType: "course.completed", CourseID: "CS101", AchievementID: "a2", Enabled: true},
		{ID: "zero-min", EventType: "quiz.done", MinScore: score(0), AchievementID: "a6", Enabled: true},
	}
	at := time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		e    rules.Event
		want string
	}{
		{"type only matches any course", rules.Event{Type: "course.completed", CourseID: "BIO2", OccurredAt: at}, "any-course"},
		{"no course matches only any course", rules.Event{Type: "course.completed", OccurredAt: at}, "any-course"},
		{"course without score skips the minimum", rules.Event{Type: "course.completed", CourseID: "CS101"}, "any-course,cs101"},
		{"score below the minimum", rules.Event{Type: "course.completed", CourseID: "CS101", Score: score(79.99)}, "any-course,cs101"},
		{"score at the minimum", rules.Event{Type: "course.completed", CourseID: "CS101", Score: score(80)}, "any-course,cs101,cs101-80"},
		{"course id is exact", rules.Event{Type: "course.completed", CourseID: "cs101", Score: score(100)}, "any-course"},
		{"type is exact", rules.Event{Type: "Course.Completed", CourseID: "CS101"}, ""},
		{"other type", rules.Event{Type: "assessment.passed", Score: score(50)}, "passed"},
		{"other type below", rules.Event{Type: "assessment.passed", Score: score(49)}, ""},
		{"no rule for the type", rules.Event{Type: "course.started"}, ""},
		{"minimum 0 needs a score", rules.Event{Type: "quiz.done"}, ""},
		{"minimum 0 with score 0", rules.Event{Type: "quiz.done", Score: score(0)}, "zero-min"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(rules.Match(rs, tt.e)); got != tt.want {
				t.Errorf("Match = %q, want %q", got, tt.want)
			}
		})
	}
	if got := rules.Match(nil, rules.Event{Type: "x"}); got != nil {
		t.Errorf("Match(no rules) = %v", got)
	}
}

func TestCheckRule(t *testing.T) {
	good := func() *cairn.Rule {
		return &cairn.Rule{Name: "Finish CS101", EventType: "course.completed", CourseID: "CS101", MinScore: score(80),
			AchievementID: "ach", Narrative: "Completed {courseId} on {date} with {score}%.", Enabled: true}
	}
	if err := rules.CheckRule(good()); err != nil {
		t.Fatalf("good rule: %v", err)
	}
	for _, tt := range []struct {
		name   string
		change func(r *cairn.Rule)
		field  string
	}{
		{"no name", func(r *cairn.Rule) { r.Name = "" }, "name"},
		{"long name", func(r *cairn.Rule) { r.Name = strings.Repeat("n", rules.MaxNameLen+1) }, "name"},
		{"control in name", func(r *cairn.Rule) { r.Name = "a\x00b" }, "name"},
		{"no type", func(r *cairn.Rule) { r.EventType = "" }, "eventType"},
		{"type with space", func(r *cairn.Rule) { r.EventType = "course completed" }, "eventType"},
		{"type starting with a digit", func(r *cairn.Rule) { r.EventType = "1course" }, "eventType"},
		{"long type", func(r *cairn.Rule) { r.EventType = "a" + strings.Repeat("b", rules.MaxTypeLen) }, "eventType"},
		{"course with spaces around", func(r *cairn.Rule) { r.CourseID = " CS101" }, "courseId"},
		{"course with newline", func(r *cairn.Rule) { r.CourseID = "CS\n101" }, "courseId"},
		{"long course", func(r *cairn.Rule) { r.CourseID = strings.Repeat("c", rules.MaxCourseIDLen+1) }, "courseId"},
		{"negative minimum", func(r *cairn.Rule) { r.MinScore = score(-1) }, "minScore"},
		{"minimum over 100", func(r *cairn.Rule) { r.MinScore = score(100.5) }, "minScore"},
		{"NaN minimum", func(r *cairn.Rule) { r.MinScore = score(math.NaN()) }, "minScore"},
		{"no achievement", func(r *cairn.Rule) { r.AchievementID = "" }, "achievementId"},
		{"unknown placeholder", func(r *cairn.Rule) { r.Narrative = "Scored {grade}" }, "narrative"},
		{"long narrative", func(r *cairn.Rule) { r.Narrative = strings.Repeat("x", rules.MaxNarrativeLen+1) }, "narrative"},
		{"bad UTF-8", func(r *cairn.Rule) { r.Narrative = "\xff" }, "narrative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := good()
			tt.change(r)
			err := rules.CheckRule(r)
			if cairn.KindOf(err) != cairn.Invalid || cairn.FieldOf(err) != tt.field {
				t.Errorf("CheckRule = %v (field %q), want Invalid naming %s", err, cairn.FieldOf(err), tt.field)
			}
		})
	}
	for _, ok := range []string{"x", "course.completed", "lti:score", "a-b_c.d:e", "A1"} {
		if err := rules.CheckType("type", ok); err != nil {
			t.Errorf("CheckType(%q) = %v", ok, err)
		}
	}
	for _, n := range []string{"{ not a word }", "{}", "{{score}}", "{score", "set {1}", "100% {date}"} {
		r := good()
		r.Narrative = n
		if err := rules.CheckRule(r); err != nil {
			t.Errorf("narrative %q: %v", n, err)
		}
	}
}

func TestCheckEvent(t *testing.T) {
	at := time.Now()
	for _, tt := range []struct {
		name  string
		e     rules.Event
		field string
	}{
		{"good", rules.Event{Type: "course.completed", CourseID: "CS101", Score: score(87.5), OccurredAt: at}, ""},
		{"no course, no score", rules.Event{Type: "course.completed", OccurredAt: at}, ""},
		{"no type", rules.Event{OccurredAt: at}, "type"},
		{"bad type", rules.Event{Type: "course/completed", OccurredAt: at}, "type"},
		{"score over 100", rules.Event{Type: "t", Score: score(101), OccurredAt: at}, "score"},
		{"score below 0", rules.Event{Type: "t", Score: score(-0.5), OccurredAt: at}, "score"},
		{"no time", rules.Event{Type: "t"}, "occurredAt"},
		{"course with tab", rules.Event{Type: "t", CourseID: "a\tb", OccurredAt: at}, "courseId"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := rules.CheckEvent(tt.e)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("CheckEvent = %v", err)
				}
				return
			}
			if cairn.KindOf(err) != cairn.Invalid || cairn.FieldOf(err) != tt.field {
				t.Errorf("CheckEvent = %v, want Invalid naming %s", err, tt.field)
			}
		})
	}
	for _, tt := range []struct {
		id string
		ok bool
	}{{"evt-1", true}, {"", false}, {strings.Repeat("x", rules.MaxExternalIDLen), true},
		{strings.Repeat("x", rules.MaxExternalIDLen+1), false}, {"a\x01", false}, {"ü-ok", true}, {"trailing ", false}} {
		if err := rules.CheckExternalID("externalId", tt.id); (err == nil) != tt.ok {
			t.Errorf("CheckExternalID(%q) = %v, want ok=%v", tt.id, err, tt.ok)
		}
	}
}

func TestExpand(t *testing.T) {
	e := rules.Event{Type: "course.completed", CourseID: "CS101", Score: score(87.5), OccurredAt: time.Date(2025, 6, 30, 23, 30, 0, 0, time.FixedZone("x", -3600))}
	for _, tt := range []struct{ tmpl, want string }{
		{"", ""},
		{"Plain text.", "Plain text."},
		{"Completed {courseId} with {score}% on {date} ({type}).", "Completed CS101 with 87.5% on 2025-07-01 (course.completed)."},
		{"{score}{score}", "87.587.5"},
		{"{{score}} {unknown} {", "{87.5} {unknown} {"},
	} {
		if got := rules.Expand(tt.tmpl, e); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
	if got := rules.Expand("Score: {score}.", rules.Event{Type: "t"}); got != "Score: ." {
		t.Errorf("Expand without score = %q", got)
	}
	// A value holding a placeholder is not expanded again.
	if got := rules.Expand("{courseId}", rules.Event{CourseID: "{type}", Type: "t"}); got != "{type}" {
		t.Errorf("Expand re-expanded a value: %q", got)
	}
}

func TestDescribe(t *testing.T) {
	for _, tt := range []struct {
		r    cairn.Rule
		want string
	}{
		{cairn.Rule{EventType: "course.completed"}, "course.completed in any course"},
		{cairn.Rule{EventType: "course.completed", CourseID: "CS101", MinScore: score(80)}, "course.completed in CS101 with a score of at least 80"},
	} {
		if got := rules.Describe(&tt.r); got != tt.want {
			t.Errorf("Describe = %q, want %q", got, tt.want)
		}
	}
}

// FuzzMatch builds rules and an event from the input and checks Match
// against the definition: every rule returned matches (enabled, same type,
// course empty or equal, score at least the minimum), every matching rule
// whose achievement is not taken by an earlier one is returned, and no
// achievement twice.
func FuzzMatch(f *testing.F) {
	f.Add("course.completed", "CS101", 80.0, true, []byte{1, 0, 3, 7, 2, 9})
	f.Add("assessment.passed", "", -1.0, false, []byte{0xff, 0x10, 0x22})
	f.Fuzz(func(t *testing.T, typ, course string, sc float64, hasScore bool, spec []byte) {
		types := []string{typ, "course.completed", "other"}
		courses := []string{"", course, "CS101"}
		var rs []*cairn.Rule
		for i := 0; i+1 < len(spec) && len(rs) < 50; i += 2 {
			b, c := spec[i], spec[i+1]
			r := &cairn.Rule{ID: string(rune('a' + len(rs))), EventType: types[int(b)%3], CourseID: courses[int(b>>2)%3],
				AchievementID: string(rune('A' + int(c)%5)), Enabled: b&0x10 != 0}
			if b&0x20 != 0 {
				r.MinScore = score(float64(c % 101))
			}
			rs = append(rs, r)
		}
		e := rules.Event{Type: typ, CourseID: course}
		if hasScore {
			e.Score = &sc
		}
		got := rules.Match(rs, e)
		taken := map[string]bool{}
		j := 0
		for _, r := range rs {
			want := r.Enabled && r.EventType == e.Type && (r.CourseID == "" || r.CourseID == e.CourseID) &&
				(r.MinScore == nil || e.Score != nil && *e.Score >= *r.MinScore)
			if want != rules.Matches(r, e) {
				t.Fatalf("Matches(%+v, %+v) = %v", r, e, !want)
			}
			if !want || taken[r.AchievementID] {
				continue
			}
			taken[r.AchievementID] = true
			if j >= len(got) || got[j] != r {
				t.Fatalf("Match misses or misorders rule %s: got %s", r.ID, ids(got))
			}
			j++
		}
		if j != len(got) {
			t.Fatalf("Match returned %d rules, want %d", len(got), j)
		}
	})
}

// FuzzCheck feeds arbitrary text to the checks: they never panic, and what
// they accept is within the limits and free of control characters, and
// expands without leaving a placeholder when the values hold no brace.
func FuzzCheck(f *testing.F) {
	f.Add("course.completed", "CS101", "evt-1", "Completed {courseId} with {score}")
	f.Add("", " x", "a\x00", "{grade}")
	f.Fuzz(func(t *testing.T, typ, course, ext, tmpl string) {
		if rules.CheckType("type", typ) == nil && (len(typ) > rules.MaxTypeLen || strings.ContainsAny(typ, " \n{}/")) {
			t.Fatalf("CheckType accepted %q", typ)
		}
		for _, v := range []struct {
			s   string
			max int
			err error
		}{{course, rules.MaxCourseIDLen, rules.CheckCourseID("courseId", course)}, {ext, rules.MaxExternalIDLen, rules.CheckExternalID("externalId", ext)}} {
			if v.err != nil {
				if cairn.KindOf(v.err) != cairn.Invalid || cairn.FieldOf(v.err) == "" {
					t.Fatalf("error %v is not Invalid with a field", v.err)
				}
				continue
			}
			if len(v.s) > v.max || !utf8.ValidString(v.s) || strings.ContainsFunc(v.s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("accepted %q", v.s)
			}
		}
		r := &cairn.Rule{Name: "n", EventType: "t", AchievementID: "a", Narrative: tmpl}
		if rules.CheckRule(r) != nil {
			return
		}
		// Values made of letters no placeholder has cannot complete one.
		out := rules.Expand(tmpl, rules.Event{Type: "x", CourseID: "9", Score: score(1), OccurredAt: time.Unix(0, 0)})
		for _, p := range []string{"{type}", "{courseId}", "{score}", "{date}"} {
			if strings.Contains(out, p) {
				t.Fatalf("Expand(%q) = %q still holds %s", tmpl, out, p)
			}
		}
	})
}
