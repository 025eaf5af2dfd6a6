package admin

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
)

// fieldErrors holds the message to show next to each form field, by the
// field's name; "" holds a message about the whole form.
type fieldErrors map[string]string

// add records msg for field (the first message of a field wins) and
// returns the map, made if nil.
func (e fieldErrors) add(field, msg string) fieldErrors {
	if e == nil {
		e = fieldErrors{}
	}
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
	return e
}

// For returns the message of a field, for templates: {{.Errors.For "name"}}.
func (e fieldErrors) For(field string) string { return e[field] }

// Any reports whether there is a message.
func (e fieldErrors) Any() bool { return len(e) > 0 }

// fromError puts a service error next to the form field it is about:
// fields maps the service's field names (or their prefix before "." or
// "[") to the form's. An Invalid error naming no known field goes to the
// form as a whole. It reports false for errors that are not about the
// input (those go to fail).
func fromError(err error, fields map[string]string) (fieldErrors, bool) {
	switch cairn.KindOf(err) {
	case cairn.Invalid, cairn.Conflict:
	default:
		return nil, false
	}
	field := cairn.FieldOf(err)
	msg := cairn.PublicMessage(err)
	form, ok := fields[field]
	for name := field; !ok && name != ""; {
		i := strings.LastIndexAny(name, ".[")
		if i < 0 {
			break
		}
		name = name[:i]
		form, ok = fields[name]
	}
	if ok {
		// The field's name is shown by its label: keep the reason.
		msg = strings.TrimPrefix(msg, field+": ")
		msg = sentence(msg)
	} else {
		form = ""
	}
	return fieldErrors{form: msg}, true
}

// capitalize returns s with its first letter in upper case.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// sentence turns a service message about a field ("is required", "must be
// between 0 and 1200") into a sentence to show under the field.
func sentence(msg string) string {
	for _, verb := range []string{"is ", "must ", "has ", "contains ", "should "} {
		if strings.HasPrefix(msg, verb) {
			return "This " + msg
		}
	}
	return capitalize(msg)
}
