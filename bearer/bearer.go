// Package bearer is the resource-server side of OAuth 2.0 bearer tokens
// (RFC 6750). Its middleware reads the token from the Authorization header,
// verifies it through a [Verifier], loads the principal through a
// [PrincipalLoader], enforces a route's accumulated scope [Requirement] and
// answers every rejection with a WWW-Authenticate challenge and an RFC 9457
// problem details body.
//
// The checks run in a fixed order: the token's signature and claims first,
// then the principal, then the scopes. So a forged token learns nothing
// about what a route needs.
package bearer

import (
	"context"
	"errors"
	"time"

	"github.com/scopegate/scopegate/scope"
)

// Claims are the verified facts of an access token that the middleware
// uses.
type Claims struct {
	Subject   string
	ClientID  string
	Scopes    scope.Set
	ExpiresAt time.Time
}

// Verifier checks a raw bearer token's signature and claims. It returns an
// error for any token it cannot fully verify. Errors wrapping
// [ErrInvalidToken] mean the token is bad (401). Any other error means the
// check could not be completed (503). The request is rejected either way.
type Verifier interface {
	Verify(ctx context.Context, token string) (Claims, error)
}

// PrincipalLoader loads the account a verified token speaks for. It
// returns an error wrapping [ErrInvalidToken] when the account no longer
// exists or may no longer use tokens (disabled), and another error when
// the lookup itself failed.
type PrincipalLoader interface {
	LoadPrincipal(ctx context.Context, claims Claims) (any, error)
}

// ErrInvalidToken marks a token that is expired, forged, malformed, or
// whose principal is gone or disabled.
var ErrInvalidToken = errors.New("bearer: invalid token")
