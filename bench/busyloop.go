package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// The scheduling policies from <linux/sched.h>, as field 41 of
// /proc/PID/stat shows them.
const (
	schedOther = 0
	schedIdle  = 5
)

// busyClass is a scheduling class that bench/spin runs its threads in.
type busyClass struct {
	// flag is the value of spin's -class flag, and label the class's name
	// in tables.
	flag, label string

	// policy is the scheduling policy of the class. nice is its nice
	// value, which counts only in SCHED_OTHER.
	policy, nice int
}

var (
	// busyLow is the class of scopegate's password child by default.
	busyLow = busyClass{flag: "low", label: "nice-19", policy: schedOther, nice: 19}

	// busyIdle is the class of the child's idle setting.
	busyIdle = busyClass{flag: "idle", label: "SCHED_IDLE", policy: schedIdle}
)

// has reports whether a thread with the given nice value and policy runs
// in class c.
func (c busyClass) has(nice, policy int) bool {
	return policy == c.policy && (policy != schedOther || nice == c.nice)
}

// busyLoop is a running bench/spin process, which keeps CPUs busy at a low
// priority.
type busyLoop struct {
	pid int
	cmd *exec.Cmd
}

// startBusyLoop starts bench/spin with threads busy threads in class c for
// at most duration, waits until it prints that its threads spin, and
// checks that each of its threads runs in c.
func (b *scopegateBuild) startBusyLoop(duration time.Duration, threads int, c busyClass) (*busyLoop, error) {
	logPath := filepath.Join(b.dir, "spin.log")

	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start busy loop: %w", err)
	}
	defer logFile.Close()

	cmd := exec.Command(b.spin, "-duration", duration.String(), "-threads", strconv.Itoa(threads),
		"-class", c.flag)
	cmd.Stderr = logFile

	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start busy loop: %w", err)
	}

	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start busy loop: %w", err)
	}

	loop := &busyLoop{pid: cmd.Process.Pid, cmd: cmd}

	if err := loop.waitSpinning(stdout, c); err != nil {
		loop.stop()
		return nil, fmt.Errorf("start busy loop (log in %s): %w", logPath, err)
	}

	return loop, nil
}

// waitSpinning reads the line that spin prints once all its threads spin,
// within startTimeout, and then checks that they run in class c.
func (l *busyLoop) waitSpinning(stdout io.Reader, c busyClass) error {
	lines := make(chan error, 1)
	go func() {
		_, err := bufio.NewReader(stdout).ReadString('\n')
		lines <- err
	}()

	select {
	case err := <-lines:
		if err != nil {
			return fmt.Errorf("exited before it started spinning: %w", err)
		}
	case <-time.After(startTimeout):
		return fmt.Errorf("did not start spinning within %s", startTimeout)
	}

	return procRoot.checkClass(l.pid, c)
}

// stop kills the busy loop and waits for it to exit.
func (l *busyLoop) stop() {
	_ = l.cmd.Process.Kill()
	_ = l.cmd.Wait()
}

// checkClass returns an error unless every thread of pid runs in class c.
// A thread that exits during the check is skipped.
func (p procFS) checkClass(pid int, c busyClass) error {
	dir := filepath.Join(string(p), strconv.Itoa(pid), "task")

	tasks, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list threads of PID %d: %w", pid, err)
	}

	if len(tasks) == 0 {
		return fmt.Errorf("PID %d has no threads", pid)
	}

	for _, task := range tasks {
		data, err := os.ReadFile(filepath.Join(dir, task.Name(), "stat"))
		if vanished(err) {
			continue
		}

		if err != nil {
			return err
		}

		nice, policy, err := parseStatSched(string(data))
		if err != nil {
			return fmt.Errorf("thread %s of PID %d: %w", task.Name(), pid, err)
		}

		if !c.has(nice, policy) {
			return fmt.Errorf("thread %s of PID %d runs at scheduling policy %d and nice %d, want %s",
				task.Name(), pid, policy, nice, c.label)
		}
	}

	return nil
}
