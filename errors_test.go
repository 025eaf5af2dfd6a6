package cairn_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
)

func TestErrorText(t *testing.T) {
	cause := errors.New("pq: relation \"awards\" violates unique constraint")
	tests := []struct {
		err         error
		text        string
		public      string
		kind        cairn.Kind
		field       string
		sentinel    error
		notSentinel error
	}{
		{cairn.Invalidf("recipient.identity", "must be an email address or a DID"),
			"recipient.identity: must be an email address or a DID", "recipient.identity: must be an email address or a DID",
			cairn.Invalid, "recipient.identity", cairn.ErrInvalid, cairn.ErrNotFound},
		{cairn.Errorf(cairn.NotFound, "award %s not found", "x1"), "award x1 not found", "award x1 not found",
			cairn.NotFound, "", cairn.ErrNotFound, cairn.ErrConflict},
		{cairn.Wrapf(cairn.Conflict, cause, "slug taken"), "slug taken: " + cause.Error(), "slug taken",
			cairn.Conflict, "", cairn.ErrConflict, cairn.ErrInvalid},
		{cairn.Wrapf(cairn.Internal, cause, "database error"), "database error: " + cause.Error(), "internal error",
			cairn.Internal, "", cairn.ErrInternal, cairn.ErrUnavailable},
		{&cairn.Error{Kind: cairn.Forbidden}, "forbidden", "forbidden", cairn.Forbidden, "", cairn.ErrForbidden, cairn.ErrUnauthorized},
		{&cairn.Error{Kind: cairn.Unavailable, Err: cause}, "unavailable: " + cause.Error(), "service unavailable; try again later",
			cairn.Unavailable, "", cairn.ErrUnavailable, cairn.ErrInternal},
		{fmt.Errorf("issuing: %w", cairn.Invalidf("name", "is required")), "issuing: name: is required", "name: is required",
			cairn.Invalid, "name", cairn.ErrInvalid, cairn.ErrConflict},
		{&cairn.Error{Err: cairn.Errorf(cairn.Unauthorized, "bad key")}, "bad key", "bad key",
			cairn.Unauthorized, "", cairn.ErrUnauthorized, cairn.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.text {
				t.Errorf("Error() = %q, want %q", got, tt.text)
			}
			if got := cairn.PublicMessage(tt.err); got != tt.public {
				t.Errorf("PublicMessage = %q, want %q", got, tt.public)
			}
			if got := cairn.KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %v, want %v", got, tt.kind)
			}
			if got := cairn.FieldOf(tt.err); got != tt.field {
				t.Errorf("FieldOf = %q, want %q", got, tt.field)
			}
			if !errors.Is(tt.err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tt.sentinel)
			}
			if errors.Is(tt.err, tt.notSentinel) {
				t.Errorf("errors.Is(err, %v) = true", tt.notSentinel)
			}
		})
	}
}

func TestErrorCauseKept(t *testing.T) {
	cause := context.DeadlineExceeded
	err := cairn.Wrapf(cairn.Unavailable, cause, "database busy")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("cause lost for errors.Is")
	}
	var e *cairn.Error
	if !errors.As(err, &e) || e.Message != "database busy" {
		t.Errorf("errors.As = %+v", e)
	}
	// A message-bearing *Error is not a sentinel: Is falls back to identity.
	other := cairn.Errorf(cairn.Unavailable, "x")
	if errors.Is(err, other) {
		t.Error("errors.Is matched a non-sentinel *Error of the same kind")
	}
}

func TestKindOfPlainErrors(t *testing.T) {
	tests := []struct {
		err  error
		want cairn.Kind
	}{
		{nil, cairn.Internal},
		{errors.New("boom"), cairn.Internal},
		{context.Canceled, cairn.Unavailable},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), cairn.Unavailable},
		{&cairn.Error{Kind: 99}, cairn.Internal},
		{errors.Join(errors.New("a"), cairn.Errorf(cairn.Conflict, "b")), cairn.Conflict},
	}
	for _, tt := range tests {
		if got := cairn.KindOf(tt.err); got != tt.want {
			t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestPublicMessageHidesInternals: whatever an internal error wraps, the
// requester sees a fixed phrase.
func TestPublicMessageHidesInternals(t *testing.T) {
	secret := errors.New("open /data/master.key: permission denied")
	for _, err := range []error{
		secret,
		fmt.Errorf("signing: %w", secret),
		cairn.Wrapf(cairn.Internal, secret, "cannot sign with %s", "/data/master.key"),
		&cairn.Error{Err: secret},
	} {
		if got := cairn.PublicMessage(err); got != "internal error" {
			t.Errorf("PublicMessage(%v) = %q", err, got)
		}
	}
	// Other kinds show their message, never their cause.
	got := cairn.PublicMessage(cairn.Wrapf(cairn.Conflict, secret, "already revoked"))
	if strings.Contains(got, "master.key") {
		t.Errorf("PublicMessage shows the cause: %q", got)
	}
}

func TestKindString(t *testing.T) {
	names := map[cairn.Kind]string{
		cairn.Invalid: "invalid", cairn.NotFound: "not found", cairn.Conflict: "conflict",
		cairn.Unauthorized: "unauthorized", cairn.Forbidden: "forbidden", cairn.Unavailable: "unavailable",
		cairn.Internal: "internal error", 0: "kind(0)", 42: "kind(42)",
	}
	for k, want := range names {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", uint8(k), got, want)
		}
	}
}

func ExamplePublicMessage() {
	err := fmt.Errorf("create award: %w", cairn.Invalidf("recipient.type", "must be email or did"))
	fmt.Println(cairn.KindOf(err))
	fmt.Println(cairn.PublicMessage(err))
	fmt.Println(cairn.PublicMessage(fmt.Errorf("sql: connection reset by 10.0.0.7")))
	// Output:
	// invalid
	// recipient.type: must be email or did
	// internal error
}
