package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scopegate/scopegate/store/postgres/postgrestest"
)

// maxDisableDelay is the longest that a server may go on accepting the
// token of a user disabled through another process. The change reaches it
// within a poll of the database file or a notification, in milliseconds,
// and the rest leaves room for a loaded machine. The tests set a principal
// cache TTL of a minute, so a server that misses the change still fails.
const maxDisableDelay = 5 * time.Second

// replica is a running `scopegate serve` process.
type replica struct {
	name string
	addr string
	cmd  *exec.Cmd

	mu   sync.Mutex
	logs bytes.Buffer
}

// runPostgres executes scopegate with args against the PostgreSQL database
// url, feeding stdin.
func runPostgres(t *testing.T, databaseURL, stdin string, args ...string) result {
	t.Helper()

	return runArgs(t, stdin, append([]string{"--database-url", databaseURL}, args...))
}

// startReplicas starts one `scopegate serve` process per name on the
// database, all at once, and waits until each has logged its start.
func startReplicas(t *testing.T, databaseURL string, names ...string) []*replica {
	t.Helper()

	replicas := make([]*replica, len(names))

	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { replicas[i] = startReplica(t, databaseURL, name) })
	}
	wg.Wait()

	if t.Failed() {
		t.FailNow()
	}

	return replicas
}

func startReplica(t *testing.T, databaseURL, name string) *replica {
	t.Helper()

	// A cache TTL of a minute leaves the change notification as the only
	// way a disabled user can be rejected within maxDisableDelay.
	cmd := exec.Command(binary, "--database-url", databaseURL, "serve", "--addr", "127.0.0.1:0",
		"--issuer", "http://scopegate.test", "--principal-cache-ttl", "1m")
	cmd.Env = cleanEnv()

	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Errorf("replica %s: %v", name, err)
		return nil
	}

	if err := cmd.Start(); err != nil {
		t.Errorf("replica %s: start: %v", name, err)
		return nil
	}

	r := &replica{name: name, cmd: cmd}
	logs := bufio.NewScanner(stderr)

	t.Cleanup(func() { r.stop(t) })

	r.addr = r.waitForStart(t, logs)
	if r.addr == "" {
		return r
	}

	// Keep reading, so the process never blocks on a full pipe.
	go func() {
		for logs.Scan() {
			r.appendLog(logs.Text())
		}
	}()

	return r
}

func (r *replica) appendLog(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()

	r.logs.WriteString(line)
	r.logs.WriteByte('\n')
}

func (r *replica) logText() string {
	r.mu.Lock()
	defer r.mu.Unlock()

	return r.logs.String()
}

// waitForStart reads log lines until the start message and returns the
// address it names, or "" after reporting an error.
func (r *replica) waitForStart(t *testing.T, logs *bufio.Scanner) string {
	t.Helper()

	timer := time.AfterFunc(30*time.Second, func() { _ = r.cmd.Process.Kill() })
	defer timer.Stop()

	for logs.Scan() {
		line := logs.Text()
		r.appendLog(line)

		var entry struct {
			Msg      string `json:"msg"`
			Addr     string `json:"addr"`
			Database string `json:"database"`
		}

		if json.Unmarshal([]byte(line), &entry) != nil || entry.Msg != "scopegate started" {
			continue
		}

		if !strings.HasPrefix(entry.Database, "postgres://") {
			t.Errorf("replica %s: start log database = %q, want a postgres:// description", r.name, entry.Database)
		}

		return entry.Addr
	}

	t.Errorf("replica %s exited before it started; logs:\n%s", r.name, r.logText())

	return ""
}

// stop ends the process with SIGTERM and checks that it stopped cleanly.
func (r *replica) stop(t *testing.T) {
	if r.cmd.ProcessState != nil {
		return
	}

	_ = r.cmd.Process.Signal(syscall.SIGTERM)

	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()

	select {
	case err := <-done:
		if err != nil {
			t.Errorf("replica %s exited with %v after SIGTERM; logs:\n%s", r.name, err, r.logText())
		}
	case <-time.After(15 * time.Second):
		_ = r.cmd.Process.Kill()
		t.Errorf("replica %s did not stop within 15s of SIGTERM", r.name)
	}
}

