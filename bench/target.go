package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// startTimeout bounds how long a server may take to answer /healthz.
const startTimeout = 60 * time.Second

// target is one server under load.
type target struct {
	name    string
	baseURL string
	pid     int

	// token is the bearer token the protected routes are called with.
	token string

	// startup is the time from exec until /healthz answered 200, zero for
	// a server the harness did not start.
	startup time.Duration

	// idleRSS is the resident memory when the harness first saw the
	// server: right after /healthz answered for a server it started.
	idleRSS int64

	// cmd is the process the harness started, nil for a peer.
	cmd *exec.Cmd
}

// startProcess runs the program at path with args, its output going to
// logPath, and waits until GET baseURL/healthz answers 200.
func startProcess(name, baseURL, logPath, path string, args ...string) (*target, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	defer logFile.Close()

	cmd := exec.Command(path, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}

	t := &target{name: name, baseURL: baseURL, pid: cmd.Process.Pid, cmd: cmd}

	if err := waitHealthy(baseURL, cmd); err != nil {
		t.stop()
		return nil, fmt.Errorf("start %s (log in %s): %w", name, logPath, err)
	}

	t.startup = time.Since(start)

	if t.idleRSS, _, err = ownMemory(t.pid); err != nil {
		t.stop()
		return nil, err
	}

	return t, nil
}

// waitHealthy polls GET baseURL/healthz until it answers 200, the process
// exits or startTimeout passes.
func waitHealthy(baseURL string, cmd *exec.Cmd) error {
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(startTimeout)

	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited before it answered /healthz: %v", err)
		default:
		}

		resp, err := client.Get(baseURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				go func() { <-exited }()
				return nil
			}
		}

		time.Sleep(2 * time.Millisecond)
	}

	return fmt.Errorf("/healthz did not answer 200 within %s", startTimeout)
}

// stop ends a process the harness started: SIGTERM, then SIGKILL after
// five seconds.
func (t *target) stop() {
	if t == nil || t.cmd == nil || t.cmd.Process == nil {
		return
	}

	_ = t.cmd.Process.Signal(syscall.SIGTERM)

	for range 500 {
		if err := t.cmd.Process.Signal(syscall.Signal(0)); err != nil {
			return
		}

		time.Sleep(10 * time.Millisecond)
	}

	_ = t.cmd.Process.Kill()
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()

	return ln.Addr().String(), nil
}

// checkLoopback rejects any URL whose host is not 127.0.0.1 or localhost,
// so the harness loads only servers on this machine.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}

	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return nil
	default:
		return fmt.Errorf("%q is not on 127.0.0.1; the harness loads only loopback servers", raw)
	}
}

// login posts the password grant for username to baseURL/token and
// returns the access token.
func login(ctx context.Context, baseURL, username, password string) (string, error) {
	form := url.Values{"username": {username}, "password": {password}, "scope": {"me items"}}

	encoded := strings.NewReader(form.Encode())

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/token", encoded)
	if err != nil {
		return "", err
	}

	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("log in as %s: %w", username, err)
	}
	defer resp.Body.Close()

	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("log in as %s: status %d, decode: %v", username, resp.StatusCode, err)
	}

	if body.AccessToken == "" {
		return "", errors.New("log in: the token response has no access_token")
	}

	return body.AccessToken, nil
}

// scopegateBuild is the scopegate binary, the ceiling server and the busy
// loop, built once per run into dir.
type scopegateBuild struct {
	scopegate string
	ceiling   string
	spin      string
	dir       string
}

// buildBinaries builds ./cmd/scopegate, ./bench/ceiling and ./bench/spin
// of the module that holds the working directory.
func buildBinaries(ctx context.Context, dir string) (*scopegateBuild, error) {
	b := &scopegateBuild{
		scopegate: filepath.Join(dir, "scopegate"),
		ceiling:   filepath.Join(dir, "ceiling"),
		spin:      filepath.Join(dir, "spin"),
		dir:       dir,
	}

	binaries := map[string]string{"./cmd/scopegate": b.scopegate, "./bench/ceiling": b.ceiling, "./bench/spin": b.spin}
	for pkg, out := range binaries {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go build %s: %w", pkg, err)
		}
	}

	return b, nil
}

// startCeiling starts the bare ceiling server.
func (b *scopegateBuild) startCeiling() (*target, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}

	return startProcess("ceiling", "http://"+addr, filepath.Join(b.dir, "ceiling.log"), b.ceiling, "-addr", addr)
}

// launchScopegate starts `scopegate serve --demo` on the SQLite file db,
// or on the PostgreSQL database databaseURL when it is not empty, with
// extra serve flags.
func (b *scopegateBuild) launchScopegate(name, db, databaseURL string, extra []string) (*target, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}

	args := []string{"--db", db}
	if databaseURL != "" {
		args = []string{"--database-url", databaseURL}
	}

	args = append(args, "serve", "--demo", "--addr", addr, "--log-format", "text")
	args = append(args, extra...)

	return startProcess(name, "http://"+addr, filepath.Join(b.dir, name+".log"), b.scopegate, args...)
}

// startScopegate launches scopegate as launchScopegate does and logs
// johndoe in.
func (b *scopegateBuild) startScopegate(ctx context.Context, name, db, databaseURL string, extra []string) (
	*target, error,
) {
	t, err := b.launchScopegate(name, db, databaseURL, extra)
	if err != nil {
		return nil, err
	}

	// The first login replaces johndoe's bcrypt hash with an argon2id one,
	// so later logins cost what a scopegate user's login costs.
	for range 2 {
		if t.token, err = login(ctx, t.baseURL, "johndoe", "secret"); err != nil {
			t.stop()
			return nil, err
		}
	}

	return t, nil
}

// peerTarget is a server that the harness did not start, such as the
// FastAPI app, logged in as johndoe.
func peerTarget(ctx context.Context, baseURL string, pid int) (*target, error) {
	if err := checkLoopback(baseURL); err != nil {
		return nil, err
	}

	rss, _, err := memory(pid)
	if err != nil {
		return nil, fmt.Errorf("peer PID %d: %w", pid, err)
	}

	token, err := login(ctx, strings.TrimSuffix(baseURL, "/"), "johndoe", "secret")
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}

	t := &target{name: "peer", baseURL: strings.TrimSuffix(baseURL, "/"), pid: pid, token: token, idleRSS: rss}

	return t, nil
}
