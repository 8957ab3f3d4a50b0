package main

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

// threadStat puts a new locked thread in class c and returns the fields of
// its /proc/thread-self/stat line after the command name, so that field n
// of proc(5) is at index n-3. The goroutine keeps its thread locked when it
// returns, so the Go runtime ends that thread instead of reusing it.
func threadStat(t *testing.T, c class) []string {
	t.Helper()

	type outcome struct {
		fields []string
		err    error
	}

	done := make(chan outcome, 1)
	go func() {
		runtime.LockOSThread()

		if err := setThreadClass(0, c); err != nil {
			done <- outcome{err: err}
			return
		}

		stat, err := os.ReadFile("/proc/thread-self/stat")
		if err != nil {
			done <- outcome{err: err}
			return
		}

		text := string(stat)
		done <- outcome{fields: strings.Fields(text[strings.LastIndexByte(text, ')')+1:])}
	}()

	o := <-done
	if o.err != nil {
		t.Fatalf("setThreadClass(0, %s): %v", c, o.err)
	}

	return o.fields
}

func TestSetThreadClassIdle(t *testing.T) {
	fields := threadStat(t, classIdle)

	if policy := fields[38]; policy != "5" {
		t.Errorf("policy of the thread = %s, want 5 (SCHED_IDLE)", policy)
	}
}

func TestSetThreadClassLow(t *testing.T) {
	fields := threadStat(t, classLow)

	if policy := fields[38]; policy != "0" {
		t.Errorf("policy of the thread = %s, want 0 (SCHED_OTHER)", policy)
	}

	if nice := fields[16]; nice != "19" {
		t.Errorf("nice of the thread = %s, want 19", nice)
	}
}
