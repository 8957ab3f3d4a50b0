//go:build !linux

package hashproc

import (
	"os"
	"os/exec"
)

func executable() (string, error) {
	return os.Executable()
}

// startWithPriority starts cmd at the parent's priority: outside Linux
// the child's priority is not lowered.
func startWithPriority(cmd *exec.Cmd, _ Priority, _ func(error)) error {
	return cmd.Start()
}

// pollable returns f unchanged: outside Linux the child reads its input
// with blocking system calls.
func pollable(f *os.File) (*os.File, error) {
	return f, nil
}
