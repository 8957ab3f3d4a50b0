package postgrestest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Proxy is a TCP proxy on 127.0.0.1 between a test's client and its
// PostgreSQL server, which the test can cut or stall to simulate an outage
// without touching the server itself. Its methods are safe for concurrent
// use.
type Proxy struct {
	target string
	addr   string

	mu       sync.Mutex
	listener net.Listener
	conns    map[net.Conn]struct{}
	stalled  chan struct{} // closed while traffic flows
	closed   bool

	// wg waits for the proxy's goroutines, and count counts them for tests
	// that check for leaked goroutines.
	wg    sync.WaitGroup
	count int
}

// ThroughProxy starts a Proxy to the server that connString names and
// returns connString pointed at the proxy. The proxy closes when the test
// ends.
func ThroughProxy(t testing.TB, connString string) (string, *Proxy) {
	t.Helper()

	config, err := pgx.ParseConfig(connString)
	if err != nil {
		t.Fatalf("parse the test database URL: %v", err)
	}

	target := net.JoinHostPort(config.Host, strconv.Itoa(int(config.Port)))

	p, err := startProxy(target)
	if err != nil {
		t.Fatalf("start a proxy to %s: %v", target, err)
	}

	t.Cleanup(p.Close)

	proxied, err := withAddress(connString, p.addr)
	if err != nil {
		t.Fatalf("point the test database URL at the proxy: %v", err)
	}

	return proxied, p
}

func startProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}

	open := make(chan struct{})
	close(open)

	p := &Proxy{
		target:   target,
		addr:     ln.Addr().String(),
		listener: ln,
		conns:    make(map[net.Conn]struct{}),
		stalled:  open,
	}
	p.serve(ln)

	return p, nil
}

// withAddress returns connString with its host and port replaced by addr.
func withAddress(connString, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}

	if !strings.HasPrefix(connString, "postgres://") && !strings.HasPrefix(connString, "postgresql://") {
		return connString + " host=" + host + " port=" + port, nil
	}

	u, err := url.Parse(connString)
	if err != nil {
		return "", fmt.Errorf("invalid database URL: %w", unwrapURLError(err))
	}

	u.Host = addr

	return u.String(), nil
}

// Addr returns the address the proxy listens on.
func (p *Proxy) Addr() string {
	return p.addr
}

// Cut closes the proxy's listener and every connection through it, so
// clients see their connections reset and new connections refused, as
// when the database host goes down.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()

	p.closeAllLocked()
}

// Stall stops forwarding data in both directions while keeping every
// connection open and accepting new ones, as when packets to the database
// are silently dropped. Clients then wait until their own timeouts.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()

	select {
	case <-p.stalled:
		p.stalled = make(chan struct{})
	default:
	}
}

// Restore ends a Cut or a Stall: the proxy listens on its address again
// and forwards data.
func (p *Proxy) Restore() error {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.closed {
		return errors.New("postgrestest: restore a closed proxy")
	}

	select {
	case <-p.stalled:
	default:
		close(p.stalled)
	}

	if p.listener != nil {
		return nil
	}

	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return fmt.Errorf("postgrestest: listen on %s again: %w", p.addr, err)
	}

	p.listener = ln
	p.serve(ln)

	return nil
}

// Goroutines returns how many goroutines the proxy runs: its accept loop
// and two per connection.
func (p *Proxy) Goroutines() int {
	p.mu.Lock()
	defer p.mu.Unlock()

	return p.count
}

// Close cuts the proxy for good and waits for its goroutines to end.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.closeAllLocked()

	select {
	case <-p.stalled:
	default:
		close(p.stalled)
	}
	p.mu.Unlock()

	p.wg.Wait()
}

func (p *Proxy) closeAllLocked() {
	if p.listener != nil {
		_ = p.listener.Close()
		p.listener = nil
	}

	for conn := range p.conns {
		_ = conn.Close()
		delete(p.conns, conn)
	}
}

// serve accepts connections on ln until ln is closed. The caller holds mu
// or is the constructor.
func (p *Proxy) serve(ln net.Listener) {
	p.goLocked(func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}

			p.forward(client)
		}
	})
}

// forward connects client to the target and copies data both ways until
// either side closes or the proxy cuts them.
func (p *Proxy) forward(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	if p.closed {
		_ = client.Close()
		_ = server.Close()

		return
	}

	p.conns[client] = struct{}{}
	p.conns[server] = struct{}{}

	p.goLocked(func() { p.copy(server, client) })
	p.goLocked(func() { p.copy(client, server) })
}

// goLocked runs fn on a counted goroutine. The caller holds mu.
func (p *Proxy) goLocked(fn func()) {
	p.count++
	p.wg.Go(func() {
		defer func() {
			p.mu.Lock()
			p.count--
			p.mu.Unlock()
		}()

		fn()
	})
}

// copy copies from src to dst, waiting while the proxy is stalled, and
// closes both when either fails.
func (p *Proxy) copy(dst, src net.Conn) {
	defer func() {
		p.mu.Lock()
		delete(p.conns, dst)
		delete(p.conns, src)
		p.mu.Unlock()

		_ = dst.Close()
		_ = src.Close()
	}()

	buf := make([]byte, 32<<10)

	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.waitUntilFlowing()

			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}

		if err != nil {
			return
		}
	}
}

func (p *Proxy) waitUntilFlowing() {
	p.mu.Lock()
	flowing := p.stalled
	p.mu.Unlock()

	<-flowing
}
