// Command spin is the background CPU load of the benchmark harness in
// package bench. It keeps CPUs busy at the idle scheduling class
// (SCHED_IDLE on Linux), so that the harness can measure how much any
// background CPU work, however low its priority, delays a server's
// requests on this machine. It reads no files but /proc/self/task, opens
// no network connection and prints one line.
//
// Usage:
//
//	spin -duration 10s [-threads N]
//
// It starts -threads busy threads, one per CPU (runtime.NumCPU) by
// default, with GOMAXPROCS set to that number, sets the scheduling
// policy of each of its threads to SCHED_IDLE, prints "spinning on N
// threads at SCHED_IDLE" once all of them run, and exits after -duration or
// when it receives SIGTERM, SIGINT or SIGKILL. On systems other than Linux
// it exits with an error before it spins.
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
	flag.Parse()

	if err := run(*duration, *threads); err != nil {
		fmt.Fprintln(os.Stderr, "spin:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, threads int) error {
	if duration <= 0 {
		return fmt.Errorf("invalid -duration %s: must be above 0", duration)
	}

	if threads < 1 || threads > runtime.NumCPU() {
		return fmt.Errorf("invalid -threads %d: use 1 to %d, the number of CPUs", threads, runtime.NumCPU())
	}

	if err := setIdleThread(0); err != nil {
		return err
	}

	if err := setIdleProcess(); err != nil {
		return err
	}

	var stop atomic.Bool

	if err := startSpinners(threads, &stop); err != nil {
		return err
	}

	// The second pass catches any thread that a thread not yet at
	// SCHED_IDLE created during the first.
	if err := setIdleProcess(); err != nil {
		return err
	}

	fmt.Printf("spinning on %d threads at SCHED_IDLE\n", threads)

	waitForEnd(duration)
	stop.Store(true)

	return nil
}

// startSpinners starts n goroutines that each lock a thread of their own,
// set it to SCHED_IDLE and spin until stop is set. It returns once all of
// them spin, or the first error.
func startSpinners(n int, stop *atomic.Bool) error {
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

			err := setIdleThread(0)
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
