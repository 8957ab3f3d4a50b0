package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the scopegate command built once for every test in this file.
var binary string

const (
	// commandTimeout bounds each scopegate command that a test runs to its
	// end, so that one that hangs, such as a serve that should have
	// rejected its flags, fails the test instead of holding it until go
	// test's own timeout.
	commandTimeout = time.Minute

	// startTimeout bounds how long scopegate serve may take to log its
	// start.
	startTimeout = 30 * time.Second

	// stopTimeout bounds how long scopegate serve may take to exit after
	// SIGTERM. Its HTTP shutdown takes up to 10 s, and the stop of its
	// password child up to 3 s more.
	stopTimeout = 30 * time.Second
)

// testClient is the HTTP client of the tests. Its timeout makes a request
// to a server that hangs fail the test instead of holding it.
var testClient = &http.Client{Timeout: 30 * time.Second}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "scopegate-cmd-test")
	if err != nil {
		panic(err)
	}

	binary = filepath.Join(dir, "scopegate")

	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr

	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("build scopegate: " + err.Error())
	}

	code := m.Run()

	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// run executes scopegate with args against the SQLite file db, feeding
// stdin.
func run(t *testing.T, db, stdin string, args ...string) result {
	t.Helper()

	return runArgs(t, stdin, append([]string{"--db", db}, args...))
}

// runArgs executes scopegate with args, feeding stdin, and returns its
// output and exit code.
func runArgs(t *testing.T, stdin string, args []string) result {
	t.Helper()

	return runArgsWithEnv(t, stdin, nil, args)
}

// runArgsWithEnv is runArgs with the variables env, each NAME=value, added
// to the environment that cleanEnv leaves.
func runArgsWithEnv(t *testing.T, stdin string, env, args []string) result {
	t.Helper()

	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(cleanEnv(), env...)

	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr

	err := runBounded(t, cmd)

	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("run scopegate %v: %v", args, err)
	}

	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// runBounded starts cmd and waits for it, killing it after commandTimeout,
// and fails the test when it had to.
func runBounded(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()

	// The output pipes may outlive a killed process in a child of its own,
	// such as serve's password child.
	cmd.WaitDelay = 10 * time.Second

	if err := cmd.Start(); err != nil {
		return err
	}

	timer := time.AfterFunc(commandTimeout, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()

	if !timer.Stop() {
		t.Fatalf("%s did not exit within %s and was killed", cmd, commandTimeout)
	}

	return err
}

// combinedOutput is cmd.CombinedOutput with the time limit of runBounded.
func combinedOutput(t *testing.T, cmd *exec.Cmd) ([]byte, error) {
	t.Helper()

	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output

	err := runBounded(t, cmd)

	return output.Bytes(), err
}

// cleanEnv drops SCOPEGATE_ variables of the caller's environment.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envPrefix) {
			env = append(env, kv)
		}
	}

	return env
}

