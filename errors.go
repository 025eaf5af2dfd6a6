package cairn

import (
	"context"
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it. The set is
// closed: every error a store or service returns is, or wraps, an *Error of
// one of these kinds, or it is treated as Internal. The HTTP layer maps each
// kind to one status code.
type Kind uint8

// The kinds of error. The zero Kind is not one of them; an *Error whose Kind
// is zero counts as Internal.
const (
	Invalid      Kind = iota + 1 // the input is malformed or breaks a rule (400, 422)
	NotFound                     // the thing does not exist, or the caller may not know it does (404)
	Conflict                     // the request clashes with the current state (409)
	Unauthorized                 // the caller is not authenticated (401)
	Forbidden                    // the caller is authenticated but not allowed (403)
	Unavailable                  // a dependency is down or busy, or the deadline passed; retry later (503)
	Internal                     // a bug or an unexpected failure; details go to the log only (500)
)

var kindNames = [...]string{
	Invalid:      "invalid",
	NotFound:     "not found",
	Conflict:     "conflict",
	Unauthorized: "unauthorized",
	Forbidden:    "forbidden",
	Unavailable:  "unavailable",
	Internal:     "internal error",
}

// String returns a short lower-case name of the kind, such as "not found".
func (k Kind) String() string {
	if k == 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", uint8(k))
	}
	return kindNames[k]
}

// Error is Cairn's one error type.
//
// Kind says what went wrong in terms a caller can act on. Field names the
// input field at fault (JSON name or form field), if any. Message is written
// for the person who sent the request: it is shown to them for every kind but
// Internal, so it must not carry secrets or implementation detail. Err is the
// underlying cause, kept for logs and for errors.Is and errors.As; it is never
// shown to the requester.
type Error struct {
	Kind    Kind
	Field   string
	Message string
	Err     error
}

// Error returns the field, the message and the cause, for logs.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Kind == 0 && e.Err != nil {
		if e.Field != "" {
			return e.Field + ": " + e.Err.Error()
		}
		return e.Err.Error()
	}
	if msg == "" {
		msg = e.kind().String()
	}
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's kind (ErrNotFound and so
// on), so that errors.Is(err, cairn.ErrNotFound) holds for every not-found
// error whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || !t.sentinel() {
		return false
	}
	return e.kind() == t.Kind
}

func (e *Error) sentinel() bool {
	return e.Field == "" && e.Message == "" && e.Err == nil
}

func (e *Error) kind() Kind {
	if e.Kind == 0 || int(e.Kind) >= len(kindNames) {
		return Internal
	}
	return e.Kind
}

// Sentinels for errors.Is. Each matches every *Error of its kind, for
// example errors.Is(err, cairn.ErrNotFound). Do not return them: return an
// *Error with a message instead (Errorf).
var (
	ErrInvalid      = &Error{Kind: Invalid}
	ErrNotFound     = &Error{Kind: NotFound}
	ErrConflict     = &Error{Kind: Conflict}
	ErrUnauthorized = &Error{Kind: Unauthorized}
	ErrForbidden    = &Error{Kind: Forbidden}
	ErrUnavailable  = &Error{Kind: Unavailable}
	ErrInternal     = &Error{Kind: Internal}
)

// ErrStatusEntryTaken is wrapped by the Conflict that
// AwardStore.InsertAwards returns for an award whose status entry another
// process took between ReserveAward and InsertAwards: the credential,
// which names the entry, must be signed again with a new one.
var ErrStatusEntryTaken = errors.New("the status entry was taken by another process")

// ErrIssueVersionChanged is wrapped in the Conflict that
// IssueVersionStore.InsertAwardsAt returns for an award signed from an
// achievement, issuer profile or keys that changed meanwhile: build it and
// sign it again from the current ones.
var ErrIssueVersionChanged = errors.New("the achievement, its issuer or the issuer's keys changed while the award was signed")

// Errorf returns an *Error of the given kind whose Message is formatted as
// with fmt.Sprintf. To keep a cause, use Wrapf.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrapf returns an *Error of the given kind whose Message is formatted as
// with fmt.Sprintf and whose cause is err. The cause goes to logs, never to
// the requester.
func Wrapf(kind Kind, err error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// Invalidf returns an Invalid *Error about the named input field.
func Invalidf(field, format string, args ...any) error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err: that of the first *Error in its chain that
// has a kind, Unavailable when the chain holds context.DeadlineExceeded or
// context.Canceled, and Internal for anything else, nil included.
func KindOf(err error) Kind {
	if e := find(err); e != nil {
		return e.kind()
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return Unavailable
	}
	return Internal
}

// find returns the first *Error in err's chain that has a kind, or nil.
func find(err error) *Error {
	var e *Error
	for errors.As(err, &e) {
		if e.Kind != 0 {
			return e
		}
		err = e.Err
	}
	return nil
}

// FieldOf returns the input field named by the first *Error with a kind in
// err's chain, or "".
func FieldOf(err error) string {
	if e := find(err); e != nil {
		return e.Field
	}
	return ""
}

// PublicMessage returns the text that may be shown to whoever sent the
// request that failed with err. For Internal errors it is a fixed phrase:
// err.Error() may hold SQL, paths or key material and goes only to the log.
// For other kinds it is the Message of the first *Error with a kind in err's
// chain (prefixed by its Field), without the cause, or the kind's name.
func PublicMessage(err error) string {
	kind := KindOf(err)
	if kind == Internal {
		return "internal error"
	}
	e := find(err)
	if e == nil || e.Message == "" {
		if kind == Unavailable {
			return "service unavailable; try again later"
		}
		if e == nil || e.Field == "" {
			return kind.String()
		}
		return e.Field + ": " + kind.String()
	}
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}
