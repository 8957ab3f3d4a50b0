package deadline

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/internal/waittest"
)

// slack is how late a deadline may fire in these tests. It is a tick plus
// room for a stall of a second or more, as on a shared CI machine that runs
// the race detector and other packages at the same time.
const slack = 2 * time.Second

// longTimeout is a server timeout that keeps deadlines on the connections
// but cannot pass during a test, for the tests that are not about timeouts.
const longTimeout = time.Minute

// waitLimit is how long a test waits on a connection for something that
// comes at once when the code works, such as a response or the server's
// close. Reaching it fails the test instead of hanging it.
const waitLimit = 5 * time.Second

// serveHTTP serves srv on a wrapped listener on 127.0.0.1 and returns the
// listener and its address. Cleanup closes the server and checks that it
// left no connection in the listener's map and no sweeper running.
func serveHTTP(t *testing.T, srv *http.Server, tick time.Duration) (*Listener, string) {
	t.Helper()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	l := Wrap(ln, tick)

	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()

	t.Cleanup(func() {
		_ = srv.Close()
		waittest.Receive(t, served, "Serve to return after Close")
		assertNoConns(t, l)
	})

	return l, ln.Addr().String()
}

// assertNoConns waits for the listener to forget all its connections and
// for its sweeper to stop, as they must once every connection is closed.
// A sweeper stops at its next tick, so a long tick lets it outlive the
// test, and only the connections are checked then.
func assertNoConns(t *testing.T, l *Listener) {
	t.Helper()

	limit := time.Now().Add(waitLimit)
	for {
		l.mu.Lock()
		open, running := len(l.conns), l.sweeping && l.tick <= testTick
		l.mu.Unlock()

		if open == 0 && !running {
			return
		}

		if time.Now().After(limit) {
			t.Errorf("%v after the server closed, the listener holds %d connections (sweeper running: %v)", waitLimit, open, running)
			return
		}

		time.Sleep(testTick)
	}
}

// assertOpError checks err the way net/http and its callers do: by a type
// assertion to *net.OpError and net.Error, not only with errors.As.
func assertOpError(t *testing.T, err error, op string) {
	t.Helper()

	assertTimeout(t, err)

	opErr, ok := err.(*net.OpError)
	if !ok {
		t.Fatalf("error = %T %v, want a *net.OpError itself", err, err)
	}

	if opErr.Op != op || opErr.Net != "tcp" || opErr.Addr == nil || opErr.Source == nil {
		t.Errorf("error = %+v, want Op %q, Net \"tcp\" and both addresses", opErr, op)
	}

	if netErr, ok := err.(net.Error); !ok || !netErr.Timeout() {
		t.Errorf("error = %v, want a net.Error whose Timeout() is true", err)
	}
}

// assertBetween checks that a deadline fired no earlier than want and no
// later than want plus slack.
func assertBetween(t *testing.T, event string, elapsed, want time.Duration) {
	t.Helper()

	if elapsed < want || elapsed > want+slack {
		t.Errorf("%s after %v, want between %v and %v", event, elapsed, want, want+slack)
	}
}

// readResponse reads a response from r, which buffers the client
// connection c, and fails the test if it does not come within waitLimit.
func readResponse(t *testing.T, c net.Conn, r *bufio.Reader) (int, string) {
	t.Helper()

	status, body, err := tryReadResponse(c, r)
	if err != nil {
		t.Fatal(err)
	}

	return status, body
}

// tryReadResponse is readResponse returning its error, for a caller that
// adds what the failure means.
func tryReadResponse(c net.Conn, r *bufio.Reader) (int, string, error) {
	limitRead(c)

	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return 0, "", fmt.Errorf("reading the response, for at most %v: %w", waitLimit, err)
	}

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", fmt.Errorf("reading the response body, for at most %v: %w", waitLimit, err)
	}

	return resp.StatusCode, string(body), nil
}

// limitRead puts the read deadline of the client connection c waitLimit
// ahead. An error would come back from the next read as well, so it is
// dropped here.
func limitRead(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
}

// echo writes back the request's method, path and body.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, body)
})

