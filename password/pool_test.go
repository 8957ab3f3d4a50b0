package password_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/internal/waittest"
	"github.com/scopegate/scopegate/password"
)

func newTestPool(t *testing.T, cfg password.PoolConfig) *password.Pool {
	t.Helper()

	pool, err := password.NewPool(cfg)
	if err != nil {
		t.Fatalf("NewPool(%+v): %v", cfg, err)
	}
	t.Cleanup(pool.Close)

	return pool
}

// waitTimeout bounds each wait for something that a correct pool does at
// once, so that a broken pool fails the test instead of hanging it.
const waitTimeout = 10 * time.Second

// runBounded runs fn on pool with a context that ends after waitTimeout,
// so that a pool that queues fn behind a blocked worker, where it should
// reject it, returns the context's error instead of waiting forever.
func runBounded(pool *password.Pool, fn func()) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()

	return pool.Run(ctx, fn)
}

// occupy runs a function on one of pool's workers until the test ends.
func occupy(t *testing.T, pool *password.Pool) {
	t.Helper()

	started, finish := startBlocked(t, pool)
	waittest.Receive(t, started, "start of the occupying function")

	t.Cleanup(func() {
		if err := finish(); err != nil {
			t.Errorf("occupying Run: %v", err)
		}
	})
}

// fillQueue queues n functions on pool, whose workers are all taken, and
// waits until they are in the queue. Their contexts end when the test
// does, so they never run.
func fillQueue(t *testing.T, pool *password.Pool, n int) {
	t.Helper()

	ctx, cancel := context.WithCancel(context.Background())
	want := pool.Queued() + n

	for range n {
		go func() { _ = pool.Run(ctx, func() { t.Error("a function queued to fill the queue ran") }) }()
	}

	waitQueued(t, pool, want)

	// Runs before occupy's cleanup, so the queued functions leave before
	// the workers free up.
	t.Cleanup(func() {
		cancel()
		waitQueued(t, pool, 0)
	})
}

// waitQueued waits until want functions are in pool's queue.
func waitQueued(t *testing.T, pool *password.Pool, want int) {
	t.Helper()

	deadline := time.Now().Add(waittest.Limit)
	for pool.Queued() != want {
		if time.Now().After(deadline) {
			t.Fatalf("queue holds %d functions after %s, want %d", pool.Queued(), waittest.Limit, want)
		}

		time.Sleep(time.Millisecond)
	}
}

func TestPoolRunsFunction(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 2})

	var ran bool
	if err := pool.Run(context.Background(), func() { ran = true }); err != nil {
		t.Fatalf("Run: %v", err)
	}

	if !ran {
		t.Error("Run returned before running the function")
	}
}

func TestPoolBoundsConcurrency(t *testing.T) {
	const workers = 2

	pool := newTestPool(t, password.PoolConfig{Workers: workers, QueueSize: 64, MaxWait: time.Hour})

	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			err := pool.Run(context.Background(), func() {
				n := running.Add(1)
				for {
					old := peak.Load()
					if n <= old || peak.CompareAndSwap(old, n) {
						break
					}
				}

				time.Sleep(time.Millisecond)
				running.Add(-1)
			})
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	wg.Wait()

	if got := peak.Load(); got > workers {
		t.Errorf("peak concurrency = %d, want at most %d", got, workers)
	}
}

func TestPoolFullQueueIsBusy(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 1, QueueSize: 2})
	occupy(t, pool)
	fillQueue(t, pool, 2)

	start := time.Now()
	err := runBounded(pool, func() { t.Error("a rejected function ran") })

	if !errors.Is(err, password.ErrBusy) {
		t.Fatalf("Run error = %v, want ErrBusy", err)
	}

	// A queued Run would wait for its context, which lasts waitTimeout.
	// The bound leaves seconds for a loaded machine below that.
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Run took %s to reject, want at once", elapsed)
	}
}

func TestPoolLongExpectedWaitIsBusy(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 1, QueueSize: 8, MaxWait: 10 * time.Millisecond})

	// After one function of 20 ms, the pool expects every function to take
	// about that long, which is more than MaxWait.
	if err := pool.Run(context.Background(), func() { time.Sleep(20 * time.Millisecond) }); err != nil {
		t.Fatalf("first Run: %v", err)
	}

	// With its only worker busy, a new function would wait about 20 ms.
	occupy(t, pool)

	err := runBounded(pool, func() { t.Error("a rejected function ran") })
	if !errors.Is(err, password.ErrBusy) {
		t.Errorf("Run error = %v, want ErrBusy", err)
	}
}

