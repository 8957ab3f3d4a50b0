package server

import (
	"context"
	"encoding/json"
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

	return newAccount(user)
}

// account is the principal of a request: the token's user, and the body of
// GET /users/me/. The principal cache keeps accounts, and drops one when
// its user changes, so the body is encoded once per load of the user
// instead of once per request.
type account struct {
	user   store.User
	meJSON []byte
}

func newAccount(user store.User) (*account, error) {
	body, err := json.Marshal(userResponse(user))
	if err != nil {
		return nil, fmt.Errorf("server: encode user %q: %w", user.Username, err)
	}

	return &account{user: user, meJSON: append(body, '\n')}, nil
}

func principalUser(r *http.Request) (store.User, bool) {
	acct, ok := principalAccount(r)
	if !ok {
		return store.User{}, false
	}

	return acct.user, true
}

// principalAccount returns the account that the bearer check loaded for
// r, or false when there is none.
func principalAccount(r *http.Request) (*account, bool) {
	identity, ok := bearer.FromContext(r.Context())
	if !ok {
		return nil, false
	}

	acct, ok := identity.Principal.(*account)

	return acct, ok && acct != nil
}