// TestHTTPSlowRequestBody sends a body a byte at a time, slower than
// ReadTimeout allows: the handler's read must time out with the error
// net/http would get from a plain socket.
func TestHTTPSlowRequestBody(t *testing.T) {
	const readTimeout = 150 * time.Millisecond

	got := make(chan error, 1)
	srv := &http.Server{
		ReadTimeout: readTimeout,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err := io.ReadAll(r.Body)
			got <- err
		}),
	}

	_, addr := serveHTTP(t, srv, testTick)

	start := time.Now()
	c := dial(t, addr)
	fmt.Fprint(c, "POST /slow HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n")

	// Trickle the body until the server gives up on it.
	go func() {
		for range 100 {
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}

			time.Sleep(testTick)
		}
	}()

	select {
	case err := <-got:
		assertBetween(t, "the body read timed out", time.Since(start), readTimeout)
		assertOpError(t, err, "read")
	case <-time.After(readTimeout + slack + time.Second):
		t.Fatalf("the body read still waits %v after ReadTimeout", slack+time.Second)
	}
}

// TestHTTPSlowResponseReader has a client that never reads a large
// response: WriteTimeout must end the handler's writes, and the server
// must then close the connection.
func TestHTTPSlowResponseReader(t *testing.T) {
	const writeTimeout = 150 * time.Millisecond

	got := make(chan error, 1)
	srv := &http.Server{
		WriteTimeout: writeTimeout,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			chunk := make([]byte, 64<<10)

			// 64 MiB is far more than the socket buffers hold.
			for range 1024 {
				if _, err := w.Write(chunk); err != nil {
					got <- err
					return
				}
			}

			got <- nil
		}),
	}

	_, addr := serveHTTP(t, srv, testTick)

	start := time.Now()
	c := dial(t, addr)
	fmt.Fprint(c, "GET /large HTTP/1.1\r\nHost: test\r\n\r\n")

	select {
	case err := <-got:
		assertBetween(t, "the response write timed out", time.Since(start), writeTimeout)
		assertOpError(t, err, "write")
	case <-time.After(writeTimeout + slack + time.Second):
		t.Fatalf("the response write still waits %v after WriteTimeout", slack+time.Second)
	}

	// What the client finally reads ends with the server closing.
	assertClosedWithin(t, c, waitLimit)
}

// TestHTTPPipelined sends several requests, one with a body, in a single
// write: each response must come back whole and in order, though net/http
// reads the next request's first byte in its background read.
func TestHTTPPipelined(t *testing.T) {
	srv := &http.Server{Handler: echo, ReadTimeout: longTimeout, WriteTimeout: longTimeout}
	_, addr := serveHTTP(t, srv, testTick)

	c := dial(t, addr)

	var batch strings.Builder
	for i := range 20 {
		if i%5 == 2 {
			fmt.Fprintf(&batch, "POST /%d HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\n\r\nbody", i)
			continue
		}

		fmt.Fprintf(&batch, "GET /%d HTTP/1.1\r\nHost: test\r\n\r\n", i)
	}

	if _, err := io.WriteString(c, batch.String()); err != nil {
		t.Fatal(err)
	}

	r := bufio.NewReader(c)
	for i := range 20 {
		want := fmt.Sprintf("GET /%d ", i)
		if i%5 == 2 {
			want = fmt.Sprintf("POST /%d body", i)
		}

		if status, body := readResponse(t, c, r); status != http.StatusOK || body != want {
			t.Fatalf("response %d = %d %q, want 200 %q", i, status, body, want)
		}
	}
}

// TestHTTPExpectContinue sends its body only after the server's
// "100 Continue", as a careful client does.
func TestHTTPExpectContinue(t *testing.T) {
	srv := &http.Server{Handler: echo, ReadTimeout: longTimeout, WriteTimeout: longTimeout}
	_, addr := serveHTTP(t, srv, testTick)

	c := dial(t, addr)
	r := bufio.NewReader(c)

	fmt.Fprint(c, "PUT /upload HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")

	limitRead(c)

	interim, err := http.ReadResponse(r, nil)
	if err != nil || interim.StatusCode != http.StatusContinue {
		t.Fatalf("interim response: %v, %v; want 100 Continue", interim, err)
	}

	fmt.Fprint(c, "hello")

	if status, body := readResponse(t, c, r); status != http.StatusOK || body != "PUT /upload hello" {
		t.Fatalf("response = %d %q, want 200 \"PUT /upload hello\"", status, body)
	}
}