func TestPoolFreeWorkerIsNeverBusy(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 2, QueueSize: 8, MaxWait: 10 * time.Millisecond})

	// The average run time exceeds MaxWait, but a worker is free.
	if err := pool.Run(context.Background(), func() { time.Sleep(20 * time.Millisecond) }); err != nil {
		t.Fatalf("first Run: %v", err)
	}

	occupy(t, pool)

	if err := pool.Run(context.Background(), func() {}); err != nil {
		t.Errorf("Run with a free worker: %v, want nil", err)
	}
}

func TestPoolCanceledWhileQueued(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 1})
	occupy(t, pool)

	// The context ends once Run waits, so Run returns only if it stops
	// waiting when its context ends.
	done := make(chan error, 1)
	go func() { done <- pool.Run(waittest.CancelOnWait(), func() { t.Error("a canceled function ran") }) }()

	err := waittest.Receive(t, done, "return of Run whose context ended while queued")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run error = %v, want context.Canceled", err)
	}

	if got := pool.Queued(); got != 0 {
		t.Errorf("queue holds %d functions after the only queued one was canceled, want 0", got)
	}
}

// A canceled function frees its place at once, so it does not make the
// pool reject the next one.
func TestPoolCanceledFreesPlace(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 1, QueueSize: 1, MaxWait: time.Hour})
	started, finish := startBlocked(t, pool)
	waittest.Receive(t, started, "start of the occupying function")

	done := make(chan error, 1)
	go func() { done <- pool.Run(waittest.CancelOnWait(), func() { t.Error("a canceled function ran") }) }()
	waittest.Receive(t, done, "return of a queued Run whose context ended")

	var ran atomic.Bool
	next := make(chan error, 1)
	go func() { next <- runBounded(pool, func() { ran.Store(true) }) }()
	waitQueued(t, pool, 1)

	if err := finish(); err != nil {
		t.Fatalf("occupying Run: %v", err)
	}

	if err := waittest.Receive(t, next, "return of the Run queued after the canceled one"); err != nil {
		t.Errorf("Run queued in the freed place: error = %v, want nil", err)
	}

	if !ran.Load() {
		t.Error("the function queued in the freed place did not run")
	}
}

// A function whose turn comes as its context ends passes the turn on
// unused, so the next function in the queue runs.
func TestPoolCanceledTurnPassesOn(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 1, QueueSize: 4, MaxWait: time.Hour})

	for range 50 {
		started, finish := startBlocked(t, pool)
		waittest.Receive(t, started, "start of the occupying function")

		ctx, cancel := context.WithCancel(context.Background())
		canceled := make(chan error, 1)
		go func() { canceled <- pool.Run(ctx, func() {}) }()
		waitQueued(t, pool, 1)

		var ran atomic.Bool
		next := make(chan error, 1)
		go func() { next <- runBounded(pool, func() { ran.Store(true) }) }()
		waitQueued(t, pool, 2)

		// The cancellation and the end of the occupying function race.
		go cancel()
		if err := finish(); err != nil {
			t.Fatalf("occupying Run: %v", err)
		}

		waittest.Receive(t, canceled, "return of the Run whose context ended")

		if err := waittest.Receive(t, next, "return of the last queued Run"); err != nil || !ran.Load() {
			t.Fatalf("last queued Run: error = %v, ran = %v; want nil and true", err, ran.Load())
		}
	}
}

func TestPoolCanceledContextRunsNothing(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 1})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	err := pool.Run(ctx, func() { t.Error("the function ran") })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run error = %v, want context.Canceled", err)
	}
}

func TestPoolPanicReachesCaller(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 1})

	defer func() {
		if got := recover(); got != "boom" {
			t.Errorf("recovered %v, want %q", got, "boom")
		}
	}()

	_ = pool.Run(context.Background(), func() { panic("boom") })
	t.Error("Run returned normally after a panic")
}

func TestPoolWorkerSurvivesPanic(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 1})

	func() {
		defer func() { _ = recover() }()
		_ = pool.Run(context.Background(), func() { panic("boom") })
	}()

	if err := pool.Run(context.Background(), func() {}); err != nil {
		t.Errorf("Run after a panic: %v", err)
	}
}

func TestPoolPanicEndsTheTurn(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 1, QueueSize: 1, MaxWait: time.Hour})

	for range 3 {
		func() {
			defer func() { _ = recover() }()
			_ = pool.Run(context.Background(), func() { panic("boom") })
		}()
	}

	occupy(t, pool)
	fillQueue(t, pool, 1)
}

