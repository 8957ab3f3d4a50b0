package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// By default serve checks passwords in a child process: the same binary
// running the hidden password-worker command, at nice 19, with none of the
// server's environment.
func TestServeChecksPasswordsInLowChild(t *testing.T) {
	db := filepath.Join(t.TempDir(), "low.db")

	r := run(t, db, "carol-password\n", "user", "add", "carol", "--scopes", "me", "--password-stdin")
	mustSucceed(t, r, "user add carol")

	inspect := func(pid int) {
		child := waitForPasswordChild(t, pid)

		stat := readProcFile(t, child, "stat")
		if policy := procStatField(stat, 41); policy != "0" {
			t.Errorf("child scheduling policy = %s, want 0 (SCHED_OTHER)", policy)
		}

		if nice := procStatField(stat, 19); nice != "19" {
			t.Errorf("child nice value = %s, want 19", nice)
		}

		if env := readProcFile(t, child, "environ"); !strings.HasPrefix(env, "GOMAXPROCS=") ||
			strings.Count(env, "\x00") != 1 {
			t.Errorf("child environment = %q, want GOMAXPROCS only", env)
		}
	}

	serveLoginAndInspect(t, db, "carol", "carol-password", inspection{withLogin: inspect})
}

// With --password-process idle the child runs at the idle scheduling class,
// and it exits when serve stops.
func TestServeChecksPasswordsInIdleChild(t *testing.T) {
	db := filepath.Join(t.TempDir(), "child.db")

	r := run(t, db, "carol-password\n", "user", "add", "carol", "--scopes", "me", "--password-stdin")
	mustSucceed(t, r, "user add carol")

	var childPID int
	inspect := func(pid int) {
		// The child runs password-worker, or the wait fails.
		childPID = waitForPasswordChild(t, pid)

		if stat := readProcFile(t, childPID, "stat"); procStatField(stat, 41) != "5" {
			t.Errorf("child scheduling policy = %s, want 5 (SCHED_IDLE)", procStatField(stat, 41))
		}

		if env := readProcFile(t, childPID, "environ"); !strings.HasPrefix(env, "GOMAXPROCS=") ||
			strings.Count(env, "\x00") != 1 {
			t.Errorf("child environment = %q, want GOMAXPROCS only", env)
		}
	}

	serveLoginAndInspect(t, db, "carol", "carol-password", inspection{withLogin: inspect},
		"--password-workers", "2", "--password-process", "idle")

	// The child exits when serve closes its standard input at shutdown.
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(childPID, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("password child %d still runs 5 s after serve stopped", childPID)
		}

		time.Sleep(10 * time.Millisecond)
	}
}

func TestServePasswordProcessOff(t *testing.T) {
	db := filepath.Join(t.TempDir(), "off.db")

	r := run(t, db, "carol-password\n", "user", "add", "carol", "--scopes", "me", "--password-stdin")
	mustSucceed(t, r, "user add carol")

	inspect := func(pid int) {
		if children := childProcesses(t, pid); len(children) != 0 {
			t.Errorf("serve --password-process off has child processes %v, want none", children)
		}
	}

	serveLoginAndInspect(t, db, "carol", "carol-password", inspection{afterLogin: inspect},
		"--password-process", "off")
}

// A password child that does not respond within --password-child-timeout
// is stopped, and the login is checked in the server process instead.
func TestServeChildTimeoutFallsBack(t *testing.T) {
	db := filepath.Join(t.TempDir(), "timeout.db")

	r := run(t, db, "carol-password\n", "user", "add", "carol", "--scopes", "me", "--password-stdin")
	mustSucceed(t, r, "user add carol")

	// No argon2id verification with the default parameters ends within
	// 1 ms, so the child misses the timeout.
	logs := serveLoginAndInspect(t, db, "carol", "carol-password", inspection{},
		"--password-child-timeout", "1ms")

	if want := "child did not respond within 1ms"; !strings.Contains(logs, want) {
		t.Errorf("logs lack %q:\n%s", want, logs)
	}
}

// Password flags out of range are rejected before serve opens, creates or
// migrates the database.
func TestServeRejectsBadPasswordFlags(t *testing.T) {
	tests := []struct {
		flags []string
		want  string
	}{
		{[]string{"--password-process", "fast"}, `invalid --password-process "fast": use idle, low, normal or off`},
		{[]string{"--password-workers", "-1"}, "invalid --password-workers -1: use 0 for the default, or 1 to"},
		{[]string{"--password-workers", "100000"}, "invalid --password-workers 100000"},
		{[]string{"--password-queue", "-1"}, "invalid --password-queue -1"},
		{[]string{"--password-queue", "1000000000000"}, "invalid --password-queue 1000000000000: use 0 for 4 per worker, or 1 to 65536"},
		{[]string{"--password-max-wait", "0s"}, "invalid --password-max-wait 0s: use a positive duration"},
		{[]string{"--password-child-timeout", "0s"}, "invalid --password-child-timeout 0s: use a positive duration up to 8s"},
		{[]string{"--password-child-timeout", "1m"}, "invalid --password-child-timeout 1m0s: use a positive duration up to 8s"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.flags, " "), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "bad.db")

			args := append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.flags...)
			mustFail(t, run(t, db, "", args...), strings.Join(args, " "), tt.want)

			if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("database file after a rejected start: %v, want none created", err)
			}
		})
	}
}

// waitForPasswordChild waits until the server pid has one child process,
// and that child runs the password-worker command, and returns the child's
// process ID. Before its exec, a new child still runs the server's program
// with the server's environment, so it must not be inspected yet.
func waitForPasswordChild(t *testing.T, pid int) int {
	t.Helper()

	const wait = 30 * time.Second

	deadline := time.Now().Add(wait)

	for {
		children := childProcesses(t, pid)
		if len(children) > 1 {
			t.Fatalf("serve has child processes %v, want one", children)
		}

		var args []string
		if len(children) == 1 {
			args = commandLine(children[0])
			if len(args) > 0 && args[len(args)-1] == "password-worker" {
				return children[0]
			}
		}

		if time.Now().After(deadline) {
			t.Fatalf("serve has child processes %v, the first with command line %q, %s after the login "+
				"began; want one child running password-worker", children, args, wait)
		}

		time.Sleep(5 * time.Millisecond)
	}
}

// commandLine returns the arguments of process pid, or nil when it has
// exited.
func commandLine(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(data) == 0 {
		return nil
	}

	return strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
}

// childProcesses returns the IDs of the processes that pid's threads
// started and that still run.
func childProcesses(t *testing.T, pid int) []int {
	t.Helper()

	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	if err != nil {
		t.Fatal(err)
	}

	var children []int
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue // the thread has exited
		}

		for _, field := range strings.Fields(string(data)) {
			var child int
			if _, err := fmt.Sscan(field, &child); err == nil {
				children = append(children, child)
			}
		}
	}

	return children
}

func readProcFile(t *testing.T, pid int, name string) string {
	t.Helper()

	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, name))
	if err != nil {
		t.Fatalf("read /proc/%d/%s: %v", pid, name, err)
	}

	return string(data)
}

// procStatField returns field n, counted from 1, of a /proc stat line.
// The fields after the command name, which may hold spaces, start with
// the third.
func procStatField(stat string, n int) string {
	fields := strings.Fields(stat[bytes.LastIndexByte([]byte(stat), ')')+1:])
	return fields[n-3]
}
