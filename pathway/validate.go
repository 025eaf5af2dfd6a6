package pathway

import (
	"fmt"

	"github.com/cairn-badges/cairn"
)

// Lookup answers Validate's questions about the organization a pathway
// belongs to. Implementations answer from memory (the service loads what
// they need first): Validate calls them many times.
type Lookup interface {
	// Achievement reports whether the organization has the achievement.
	Achievement(id string) bool
	// Recognition reports whether the organization has the recognition
	// of prior learning.
	Recognition(id string) bool
	// Pathway returns the rule of the current version of a pathway of the
	// organization, and whether there is one.
	Pathway(id string) (*Rule, bool)
}

// Validate checks that a parsed rule of pathway self (its id, "" for a new
// pathway), which awards achievementID, names only what exists, does not
// require its own achievement, and forms no cycle through the pathways it
// names. Errors are Invalid and name the field, as
// "rule.of[2].achievement".
func Validate(self, achievementID string, r *Rule, lk Lookup) error {
	return validate(self, achievementID, r, lk, "rule")
}

func validate(self, achievementID string, r *Rule, lk Lookup, field string) error {
	switch r.Kind() {
	case KindAchievement:
		if !lk.Achievement(r.Achievement) {
			return cairn.Invalidf(field+".achievement", "no such achievement: %q", r.Achievement)
		}
		if r.Achievement == achievementID {
			return cairn.Invalidf(field+".achievement", "is the achievement the pathway awards")
		}
	case KindRecognition:
		if !lk.Recognition(r.Recognition) {
			return cairn.Invalidf(field+".recognition", "no such recognition of prior learning: %q", r.Recognition)
		}
	case KindPathway:
		if self != "" && r.Pathway == self {
			return cairn.Invalidf(field+".pathway", "is this pathway itself")
		}
		sub, ok := lk.Pathway(r.Pathway)
		if !ok {
			return cairn.Invalidf(field+".pathway", "no such pathway: %q", r.Pathway)
		}
		if self != "" {
			if path, ok := reaches(sub, self, lk, map[string]bool{r.Pathway: true}, []string{r.Pathway}); ok {
				return cairn.Invalidf(field+".pathway", "makes a cycle: %s → %s", self, joinArrow(path))
			}
		}
	case KindExternal, "":
	default:
		for i := range r.Children() {
			if err := validate(self, achievementID, &r.Children()[i], lk, fmt.Sprintf("%s.%s[%d]", field, r.childField(), i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// reaches reports whether rule r names pathway target, directly or
// through the pathways it names, and the chain of pathways that leads
// there.
func reaches(r *Rule, target string, lk Lookup, seen map[string]bool, path []string) ([]string, bool) {
	_, pws, _ := r.Refs()
	for _, id := range pws {
		if id == target {
			return append(path, id), true
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		if sub, ok := lk.Pathway(id); ok {
			if p, ok := reaches(sub, target, lk, seen, append(path, id)); ok {
				return p, true
			}
		}
	}
	return nil, false
}

func joinArrow(ids []string) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += " → "
		}
		s += id
	}
	return s
}

// MapLookup is a Lookup over maps, for the service and for tests.
type MapLookup struct {
	Achievements map[string]bool
	Recognitions map[string]bool
	Pathways     map[string]*Rule
}

// Achievement implements Lookup.
func (m MapLookup) Achievement(id string) bool { return m.Achievements[id] }

// Recognition implements Lookup.
func (m MapLookup) Recognition(id string) bool { return m.Recognitions[id] }

// Pathway implements Lookup.
func (m MapLookup) Pathway(id string) (*Rule, bool) {
	r, ok := m.Pathways[id]
	return r, ok && r != nil
}
