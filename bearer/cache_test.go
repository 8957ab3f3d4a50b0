package bearer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scopegate/scopegate/internal/waittest"
	"github.com/scopegate/scopegate/scope"
)

// countingLoader returns the principal "SUBJECT#N" on its Nth call for
// SUBJECT, or the error set for the subject. With a gate, each call waits
// for the gate to close or for its context to end.
type countingLoader struct {
	mu      sync.Mutex
	calls   map[string]int
	errs    map[string]error
	gate    chan struct{}
	started chan string
}

func newCountingLoader() *countingLoader {
	return &countingLoader{calls: make(map[string]int), errs: make(map[string]error), started: make(chan string, 100)}
}

func (l *countingLoader) LoadPrincipal(ctx context.Context, claims Claims) (any, error) {
	l.mu.Lock()
	l.calls[claims.Subject]++
	n := l.calls[claims.Subject]
	err := l.errs[claims.Subject]
	gate := l.gate
	l.mu.Unlock()

	// Tests that read started read few; the others never block on it.
	select {
	case l.started <- claims.Subject:
	default:
	}

	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, fmt.Errorf("load %s: %w", claims.Subject, ctx.Err())
		}
	}

	if err != nil {
		return nil, err
	}

	return fmt.Sprintf("%s#%d", claims.Subject, n), nil
}

func (l *countingLoader) callsOf(subject string) int {
	l.mu.Lock()
	defer l.mu.Unlock()

	return l.calls[subject]
}

func (l *countingLoader) setError(subject string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()

	l.errs[subject] = err
}

// fakeClock is a clock that moves only when the test advances it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.now = c.now.Add(d)
}

func newTestCache(loader PrincipalLoader, opts CacheOptions) (*PrincipalCache, *fakeClock) {
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	opts.Now = clock.Now

	return CachedPrincipals(loader, opts), clock
}

func loadFrom(t *testing.T, c *PrincipalCache, subject string) (any, error) {
	t.Helper()

	return c.LoadPrincipal(t.Context(), Claims{Subject: subject})
}

// assertLoads loads subject and checks the principal it returns.
func assertLoads(t *testing.T, c *PrincipalCache, subject, want string) {
	t.Helper()

	got, err := loadFrom(t, c, subject)
	if err != nil {
		t.Fatalf("LoadPrincipal(%q) = %v, want nil", subject, err)
	}

	if got != want {
		t.Errorf("LoadPrincipal(%q) = %v, want %v", subject, got, want)
	}
}

func TestCacheExpiry(t *testing.T) {
	tests := []struct {
		name    string
		ttl     time.Duration
		advance time.Duration
		want    string
	}{
		{name: "fresh", ttl: time.Second, advance: 999 * time.Millisecond, want: "alice#1"},
		{name: "expired", ttl: time.Second, advance: time.Second, want: "alice#2"},
		{name: "default TTL fresh", advance: DefaultCacheTTL - time.Millisecond, want: "alice#1"},
		{name: "default TTL expired", advance: DefaultCacheTTL, want: "alice#2"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, clock := newTestCache(newCountingLoader(), CacheOptions{TTL: tt.ttl})
			assertLoads(t, c, "alice", "alice#1")

			clock.Advance(tt.advance)

			assertLoads(t, c, "alice", tt.want)
		})
	}
}

