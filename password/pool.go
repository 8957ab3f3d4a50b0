package password

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxWait is the longest expected wait in a [Pool]'s queue when
// [PoolConfig.MaxWait] is zero.
const DefaultMaxWait = time.Second

var (
	// ErrBusy is returned by [Pool.Run] when the queue is full or the
	// expected wait exceeds [PoolConfig.MaxWait]. The work did not run, and
	// the caller should ask its client to retry later.
	ErrBusy = errors.New("password: too many password checks waiting")

	// ErrPoolClosed is returned by [Pool.Run] after [Pool.Close].
	ErrPoolClosed = errors.New("password: pool is closed")
)

// PoolConfig configures a [Pool]. The zero value is a valid configuration.
type PoolConfig struct {
	// Workers is the number of functions that run at once. Zero means
	// one less than runtime.GOMAXPROCS(0) when the pool is created, and at
	// least one, so that a login flood leaves a processor to the rest of
	// the program.
	Workers int

	// QueueSize bounds the number of functions waiting for their turn.
	// Zero means 4 × Workers.
	QueueSize int

	// MaxWait bounds the expected wait of a new function in the queue,
	// estimated from the queue's length and the recent run times. A
	// function expected to wait longer is rejected at once with [ErrBusy].
	// Zero means [DefaultMaxWait].
	MaxWait time.Duration

	// Busy, when set, reports whether the rest of the program has work of
	// its own now, such as API requests. While it reports true, one
	// function fewer than Workers runs at once, and at least one, so that
	// a processor stays free for that work. A low scheduling priority
	// alone does not keep one free: on Linux a woken thread was measured
	// waiting up to a scheduler tick (4 ms at 250 Hz) behind a SCHED_IDLE
	// thread. Busy is called with the pool's lock held when a function
	// arrives and when one ends, so it must be fast and must not call the
	// pool.
	Busy func() bool
}

// Pool bounds CPU-heavy password work, such as [Hasher.Verify], to a fixed
// number of functions at once, so that a flood of logins takes at most
// that many cores and leaves the others to the rest of the server. Work
// beyond what the queue holds is rejected at once instead of piling up.
// Each function runs on the goroutine that called [Pool.Run], so a login
// costs no hand-over to another goroutine. A Pool is safe for concurrent
// use. Create one with [NewPool].
type Pool struct {
	workers   int
	queueSize int
	maxWait   time.Duration
	busy      func() bool

	// mu guards the fields below it.
	mu     sync.Mutex
	closed bool

	// active counts the functions holding a turn: those running, and
	// those whose turn came and that have not started yet.
	active int

	// queue holds the functions waiting for their turn, first come first
	// served.
	queue []*turn

	// admitted counts the Run calls that hold a turn or wait for one, so
	// that Close can wait for them.
	admitted sync.WaitGroup

	// runNanos is a moving average of the run time of one function, zero
	// until the first one has finished.
	runNanos atomic.Int64
}

// turn is a function's place in the queue. ready is closed when the
// function may run, and the pool has then counted it in active.
type turn struct {
	ready chan struct{}
}

// NewPool returns a pool, or an error if cfg has a negative value.
func NewPool(cfg PoolConfig) (*Pool, error) {
	if cfg.Workers < 0 || cfg.QueueSize < 0 || cfg.MaxWait < 0 {
		return nil, fmt.Errorf("password: pool config: Workers %d, QueueSize %d and MaxWait %s "+
			"must not be negative", cfg.Workers, cfg.QueueSize, cfg.MaxWait)
	}

	workers := cfg.Workers
	if workers == 0 {
		workers = max(1, runtime.GOMAXPROCS(0)-1)
	}

	queueSize := cfg.QueueSize
	if queueSize == 0 {
		queueSize = 4 * workers
	}

	maxWait := cfg.MaxWait
	if maxWait == 0 {
		maxWait = DefaultMaxWait
	}

	return &Pool{
		workers:   workers,
		queueSize: queueSize,
		maxWait:   maxWait,
		busy:      cfg.Busy,
		queue:     make([]*turn, 0, queueSize),
	}, nil
}

// Workers returns the number of functions that run at once while
// PoolConfig.Busy reports false.
func (p *Pool) Workers() int {
	return p.workers
}

// limit returns how many functions may run at once now. The caller holds
// p.mu.
func (p *Pool) limit() int {
	if p.workers > 1 && p.busy != nil && p.busy() {
		return p.workers - 1
	}

	return p.workers
}

