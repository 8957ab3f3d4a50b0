package token

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
)

// Defaults of a [Cache].
const (
	// DefaultCacheEntries is the number of tokens a Cache holds when
	// [CacheConfig.MaxEntries] is zero.
	DefaultCacheEntries = 10_000

	// DefaultCacheTTL is how long a Cache serves a verified token when
	// [CacheConfig.TTL] is zero.
	DefaultCacheTTL = time.Minute
)

// CacheConfig configures a [Cache].
type CacheConfig struct {
	// MaxEntries bounds the number of tokens held. Zero means
	// [DefaultCacheEntries].
	MaxEntries int

	// TTL bounds how long a verified token is served from the cache before
	// it is verified again. A token is never served after its "exp",
	// whatever the TTL. Zero means [DefaultCacheTTL].
	TTL time.Duration
}

// Cache remembers the tokens a [Verifier] accepted, so that a token used
// for many requests has its signature checked and its JSON decoded once.
// It is safe for concurrent use.
//
// An entry is found only by the exact bytes of the token, which include the
// signature, so a token that differs from a verified one in any byte is
// verified in full. Only accepted tokens are stored. A rejected token is
// verified again on each use, so the cache cannot make a bad token pass or
// a good one fail. A cached token is served until the earlier of its "exp"
// and its time of verification plus the TTL, so the TTL bounds how long a
// token stays accepted after its key is removed from the Verifier directly.
// Use [Cache.SetKeys] to change keys, which also empties the cache.
//
// The lookup is an ordinary map lookup, not a constant-time comparison.
// That leaks nothing an attacker can use: Go seeds each map's hash
// function at random, so an attacker cannot pick strings that land next to
// a cached token, and the full token is the credential itself.
type Cache struct {
	verifier   *Verifier
	maxEntries int
	ttl        time.Duration

	mu      sync.RWMutex
	entries map[string]cacheEntry

	// generation counts the calls of SetKeys, so that a token verified
	// with the keys before a call is not stored after it.
	generation uint64
}

// cacheEntry is a verified token's claims and the time until which they are
// served.
type cacheEntry struct {
	claims Claims
	until  time.Time
}

// NewCache returns a Cache in front of v, or an error if cfg has a negative
// value.
func NewCache(v *Verifier, cfg CacheConfig) (*Cache, error) {
	if v == nil {
		return nil, errors.New("token: cache: verifier is nil")
	}

	if cfg.MaxEntries < 0 || cfg.TTL < 0 {
		return nil, errors.New("token: cache config: MaxEntries and TTL must not be negative")
	}

	c := &Cache{
		verifier:   v,
		maxEntries: cfg.MaxEntries,
		ttl:        cfg.TTL,
		entries:    make(map[string]cacheEntry),
	}

	if c.maxEntries == 0 {
		c.maxEntries = DefaultCacheEntries
	}

	if c.ttl == 0 {
		c.ttl = DefaultCacheTTL
	}

	return c, nil
}

// Verify returns the claims of raw from the cache, or verifies raw with the
// Verifier and caches the claims when it is accepted. Its errors are those
// of [Verifier.Verify]. The returned Claims share their Audience slice with
// the cache and with other callers, so callers must not modify it.
func (c *Cache) Verify(ctx context.Context, raw string) (Claims, error) {
	if len(raw) > MaxTokenSize {
		// Rejected by the Verifier before any work, and not worth hashing.
		return c.verifier.Verify(ctx, raw)
	}

	now := c.verifier.now()

	claims, generation, ok := c.lookup(raw, now)
	if ok {
		return claims, nil
	}

	claims, err := c.verifier.Verify(ctx, raw)
	if err != nil {
		return Claims{}, err
	}

	c.store(raw, claims, now, generation)

	return claims, nil
}

// SetKeys replaces the Verifier's keys, as [Verifier.SetKeys] does, and
// empties the cache, so a token signed with a removed key is rejected from
// then on.
func (c *Cache) SetKeys(keys []Key) error {
	c.mu.Lock()
	defer c.mu.Unlock()

	if err := c.verifier.SetKeys(keys); err != nil {
		return err
	}

	clear(c.entries)
	c.generation++

	return nil
}

// Len returns the number of tokens held, including expired ones not yet
// removed.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()

	return len(c.entries)
}

// lookup returns the claims of raw if they are cached and still valid at
// now, and the generation of the keys it looked up under.
func (c *Cache) lookup(raw string, now time.Time) (Claims, uint64, bool) {
	c.mu.RLock()
	entry, ok := c.entries[raw]
	generation := c.generation
	c.mu.RUnlock()

	if !ok || !now.Before(entry.until) {
		return Claims{}, generation, false
	}

	return entry.claims, generation, true
}

// store caches the claims of the token raw, verified at now with the keys
// of generation, unless the keys have changed since.
func (c *Cache) store(raw string, claims Claims, now time.Time, generation uint64) {
	until := now.Add(c.ttl)
	if claims.ExpiresAt.Before(until) {
		until = claims.ExpiresAt
	}

	if !now.Before(until) {
		return
	}

	// The full slice expression makes an append by a caller copy the slice
	// instead of writing into the cached array.
	claims.Audience = claims.Audience[:len(claims.Audience):len(claims.Audience)]

	c.mu.Lock()
	defer c.mu.Unlock()

	if c.generation != generation {
		return
	}

	if len(c.entries) >= c.maxEntries {
		c.evict(now)
	}

	// Cloning keeps the cache from holding on to the request's memory.
	c.entries[strings.Clone(raw)] = cacheEntry{claims: claims, until: until}
}

// evict removes the entries that have expired and, if that is not enough,
// entries chosen at random, until the cache is at most seven eighths full.
// Freeing an eighth at a time keeps the cost of the scan at a few
// operations per stored token. c.mu must be held.
func (c *Cache) evict(now time.Time) {
	for raw, entry := range c.entries {
		if !now.Before(entry.until) {
			delete(c.entries, raw)
		}
	}

	target := c.maxEntries - c.maxEntries/8 - 1

	// Map iteration order is unspecified and randomized, which makes this
	// a random choice.
	for raw := range c.entries {
		if len(c.entries) <= target {
			return
		}

		delete(c.entries, raw)
	}
}