// login gets an access token for username at the replica's /token.
func (r *replica) login(t *testing.T, username, password, scopes string) string {
	t.Helper()

	form := url.Values{"username": {username}, "password": {password}, "scope": {scopes}}

	resp, err := testClient.PostForm("http://"+r.addr+"/token", form)
	if err != nil {
		t.Fatalf("POST /token on replica %s: %v", r.name, err)
	}
	defer resp.Body.Close()

	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /token as %s on replica %s: status %d, body %s", username, r.name, resp.StatusCode, body)
	}

	var token struct {
		AccessToken string `json:"access_token"`
	}

	if err := json.Unmarshal(body, &token); err != nil || token.AccessToken == "" {
		t.Fatalf("POST /token on replica %s: no access token in %s", r.name, body)
	}

	return token.AccessToken
}

// readMe returns the status of GET /users/me/ on the replica with token.
func (r *replica) readMe(t *testing.T, token string) int {
	t.Helper()

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+r.addr+"/users/me/", nil)
	if err != nil {
		t.Fatal(err)
	}

	req.Header.Set("Authorization", "Bearer "+token)

	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatalf("GET /users/me/ on replica %s: %v", r.name, err)
	}

	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	return resp.StatusCode
}

func assertStatus(t *testing.T, what string, got, want int) {
	t.Helper()

	if got != want {
		t.Errorf("%s: status %d, want %d", what, got, want)
	}
}

// TestReplicas runs two server processes on one PostgreSQL schema, started
// together on the empty schema, and checks that they share signing keys,
// users and changes to users.
func TestReplicas(t *testing.T) {
	databaseURL := postgrestest.NewSchema(t)
	replicas := startReplicas(t, databaseURL, "A", "B")
	a, b := replicas[0], replicas[1]

	if n := countSigningKeys(t, databaseURL); n != 1 {
		t.Errorf("two replicas starting together stored %d signing keys, want 1", n)
	}

	mustSucceed(t, runPostgres(t, databaseURL, "carols-password\n",
		"user", "add", "carol", "--scopes", "me items", "--password-stdin"), "user add carol")

	tokenFromA := a.login(t, "carol", "carols-password", "me")
	assertStatus(t, "token from A on B", b.readMe(t, tokenFromA), http.StatusOK)

	tokenFromB := b.login(t, "carol", "carols-password", "me")
	assertStatus(t, "token from B on A", a.readMe(t, tokenFromB), http.StatusOK)

	// Both replicas now hold carol in their caches.
	assertStatus(t, "token from A on A", a.readMe(t, tokenFromA), http.StatusOK)

	mustSucceed(t, runPostgres(t, databaseURL, "", "user", "disable", "carol"), "user disable carol")
	disabled := time.Now()

	for _, r := range []*replica{b, a} {
		delay := waitForStatus(t, r, tokenFromA, http.StatusUnauthorized, disabled)
		t.Logf("replica %s rejected the disabled user %s after `scopegate user disable` returned", r.name, delay)

		if delay > maxDisableDelay {
			t.Errorf("replica %s rejected the disabled user after %s, want within %s", r.name, delay, maxDisableDelay)
		}
	}

	mustSucceed(t, runPostgres(t, databaseURL, "", "user", "enable", "carol"), "user enable carol")
	enabled := time.Now()

	if delay := waitForStatus(t, b, tokenFromA, http.StatusOK, enabled); delay > maxDisableDelay {
		t.Errorf("replica B accepted the enabled user again after %s, want within %s", delay, maxDisableDelay)
	}
}