func mustSucceed(t *testing.T, r result, args string) {
	t.Helper()

	if r.code != 0 {
		t.Fatalf("scopegate %s exited %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
}

func mustFail(t *testing.T, r result, args, wantMessage string) {
	t.Helper()

	if r.code != 1 {
		t.Fatalf("scopegate %s exited %d, want 1\nstderr: %s", args, r.code, r.stderr)
	}

	if !strings.Contains(r.stderr, wantMessage) {
		t.Errorf("scopegate %s stderr = %q, want it to contain %q", args, r.stderr, wantMessage)
	}
}

func TestUserCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "users.db")

	r := run(t, db, "s3cret-password\n", "user", "add", "bob", "--full-name", "Bob B", "--email", "bob@example.test",
		"--scopes", "me items", "--password-stdin")
	mustSucceed(t, r, "user add bob")

	if !strings.Contains(r.stdout, `Added user bob with scopes "me items".`) {
		t.Errorf("user add stdout = %q", r.stdout)
	}

	r = run(t, db, "other-password\n", "user", "add", "bob", "--password-stdin")
	mustFail(t, r, "user add bob (again)", `user "bob" already exists`)

	r = run(t, db, "short\n", "user", "add", "shorty", "--password-stdin")
	mustFail(t, r, "user add shorty (short password)", "the password has 5 characters; use at least 8")

	for _, name := range []string{"e v e", "tab\tuser", "new\nline", "cr\rjohndoe", "esc\x1b[31m", "john\u200bdoe",
		"bad\xffutf", strings.Repeat("x", 129)} {
		r = run(t, db, "long-enough\n", "user", "add", name, "--password-stdin")
		mustFail(t, r, "user add with a bad username", "invalid username")
	}

	for _, pass := range []string{"nul\x00password", "bad-utf8-\xff\xfe"} {
		r = run(t, db, pass+"\n", "user", "add", "hostile", "--password-stdin")
		mustFail(t, r, "user add with a hostile password", "invalid UTF-8 or control characters")
	}

	r = run(t, db, "long-enough\n", "user", "add", "noscopes", "--password-stdin")
	mustSucceed(t, r, "user add noscopes")

	if !strings.Contains(r.stdout, "Added user noscopes with no scopes.") {
		t.Errorf("user add without scopes stdout = %q", r.stdout)
	}

	r = run(t, db, "password-c\n", "user", "add", "carol", "--scopes", "admin", "--password-stdin")
	mustFail(t, r, "user add carol --scopes admin", `scope "admin" is not declared`)

	r = run(t, db, "", "user", "add", "dave")
	mustFail(t, r, "user add dave (no terminal)", "standard input is not a terminal")

	r = run(t, db, "\n", "user", "add", "erin", "--password-stdin")
	mustFail(t, r, "user add erin (empty password)", "the password is empty")

	mustSucceed(t, run(t, db, "", "scope", "add", "admin", "Administer everything."), "scope add admin")

	r = run(t, db, "", "scope", "add", "admin", "Again.")
	mustFail(t, r, "scope add admin (again)", `scope "admin" is declared already`)

	r = run(t, db, "", "scope", "add", "bad scope", "Bad.")
	mustFail(t, r, "scope add 'bad scope'", "invalid scope")

	r = run(t, db, "", "scope", "add", strings.Repeat("z", 129), "Long.")
	mustFail(t, r, "scope add with a long name", "use at most 128")

	r = run(t, db, "", "scope", "list")
	mustSucceed(t, r, "scope list")

	for _, want := range []string{"me", "Read information about the current user.", "items", "Read items.",
		"admin", "Administer everything."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("scope list stdout = %q, want it to contain %q", r.stdout, want)
		}
	}

	r = run(t, db, "", "user", "grant", "bob", "admin")
	mustSucceed(t, r, "user grant bob admin")

	if !strings.Contains(r.stdout, `"me items admin"`) {
		t.Errorf("user grant stdout = %q, want the scopes me items admin", r.stdout)
	}

	r = run(t, db, "", "user", "revoke", "bob", "items")
	mustSucceed(t, r, "user revoke bob items")

	if !strings.Contains(r.stdout, `"me admin"`) {
		t.Errorf("user revoke stdout = %q, want the scopes me admin", r.stdout)
	}

	r = run(t, db, "", "user", "grant", "nobody", "me")
	mustFail(t, r, "user grant nobody me", `user "nobody" not found`)

	mustSucceed(t, run(t, db, "", "user", "disable", "bob"), "user disable bob")

	r = run(t, db, "", "user", "list")
	mustSucceed(t, r, "user list")

	if !strings.Contains(r.stdout, "bob") || !strings.Contains(r.stdout, "true") {
		t.Errorf("user list stdout = %q, want bob disabled", r.stdout)
	}

	mustSucceed(t, run(t, db, "", "user", "enable", "bob"), "user enable bob")
	mustSucceed(t, run(t, db, "new-password\n", "user", "passwd", "bob", "--password-stdin"), "user passwd bob")

	r = run(t, db, "", "user", "add", "--help")
	for _, name := range []string{"SCOPEGATE_DISABLED", "SCOPEGATE_SCOPES", "SCOPEGATE_PASSWORD_STDIN"} {
		if strings.Contains(r.stdout, name) {
			t.Errorf("user add --help names %s, but its own flags read no environment variable", name)
		}
	}

	r = run(t, db, "password-x\n", "user", "passwd", "nobody", "--password-stdin")
	mustFail(t, r, "user passwd nobody", `user "nobody" not found`)
}

