package hashproc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
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
