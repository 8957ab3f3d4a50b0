package main

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestRunRejectsInvalidDuration(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		if err := run(d, 1); err == nil || !strings.Contains(err.Error(), "invalid -duration") {
			t.Errorf("run(%s) error = %v, want invalid -duration", d, err)
		}
	}
}

func TestRunRejectsInvalidThreads(t *testing.T) {
	for _, n := range []int{0, -1, runtime.NumCPU() + 1} {
		if err := run(time.Second, n); err == nil || !strings.Contains(err.Error(), "invalid -threads") {
			t.Errorf("run(1s, %d) error = %v, want invalid -threads", n, err)
		}
	}
}