// TestHTTP10 checks that an HTTP/1.0 request without keep-alive gets its
// response and then the end of the connection, and that one asking for
// keep-alive can send a second request.
func TestHTTP10(t *testing.T) {
	srv := &http.Server{Handler: echo, ReadTimeout: longTimeout, WriteTimeout: longTimeout}
	_, addr := serveHTTP(t, srv, testTick)

	t.Run("close", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprint(c, "GET /old HTTP/1.0\r\n\r\n")

		r := bufio.NewReader(c)
		if status, body := readResponse(t, c, r); status != http.StatusOK || body != "GET /old " {
			t.Fatalf("response = %d %q, want 200 \"GET /old \"", status, body)
		}

		assertClosedWithin(t, c, waitLimit)
	})

	t.Run("keep-alive", func(t *testing.T) {
		c := dial(t, addr)
		r := bufio.NewReader(c)

		for i := range 2 {
			fmt.Fprintf(c, "GET /%d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", i)

			want := fmt.Sprintf("GET /%d ", i)
			if status, body := readResponse(t, c, r); status != http.StatusOK || body != want {
				t.Fatalf("response %d = %d %q, want 200 %q", i, status, body, want)
			}
		}
	})
}

// TestHTTPClientGoneCancelsContext closes the client while its handler
// waits: net/http's background read must see the end of the connection
// and cancel the request's context.
func TestHTTPClientGoneCancelsContext(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan error, 1)

	// A read that times out also cancels the context, so the server's
	// timeouts must not pass during the test. Only the client leaving may
	// cancel it here.
	srv := &http.Server{
		ReadTimeout:  longTimeout,
		WriteTimeout: longTimeout,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)

			<-r.Context().Done()
			cancelled <- r.Context().Err()
		}),
	}

	_, addr := serveHTTP(t, srv, testTick)

	c := dial(t, addr)
	fmt.Fprint(c, "GET /wait HTTP/1.1\r\nHost: test\r\n\r\n")
	waittest.Receive(t, started, "the request to reach the handler")

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	err := waittest.Receive(t, cancelled, "the handler's context to end after the client left")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the handler's context ended with %v, want context.Canceled", err)
	}
}

// TestHTTPAbortPendingReadWithoutTick serves keep-alive requests and a
// hijack on a listener whose sweeper never ticks. After each request, and
// before a hijack, net/http ends its background read with a deadline in
// the past and waits for it, so each step would hang if such a deadline
// waited for the sweeper.
func TestHTTPAbortPendingReadWithoutTick(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/", echo)
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		c, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()

		fmt.Fprint(rw, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		_ = rw.Flush()
	})

	srv := &http.Server{Handler: mux}
	_, addr := serveHTTP(t, srv, time.Hour)

	c := dial(t, addr)
	r := bufio.NewReader(c)

	for i := range 50 {
		fmt.Fprintf(c, "POST /%d HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\n%d", i, i%10)

		want := fmt.Sprintf("POST /%d %d", i, i%10)
		status, body, err := tryReadResponse(c, r)
		if err != nil {
			t.Fatalf("request %d: %v (a past deadline may have waited for the hour-long tick)", i, err)
		}

		if status != http.StatusOK || body != want {
			t.Fatalf("response %d = %d %q, want 200 %q", i, status, body, want)
		}
	}

	fmt.Fprint(c, "GET /hijack HTTP/1.1\r\nHost: test\r\n\r\n")

	status, body, err := tryReadResponse(c, r)
	if err != nil {
		t.Fatalf("hijack request: %v (a past deadline may have waited for the hour-long tick)", err)
	}

	if status != http.StatusOK || body != "hijacked" {
		t.Errorf("hijacked response = %d %q, want 200 \"hijacked\"", status, body)
	}
}

