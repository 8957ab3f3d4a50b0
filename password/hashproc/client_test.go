package hashproc

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/password"
)

// testParams make hashes cheap, so the tests spend their time on the
// process handling.
var testParams = password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// hookRecorder collects the errors a Client reports.
type hookRecorder struct {
	mu     sync.Mutex
	errors []error
}

func (h *hookRecorder) record(err error) {
	h.mu.Lock()
	h.errors = append(h.errors, err)
	h.mu.Unlock()
}

func (h *hookRecorder) reported() []error {
	h.mu.Lock()
	defer h.mu.Unlock()

	return slices.Clone(h.errors)
}

func startClient(t *testing.T, mode string, change func(*Config)) (*Client, *hookRecorder) {
	t.Helper()

	hook := &hookRecorder{}
	cfg := Config{
		Path:    os.Args[0],
		Args:    []string{mode},
		Workers: 2,
		// Other tests running at the same time could starve a child at
		// idle priority. TestChildRunsAtIdlePriority covers that class.
		Priority: PriorityNormal,
		// A loaded machine can take seconds to start a child, and more at
		// a low priority, which the default of 5 s would report as a
		// failure. The tests of the timeout set their own.
		CallTimeout: time.Minute,
		Hasher:      &password.Hasher{Params: testParams},
		ErrorHook:   hook.record,
	}
	if change != nil {
		change(&cfg)
	}

	c, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })

	return c, hook
}

func hashInProcess(t *testing.T, plain string) string {
	t.Helper()

	hasher := password.Hasher{Params: testParams}
	encoded, err := hasher.Hash(plain)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}

	return encoded
}

// checkVerify checks that c returns the same results as password.Verify.
func checkVerify(t *testing.T, c *Client) {
	t.Helper()

	encoded := hashInProcess(t, "correct horse")

	ok, err := c.Verify("correct horse", encoded)
	if err != nil || !ok {
		t.Errorf("Verify(right password) = %v, %v; want true, nil", ok, err)
	}

	ok, err = c.Verify("wrong horse", encoded)
	if err != nil || ok {
		t.Errorf("Verify(wrong password) = %v, %v; want false, nil", ok, err)
	}
}

func TestClientVerifies(t *testing.T) {
	c, hook := startClient(t, childServe, nil)

	checkVerify(t, c)

	// The hash of "secret" from FastAPI's tutorial, made by passlib.
	const bcryptHash = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW"

	ok, err := c.Verify("secret", bcryptHash)
	if err != nil || !ok {
		t.Errorf("Verify(bcrypt, right password) = %v, %v; want true, nil", ok, err)
	}

	if errs := hook.reported(); len(errs) != 0 {
		t.Errorf("errors reported = %v, want none", errs)
	}
}

func TestClientKeepsErrorKinds(t *testing.T) {
	c, _ := startClient(t, childServe, nil)

	_, err := c.Verify("secret", "$argon2id$v=19$m=64,t=1,p=1$bad")
	if !errors.Is(err, password.ErrMalformedHash) {
		t.Errorf("Verify(malformed hash) error = %v, want one wrapping ErrMalformedHash", err)
	}

	_, err = c.Verify("secret", "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E")
	if !errors.Is(err, password.ErrUnsupportedHash) {
		t.Errorf("Verify(scrypt hash) error = %v, want one wrapping ErrUnsupportedHash", err)
	}

	_, err = c.Hash("")
	if !errors.Is(err, password.ErrEmptyPassword) {
		t.Errorf("Hash(\"\") error = %v, want ErrEmptyPassword", err)
	}
}

func TestClientHashesWithItsParams(t *testing.T) {
	c, _ := startClient(t, childServe, nil)

	encoded, err := c.Hash("correct horse")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}

	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("Hash = %q, want the test parameters m=64,t=1,p=1", encoded)
	}

	ok, err := password.Verify("correct horse", encoded)
	if err != nil || !ok {
		t.Errorf("password.Verify(child's hash) = %v, %v; want true, nil", ok, err)
	}

	if c.NeedsRehash(encoded) {
		t.Error("NeedsRehash(hash with the client's own parameters) = true, want false")
	}
}

func TestClientVerifyDummyUsesChild(t *testing.T) {
	c, hook := startClient(t, childServe, nil)

	c.VerifyDummy("no such user's password")

	if errs := hook.reported(); len(errs) != 0 {
		t.Errorf("errors reported = %v, want none", errs)
	}
}

