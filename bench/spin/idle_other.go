//go:build !linux

package main

import (
	"errors"
	"runtime"
)

var errNotLinux = errors.New("SCHED_IDLE exists only on Linux, not on " + runtime.GOOS)

func setIdleThread(int) error {
	return errNotLinux
}

func setIdleProcess() error {
	return errNotLinux
}