// TestHTTPHijackedConnKeepsNoServerDeadline hijacks a connection and uses
// it after the server's timeouts have passed: net/http clears its deadlines
// on hijack, so only a deadline the handler sets may end a call, and
// closing the connection must remove it from the listener.
func TestHTTPHijackedConnKeepsNoServerDeadline(t *testing.T) {
	const timeout = 50 * time.Millisecond

	hijacked := make(chan struct{}, 1)
	proceed := make(chan struct{})
	handlerErr := make(chan error, 1)
	srv := &http.Server{
		ReadTimeout:  timeout,
		WriteTimeout: timeout,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			handlerErr <- useHijacked(w, hijacked, proceed, timeout)
		}),
	}

	l, addr := serveHTTP(t, srv, testTick)

	c := dial(t, addr)
	fmt.Fprint(c, "GET /hijack HTTP/1.1\r\nHost: test\r\n\r\n")

	select {
	case <-hijacked:
	case err := <-handlerErr:
		t.Fatalf("the handler returned before the test went on: %v", err)
	case <-time.After(waitLimit):
		t.Fatalf("the handler has not hijacked the connection within %v", waitLimit)
	}

	// net/http sets its ReadTimeout and WriteTimeout deadlines while it
	// reads the request, before the handler hijacks. Both have passed on
	// the listener's clock once it reaches this time. A deadline left on
	// the connection would then fail the handler's next call at once,
	// however late the goroutines run.
	waitForClock(t, l, time.Now().Add(timeout))
	fmt.Fprint(c, "ping\n")
	close(proceed)

	if err := waittest.Receive(t, handlerErr, "the handler to return"); err != nil {
		t.Fatal(err)
	}

	limitRead(c)

	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "pong\n" {
		t.Fatalf("read %q, %v; want \"pong\\n\"", line, err)
	}
}

// useHijacked hijacks the connection and reports it on hijacked. Once
// proceed is closed, it replies "pong" to "ping" and then checks that a
// deadline of its own still ends a read.
func useHijacked(w http.ResponseWriter, hijacked chan<- struct{}, proceed <-chan struct{}, timeout time.Duration) error {
	c, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return fmt.Errorf("hijack: %w", err)
	}
	defer c.Close()

	hijacked <- struct{}{}

	select {
	case <-proceed:
	case <-time.After(waitLimit):
		return fmt.Errorf("the test has not let the handler go on within %v", waitLimit)
	}

	line, err := rw.ReadString('\n')
	if err != nil || line != "ping\n" {
		return fmt.Errorf("read after the server's ReadTimeout: %q, %w; want \"ping\\n\"", line, err)
	}

	if _, err := io.WriteString(c, "pong\n"); err != nil {
		return fmt.Errorf("write after the server's WriteTimeout: %w", err)
	}

	if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return fmt.Errorf("set read deadline: %w", err)
	}

	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("read past the handler's own deadline = %w, want a timeout", err)
	}

	return nil
}

// waitForClock waits until the clock of l, which its deadlines are
// compared with, reaches the time at.
func waitForClock(t *testing.T, l *Listener, at time.Time) {
	t.Helper()

	want := l.nanos(at)
	limit := time.Now().Add(waitLimit)

	for l.now.Load() < want {
		if time.Now().After(limit) {
			t.Fatalf("the listener's clock has not reached %v within %v", at, waitLimit)
		}

		time.Sleep(testTick)
	}
}

