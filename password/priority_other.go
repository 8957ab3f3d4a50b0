//go:build !linux

package password

// lowerThreadPriority does nothing outside Linux, where this package does
// not set thread priorities.
func lowerThreadPriority() {}
