package hashproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scopegate/scopegate/password"
)

// Defaults of [Config].
const (
	DefaultCallTimeout  = 5 * time.Second
	DefaultRestartDelay = time.Second
	DefaultIdleTimeout  = time.Minute
)

// Config configures a [Client]. Only Args is required.
type Config struct {
	// Path is the child's executable. Empty means the running executable.
	Path string

	// Args are the arguments that make the executable call [Serve] on its
	// standard input and output, such as a hidden subcommand's name.
	Args []string

	// Priority is the child's CPU priority. The zero value is PriorityLow.
	Priority Priority

	// Workers is the number of requests the child works on at once, and
	// its GOMAXPROCS. Zero means runtime.GOMAXPROCS(0) of this process.
	Workers int

	// Hasher sets the parameters of new hashes and dummy verifications,
	// and does the work in this process while no child is available. Nil
	// means a Hasher with password.DefaultParams.
	Hasher *password.Hasher

	// CallTimeout bounds one request to the child, the writing of the
	// request included. A child that takes longer is stopped, and the
	// request is done in this process. Keep it well below the HTTP
	// server's write and shutdown timeouts, so that a login still gets its
	// response and a shutdown does not wait for a stuck child. Zero means
	// DefaultCallTimeout.
	CallTimeout time.Duration

	// RestartDelay is the least time between the failure of a child and
	// the start of the next. Until it has passed, requests are done in
	// this process. Zero means DefaultRestartDelay.
	RestartDelay time.Duration

	// IdleTimeout stops the child when no request has used it for that
	// long, so an idle server holds none of the hashing's memory. The
	// next request starts a new child. Zero means DefaultIdleTimeout, and
	// a negative value keeps the child running.
	IdleTimeout time.Duration

	// ErrorHook, when set, receives each failure of a child: a failed
	// start, an exit or a timeout. Each is reported once.
	ErrorHook func(error)

	// Stderr receives the child's standard error, where a Go program
	// writes a panic. Nil means os.Stderr.
	Stderr io.Writer
}

// Priority is the CPU priority of the child process.
type Priority int

const (
	// PriorityLow runs the child at nice 19, the lowest priority of the
	// normal class, which still gets a small share of a busy machine. Its
	// CPU does not count as idle when Linux places a woken thread, so
	// while the pool leaves a CPU free, the server's threads wake there.
	PriorityLow Priority = iota

	// PriorityIdle runs the child in the idle scheduling class
	// (SCHED_IDLE), on CPU time that no other thread wants. While other
	// processes keep every CPU busy the child gets almost no time, and
	// logins wait until they are rejected as busy or time out. Linux
	// counts a CPU that runs only such work as idle when it places a
	// woken thread, so the server's threads may wake on the hashing CPU
	// and wait there to preempt it. On some machines that delays them
	// more than PriorityLow does.
	PriorityIdle

	// PriorityNormal leaves the child's priority as the parent's. The
	// child still keeps the hashing's memory and garbage collection out
	// of the parent.
	PriorityNormal
)

// Client sends password work to a child process. It implements Verify,
// VerifyDummy, Hash and NeedsRehash with the meaning that
// [password.Hasher] gives them, and is safe for concurrent use. Create one
// with [Start].
type Client struct {
	cfg    Config
	hasher *password.Hasher

	mu        sync.Mutex
	child     *child    // nil while none runs
	failedAt  time.Time // when the last child failed or failed to start
	inFlight  int       // requests sent to a child and not yet returned
	lastUse   time.Time // when the last request returned
	idleTimer *time.Timer
	closed    bool
}

// errRestartPending means the child failed recently and is not started
// again yet. It has been reported already.
var errRestartPending = errors.New("hashproc: waiting to restart the child")

// errClosed means the Client has been closed.
var errClosed = errors.New("hashproc: client closed")