// TestHTTPShutdown shuts the server down with one idle and one active
// connection: the idle one closes at once, the active one gets its whole
// response, and then the listener holds no connection.
func TestHTTPShutdown(t *testing.T) {
	release := make(chan struct{})
	inHandler := make(chan struct{})

	mux := http.NewServeMux()
	mux.Handle("/", echo)
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(inHandler)

		// Closing the server closes the connection and so cancels the
		// context, which ends a handler that a failed test never released.
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}

		fmt.Fprint(w, "finished")
	})

	srv := &http.Server{Handler: mux, ReadTimeout: longTimeout, WriteTimeout: longTimeout, IdleTimeout: longTimeout}
	l, addr := serveHTTP(t, srv, testTick)

	idle := dial(t, addr)
	fmt.Fprint(idle, "GET /first HTTP/1.1\r\nHost: test\r\n\r\n")
	readResponse(t, idle, bufio.NewReader(idle))

	active := dial(t, addr)
	fmt.Fprint(active, "GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")
	waittest.Receive(t, inHandler, "the slow request to reach its handler")

	shutdown := make(chan error, 1)
	go func() { shutdown <- srv.Shutdown(context.Background()) }()

	assertClosedWithin(t, idle, waitLimit)
	close(release)

	if status, body := readResponse(t, active, bufio.NewReader(active)); status != http.StatusOK || body != "finished" {
		t.Fatalf("active response = %d %q, want 200 \"finished\"", status, body)
	}

	if err := waittest.Receive(t, shutdown, "Shutdown to return after the last request finished"); err != nil {
		t.Fatal(err)
	}

	assertNoConns(t, l)
}

// TestHTTPCloseForgetsEveryConn closes the server while connections wait
// in each state (mid-headers, in a handler reading a body, in a handler
// waiting, idle, hijacked and left open): every one must leave the
// listener's map, though net/http closes some of them twice.
func TestHTTPCloseForgetsEveryConn(t *testing.T) {
	entered := make(chan struct{}, 3)
	hijacked := make(chan net.Conn, 1)

	var handlers sync.WaitGroup
	handlers.Add(3)

	mux := http.NewServeMux()
	mux.Handle("/", echo)
	mux.HandleFunc("/body", func(w http.ResponseWriter, r *http.Request) {
		defer handlers.Done()

		entered <- struct{}{}
		_, _ = io.ReadAll(r.Body)
	})
	mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
		defer handlers.Done()

		entered <- struct{}{}
		<-r.Context().Done()
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		defer handlers.Done()

		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
		}

		hijacked <- c
		entered <- struct{}{}
	})

	srv := &http.Server{Handler: mux, ReadTimeout: longTimeout, WriteTimeout: longTimeout}
	l, addr := serveHTTP(t, srv, testTick)

	requests := []string{
		"GET / HTTP/1.1\r\nHost: te",
		"POST /body HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc",
		"GET /block HTTP/1.1\r\nHost: test\r\n\r\n",
		"GET /hijack HTTP/1.1\r\nHost: test\r\n\r\n",
	}

	for _, req := range requests {
		c := dial(t, addr)
		fmt.Fprint(c, req)
	}

	idle := dial(t, addr)
	fmt.Fprint(idle, "GET /idle HTTP/1.1\r\nHost: test\r\n\r\n")
	readResponse(t, idle, bufio.NewReader(idle))

	for range 3 {
		waittest.Receive(t, entered, "a request to reach its handler")
	}

	// Every connection but the hijacked one waits in a read. It waits for
	// the rest of its headers or body, in the background read that watches
	// for the client leaving, or for the next request.
	waitForReads(t, l, len(requests)+1, len(requests))

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	handlersDone := make(chan struct{})
	go func() {
		handlers.Wait()
		close(handlersDone)
	}()
	waittest.Receive(t, handlersDone, "the handlers to return after the server closed")

	// net/http leaves a hijacked connection to its handler, which closes
	// it here, after the server.
	if c := waittest.Receive(t, hijacked, "the hijacking handler to send its connection"); c != nil {
		_ = c.Close()
	}

	assertNoConns(t, l)
}

// waitForReads waits until l has exactly open connections and at least
// reading of them wait in a read, so that a test acts on connections in a
// known state.
func waitForReads(t *testing.T, l *Listener, open, reading int) {
	t.Helper()

	limit := time.Now().Add(waitLimit)

	for {
		gotOpen, gotReading := countReads(l)
		if gotOpen == open && gotReading >= reading {
			return
		}

		if time.Now().After(limit) {
			t.Fatalf("after %v, the listener has %d connections, %d of them reading; want %d, at least %d reading",
				waitLimit, gotOpen, gotReading, open, reading)
		}

		time.Sleep(testTick)
	}
}