// waitForStatus polls GET /users/me/ on r until the status is want, and
// returns the time from start until then. It gives up after 10 seconds.
func waitForStatus(t *testing.T, r *replica, token string, want int, start time.Time) time.Duration {
	t.Helper()

	for {
		got := r.readMe(t, token)
		if got == want {
			return time.Since(start)
		}

		if time.Since(start) > 10*time.Second {
			t.Fatalf("replica %s still answers %d after 10s, want %d", r.name, got, want)
		}

		time.Sleep(5 * time.Millisecond)
	}
}

func countSigningKeys(t *testing.T, databaseURL string) int {
	t.Helper()

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(context.Background())

	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM signing_keys").Scan(&n); err != nil {
		t.Fatalf("count signing keys: %v", err)
	}

	return n
}

func TestPostgresCommands(t *testing.T) {
	databaseURL := postgrestest.NewSchema(t)
	withPassword := databaseURLWithPassword(t, databaseURL, "hunter2")

	r := runPostgres(t, withPassword, "", "migrate")
	mustSucceed(t, r, "migrate")

	if !strings.Contains(r.stdout, "The schema of postgres://") {
		t.Errorf("migrate stdout = %q, want the PostgreSQL database named", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "hunter2") {
		t.Errorf("migrate output contains the database password: %q", r.stdout+r.stderr)
	}

	mustSucceed(t, runPostgres(t, databaseURL, "", "scope", "add", "billing", "Read invoices."), "scope add")
	mustSucceed(t, runPostgres(t, databaseURL, "daves-password\n", "user", "add", "dave", "--password-stdin"), "user add")

	r = runPostgres(t, databaseURL, "daves-password\n", "user", "add", "dave", "--password-stdin")
	mustFail(t, r, "user add dave (again)", `user "dave" already exists`)

	r = runPostgres(t, databaseURL, "", "user", "grant", "dave", "billing")
	mustSucceed(t, r, "user grant dave billing")

	if !strings.Contains(r.stdout, `"billing"`) {
		t.Errorf("user grant stdout = %q, want the scope billing", r.stdout)
	}

	r = runPostgres(t, databaseURL, "", "user", "list")
	if !strings.Contains(r.stdout, "dave") {
		t.Errorf("user list stdout = %q, want dave", r.stdout)
	}
}

// databaseURLWithPassword returns databaseURL with password set, which a
// server with trust authentication ignores.
func databaseURLWithPassword(t *testing.T, databaseURL, password string) string {
	t.Helper()

	u, err := url.Parse(databaseURL)
	if err != nil || u.Scheme == "" {
		t.Skipf("%s is not a URL, so the test cannot add a password to it", postgrestest.EnvURL)
	}

	u.User = url.UserPassword(u.User.Username(), password)

	return u.String()
}

func TestDatabaseFlagsConflict(t *testing.T) {
	cmd := exec.Command(binary, "--db", t.TempDir()+"/x.db", "--database-url", postgrestest.ExampleURL,
		"user", "list")
	cmd.Env = cleanEnv()

	out, err := combinedOutput(t, cmd)

	if err == nil {
		t.Fatalf("user list with --db and --database-url succeeded, want an error; output %s", out)
	}
	if !strings.Contains(string(out), "set only one") {
		t.Errorf("output = %q, want it to say to set only one of --db and --database-url", out)
	}
}

func TestDatabaseUnreachable(t *testing.T) {
	start := time.Now()
	r := runPostgres(t, "postgres://postgres:hunter2@127.0.0.1:1/test?sslmode=disable", "",
		"--database-timeout", "500ms", "user", "list")
	elapsed := time.Since(start)

	mustFail(t, r, "user list (unreachable database)", "database unavailable")

	if strings.Contains(r.stderr, "hunter2") {
		t.Errorf("stderr contains the database password: %q", r.stderr)
	}
	if elapsed > 10*time.Second {
		t.Errorf("user list against an unreachable database took %s, want well under 10s", elapsed)
	}
}
