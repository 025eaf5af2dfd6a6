package verify

import (
	"fmt"
	"strings"
)

// Outcome is the result of one check or of a whole verification.
type Outcome string

// The three outcomes. There is no fourth: a check that applies but could not
// run is Indeterminate, never Verified.
const (
	// Verified: every check ran and passed.
	Verified Outcome = "verified"
	// Failed: at least one check ran and failed.
	Failed Outcome = "failed"
	// Indeterminate: no check failed, but at least one could not run (a
	// status list or DID document was unreachable, a format is not supported).
	Indeterminate Outcome = "indeterminate"
)

// Check names, in the order the pipeline runs them.
const (
	CheckFormat    = "format"
	CheckSchema    = "schema"
	CheckProof     = "proof"
	CheckIssuerKey = "issuer-key"
	CheckStatus    = "status"
	CheckLog       = "transparency-log"
	CheckDates     = "validity-dates"
	CheckInner     = "inner-credentials"
)

// A Check is one step of the verification and its outcome, with a reason a
// person can read.
type Check struct {
	Name    string  `json:"check"`
	Outcome Outcome `json:"outcome"`
	Reason  string  `json:"reason"`
	// Warnings are deviations this check found that do not change its
	// outcome, e.g. what the JSON Schema would flag in a credential that
	// does not ask for JSON Schema validation, each with its JSON pointer.
	Warnings []string `json:"warnings,omitempty"`
	// Messages is Reason in a form a reader's language can be given: the
	// messages it joins with "; ". Empty in a report from before they
	// were recorded, or made by hand.
	Messages []Message `json:"reasonMessages,omitempty"`
}

// A Message is a reason, warning or note in a form that can be
// translated: Key is its English format, whose every verb is %s (so it
// is a catalog key), and Args are its arguments, each already text. Its
// English is fmt.Sprintf(Key, Args...). A Message with an empty Key has
// no translatable form.
type Message struct {
	Key  string   `json:"key"`
	Args []string `json:"args,omitempty"`
}

// String returns the message in English: its Args' text when it has no
// translatable form.
func (m Message) String() string {
	if m.Key == "" {
		return strings.Join(m.Args, "")
	}
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		args[i] = a
	}
	return fmt.Sprintf(m.Key, args...)
}

// msg makes the Message of fmt.Sprintf(format, args...): each verb of
// format becomes %s and its argument is formatted with the verb (flags,
// width and precision included). A format that numbers its arguments
// (%[1]s) or takes a width from them (%*d), or whose verbs and arguments
// do not match, has no translatable form: Key is "" and Args its English.
func msg(format string, args ...any) Message {
	var key strings.Builder
	var out []string
	n := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			key.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0123456789.", format[j]) >= 0 {
			j++
		}
		if j >= len(format) || format[j] == '[' || format[j] == '*' || n >= len(args) && format[j] != '%' {
			return Message{Args: []string{fmt.Sprintf(format, args...)}}
		}
		if format[j] == '%' && j == i+1 {
			key.WriteString("%%")
			i = j
			continue
		}
		key.WriteString("%s")
		out = append(out, fmt.Sprintf(format[i:j+1], args[n]))
		n++
		i = j
	}
	if n != len(args) {
		return Message{Args: []string{fmt.Sprintf(format, args...)}}
	}
	return Message{Key: key.String(), Args: out}
}

// NewCheck makes a check whose reason is fmt.Sprintf(format, args...),
// recorded in its translatable form too (see Message), for a verifier
// outside this package.
func NewCheck(name string, o Outcome, format string, args ...any) Check {
	m := msg(format, args...)
	return Check{Name: name, Outcome: o, Reason: m.String(), Messages: []Message{m}}
}

// Text returns the check's reason as tr writes each of its messages, or
// Reason when it has none. tr(key, args, english) returns the message in
// the reader's language, or english when it has no translation.
func (c Check) Text(tr func(key string, args []string, english string) string) string {
	return joinText(c.Messages, c.Reason, tr)
}

func joinText(ms []Message, english string, tr func(string, []string, string) string) string {
	if len(ms) == 0 {
		return english
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		if m.Key == "" {
			parts[i] = m.String()
		} else {
			parts[i] = tr(m.Key, m.Args, m.String())
		}
	}
	return strings.Join(parts, "; ")
}

