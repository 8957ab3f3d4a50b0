package deadline

import (
	"net"
	"testing"
	"time"
)

// BenchmarkRequestDeadlines makes the deadline calls that net/http makes
// on a keep-alive connection for one GET request, when ReadTimeout,
// WriteTimeout and IdleTimeout are set, on a plain TCP connection and on a
// wrapped one. No call waits, as with a client that sends its next request
// at once.
func BenchmarkRequestDeadlines(b *testing.B) {
	_, accepted, _ := pair(b)

	conns := []struct {
		name string
		conn net.Conn
	}{
		{"plain", accepted.(*conn).Conn},
		{"wrapped", accepted},
	}

	for _, c := range conns {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()

			for b.Loop() {
				requestDeadlines(c.conn)
			}
		})
	}
}

// requestDeadlines makes net/http's deadline calls of one request, in
// order: the request's read and write deadlines, the background read's
// clearing and ending, the end of the response and the idle wait.
func requestDeadlines(c net.Conn) {
	now := time.Now()
	_ = c.SetWriteDeadline(now.Add(30 * time.Second))
	_ = c.SetReadDeadline(now.Add(10 * time.Second))

	_ = c.SetReadDeadline(time.Time{})
	_ = c.SetReadDeadline(past)
	_ = c.SetReadDeadline(time.Time{})

	_ = c.SetWriteDeadline(time.Time{})
	_ = c.SetReadDeadline(time.Now().Add(120 * time.Second))
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
}
