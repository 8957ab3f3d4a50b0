package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"unsafe"
)

// schedIdle is SCHED_IDLE from <linux/sched.h>. A thread of this class has
// a scheduler weight of 3 against 1024 for a nice-0 thread (WEIGHT_IDLEPRIO
// in the kernel's kernel/sched/sched.h), so it runs mostly when no other
// thread wants the CPU. sched(7) lets any process switch its own threads to
// it.
const schedIdle = 5

// lowNice is the nice value of classLow, the lowest priority of the
// normal class. setpriority(2) lets any process raise its own threads'
// nice values.
const lowNice = 19

// setThreadClass puts thread tid, or the calling thread when tid is 0, in
// class c. Threads that it creates from then on inherit the class.
func setThreadClass(tid int, c class) error {
	if c == classIdle {
		return setIdleThread(tid)
	}

	// On Linux, PRIO_PROCESS with a thread ID sets the nice value of that
	// one thread, and 0 means the calling thread.
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, lowNice); err != nil {
		return fmt.Errorf("set thread %d to nice %d: %w", tid, lowNice, err)
	}

	return nil
}

// setIdleThread sets the scheduling policy of thread tid, or of the
// calling thread when tid is 0, to SCHED_IDLE with priority 0 (the only
// priority it allows), through sched_setscheduler(2).
func setIdleThread(tid int) error {
	var priority int32

	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, uintptr(tid), schedIdle,
		uintptr(unsafe.Pointer(&priority)))
	if errno != 0 {
		return fmt.Errorf("set thread %d to SCHED_IDLE: %w", tid, errno)
	}

	return nil
}

// setProcessClass puts every thread listed in /proc/self/task in class c,
// including those the Go runtime started before main. A thread that exits
// meanwhile is skipped.
func setProcessClass(c class) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("list threads: %w", err)
	}

	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil {
			return fmt.Errorf("list threads: invalid thread ID %q", task.Name())
		}

		if err := setThreadClass(tid, c); err != nil && !errors.Is(err, syscall.ESRCH) {
			return err
		}
	}

	return nil
}
