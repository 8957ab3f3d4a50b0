package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// load describes one wrk run.
type load struct {
	path        string
	threads     int
	connections int
	duration    time.Duration

	// token, when set, is sent as a bearer token.
	token string

	// script, when set, is a wrk Lua script, such as the login's.
	script string
}

// result is the measurement of one wrk run, with the server's CPU time.
type result struct {
	requests  int64
	failed    int64 // responses other than 2xx and 3xx, and socket errors
	perSecond float64
	p50, p99  time.Duration
	cpu       time.Duration
}

// cpuPerRequest returns the server's CPU time divided by the requests
// served.
func (r result) cpuPerRequest() time.Duration {
	if r.requests == 0 {
		return 0
	}

	return r.cpu / time.Duration(r.requests)
}

// checkWrk returns an error with the command that installs wrk when wrk
// is missing.
func checkWrk() error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed, install it with: apt-get install -y wrk")
	}

	return nil
}

// run loads t with l and returns the measurements, including the CPU time
// t's process used meanwhile.
func (l load) run(ctx context.Context, t *target) (result, error) {
	args := []string{
		"-t", strconv.Itoa(l.threads), "-c", strconv.Itoa(l.connections),
		"-d", strconv.Itoa(int(l.duration.Seconds())) + "s", "--latency", "--timeout", "10s",
	}

	if l.token != "" {
		args = append(args, "-H", "Authorization: Bearer "+l.token)
	}

	if l.script != "" {
		args = append(args, "-s", l.script)
	}

	args = append(args, t.baseURL+l.path)

	before, err := cpuTime(t.pid)
	if err != nil {
		return result{}, err
	}

	out, err := exec.CommandContext(ctx, "wrk", args...).Output()
	if err != nil {
		return result{}, fmt.Errorf("wrk %s%s: %w", t.name, l.path, err)
	}

	after, err := cpuTime(t.pid)
	if err != nil {
		return result{}, err
	}

	r, err := parseWrk(string(out))
	if err != nil {
		return result{}, fmt.Errorf("wrk %s%s: %w\n%s", t.name, l.path, err, out)
	}

	r.cpu = after - before

	return r, nil
}

// parseWrk reads the summary that wrk 4 prints with --latency.
func parseWrk(out string) (result, error) {
	var r result
	var err error

	scanner := bufio.NewScanner(strings.NewReader(out))
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 2 {
			continue
		}

		switch {
		case fields[0] == "50%":
			r.p50, err = parseWrkDuration(fields[1])
		case fields[0] == "99%":
			r.p99, err = parseWrkDuration(fields[1])
		case fields[1] == "requests" && len(fields) > 2 && fields[2] == "in":
			r.requests, err = strconv.ParseInt(fields[0], 10, 64)
		case fields[0] == "Requests/sec:":
			r.perSecond, err = strconv.ParseFloat(fields[1], 64)
		case fields[0] == "Non-2xx":
			var n int64
			n, err = strconv.ParseInt(fields[len(fields)-1], 10, 64)
			r.failed += n
		case fields[0] == "Socket" && fields[1] == "errors:":
			r.failed += sumSocketErrors(fields[2:])
		}

		if err != nil {
			return result{}, err
		}
	}

	if r.requests == 0 || r.perSecond == 0 {
		return result{}, fmt.Errorf("no requests completed")
	}

	return r, nil
}

// parseWrkDuration parses wrk's latency format: 475.00us, 2.70ms, 1.20s
// or 1.00m, where m means minutes.
func parseWrkDuration(s string) (time.Duration, error) {
	minutes, ok := strings.CutSuffix(s, "m")
	if !ok || strings.HasSuffix(minutes, "m") {
		return time.ParseDuration(s)
	}

	n, err := strconv.ParseFloat(minutes, 64)

	return time.Duration(n * float64(time.Minute)), err
}

// sumSocketErrors adds the counts of "connect 0, read 1, write 0, timeout 2".
func sumSocketErrors(fields []string) int64 {
	var total int64
	for _, field := range fields {
		n, err := strconv.ParseInt(strings.TrimSuffix(field, ","), 10, 64)
		if err == nil {
			total += n
		}
	}

	return total
}

// writeLoginScript writes a wrk Lua script that posts the password grant
// of username and password to dir, and returns its path. A connection that
// gets 503 waits the Retry-After delay of one second before its next login,
// as a well-behaved client does, so a flood keeps the password workers busy
// instead of turning into a stream of cheap 503 responses. wrk keeps one Lua
// state per thread, so the delay is approximate when several connections
// of a thread get 503 at once.
func writeLoginScript(dir, name, username, password string) (string, error) {
	script := fmt.Sprintf(`wrk.method = "POST"
wrk.body = "username=%s&password=%s&scope=me"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local backoff = 0

function response(status, headers, body)
  if status == 503 then backoff = 1000 end
end

function delay()
  local d = backoff
  backoff = 0
  return d
end
`, username, password)

	return writeScript(dir, name, script)
}

// writeProbeScript writes a wrk Lua script that waits pause between the
// requests of each connection, which turns wrk's closed loop into a steady
// load below the server's capacity.
func writeProbeScript(dir, name string, pause time.Duration) (string, error) {
	script := fmt.Sprintf("function delay()\n  return %d\nend\n", pause.Milliseconds())

	return writeScript(dir, name, script)
}

func writeScript(dir, name, script string) (string, error) {
	path := filepath.Join(dir, name+".lua")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		return "", fmt.Errorf("write wrk script: %w", err)
	}

	return path, nil
}
