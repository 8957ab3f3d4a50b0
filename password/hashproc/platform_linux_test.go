package hashproc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scopegate/scopegate/password"
)

func TestChildRunsAtIdlePriority(t *testing.T) {
	c, hook := startClient(t, childServe, func(cfg *Config) { cfg.Priority = PriorityIdle })
	checkVerify(t, c) // the child has started its worker threads

	pid := c.currentPID(t)
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("threads of child %d: %v, %d found", pid, err, len(tasks))
	}

	for _, task := range tasks {
		if policy := schedulingPolicy(t, task); policy != schedIdle {
			t.Errorf("%s: scheduling policy %d, want SCHED_IDLE (%d)", task, policy, schedIdle)
		}
	}

	if errs := hook.reported(); len(errs) != 0 {
		t.Errorf("errors reported = %v, want none", errs)
	}

	if policy := schedulingPolicy(t, "/proc/thread-self/stat"); policy == schedIdle {
		t.Error("the test's own thread runs at SCHED_IDLE; only the child should")
	}
}

// schedulingPolicy returns the policy field of a /proc stat file.
func schedulingPolicy(t *testing.T, path string) int {
	t.Helper()

	return statField(t, path, 41)
}

// statField returns field n, counted from 1, of a /proc stat file.
func statField(t *testing.T, path string, n int) int {
	t.Helper()

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}

	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	// The fields after the command name start with the third.
	value, err := strconv.Atoi(fields[n-3])
	if err != nil {
		t.Fatalf("%s: field %d: %v", path, n, err)
	}

	return value
}

func TestChildEnvironmentHoldsOnlyGOMAXPROCS(t *testing.T) {
	t.Setenv("SCOPEGATE_DATABASE_URL", "postgres://user:not-for-the-child@127.0.0.1/test")
	c, _ := startClient(t, childServe, func(cfg *Config) { cfg.Workers = 3 })
	checkVerify(t, c) // the child has finished its exec

	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", c.currentPID(t)))
	if err != nil {
		t.Fatalf("read the child's environment: %v", err)
	}

	if got, want := string(environ), "GOMAXPROCS=3\x00"; got != want {
		t.Errorf("child environment = %q, want %q", got, want)
	}
}

func TestChildRunsAtLowPriority(t *testing.T) {
	c, _ := startClient(t, childServe, func(cfg *Config) { cfg.Priority = PriorityLow })
	checkVerify(t, c)

	stat := fmt.Sprintf("/proc/%d/stat", c.currentPID(t))
	if policy := schedulingPolicy(t, stat); policy != 0 {
		t.Errorf("scheduling policy %d, want SCHED_OTHER (0)", policy)
	}

	if nice := statField(t, stat, 19); nice != lowestNice {
		t.Errorf("nice value %d, want %d", nice, lowestNice)
	}
}

// A child that stops reading before the first request has been written
// whole must not block that write past the call timeout. The test shrinks
// the pipe to one page, so that one request of a few kilobytes fills it.
func TestClientTimesOutFirstBlockedWrite(t *testing.T) {
	testPipeCreated = func(f *os.File) { shrinkPipe(t, f) }
	t.Cleanup(func() { testPipeCreated = nil })

	c, hook := startClient(t, childNoRead, func(cfg *Config) { cfg.CallTimeout = 300 * time.Millisecond })
	long := strings.Repeat("p", password.MaxLength)
	encoded := hashInProcess(t, long)

	start := time.Now()
	ok, err := c.Verify(long, encoded)
	if err != nil || !ok {
		t.Errorf("Verify = %v, %v; want true, nil from this process", ok, err)
	}

	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Verify with a blocked write took %s, want about the call timeout", elapsed)
	}

	if errs := hook.reported(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "write to child") {
		t.Errorf("errors reported = %v, want one failed write", errs)
	}
}

// shrinkPipe sets the capacity of the pipe behind f to one page, with
// fcntl F_SETPIPE_SZ (1031 in <linux/fcntl.h>).
func shrinkPipe(t *testing.T, f *os.File) {
	conn, err := f.SyscallConn()
	if err != nil {
		t.Errorf("pipe: %v", err)
		return
	}

	var errno syscall.Errno
	err = conn.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, 1031, uintptr(os.Getpagesize()))
	})
	if err != nil || errno != 0 {
		t.Errorf("shrink the pipe: %v, %v", err, errno)
	}
}

// A child inherits its standard input as a blocking pipe, on which the Go
// runtime can set no deadline. After pollable, reads wait in the poller,
// which the working deadline shows.
func TestPollableMakesPipeWaitInPoller(t *testing.T) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		t.Fatalf("pipe2: %v", err)
	}

	blocking := os.NewFile(uintptr(fds[0]), "stdin")
	writer := os.NewFile(uintptr(fds[1]), "parent")
	t.Cleanup(func() { writer.Close() })

	if err := blocking.SetReadDeadline(time.Now().Add(time.Second)); err == nil {
		t.Fatal("SetReadDeadline on a blocking pipe = nil, want an error: the test would show nothing")
	}

	in, err := pollable(blocking)
	if err != nil {
		t.Fatalf("pollable: %v", err)
	}
	t.Cleanup(func() { in.Close() })

	if err := in.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatalf("SetReadDeadline after pollable: %v, want nil", err)
	}

	buf := make([]byte, 1)
	if _, err := in.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read with nothing written = %v, want os.ErrDeadlineExceeded", err)
	}

	if _, err := writer.Write([]byte("x")); err != nil {
		t.Fatalf("write: %v", err)
	}

	if err := in.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}

	if n, err := in.Read(buf); n != 1 || err != nil || buf[0] != 'x' {
		t.Errorf("Read = %d, %v, %q; want 1, nil, \"x\"", n, err, buf[:n])
	}
}
