package deadline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/scopegate/scopegate/internal/waittest"
)

const testTick = 10 * time.Millisecond

// pair returns the server side of a connection accepted by a Listener with
// the test tick, and the client side that dialled it.
func pair(t testing.TB) (*Listener, net.Conn, net.Conn) {
	t.Helper()

	return pairWithTick(t, testTick)
}

// pairWithTick is pair with the given tick. A tick of an hour keeps the
// sweeper still, so that a test can run its steps by hand.
func pairWithTick(t testing.TB, tick time.Duration) (*Listener, net.Conn, net.Conn) {
	t.Helper()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	l := Wrap(ln, tick)
	t.Cleanup(func() { _ = l.Close() })

	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })

	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })

	return l, server, client
}

func assertTimeout(t *testing.T, err error) {
	t.Helper()

	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("error = %v, want one wrapping os.ErrDeadlineExceeded", err)
	}

	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Fatalf("error = %v, want a net.Error whose Timeout() is true", err)
	}
}

func TestReadDeadlineFires(t *testing.T) {
	_, server, _ := pair(t)

	const wait = 50 * time.Millisecond

	start := time.Now()
	if err := server.SetReadDeadline(start.Add(wait)); err != nil {
		t.Fatal(err)
	}

	done := make(chan result, 1)
	go func() {
		n, err := server.Read(make([]byte, 1))
		done <- result{n, err}
	}()

	r := waittest.Receive(t, done, "the Read to time out")
	elapsed := time.Since(start)

	if r.n != 0 {
		t.Errorf("Read = %d bytes, want 0", r.n)
	}

	assertTimeout(t, r.err)

	// Never early; late by about a tick, with room for a loaded machine.
	if elapsed < wait || elapsed > wait+2*time.Second {
		t.Errorf("Read timed out after %v, want between %v and %v", elapsed, wait, wait+2*time.Second)
	}
}

func TestReadPastDeadlineFailsEvenWithData(t *testing.T) {
	_, server, client := pair(t)

	if _, err := client.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}

	if err := server.SetReadDeadline(past); err != nil {
		t.Fatal(err)
	}

	_, err := server.Read(make([]byte, 1))
	assertTimeout(t, err)

	// Clearing the deadline makes the byte readable.
	if err := server.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}

	buf := make([]byte, 1)
	if n, err := server.Read(buf); n != 1 || err != nil || buf[0] != 'x' {
		t.Fatalf("Read = %d, %v, %q; want 1, nil, \"x\"", n, err, buf[:n])
	}
}

// TestPastDeadlineEndsWaitingRead follows what net/http does to stop its
// background read: a deadline in the past must end the read at once, not
// at the next tick, and clearing it must let the next read wait for data.
func TestPastDeadlineEndsWaitingRead(t *testing.T) {
	l := Wrap(nil, time.Hour) // a tick that never comes

	a, b := net.Pipe()
	t.Cleanup(func() { _ = a.Close(); _ = b.Close() })

	server := &conn{Conn: a, l: l}

	done := make(chan error, 1)
	go func() {
		_, err := server.Read(make([]byte, 1))
		done <- err
	}()

	waitUntilWaiting(t, &server.read)

	if err := server.SetReadDeadline(past); err != nil {
		t.Fatal(err)
	}

	select {
	case err := <-done:
		assertTimeout(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Read still waits 5 s after its deadline was set in the past")
	}

	if err := server.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}

	go func() { _, _ = b.Write([]byte("y")) }()

	buf := make([]byte, 1)
	if n, err := server.Read(buf); n != 1 || err != nil || buf[0] != 'y' {
		t.Fatalf("Read after clearing the deadline = %d, %v; want 1 byte and no error", n, err)
	}
}

