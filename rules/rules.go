// Package rules decides which awards an event earns: it checks events and
// issuing rules, matches an event against an organization's rules, and
// expands a rule's narrative template for the event. It does no I/O; the
// issuing service loads the rules, records the event and makes the awards
// (see issuing.Service.HandleEvent).
//
// # Matching
//
// A rule (cairn.Rule) matches an event when all of these hold:
//
//   - the rule is enabled;
//   - its EventType equals the event's type (exactly: case matters);
//   - its CourseID is "" (any course, or none) or equals the event's
//     courseId exactly;
//   - its MinScore is nil, or the event has a score at least MinScore
//     (an event without a score does not meet a minimum).
//
// Every matching rule earns its achievement, once: when several matching
// rules name the same achievement, the first (in the order given, oldest
// first in the store) is the one recorded.
//
// # Scores
//
// A score is a percentage: a number from 0 to 100, fractions allowed
// (87.5). Senders with another scale convert before sending (LTI AGS:
// scoreGiven / scoreMaximum × 100, see docs/LTI.md).
//
// # Narrative templates
//
// A rule's narrative becomes the award's narrative (shown on the public
// credential page) with these placeholders replaced: {type}, {courseId},
// {score} (as sent, e.g. 87.5; empty when the event has none) and {date}
// (the day the event occurred, YYYY-MM-DD, UTC). Any other {word} is
// refused when the rule is saved, so a typo does not reach a credential;
// other braces are kept as they are.
package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
)

// Limits on events and rules.
const (
	MaxTypeLen       = 100
	MaxCourseIDLen   = 255 // the longest LTI context id (LTI 1.3 §5.4.1)
	MaxExternalIDLen = 200
	MaxNameLen       = 200
	MaxNarrativeLen  = 20_000
	MaxScore         = 100
)

// Event is what rules look at in an event.
type Event struct {
	Type       string
	CourseID   string   // "" when the event names no course
	Score      *float64 // nil when the event has no score
	OccurredAt time.Time
}

// CheckType checks an event type, in an event or a rule: 1 to MaxTypeLen
// characters, a letter then letters, digits and . _ : - (course.completed,
// assessment.passed, lti:score).
func CheckType(field, t string) error {
	if t == "" {
		return cairn.Invalidf(field, "is required, e.g. course.completed")
	}
	if len(t) > MaxTypeLen {
		return cairn.Invalidf(field, "is %d bytes long; the limit is %d", len(t), MaxTypeLen)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if i == 0 && !letter {
			return cairn.Invalidf(field, "%q must start with a letter", t)
		}
		if !letter && !('0' <= c && c <= '9') && c != '.' && c != '_' && c != ':' && c != '-' {
			return cairn.Invalidf(field, "%q may hold only letters, digits and . _ : -", t)
		}
	}
	return nil
}

// CheckCourseID checks a course ID: "" (none) or up to MaxCourseIDLen
// bytes of UTF-8 text without control characters or surrounding spaces.
func CheckCourseID(field, id string) error {
	if len(id) > MaxCourseIDLen {
		return cairn.Invalidf(field, "is %d bytes long; the limit is %d", len(id), MaxCourseIDLen)
	}
	return checkToken(field, id)
}

// CheckExternalID checks the sender's ID of an event: 1 to
// MaxExternalIDLen bytes of UTF-8 text without control characters or
// surrounding spaces.
func CheckExternalID(field, id string) error {
	if id == "" {
		return cairn.Invalidf(field, "is required: your own unique ID of the event, so that a retry is recognized")
	}
	if len(id) > MaxExternalIDLen {
		return cairn.Invalidf(field, "is %d bytes long; the limit is %d", len(id), MaxExternalIDLen)
	}
	return checkToken(field, id)
}

func checkToken(field, s string) error {
	if !utf8.ValidString(s) {
		return cairn.Invalidf(field, "is not valid UTF-8")
	}
	if strings.TrimSpace(s) != s {
		return cairn.Invalidf(field, "has leading or trailing spaces")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return cairn.Invalidf(field, "contains a control character (U+%04X)", r)
		}
	}
	return nil
}

// CheckScore checks a score or minimum score: nil, or a number from 0 to
// MaxScore.
func CheckScore(field string, s *float64) error {
	if s == nil {
		return nil
	}
	if math.IsNaN(*s) || *s < 0 || *s > MaxScore {
		return cairn.Invalidf(field, "must be a percentage from 0 to %d, not %v", MaxScore, *s)
	}
	return nil
}

