package pathway

import (
	"fmt"
	"strconv"
	"time"
)

// Duration is an ISO 8601 duration (ISO 8601-1:2019 §5.5.2.4, the form
// "PnYnMnWnDTnHnMnS"), as a rule's "within" gives it: "P24M" is 24
// months, "P1Y6M" a year and a half, "P2W" two weeks, "PT36H" 36 hours.
// Every component is a whole number; at least one must be present.
type Duration struct {
	Years, Months, Weeks, Days, Hours, Minutes, Seconds int
	text                                                string
}

// maxComponent bounds each component so that calendar arithmetic cannot
// overflow (a thousand years of any unit is more than any rule needs).
const maxComponent = 1_000_000

// ParseDuration parses an ISO 8601 duration such as "P24M".
func ParseDuration(s string) (Duration, error) {
	d := Duration{text: s}
	if len(s) < 2 || s[0] != 'P' {
		return Duration{}, fmt.Errorf("%q is not an ISO 8601 duration (want e.g. P24M, P1Y6M, P90D)", s)
	}
	rest, inTime, any := s[1:], false, false
	order := "YMWD" // designators allowed next, in order
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return Duration{}, fmt.Errorf("%q has T twice", s)
			}
			inTime, order = true, "HMS"
			rest = rest[1:]
			if rest == "" {
				return Duration{}, fmt.Errorf("%q has nothing after T", s)
			}
			continue
		}
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return Duration{}, fmt.Errorf("%q is not an ISO 8601 duration: want a whole number followed by a designator", s)
		}
		if i > 7 {
			return Duration{}, fmt.Errorf("%q has a component over %d", s, maxComponent)
		}
		n, _ := strconv.Atoi(rest[:i])
		if n > maxComponent {
			return Duration{}, fmt.Errorf("%q has a component over %d", s, maxComponent)
		}
		des := rest[i]
		k := -1
		for j := 0; j < len(order); j++ {
			if order[j] == des {
				k = j
				break
			}
		}
		if k < 0 {
			return Duration{}, fmt.Errorf("%q: designator %q is unknown or out of order", s, des)
		}
		order = order[k+1:]
		switch {
		case !inTime && des == 'Y':
			d.Years = n
		case !inTime && des == 'M':
			d.Months = n
		case !inTime && des == 'W':
			d.Weeks = n
		case !inTime && des == 'D':
			d.Days = n
		case des == 'H':
			d.Hours = n
		case des == 'M':
			d.Minutes = n
		case des == 'S':
			d.Seconds = n
		}
		any = true
		rest = rest[i+1:]
	}
	if !any {
		return Duration{}, fmt.Errorf("%q has no components", s)
	}
	return d, nil
}

// String returns the duration as it was parsed.
func (d Duration) String() string { return d.text }

// Before returns t minus d, in calendar terms (months and years as
// time.AddDate counts them).
func (d Duration) Before(t time.Time) time.Time {
	t = t.AddDate(-d.Years, -d.Months, -7*d.Weeks-d.Days)
	return t.Add(-(time.Duration(d.Hours)*time.Hour + time.Duration(d.Minutes)*time.Minute + time.Duration(d.Seconds)*time.Second))
}
