package token_test

import (
	"context"
	"testing"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/token"
)

// BenchmarkCacheVerify measures a token found in the cache, next to
// BenchmarkVerify, which verifies it in full each time.
func BenchmarkCacheVerify(b *testing.B) {
	raw, _, err := newTestIssuer(b).Issue("johndoe", "scopegate-cli", scope.New("me", "items"))
	if err != nil {
		b.Fatalf("Issue: %v", err)
	}

	cache, err := token.NewCache(newTestVerifier(b, nil), token.CacheConfig{})
	if err != nil {
		b.Fatalf("NewCache: %v", err)
	}

	if _, err := cache.Verify(context.Background(), raw); err != nil {
		b.Fatalf("Verify: %v", err)
	}

	b.Run("hit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = cache.Verify(context.Background(), raw)
		}
	})

	b.Run("hit parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, _ = cache.Verify(context.Background(), raw)
			}
		})
	})
}
