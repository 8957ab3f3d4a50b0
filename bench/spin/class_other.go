//go:build !linux

package main

import (
	"errors"
	"runtime"
)

var errNotLinux = errors.New("per-thread scheduling classes are set only on Linux, not on " + runtime.GOOS)

func setThreadClass(int, class) error {
	return errNotLinux
}

func setProcessClass(class) error {
	return errNotLinux
}