// A Report is the whole verification of one credential.
type Report struct {
	// Result is Failed if any check failed, else Indeterminate if any check
	// could not run, else Verified.
	Result Outcome `json:"result"`
	// Format names what was read, e.g. "ldp_vc", "vc+jwt", "jwt_vc_json";
	// Container is "png" or "svg" for baked images, "" otherwise.
	Format    string `json:"format,omitempty"`
	Container string `json:"container,omitempty"`
	// What the credential says, for display (not verified unless Result is).
	ID      string   `json:"id,omitempty"`
	Types   []string `json:"type,omitempty"`
	Issuer  string   `json:"issuer,omitempty"`
	Name    string   `json:"name,omitempty"`
	Subject string   `json:"subject,omitempty"`
	// Holder is a presentation's holder (format ldp_vp).
	Holder string  `json:"holder,omitempty"`
	Checks []Check `json:"checks"`
	// Warnings are facts worth knowing that do not change the result: a
	// deviation from what OB 3.0 asks, an endorsement that did not verify.
	Warnings []string `json:"warnings,omitempty"`
	// WarningMessages and NoteMessages are Warnings and Notes in a form
	// that can be translated, one for each (a zero Message for one that
	// has none); empty in a report made before they were recorded.
	WarningMessages []Message `json:"warningMessages,omitempty"`
	NoteMessages    []Message `json:"noteMessages,omitempty"`
	// Notes say how the credential was verified where it matters: who
	// signed its status list when that is not its issuer, that it is a
	// plain Verifiable Credential and not an Open Badge.
	Notes []string `json:"notes,omitempty"`
	// Inner holds the reports of the credentials a CLR carries
	// (credentialSubject.verifiableCredential), or a presentation holds
	// (verifiableCredential); they decide the inner-credentials check.
	Inner []*Report `json:"inner,omitempty"`
	// Endorsements holds the report of each embedded endorsement (of the
	// credential, its issuer, its achievement and the achievement's
	// creator). An endorsement is the endorser's statement, not the
	// credential's: one that fails or is indeterminate is a warning, never
	// the credential's result.
	Endorsements []*Report `json:"endorsements,omitempty"`
	// Credential is the decoded credential (the JWT payload's credential for
	// VC-JWT); nil when the input could not be parsed.
	Credential map[string]any `json:"-"`

	// signed holds the exact bytes presented as the signed credential
	// (the JSON, or the VC-JWT's compact token), which the transparency
	// log check digests.
	signed [][]byte
}

func (r *Report) add(name string, o Outcome, format string, args ...any) {
	r.addMessages(name, o, msg(format, args...))
}

// addMessages adds a check whose reason is the messages, joined by "; ".
func (r *Report) addMessages(name string, o Outcome, ms ...Message) {
	texts := make([]string, len(ms))
	for i, m := range ms {
		texts[i] = m.String()
	}
	r.Checks = append(r.Checks, Check{Name: name, Outcome: o, Reason: strings.Join(texts, "; "), Messages: ms})
}

func (r *Report) warn(format string, args ...any) {
	r.warnMessage(msg(format, args...))
}

func (r *Report) warnMessage(m Message) {
	r.WarningMessages = append(r.WarningMessages, m)
	r.Warnings = append(r.Warnings, m.String())
}

func (r *Report) note(format string, args ...any) {
	m := msg(format, args...)
	r.NoteMessages = append(r.NoteMessages, m)
	r.Notes = append(r.Notes, m.String())
}

// WarningTexts returns the warnings as tr writes them (see Check.Text).
func (r *Report) WarningTexts(tr func(key string, args []string, english string) string) []string {
	return texts(r.Warnings, r.WarningMessages, tr)
}

// NoteTexts returns the notes as tr writes them (see Check.Text).
func (r *Report) NoteTexts(tr func(key string, args []string, english string) string) []string {
	return texts(r.Notes, r.NoteMessages, tr)
}

func texts(english []string, ms []Message, tr func(string, []string, string) string) []string {
	if len(ms) != len(english) {
		return english
	}
	out := make([]string, len(english))
	for i, m := range ms {
		out[i] = joinText([]Message{m}, english[i], tr)
	}
	return out
}

// addWarned adds a check that carries warnings.
func (r *Report) addWarned(name string, o Outcome, warnings []string, format string, args ...any) {
	r.add(name, o, format, args...)
	r.Checks[len(r.Checks)-1].Warnings = warnings
}

// finish computes Result from the checks. A report with no check at all,
// or without a proof check that passed, cannot be Verified.
func (r *Report) finish() {
	r.Result = Verified
	proofVerified := false
	for _, c := range r.Checks {
		switch c.Outcome {
		case Failed:
			r.Result = Failed
		case Indeterminate:
			if r.Result == Verified {
				r.Result = Indeterminate
			}
		case Verified:
			if c.Name == CheckProof {
				proofVerified = true
			}
		}
	}
	if r.Result == Verified && !proofVerified {
		r.Result = Indeterminate
	}
}

// HasWarnings reports whether the report or one of its checks has a
// warning.
func (r *Report) HasWarnings() bool {
	if len(r.Warnings) > 0 {
		return true
	}
	for _, c := range r.Checks {
		if len(c.Warnings) > 0 {
			return true
		}
	}
	return false
}

// Check returns the named check, or nil.
func (r *Report) Check(name string) *Check {
	for i := range r.Checks {
		if r.Checks[i].Name == name {
			return &r.Checks[i]
		}
	}
	return nil
}

// Summary is a one-line description of the report.
func (r *Report) Summary() string {
	var b strings.Builder
	b.WriteString(string(r.Result))
	for _, c := range r.Checks {
		if c.Outcome != Verified {
			fmt.Fprintf(&b, "; %s %s: %s", c.Name, c.Outcome, c.Reason)
		}
	}
	return b.String()
}

// worst combines outcomes: Failed beats Indeterminate beats Verified.
func worst(a, b Outcome) Outcome {
	if a == Failed || b == Failed {
		return Failed
	}
	if a == Indeterminate || b == Indeterminate {
		return Indeterminate
	}
	return Verified
}