func TestCacheErrors(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantCalls int
	}{
		{name: "invalid token cached", err: fmt.Errorf("%w: user disabled", ErrInvalidToken), wantCalls: 1},
		{name: "other error not cached", err: errors.New("database unavailable"), wantCalls: 2},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loader := newCountingLoader()
			loader.setError("alice", tt.err)
			c, _ := newTestCache(loader, CacheOptions{})

			for range 2 {
				if _, err := loadFrom(t, c, "alice"); !errors.Is(err, tt.err) {
					t.Errorf("LoadPrincipal() = %v, want %v", err, tt.err)
				}
			}

			if got := loader.callsOf("alice"); got != tt.wantCalls {
				t.Errorf("loader called %d times, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestCacheInvalidate(t *testing.T) {
	c, _ := newTestCache(newCountingLoader(), CacheOptions{})
	assertLoads(t, c, "alice", "alice#1")
	assertLoads(t, c, "bob", "bob#1")

	c.Invalidate("alice")

	assertLoads(t, c, "alice", "alice#2")
	assertLoads(t, c, "bob", "bob#1")
}

// scopeLoader accepts a token only when the scopes it carries are
// "me", as the server's loader accepts only the scopes a user still holds.
type scopeLoader struct {
	calls int
}

func (l *scopeLoader) LoadPrincipal(_ context.Context, claims Claims) (any, error) {
	l.calls++

	if claims.Scopes.String() != "me" {
		return nil, fmt.Errorf("%w: scopes %q no longer held", ErrInvalidToken, claims.Scopes)
	}

	return claims.Subject, nil
}

// TestCacheKeyedByScopes checks that tokens of one user with other scopes
// or clients never share a result, because the loader may accept one and
// reject the other.
func TestCacheKeyedByScopes(t *testing.T) {
	loader := &scopeLoader{}
	c, _ := newTestCache(loader, CacheOptions{})
	me := Claims{Subject: "alice", Scopes: scope.New("me")}
	meItems := Claims{Subject: "alice", Scopes: scope.New("me", "items")}
	otherClient := Claims{Subject: "alice", ClientID: "other", Scopes: scope.New("me", "items")}

	for range 2 {
		if _, err := c.LoadPrincipal(t.Context(), me); err != nil {
			t.Errorf("LoadPrincipal(me) = %v, want nil", err)
		}
		if _, err := c.LoadPrincipal(t.Context(), meItems); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("LoadPrincipal(me items) = %v, want ErrInvalidToken", err)
		}
		if _, err := c.LoadPrincipal(t.Context(), otherClient); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("LoadPrincipal(other client) = %v, want ErrInvalidToken", err)
		}
	}

	if loader.calls != 3 {
		t.Errorf("loader called %d times, want 3: once per subject, client and scopes", loader.calls)
	}

	c.Invalidate("alice")

	if got := c.lru.Len(); got != 0 {
		t.Errorf("cache holds %d entries after Invalidate(alice), want 0", got)
	}
	if got := len(c.bySubject); got != 0 {
		t.Errorf("subject index holds %d subjects after Invalidate(alice), want 0", got)
	}
}

// claimsLoader is a loader whose principal spells out all of the claims
// it is given, so a result cached under the wrong key shows.
type claimsLoader struct {
	calls int
}

func (l *claimsLoader) LoadPrincipal(_ context.Context, claims Claims) (any, error) {
	l.calls++

	return principalOf(claims), nil
}

func principalOf(claims Claims) string {
	return fmt.Sprintf("%q %q %q", claims.Subject, claims.ClientID, claims.Scopes)
}

// TestCacheKeySplits checks that claims whose subject, client ID and
// scopes put together give the same bytes, but split them differently,
// never share an entry. A subject or client ID from a token may contain
// any byte, NUL and space included.
func TestCacheKeySplits(t *testing.T) {
	claims := []Claims{
		{Subject: "a\x00b", ClientID: "c"},
		{Subject: "a", ClientID: "\x00bc"},
		{Subject: "a", ClientID: "b\x00c"},
		{Subject: "a\x00bc"},
		{ClientID: "a\x00bc"},
		{Subject: "ab"},
		{Subject: "a", ClientID: "b"},
		{Subject: "a\x01b"},
		{Subject: "a", ClientID: "c me"},
		{Subject: "a", ClientID: "c", Scopes: scope.New("me")},
		{Subject: "a", ClientID: "c", Scopes: scope.New("me", "items")},
		{Subject: "a", ClientID: "c", Scopes: scope.New("items", "me")},
		{Subject: "a", ClientID: "c", Scopes: scope.New("mei", "tems")},
		{Subject: "a", ClientID: "c me", Scopes: scope.New("items")},
	}

	loader := &claimsLoader{}
	c, _ := newTestCache(loader, CacheOptions{})

	for range 2 {
		for _, cl := range claims {
			got, err := c.LoadPrincipal(t.Context(), cl)
			if want := principalOf(cl); err != nil || got != want {
				t.Errorf("LoadPrincipal(%s) = %v, %v, want %s, nil", want, got, err, want)
			}
		}
	}

	if loader.calls != len(claims) || c.lru.Len() != len(claims) {
		t.Errorf("loader called %d times for %d entries, want %d of each", loader.calls, c.lru.Len(), len(claims))
	}
	assertIndexConsistent(t, c)

	others := 0
	for _, cl := range claims {
		if cl.Subject != "a" {
			others++
		}
	}

	c.Invalidate("a")

	if got, want := c.lru.Len(), others; got != want {
		t.Errorf("cache holds %d entries after Invalidate(a), want %d", got, want)
	}
	assertIndexConsistent(t, c)
}

