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
// never early. The clock is monotonic, so a change of the system's time
// moves no deadline.
//
// Wrap a listener of plain connections, such as TCP. For TLS, put the TLS
// listener on top of this one, so that net/http still gets a *tls.Conn.
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

	// base is the origin of the listener's clock: deadlines and now are
	// nanoseconds since base, read on the monotonic clock.
	base time.Time

	// now is the time of the last tick or later, the clock that the
	// connections read instead of calling time.Now.
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

	// A base one second back keeps every reading of the clock above 1,
	// the value of every deadline at or before base.
	l := &Listener{
		Listener: ln,
		tick:     tick,
		base:     time.Now().Add(-time.Second),
		conns:    make(map[*conn]struct{}),
	}
	l.advance()

	return l
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

// advance moves the listener's clock to the current time and returns the
// clock. It never moves the clock back, whichever of two calls stores last.
func (l *Listener) advance() int64 {
	now := int64(time.Since(l.base))

	for {
		old := l.now.Load()
		if old >= now {
			return old
		}

		if l.now.CompareAndSwap(old, now) {
			return now
		}
	}
}

// nanos converts the deadline t to the listener's clock. The zero time,
// no deadline, is 0, and every time at or before base is 1. Times too far
// off to count in nanoseconds saturate, as [time.Time.Sub] does.
func (l *Listener) nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}

	return max(1, int64(t.Sub(l.base)))
}

// nowFor returns the clock to compare the new deadline want with. Whether
// a deadline less than a tick after the clock has passed only the current
// time can tell, so the clock is advanced for it. Other deadlines, such as
// the ones net/http sets in 1970 or seconds ahead, need no clock reading.
func (l *Listener) nowFor(want int64) int64 {
	now := l.now.Load()
	if want > now && want-now <= int64(l.tick) {
		now = l.advance()
	}

	return now
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
	l.advance()

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
		now := l.advance()

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
	closed    atomic.Bool
}

func (c *conn) Read(p []byte) (int, error) {
	for {
		firings, err := c.read.begin(c.l.now.Load(), c.Conn.SetReadDeadline)
		if err != nil {
			return 0, c.beginError("read", err)
		}

		n, err := c.Conn.Read(p)

		retry := c.read.end(firings, err, c.l.now.Load(), c.Conn.SetReadDeadline)
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
		firings, err := c.write.begin(c.l.now.Load(), c.Conn.SetWriteDeadline)
		if err != nil {
			return written, c.beginError("write", err)
		}

		n, err := c.Conn.Write(p[written:])
		written += n

		if !c.write.end(firings, err, c.l.now.Load(), c.Conn.SetWriteDeadline) {
			return written, err
		}
	}
}

func (c *conn) SetDeadline(t time.Time) error {
	return errors.Join(c.SetReadDeadline(t), c.SetWriteDeadline(t))
}

func (c *conn) SetReadDeadline(t time.Time) error {
	return c.setDeadline(&c.read, t, c.Conn.SetReadDeadline)
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	return c.setDeadline(&c.write, t, c.Conn.SetWriteDeadline)
}

func (c *conn) setDeadline(s *side, t time.Time, apply func(time.Time) error) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}

	want := c.l.nanos(t)

	return s.set(want, c.l.nowFor(want), apply)
}

// CloseWrite shuts down the writing side of a TCP connection, which
// net/http uses to close a connection gracefully.
func (c *conn) CloseWrite() error {
	cw, ok := c.Conn.(interface{ CloseWrite() error })
	if !ok {
		return c.opError("close", errors.ErrUnsupported)
	}

	return cw.CloseWrite()
}

func (c *conn) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.l.remove(c)
	})

	return c.Conn.Close()
}

// beginError returns the error of a call that begin stopped: a timeout in
// the form the connection's own calls use, or the error of clearing a
// deadline as it is.
func (c *conn) beginError(op string, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return c.opError(op, err)
	}

	return err
}

func (c *conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// side is the deadline of one direction of a connection.
type side struct {
	mu sync.Mutex

	// want is the deadline on the listener's clock, 0 for none.
	want int64

	// waiters counts the calls of this side in progress.
	waiters int

	// fired reports that the socket's deadline of this side is set in
	// the past, so that its calls end at once.
	fired bool

	// firings counts the times the socket's deadline was set in the past,
	// so that a call can tell whether its timeout came from this package.
	firings uint64
}

// set records the deadline want and, if a call is waiting and want has
// passed, ends it at once. A waiting call whose deadline moved later is
// ended by nothing until the sweeper finds its new deadline passed.
func (s *side) set(want, now int64, apply func(time.Time) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.want = want

	if s.waiters > 0 && !s.fired && s.expired(now) {
		return s.fire(apply)
	}

	return nil
}

// begin starts a call: it fails at once if the deadline has passed, and
// otherwise clears a deadline that ended an earlier call. It returns the
// count of firings for end.
func (s *side) begin(now int64, apply func(time.Time) error) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.expired(now) {
		return 0, os.ErrDeadlineExceeded
	}

	if s.fired {
		if err := apply(time.Time{}); err != nil {
			return 0, err
		}

		s.fired = false
	}

	s.waiters++

	return s.firings, nil
}

// end finishes a call that began at the given count of firings and
// returned err, and reports whether to make the call again. That is the
// case when a firing during the call timed it out and its deadline has
// since moved later or been removed. A timeout without a firing comes from
// the wrapped connection itself and is returned, so a call cannot spin.
func (s *side) end(firings uint64, err error, now int64, apply func(time.Time) error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.waiters--

	if s.firings == firings || !errors.Is(err, os.ErrDeadlineExceeded) || s.expired(now) {
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

// sweep ends the waiting calls of s if their deadline has passed.
func (s *side) sweep(now int64, apply func(time.Time) error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.waiters > 0 && !s.fired && s.expired(now) {
		// An error means the connection is closed, and so are its calls.
		_ = s.fire(apply)
	}
}

// fire sets the socket's deadline in the past. s.mu must be held.
func (s *side) fire(apply func(time.Time) error) error {
	if err := apply(past); err != nil {
		return err
	}

	s.fired = true
	s.firings++

	return nil
}

func (s *side) expired(now int64) bool {
	return s.want != 0 && s.want <= now
}