// Start returns a Client for the child that cfg describes. The child
// itself starts at the first request. Start returns an error when
// cfg.Args is empty or the executable is not a regular file.
func Start(cfg Config) (*Client, error) {
	if len(cfg.Args) == 0 {
		return nil, errors.New("hashproc: Config.Args is empty; it must name the arguments that make the " +
			"executable call hashproc.Serve")
	}

	cfg = withDefaults(cfg)
	if cfg.Path == "" {
		path, err := executable()
		if err != nil {
			return nil, fmt.Errorf("hashproc: find the running executable: %w", err)
		}

		cfg.Path = path
	}

	if info, err := os.Stat(cfg.Path); err != nil || !info.Mode().IsRegular() {
		return nil, fmt.Errorf("hashproc: child executable %s is not a regular file (%v)", cfg.Path, err)
	}

	c := &Client{cfg: cfg, hasher: cfg.Hasher}
	if c.hasher == nil {
		c.hasher = &password.Hasher{}
	}

	return c, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}

	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}

	if cfg.RestartDelay <= 0 {
		cfg.RestartDelay = DefaultRestartDelay
	}

	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}

	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}

	return cfg
}

// Verify reports whether plain matches encoded, as [password.Hasher.Verify]
// does, except that a password longer than [password.MaxLength], which
// [password.Hasher.Hash] never hashes, reports false without any work.
func (c *Client) Verify(plain, encoded string) (bool, error) {
	if len(plain) > password.MaxLength {
		return false, nil
	}

	resp, err := c.call(request{op: opVerify, plain: plain, encoded: encoded})
	if err != nil {
		return c.hasher.Verify(plain, encoded)
	}

	if resp.status == statusError {
		return false, decodeError(resp)
	}

	return resp.status == statusMatch, nil
}

// VerifyDummy spends the time of one verification, as
// [password.Hasher.VerifyDummy] does.
func (c *Client) VerifyDummy(plain string) {
	// The cost does not depend on the password's length beyond the limit.
	plain = plain[:min(len(plain), password.MaxLength)]

	if _, err := c.call(request{op: opVerifyDummy, params: c.params(), plain: plain}); err != nil {
		c.hasher.VerifyDummy(plain)
	}
}

// Hash returns a new hash of plain, as [password.Hasher.Hash] does.
func (c *Client) Hash(plain string) (string, error) {
	if len(plain) > password.MaxLength {
		return "", password.ErrTooLong
	}

	resp, err := c.call(request{op: opHash, params: c.params(), plain: plain})
	if err != nil {
		return c.hasher.Hash(plain)
	}

	if resp.status == statusError {
		return "", decodeError(resp)
	}

	return resp.text, nil
}

// NeedsRehash reports whether encoded should be replaced, as
// [password.Hasher.NeedsRehash] does. It is cheap and runs in this process.
func (c *Client) NeedsRehash(encoded string) bool {
	return c.hasher.NeedsRehash(encoded)
}

// params returns the Hasher's parameters. The zero Params stands for
// password.DefaultParams on both sides.
func (c *Client) params() password.Params {
	return c.hasher.Params
}

// Close stops the child: it closes the child's standard input, so the child
// exits after its running requests, and kills it if it has not exited
// within stopGrace. Afterwards the Client does all work in this process.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	ch := c.child
	c.child = nil
	if c.idleTimer != nil {
		c.idleTimer.Stop()
	}
	c.mu.Unlock()

	if ch == nil {
		return nil
	}

	return ch.stop(stopGrace)
}

// stopGrace is how long a child may take to exit after its input closes.
// A child built with the race detector pauses a second at exit.
const stopGrace = 3 * time.Second

// call sends req to the child and waits for its response, whose status
// suits req's operation. An error means the child did not respond, or sent
// a status that req cannot have, and the caller does the work itself.
func (c *Client) call(req request) (response, error) {
	ch, err := c.acquire()
	if err != nil {
		return response{}, err
	}
	defer c.release()

	return ch.call(req, c.cfg.CallTimeout)
}

// acquire returns the running child, starting one when none runs and no
// failure happened within the restart delay, and counts a request in
// flight. Each successful acquire must be followed by release.
func (c *Client) acquire() (*child, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.closed {
		return nil, errClosed
	}

	if c.child != nil && c.child.hasFailed() {
		c.failedAt = c.child.failureTime()
		c.child = nil
	}

	if c.child == nil {
		if !c.failedAt.IsZero() && time.Since(c.failedAt) < c.cfg.RestartDelay {
			return nil, errRestartPending
		}

		ch, err := startChild(c.cfg, c.report)
		if err != nil {
			c.failedAt = time.Now()
			err = fmt.Errorf("hashproc: start child: %w", err)
			c.report(err)

			return nil, err
		}

		c.child = ch
	}

	c.inFlight++

	return c.child, nil
}

