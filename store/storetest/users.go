package storetest

import (
	"testing"
	"time"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

func (s suite) testCreateUser(t *testing.T) {
	t.Run("RoundTrip", func(t *testing.T) {
		tests := []struct {
			name     string
			disabled bool
		}{
			{name: "enabled", disabled: false},
			{name: "disabled", disabled: true},
		}

		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				st := s.newStore(t)
				want := store.User{
					Username:     "johndoe",
					FullName:     "John Doe",
					Email:        "johndoe@example.com",
					PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$aGFzaGhhc2g",
					Disabled:     tt.disabled,
					Scopes:       scope.New("me", "items", "reports:read"),
					CreatedAt:    past,
					UpdatedAt:    past.Add(time.Hour),
				}
				createUser(t, st, want)

				got := getUser(t, st, "johndoe")

				assertSameUser(t, got, want)
			})
		}
	})

	t.Run("NoScopes", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "alice", PasswordHash: "hash"})

		got := getUser(t, st, "alice")

		assertScopes(t, got.Scopes)
	})

	t.Run("DefaultTimes", func(t *testing.T) {
		st := s.newStore(t)
		before := time.Now()
		createUser(t, st, store.User{Username: "alice", PasswordHash: "hash"})
		after := time.Now()

		got := getUser(t, st, "alice")

		assertRecent(t, "CreatedAt", got.CreatedAt, before, after)
		assertUTC(t, "CreatedAt", got.CreatedAt)
		if !got.UpdatedAt.Equal(got.CreatedAt) {
			t.Errorf("UpdatedAt = %v, want CreatedAt %v", got.UpdatedAt, got.CreatedAt)
		}
	})

	t.Run("Duplicate", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "alice", FullName: "Alice", PasswordHash: "first"})

		err := st.CreateUser(t.Context(), store.User{Username: "alice", FullName: "Other", PasswordHash: "second"})

		assertErrorIs(t, "CreateUser(duplicate)", err, store.ErrConflict)
		if got := getUser(t, st, "alice"); got.FullName != "Alice" {
			t.Errorf("FullName after duplicate = %q, want %q", got.FullName, "Alice")
		}
	})

	t.Run("EmptyUsername", func(t *testing.T) {
		st := s.newStore(t)

		err := st.CreateUser(t.Context(), store.User{PasswordHash: "hash"})

		if err == nil {
			t.Errorf("CreateUser(empty username) = nil, want an error")
		}
		if users, _ := st.ListUsers(t.Context()); len(users) != 0 {
			t.Errorf("ListUsers() after rejected user has %d users, want 0", len(users))
		}
	})
}

func assertSameUser(t *testing.T, got, want store.User) {
	t.Helper()

	if got.Username != want.Username {
		t.Errorf("Username = %q, want %q", got.Username, want.Username)
	}
	if got.FullName != want.FullName {
		t.Errorf("FullName = %q, want %q", got.FullName, want.FullName)
	}
	if got.Email != want.Email {
		t.Errorf("Email = %q, want %q", got.Email, want.Email)
	}
	if got.PasswordHash != want.PasswordHash {
		t.Errorf("PasswordHash = %q, want %q", got.PasswordHash, want.PasswordHash)
	}
	if got.Disabled != want.Disabled {
		t.Errorf("Disabled = %t, want %t", got.Disabled, want.Disabled)
	}
	assertScopes(t, got.Scopes, want.Scopes.Names()...)
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	assertUTC(t, "CreatedAt", got.CreatedAt)
	if !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, want.UpdatedAt)
	}
	assertUTC(t, "UpdatedAt", got.UpdatedAt)
}

func (s suite) testUser(t *testing.T) {
	t.Run("NotFound", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "alice", PasswordHash: "hash"})

		_, err := st.User(t.Context(), "bob")

		assertErrorIs(t, `User("bob")`, err, store.ErrNotFound)
	})

	t.Run("CaseSensitive", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "alice", PasswordHash: "hash"})

		_, err := st.User(t.Context(), "Alice")

		assertErrorIs(t, `User("Alice")`, err, store.ErrNotFound)
	})
}

