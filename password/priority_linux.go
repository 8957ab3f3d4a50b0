package password

import "syscall"

// lowestNice is the nice value of the lowest CPU priority on Linux.
const lowestNice = 19

// lowerThreadPriority sets the nice value of the calling OS thread to the
// lowest priority. On Linux the nice value belongs to a thread, and
// setpriority with a thread ID changes that thread only (setpriority(2)).
// Raising one's own nice value needs no privilege, so a failure, which
// leaves the priority unchanged, is ignored.
func lowerThreadPriority() {
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), lowestNice)
}