// TestCacheHitAllocatesNothing guards the point of the string key: a hit,
// which every API request with a cached principal makes, allocates no
// memory. It covers up to two scopes, because appendKey allocates once
// for three or more.
func TestCacheHitAllocatesNothing(t *testing.T) {
	tests := []struct {
		name   string
		claims Claims
	}{
		{name: "subject only", claims: Claims{Subject: "johndoe"}},
		{name: "one scope", claims: Claims{Subject: "johndoe", ClientID: "scopegate-cli", Scopes: scope.New("me")}},
		{name: "two scopes", claims: Claims{Subject: "johndoe", ClientID: "scopegate-cli",
			Scopes: scope.New("me", "items")}},
		{name: "five scopes", claims: Claims{Subject: "johndoe", ClientID: "scopegate-cli",
			Scopes: scope.New("me", "items", "orders", "admin", "billing:read")}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCache(&claimsLoader{}, CacheOptions{})
			ctx := t.Context()

			if _, err := c.LoadPrincipal(ctx, tt.claims); err != nil {
				t.Fatalf("LoadPrincipal() = %v, want nil", err)
			}

			allocs := testing.AllocsPerRun(100, func() {
				_, _ = c.LoadPrincipal(ctx, tt.claims)
			})
			if allocs != 0 {
				t.Errorf("a cache hit allocates %v times, want 0", allocs)
			}
		})
	}
}

func TestCacheInvalidateAll(t *testing.T) {
	c, _ := newTestCache(newCountingLoader(), CacheOptions{})
	assertLoads(t, c, "alice", "alice#1")
	assertLoads(t, c, "bob", "bob#1")

	c.InvalidateAll()

	assertLoads(t, c, "alice", "alice#2")
	assertLoads(t, c, "bob", "bob#2")
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c, _ := newTestCache(newCountingLoader(), CacheOptions{MaxEntries: 2})
	assertLoads(t, c, "alice", "alice#1")
	assertLoads(t, c, "bob", "bob#1")
	assertLoads(t, c, "alice", "alice#1") // bob is now the least recently used

	assertLoads(t, c, "carol", "carol#1")

	if got := c.lru.Len(); got != 2 {
		t.Errorf("cache holds %d entries, want 2", got)
	}
	assertIndexConsistent(t, c)
	assertLoads(t, c, "alice", "alice#1")
	assertLoads(t, c, "bob", "bob#2")
}

// startLoads starts n loads of subject on goroutines and returns a channel
// that receives each result.
func startLoads(ctx context.Context, c *PrincipalCache, subject string, n int) <-chan loadResult {
	results := make(chan loadResult, n)

	for range n {
		go func() {
			principal, err := c.LoadPrincipal(ctx, Claims{Subject: subject})
			results <- loadResult{principal: principal, err: err}
		}()
	}

	return results
}

// subjectKey returns the cache key of claims with subject and nothing else,
// as loadFrom and startLoads send.
func subjectKey(subject string) string {
	return string(appendKey(nil, Claims{Subject: subject}))
}

type loadResult struct {
	principal any
	err       error
}

