package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// keyGenerator is a generate function for EnsureSigningKey that counts its
// calls and returns the keys key-1, key-2 and so on.
type keyGenerator struct {
	calls atomic.Int32
}

func (g *keyGenerator) generate() (store.SigningKey, error) {
	n := g.calls.Add(1)

	return testKey(fmt.Sprintf("key-%d", n), byte(n)), nil
}

// testKey returns an HS256 key created at [past] whose 32 bytes of key
// material all equal fill.
func testKey(id string, fill byte) store.SigningKey {
	return store.SigningKey{
		ID:        id,
		Algorithm: "HS256",
		Secret:    bytes.Repeat([]byte{fill}, 32),
		CreatedAt: past,
	}
}

func (s suite) testSigningKeys(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		st := s.newStore(t)

		assertKeyIDs(t, st)
	})

	t.Run("AfterEnsure", func(t *testing.T) {
		st := s.newStore(t)
		var generator keyGenerator
		ensureKey(t, st, generator.generate)

		keys, err := st.SigningKeys(t.Context())

		if err != nil {
			t.Fatalf("SigningKeys() = %v, want nil", err)
		}
		if len(keys) != 1 {
			t.Fatalf("SigningKeys() returned %d keys, want 1", len(keys))
		}
		assertSameKey(t, keys[0], testKey("key-1", 1))
	})
}

func (s suite) testEnsureSigningKey(t *testing.T) {
	t.Run("Generates", func(t *testing.T) {
		st := s.newStore(t)
		var generator keyGenerator

		got := ensureKey(t, st, generator.generate)

		assertSameKey(t, got, testKey("key-1", 1))
		assertKeyIDs(t, st, "key-1")
	})

	t.Run("ReturnsExisting", func(t *testing.T) {
		st := s.newStore(t)
		var generator keyGenerator
		ensureKey(t, st, generator.generate)

		got := ensureKey(t, st, generator.generate)

		assertSameKey(t, got, testKey("key-1", 1))
		if calls := generator.calls.Load(); calls != 1 {
			t.Errorf("generate called %d times, want 1", calls)
		}
		assertKeyIDs(t, st, "key-1")
	})

	t.Run("DefaultCreatedAt", func(t *testing.T) {
		st := s.newStore(t)
		before := time.Now()

		got := ensureKey(t, st, func() (store.SigningKey, error) {
			key := testKey("key-1", 1)
			key.CreatedAt = time.Time{}

			return key, nil
		})

		after := time.Now()
		assertRecent(t, "CreatedAt", got.CreatedAt, before, after)
		assertUTC(t, "CreatedAt", got.CreatedAt)
	})

	t.Run("GenerateError", func(t *testing.T) {
		st := s.newStore(t)
		errGenerate := errors.New("entropy source failed")

		_, err := st.EnsureSigningKey(t.Context(), func() (store.SigningKey, error) {
			return store.SigningKey{}, errGenerate
		})

		assertErrorIs(t, "EnsureSigningKey(failing generate)", err, errGenerate)
		assertKeyIDs(t, st)
	})

	t.Run("InvalidKey", s.testEnsureInvalidKey)
	t.Run("Concurrent", s.testEnsureConcurrent)
}

func (s suite) testEnsureInvalidKey(t *testing.T) {
	tests := []struct {
		name   string
		change func(key *store.SigningKey)
	}{
		{name: "empty ID", change: func(key *store.SigningKey) { key.ID = "" }},
		{name: "empty algorithm", change: func(key *store.SigningKey) { key.Algorithm = "" }},
		{name: "no key material", change: func(key *store.SigningKey) { key.Secret = nil }},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.newStore(t)

			_, err := st.EnsureSigningKey(t.Context(), func() (store.SigningKey, error) {
				key := testKey("key-1", 1)
				tt.change(&key)

				return key, nil
			})

			if err == nil {
				t.Errorf("EnsureSigningKey(%s) = nil, want an error", tt.name)
			}
			assertKeyIDs(t, st)
		})
	}
}

// testEnsureConcurrent checks that callers racing on an empty store all get
// the one key that was stored.
func (s suite) testEnsureConcurrent(t *testing.T) {
	const callers = 10

	st := s.newStore(t)
	var generator keyGenerator
	ids := make([]string, callers)

	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			key, err := st.EnsureSigningKey(t.Context(), generator.generate)
			if err != nil {
				t.Errorf("EnsureSigningKey() = %v, want nil", err)
			}

			ids[i] = key.ID
		})
	}
	wg.Wait()

	if calls := generator.calls.Load(); calls != 1 {
		t.Errorf("generate called %d times, want 1", calls)
	}
	for i, id := range ids {
		if id != "key-1" {
			t.Errorf("caller %d got key %q, want %q", i, id, "key-1")
		}
	}
	assertKeyIDs(t, st, "key-1")
}

