package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// The demo users and their bcrypt hashes are those of FastAPI's OAuth2
// scopes tutorial, so its published passwords work: johndoe's is "secret"
// and alice's is "secretalice".
var demoUsers = []store.User{
	{
		Username:     "johndoe",
		FullName:     "John Doe",
		Email:        "johndoe@example.com",
		PasswordHash: "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW",
		Scopes:       scope.New(ScopeMe, ScopeItems),
	},
	{
		Username:     "alice",
		FullName:     "Alice Chains",
		Email:        "alicechains@example.com",
		PasswordHash: "$2b$12$gSvqqUPvlXP2tfVFaWK1Be7DlH.PKZbv5H8KnzzVgXXbVxpva.pFm",
		Disabled:     true,
		Scopes:       scope.New(ScopeMe, ScopeItems),
	},
}

var demoItems = []store.Item{{ID: "Foo", Owner: "johndoe"}}

// SeedDemo adds the tutorial's users and items to st and returns how many
// records it created. Records that exist already are left as they are, so
// seeding twice changes nothing and a password changed since is kept.
func SeedDemo(ctx context.Context, st interface {
	CreateUser(ctx context.Context, user store.User) error
	CreateItem(ctx context.Context, item store.Item) error
}) (int, error) {
	created := 0

	for _, user := range demoUsers {
		err := st.CreateUser(ctx, user)
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return created, fmt.Errorf("server: seed demo user %q: %w", user.Username, err)
		}

		if err == nil {
			created++
		}
	}

	for _, item := range demoItems {
		err := st.CreateItem(ctx, item)
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return created, fmt.Errorf("server: seed demo item %q: %w", item.ID, err)
		}

		if err == nil {
			created++
		}
	}

	return created, nil
}
