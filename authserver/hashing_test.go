package authserver

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/scopegate/scopegate/internal/waittest"
	"github.com/scopegate/scopegate/password"
)

// newBusyPool returns a pool of one worker, taken, that expects a new
// function to wait longer than it may, so the next Run is rejected as
// busy. The pool stops when the test ends.
func newBusyPool(t *testing.T) *password.Pool {
	t.Helper()

	pool, err := password.NewPool(password.PoolConfig{Workers: 1, MaxWait: time.Millisecond})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}

	// After a function of 20 ms, the pool expects each to take about as
	// long, and a function queued behind one to wait that long.
	if err := pool.Run(context.Background(), func() { time.Sleep(20 * time.Millisecond) }); err != nil {
		t.Fatalf("first Run: %v", err)
	}

	release := make(chan struct{})
	started := make(chan struct{})
	running := make(chan error, 1)

	go func() { running <- pool.Run(context.Background(), func() { close(started); <-release }) }()

	waittest.Receive(t, started, "the blocking function to start")

	t.Cleanup(func() {
		close(release)

		if err := waittest.Receive(t, running, "the blocking Run to return after its release"); err != nil {
			t.Errorf("blocking Run: %v", err)
		}

		pool.Close()
	})

	return pool
}

func TestBusyHashingIsTemporarilyUnavailable(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"known user", "username=user1&password=pass1"},
		{"unknown user", "username=nobody&password=pass1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := newBusyPool(t)
			f := newFixture(t, func(cfg *Config) { cfg.Hashing = pool })

			// A login queued behind the blocked worker, where the pool
			// should reject it, ends with its request's context instead
			// of waiting forever.
			ctx, cancel := context.WithTimeout(context.Background(), waittest.Limit)
			defer cancel()

			rec := f.serve(formRequest(tt.body).WithContext(ctx))

			checkError(t, rec, http.StatusServiceUnavailable, CodeTemporarilyUnavailable)

			if got := rec.Header().Get("Retry-After"); got != "1" {
				t.Errorf("Retry-After = %q, want %q", got, "1")
			}

			if verify, dummy := f.hasher.counts(); verify != 0 || dummy != 0 {
				t.Errorf("hasher calls = %d verify, %d dummy, want none", verify, dummy)
			}

			if got := f.reportedErrors(); len(got) != 0 {
				t.Errorf("error hook got %v, want nothing for a busy pool", got)
			}
		})
	}
}

func TestHashingRunsPasswordChecks(t *testing.T) {
	pool, err := password.NewPool(password.PoolConfig{Workers: 1})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(pool.Close)

	f := newFixture(t, func(cfg *Config) { cfg.Hashing = pool })

	checkGranted(t, f.postForm("username=user1&password=pass1&scope=me"), "me")
	checkError(t, f.postForm("username=user1&password=wrong"), http.StatusBadRequest, CodeInvalidGrant)
	checkError(t, f.postForm("username=nobody&password=pass1"), http.StatusBadRequest, CodeInvalidGrant)

	if verify, dummy := f.hasher.counts(); verify != 2 || dummy != 1 {
		t.Errorf("hasher calls = %d verify, %d dummy, want 2 and 1", verify, dummy)
	}
}

// A login whose client has gone away while it waited for the pool is not
// a server failure, so the error hook does not hear of it.
func TestCanceledLoginNotReported(t *testing.T) {
	pool, err := password.NewPool(password.PoolConfig{Workers: 1})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(pool.Close)

	f := newFixture(t, func(cfg *Config) { cfg.Hashing = pool })

	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	rec := f.serve(formRequest("username=user1&password=pass1").WithContext(ctx))
	if rec.Code != http.StatusInternalServerError && rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want a 5xx that the gone client never reads", rec.Code)
	}

	if got := f.reportedErrors(); len(got) != 0 {
		t.Errorf("error hook got %v, want nothing for a canceled request", got)
	}
}