func TestRoutesCommand(t *testing.T) {
	r := run(t, filepath.Join(t.TempDir(), "unused.db"), "", "routes")
	mustSucceed(t, r, "routes")

	lines := map[string]string{
		"/users/me/ ":       "me",
		"/users/me/items/ ": "me items",
		"/status/ ":         "(token)",
		"/token ":           "(public)",
	}

	for path, scopes := range lines {
		found := false

		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.Contains(line, path) && strings.Contains(line, scopes) {
				found = true
			}
		}

		if !found {
			t.Errorf("routes output has no line with %q and %q:\n%s", path, scopes, r.stdout)
		}
	}
}

func TestEnvironmentVariables(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")

	cmd := exec.Command(binary, "user", "add", "frank", "--password-stdin")
	cmd.Env = append(cleanEnv(), "SCOPEGATE_DB="+db)
	cmd.Env = append(cmd.Env, "SCOPEGATE_DISABLED=true", "SCOPEGATE_SCOPES=me")
	cmd.Stdin = strings.NewReader("frank-password\n")

	if out, err := combinedOutput(t, cmd); err != nil {
		t.Fatalf("user add with SCOPEGATE_DB: %v\n%s", err, out)
	}

	r := run(t, db, "", "user", "list")
	if !strings.Contains(r.stdout, "frank") {
		t.Errorf("user list of the SCOPEGATE_DB database = %q, want frank", r.stdout)
	}

	// The flags of single admin commands do not read the environment.
	if strings.Contains(r.stdout, "true") || strings.Contains(r.stdout, " me") {
		t.Errorf("user list = %q, want frank enabled and without scopes despite SCOPEGATE_DISABLED and "+
			"SCOPEGATE_SCOPES", r.stdout)
	}

	bad := exec.Command(binary, "serve", "--demo")
	bad.Env = append(cleanEnv(), "SCOPEGATE_DB="+db, "SCOPEGATE_ACCESS_TOKEN_TTL=5")

	out, err := combinedOutput(t, bad)
	if err == nil {
		t.Fatal("serve with SCOPEGATE_ACCESS_TOKEN_TTL=5 succeeded, want an error")
	}

	want := `invalid value "5" in SCOPEGATE_ACCESS_TOKEN_TTL for --access-token-ttl: use a duration with a unit`
	if !strings.Contains(string(out), want) {
		t.Errorf("serve output = %q, want it to contain %q", out, want)
	}

	for env, want := range map[string]string{
		"SCOPEGATE_PASSWORD_WORKERS=abc": `invalid value "abc" in SCOPEGATE_PASSWORD_WORKERS for --password-workers: ` +
			"use a whole number",
		"SCOPEGATE_LOG_FORMAT=": `invalid SCOPEGATE_LOG_FORMAT (--log-format) "": use json or text`,
	} {
		bad := exec.Command(binary, "serve", "--demo")
		bad.Env = append(cleanEnv(), "SCOPEGATE_DB="+db, env)

		out, err := combinedOutput(t, bad)
		if err == nil {
			t.Errorf("serve with %s succeeded, want an error", env)
		}

		if !strings.Contains(string(out), want) {
			t.Errorf("serve with %s: output = %q, want it to contain %q", env, out, want)
		}
	}

	help := run(t, db, "", "serve", "--help")
	for _, want := range []string{"SCOPEGATE_ADDR", "SCOPEGATE_DB", "SCOPEGATE_DEMO", "SCOPEGATE_ACCESS_TOKEN_TTL",
		"SCOPEGATE_LEGACY_HS256_KEY", "SCOPEGATE_ISSUER"} {
		if !strings.Contains(help.stdout, want) {
			t.Errorf("serve --help does not name %s", want)
		}
	}
}

func TestServeRejectsPublishedKeyOutsideDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "key.db")

	r := run(t, db, "", "serve", "--addr", "127.0.0.1:0",
		"--legacy-hs256-key", "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7")
	mustFail(t, r, "serve with the published key", "the legacy HS256 key is the example key")
}

