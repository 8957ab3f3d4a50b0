// Package deadline keeps the read and write deadlines of a listener's
// connections with one sweeper goroutine, instead of a runtime timer for
// each deadline.
//
// An HTTP/1.1 server moves each connection's deadlines several times per
// request: net/http sets a read deadline for the headers, a write deadline
// for the response and an idle deadline after it, and clears them in
// between. Each of these arms, moves or stops a runtime timer and reads the
// clock. Here a deadline is a number stored under a mutex. The sweeper
// checks every connection once a tick and ends only the calls that wait
// past their deadline, so a deadline fires up to about one tick late, and
// never early.
package deadline

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTick is how often the sweeper looks at the connections when
// [Wrap] is given no tick.
const DefaultTick = 100 * time.Millisecond

// past is the deadline put on a socket to end the calls waiting on it.
// Any time before now would do, and this one is plainly not a real one.
var past = time.Unix(1, 0)

// Listener is a net.Listener whose connections keep coarse deadlines. Build
// one with [Wrap]. Its methods are safe for concurrent use.
type Listener struct {
	net.Listener
	tick time.Duration

	// now is the time of the last tick in Unix nanoseconds, the clock that
	// the connections read instead of calling time.Now.
	now atomic.Int64

	mu       sync.Mutex
	conns    map[*conn]struct{}
	sweeping bool
}

// Wrap returns a Listener that accepts from ln. A tick of zero or less
// means [DefaultTick].
func Wrap(ln net.Listener, tick time.Duration) *Listener {
	if tick <= 0 {
		tick = DefaultTick
	}

	return &Listener{Listener: ln, tick: tick, conns: make(map[*conn]struct{})}
}

// Accept waits for the next connection and returns it wrapped. The
// returned connection also has the CloseWrite method of a TCP connection.
func (l *Listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}

	c := &conn{Conn: nc, l: l}
	l.add(c)

	return c, nil
}

// add registers c and starts the sweeper if it is not running.
func (l *Listener) add(c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()

	l.conns[c] = struct{}{}
	if l.sweeping {
		return
	}

	l.sweeping = true
	l.now.Store(time.Now().UnixNano())

	go l.sweep()
}

func (l *Listener) remove(c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()

	delete(l.conns, c)
}

// sweep runs while the listener has connections: each tick it advances
// the clock and ends the calls waiting past their deadlines.
func (l *Listener) sweep() {
	ticker := time.NewTicker(l.tick)
	defer ticker.Stop()

	var conns []*conn

	for range ticker.C {
		now := time.Now().UnixNano()
		l.now.Store(now)

		conns = l.snapshot(conns[:0])
		if conns == nil {
			return
		}

		for _, c := range conns {
			c.read.sweep(now, c.Conn.SetReadDeadline)
			c.write.sweep(now, c.Conn.SetWriteDeadline)
		}

		clear(conns)
	}
}

// snapshot appends the open connections to dst, or returns nil and marks
// the sweeper stopped when there are none. The sweeper then exits, and the
// next accepted connection starts a new one.
func (l *Listener) snapshot(dst []*conn) []*conn {
	l.mu.Lock()
	defer l.mu.Unlock()

	if len(l.conns) == 0 {
		l.sweeping = false
		return nil
	}

	for c := range l.conns {
		dst = append(dst, c)
	}

	return dst
}

// conn is an accepted connection whose deadlines the sweeper enforces.
type conn struct {
	net.Conn
	l *Listener

	read  side
	write side

	closeOnce sync.Once
}

func (c *conn) Read(p []byte) (int, error) {
	for {
		if err := c.read.begin(c.l.now.Load(), c.Conn.SetReadDeadline); err != nil {
			return 0, c.opError("read", err)
		}

		n, err := c.Conn.Read(p)

		retry := c.read.end(err, c.l.now.Load(), c.Conn.SetReadDeadline)
		if !retry || n > 0 {
			return n, err
		}
	}
}

// Write writes p, carrying on after a timeout that ended the call for a
// deadline that has since moved.
func (c *conn) Write(p []byte) (int, error) {
	written := 0

	for {
		if err := c.write.begin(c.l.now.Load(), c.Conn.SetWriteDeadline); err != nil {
			return written, c.opError("write", err)
		}

		n, err := c.Conn.Write(p[written:])
		written += n

		if !c.write.end(err, c.l.now.Load(), c.Conn.SetWriteDeadline) {
			return written, err
		}
	}
}

func (c *conn) SetDeadline(t time.Time) error {
	return errors.Join(c.SetReadDeadline(t), c.SetWriteDeadline(t))
}

func (c *conn) SetReadDeadline(t time.Time) error {
	return c.read.set(t, c.l.now.Load(), c.Conn.SetReadDeadline)
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	return c.write.set(t, c.l.now.Load(), c.Conn.SetWriteDeadline)
}

// CloseWrite shuts down the writing side of a TCP connection, which
// net/http uses to close a connection gracefully.
func (c *conn) CloseWrite() error {
	cw, ok := c.Conn.(interface{ CloseWrite() error })
	if !ok {
		return &net.OpError{Op: "close", Net: c.LocalAddr().Network(), Err: errors.ErrUnsupported}
	}

	return cw.CloseWrite()
}

func (c *conn) Close() error {
	c.closeOnce.Do(func() { c.l.remove(c) })

	return c.Conn.Close()
}

func (c *conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// side is the deadline of one direction of a connection.
type side struct {
	mu sync.Mutex

	// want is the deadline in Unix nanoseconds, 0 for none.
	want int64

	// waiters counts the calls of this side in progress.
	waiters int

	// fired reports that the socket's deadline of this side is set in
	// the past, so that its calls end at once.
	fired bool
}

// set records the deadline t and, if a call is waiting and t has passed,
// ends it at once. A waiting call whose deadline moved later is ended by
// nothing until the sweeper finds its new deadline passed.
func (s *side) set(t time.Time, now int64, apply func(time.Time) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.want = nanos(t)

	if s.waiters > 0 && !s.fired && s.expired(now) {
		s.fired = true
		return apply(past)
	}

	return nil
}

// begin starts a call: it fails at once if the deadline has passed, and
// otherwise clears a deadline that ended an earlier call.
func (s *side) begin(now int64, apply func(time.Time) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.expired(now) {
		return os.ErrDeadlineExceeded
	}

	if s.fired {
		if err := apply(time.Time{}); err != nil {
			return err
		}

		s.fired = false
	}

	s.waiters++

	return nil
}

// end finishes a call that returned err and reports whether to make the
// call again. Only a deadline put in the past by this package times a
// call out, so a timeout whose deadline has not passed means the deadline
// moved later, or was removed, after it fired.
func (s *side) end(err error, now int64, apply func(time.Time) error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.waiters--

	if !errors.Is(err, os.ErrDeadlineExceeded) || s.expired(now) {
		return false
	}

	// Another call that the same firing ended may have cleared it first.
	if s.fired {
		if apply(time.Time{}) != nil {
			return false
		}

		s.fired = false
	}

	return true
}

// sweep ends the waiting call of s if its deadline has passed.
func (s *side) sweep(now int64, apply func(time.Time) error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.waiters > 0 && !s.fired && s.expired(now) {
		// An error means the connection is closed, and so is the call.
		if apply(past) == nil {
			s.fired = true
		}
	}
}

func (s *side) expired(now int64) bool {
	return s.want != 0 && s.want <= now
}

// nanos converts a deadline to Unix nanoseconds, keeping 0 for "none" and
// mapping every time at or before 1970 to the earliest deadline, 1.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}

	return max(1, t.UnixNano())
}
