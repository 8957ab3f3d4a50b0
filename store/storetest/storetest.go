// Package storetest is the conformance suite for scopegate's storage back
// ends. A back end's tests call [Run] with a function that opens an empty
// store, and the suite checks every method of [store.Store] against it:
// results, ordering, the errors it wraps, and behaviour under concurrent
// writers.
package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// Run runs the conformance suite as subtests of t. Every subtest calls open
// for a new, empty and migrated store, and closes that store when it ends.
// A Close error fails the subtest.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	s := suite{open: open}

	t.Run("CreateUser", s.testCreateUser)
	t.Run("User", s.testUser)
	t.Run("ListUsers", s.testListUsers)
	t.Run("SetPasswordHash", s.testSetPasswordHash)
	t.Run("SetDisabled", s.testSetDisabled)
	t.Run("GrantScopes", s.testGrantScopes)
	t.Run("RevokeScopes", s.testRevokeScopes)
	t.Run("CreateItem", s.testCreateItem)
	t.Run("Items", s.testItems)
	t.Run("AddScope", s.testAddScope)
	t.Run("Scopes", s.testScopes)
	t.Run("SigningKeys", s.testSigningKeys)
	t.Run("EnsureSigningKey", s.testEnsureSigningKey)
	t.Run("AddSigningKey", s.testAddSigningKey)
	t.Run("ConcurrentWriters", s.testConcurrentWriters)
	t.Run("Ping", s.testPing)
}

type suite struct {
	open func(t *testing.T) store.Store
}

// newStore opens a store for one subtest and closes it when the subtest
// ends.
func (s suite) newStore(t *testing.T) store.Store {
	t.Helper()

	st := s.open(t)
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
	})

	return st
}

// past is a creation time that every store keeps exactly: whole seconds,
// in a zone other than UTC, long before any test runs.
var past = time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("UTC+2", 2*60*60))

func createUser(t *testing.T, st store.Store, user store.User) {
	t.Helper()

	if err := st.CreateUser(t.Context(), user); err != nil {
		t.Fatalf("CreateUser(%q) = %v, want nil", user.Username, err)
	}
}

func getUser(t *testing.T, st store.Store, username string) store.User {
	t.Helper()

	user, err := st.User(t.Context(), username)
	if err != nil {
		t.Fatalf("User(%q) = %v, want nil", username, err)
	}

	return user
}

func assertScopes(t *testing.T, got scope.Set, want ...string) {
	t.Helper()

	if !slices.Equal(got.Names(), want) {
		t.Errorf("Scopes = %q, want %q", got.Names(), want)
	}
}

func assertErrorIs(t *testing.T, call string, err, want error) {
	t.Helper()

	if !errors.Is(err, want) {
		t.Errorf("%s = %v, want an error wrapping %v", call, err, want)
	}
}

// assertUTC checks that a stored time comes back in UTC.
func assertUTC(t *testing.T, field string, got time.Time) {
	t.Helper()

	if got.Location() != time.UTC {
		t.Errorf("%s location = %v, want UTC", field, got.Location())
	}
}

// assertRecent checks that a time the store set is the current time, with
// a second of tolerance for a database server whose clock differs a little
// from the test's.
func assertRecent(t *testing.T, field string, got, before, after time.Time) {
	t.Helper()

	if got.Before(before.Add(-time.Second)) || got.After(after.Add(time.Second)) {
		t.Errorf("%s = %v, want between %v and %v", field, got, before, after)
	}
}
