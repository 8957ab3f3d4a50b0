package main

import (
	"os"
	"testing"
	"time"
)

// wrkOutput is what wrk 4.1.0 prints with --latency.
const wrkOutput = `Running 5s test @ http://127.0.0.1:38333/users/me/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.02ms    1.71ms  30.14ms   90.07%
    Req/Sec    29.79k     3.04k   36.24k    70.00%
  Latency Distribution
     50%  414.00us
     75%    0.89ms
     90%    2.59ms
     99%    6.86ms
  296413 requests in 5.01s, 53.43MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  59213.15
Transfer/sec:     10.67MB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatalf("parseWrk: %v", err)
	}

	if r.requests != 296413 {
		t.Errorf("requests = %d, want 296413", r.requests)
	}

	if r.perSecond != 59213.15 {
		t.Errorf("perSecond = %v, want 59213.15", r.perSecond)
	}

	if r.p50 != 414*time.Microsecond {
		t.Errorf("p50 = %s, want 414µs", r.p50)
	}

	if r.p99 != 6860*time.Microsecond {
		t.Errorf("p99 = %s, want 6.86ms", r.p99)
	}

	if r.failed != 7 {
		t.Errorf("failed = %d, want 7 (3 socket errors and 4 non-2xx)", r.failed)
	}
}

func TestParseWrkWithoutRequests(t *testing.T) {
	if _, err := parseWrk("Running 5s test @ http://127.0.0.1:1/\n"); err == nil {
		t.Error("parseWrk error = nil, want an error")
	}
}

func TestParseWrkDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"414.00us", 414 * time.Microsecond},
		{"2.70ms", 2700 * time.Microsecond},
		{"1.20s", 1200 * time.Millisecond},
		{"1.50m", 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseWrkDuration(tt.in)
			if err != nil {
				t.Fatalf("parseWrkDuration(%q): %v", tt.in, err)
			}

			if got != tt.want {
				t.Errorf("parseWrkDuration(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestMedianTakesEachFieldsMedian(t *testing.T) {
	results := []result{
		{requests: 100, perSecond: 30, p99: 9 * time.Millisecond, cpu: 300 * time.Millisecond},
		{requests: 300, perSecond: 10, p99: 1 * time.Millisecond, cpu: 300 * time.Millisecond},
		{requests: 200, perSecond: 20, p99: 5 * time.Millisecond, cpu: 200 * time.Millisecond},
	}

	got := median(results)

	if got.perSecond != 20 {
		t.Errorf("perSecond = %v, want 20", got.perSecond)
	}

	if got.p99 != 5*time.Millisecond {
		t.Errorf("p99 = %s, want 5ms", got.p99)
	}

	// CPU per request is 3, 1 and 1 ms, so the median is 1 ms.
	if got.cpuPerRequest() != time.Millisecond {
		t.Errorf("cpuPerRequest = %s, want 1ms", got.cpuPerRequest())
	}
}

func TestProcReadsOwnProcess(t *testing.T) {
	cpu, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatalf("cpuTime: %v", err)
	}

	if cpu < 0 {
		t.Errorf("cpuTime = %s, want at least 0", cpu)
	}

	rss, peak, err := memory(os.Getpid())
	if err != nil {
		t.Fatalf("memory: %v", err)
	}

	if rss <= 0 || peak < rss {
		t.Errorf("memory = %d RSS, %d peak; want RSS above 0 and peak at least RSS", rss, peak)
	}
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"http://127.0.0.1:8001", true},
		{"postgres://postgres@localhost:5432/test", true},
		{"http://10.0.0.1:8001", false},
		{"http://example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if got := checkLoopback(tt.url) == nil; got != tt.want {
				t.Errorf("checkLoopback(%q) accepted = %v, want %v", tt.url, got, tt.want)
			}
		})
	}
}
