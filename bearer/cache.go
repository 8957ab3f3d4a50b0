package bearer

import (
	"container/list"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

const (
	// DefaultCacheTTL is how long a [PrincipalCache] reuses a result when
	// [CacheOptions.TTL] is zero.
	DefaultCacheTTL = 5 * time.Second

	// DefaultCacheEntries is how many subjects a [PrincipalCache] holds
	// when [CacheOptions.MaxEntries] is zero.
	DefaultCacheEntries = 10_000
)

// CacheOptions configures [CachedPrincipals]. The zero value is the
// documented defaults.
type CacheOptions struct {
	// TTL is how long a loaded principal, or a rejection wrapping
	// [ErrInvalidToken], is reused. It is the longest that a change to an
	// account, such as disabling it, goes unnoticed when no caller runs
	// [PrincipalCache.Invalidate]. Zero means [DefaultCacheTTL].
	TTL time.Duration

	// MaxEntries bounds how many subjects the cache holds. When it is full,
	// the least recently used entry makes room. Zero means
	// [DefaultCacheEntries].
	MaxEntries int

	// Now returns the current time. Nil means time.Now; tests set it to
	// control expiry.
	Now func() time.Time
}

// PrincipalCache is a [PrincipalLoader] that reuses the results of another
// loader for a while. Build one with [CachedPrincipals]. It keys results by
// the subject, client ID and scopes of the claims, so it suits loaders
// whose result depends on these alone, and not on ExpiresAt, which the
// [Verifier] checks before any load. It is safe for concurrent use.
//
// It caches principals and errors wrapping [ErrInvalidToken], and never
// other errors, so a failed lookup is tried again by the next request.
// Concurrent requests with the same key share one load. Callers share the
// cached principal and must not modify it.
type PrincipalCache struct {
	loader     PrincipalLoader
	ttl        time.Duration
	maxEntries int
	now        func() time.Time

	mu sync.Mutex

	// entries maps a key built by appendKey to its element in lru, whose
	// value is an *entry. The front of lru is the most recently used
	// entry.
	entries map[string]*list.Element
	lru     *list.List

	// bySubject holds the keys in entries of each subject, so Invalidate
	// finds them.
	bySubject map[string]map[string]struct{}

	// loads holds the load in progress of each key that has one.
	loads map[string]*load
}

// appendKey appends to b the cache key of claims: what a cached result
// depends on, in one string so that a hit needs one map lookup. The
// subject and the client ID come from the token and may contain any byte,
// so each is preceded by its length. The scopes come last, space-separated,
// so two claims share a key only when all three parts are equal.
//
// LoadPrincipal passes a buffer on its stack and looks the key up with
// m[string(key)], which the compiler does not copy, so a hit allocates
// nothing.
func appendKey(b []byte, claims Claims) []byte {
	b = binary.AppendUvarint(b, uint64(len(claims.Subject)))
	b = append(b, claims.Subject...)
	b = binary.AppendUvarint(b, uint64(len(claims.ClientID)))
	b = append(b, claims.ClientID...)

	return claims.Scopes.Append(b)
}

var _ PrincipalLoader = (*PrincipalCache)(nil)

type entry struct {
	key       string
	subject   string
	principal any
	err       error
	expires   time.Time
}

// load is one call of the underlying loader, which the requests for the
// same subject wait for.
type load struct {
	done chan struct{}

	// key is the cache key of the load's claims, and subject their
	// subject.
	key     string
	subject string

	// These fields are written before done is closed.
	principal any
	err       error

	// abandoned reports that the loader failed because the context of the
	// request that started it ended. Its error then does not apply to the
	// requests waiting with it.
	abandoned bool

	// stale reports that the load's subject was invalidated while the load
	// ran, so its result must not be cached. mu guards it.
	stale bool

	// waiters counts the requests that use this load. mu guards it.
	waiters int
}

// CachedPrincipals returns a cache in front of loader, configured by opts.
// It panics when loader is nil or when opts.TTL or opts.MaxEntries is
// negative, because these are mistakes in the program.
func CachedPrincipals(loader PrincipalLoader, opts CacheOptions) *PrincipalCache {
	if loader == nil {
		panic("bearer: CachedPrincipals called with a nil loader")
	}

	if opts.TTL < 0 {
		panic(fmt.Sprintf("bearer: CacheOptions.TTL %s is negative", opts.TTL))
	}

	if opts.MaxEntries < 0 {
		panic(fmt.Sprintf("bearer: CacheOptions.MaxEntries %d is negative", opts.MaxEntries))
	}

	c := &PrincipalCache{
		loader:     loader,
		ttl:        opts.TTL,
		maxEntries: opts.MaxEntries,
		now:        opts.Now,
		entries:    make(map[string]*list.Element),
		lru:        list.New(),
		bySubject:  make(map[string]map[string]struct{}),
		loads:      make(map[string]*load),
	}

	if c.ttl == 0 {
		c.ttl = DefaultCacheTTL
	}

	if c.maxEntries == 0 {
		c.maxEntries = DefaultCacheEntries
	}

	if c.now == nil {
		c.now = time.Now
	}

	return c
}

// LoadPrincipal returns the cached result for the claims while it is
// fresh, and otherwise loads it through the underlying loader, sharing the
// load with concurrent requests with the same key. A request whose context
// ends while it waits returns an error that wraps the context's error and
// not [ErrInvalidToken].
func (c *PrincipalCache) LoadPrincipal(ctx context.Context, claims Claims) (any, error) {
	// Most keys fit in buf, which stays on the stack, so only a new load
	// turns the key into a string of its own.
	var buf [128]byte
	key := appendKey(buf[:0], claims)

	for {
		c.mu.Lock()

		if e, ok := c.lookupLocked(key); ok {
			c.mu.Unlock()
			return e.principal, e.err
		}

		l, started := c.loads[string(key)]
		if !started {
			l = &load{done: make(chan struct{}), key: string(key), subject: claims.Subject}
			c.loads[l.key] = l
		}

		l.waiters++
		c.mu.Unlock()

		if !started {
			c.run(ctx, claims, l)
			return l.principal, l.err
		}

		select {
		case <-l.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("bearer: wait for the principal of %q: %w", claims.Subject, context.Cause(ctx))
		}

		// The request that started the load gave up; this one has not, so
		// it loads again.
		if l.abandoned && ctx.Err() == nil {
			continue
		}

		return l.principal, l.err
	}
}

// run calls the underlying loader for l and caches the result when it may
// be reused. It closes l.done even when the loader panics.
func (c *PrincipalCache) run(ctx context.Context, claims Claims, l *load) {
	finished := false

	defer func() {
		if !finished {
			l.err = fmt.Errorf("bearer: the principal loader panicked for %q", claims.Subject)
		}

		c.finish(l)
	}()

	l.principal, l.err = c.loader.LoadPrincipal(ctx, claims)
	l.abandoned = l.err != nil && ctx.Err() != nil
	finished = true
}

func (c *PrincipalCache) finish(l *load) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.loads[l.key] == l {
		delete(c.loads, l.key)
	}

	cacheable := l.err == nil || errors.Is(l.err, ErrInvalidToken)
	if cacheable && !l.stale && !l.abandoned {
		c.storeLocked(&entry{key: l.key, subject: l.subject, principal: l.principal, err: l.err,
			expires: c.now().Add(c.ttl)})
	}

	close(l.done)
}

