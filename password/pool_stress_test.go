package password_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/internal/waittest"
	"github.com/scopegate/scopegate/password"
)

// stressDuration is how long each stress test sends work to its pool.
const stressDuration = 300 * time.Millisecond

// peakCounter counts the functions running at once and keeps the highest
// count seen.
type peakCounter struct {
	running, peak atomic.Int32
}

func (c *peakCounter) enter() int32 {
	n := c.running.Add(1)
	for {
		old := c.peak.Load()
		if n <= old || c.peak.CompareAndSwap(old, n) {
			return n
		}
	}
}

func (c *peakCounter) leave() {
	c.running.Add(-1)
}

// stressCall makes one Run call with a context that is canceled before
// the call, at a random moment during it, or never, and a function that
// panics now and then. It checks that the function ran exactly once when
// Run returned nil or panicked, and never when Run returned ErrBusy or
// context.Canceled, the only errors expected.
func stressCall(t *testing.T, pool *password.Pool, rng *rand.Rand, counter *peakCounter, limit int32) {
	// A leaked turn would leave a call without cancellation waiting
	// forever, so waittest.Limit turns that wait into a failure.
	ctx, cancel := context.WithTimeout(context.Background(), waittest.Limit)
	defer cancel()

	switch rng.IntN(4) {
	case 0:
		cancel()
	case 1:
		delay := time.Duration(rng.IntN(300)) * time.Microsecond
		timer := time.AfterFunc(delay, cancel)
		defer timer.Stop()
	case 2:
		go cancel()
	}

	panics := rng.IntN(8) == 0
	work := time.Duration(rng.IntN(200)) * time.Microsecond

	var ran atomic.Int32

	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				if !panics {
					t.Errorf("unexpected panic: %v", r)
				}

				if ran.Load() != 1 {
					t.Errorf("panic %v reached the caller, but the function ran %d times", r, ran.Load())
				}

				err = nil
			}
		}()

		return pool.Run(ctx, func() {
			ran.Add(1)

			if n := counter.enter(); n > limit {
				t.Errorf("%d functions run at once, limit %d", n, limit)
			}
			defer counter.leave()

			time.Sleep(work)

			if panics {
				panic("stress panic")
			}
		})
	}()

	switch {
	case err == nil:
		if ran.Load() != 1 {
			t.Errorf("Run returned nil, but the function ran %d times", ran.Load())
		}
	case errors.Is(err, password.ErrBusy), errors.Is(err, context.Canceled):
		if ran.Load() != 0 {
			t.Errorf("Run returned %v, but the function ran %d times", err, ran.Load())
		}
	default:
		t.Errorf("Run error = %v, want nil, ErrBusy or context.Canceled", err)
	}
}

// checkNoLeakedTurn checks that workers functions can run at once on a
// pool that looks idle, so that no turn was left counted as active.
func checkNoLeakedTurn(t *testing.T, pool *password.Pool, workers int) {
	t.Helper()

	if n := pool.Queued(); n != 0 {
		t.Fatalf("queue holds %d functions after every Run returned, want 0", n)
	}

	// The timeout ends the Run calls of a failed check, so that the pool's
	// Close in the test's cleanup does not wait for them.
	ctx, cancel := context.WithTimeout(context.Background(), waittest.Limit)
	defer cancel()

	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	defer releaseAll()

	started := make(chan struct{}, workers)
	done := make(chan error, workers)

	for range workers {
		go func() {
			done <- pool.Run(ctx, func() {
				started <- struct{}{}
				<-release
			})
		}()
	}

	for i := range workers {
		select {
		case <-started:
		case <-ctx.Done():
			t.Fatalf("only %d of %d functions started at once on an idle pool: a turn leaked", i, workers)
		}
	}

	releaseAll()

	for range workers {
		if err := waittest.Receive(t, done, "end of an idle-pool Run"); err != nil {
			t.Errorf("idle-pool Run: %v", err)
		}
	}
}

// runStress calls Run from many goroutines for stressDuration and returns
// the peak number of functions that ran at once.
func runStress(t *testing.T, pool *password.Pool, callers int, limit int32, seed uint64) int32 {
	t.Helper()

	var counter peakCounter

	deadline := time.Now().Add(stressDuration)

	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			for time.Now().Before(deadline) {
				stressCall(t, pool, rng, &counter, limit)
			}
		})
	}

	wg.Wait()

	return counter.peak.Load()
}