func TestPoolCloseWaitsForQueued(t *testing.T) {
	pool, err := password.NewPool(password.PoolConfig{Workers: 1, MaxWait: time.Hour})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}

	started, finish := startBlocked(t, pool)
	waittest.Receive(t, started, "start of the occupying function")

	var ran atomic.Bool
	queued := make(chan error, 1)
	go func() { queued <- runBounded(pool, func() { ran.Store(true) }) }()
	waitQueued(t, pool, 1)

	closed := make(chan struct{})
	go func() { pool.Close(); close(closed) }()

	select {
	case <-closed:
		t.Fatal("Close returned while a function ran")
	case <-time.After(20 * time.Millisecond):
	}

	if err := finish(); err != nil {
		t.Fatalf("occupying Run: %v", err)
	}

	waittest.Receive(t, closed, "return of Close after the functions finished")

	if err := waittest.Receive(t, queued, "return of the queued Run"); err != nil || !ran.Load() {
		t.Errorf("queued Run: error = %v, ran = %v; want nil and true", err, ran.Load())
	}
}

func TestPoolClosed(t *testing.T) {
	pool, err := password.NewPool(password.PoolConfig{Workers: 1})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}

	pool.Close()
	pool.Close()

	if err := pool.Run(context.Background(), func() {}); !errors.Is(err, password.ErrPoolClosed) {
		t.Errorf("Run after Close: error = %v, want ErrPoolClosed", err)
	}
}

func TestPoolDefaultWorkers(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{})

	if got, want := pool.Workers(), max(1, runtime.GOMAXPROCS(0)-1); got != want {
		t.Errorf("Workers() = %d, want GOMAXPROCS - 1 (at least 1) = %d", got, want)
	}
}

func TestNewPoolRejectsNegativeConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  password.PoolConfig
	}{
		{"workers", password.PoolConfig{Workers: -1}},
		{"queue size", password.PoolConfig{QueueSize: -1}},
		{"max wait", password.PoolConfig{MaxWait: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := password.NewPool(tt.cfg); err == nil {
				t.Error("NewPool error = nil, want an error")
			}
		})
	}
}

// startBlocked runs a function on pool in a goroutine and returns a channel
// closed when the function starts, and a function that lets it finish and
// reports Run's error.
func startBlocked(t *testing.T, pool *password.Pool) (started <-chan struct{}, finish func() error) {
	t.Helper()

	release := make(chan struct{})
	begun := make(chan struct{})
	done := make(chan error, 1)

	go func() { done <- pool.Run(context.Background(), func() { close(begun); <-release }) }()

	var once sync.Once
	finish = func() error {
		once.Do(func() { close(release) })

		select {
		case err := <-done:
			return err
		case <-time.After(waitTimeout):
			return fmt.Errorf("Run did not return within %s of its function's release", waitTimeout)
		}
	}
	t.Cleanup(func() { once.Do(func() { close(release) }) })

	return begun, finish
}

func TestPoolBusyLeavesAWorkerFree(t *testing.T) {
	var busy atomic.Bool
	busy.Store(true)

	pool := newTestPool(t, password.PoolConfig{Workers: 2, MaxWait: time.Hour, Busy: busy.Load})

	first, finishFirst := startBlocked(t, pool)
	waittest.Receive(t, first, "start of the first function")

	second, finishSecond := startBlocked(t, pool)

	select {
	case <-second:
		t.Fatal("a second function started while Busy reported true, want one of 2 workers left free")
	case <-time.After(50 * time.Millisecond):
	}

	if err := finishFirst(); err != nil {
		t.Fatalf("first Run: %v", err)
	}

	waittest.Receive(t, second, "start of the second function after the first finished")

	if err := finishSecond(); err != nil {
		t.Errorf("second Run: %v", err)
	}
}

