package token_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/token"
)

// testClock is a clock that tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.now = c.now.Add(d)
}

// newCacheFixture returns a verifier on clock with the key testKeyID, a
// cache in front of it, and a token issued at testNow that expires after
// 15 minutes.
func newCacheFixture(t *testing.T, cfg token.CacheConfig) (
	*token.Verifier, *token.Cache, *testClock, string,
) {
	t.Helper()

	clock := &testClock{now: testNow}

	v, err := token.NewVerifier(token.VerifierConfig{
		Issuer:   testIssuer,
		Audience: testAudience,
		Keys:     []token.Key{testKey(testKeyID, 1)},
		Leeway:   -1,
		Now:      clock.Now,
	})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}

	cache, err := token.NewCache(v, cfg)
	if err != nil {
		t.Fatalf("NewCache: %v", err)
	}

	raw, _, err := newTestIssuer(t).Issue("johndoe", "scopegate-cli", scope.New("me", "items"))
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}

	return v, cache, clock, raw
}

func TestCacheReturnsVerifiedClaims(t *testing.T) {
	v, cache, _, raw := newCacheFixture(t, token.CacheConfig{})

	want, err := v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("Verifier.Verify: %v", err)
	}

	for i := range 2 {
		got, err := cache.Verify(context.Background(), raw)
		if err != nil {
			t.Fatalf("call %d: Cache.Verify: %v", i, err)
		}

		if got.Subject != want.Subject || got.ID != want.ID || !got.Scope.Equal(want.Scope) {
			t.Errorf("call %d: Cache.Verify = %+v, want %+v", i, got, want)
		}
	}
}

func TestCacheServesTokenUntilTTL(t *testing.T) {
	v, cache, clock, raw := newCacheFixture(t, token.CacheConfig{TTL: time.Minute})

	if _, err := cache.Verify(context.Background(), raw); err != nil {
		t.Fatalf("first Verify: %v", err)
	}

	// Removing the key behind the cache's back shows where the claims come
	// from, because the Verifier itself now rejects the token.
	if err := v.SetKeys([]token.Key{testKey("other", 9)}); err != nil {
		t.Fatalf("SetKeys: %v", err)
	}

	clock.Advance(59 * time.Second)
	if _, err := cache.Verify(context.Background(), raw); err != nil {
		t.Errorf("Verify within the TTL: %v, want the cached claims", err)
	}

	clock.Advance(time.Second)
	if _, err := cache.Verify(context.Background(), raw); !errors.Is(err, token.ErrUnknownKey) {
		t.Errorf("Verify after the TTL: error = %v, want ErrUnknownKey", err)
	}
}

func TestCacheNeverServesExpiredToken(t *testing.T) {
	_, cache, clock, raw := newCacheFixture(t, token.CacheConfig{TTL: time.Hour})

	if _, err := cache.Verify(context.Background(), raw); err != nil {
		t.Fatalf("first Verify: %v", err)
	}

	clock.Advance(15 * time.Minute)
	if _, err := cache.Verify(context.Background(), raw); !errors.Is(err, token.ErrExpired) {
		t.Errorf("Verify at exp: error = %v, want ErrExpired", err)
	}
}

func TestCacheSetKeysEmptiesCache(t *testing.T) {
	_, cache, _, raw := newCacheFixture(t, token.CacheConfig{})

	if _, err := cache.Verify(context.Background(), raw); err != nil {
		t.Fatalf("first Verify: %v", err)
	}

	if err := cache.SetKeys([]token.Key{testKey("other", 9)}); err != nil {
		t.Fatalf("SetKeys: %v", err)
	}

	if got := cache.Len(); got != 0 {
		t.Errorf("Len after SetKeys = %d, want 0", got)
	}

	if _, err := cache.Verify(context.Background(), raw); !errors.Is(err, token.ErrUnknownKey) {
		t.Errorf("Verify after SetKeys: error = %v, want ErrUnknownKey", err)
	}
}

func TestCacheKeepsRejectedTokensOut(t *testing.T) {
	_, cache, _, raw := newCacheFixture(t, token.CacheConfig{})

	if _, err := cache.Verify(context.Background(), raw); err != nil {
		t.Fatalf("Verify of the issued token: %v", err)
	}

	tests := []struct {
		name string
		raw  string
	}{
		{"signature changed", raw[:len(raw)-2] + "AA"},
		{"byte appended", raw + "A"},
		{"prefix", raw[:len(raw)-1]},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 2 {
				if _, err := cache.Verify(context.Background(), tt.raw); !errors.Is(err, token.ErrInvalid) {
					t.Errorf("call %d: error = %v, want ErrInvalid", i, err)
				}
			}
		})
	}

	if got := cache.Len(); got != 1 {
		t.Errorf("Len = %d, want 1 (the issued token only)", got)
	}
}

func TestCacheBoundsEntries(t *testing.T) {
	_, cache, _, _ := newCacheFixture(t, token.CacheConfig{MaxEntries: 4})
	issuer := newTestIssuer(t)

	for i := range 20 {
		raw, _, err := issuer.Issue(fmt.Sprintf("user%d", i), "scopegate-cli", scope.New("me"))
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}

		if _, err := cache.Verify(context.Background(), raw); err != nil {
			t.Fatalf("Verify token %d: %v", i, err)
		}

		if got := cache.Len(); got > 4 {
			t.Fatalf("Len after token %d = %d, want at most 4", i, got)
		}
	}
}

func TestCacheAudienceAppendDoesNotLeak(t *testing.T) {
	_, cache, _, raw := newCacheFixture(t, token.CacheConfig{})

	first, err := cache.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("first Verify: %v", err)
	}

	_ = append(first.Audience, "https://evil.example.test")

	second, err := cache.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("second Verify: %v", err)
	}

	if len(second.Audience) != 1 || second.Audience[0] != testAudience {
		t.Errorf("Audience = %q, want [%q]", second.Audience, testAudience)
	}
}

func TestNewCacheRejectsNegativeConfig(t *testing.T) {
	v := newTestVerifier(t, nil)

	tests := []struct {
		name string
		cfg  token.CacheConfig
	}{
		{"negative MaxEntries", token.CacheConfig{MaxEntries: -1}},
		{"negative TTL", token.CacheConfig{TTL: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := token.NewCache(v, tt.cfg); err == nil {
				t.Error("NewCache error = nil, want an error")
			}
		})
	}
}

func TestCacheConcurrentUse(t *testing.T) {
	_, cache, _, raw := newCacheFixture(t, token.CacheConfig{MaxEntries: 2})

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if _, err := cache.Verify(context.Background(), raw); err != nil {
					t.Errorf("Verify: %v", err)
					return
				}
			}
		})
	}

	wg.Go(func() {
		for range 20 {
			if err := cache.SetKeys([]token.Key{testKey(testKeyID, 1)}); err != nil {
				t.Errorf("SetKeys: %v", err)
				return
			}
		}
	})

	wg.Wait()
}
