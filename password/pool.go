package password

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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

	// QueueSize bounds the number of functions waiting for a worker. Zero
	// means 4 × Workers. While Busy holds a worker back, that worker holds
	// one more function, which counts in the expected wait.
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
	// thread. Busy is called with a lock held when a function is queued or
	// starts, and a waiting worker reads it again when a function ends, so
	// it must be fast and must not call the pool.
	Busy func() bool
}

// Pool runs CPU-heavy password work, such as [Hasher.Verify], on a fixed
// number of workers, so that a flood of logins takes at most that many
// cores and leaves the others to the rest of the server. Work beyond what
// the queue holds is rejected at once instead of piling up. A Pool is safe
// for concurrent use. Create one with [NewPool].
type Pool struct {
	workers int
	maxWait time.Duration
	busy    func() bool

	// slotsMu guards active, the functions holding a slot to run, and
	// slotFreed signals when one gives its slot back.
	slotsMu   sync.Mutex
	slotFreed *sync.Cond
	active    int

	// mu guards closed and the sending on jobs against Close.
	mu     sync.RWMutex
	closed bool
	jobs   chan *job

	// runNanos is a moving average of the run time of one function, zero
	// until the first one has finished.
	runNanos atomic.Int64

	// running counts the functions that workers have taken from the
	// queue: those running now, and while Busy holds a worker back, the
	// one that waits for its turn.
	running atomic.Int64

	stopped sync.WaitGroup
}

// Job states, changed with compare-and-swap by the worker and the caller.
const (
	jobQueued int32 = iota
	jobRunning
	jobCanceled
)

// job is one function waiting for or running on a worker.
type job struct {
	fn    func()
	state atomic.Int32
	done  chan struct{}

	// panicked holds the value of a panic in fn, re-raised in the caller.
	panicked any
}

// NewPool starts a pool's workers, or returns an error if cfg has a
// negative value.
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

	p := &Pool{
		workers: workers,
		maxWait: maxWait,
		busy:    cfg.Busy,
		jobs:    make(chan *job, queueSize),
	}
	p.slotFreed = sync.NewCond(&p.slotsMu)

	p.stopped.Add(workers)
	for range workers {
		go p.work()
	}

	return p, nil
}

// Workers returns the number of functions that run at once while
// PoolConfig.Busy reports false.
func (p *Pool) Workers() int {
	return p.workers
}

// limit returns how many functions may run at once now.
func (p *Pool) limit() int {
	if p.workers > 1 && p.busy != nil && p.busy() {
		return p.workers - 1
	}

	return p.workers
}

// Run runs fn on a worker and returns when it has finished. It returns
// [ErrBusy] at once, without running fn, when the queue is full or the
// expected wait exceeds MaxWait, and [ErrPoolClosed] after Close. When ctx
// ends while fn waits in the queue, fn does not run and Run returns the
// context's error. Once fn has started, Run waits for it to finish. A panic
// in fn is raised again in the caller of Run.
func (p *Pool) Run(ctx context.Context, fn func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}

	j := &job{fn: fn, done: make(chan struct{})}
	if err := p.enqueue(j); err != nil {
		return err
	}

	select {
	case <-j.done:
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobCanceled) {
			return ctx.Err()
		}

		<-j.done
	}

	if j.panicked != nil {
		panic(j.panicked)
	}

	return nil
}

// enqueue adds j to the queue, or returns why it cannot.
func (p *Pool) enqueue(j *job) error {
	p.mu.RLock()
	defer p.mu.RUnlock()

	if p.closed {
		return ErrPoolClosed
	}

	if wait := p.expectedWait(); wait > p.maxWait {
		return fmt.Errorf("%w: expected wait %s exceeds %s", ErrBusy, wait.Round(time.Millisecond), p.maxWait)
	}

	select {
	case p.jobs <- j:
		return nil
	default:
		return fmt.Errorf("%w: queue of %d is full", ErrBusy, cap(p.jobs))
	}
}

// expectedWait estimates how long a function queued now would wait for a
// worker. It is zero while a worker is free. Otherwise the functions ahead
// run in rounds of one per worker that may run now, each taking the
// average run time. The estimate ignores how far the running functions
// have got.
func (p *Pool) expectedWait() time.Duration {
	limit := int64(p.limit())

	busy := p.running.Load() + int64(len(p.jobs))
	if busy < limit {
		return 0
	}

	ahead := busy - limit + 1
	rounds := (ahead + limit - 1) / limit

	return time.Duration(rounds * p.runNanos.Load())
}

// Close stops the workers once they have run the functions already queued,
// and waits for them. Run returns ErrPoolClosed afterwards.
func (p *Pool) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
	p.mu.Unlock()

	p.stopped.Wait()
}

func (p *Pool) work() {
	defer p.stopped.Done()

	for j := range p.jobs {
		if j.state.Load() != jobCanceled {
			p.runTaken(j)
		}
	}
}

// runTaken runs j, which a worker has taken from the queue, once a slot is
// free, unless j was canceled meanwhile.
func (p *Pool) runTaken(j *job) {
	p.running.Add(1)
	defer p.running.Add(-1)

	p.acquireSlot()
	defer p.releaseSlot()

	if !j.state.CompareAndSwap(jobQueued, jobRunning) {
		return
	}

	start := time.Now()
	p.runJob(j)
	p.recordRunTime(time.Since(start))
}

// acquireSlot waits until fewer functions run than the limit allows now,
// and takes a slot. A worker that waits here always has a running function
// ahead of it, because the limit is at least one, so the release of that
// function wakes it.
func (p *Pool) acquireSlot() {
	p.slotsMu.Lock()
	defer p.slotsMu.Unlock()

	for p.active >= p.limit() {
		p.slotFreed.Wait()
	}

	p.active++
}

// releaseSlot gives a slot back and wakes the workers waiting for one.
func (p *Pool) releaseSlot() {
	p.slotsMu.Lock()
	p.active--
	p.slotsMu.Unlock()

	p.slotFreed.Broadcast()
}

// runJob runs j's function and marks j done, also when it panics.
func (p *Pool) runJob(j *job) {
	defer close(j.done)
	defer func() { j.panicked = recover() }()

	j.fn()
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