func TestPoolNotBusyRunsEveryWorker(t *testing.T) {
	var busy atomic.Bool

	pool := newTestPool(t, password.PoolConfig{Workers: 2, MaxWait: time.Hour, Busy: busy.Load})

	first, finishFirst := startBlocked(t, pool)
	waittest.Receive(t, first, "start of the first function")

	second, finishSecond := startBlocked(t, pool)
	waittest.Receive(t, second, "start of a second function while Busy reported false and a worker was free")

	for _, finish := range []func() error{finishFirst, finishSecond} {
		if err := finish(); err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

func TestPoolBusyKeepsTheLastWorker(t *testing.T) {
	pool := newTestPool(t, password.PoolConfig{Workers: 1, Busy: func() bool { return true }})

	var ran bool
	if err := pool.Run(context.Background(), func() { ran = true }); err != nil {
		t.Fatalf("Run: %v", err)
	}

	if !ran {
		t.Error("Run returned without running the function, want the only worker to run while Busy")
	}
}

func TestPoolBusyCountsInExpectedWait(t *testing.T) {
	var busy atomic.Bool

	pool := newTestPool(t, password.PoolConfig{Workers: 2, QueueSize: 8, MaxWait: 10 * time.Millisecond,
		Busy: busy.Load})

	if err := pool.Run(context.Background(), func() { time.Sleep(20 * time.Millisecond) }); err != nil {
		t.Fatalf("first Run: %v", err)
	}

	occupy(t, pool)
	busy.Store(true)

	// Of the 2 workers only one may run now, and it is taken for about
	// 20 ms, more than MaxWait.
	err := runBounded(pool, func() { t.Error("a rejected function ran") })
	if !errors.Is(err, password.ErrBusy) {
		t.Errorf("Run error = %v, want ErrBusy", err)
	}
}

// While Busy holds one of 2 workers back, the pool estimates waits as a
// pool of one worker does, counting the function that the held worker has
// taken from the queue.
func TestPoolBusyWaitCountsHeldFunction(t *testing.T) {
	for _, tt := range []struct {
		name    string
		workers int
		busy    bool
	}{
		{"1 worker", 1, false},
		{"2 workers while Busy", 2, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var busy atomic.Bool

			pool := newTestPool(t, password.PoolConfig{Workers: tt.workers, QueueSize: 8,
				MaxWait: 30 * time.Millisecond, Busy: busy.Load})

			if err := pool.Run(context.Background(), func() { time.Sleep(20 * time.Millisecond) }); err != nil {
				t.Fatalf("first Run: %v", err)
			}

			busy.Store(tt.busy)
			occupy(t, pool)

			// The second function waits one round of about 20 ms. Meanwhile
			// a held worker takes it from the queue.
			startBlocked(t, pool)
			time.Sleep(20 * time.Millisecond)

			// A third would wait two rounds, about 40 ms, beyond MaxWait.
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()

			err := pool.Run(ctx, func() {})
			if !errors.Is(err, password.ErrBusy) {
				t.Errorf("third Run: error = %v, want ErrBusy", err)
			}
		})
	}
}

// When Busy stops reporting work, the next function to arrive lets a
// queued one start, without waiting for a running one to end.
func TestPoolBusyEndStartsQueued(t *testing.T) {
	var busy atomic.Bool
	busy.Store(true)

	pool := newTestPool(t, password.PoolConfig{Workers: 2, MaxWait: time.Hour, Busy: busy.Load})
	occupy(t, pool)

	queued, finishQueued := startBlocked(t, pool)
	waitQueued(t, pool, 1)

	busy.Store(false)

	arrived := make(chan error, 1)
	go func() { arrived <- runBounded(pool, func() {}) }()

	waittest.Receive(t, queued, "start of the queued function after Busy turned false")

	if err := finishQueued(); err != nil {
		t.Errorf("queued Run: %v", err)
	}

	if err := waittest.Receive(t, arrived, "return of the Run that arrived"); err != nil {
		t.Errorf("Run that arrived: %v", err)
	}
}

// A Busy that panics as a function ends fails that function's Run, and
// the pool keeps working once Busy stops panicking: the queued function
// and the next one both run.
func TestPoolBusyPanicKeepsPoolUsable(t *testing.T) {
	var panics atomic.Bool

	// Not closed when the test ends: Close would block on a pool left
	// locked, and a pool holds no goroutines of its own.
	pool, err := password.NewPool(password.PoolConfig{Workers: 2, MaxWait: time.Hour, Busy: func() bool {
		if panics.Load() {
			panic("busy failed")
		}

		return true
	}})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}

	release := make(chan struct{})
	started := make(chan struct{})
	recovered := make(chan any, 1)

	go func() {
		defer func() { recovered <- recover() }()

		_ = pool.Run(context.Background(), func() { close(started); <-release })
	}()

	waittest.Receive(t, started, "start of the first function")

	queued := make(chan error, 1)
	go func() { queued <- runBounded(pool, func() {}) }()
	waitQueued(t, pool, 1)

	// The first function's end passes its turn on, which calls Busy.
	panics.Store(true)
	close(release)

	if got := waittest.Receive(t, recovered, "return of the first Run"); got != "busy failed" {
		t.Errorf("first Run recovered %v, want the panic of Busy", got)
	}

	panics.Store(false)

	// In a goroutine, because a pool left locked would block Run for good.
	next := make(chan error, 1)
	go func() { next <- runBounded(pool, func() {}) }()

	if err := waittest.Receive(t, next, "return of the Run after Busy panicked"); err != nil {
		t.Errorf("Run after Busy panicked: %v, want nil", err)
	}

	if err := waittest.Receive(t, queued, "return of the queued Run"); err != nil {
		t.Errorf("queued Run: %v, want nil", err)
	}
}