func (s suite) testListUsers(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		st := s.newStore(t)

		users, err := st.ListUsers(t.Context())

		if err != nil {
			t.Fatalf("ListUsers() = %v, want nil", err)
		}
		if len(users) != 0 {
			t.Errorf("ListUsers() returned %d users, want 0", len(users))
		}
	})

	t.Run("OrderedByUsername", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "carol", PasswordHash: "hash", Scopes: scope.New("me")})
		createUser(t, st, store.User{Username: "alice", PasswordHash: "hash", Scopes: scope.New("items", "me")})
		createUser(t, st, store.User{Username: "bob", PasswordHash: "hash", Disabled: true})

		users, err := st.ListUsers(t.Context())

		if err != nil {
			t.Fatalf("ListUsers() = %v, want nil", err)
		}
		if len(users) != 3 {
			t.Fatalf("ListUsers() returned %d users, want 3", len(users))
		}
		for i, want := range []string{"alice", "bob", "carol"} {
			if users[i].Username != want {
				t.Errorf("users[%d].Username = %q, want %q", i, users[i].Username, want)
			}
		}
		assertScopes(t, users[0].Scopes, "items", "me")
		assertScopes(t, users[1].Scopes)
		assertScopes(t, users[2].Scopes, "me")
		if !users[1].Disabled {
			t.Errorf("users[1].Disabled = false, want true")
		}
	})
}

func (s suite) testSetPasswordHash(t *testing.T) {
	t.Run("Replaces", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "alice", PasswordHash: "old", CreatedAt: past, UpdatedAt: past})

		if err := st.SetPasswordHash(t.Context(), "alice", "new"); err != nil {
			t.Fatalf("SetPasswordHash() = %v, want nil", err)
		}

		got := getUser(t, st, "alice")
		if got.PasswordHash != "new" {
			t.Errorf("PasswordHash = %q, want %q", got.PasswordHash, "new")
		}
		assertUpdated(t, got)
	})

	t.Run("NotFound", func(t *testing.T) {
		st := s.newStore(t)

		err := st.SetPasswordHash(t.Context(), "nobody", "new")

		assertErrorIs(t, `SetPasswordHash("nobody")`, err, store.ErrNotFound)
	})
}

// assertUpdated checks that a change to a user created at [past] moved
// UpdatedAt forward and left CreatedAt alone.
func assertUpdated(t *testing.T, got store.User) {
	t.Helper()

	if !got.UpdatedAt.After(past) {
		t.Errorf("UpdatedAt = %v, want after %v", got.UpdatedAt, past)
	}
	if !got.CreatedAt.Equal(past) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, past)
	}
}

func (s suite) testSetDisabled(t *testing.T) {
	t.Run("DisableAndEnable", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "alice", PasswordHash: "hash", CreatedAt: past, UpdatedAt: past})

		for _, disabled := range []bool{true, false} {
			if err := st.SetDisabled(t.Context(), "alice", disabled); err != nil {
				t.Fatalf("SetDisabled(%t) = %v, want nil", disabled, err)
			}

			got := getUser(t, st, "alice")
			if got.Disabled != disabled {
				t.Errorf("Disabled after SetDisabled(%t) = %t", disabled, got.Disabled)
			}
			assertUpdated(t, got)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		st := s.newStore(t)

		err := st.SetDisabled(t.Context(), "nobody", true)

		assertErrorIs(t, `SetDisabled("nobody")`, err, store.ErrNotFound)
	})
}