func TestClientConcurrentCalls(t *testing.T) {
	c, _ := startClient(t, childServe, nil)

	hashes := make([]string, 8)
	for i := range hashes {
		hashes[i] = hashInProcess(t, fmt.Sprint("password ", i))
	}

	var wg sync.WaitGroup
	failures := make(chan string, 64)
	for i := range 64 {
		wg.Go(func() {
			plain := fmt.Sprint("password ", i%8)
			encoded := hashes[(i/8)%8]
			want := i%8 == (i/8)%8

			ok, err := c.Verify(plain, encoded)
			if err != nil || ok != want {
				failures <- fmt.Sprintf("call %d: Verify = %v, %v; want %v, nil", i, ok, err, want)
			}
		})
	}
	wg.Wait()
	close(failures)

	for failure := range failures {
		t.Error(failure)
	}
}

func TestClientFallsBackWhenChildExits(t *testing.T) {
	c, hook := startClient(t, childExit, func(cfg *Config) { cfg.RestartDelay = time.Hour })

	checkVerify(t, c)

	errs := hook.reported()
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), "child exited") {
		t.Fatalf("errors reported = %v, want the child's exit", errs)
	}

	if !strings.Contains(errs[0].Error(), "exit status 3") {
		t.Errorf("reported error = %q, want the exit status 3", errs[0])
	}

	// With the restart delay not passed, no new child starts and the
	// failure is not reported again.
	checkVerify(t, c)

	if got := len(hook.reported()); got != len(errs) {
		t.Errorf("errors reported after a second call = %d, want %d", got, len(errs))
	}
}

func TestClientRestartsChild(t *testing.T) {
	c, _ := startClient(t, childServe, func(cfg *Config) { cfg.RestartDelay = time.Millisecond })

	first := c.currentPID(t)
	killChild(t, c)
	time.Sleep(2 * time.Millisecond)

	checkVerify(t, c)

	if second := c.currentPID(t); second == first {
		t.Errorf("child PID after the kill = %d, want a new process", second)
	}
}

func TestClientStopsChildThatHangs(t *testing.T) {
	c, hook := startClient(t, childHang, func(cfg *Config) { cfg.CallTimeout = 200 * time.Millisecond })

	start := time.Now()
	checkVerify(t, c)

	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Verify with a hanging child took %s, want about the call timeout", elapsed)
	}

	errs := hook.reported()
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), "did not respond within 200ms") {
		t.Errorf("errors reported = %v, want the timeout", errs)
	}
}

// A child that stops reading, as a stopped process does, fills the pipe.
// The writes behind it must give up at the call timeout too, and Close
// must not wait for them.
func TestClientTimesOutBlockedWrites(t *testing.T) {
	c, hook := startClient(t, childNoRead, func(cfg *Config) {
		cfg.CallTimeout = 300 * time.Millisecond
		cfg.RestartDelay = time.Hour
	})

	long := strings.Repeat("p", password.MaxLength)
	encoded := hashInProcess(t, long)

	start := time.Now()
	var wg sync.WaitGroup
	failures := make(chan string, 32)
	for i := range 32 {
		wg.Go(func() {
			if ok, err := c.Verify(long, encoded); err != nil || !ok {
				failures <- fmt.Sprintf("call %d: Verify = %v, %v; want true, nil", i, ok, err)
			}
		})
	}
	wg.Wait()
	close(failures)

	for failure := range failures {
		t.Error(failure)
	}

	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("32 calls to a child that does not read took %s, want about the call timeout", elapsed)
	}

	if errs := hook.reported(); len(errs) != 1 {
		t.Errorf("errors reported = %v, want one for the stopped child", errs)
	}

	closeStart := time.Now()
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}

	if elapsed := time.Since(closeStart); elapsed > stopGrace+time.Second {
		t.Errorf("Close took %s, want at most the stop grace of %s", elapsed, stopGrace)
	}
}

func TestClientOverlongPassword(t *testing.T) {
	c, hook := startClient(t, childServe, nil)
	overlong := strings.Repeat("p", password.MaxLength+1)

	if ok, err := c.Verify(overlong, hashInProcess(t, "short")); ok || err != nil {
		t.Errorf("Verify(overlong) = %v, %v; want false, nil", ok, err)
	}

	if _, err := c.Hash(overlong); !errors.Is(err, password.ErrTooLong) {
		t.Errorf("Hash(overlong) error = %v, want ErrTooLong", err)
	}

	c.VerifyDummy(overlong) // sent to the child cut to MaxLength

	if c.runningChild() == nil || len(hook.reported()) != 0 {
		t.Errorf("after VerifyDummy(overlong): child %v, errors %v; want the child running and no errors",
			c.runningChild(), hook.reported())
	}
}