// countReads returns the number of connections that l has, and how many of
// them wait in a read.
func countReads(l *Listener) (open, reading int) {
	l.mu.Lock()
	conns := make([]*conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()

	for _, c := range conns {
		c.read.mu.Lock()
		if c.read.waiters > 0 {
			reading++
		}
		c.read.mu.Unlock()
	}

	return len(conns), reading
}

// TestTimeoutErrorValues checks the errors of calls ended by a deadline
// that had passed before the call. net/http distinguishes a read error
// from others with a type assertion to *net.OpError and its Op.
func TestTimeoutErrorValues(t *testing.T) {
	_, server, _ := pair(t)

	if err := server.SetDeadline(past); err != nil {
		t.Fatal(err)
	}

	err := callWithinLimit(t, "a read past its deadline", func() error {
		_, err := server.Read(make([]byte, 1))
		return err
	})
	assertOpError(t, err, "read")

	err = callWithinLimit(t, "a write past its deadline", func() error {
		_, err := server.Write([]byte("x"))
		return err
	})
	assertOpError(t, err, "write")
}

// callWithinLimit runs call in a goroutine and returns its error, or fails
// the test if call has not returned within waitLimit. The test's cleanup
// must then end the call, for example by closing its connection. The name
// describes the call in the failure message.
func callWithinLimit(t *testing.T, name string, call func() error) error {
	t.Helper()

	done := make(chan error, 1)
	go func() { done <- call() }()

	return waittest.Receive(t, done, name+" to return")
}

// TestRecentPastDeadlineEndsWaitingRead sets a deadline a millisecond in
// the past, as code that aborts a read with time.Now() does. The read
// waits on a listener whose sweeper never ticks. The deadline has passed,
// so it must end the read at once, though the sweeper's clock is behind.
func TestRecentPastDeadlineEndsWaitingRead(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	l := Wrap(ln, time.Hour)
	t.Cleanup(func() { _ = l.Close() })

	dial(t, ln.Addr().String())

	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })

	done := make(chan error, 1)
	go func() {
		_, err := server.Read(make([]byte, 1))
		done <- err
	}()

	waitUntilWaiting(t, &server.(*conn).read)

	// Let real time move past the sweeper's clock, read at accept.
	time.Sleep(5 * time.Millisecond)

	if err := server.SetReadDeadline(time.Now().Add(-time.Millisecond)); err != nil {
		t.Fatal(err)
	}

	// Cleanup closes the connection, which ends a read that still waits.
	err = waittest.Receive(t, done, "a read to end after its deadline was set 1 ms in the past")
	assertTimeout(t, err)
}

// TestConcurrentReadAndDeadlines streams numbered bytes to a reader while
// another goroutine puts its deadline in the past and clears it, again and
// again. Every call must end, and the bytes read must be the ones written,
// in order.
func TestConcurrentReadAndDeadlines(t *testing.T) {
	_, server, client := pair(t)

	const size = 256 << 10

	go func() {
		buf := make([]byte, 1024)
		for sent := 0; sent < size; sent += len(buf) {
			for i := range buf {
				buf[i] = byte((sent + i) % 251)
			}

			if _, err := client.Write(buf); err != nil {
				return
			}

			time.Sleep(time.Millisecond / 4)
		}
	}()

	stop := toggleDeadline(server.SetReadDeadline)
	defer stop()

	got, timeouts := readAllThroughTimeouts(t, server, size)
	stop()

	for i, b := range got {
		if b != byte(i%251) {
			t.Fatalf("byte %d = %d, want %d: a read lost or repeated data", i, b, i%251)
		}
	}

	t.Logf("%d reads timed out on the way", timeouts)
}

// TestConcurrentWriteAndDeadlines does the same for a writer whose
// deadline flips between the past and an hour ahead: a write that fails
// must report the bytes it did write, so that writing the rest gives the
// reader each byte once.
func TestConcurrentWriteAndDeadlines(t *testing.T) {
	_, server, client := pair(t)

	const size = 8 << 20

	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i % 251)
	}

	type readResult struct {
		got []byte
		err error
	}

	received := make(chan readResult, 1)
	go func() {
		got, err := readWithStallLimit(client, size)
		received <- readResult{got, err}
	}()

	stop := toggleDeadline(func(t time.Time) error {
		if !t.IsZero() {
			return server.SetWriteDeadline(t)
		}

		return server.SetWriteDeadline(time.Now().Add(time.Hour))
	})
	defer stop()

	writeAllThroughTimeouts(t, server, data)
	stop()

	r := waittest.Receive(t, received, "the reader to return")
	if r.err != nil {
		t.Fatalf("the reader got %d of %d bytes: %v", len(r.got), size, r.err)
	}

	for i, b := range r.got {
		if b != data[i] {
			t.Fatalf("byte %d = %d, want %d: a write lost or repeated data", i, b, data[i])
		}
	}
}