// CheckEvent checks the parts of an event that rules read. The JSON
// names its errors give are those of POST /api/v1/events.
func CheckEvent(e Event) error {
	if err := CheckType("type", e.Type); err != nil {
		return err
	}
	if err := CheckCourseID("courseId", e.CourseID); err != nil {
		return err
	}
	if err := CheckScore("score", e.Score); err != nil {
		return err
	}
	if e.OccurredAt.IsZero() {
		return cairn.Invalidf("occurredAt", "is required: when the event happened, an RFC 3339 date-time")
	}
	return nil
}

// CheckRule checks a rule's fields (not that its achievement exists). The
// field names are those of the rules API.
func CheckRule(r *cairn.Rule) error {
	if r.Name == "" {
		return cairn.Invalidf("name", "is required")
	}
	if len(r.Name) > MaxNameLen {
		return cairn.Invalidf("name", "is %d bytes long; the limit is %d", len(r.Name), MaxNameLen)
	}
	if err := checkText("name", r.Name); err != nil {
		return err
	}
	if err := CheckType("eventType", r.EventType); err != nil {
		return err
	}
	if err := CheckCourseID("courseId", r.CourseID); err != nil {
		return err
	}
	if err := CheckScore("minScore", r.MinScore); err != nil {
		return err
	}
	if r.AchievementID == "" {
		return cairn.Invalidf("achievementId", "is required")
	}
	if len(r.Narrative) > MaxNarrativeLen {
		return cairn.Invalidf("narrative", "is %d bytes long; the limit is %d", len(r.Narrative), MaxNarrativeLen)
	}
	if err := checkText("narrative", r.Narrative); err != nil {
		return err
	}
	return CheckTemplate("narrative", r.Narrative)
}

// checkText refuses invalid UTF-8 and control characters other than tab
// and line breaks.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return cairn.Invalidf(field, "is not valid UTF-8")
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f {
			return cairn.Invalidf(field, "contains a control character (U+%04X)", r)
		}
	}
	return nil
}

// Match returns the rules of rs that e matches (see the package doc), in
// the order of rs, at most one per achievement.
func Match(rs []*cairn.Rule, e Event) []*cairn.Rule {
	var out []*cairn.Rule
	seen := map[string]bool{}
	for _, r := range rs {
		if !Matches(r, e) || seen[r.AchievementID] {
			continue
		}
		seen[r.AchievementID] = true
		out = append(out, r)
	}
	return out
}

// Matches reports whether the rule matches the event.
func Matches(r *cairn.Rule, e Event) bool {
	switch {
	case !r.Enabled, r.EventType != e.Type:
		return false
	case r.CourseID != "" && r.CourseID != e.CourseID:
		return false
	case r.MinScore != nil && (e.Score == nil || *e.Score < *r.MinScore):
		return false
	}
	return true
}

// placeholders are the words a narrative template may hold in braces.
var placeholders = []string{"type", "courseId", "score", "date"}

// CheckTemplate refuses a template holding {word} where word is a name
// (letters) but not a placeholder.
func CheckTemplate(field, tmpl string) error {
	for rest := tmpl; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return nil
		}
		rest = rest[i+1:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			return nil
		}
		word := rest[:j]
		if isWord(word) && !isPlaceholder(word) {
			return cairn.Invalidf(field, "{%s} is not a placeholder; the placeholders are {%s}", word, strings.Join(placeholders, "}, {"))
		}
	}
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func isPlaceholder(s string) bool {
	for _, p := range placeholders {
		if p == s {
			return true
		}
	}
	return false
}

// Expand replaces the placeholders of tmpl with the event's values (see
// the package doc). Text that is not a placeholder is kept as it is.
func Expand(tmpl string, e Event) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	score := ""
	if e.Score != nil {
		score = FormatScore(*e.Score)
	}
	date := ""
	if !e.OccurredAt.IsZero() {
		date = e.OccurredAt.UTC().Format("2006-01-02")
	}
	return strings.NewReplacer("{type}", e.Type, "{courseId}", e.CourseID, "{score}", score, "{date}", date).Replace(tmpl)
}

// FormatScore writes a score the shortest way that reads back the same
// (87.5, 90).
func FormatScore(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) }

// Describe says in a few words what a rule asks for, for listings:
// "course.completed in CS101 with a score of at least 80".
func Describe(r *cairn.Rule) string {
	var b strings.Builder
	b.WriteString(r.EventType)
	if r.CourseID != "" {
		fmt.Fprintf(&b, " in %s", r.CourseID)
	} else {
		b.WriteString(" in any course")
	}
	if r.MinScore != nil {
		fmt.Fprintf(&b, " with a score of at least %s", FormatScore(*r.MinScore))
	}
	return b.String()
}
