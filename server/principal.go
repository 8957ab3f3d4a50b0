package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/store"
)

// userLoader loads the user a token speaks for, so that a token is rejected
// once its user is deleted or disabled, or loses a scope the token carries.
// The last check also bounds tokens from a FastAPI deployment, which grants
// any scope a client asks for.
type userLoader struct {
	users interface {
		User(ctx context.Context, username string) (store.User, error)
	}
}

func (l userLoader) LoadPrincipal(ctx context.Context, claims bearer.Claims) (any, error) {
	user, err := l.users.User(ctx, claims.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: the token's user no longer exists", bearer.ErrInvalidToken)
	}

	if err != nil {
		return nil, fmt.Errorf("server: load user: %w", err)
	}

	if user.Disabled {
		return nil, fmt.Errorf("%w: the token's user is disabled", bearer.ErrInvalidToken)
	}

	if !user.Scopes.ContainsAll(claims.Scopes) {
		return nil, fmt.Errorf("%w: the token carries scopes its user may no longer hold", bearer.ErrInvalidToken)
	}

	return user, nil
}

func principalUser(r *http.Request) (store.User, bool) {
	identity, ok := bearer.FromContext(r.Context())
	if !ok {
		return store.User{}, false
	}

	user, ok := identity.Principal.(store.User)

	return user, ok
}