// queueWatcher samples the pool's queue length until stop is closed and
// fails the test when it exceeds queueSize.
func queueWatcher(t *testing.T, pool *password.Pool, queueSize int, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}

			if n := pool.Queued(); n > queueSize {
				t.Errorf("queue holds %d functions, QueueSize %d", n, queueSize)
				return
			}

			time.Sleep(50 * time.Microsecond)
		}
	})

	return &wg
}

func TestPoolStressCancelAndPanic(t *testing.T) {
	const (
		workers   = 3
		queueSize = 5
	)

	pool := newTestPool(t, password.PoolConfig{Workers: workers, QueueSize: queueSize, MaxWait: time.Hour})

	stop := make(chan struct{})
	watcher := queueWatcher(t, pool, queueSize, stop)

	peak := runStress(t, pool, 32, workers, 1)

	close(stop)
	watcher.Wait()

	if peak < 2 {
		t.Errorf("at most %d functions ran at once under load, want at least 2", peak)
	}

	checkNoLeakedTurn(t, pool, workers)
}

// While Busy flips, at most Workers functions run at once, and no turn is
// lost when the limit changes under queued functions.
func TestPoolStressBusyFlipping(t *testing.T) {
	const (
		workers   = 3
		queueSize = 6
	)

	var busy atomic.Bool

	pool := newTestPool(t, password.PoolConfig{Workers: workers, QueueSize: queueSize, MaxWait: time.Hour,
		Busy: busy.Load})

	stop := make(chan struct{})
	watcher := queueWatcher(t, pool, queueSize, stop)

	var flipper sync.WaitGroup
	flipper.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}

			busy.Store(!busy.Load())
			time.Sleep(100 * time.Microsecond)
		}
	})

	runStress(t, pool, 32, workers, 2)

	close(stop)
	watcher.Wait()
	flipper.Wait()

	busy.Store(false)
	checkNoLeakedTurn(t, pool, workers)
}

// While Busy reports true throughout, one function fewer than Workers runs
// at once.
func TestPoolStressBusyHoldsOneBack(t *testing.T) {
	const workers = 3

	pool := newTestPool(t, password.PoolConfig{Workers: workers, QueueSize: 6, MaxWait: time.Hour,
		Busy: func() bool { return true }})

	peak := runStress(t, pool, 16, workers-1, 3)
	if peak != workers-1 {
		t.Errorf("peak of %d functions at once while Busy, want %d", peak, workers-1)
	}
}

// After a Close that races with Run calls, no function runs or starts, and
// every later Run returns ErrPoolClosed without running its function.
func TestPoolStressCloseRacesRun(t *testing.T) {
	const workers = 2

	for round := range 20 {
		pool, err := password.NewPool(password.PoolConfig{Workers: workers, QueueSize: 8, MaxWait: time.Hour})
		if err != nil {
			t.Fatalf("NewPool: %v", err)
		}

		var (
			running atomic.Int32
			closed  atomic.Bool
			wg      sync.WaitGroup
		)

		for i := range 16 {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(round), uint64(i)))
				for {
					ran := false
					err := pool.Run(context.Background(), func() {
						ran = true

						if closed.Load() {
							t.Error("a function started after Close returned")
						}

						running.Add(1)
						time.Sleep(time.Duration(rng.IntN(300)) * time.Microsecond)
						running.Add(-1)
					})

					switch {
					case err == nil:
					case errors.Is(err, password.ErrPoolClosed):
						if ran {
							t.Error("Run returned ErrPoolClosed after running its function")
						}

						return
					case errors.Is(err, password.ErrBusy):
						if ran {
							t.Error("Run returned ErrBusy after running its function")
						}
					default:
						t.Errorf("Run error = %v, want nil, ErrBusy or ErrPoolClosed", err)
						return
					}
				}
			})
		}

		time.Sleep(time.Duration(1+round%5) * time.Millisecond)

		closeDone := make(chan struct{})
		go func() {
			pool.Close()
			closed.Store(true)
			close(closeDone)
		}()
		waittest.Receive(t, closeDone, "Close to return")

		if n := running.Load(); n != 0 {
			t.Errorf("round %d: %d functions still run after Close returned", round, n)
		}

		wg.Wait()

		err = pool.Run(context.Background(), func() { t.Error("a function ran after Close") })
		if !errors.Is(err, password.ErrPoolClosed) {
			t.Errorf("Run after Close = %v, want ErrPoolClosed", err)
		}
	}
}