func TestServeReadsLegacyKeyFile(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "legacy.key")

	published := "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7\n"
	if err := os.WriteFile(keyFile, []byte(published), 0o600); err != nil {
		t.Fatal(err)
	}

	r := run(t, filepath.Join(dir, "key.db"), "", "serve", "--addr", "127.0.0.1:0", "--legacy-hs256-key-file", keyFile)
	mustFail(t, r, "serve with the published key in a file", "the legacy HS256 key is the example key")

	r = run(t, filepath.Join(dir, "key.db"), "", "serve", "--addr", "127.0.0.1:0",
		"--legacy-hs256-key-file", filepath.Join(dir, "missing.key"))
	mustFail(t, r, "serve with a missing key file", "read --legacy-hs256-key-file")
}

// TestServeDemo starts the real binary, logs in and stops it with SIGTERM.
func TestServeDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	serveAndLogin(t, db, "johndoe", "secret", "--demo")
}

// A deployment without --demo and without a FastAPI key must start too.
func TestServeWithoutDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prod.db")

	r := run(t, db, "carol-password\n", "user", "add", "carol", "--scopes", "me", "--password-stdin")
	mustSucceed(t, r, "user add carol")

	serveAndLogin(t, db, "carol", "carol-password")
}

// serveAndLogin starts scopegate serve on db with extra flags, logs in as
// username with the password grant, and stops the server with SIGTERM.
func serveAndLogin(t *testing.T, db, username, pass string, extra ...string) {
	t.Helper()

	serveLoginAndInspect(t, db, username, pass, inspection{}, extra...)
}

// inspection looks at a running server process, given its process ID.
type inspection struct {
	// withLogin, when set, runs at the same time as the login. A login
	// whose password child does not respond within the call timeout of
	// 5 s, as happens to a child at low priority on a loaded machine,
	// ends with the child stopped, so a check of the child runs here.
	withLogin func(pid int)

	// afterLogin, when set, runs once the login has succeeded.
	afterLogin func(pid int)
}

// loginResult is the outcome of postLogin.
type loginResult struct {
	status int
	body   string
	err    error
}

// postLogin posts the password grant for username, asking for the scope
// me, to the server at addr. It calls no method of testing.T, so that it
// can run on a goroutine of its own.
func postLogin(addr, username, pass string) loginResult {
	form := strings.NewReader("username=" + username + "&password=" + pass + "&scope=me")

	resp, err := testClient.Post("http://"+addr+"/token", "application/x-www-form-urlencoded", form)
	if err != nil {
		return loginResult{err: err}
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)

	return loginResult{status: resp.StatusCode, body: string(body), err: err}
}

