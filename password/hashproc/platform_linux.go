package hashproc

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"
)

// schedIdle is SCHED_IDLE from <linux/sched.h>: the thread runs only on
// a CPU that no thread of another class wants.
const schedIdle = 5

// lowestNice is the nice value of the lowest priority of the normal class.
const lowestNice = 19

// executable returns the running executable through /proc, which works
// even when the file has been replaced or removed since the start.
func executable() (string, error) {
	return "/proc/self/exe", nil
}

// startWithPriority starts cmd from a thread of the given priority. A new
// process inherits the scheduling class and nice value of the thread that
// creates it, and its threads inherit them in turn, so the whole child
// runs at that priority from its first instruction. When the idle class
// cannot be set, the thread falls back to nice 19, and the failure goes to
// report.
func startWithPriority(cmd *exec.Cmd, priority Priority, report func(error)) error {
	if priority == PriorityNormal {
		return cmd.Start()
	}

	started := make(chan error, 1)

	go func() {
		// The thread is never unlocked, so it exits with this goroutine
		// and no other goroutine ever runs at its priority.
		runtime.LockOSThread()

		if err := lowerThreadPriority(priority); err != nil && report != nil {
			report(err)
		}

		started <- cmd.Start()
	}()

	return <-started
}

// lowerThreadPriority moves the calling thread to the idle class, or to
// nice 19 for PriorityLow or when the idle class fails. Lowering one's own
// priority needs no privilege.
func lowerThreadPriority(priority Priority) error {
	if priority == PriorityLow {
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), lowestNice); err != nil {
			return fmt.Errorf("hashproc: set the child's nice value to %d: %w", lowestNice, err)
		}

		return nil
	}

	var param struct{ priority int32 }

	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, 0, schedIdle,
		uintptr(unsafe.Pointer(&param)))
	if errno == 0 {
		return nil
	}

	if err := syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), lowestNice); err != nil {
		return fmt.Errorf("hashproc: set the child's priority: SCHED_IDLE failed (%w) and nice %d failed (%w)",
			errno, lowestNice, err)
	}

	return fmt.Errorf("hashproc: set the child's scheduling class to SCHED_IDLE: %w; it runs at nice %d",
		errno, lowestNice)
}

// pollable returns f as a file in non-blocking mode, so that a goroutine
// reading it waits in the Go runtime's poller and leaves its processor to
// other goroutines. A read blocked in a system call holds its processor
// until the runtime's monitor thread takes it back, which can take
// milliseconds. f must not be used afterwards.
func pollable(f *os.File) (*os.File, error) {
	fd := f.Fd()
	if err := syscall.SetNonblock(int(fd), true); err != nil {
		return nil, fmt.Errorf("hashproc: make %s non-blocking: %w", f.Name(), err)
	}

	return os.NewFile(fd, f.Name()), nil
}
