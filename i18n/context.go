package i18n

import "context"

type ctxKey struct{}

// NewContext returns ctx carrying l, the language of the request it
// serves: what a service sends for that request (a verification mail, a
// password-reset link) is written in it.
func NewContext(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// FromContext returns the language NewContext put in ctx, and whether
// there is one.
func FromContext(ctx context.Context) (Lang, bool) {
	l, ok := ctx.Value(ctxKey{}).(Lang)
	return l, ok
}