// Run runs fn on the calling goroutine once fn's turn has come, and
// returns when fn has finished. It returns [ErrBusy] at once, without
// running fn, when the queue is full or the expected wait exceeds MaxWait,
// and [ErrPoolClosed] after Close. When ctx ends while fn waits in the
// queue, fn does not run, its place in the queue is freed, and Run returns
// the context's error. Once fn has started, Run waits for it to finish. A
// panic in fn goes up to the caller of Run, and fn's turn ends.
func (p *Pool) Run(ctx context.Context, fn func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}

	t, err := p.admit()
	if err != nil {
		return err
	}
	defer p.admitted.Done()

	if t != nil {
		if err := p.await(ctx, t); err != nil {
			return err
		}
	}

	defer p.finish(time.Now())
	fn()

	return nil
}

// admit takes a turn for a new function at once and returns nil, or
// queues the function and returns its place, or returns why it can do
// neither.
func (p *Pool) admit() (*turn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.closed {
		return nil, ErrPoolClosed
	}

	// Busy is read once per call, because it may read the clock.
	limit := p.limit()

	// The limit may have risen since the last turn ended, when Busy
	// stopped reporting work, so the functions already queued go first.
	p.grant(limit)

	if len(p.queue) == 0 && p.active < limit {
		p.active++
		p.admitted.Add(1)

		return nil, nil
	}

	if len(p.queue) >= p.queueSize {
		return nil, fmt.Errorf("%w: queue of %d is full", ErrBusy, p.queueSize)
	}

	if wait := p.expectedWait(limit); wait > p.maxWait {
		return nil, fmt.Errorf("%w: expected wait %s exceeds %s", ErrBusy, wait.Round(time.Millisecond), p.maxWait)
	}

	t := &turn{ready: make(chan struct{})}
	p.queue = append(p.queue, t)
	p.admitted.Add(1)

	return t, nil
}

// await waits for t's turn. When ctx ends first, it leaves the queue, or
// gives back the turn that came meanwhile, and returns the context's error.
func (p *Pool) await(ctx context.Context, t *turn) error {
	select {
	case <-t.ready:
		return nil
	case <-ctx.Done():
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	if !p.dequeue(t) {
		// The turn came while ctx ended: pass it on unused.
		p.active--
		p.passTurns()
	}

	return ctx.Err()
}

// dequeue removes t from the queue and reports whether it was there. The
// caller holds p.mu.
func (p *Pool) dequeue(t *turn) bool {
	i := slices.Index(p.queue, t)
	if i < 0 {
		return false
	}

	p.queue = slices.Delete(p.queue, i, i+1)

	return true
}

// finish ends the turn of a function that started at start, also when it
// panicked, and passes the turn on.
func (p *Pool) finish(start time.Time) {
	p.recordRunTime(time.Since(start))

	// Deferred, so that a panic in Busy cannot leave the pool locked.
	p.mu.Lock()
	defer p.mu.Unlock()

	p.active--
	p.passTurns()
}

// passTurns gives the turns that the limit allows now to the queued
// functions. It reads Busy only when a function waits. The caller holds
// p.mu.
func (p *Pool) passTurns() {
	if len(p.queue) > 0 {
		p.grant(p.limit())
	}
}

// grant gives turns to the functions at the head of the queue while fewer
// than limit run. The caller holds p.mu.
func (p *Pool) grant(limit int) {
	for len(p.queue) > 0 && p.active < limit {
		next := p.queue[0]
		p.queue = slices.Delete(p.queue, 0, 1)

		p.active++
		close(next.ready)
	}
}

// expectedWait estimates how long a function queued now would wait for
// its turn. The functions holding or awaiting a turn run in rounds of as
// many as may run at once now, each taking the average run time. The
// estimate ignores how far the running functions have got. The caller
// holds p.mu.
func (p *Pool) expectedWait(limit int) time.Duration {
	busy := p.active + len(p.queue)
	if busy < limit {
		return 0
	}

	ahead := busy - limit + 1
	rounds := int64((ahead + limit - 1) / limit)

	return time.Duration(rounds * p.runNanos.Load())
}

// Close waits for the functions already running or queued to finish. Run
// returns ErrPoolClosed afterwards.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()

	p.admitted.Wait()
}

// recordRunTime adds d to the moving average of the run time, weighting
// it one eighth. Concurrent updates may lose one another's sample, which
// an estimate can afford.
func (p *Pool) recordRunTime(d time.Duration) {
	old := p.runNanos.Load()
	if old == 0 {
		p.runNanos.Store(int64(d))
		return
	}

	p.runNanos.Store(old + (int64(d)-old)/8)
}