// serveLoginAndInspect is serveAndLogin that runs the functions of check
// on the server's process ID, during and after the login, before the stop.
func serveLoginAndInspect(t *testing.T, db, username, pass string, check inspection, extra ...string) string {
	t.Helper()

	args := append([]string{"--db", db, "serve", "--addr", "127.0.0.1:0"}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv()

	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}

	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	t.Cleanup(func() { _ = cmd.Process.Kill() })

	logs := bufio.NewScanner(stderr)
	addr := waitForStart(t, cmd, logs)

	// The login ends within testClient's timeout, so the receive below
	// does too.
	logins := make(chan loginResult, 1)
	go func() { logins <- postLogin(addr, username, pass) }()

	if check.withLogin != nil {
		check.withLogin(cmd.Process.Pid)
	}

	login := <-logins
	if login.err != nil {
		t.Fatalf("POST /token: %v", login.err)
	}

	if login.status != http.StatusOK {
		t.Fatalf("POST /token status = %d, body %s", login.status, login.body)
	}

	if check.afterLogin != nil {
		check.afterLogin(cmd.Process.Pid)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	// Killing a server that does not stop ends the read of its logs.
	timer := time.AfterFunc(stopTimeout, func() { _ = cmd.Process.Kill() })
	rest := readAll(logs)
	err = cmd.Wait()

	if !timer.Stop() {
		t.Fatalf("scopegate serve did not exit within %s of SIGTERM and was killed\nlogs: %s", stopTimeout, rest)
	}

	if err != nil {
		t.Fatalf("scopegate serve exited with %v after SIGTERM\nlogs: %s", err, rest)
	}

	for _, want := range []string{`"msg":"scopegate stopping"`, `"msg":"scopegate stopped"`} {
		if !strings.Contains(rest, want) {
			t.Errorf("logs after SIGTERM lack %s:\n%s", want, rest)
		}
	}

	if strings.Contains(rest, pass) {
		t.Errorf("logs contain the password:\n%s", rest)
	}

	return rest
}

// waitForStart reads JSON log lines of cmd until the start message and
// returns the address it names. It kills cmd when the message has not come
// within startTimeout, which ends the read.
func waitForStart(t *testing.T, cmd *exec.Cmd, logs *bufio.Scanner) string {
	t.Helper()

	timer := time.AfterFunc(startTimeout, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()

	var seen []string

	for logs.Scan() {
		line := logs.Text()
		seen = append(seen, line)

		var entry struct {
			Msg        string `json:"msg"`
			Addr       string `json:"addr"`
			Database   string `json:"database"`
			SigningKey string `json:"signing_key"`
		}

		if json.Unmarshal([]byte(line), &entry) != nil || entry.Msg != "scopegate started" {
			continue
		}

		if !strings.HasPrefix(entry.Database, "sqlite:") {
			t.Errorf("start log database = %q, want the SQLite path", entry.Database)
		}

		if entry.SigningKey == "" {
			t.Error("start log does not say where the signing key came from")
		}

		return entry.Addr
	}

	if !timer.Stop() {
		t.Fatalf("scopegate did not log its start within %s and was killed; logs:\n%s", startTimeout,
			strings.Join(seen, "\n"))
	}

	t.Fatalf("scopegate exited before it started; logs:\n%s", strings.Join(seen, "\n"))

	return ""
}

func readAll(logs *bufio.Scanner) string {
	var b strings.Builder
	for logs.Scan() {
		b.WriteString(logs.Text())
		b.WriteByte('\n')
	}

	return b.String()
}

// A user disabled from the command line is rejected by a running server
// on the same SQLite file, although the server caches users.
func TestDisableReachesRunningServer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "disable.db")

	// A cache TTL of a minute leaves the server's polling of the file as
	// the only way a disabled user can be rejected within maxDisableDelay.
	cmd := exec.Command(binary, "--db", db, "serve", "--demo", "--addr", "127.0.0.1:0",
		"--principal-cache-ttl", "1m")
	cmd.Env = cleanEnv()

	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}

	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	logs := bufio.NewScanner(stderr)
	addr := waitForStart(t, cmd, logs)

	go func() {
		for logs.Scan() {
		}
	}()

	resp, err := testClient.Post("http://"+addr+"/token", "application/x-www-form-urlencoded",
		strings.NewReader("username=johndoe&password=secret&scope=me"))
	if err != nil {
		t.Fatal(err)
	}

	var body struct {
		AccessToken string `json:"access_token"`
	}

	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()

	if err != nil || body.AccessToken == "" {
		t.Fatalf("POST /token: status %d, decode error %v", resp.StatusCode, err)
	}

	if status := getMe(t, addr, body.AccessToken); status != http.StatusOK {
		t.Fatalf("GET /users/me/ before disabling: status %d, want 200", status)
	}

	mustSucceed(t, run(t, db, "", "user", "disable", "johndoe"), "user disable johndoe")
	disabledAt := time.Now()

	for getMe(t, addr, body.AccessToken) != http.StatusUnauthorized {
		if waited := time.Since(disabledAt); waited > maxDisableDelay {
			t.Fatalf("the running server still accepted the token %s after user disable, want within %s",
				waited, maxDisableDelay)
		}

		time.Sleep(20 * time.Millisecond)
	}

	t.Logf("the running server rejected the token %s after user disable returned", time.Since(disabledAt))
}

func getMe(t *testing.T, addr, accessToken string) int {
	t.Helper()

	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/users/me/", nil)
	if err != nil {
		t.Fatal(err)
	}

	req.Header.Set("Authorization", "Bearer "+accessToken)

	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}

	resp.Body.Close()

	return resp.StatusCode
}

