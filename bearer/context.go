package bearer

import "context"

// Identity is the verified token and the principal of a request that
// [Guard.Require] admitted.
type Identity struct {
	// Claims are the verified claims of the request's access token.
	Claims Claims

	// Principal is the value that [Config.Principals] loaded for the
	// token, or nil when the Guard has no PrincipalLoader.
	Principal any
}

type contextKey struct{}

// identityContext is a context that carries an Identity. It does the work
// of context.WithValue in one allocation instead of two, because
// WithValue would also box the Identity into an interface.
type identityContext struct {
	context.Context
	identity Identity
}

func (c *identityContext) Value(key any) any {
	if key == (contextKey{}) {
		return &c.identity
	}

	return c.Context.Value(key)
}

// NewContext returns a copy of ctx that carries identity. [Guard.Require]
// uses it for each request it admits. Tests of handlers that run behind
// the guard can use it to call them directly.
func NewContext(ctx context.Context, identity Identity) context.Context {
	return &identityContext{Context: ctx, identity: identity}
}

// FromContext returns the Identity that [NewContext] stored in ctx, and
// false when ctx carries none, as in a handler that no Guard protects.
func FromContext(ctx context.Context) (Identity, bool) {
	identity, ok := ctx.Value(contextKey{}).(*Identity)
	if !ok {
		return Identity{}, false
	}

	return *identity, true
}
