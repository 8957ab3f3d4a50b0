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

// schedIdle is the scheduling policy SCHED_IDLE from <linux/sched.h>, as
// field 41 of /proc/PID/stat shows it.
const schedIdle = 5

// busyLoop is a running bench/spin process, which keeps CPUs busy at the
// idle scheduling class.
type busyLoop struct {
	pid int
	cmd *exec.Cmd
}

// startBusyLoop starts bench/spin with threads busy threads for at most
// duration, waits until it prints that its threads spin, and checks that
// each of its threads runs at SCHED_IDLE.
func (b *scopegateBuild) startBusyLoop(duration time.Duration, threads int) (*busyLoop, error) {
	logPath := filepath.Join(b.dir, "spin.log")

	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start busy loop: %w", err)
	}
	defer logFile.Close()

	cmd := exec.Command(b.spin, "-duration", duration.String(), "-threads", strconv.Itoa(threads))
	cmd.Stderr = logFile

	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start busy loop: %w", err)
	}

	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start busy loop: %w", err)
	}

	loop := &busyLoop{pid: cmd.Process.Pid, cmd: cmd}

	if err := loop.waitSpinning(stdout); err != nil {
		loop.stop()
		return nil, fmt.Errorf("start busy loop (log in %s): %w", logPath, err)
	}

	return loop, nil
}

// waitSpinning reads the line that spin prints once all its threads spin,
// within startTimeout, and then checks their scheduling policy.
func (l *busyLoop) waitSpinning(stdout io.Reader) error {
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

	return procRoot.checkIdlePolicy(l.pid)
}

// stop kills the busy loop and waits for it to exit.
func (l *busyLoop) stop() {
	_ = l.cmd.Process.Kill()
	_ = l.cmd.Wait()
}

// checkIdlePolicy returns an error unless every thread of pid runs at
// SCHED_IDLE. A thread that exits during the check is skipped.
func (p procFS) checkIdlePolicy(pid int) error {
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

		policy, err := parseStatPolicy(string(data))
		if err != nil {
			return fmt.Errorf("thread %s of PID %d: %w", task.Name(), pid, err)
		}

		if policy != schedIdle {
			return fmt.Errorf("thread %s of PID %d runs at scheduling policy %d, want SCHED_IDLE (%d)",
				task.Name(), pid, policy, schedIdle)
		}
	}

	return nil
}