func TestInvalidFlagValueNamesTheForm(t *testing.T) {
	db := filepath.Join(t.TempDir(), "flags.db")

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--password-workers", "abc"}, `invalid value "abc" for --password-workers: use a whole number`},
		{[]string{"serve", "--password-yield=maybe"}, `invalid value "maybe" for --password-yield: use true or false`},
		{[]string{"serve", "--access-token-ttl", "5"}, `invalid value "5" for --access-token-ttl: use a duration`},
	}

	for _, tt := range tests {
		r := run(t, db, "", tt.args...)

		if r.code == 0 {
			t.Errorf("%v: exit code 0, want an error", tt.args)
		}

		if !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: stderr = %q, want it to contain %q", tt.args, r.stderr, tt.want)
		}

		if strings.Contains(r.stderr, "strconv") {
			t.Errorf("%v: stderr = %q, want no parser internals", tt.args, r.stderr)
		}
	}
}

// A value that parses but is out of range is reported under the flag or
// the environment variable that set it, before serve creates the database.
func TestRangeErrorNamesFlagOrVariable(t *testing.T) {
	maxWorkers := maxWorkersPerCPU * runtime.NumCPU()

	tests := []struct {
		flag, env, value string
		want             string // the message with %s for the flag or variable
	}{
		{"password-process", "SCOPEGATE_PASSWORD_PROCESS", "fast",
			`invalid %s "fast": use idle, low, normal or off`},
		{"password-workers", "SCOPEGATE_PASSWORD_WORKERS", "-1",
			"invalid %s -1: use 0 for the default, or 1 to " + fmt.Sprint(maxWorkers) + " (4 per CPU)"},
		{"password-queue", "SCOPEGATE_PASSWORD_QUEUE", "70000",
			"invalid %s 70000: use 0 for 4 per worker, or 1 to 65536"},
		{"password-max-wait", "SCOPEGATE_PASSWORD_MAX_WAIT", "0s",
			"invalid %s 0s: use a positive duration, such as 1s"},
		{"password-child-timeout", "SCOPEGATE_PASSWORD_CHILD_TIMEOUT", "9s",
			"invalid %s 9s: use a positive duration up to 8s, such as 5s"},
		{"principal-cache-size", "SCOPEGATE_PRINCIPAL_CACHE_SIZE", "-1",
			"invalid %s -1: use 0 or more"},
		{"principal-cache-ttl", "SCOPEGATE_PRINCIPAL_CACHE_TTL", "0s",
			"invalid %s 0s: use a positive duration, or --principal-cache-size 0 to turn the cache off"},
		{"log-format", "SCOPEGATE_LOG_FORMAT", "xml",
			`invalid %s "xml": use json or text`},
	}

	for _, tt := range tests {
		t.Run(tt.flag+" by flag", func(t *testing.T) {
			args := []string{"serve", "--" + tt.flag + "=" + tt.value}
			checkRangeError(t, nil, args, fmt.Sprintf(tt.want, "--"+tt.flag))
		})

		t.Run(tt.flag+" by variable", func(t *testing.T) {
			env := []string{tt.env + "=" + tt.value}
			label := tt.env + " (--" + tt.flag + ")"
			checkRangeError(t, env, []string{"serve"}, fmt.Sprintf(tt.want, label))
		})
	}

	// The command line wins over the variable, so the message names the flag.
	t.Run("flag over variable", func(t *testing.T) {
		checkRangeError(t, []string{"SCOPEGATE_LOG_FORMAT=xml"}, []string{"serve", "--log-format=yaml"},
			`invalid --log-format "yaml": use json or text`)
	})
}

// checkRangeError runs scopegate with env and args against a new SQLite
// file, and expects it to fail with exactly the message want and to leave
// no database file behind.
func checkRangeError(t *testing.T, env, args []string, want string) {
	t.Helper()

	db := filepath.Join(t.TempDir(), "range.db")
	r := runArgsWithEnv(t, "", env, append([]string{"--db", db}, args...))

	if r.code != 1 {
		t.Errorf("scopegate %v with %v: exit code %d, want 1", args, env, r.code)
	}

	if wantStderr := "scopegate: " + want + "\n"; r.stderr != wantStderr {
		t.Errorf("scopegate %v with %v: stderr = %q, want %q", args, env, r.stderr, wantStderr)
	}

	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("database file after a rejected start: %v, want none created", err)
	}
}
