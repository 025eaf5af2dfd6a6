// Package pathway is the pure core of stackable pathways: the rules that
// say when a set of badges adds up to a micro-credential, certificate or
// degree, their JSON form, their validation and their evaluation against
// one learner's awards. It does no I/O: package store keeps pathways,
// package issuing feeds the evaluator a learner's awards and issues the
// pathway's achievement when its rule holds.
//
// A rule is one of (JSON, exactly as the API takes it):
//
//	{"achievement": ID}                    an award of the achievement; options
//	                                       "minScore": N, "within": "P24M"
//	                                       (awarded in the last 24 months,
//	                                       an ISO 8601 duration),
//	                                       "notExpired": true
//	{"all": [RULE, ...]}                   every rule
//	{"any": [RULE, ...]}                   at least one rule
//	{"atLeast": N, "of": [RULE, ...]}      at least N of the rules
//	{"credits": X, "of": [RULE, ...]}      the rules that hold sum to X credits
//	                                       (an award's creditsEarned, else its
//	                                       achievement's creditsAvailable)
//	{"pathway": ID}                        another pathway: its achievement is
//	                                       held, or its rule holds
//	{"external": {"issuer": DID-or-URL,    a badge of another issuer that the
//	  "achievementId" | "achievementName"}} learner presented and that verified
//	{"recognition": ID}                    a recognition of prior learning that
//	                                       staff recorded for the learner
//
// An award counts when it is active (not revoked, not suspended); an
// expired award counts unless the rule says "notExpired". Evaluation
// reports, node by node, what holds and what is missing, the credits so
// far, and the awards, recognitions and external badges that contribute:
// they become the pathway award's evidence.
package pathway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/cairn-badges/cairn"
)

// Limits of a rule.
const (
	MaxDepth    = 12  // nesting of rules
	MaxRules    = 500 // rules in one pathway, every level counted
	MaxChildren = 200 // rules in one all, any or of list
	MaxRuleSize = 64 << 10
	maxIDLen    = 128
	maxTextLen  = 500
)

// Rule is one rule of a pathway. Exactly one form is set: Achievement
// (with its options MinScore, Within, NotExpired), All, Any, AtLeast with
// Of, Credits with Of, Pathway, External or Recognition. Its JSON is the
// API's (see the package documentation); parse it with ParseRule.
type Rule struct {
	Achievement string   `json:"achievement,omitempty"`
	MinScore    *float64 `json:"minScore,omitempty"`
	Within      string   `json:"within,omitempty"`
	NotExpired  bool     `json:"notExpired,omitempty"`

	All     []Rule  `json:"all,omitempty"`
	Any     []Rule  `json:"any,omitempty"`
	AtLeast int     `json:"atLeast,omitempty"`
	Credits float64 `json:"credits,omitempty"`
	Of      []Rule  `json:"of,omitempty"`

	Pathway     string    `json:"pathway,omitempty"`
	External    *External `json:"external,omitempty"`
	Recognition string    `json:"recognition,omitempty"`

	within Duration // parsed Within
}

// External names a badge of another issuer: its issuer (a DID or an
// http(s) URL, as the credential's issuer id gives it) and its
// achievement, by id or by name.
type External struct {
	Issuer          string `json:"issuer"`
	AchievementID   string `json:"achievementId,omitempty"`
	AchievementName string `json:"achievementName,omitempty"`
}

// The kinds of rule, as Node.Kind names them.
const (
	KindAchievement = "achievement"
	KindAll         = "all"
	KindAny         = "any"
	KindAtLeast     = "atLeast"
	KindCredits     = "credits"
	KindPathway     = "pathway"
	KindExternal    = "external"
	KindRecognition = "recognition"
)

// Kind returns the rule's form, one of the Kind constants.
func (r *Rule) Kind() string {
	switch {
	case r.Achievement != "":
		return KindAchievement
	case r.All != nil:
		return KindAll
	case r.Any != nil:
		return KindAny
	case r.AtLeast != 0:
		return KindAtLeast
	case r.Credits != 0:
		return KindCredits
	case r.Pathway != "":
		return KindPathway
	case r.External != nil:
		return KindExternal
	case r.Recognition != "":
		return KindRecognition
	}
	return ""
}

// Children returns the rule's sub-rules (nil for a leaf).
func (r *Rule) Children() []Rule {
	switch r.Kind() {
	case KindAll:
		return r.All
	case KindAny:
		return r.Any
	case KindAtLeast, KindCredits:
		return r.Of
	}
	return nil
}