// toggleDeadline calls set with a deadline in the past and then with none,
// over and over, until the returned function is called.
func toggleDeadline(set func(time.Time) error) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})

	go func() {
		defer close(done)

		for {
			select {
			case <-quit:
				_ = set(time.Time{})
				return
			default:
			}

			_ = set(past)
			time.Sleep(time.Millisecond / 2)
			_ = set(time.Time{})
			time.Sleep(time.Millisecond)
		}
	}()

	var once sync.Once

	return func() {
		once.Do(func() { close(quit); <-done })
	}
}

// readAllThroughTimeouts reads size bytes from c, going on after reads
// that a deadline ended. It fails if no byte arrives for waitLimit, and
// sets no limit on the total time, which a loaded machine stretches.
func readAllThroughTimeouts(t *testing.T, c net.Conn, size int) ([]byte, int) {
	t.Helper()

	got := make([]byte, 0, size)
	buf := make([]byte, 4096)
	timeouts := 0
	guard := guardStall(t, c)

	for len(got) < size {
		if guard.stalled.Load() {
			t.Fatalf("no byte read for %v, after %d of %d bytes", waitLimit, len(got), size)
		}

		n, err := c.Read(buf)
		got = append(got, buf[:n]...)

		if n > 0 {
			guard.progress()
		}

		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			// Wait for the deadline to clear rather than spin here.
			timeouts++
			time.Sleep(time.Millisecond / 4)
		case err != nil && guard.stalled.Load():
			t.Fatalf("no byte read for %v, after %d of %d bytes", waitLimit, len(got), size)
		case err != nil:
			t.Fatalf("Read after %d bytes: %v", len(got), err)
		}
	}

	return got, timeouts
}

// writeAllThroughTimeouts writes data to c in parts, going on after writes
// that a deadline ended. It fails if no byte goes out for waitLimit.
func writeAllThroughTimeouts(t *testing.T, c net.Conn, data []byte) {
	t.Helper()

	guard := guardStall(t, c)

	for written := 0; written < len(data); {
		if guard.stalled.Load() {
			t.Fatalf("no byte written for %v, after %d of %d bytes", waitLimit, written, len(data))
		}

		n, err := c.Write(data[written:min(written+256<<10, len(data))])
		written += n

		if n > 0 {
			guard.progress()
		}

		switch {
		case err == nil || errors.Is(err, os.ErrDeadlineExceeded):
		case guard.stalled.Load():
			t.Fatalf("no byte written for %v, after %d of %d bytes", waitLimit, written, len(data))
		default:
			t.Fatalf("Write after %d bytes: %v", written, err)
		}
	}
}

// readWithStallLimit reads size bytes from the client connection c. Each
// read waits at most waitLimit, so it returns an error when data stops
// arriving.
func readWithStallLimit(c net.Conn, size int) ([]byte, error) {
	got := make([]byte, 0, size)
	buf := make([]byte, 64<<10)

	for len(got) < size {
		if err := c.SetReadDeadline(time.Now().Add(waitLimit)); err != nil {
			return got, fmt.Errorf("setting the read deadline: %w", err)
		}

		n, err := c.Read(buf[:min(len(buf), size-len(got))])
		got = append(got, buf[:n]...)

		if err != nil {
			return got, fmt.Errorf("read: %w", err)
		}
	}

	return got, nil
}

// stallGuard closes a connection once no progress has been reported for
// waitLimit. That ends a call that would otherwise hang the test, and the
// test then reports the stall.
type stallGuard struct {
	timer   *time.Timer
	stalled atomic.Bool
}

