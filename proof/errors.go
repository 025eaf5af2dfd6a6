package proof

import (
	"context"
	"errors"
	"fmt"

	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/jsonld"
)

// Outcome is the verdict on one proof or one token.
type Outcome string

// The outcomes of a verification.
const (
	// Verified: every check passed.
	Verified Outcome = "verified"
	// Failed: a check failed; the proof is invalid.
	Failed Outcome = "failed"
	// Indeterminate: a check could not be carried out (the key could not be
	// fetched, the context ended). The proof is neither valid nor invalid.
	Indeterminate Outcome = "indeterminate"
	// Unsupported: the proof's type or cryptosuite is not one this package
	// verifies. Such a proof is reported, and ignored when other proofs of
	// the set are supported (as Digital Bazaar's verifier does).
	Unsupported Outcome = "unsupported"
)

// Sentinel errors matched by [*Error] through errors.Is.
var (
	// ErrFailed matches every error whose Outcome is Failed or Unsupported.
	ErrFailed = errors.New("proof: verification failed")
	// ErrIndeterminate matches every error whose Outcome is Indeterminate.
	ErrIndeterminate = errors.New("proof: verification indeterminate")
	// ErrCannotSign is wrapped by every error that SignDI and SignJWT return
	// because of their input (wrong key type, issuer not the controller of
	// the verification method, missing fields).
	ErrCannotSign = errors.New("proof: cannot sign")
)

// Error is the error returned for a proof that did not verify.
type Error struct {
	Outcome Outcome // Failed, Indeterminate or Unsupported
	// Check names the check that did not pass, e.g. "alg", "proofPurpose",
	// "verificationMethod", "controller", "canonicalization", "signature",
	// "claims", "exp", "token".
	Check string
	Err   error // the cause
}

func (e *Error) Error() string {
	if e.Outcome == Indeterminate {
		return fmt.Sprintf("%s: indeterminate: %v", e.Check, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Check, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is ErrFailed or ErrIndeterminate matching the
// outcome.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrFailed:
		return e.Outcome == Failed || e.Outcome == Unsupported
	case ErrIndeterminate:
		return e.Outcome == Indeterminate
	}
	return false
}

// failed returns a Failed *Error for check.
func failed(check string, format string, args ...any) *Error {
	return &Error{Outcome: Failed, Check: check, Err: fmt.Errorf(format, args...)}
}

// classify wraps err for check: Indeterminate when the cause is a network
// unavailability or the end of ctx, Failed otherwise.
func classify(check string, err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	if isIndeterminate(err) {
		return &Error{Outcome: Indeterminate, Check: check, Err: err}
	}
	return &Error{Outcome: Failed, Check: check, Err: err}
}

func isIndeterminate(err error) bool {
	return errors.Is(err, fetch.ErrUnavailable) ||
		errors.Is(err, jsonld.ErrLimit) ||
		errors.Is(err, jsonld.ErrUnsupported) ||
		errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

func cannotSign(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCannotSign, fmt.Sprintf(format, args...))
}