func (s suite) testGrantScopes(t *testing.T) {
	tests := []struct {
		name    string
		initial scope.Set
		grant   scope.Set
		want    []string
	}{
		{name: "AppendsInOrder", initial: scope.New("me"), grant: scope.New("items", "admin"),
			want: []string{"me", "items", "admin"}},
		{name: "IgnoresHeld", initial: scope.New("me", "items"), grant: scope.New("items", "admin", "me"),
			want: []string{"me", "items", "admin"}},
		{name: "ToUserWithoutScopes", initial: scope.Set{}, grant: scope.New("items", "me"),
			want: []string{"items", "me"}},
		{name: "Empty", initial: scope.New("me"), grant: scope.Set{},
			want: []string{"me"}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.newStore(t)
			createUser(t, st, store.User{Username: "alice", PasswordHash: "hash", Scopes: tt.initial,
				CreatedAt: past, UpdatedAt: past})

			if err := st.GrantScopes(t.Context(), "alice", tt.grant); err != nil {
				t.Fatalf("GrantScopes(%q) = %v, want nil", tt.grant, err)
			}

			assertScopes(t, getUser(t, st, "alice").Scopes, tt.want...)
		})
	}

	t.Run("SetsUpdatedAt", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "alice", PasswordHash: "hash", CreatedAt: past, UpdatedAt: past})

		if err := st.GrantScopes(t.Context(), "alice", scope.New("me")); err != nil {
			t.Fatalf("GrantScopes() = %v, want nil", err)
		}

		assertUpdated(t, getUser(t, st, "alice"))
	})

	t.Run("NotFound", func(t *testing.T) {
		st := s.newStore(t)

		err := st.GrantScopes(t.Context(), "nobody", scope.New("me"))

		assertErrorIs(t, `GrantScopes("nobody")`, err, store.ErrNotFound)
	})
}

func (s suite) testRevokeScopes(t *testing.T) {
	tests := []struct {
		name   string
		revoke scope.Set
		want   []string
	}{
		{name: "KeepsOrder", revoke: scope.New("items"), want: []string{"me", "admin"}},
		{name: "IgnoresNotHeld", revoke: scope.New("billing", "admin"), want: []string{"me", "items"}},
		{name: "All", revoke: scope.New("admin", "me", "items"), want: nil},
		{name: "Empty", revoke: scope.Set{}, want: []string{"me", "items", "admin"}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.newStore(t)
			createUser(t, st, store.User{Username: "alice", PasswordHash: "hash",
				Scopes: scope.New("me", "items", "admin")})

			if err := st.RevokeScopes(t.Context(), "alice", tt.revoke); err != nil {
				t.Fatalf("RevokeScopes(%q) = %v, want nil", tt.revoke, err)
			}

			assertScopes(t, getUser(t, st, "alice").Scopes, tt.want...)
		})
	}

	t.Run("GrantAgainAppends", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "alice", PasswordHash: "hash",
			Scopes: scope.New("me", "items", "admin")})

		if err := st.RevokeScopes(t.Context(), "alice", scope.New("me")); err != nil {
			t.Fatalf("RevokeScopes() = %v, want nil", err)
		}
		if err := st.GrantScopes(t.Context(), "alice", scope.New("me")); err != nil {
			t.Fatalf("GrantScopes() = %v, want nil", err)
		}

		assertScopes(t, getUser(t, st, "alice").Scopes, "items", "admin", "me")
	})

	t.Run("SetsUpdatedAt", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "alice", PasswordHash: "hash", Scopes: scope.New("me"),
			CreatedAt: past, UpdatedAt: past})

		if err := st.RevokeScopes(t.Context(), "alice", scope.New("me")); err != nil {
			t.Fatalf("RevokeScopes() = %v, want nil", err)
		}

		assertUpdated(t, getUser(t, st, "alice"))
	})

	t.Run("NotFound", func(t *testing.T) {
		st := s.newStore(t)

		err := st.RevokeScopes(t.Context(), "nobody", scope.New("me"))

		assertErrorIs(t, `RevokeScopes("nobody")`, err, store.ErrNotFound)
	})
}