func guardStall(t *testing.T, c net.Conn) *stallGuard {
	g := &stallGuard{}
	g.timer = time.AfterFunc(waitLimit, func() {
		g.stalled.Store(true)
		_ = c.Close()
	})
	t.Cleanup(func() { g.timer.Stop() })

	return g
}

// progress restarts the guard's wait.
func (g *stallGuard) progress() {
	g.timer.Reset(waitLimit)
}

// TestHTTPFarFutureWriteDeadline has a handler put its write deadline
// centuries ahead, its way to say "no limit" for a long download: the
// response must still be written.
func TestHTTPFarFutureWriteDeadline(t *testing.T) {
	srv := &http.Server{
		WriteTimeout: time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(math.MaxInt64)); err != nil {
				t.Error(err)
			}

			fmt.Fprint(w, "unhurried")
		}),
	}

	_, addr := serveHTTP(t, srv, testTick)

	c := dial(t, addr)
	fmt.Fprint(c, "GET /download HTTP/1.1\r\nHost: test\r\n\r\n")

	limitRead(c)

	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no response to a handler with a far future write deadline: %v", err)
	}

	body, err := io.ReadAll(resp.Body)
	if err != nil || string(body) != "unhurried" {
		t.Fatalf("body = %q, %v; want \"unhurried\"", body, err)
	}
}

// TestWrappedTLSWriteAfterTimeoutEnds wraps a TLS listener. A TLS
// connection fails every write after one has timed out, with the same
// timeout error. A later write, with the deadline cleared, must return
// that error rather than retry it for ever.
func TestWrappedTLSWriteAfterTimeoutEnds(t *testing.T) {
	cert, roots := selfSigned(t)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	l := Wrap(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}), testTick)
	t.Cleanup(func() { _ = l.Close() })

	raw := dial(t, ln.Addr().String())
	client := tls.Client(raw, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})

	// The client finishes its handshake and then never reads.
	clientHandshake := make(chan error, 1)
	go func() { clientHandshake <- client.Handshake() }()

	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })

	// Cleanups run in reverse order, so the client closes before the
	// server. The server's close_notify alert then fails at once, instead
	// of waiting for room in the full buffers until crypto/tls gives up
	// after 5 s (Go 1.26, Conn.closeNotify).
	t.Cleanup(func() { _ = raw.Close() })

	handshakeTLS(t, server)
	if err := waittest.Receive(t, clientHandshake, "the client's TLS handshake to finish"); err != nil {
		t.Fatalf("client handshake: %v", err)
	}

	// A large write fills the buffers, and a past deadline then ends it.
	// The deadline is set only once the write is in progress, so that it
	// ends a write and not the handshake, or the call before it starts.
	first := make(chan error, 1)
	go func() {
		_, err := server.Write(make([]byte, 16<<20))
		first <- err
	}()

	waitUntilWaiting(t, &server.(*conn).write)

	if err := server.SetWriteDeadline(past); err != nil {
		t.Fatal(err)
	}

	err = waittest.Receive(t, first, "the first Write to return after its deadline was set in the past")
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("first Write = %v, want a timeout", err)
	}

	if err := server.SetWriteDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := server.Write([]byte("x"))
		done <- err
	}()

	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a write after a TLS write timed out succeeded, want TLS's lasting error")
		}
	case <-time.After(waitLimit):
		// End the spinning write: it stops retrying once the deadline
		// has passed.
		_ = server.SetWriteDeadline(past)

		t.Fatalf("a write on a TLS connection whose last write timed out retried for %v instead of failing", waitLimit)
	}
}

// handshakeTLS runs the server's side of the TLS handshake of c, an
// accepted connection of a Listener that wraps a TLS listener. It fails the
// test if the handshake does not finish within waitLimit.
func handshakeTLS(t *testing.T, c net.Conn) {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()

	if err := c.(*conn).Conn.(*tls.Conn).HandshakeContext(ctx); err != nil {
		t.Fatalf("server handshake, for at most %v: %v", waitLimit, err)
	}
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "deadline test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}

	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}

	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}

	roots := x509.NewCertPool()
	roots.AddCert(parsed)

	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, roots
}