func TestClientStopsChildWithBadStatus(t *testing.T) {
	c, hook := startClient(t, childBadStatus, func(cfg *Config) { cfg.RestartDelay = time.Hour })

	checkVerify(t, c)

	errs := hook.reported()
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), "status 99") {
		t.Errorf("errors reported = %v, want the unknown status", errs)
	}
}

func TestClientClose(t *testing.T) {
	c, hook := startClient(t, childServe, nil)
	checkVerify(t, c) // the child is past its start-up
	ch := c.runningChild()

	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	select {
	case <-ch.readerEnd:
	default:
		t.Fatal("Close returned before the child was reaped")
	}

	if code := ch.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("child exit code = %d, want 0 after its input closed", code)
	}

	if errs := hook.reported(); len(errs) != 0 {
		t.Errorf("errors reported for Close = %v, want none", errs)
	}

	checkVerify(t, c) // in this process now
}

func TestStartErrors(t *testing.T) {
	if _, err := Start(Config{}); err == nil || !strings.Contains(err.Error(), "Config.Args is empty") {
		t.Errorf("Start without Args error = %v, want one naming Config.Args", err)
	}

	_, err := Start(Config{Path: "/nonexistent/scopegate", Args: []string{childServe}})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/scopegate is not a regular file") {
		t.Errorf("Start with a missing executable error = %v, want one naming the path", err)
	}
}

func TestClientStartsChildAtFirstRequest(t *testing.T) {
	c, _ := startClient(t, childServe, nil)

	if ch := c.runningChild(); ch != nil {
		t.Fatalf("child %d runs before any request, want none", ch.cmd.Process.Pid)
	}

	checkVerify(t, c)

	if c.runningChild() == nil {
		t.Error("no child after a request, want one")
	}
}

func TestClientStopsIdleChild(t *testing.T) {
	var starts atomic.Int32
	testPipeCreated = func(*os.File) { starts.Add(1) }
	t.Cleanup(func() { testPipeCreated = nil })

	c, hook := startClient(t, childServe, func(cfg *Config) { cfg.IdleTimeout = 50 * time.Millisecond })

	checkVerify(t, c)

	// After a stall of 50ms the idle stop may have come already, so the
	// test takes the child as a request does, which starts one if none runs.
	first := c.heldChild(t)

	deadline := time.Now().Add(5 * time.Second)
	for c.runningChild() != nil {
		if time.Now().After(deadline) {
			t.Fatal("child still held 5 s after its last request, want it stopped after 50ms")
		}

		time.Sleep(10 * time.Millisecond)
	}

	<-first.readerEnd
	if code := first.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("idle child exit code = %d, want 0", code)
	}

	if errs := hook.reported(); len(errs) != 0 {
		t.Errorf("errors reported for an idle stop = %v, want none", errs)
	}

	// The new child may be stopped as idle again before the test looks
	// at it, so the test counts the children started instead.
	before := starts.Load()
	checkVerify(t, c)

	if starts.Load() == before {
		t.Error("no new child after the idle stop, want one started by the next request")
	}
}

func TestClientKeepsChildWithNegativeIdleTimeout(t *testing.T) {
	c, _ := startClient(t, childServe, func(cfg *Config) { cfg.IdleTimeout = -1 })

	checkVerify(t, c)
	first := c.runningChild()
	time.Sleep(100 * time.Millisecond)

	if c.runningChild() != first {
		t.Error("child replaced or stopped with a negative IdleTimeout, want it kept")
	}
}

// currentPID returns the process ID of the running child, starting one if
// needed.
func (c *Client) currentPID(t *testing.T) int {
	t.Helper()

	return c.heldChild(t).cmd.Process.Pid
}

// heldChild returns the running child, starting one if needed, as a
// request does. While the request holds it, the idle stop leaves it.
func (c *Client) heldChild(t *testing.T) *child {
	t.Helper()

	ch, err := c.acquire()
	if err != nil {
		t.Fatalf("current child: %v", err)
	}
	c.release()

	return ch
}

// runningChild returns the child the Client holds now, or nil.
func (c *Client) runningChild() *child {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.child
}

func killChild(t *testing.T, c *Client) {
	t.Helper()

	c.mu.Lock()
	ch := c.child
	c.mu.Unlock()

	ch.kill(errors.New("killed by the test"))
	<-ch.readerEnd
}
