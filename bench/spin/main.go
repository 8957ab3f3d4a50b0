// Command spin is the background CPU load of the benchmark harness in
// package bench. It keeps CPUs busy at a low scheduling priority, the one
// of scopegate's password child, so that the harness can measure how much
// background CPU work at that priority delays a server's requests on this
// machine. It reads no files but /proc/self/task, opens no network
// connection and prints one line.
//
// Usage:
//
//	spin -duration 10s [-threads N] [-class low|idle]
//
// It starts -threads busy threads, one per CPU (runtime.NumCPU) by
// default, with GOMAXPROCS set to that number. It puts each of its threads
// in the -class: low is nice 19 (the default), idle is SCHED_IDLE. Once
// all of them run it prints "spinning on N threads at nice 19" or "at
// SCHED_IDLE", and it exits after -duration or when it receives SIGTERM,
// SIGINT or SIGKILL. On systems other than Linux it exits with an error
// before it spins.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The main goroutine stays on the main thread, whose scheduling policy the
// threads that the Go runtime creates later inherit.
func init() {
	runtime.LockOSThread()
}

func main() {
	duration := flag.Duration("duration", time.Minute, "time to spin before exiting, such as 10s")
	threads := flag.Int("threads", runtime.NumCPU(), "busy threads, one per CPU by default")
	className := flag.String("class", "low", "scheduling of the threads: low (nice 19) or idle (SCHED_IDLE)")
	flag.Parse()

	if err := run(*duration, *threads, *className); err != nil {
		fmt.Fprintln(os.Stderr, "spin:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, threads int, className string) error {
	if duration <= 0 {
		return fmt.Errorf("invalid -duration %s: must be above 0", duration)
	}

	if threads < 1 || threads > runtime.NumCPU() {
		return fmt.Errorf("invalid -threads %d: use 1 to %d, the number of CPUs", threads, runtime.NumCPU())
	}

	c, err := parseClass(className)
	if err != nil {
		return err
	}

	if err := setThreadClass(0, c); err != nil {
		return err
	}

	if err := setProcessClass(c); err != nil {
		return err
	}

	var stop atomic.Bool

	if err := startSpinners(threads, c, &stop); err != nil {
		return err
	}

	// The second pass catches any thread that a thread not yet in the
	// class created during the first.
	if err := setProcessClass(c); err != nil {
		return err
	}

	fmt.Printf("spinning on %d threads at %s\n", threads, c)

	waitForEnd(duration)
	stop.Store(true)

	return nil
}

// startSpinners starts n goroutines that each lock a thread of their own,
// put it in class c and spin until stop is set. It returns once all of
// them spin, or the first error.
func startSpinners(n int, c class, stop *atomic.Bool) error {
	// GOMAXPROCS follows the CPU quota of the cgroup since Go 1.25, which
	// may be below the CPU count. The loop is meant to fill n CPUs that the
	// scheduler would otherwise leave idle, and no more.
	runtime.GOMAXPROCS(n)

	var ready sync.WaitGroup
	errs := make(chan error, n)

	for range n {
		ready.Add(1)

		go func() {
			runtime.LockOSThread()

			err := setThreadClass(0, c)
			errs <- err
			ready.Done()

			if err == nil {
				spinUntil(stop)
			}
		}()
	}

	ready.Wait()
	close(errs)

	for err := range errs {
		if err != nil {
			return err
		}
	}

	return nil
}

func spinUntil(stop *atomic.Bool) {
	for !stop.Load() {
	}
}

// waitForEnd returns after duration or on SIGTERM or SIGINT.
func waitForEnd(duration time.Duration) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, os.Interrupt)

	select {
	case <-time.After(duration):
	case <-signals:
	}
}