// release ends a request that acquire counted, and arms the idle stop
// when it was the last one in flight.
func (c *Client) release() {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.inFlight--
	c.lastUse = time.Now()

	if c.inFlight > 0 || c.cfg.IdleTimeout < 0 || c.closed {
		return
	}

	if c.idleTimer == nil {
		c.idleTimer = time.AfterFunc(c.cfg.IdleTimeout, c.stopIfIdle)
	} else {
		c.idleTimer.Reset(c.cfg.IdleTimeout)
	}
}

// stopIfIdle stops the child when no request has used it for IdleTimeout.
// A request that started after the timer was armed keeps the child.
func (c *Client) stopIfIdle() {
	c.mu.Lock()
	ch := c.child
	idle := ch != nil && c.inFlight == 0 && time.Since(c.lastUse) >= c.cfg.IdleTimeout
	if idle {
		c.child = nil
	}
	c.mu.Unlock()

	if idle {
		_ = ch.stop(stopGrace)
	}
}

func (c *Client) report(err error) {
	if c.cfg.ErrorHook != nil {
		c.cfg.ErrorHook(err)
	}
}

// child is one running child process.
type child struct {
	cmd       *exec.Cmd
	stdin     *os.File
	report    func(error)
	nextID    atomic.Uint64
	writeMu   sync.Mutex
	readerEnd chan struct{} // closed when the reader has reaped the process
	stopping  atomic.Bool   // set by stop, so that the exit is not reported

	mu       sync.Mutex
	pending  map[uint64]chan response
	err      error         // the child's failure, nil until it fails
	failedAt time.Time     // when err was set
	failed   chan struct{} // closed when err is set
}

// startChild starts the child process and its reader.
func startChild(cfg Config, report func(error)) (*child, error) {
	cmd := exec.Command(cfg.Path, cfg.Args...)
	cmd.Args[0] = os.Args[0] // the name the parent was started with, not /proc/self/exe
	cmd.Env = []string{"GOMAXPROCS=" + strconv.Itoa(cfg.Workers)}
	cmd.Stderr = cfg.Stderr

	// The parent's end of standard input is an *os.File of its own, not
	// StdinPipe's writer, so that writes can have a deadline.
	childStdin, stdin, err := os.Pipe()
	if err != nil {
		return nil, err
	}

	cmd.Stdin = childStdin

	if testPipeCreated != nil {
		testPipeCreated(stdin)
	}

	stdout, err := cmd.StdoutPipe()
	if err != nil {
		closeAll(childStdin, stdin)
		return nil, err
	}

	err = startWithPriority(cmd, cfg.Priority, report)
	_ = childStdin.Close() // the child has its own copy now, or failed to start
	if err != nil {
		_ = stdin.Close()
		return nil, err
	}

	ch := &child{
		cmd:       cmd,
		stdin:     stdin,
		report:    report,
		readerEnd: make(chan struct{}),
		pending:   make(map[uint64]chan response),
		failed:    make(chan struct{}),
	}
	go ch.read(stdout)

	return ch, nil
}

// call sends req and waits for its response, the child's failure or the
// timeout, which stops the child.
func (ch *child) call(req request, timeout time.Duration) (response, error) {
	req.id = ch.nextID.Add(1)
	answer := make(chan response, 1)

	if err := ch.register(req.id, answer); err != nil {
		return response{}, err
	}
	defer ch.unregister(req.id)

	deadline := time.Now().Add(timeout)
	if err := ch.send(req, deadline); err != nil {
		return response{}, err
	}

	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()

	select {
	case resp := <-answer:
		if !statusFits(req.op, resp.status) {
			// The next response of this child could not be trusted either.
			err := fmt.Errorf("hashproc: child sent status %d, which operation %d cannot have", resp.status, req.op)
			ch.kill(err)

			return response{}, err
		}

		return resp, nil
	case <-ch.failed:
		return response{}, ch.failure()
	case <-timer.C:
		err := fmt.Errorf("hashproc: child did not respond within %s", timeout)
		ch.kill(err)

		return response{}, err
	}
}