// waitForWaiters waits until n requests use the running load of subject.
func waitForWaiters(t *testing.T, c *PrincipalCache, subject string, n int) {
	t.Helper()

	deadline := time.Now().Add(5 * time.Second)

	for {
		c.mu.Lock()
		l, ok := c.loads[subjectKey(subject)]
		waiters := 0
		if ok {
			waiters = l.waiters
		}
		c.mu.Unlock()

		if waiters >= n {
			return
		}

		if time.Now().After(deadline) {
			t.Fatalf("%d requests wait for the load of %q after 5s, want %d", waiters, subject, n)
		}

		time.Sleep(time.Millisecond)
	}
}

func TestCacheSharesConcurrentLoads(t *testing.T) {
	const requests = 10

	loader := newCountingLoader()
	loader.gate = make(chan struct{})
	c, _ := newTestCache(loader, CacheOptions{})

	results := startLoads(t.Context(), c, "alice", requests)
	waitForWaiters(t, c, "alice", requests)
	close(loader.gate)

	for range requests {
		r := waittest.Receive(t, results, "result of a shared load")
		if r.err != nil || r.principal != "alice#1" {
			t.Errorf("LoadPrincipal() = %v, %v, want alice#1, nil", r.principal, r.err)
		}
	}
	if got := loader.callsOf("alice"); got != 1 {
		t.Errorf("loader called %d times, want 1", got)
	}
}

// TestCacheInvalidateDuringLoad checks that a load running when its subject
// is invalidated is not cached, and that requests after the invalidation
// do not wait for it.
func TestCacheInvalidateDuringLoad(t *testing.T) {
	loader := newCountingLoader()
	loader.gate = make(chan struct{})
	c, _ := newTestCache(loader, CacheOptions{})

	before := startLoads(t.Context(), c, "alice", 1)
	waittest.Receive(t, loader.started, "start of the load before Invalidate")

	c.Invalidate("alice")
	after := startLoads(t.Context(), c, "alice", 1)
	waittest.Receive(t, loader.started, "start of a load after Invalidate")
	close(loader.gate)

	if r := waittest.Receive(t, before, "result of the load before Invalidate"); r.principal != "alice#1" {
		t.Errorf("load before Invalidate = %v, %v, want alice#1", r.principal, r.err)
	}
	if r := waittest.Receive(t, after, "result of the load after Invalidate"); r.principal != "alice#2" {
		t.Errorf("load after Invalidate = %v, %v, want alice#2", r.principal, r.err)
	}
	assertLoads(t, c, "alice", "alice#2")
}

func TestCacheInvalidateAllDuringLoad(t *testing.T) {
	loader := newCountingLoader()
	loader.gate = make(chan struct{})
	c, _ := newTestCache(loader, CacheOptions{})

	results := startLoads(t.Context(), c, "alice", 1)
	waittest.Receive(t, loader.started, "start of the load")
	c.InvalidateAll()
	close(loader.gate)
	waittest.Receive(t, results, "result of the load")

	loader.gate = nil
	assertLoads(t, c, "alice", "alice#2")
}

func TestCacheWaiterContextEnds(t *testing.T) {
	loader := newCountingLoader()
	loader.gate = make(chan struct{})
	defer close(loader.gate)
	c, _ := newTestCache(loader, CacheOptions{})

	startLoads(t.Context(), c, "alice", 1)
	waittest.Receive(t, loader.started, "start of the load")
	ctx, cancel := context.WithCancel(t.Context())
	waiter := startLoads(ctx, c, "alice", 1)
	waitForWaiters(t, c, "alice", 2)

	cancel()
	r := waittest.Receive(t, waiter, "return of the waiter whose context ended")

	if !errors.Is(r.err, context.Canceled) {
		t.Errorf("LoadPrincipal() after cancel = %v, want an error wrapping context.Canceled", r.err)
	}
	if errors.Is(r.err, ErrInvalidToken) {
		t.Errorf("LoadPrincipal() after cancel = %v, want an error that is not ErrInvalidToken", r.err)
	}
}

