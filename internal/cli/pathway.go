package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	cairnpkg "github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/pathway"
)

// runPathway checks a pathway rule offline: its form (one form per rule,
// lists not empty, atLeast within its list, ISO 8601 durations), with the
// field at fault named as the API names it. Whether the achievements,
// pathways and recognitions it names exist is checked by the server.
func runPathway(e *env, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return usagef("pathway: want \"pathway check RULE.json\" (or - for stdin)")
	}
	fs := newFlags(e, "pathway check", "RULE.json|-")
	rest, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("pathway check: want one rule file (or - for stdin)")
	}
	data, err := readInput(e, rest[0])
	if err != nil {
		return err
	}
	// A whole pathway (as POST /api/v1/pathways takes it) or a bare rule.
	var wrapper struct {
		Rule json.RawMessage `json:"rule"`
	}
	if json.Unmarshal(data, &wrapper) == nil && len(wrapper.Rule) > 0 {
		data = wrapper.Rule
	}
	r, err := pathway.ParseRule(data)
	if err != nil {
		return &exitError{code: ExitFailed, msg: "pathway check: " + cairnpkg.PublicMessage(err)}
	}
	achs, pws, recs := r.Refs()
	fmt.Fprintf(e.stdout, "ok: a %q rule naming %d achievements, %d pathways, %d recognitions\n", r.Kind(), len(achs), len(pws), len(recs))
	if len(achs) > 0 {
		fmt.Fprintf(e.stdout, "achievements: %s\n", strings.Join(achs, " "))
	}
	return nil
}
