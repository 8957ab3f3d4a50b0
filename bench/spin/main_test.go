package main

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestRunRejectsInvalidDuration(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		if err := run(d, 1, "low"); err == nil || !strings.Contains(err.Error(), "invalid -duration") {
			t.Errorf("run(%s) error = %v, want invalid -duration", d, err)
		}
	}
}

func TestRunRejectsInvalidThreads(t *testing.T) {
	for _, n := range []int{0, -1, runtime.NumCPU() + 1} {
		if err := run(time.Second, n, "low"); err == nil || !strings.Contains(err.Error(), "invalid -threads") {
			t.Errorf("run(1s, %d) error = %v, want invalid -threads", n, err)
		}
	}
}

func TestRunRejectsInvalidClass(t *testing.T) {
	for _, name := range []string{"", "normal", "IDLE", "nice 19"} {
		if err := run(time.Second, 1, name); err == nil || !strings.Contains(err.Error(), "invalid -class") {
			t.Errorf("run(1s, 1, %q) error = %v, want invalid -class", name, err)
		}
	}
}
