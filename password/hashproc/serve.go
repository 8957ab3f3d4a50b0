package hashproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/scopegate/scopegate/password"
)

// Serve reads the requests of a [Client] from r, does the password work
// and writes the responses to w. It runs up to workers requests at once,
// or runtime.GOMAXPROCS(0) when workers is not positive. When r ends, it
// waits for the running requests and returns nil, or the error of a failed
// write. It returns an error for a malformed request. The child process calls
// it on its standard input and output and exits when it returns.
//
// While it runs, Serve sets runtime.GOMAXPROCS to the most goroutines that
// the running requests hashed on at once since none ran, between one and
// the setting it found. An argon2id hash runs one goroutine per lane.
// Serve restores the setting when it returns. A [password.Pool] that
// leaves CPUs free sends one check at a time, and with the default
// parameters the child then runs on one processor. So neither the Go
// scheduler nor the garbage collector of the child runs threads on the
// CPUs left free. The setting drops only when no request runs, so that a
// new request does not wait for a processor that a running check holds.
func Serve(r io.Reader, w io.Writer, workers int) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	procs := &procsFollower{limit: runtime.GOMAXPROCS(0)}
	defer runtime.GOMAXPROCS(procs.limit)
	procs.add(0)

	out := &responseWriter{w: w}
	slots := make(chan struct{}, workers)
	var running sync.WaitGroup
	defer running.Wait()

	in := bufio.NewReader(r)
	for {
		req, err := readRequest(in)
		if errors.Is(err, io.EOF) {
			running.Wait() // so that a failed write of the last responses is returned
			return out.failure()
		}

		if err != nil {
			return fmt.Errorf("hashproc: %w", err)
		}

		if err := out.failure(); err != nil {
			return err
		}

		slots <- struct{}{}
		lanes := requestLanes(req)
		procs.add(lanes)
		running.Go(func() {
			defer func() { <-slots }()

			resp := handle(req)

			// The parent may send its next request as soon as it has this
			// response, so the count drops first.
			procs.add(-lanes)
			out.write(resp)
		})
	}
}

// ServeStdio runs [Serve] on the process's standard input and output, as
// the child process does. On Linux it first puts standard input in
// non-blocking mode. With GOMAXPROCS at 1, a read blocked in a system call
// would hold the only processor, and a new check would wait until the Go
// runtime took it back. That added about 12 ms to each login when measured
// on a 2-CPU machine.
func ServeStdio(workers int) error {
	in, err := pollable(os.Stdin)
	if err != nil {
		return err
	}

	return Serve(in, os.Stdout, workers)
}

// procsFollower sets runtime.GOMAXPROCS to the most goroutines that the
// running requests hashed on at once since none ran, up to limit, which
// is at least one.
type procsFollower struct {
	limit int

	mu      sync.Mutex
	running int
	procs   int
}

// add changes the number of goroutines that the running requests hash on
// by delta. It raises GOMAXPROCS to that number when it exceeds the
// setting, up to the limit, and sets it to one when no request runs. A new
// request's processors exist before its goroutines start, because add runs
// first.
func (p *procsFollower) add(delta int) {
	p.mu.Lock()
	defer p.mu.Unlock()

	p.running += delta

	n := min(max(p.procs, p.running), p.limit)
	if p.running == 0 {
		n = 1
	}

	if n == p.procs {
		return
	}

	p.procs = n
	runtime.GOMAXPROCS(n)

	if testProcsSet != nil {
		testProcsSet(n)
	}
}

// requestLanes returns the number of goroutines that req hashes on: the
// lanes of the stored hash for a verification, and of the request's
// parameters, or the default ones, for the others.
func requestLanes(req request) int {
	if req.op == opVerify {
		return password.Lanes(req.encoded)
	}

	params := req.params
	if params == (password.Params{}) {
		params = password.DefaultParams
	}

	return max(1, int(params.Parallelism))
}

// testProcsSet, when set by a test, receives each value that Serve sets
// GOMAXPROCS to.
var testProcsSet func(n int)

// responseWriter writes whole responses from concurrent workers and keeps
// the first write error.
type responseWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

func (rw *responseWriter) write(resp response) {
	rw.mu.Lock()
	defer rw.mu.Unlock()

	if rw.err != nil {
		return
	}

	if err := writeResponse(rw.w, resp); err != nil {
		rw.err = fmt.Errorf("hashproc: write response: %w", err)
	}
}

func (rw *responseWriter) failure() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()

	return rw.err
}

// handle does the work of one request.
func handle(req request) response {
	hasher := password.Hasher{Params: req.params}
	resp := response{id: req.id}

	switch req.op {
	case opVerify:
		ok, err := hasher.Verify(req.plain, req.encoded)
		if err != nil {
			return errorResponse(req.id, err)
		}

		resp.status = statusMismatch
		if ok {
			resp.status = statusMatch
		}
	case opVerifyDummy:
		hasher.VerifyDummy(req.plain)
		resp.status = statusDone
	case opHash:
		encoded, err := hasher.Hash(req.plain)
		if err != nil {
			return errorResponse(req.id, err)
		}

		resp.status = statusHashed
		resp.text = encoded
	default:
		return errorResponse(req.id, fmt.Errorf("hashproc: unknown operation %d", req.op))
	}

	return resp
}

// errorKinds pairs the password package's errors with their wire kinds.
var errorKinds = []struct {
	kind uint8
	err  error
}{
	{kindMalformedHash, password.ErrMalformedHash},
	{kindUnsupportedHash, password.ErrUnsupportedHash},
	{kindEmptyPassword, password.ErrEmptyPassword},
	{kindInvalidParams, password.ErrInvalidParams},
}

func errorResponse(id uint64, err error) response {
	resp := response{id: id, status: statusError, kind: kindOther, text: err.Error()}
	for _, known := range errorKinds {
		if errors.Is(err, known.err) {
			resp.kind = known.kind
			break
		}
	}

	return resp
}

// remoteError is an error of the child, rebuilt in the parent so that
// errors.Is finds the password package's error it wrapped.
type remoteError struct {
	text string
	kind error
}

func (e *remoteError) Error() string { return e.text }

func (e *remoteError) Unwrap() error { return e.kind }

// decodeError rebuilds the error of a statusError response.
func decodeError(resp response) error {
	for _, known := range errorKinds {
		if known.kind == resp.kind {
			return &remoteError{text: resp.text, kind: known.err}
		}
	}

	return &remoteError{text: resp.text}
}
