package storetest

import (
	"fmt"
	"testing"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

func (s suite) testAddScope(t *testing.T) {
	t.Run("Duplicate", func(t *testing.T) {
		st := s.newStore(t)
		addScope(t, st, store.Scope{Name: "billing", Description: "Read invoices"})

		err := st.AddScope(t.Context(), store.Scope{Name: "billing", Description: "Other"})

		assertErrorIs(t, "AddScope(duplicate)", err, store.ErrConflict)
		assertScopeList(t, st, store.Scope{Name: "billing", Description: "Read invoices"})
	})

	t.Run("InvalidName", func(t *testing.T) {
		tests := []struct {
			name      string
			scopeName string
		}{
			{name: "empty", scopeName: ""},
			{name: "space", scopeName: "two words"},
			{name: "double quote", scopeName: `quote"`},
			{name: "tab", scopeName: "tab\t"},
		}

		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				st := s.newStore(t)

				err := st.AddScope(t.Context(), store.Scope{Name: tt.scopeName, Description: "Invalid"})

				assertErrorIs(t, fmt.Sprintf("AddScope(%q)", tt.scopeName), err, scope.ErrInvalid)
				assertScopeList(t, st)
			})
		}
	})
}

func (s suite) testScopes(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		st := s.newStore(t)

		assertScopeList(t, st)
	})

	t.Run("OrderedByName", func(t *testing.T) {
		st := s.newStore(t)
		addScope(t, st, store.Scope{Name: "reports:read", Description: "Read reports"})
		addScope(t, st, store.Scope{Name: "billing", Description: "Read invoices"})
		addScope(t, st, store.Scope{Name: "audit"})

		assertScopeList(t, st,
			store.Scope{Name: "audit"},
			store.Scope{Name: "billing", Description: "Read invoices"},
			store.Scope{Name: "reports:read", Description: "Read reports"},
		)
	})
}

func addScope(t *testing.T, st store.Store, sc store.Scope) {
	t.Helper()

	if err := st.AddScope(t.Context(), sc); err != nil {
		t.Fatalf("AddScope(%q) = %v, want nil", sc.Name, err)
	}
}

func assertScopeList(t *testing.T, st store.Store, want ...store.Scope) {
	t.Helper()

	got, err := st.Scopes(t.Context())
	if err != nil {
		t.Fatalf("Scopes() = %v, want nil", err)
	}

	if len(got) != len(want) {
		t.Fatalf("Scopes() = %+v, want %+v", got, want)
	}

	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Scopes()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}
