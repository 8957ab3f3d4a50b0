package storetest

import (
	"slices"
	"testing"

	"github.com/scopegate/scopegate/store"
)

func (s suite) testCreateItem(t *testing.T) {
	t.Run("Duplicate", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "johndoe", PasswordHash: "hash"})
		createItem(t, st, store.Item{ID: "Foo", Owner: "johndoe"})

		err := st.CreateItem(t.Context(), store.Item{ID: "Foo", Owner: "johndoe"})

		assertErrorIs(t, "CreateItem(duplicate)", err, store.ErrConflict)
	})

	t.Run("SameIDOtherOwner", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "johndoe", PasswordHash: "hash"})
		createUser(t, st, store.User{Username: "alice", PasswordHash: "hash"})
		createItem(t, st, store.Item{ID: "Foo", Owner: "johndoe"})

		if err := st.CreateItem(t.Context(), store.Item{ID: "Foo", Owner: "alice"}); err != nil {
			t.Errorf("CreateItem(Foo for alice) = %v, want nil", err)
		}
	})

	t.Run("UnknownOwner", func(t *testing.T) {
		st := s.newStore(t)

		err := st.CreateItem(t.Context(), store.Item{ID: "Foo", Owner: "nobody"})

		assertErrorIs(t, "CreateItem(unknown owner)", err, store.ErrNotFound)
	})

	t.Run("EmptyID", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "johndoe", PasswordHash: "hash"})

		if err := st.CreateItem(t.Context(), store.Item{Owner: "johndoe"}); err == nil {
			t.Errorf("CreateItem(empty ID) = nil, want an error")
		}
		assertItemIDs(t, st, "johndoe")
	})
}

func (s suite) testItems(t *testing.T) {
	t.Run("OrderedByID", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "johndoe", PasswordHash: "hash"})
		createUser(t, st, store.User{Username: "alice", PasswordHash: "hash"})
		createItem(t, st, store.Item{ID: "Foo", Owner: "johndoe"})
		createItem(t, st, store.Item{ID: "Bar", Owner: "johndoe"})
		createItem(t, st, store.Item{ID: "Baz", Owner: "alice"})

		assertItemIDs(t, st, "johndoe", "Bar", "Foo")
		assertItemIDs(t, st, "alice", "Baz")
	})

	t.Run("SetsOwner", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "johndoe", PasswordHash: "hash"})
		createItem(t, st, store.Item{ID: "Foo", Owner: "johndoe"})

		items, err := st.Items(t.Context(), "johndoe")

		if err != nil {
			t.Fatalf("Items() = %v, want nil", err)
		}
		if len(items) != 1 || items[0].Owner != "johndoe" {
			t.Errorf("Items() = %+v, want one item owned by johndoe", items)
		}
	})

	t.Run("NoItems", func(t *testing.T) {
		st := s.newStore(t)
		createUser(t, st, store.User{Username: "johndoe", PasswordHash: "hash"})

		assertItemIDs(t, st, "johndoe")
	})

	t.Run("UnknownOwner", func(t *testing.T) {
		st := s.newStore(t)

		_, err := st.Items(t.Context(), "nobody")

		assertErrorIs(t, `Items("nobody")`, err, store.ErrNotFound)
	})
}

func createItem(t *testing.T, st store.Store, item store.Item) {
	t.Helper()

	if err := st.CreateItem(t.Context(), item); err != nil {
		t.Fatalf("CreateItem(%q for %q) = %v, want nil", item.ID, item.Owner, err)
	}
}

func assertItemIDs(t *testing.T, st store.Store, owner string, want ...string) {
	t.Helper()

	items, err := st.Items(t.Context(), owner)
	if err != nil {
		t.Fatalf("Items(%q) = %v, want nil", owner, err)
	}

	var got []string
	for _, item := range items {
		got = append(got, item.ID)
	}

	if !slices.Equal(got, want) {
		t.Errorf("Items(%q) IDs = %q, want %q", owner, got, want)
	}
}
