package main

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestSetIdleThread(t *testing.T) {
	policies := make(chan string, 1)
	errs := make(chan error, 1)

	// The goroutine keeps its thread locked when it returns, so the Go
	// runtime ends that thread instead of reusing it at SCHED_IDLE.
	go func() {
		runtime.LockOSThread()

		if err := setIdleThread(0); err != nil {
			errs <- err
			return
		}

		stat, err := os.ReadFile("/proc/thread-self/stat")
		if err != nil {
			errs <- err
			return
		}

		text := string(stat)
		fields := strings.Fields(text[strings.LastIndexByte(text, ')')+1:])
		policies <- fields[38]
	}()

	select {
	case err := <-errs:
		t.Fatalf("setIdleThread: %v", err)
	case policy := <-policies:
		if policy != "5" {
			t.Errorf("policy of the thread = %s, want 5 (SCHED_IDLE)", policy)
		}
	}
}
