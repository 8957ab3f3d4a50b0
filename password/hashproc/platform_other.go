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