// TestReadDeadlineMovedLaterWhileWaiting checks that a sweep past a moved
// deadline leaves the read waiting. The test sweeps by hand, so that a
// stall between its steps cannot let the first deadline fire.
func TestReadDeadlineMovedLaterWhileWaiting(t *testing.T) {
	l, server, client := pairWithTick(t, time.Hour)
	c := server.(*conn)

	first := time.Now().Add(30 * time.Millisecond)
	if err := server.SetReadDeadline(first); err != nil {
		t.Fatal(err)
	}

	done := make(chan result, 1)
	go func() {
		n, err := server.Read(make([]byte, 1))
		done <- result{n, err}
	}()

	waitUntilWaiting(t, &c.read)

	if err := server.SetReadDeadline(time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	c.read.sweep(l.nanos(first.Add(time.Second)), c.Conn.SetReadDeadline)

	if f := firings(&c.read); f != 0 {
		t.Fatalf("a sweep past the first deadline fired %d times, want 0: the deadline had moved an hour later", f)
	}

	if _, err := client.Write([]byte("z")); err != nil {
		t.Fatal(err)
	}

	r := waittest.Receive(t, done, "the Read to return")
	if r.n != 1 || r.err != nil {
		t.Fatalf("Read = %d, %v; want 1 byte and no error", r.n, r.err)
	}
}

// TestReadDeadlineMovedAfterFiring covers a deadline moved after the
// sweeper has ended the call but before the call saw it: the call must go
// on waiting.
func TestReadDeadlineMovedAfterFiring(t *testing.T) {
	_, server, client := pair(t)
	c := server.(*conn)

	// Pretend the sweeper ended a call, then the deadline moved.
	c.read.mu.Lock()
	c.read.fired = true
	c.read.mu.Unlock()

	if err := c.Conn.SetReadDeadline(past); err != nil {
		t.Fatal(err)
	}

	if err := server.SetReadDeadline(time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	go func() {
		time.Sleep(5 * testTick)
		_, _ = client.Write([]byte("w"))
	}()

	buf := make([]byte, 1)
	if n, err := server.Read(buf); n != 1 || err != nil {
		t.Fatalf("Read = %d, %v; want 1 byte and no error", n, err)
	}
}

// TestTwoCallsRetryAfterFiring covers two calls ended by one firing whose
// deadline then moved later: both must be made again, though only the
// first to finish clears the socket's deadline.
func TestTwoCallsRetryAfterFiring(t *testing.T) {
	var s side

	var applied []time.Time
	apply := func(t time.Time) error {
		applied = append(applied, t)
		return nil
	}

	const now = int64(time.Hour)

	var firings [2]uint64
	for i := range firings {
		var err error
		if firings[i], err = s.begin(now, apply); err != nil {
			t.Fatal(err)
		}
	}

	if err := s.set(now-1, now, apply); err != nil {
		t.Fatal(err)
	}

	if len(applied) != 1 || !applied[0].Equal(past) {
		t.Fatalf("a passed deadline with calls waiting applied %v, want [%v]", applied, past)
	}

	if err := s.set(now+int64(time.Hour), now, apply); err != nil {
		t.Fatal(err)
	}

	for i := range firings {
		if !s.end(firings[i], os.ErrDeadlineExceeded, now, apply) {
			t.Errorf("call %d: end = false, want true: the deadline moved later after it fired", i+1)
		}
	}

	if len(applied) != 2 || !applied[1].IsZero() {
		t.Errorf("applied %v, want the socket's deadline cleared once", applied)
	}
}

func TestEndReturnsTimeoutWithoutFiring(t *testing.T) {
	var s side

	apply := func(time.Time) error { return nil }

	const now = int64(time.Hour)

	firings, err := s.begin(now, apply)
	if err != nil {
		t.Fatal(err)
	}

	// A timeout that no firing caused, from the wrapped connection.
	if s.end(firings, os.ErrDeadlineExceeded, now, apply) {
		t.Error("end = true for a timeout with no firing, want false: the call would spin")
	}
}

func TestEndReturnsPassedDeadline(t *testing.T) {
	var s side

	apply := func(time.Time) error { return nil }

	const now = int64(time.Hour)

	if err := s.set(now+1, now, apply); err != nil {
		t.Fatal(err)
	}

	firings, err := s.begin(now, apply)
	if err != nil {
		t.Fatal(err)
	}

	s.sweep(now+1, apply)

	if s.end(firings, os.ErrDeadlineExceeded, now+1, apply) {
		t.Error("end = true for a deadline that has passed, want false")
	}
}

func TestWriteDeadlineFires(t *testing.T) {
	_, server, _ := pair(t)
	c := server.(*conn)

	// The client never reads, so the buffers fill and the write waits.
	big := make([]byte, 64<<20)

	done := make(chan result, 1)
	go func() {
		n, err := server.Write(big)
		done <- result{n, err}
	}()

	// The deadline is set once the write has begun, so that a goroutine
	// started late cannot find it passed and write nothing.
	waitUntilWaiting(t, &c.write)

	if err := server.SetWriteDeadline(time.Now().Add(500 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}

	r := waittest.Receive(t, done, "the Write to time out")
	assertTimeout(t, r.err)

	if r.n <= 0 || r.n >= len(big) {
		t.Errorf("Write = %d bytes, want some but not all of %d", r.n, len(big))
	}
}

// TestWriteDeadlineMovedLaterWhileWaiting checks that a write whose
// deadline fired and then moved later carries on and loses no byte. The
// firing and the move happen under one lock, so the write cannot end
// between them.
func TestWriteDeadlineMovedLaterWhileWaiting(t *testing.T) {
	l, server, client := pairWithTick(t, time.Hour)
	c := server.(*conn)

	// More than the socket buffers of both ends hold, so that the write
	// waits for the client to read.
	big := make([]byte, 16<<20)
	for i := range big {
		big[i] = byte(i)
	}

	first := time.Now().Add(30 * time.Millisecond)
	if err := server.SetWriteDeadline(first); err != nil {
		t.Fatal(err)
	}

	done := make(chan result, 1)
	go func() {
		n, err := server.Write(big)
		done <- result{n, err}
	}()

	waitUntilWaiting(t, &c.write)

	// What the sweeper does past the first deadline, then the move.
	c.write.mu.Lock()
	err := c.write.fire(c.Conn.SetWriteDeadline)
	c.write.want = l.nanos(time.Now().Add(time.Hour))
	c.write.mu.Unlock()

	if err != nil {
		t.Fatal(err)
	}

	if err := client.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}

	got, err := io.ReadAll(io.LimitReader(client, int64(len(big))))
	if err != nil {
		t.Fatalf("the client read %d of %d bytes: %v", len(got), len(big), err)
	}

	r := waittest.Receive(t, done, "the Write to return")
	if r.n != len(big) || r.err != nil {
		t.Fatalf("Write = %d, %v; want %d and no error", r.n, r.err, len(big))
	}

	if fired(&c.write) {
		t.Error("the socket's write deadline is still in the past: the write was not made again")
	}

	for i := range got {
		if got[i] != big[i] {
			t.Fatalf("byte %d = %d, want %d: a retried write lost or repeated data", i, got[i], big[i])
		}
	}
}

func TestSetDeadlineSetsBoth(t *testing.T) {
	_, server, _ := pair(t)

	if err := server.SetDeadline(past); err != nil {
		t.Fatal(err)
	}

	_, err := server.Read(make([]byte, 1))
	assertTimeout(t, err)

	_, err = server.Write([]byte("x"))
	assertTimeout(t, err)
}

func TestCloseWrite(t *testing.T) {
	_, server, client := pair(t)

	cw, ok := server.(interface{ CloseWrite() error })
	if !ok {
		t.Fatal("the accepted connection has no CloseWrite method")
	}

	if _, err := server.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}

	if err := cw.CloseWrite(); err != nil {
		t.Fatal(err)
	}

	got, err := io.ReadAll(client)
	if err != nil || string(got) != "bye" {
		t.Fatalf("client read %q, %v; want \"bye\" then EOF", got, err)
	}
}

func TestSweeperStopsWithoutConnections(t *testing.T) {
	l, server, _ := pair(t)

	if !sweeping(l) {
		t.Fatal("no sweeper runs while a connection is open")
	}

	if err := server.Close(); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(5 * time.Second)
	for sweeping(l) {
		if time.Now().After(deadline) {
			t.Fatal("the sweeper still runs 5 s after the last connection closed")
		}

		time.Sleep(testTick)
	}
}

func TestNanos(t *testing.T) {
	l := Wrap(nil, 0)

	tests := []struct {
		name string
		in   time.Time
		want int64
	}{
		{"zero time", time.Time{}, 0},
		{"base", l.base, 1},
		{"1970", time.Unix(0, 0), 1},
		{"1600", time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), 1},
		{"base plus 1 s", l.base.Add(time.Second), int64(time.Second)},
		{"year 3000", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
		{"now plus the longest duration", time.Now().Add(math.MaxInt64), math.MaxInt64},
	}

	for _, tt := range tests {
		if got := l.nanos(tt.in); got != tt.want {
			t.Errorf("%s: nanos(%v) = %d, want %d", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestHTTPServer runs net/http on a wrapped listener: keep-alive requests
// on one connection, a client that never finishes its headers, and an idle
// connection, each with the timeout that must end it.
func TestHTTPServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, r.URL.Path)
		}),
		ReadHeaderTimeout: time.Second,
		ReadTimeout:       time.Second,
		WriteTimeout:      2 * time.Second,
		IdleTimeout:       2 * time.Second,
	}

	go func() { _ = srv.Serve(Wrap(ln, testTick)) }()
	t.Cleanup(func() { _ = srv.Close() })

	addr := ln.Addr().String()

	t.Run("keep-alive", func(t *testing.T) {
		c := dial(t, addr)
		r := bufio.NewReader(c)

		for i := range 200 {
			path := fmt.Sprintf("/%d", i)
			fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", path)

			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}

			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK || string(body) != path {
				t.Fatalf("request %d: %d %q %v; want 200 %q", i, resp.StatusCode, body, err, path)
			}
		}
	})

	t.Run("slow headers", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: te")

		assertClosedWithin(t, c, 10*time.Second)
	})

	t.Run("idle", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprint(c, "GET /idle HTTP/1.1\r\nHost: test\r\n\r\n")

		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("response: %v", err)
		}
		_ = resp.Body.Close()

		assertClosedWithin(t, c, 10*time.Second)
	})
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })

	return c
}

// assertClosedWithin reads c until the server closes it, and fails if that
// takes longer than limit.
func assertClosedWithin(t *testing.T, c net.Conn, limit time.Duration) {
	t.Helper()

	if err := c.SetReadDeadline(time.Now().Add(limit)); err != nil {
		t.Fatal(err)
	}

	_, err := io.Copy(io.Discard, c)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("the server did not close the connection within %v: %v", limit, err)
	}
}

func waitUntilWaiting(t *testing.T, s *side) {
	t.Helper()

	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		waiting := s.waiters > 0
		s.mu.Unlock()

		if waiting {
			return
		}

		if time.Now().After(deadline) {
			t.Fatal("the call did not start within 5 s")
		}

		time.Sleep(time.Millisecond)
	}
}

func sweeping(l *Listener) bool {
	l.mu.Lock()
	defer l.mu.Unlock()

	return l.sweeping
}

// result is what a Read or Write made in a goroutine returned.
type result struct {
	n   int
	err error
}

func firings(s *side) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()

	return s.firings
}

func fired(s *side) bool {
	s.mu.Lock()
	defer s.mu.Unlock()

	return s.fired
}