func ensureKey(
	t *testing.T, st store.Store, generate func() (store.SigningKey, error),
) store.SigningKey {
	t.Helper()

	key, err := st.EnsureSigningKey(t.Context(), generate)
	if err != nil {
		t.Fatalf("EnsureSigningKey() = %v, want nil", err)
	}

	return key
}

func assertSameKey(t *testing.T, got, want store.SigningKey) {
	t.Helper()

	if got.ID != want.ID {
		t.Errorf("ID = %q, want %q", got.ID, want.ID)
	}
	if got.Algorithm != want.Algorithm {
		t.Errorf("Algorithm = %q, want %q", got.Algorithm, want.Algorithm)
	}
	if !bytes.Equal(got.Secret, want.Secret) {
		// The key material is test data, but print only its length anyway.
		t.Errorf("Secret (%d bytes) differs from the generated key (%d bytes)", len(got.Secret), len(want.Secret))
	}
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	assertUTC(t, "CreatedAt", got.CreatedAt)
}

func assertKeyIDs(t *testing.T, st store.Store, want ...string) {
	t.Helper()

	keys, err := st.SigningKeys(t.Context())
	if err != nil {
		t.Fatalf("SigningKeys() = %v, want nil", err)
	}

	var got []string
	for _, key := range keys {
		got = append(got, key.ID)
	}

	if !slices.Equal(got, want) {
		t.Errorf("SigningKeys() IDs = %q, want %q", got, want)
	}
}

func (s suite) testAddSigningKey(t *testing.T) {
	t.Run("NewestFirst", func(t *testing.T) {
		st := s.newStore(t)
		older := testKey("key-old", 1)
		newer := testKey("key-new", 2)
		newer.CreatedAt = past.Add(time.Hour)
		addKey(t, st, newer)
		addKey(t, st, older)

		assertKeyIDs(t, st, "key-new", "key-old")
	})

	t.Run("SameCreatedAt", func(t *testing.T) {
		st := s.newStore(t)
		addKey(t, st, testKey("key-first", 1))
		addKey(t, st, testKey("key-second", 2))

		// Keys created at the same moment come newest first by insertion.
		assertKeyIDs(t, st, "key-second", "key-first")
	})

	t.Run("EnsureReturnsNewest", func(t *testing.T) {
		st := s.newStore(t)
		var generator keyGenerator
		ensureKey(t, st, generator.generate)
		newer := testKey("key-rotated", 9)
		newer.CreatedAt = past.Add(time.Hour)
		addKey(t, st, newer)

		got := ensureKey(t, st, generator.generate)

		assertSameKey(t, got, newer)
		if calls := generator.calls.Load(); calls != 1 {
			t.Errorf("generate called %d times, want 1", calls)
		}
	})

	t.Run("Duplicate", func(t *testing.T) {
		st := s.newStore(t)
		addKey(t, st, testKey("key-1", 1))

		err := st.AddSigningKey(t.Context(), testKey("key-1", 2))

		assertErrorIs(t, "AddSigningKey(duplicate)", err, store.ErrConflict)
		assertKeyIDs(t, st, "key-1")
	})

	t.Run("DefaultCreatedAt", func(t *testing.T) {
		st := s.newStore(t)
		key := testKey("key-1", 1)
		key.CreatedAt = time.Time{}
		before := time.Now()
		addKey(t, st, key)
		after := time.Now()

		keys, err := st.SigningKeys(t.Context())

		if err != nil {
			t.Fatalf("SigningKeys() = %v, want nil", err)
		}
		if len(keys) != 1 {
			t.Fatalf("SigningKeys() returned %d keys, want 1", len(keys))
		}
		assertRecent(t, "CreatedAt", keys[0].CreatedAt, before, after)
		assertUTC(t, "CreatedAt", keys[0].CreatedAt)
	})

	t.Run("InvalidKey", s.testAddInvalidKey)
}

func (s suite) testAddInvalidKey(t *testing.T) {
	tests := []struct {
		name   string
		change func(key *store.SigningKey)
	}{
		{name: "empty ID", change: func(key *store.SigningKey) { key.ID = "" }},
		{name: "empty algorithm", change: func(key *store.SigningKey) { key.Algorithm = "" }},
		{name: "no key material", change: func(key *store.SigningKey) { key.Secret = nil }},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.newStore(t)
			key := testKey("key-1", 1)
			tt.change(&key)

			if err := st.AddSigningKey(t.Context(), key); err == nil {
				t.Errorf("AddSigningKey(%s) = nil, want an error", tt.name)
			}
			assertKeyIDs(t, st)
		})
	}
}

func addKey(t *testing.T, st store.Store, key store.SigningKey) {
	t.Helper()

	if err := st.AddSigningKey(t.Context(), key); err != nil {
		t.Fatalf("AddSigningKey(%q) = %v, want nil", key.ID, err)
	}
}