// lookupLocked returns the fresh entry of key and marks it as the most
// recently used. It drops an expired entry.
func (c *PrincipalCache) lookupLocked(key []byte) (*entry, bool) {
	element, ok := c.entries[string(key)]
	if !ok {
		return nil, false
	}

	e := element.Value.(*entry)
	if !c.now().Before(e.expires) {
		c.removeLocked(element)
		return nil, false
	}

	c.lru.MoveToFront(element)

	return e, true
}

// storeLocked adds or replaces the entry of e.key and evicts the least
// recently used entries beyond the size bound.
func (c *PrincipalCache) storeLocked(e *entry) {
	if element, ok := c.entries[e.key]; ok {
		c.removeLocked(element)
	}

	c.entries[e.key] = c.lru.PushFront(e)

	keys := c.bySubject[e.subject]
	if keys == nil {
		keys = make(map[string]struct{})
		c.bySubject[e.subject] = keys
	}

	keys[e.key] = struct{}{}

	for c.lru.Len() > c.maxEntries {
		c.removeLocked(c.lru.Back())
	}
}

func (c *PrincipalCache) removeLocked(element *list.Element) {
	e := element.Value.(*entry)

	delete(c.entries, e.key)
	c.lru.Remove(element)

	keys := c.bySubject[e.subject]
	delete(keys, e.key)

	if len(keys) == 0 {
		delete(c.bySubject, e.subject)
	}
}

// Invalidate drops what the cache holds for subject, whatever the client
// and scopes, so the next request for it loads it again. A load of subject
// that is running keeps its result to the requests already waiting for
// it, but does not cache it, and later requests start a new load.
func (c *PrincipalCache) Invalidate(subject string) {
	c.mu.Lock()
	defer c.mu.Unlock()

	for key := range c.bySubject[subject] {
		c.removeLocked(c.entries[key])
	}

	for key, l := range c.loads {
		if l.subject == subject {
			l.stale = true
			delete(c.loads, key)
		}
	}
}

// InvalidateAll drops every entry and keeps the loads that are running
// from caching their results, as [PrincipalCache.Invalidate] does for one
// subject.
func (c *PrincipalCache) InvalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.entries = make(map[string]*list.Element)
	c.bySubject = make(map[string]map[string]struct{})
	c.lru.Init()

	for key, l := range c.loads {
		l.stale = true
		delete(c.loads, key)
	}
}