func (ch *child) register(id uint64, answer chan response) error {
	ch.mu.Lock()
	defer ch.mu.Unlock()

	if ch.err != nil {
		return ch.err
	}

	ch.pending[id] = answer

	return nil
}

func (ch *child) unregister(id uint64) {
	ch.mu.Lock()
	delete(ch.pending, id)
	ch.mu.Unlock()
}

// send writes req to the child's standard input by deadline. A failed or
// late write stops the child, because a partly written frame would
// corrupt the stream.
func (ch *child) send(req request, deadline time.Time) error {
	ch.writeMu.Lock()
	defer ch.writeMu.Unlock()

	if err := ch.stdin.SetWriteDeadline(deadline); err != nil {
		err = fmt.Errorf("hashproc: set the write deadline: %w", err)
		ch.kill(err)

		return err
	}

	err := writeRequest(ch.stdin, req)
	if errors.Is(err, errFrameTooLarge) {
		return err // nothing was written
	}

	if err != nil {
		err = fmt.Errorf("hashproc: write to child: %w", err)
		ch.kill(err)

		return err
	}

	return nil
}

// read delivers the child's responses until its standard output ends,
// then reaps the process and fails the requests still waiting.
func (ch *child) read(stdout io.Reader) {
	defer close(ch.readerEnd)

	in := bufio.NewReader(stdout)
	var err error
	for {
		var resp response
		if resp, err = readResponse(in); err != nil {
			break
		}

		ch.deliver(resp)
	}

	_ = ch.cmd.Process.Kill() // a child that closed its output but still runs
	waitErr := ch.cmd.Wait()

	switch {
	case errors.Is(err, io.EOF) && waitErr != nil:
		err = fmt.Errorf("hashproc: child exited: %w", waitErr)
	case errors.Is(err, io.EOF):
		err = errors.New("hashproc: child exited")
	default:
		err = fmt.Errorf("hashproc: read from child: %w", err)
	}

	ch.fail(err)
}

func (ch *child) deliver(resp response) {
	ch.mu.Lock()
	answer, ok := ch.pending[resp.id]
	ch.mu.Unlock()

	if ok {
		answer <- resp // buffered, and each id gets one response
	}
}

// fail records the child's first failure, reports it and wakes the
// requests waiting for it.
func (ch *child) fail(err error) {
	ch.mu.Lock()
	defer ch.mu.Unlock()

	if ch.err != nil {
		return
	}

	ch.err = err
	ch.failedAt = time.Now()
	close(ch.failed)

	if ch.report != nil && !ch.stopping.Load() {
		ch.report(err)
	}
}

func (ch *child) hasFailed() bool {
	select {
	case <-ch.failed:
		return true
	default:
		return false
	}
}

func (ch *child) failureTime() time.Time {
	ch.mu.Lock()
	defer ch.mu.Unlock()

	return ch.failedAt
}

func (ch *child) failure() error {
	ch.mu.Lock()
	defer ch.mu.Unlock()

	return ch.err
}

// kill records err as the failure and kills the process.
func (ch *child) kill(err error) {
	ch.fail(err)
	_ = ch.cmd.Process.Kill()
}

// stop closes the child's standard input and waits up to grace for it to
// exit before it kills it.
func (ch *child) stop(grace time.Duration) error {
	ch.stopping.Store(true)

	// Closing an *os.File wakes a write blocked on it, so stop does not
	// wait for writeMu behind a child that has stopped reading.
	closeErr := ch.stdin.Close()

	select {
	case <-ch.readerEnd:
	case <-time.After(grace):
		ch.kill(fmt.Errorf("hashproc: child did not exit within %s of its input closing", grace))
		<-ch.readerEnd
	}

	return closeErr
}

// testPipeCreated, when set by a test, receives the parent's end of each
// new child's standard input.
var testPipeCreated func(*os.File)

func closeAll(files ...*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}
