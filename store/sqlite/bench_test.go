package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// BenchmarkUserLookup measures User, the lookup behind every password grant
// and every request a resource server authorizes.
func BenchmarkUserLookup(b *testing.B) {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "scopegate.db"))
	if err != nil {
		b.Fatalf("Open() = %v, want nil", err)
	}
	defer s.Close()

	user := store.User{Username: "johndoe", PasswordHash: "hash", Scopes: scope.New("me", "items")}
	if err := s.CreateUser(b.Context(), user); err != nil {
		b.Fatalf("CreateUser() = %v, want nil", err)
	}

	b.Run("Serial", func(b *testing.B) {
		b.ReportAllocs()

		for b.Loop() {
			if _, err := s.User(b.Context(), "johndoe"); err != nil {
				b.Fatalf("User() = %v, want nil", err)
			}
		}
	})

	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()

		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.User(b.Context(), "johndoe"); err != nil {
					b.Errorf("User() = %v, want nil", err)

					return
				}
			}
		})
	})
}