// TestCacheStarterContextEnds checks that a request waiting for a load
// whose starter gave up loads again instead of failing.
func TestCacheStarterContextEnds(t *testing.T) {
	loader := newCountingLoader()
	loader.gate = make(chan struct{})
	c, _ := newTestCache(loader, CacheOptions{})

	ctx, cancel := context.WithCancel(t.Context())
	starter := startLoads(ctx, c, "alice", 1)
	waittest.Receive(t, loader.started, "start of the starter's load")
	waiter := startLoads(t.Context(), c, "alice", 1)
	waitForWaiters(t, c, "alice", 2)

	cancel()
	if r := waittest.Receive(t, starter, "return of the starter whose context ended"); !errors.Is(r.err, context.Canceled) {
		t.Errorf("starter's LoadPrincipal() = %v, want an error wrapping context.Canceled", r.err)
	}
	waittest.Receive(t, loader.started, "start of the waiter's own load")
	close(loader.gate)

	if r := waittest.Receive(t, waiter, "result of the waiter's load"); r.err != nil || r.principal != "alice#2" {
		t.Errorf("waiter's LoadPrincipal() = %v, %v, want alice#2, nil", r.principal, r.err)
	}
}

func TestCacheLoaderPanics(t *testing.T) {
	c, _ := newTestCache(panickingLoader{}, CacheOptions{})

	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("LoadPrincipal() did not pass on the loader's panic")
			}
		}()

		_, _ = loadFrom(t, c, "alice")
	}()

	if _, ok := c.loads[subjectKey("alice")]; ok {
		t.Errorf("the panicked load is still registered, so later requests would wait for it forever")
	}
}

type panickingLoader struct{}

func (panickingLoader) LoadPrincipal(context.Context, Claims) (any, error) {
	panic("loader bug")
}

func TestCachedPrincipalsPanics(t *testing.T) {
	tests := []struct {
		name   string
		loader PrincipalLoader
		opts   CacheOptions
	}{
		{name: "nil loader", loader: nil},
		{name: "negative TTL", loader: newCountingLoader(), opts: CacheOptions{TTL: -time.Second}},
		{name: "negative size", loader: newCountingLoader(), opts: CacheOptions{MaxEntries: -1}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("CachedPrincipals(%s) did not panic", tt.name)
				}
			}()

			CachedPrincipals(tt.loader, tt.opts)
		})
	}
}

// TestCacheConcurrentUse mixes loads and invalidations on many goroutines,
// for the race detector.
func TestCacheConcurrentUse(t *testing.T) {
	c := CachedPrincipals(newCountingLoader(), CacheOptions{MaxEntries: 3})
	subjects := []string{"alice", "bob", "carol", "dave"}

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				subject := subjects[(i+j)%len(subjects)]

				switch j % 10 {
				case 0:
					c.Invalidate(subject)
				case 5:
					c.InvalidateAll()
				default:
					if _, err := c.LoadPrincipal(t.Context(), Claims{Subject: subject}); err != nil {
						t.Errorf("LoadPrincipal(%q) = %v, want nil", subject, err)
					}
				}
			}
		})
	}
	wg.Wait()

	if got := c.lru.Len(); got > 3 {
		t.Errorf("cache holds %d entries, want at most 3", got)
	}
	assertIndexConsistent(t, c)
}

// assertIndexConsistent checks that the subject index lists exactly the
// cached keys.
func assertIndexConsistent(t *testing.T, c *PrincipalCache) {
	t.Helper()

	c.mu.Lock()
	defer c.mu.Unlock()

	indexed := 0
	for subject, keys := range c.bySubject {
		for key := range keys {
			indexed++

			element, ok := c.entries[key]
			if !ok || element.Value.(*entry).subject != subject {
				t.Errorf("subject index lists %q under %q, which the cache does not hold", key, subject)
			}
		}
	}

	if indexed != len(c.entries) || len(c.entries) != c.lru.Len() {
		t.Errorf("subject index lists %d keys, the map %d and the list %d, want the same number",
			indexed, len(c.entries), c.lru.Len())
	}
}
