package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// testConcurrentWriters runs 50 writers at once. Each creates a user and an
// item, grants its user a scope and grants a scope of its own to one shared
// user. Afterwards every write must be there.
func (s suite) testConcurrentWriters(t *testing.T) {
	const writers = 50

	st := s.newStore(t)
	createUser(t, st, store.User{Username: "shared", PasswordHash: "hash"})

	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			if err := write(t, st, i); err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()

	users, err := st.ListUsers(t.Context())
	if err != nil {
		t.Fatalf("ListUsers() = %v, want nil", err)
	}

	if len(users) != writers+1 {
		t.Errorf("ListUsers() returned %d users, want %d", len(users), writers+1)
	}

	for i := range writers {
		username := fmt.Sprintf("user-%02d", i)
		assertScopes(t, getUser(t, st, username).Scopes, "me", "items")
		assertItemIDs(t, st, username, fmt.Sprintf("item-%02d", i))
	}

	shared := getUser(t, st, "shared").Scopes
	if shared.Len() != writers {
		t.Errorf("shared user has %d scopes, want %d", shared.Len(), writers)
	}
	for i := range writers {
		if name := fmt.Sprintf("scope-%02d", i); !shared.Contains(name) {
			t.Errorf("shared user lacks scope %q", name)
		}
	}
}

// write makes writer i's changes.
func write(t *testing.T, st store.Store, i int) error {
	username := fmt.Sprintf("user-%02d", i)
	user := store.User{Username: username, PasswordHash: "hash", Scopes: scope.New("me")}
	item := store.Item{ID: fmt.Sprintf("item-%02d", i), Owner: username}

	if err := st.CreateUser(t.Context(), user); err != nil {
		return err
	}

	if err := st.CreateItem(t.Context(), item); err != nil {
		return err
	}

	if err := st.GrantScopes(t.Context(), username, scope.New("items")); err != nil {
		return err
	}

	return st.GrantScopes(t.Context(), "shared", scope.New(fmt.Sprintf("scope-%02d", i)))
}

func (s suite) testPing(t *testing.T) {
	st := s.newStore(t)

	if err := st.Ping(t.Context()); err != nil {
		t.Errorf("Ping() = %v, want nil", err)
	}
}