// childField is the JSON name of the list Children returns.
func (r *Rule) childField() string {
	switch r.Kind() {
	case KindAll:
		return "all"
	case KindAny:
		return "any"
	}
	return "of"
}

// WithinDuration returns the parsed Within (zero when Within is "").
func (r *Rule) WithinDuration() Duration { return r.within }

// ParseRule decodes a rule from its JSON and checks its form: exactly one
// form per object, no unknown keys, lists not empty, atLeast between 1
// and the length of its list, durations ISO 8601. Errors are Invalid and
// name the field, as "rule.of[2].within". It does not check that the
// achievements, pathways and recognitions exist: Validate does.
func ParseRule(data []byte) (*Rule, error) {
	if len(data) > MaxRuleSize {
		return nil, cairn.Invalidf("rule", "is %d bytes; the limit is %d", len(data), MaxRuleSize)
	}
	p := parser{}
	r, err := p.parse(json.RawMessage(data), "rule", 1)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// MarshalJSON is the rule's API form.
func (r Rule) MarshalJSON() ([]byte, error) {
	type plain Rule
	return json.Marshal(plain(r))
}

// UnmarshalJSON parses the rule's API form as ParseRule does.
func (r *Rule) UnmarshalJSON(data []byte) error {
	p, err := ParseRule(data)
	if err != nil {
		return err
	}
	*r = *p
	return nil
}

type parser struct{ n int }

var leafKeys = map[string][]string{
	"achievement": {"achievement", "minScore", "within", "notExpired"},
	"all":         {"all"},
	"any":         {"any"},
	"atLeast":     {"atLeast", "of"},
	"credits":     {"credits", "of"},
	"pathway":     {"pathway"},
	"external":    {"external"},
	"recognition": {"recognition"},
}

// formOrder lists the keys that decide a rule's form.
var formOrder = []string{"achievement", "all", "any", "atLeast", "credits", "pathway", "external", "recognition"}

func (p *parser) parse(data json.RawMessage, field string, depth int) (*Rule, error) {
	p.n++
	if p.n > MaxRules {
		return nil, cairn.Invalidf(field, "the pathway has more than %d rules", MaxRules)
	}
	if depth > MaxDepth {
		return nil, cairn.Invalidf(field, "rules are nested more than %d deep", MaxDepth)
	}
	var obj map[string]json.RawMessage
	if err := strictDecode(data, &obj); err != nil || obj == nil {
		return nil, cairn.Invalidf(field, "must be a rule object such as {\"achievement\": ID}")
	}
	form := ""
	for _, k := range formOrder {
		if _, ok := obj[k]; ok {
			if form != "" {
				return nil, cairn.Invalidf(field, "has both %q and %q: a rule has one form", form, k)
			}
			form = k
		}
	}
	if form == "" {
		return nil, cairn.Invalidf(field, "has none of achievement, all, any, atLeast, credits, pathway, external, recognition")
	}
	for k := range obj {
		if !contains(leafKeys[form], k) {
			return nil, cairn.Invalidf(field+"."+k, "is not a field of a %q rule", form)
		}
	}
	r := &Rule{}
	var err error
	switch form {
	case "achievement":
		if r.Achievement, err = idField(obj, field, "achievement"); err != nil {
			return nil, err
		}
		if raw, ok := obj["minScore"]; ok {
			var f float64
			if strictDecode(raw, &f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, cairn.Invalidf(field+".minScore", "must be a number")
			}
			r.MinScore = &f
		}
		if raw, ok := obj["within"]; ok {
			if strictDecode(raw, &r.Within) != nil {
				return nil, cairn.Invalidf(field+".within", "must be an ISO 8601 duration such as \"P24M\"")
			}
			if r.within, err = ParseDuration(r.Within); err != nil {
				return nil, cairn.Invalidf(field+".within", "%s", err.Error())
			}
		}
		if raw, ok := obj["notExpired"]; ok {
			if strictDecode(raw, &r.NotExpired) != nil {
				return nil, cairn.Invalidf(field+".notExpired", "must be true or false")
			}
		}
	case "all", "any":
		list, err := p.list(obj[form], field+"."+form, depth)
		if err != nil {
			return nil, err
		}
		if form == "all" {
			r.All = list
		} else {
			r.Any = list
		}
	case "atLeast", "credits":
		raw, ok := obj["of"]
		if !ok {
			return nil, cairn.Invalidf(field+".of", "is required with %q", form)
		}
		if r.Of, err = p.list(raw, field+".of", depth); err != nil {
			return nil, err
		}
		if form == "atLeast" {
			var n float64
			if strictDecode(obj["atLeast"], &n) != nil || n != math.Trunc(n) || n < 1 {
				return nil, cairn.Invalidf(field+".atLeast", "must be a whole number, at least 1")
			}
			if n > float64(len(r.Of)) {
				return nil, cairn.Invalidf(field+".atLeast", "is %v but \"of\" lists %d rules", n, len(r.Of))
			}
			r.AtLeast = int(n)
		} else {
			if strictDecode(obj["credits"], &r.Credits) != nil || !(r.Credits > 0) || r.Credits > 1e6 {
				return nil, cairn.Invalidf(field+".credits", "must be a number above 0, at most 1000000")
			}
		}
	case "pathway":
		if r.Pathway, err = idField(obj, field, "pathway"); err != nil {
			return nil, err
		}
	case "recognition":
		if r.Recognition, err = idField(obj, field, "recognition"); err != nil {
			return nil, err
		}
	case "external":
		var ext External
		if strictDecode(obj["external"], &ext) != nil {
			return nil, cairn.Invalidf(field+".external", "must be {\"issuer\": DID-or-URL, \"achievementId\" or \"achievementName\": …}")
		}
		ext.Issuer = strings.TrimSpace(ext.Issuer)
		ext.AchievementID = strings.TrimSpace(ext.AchievementID)
		ext.AchievementName = strings.TrimSpace(ext.AchievementName)
		f := field + ".external"
		switch {
		case ext.Issuer == "":
			return nil, cairn.Invalidf(f+".issuer", "is required")
		case !isIssuerID(ext.Issuer):
			return nil, cairn.Invalidf(f+".issuer", "%q is not a DID or an http(s) URL", ext.Issuer)
		case (ext.AchievementID == "") == (ext.AchievementName == ""):
			return nil, cairn.Invalidf(f, "give achievementId or achievementName, one of them")
		case len(ext.Issuer) > 2000 || len(ext.AchievementID) > 2000 || len(ext.AchievementName) > maxTextLen:
			return nil, cairn.Invalidf(f, "is too long")
		}
		r.External = &ext
	}
	return r, nil
}

func (p *parser) list(raw json.RawMessage, field string, depth int) ([]Rule, error) {
	var items []json.RawMessage
	if strictDecode(raw, &items) != nil {
		return nil, cairn.Invalidf(field, "must be a list of rules")
	}
	if len(items) == 0 {
		return nil, cairn.Invalidf(field, "is empty")
	}
	if len(items) > MaxChildren {
		return nil, cairn.Invalidf(field, "has %d rules; the limit is %d", len(items), MaxChildren)
	}
	out := make([]Rule, len(items))
	for i, it := range items {
		r, err := p.parse(it, fmt.Sprintf("%s[%d]", field, i), depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = *r
	}
	return out, nil
}

func idField(obj map[string]json.RawMessage, field, key string) (string, error) {
	var id string
	if strictDecode(obj[key], &id) != nil || strings.TrimSpace(id) == "" {
		return "", cairn.Invalidf(field+"."+key, "must be an id (a string)")
	}
	if len(id) > maxIDLen {
		return "", cairn.Invalidf(field+"."+key, "is longer than %d bytes", maxIDLen)
	}
	return id, nil
}

func isIssuerID(s string) bool {
	switch {
	case strings.HasPrefix(s, "did:"):
		parts := strings.SplitN(s, ":", 3)
		return len(parts) == 3 && parts[1] != "" && parts[2] != ""
	case strings.HasPrefix(s, "https://"), strings.HasPrefix(s, "http://"):
		rest := s[strings.Index(s, "//")+2:]
		return rest != "" && rest[0] != '/'
	}
	return false
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Refs returns, once each and in order of appearance, the achievements,
// pathways and recognitions the rule names (not those of the pathways it
// names).
func (r *Rule) Refs() (achievements, pathways, recognitions []string) {
	seen := map[string]bool{}
	var walk func(r *Rule)
	walk = func(r *Rule) {
		add := func(list *[]string, kind, id string) {
			if !seen[kind+id] {
				seen[kind+id] = true
				*list = append(*list, id)
			}
		}
		switch r.Kind() {
		case KindAchievement:
			add(&achievements, "a", r.Achievement)
		case KindPathway:
			add(&pathways, "p", r.Pathway)
		case KindRecognition:
			add(&recognitions, "r", r.Recognition)
		}
		for i := range r.Children() {
			walk(&r.Children()[i])
		}
	}
	walk(r)
	return
}
