package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// clockTicks is the unit of the CPU times in /proc/PID/stat, in ticks per
// second, as `getconf CLK_TCK` prints it. Linux builds use 100.
var clockTicks = readClockTicks()

func readClockTicks() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return 100
	}

	ticks, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil || ticks <= 0 {
		return 100
	}

	return ticks
}

// cpuTime returns the user and system CPU time that process pid and all its
// threads have used, from /proc/PID/stat.
func cpuTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time: %w", err)
	}

	// The command name in parentheses may contain spaces, so the fields
	// are counted from the last closing parenthesis: utime and stime are
	// fields 14 and 15 of the line, 12 and 13 after it.
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, fmt.Errorf("read CPU time: /proc/%d/stat has no command name", pid)
	}

	fields := strings.Fields(string(data[end+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("read CPU time: /proc/%d/stat has %d fields", pid, len(fields))
	}

	var ticks float64
	for _, field := range fields[11:13] {
		n, err := strconv.ParseUint(field, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read CPU time: %w", err)
		}

		ticks += float64(n)
	}

	return time.Duration(ticks / clockTicks * float64(time.Second)), nil
}

// memory returns the resident set size of process pid now (VmRSS) and at
// its peak (VmHWM), from /proc/PID/status.
func memory(pid int) (rss, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read memory: %w", err)
	}

	for line := range strings.Lines(string(data)) {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}

		switch name {
		case "VmRSS":
			rss, err = parseKilobytes(value)
		case "VmHWM":
			peak, err = parseKilobytes(value)
		}

		if err != nil {
			return 0, 0, fmt.Errorf("read memory: %s: %w", name, err)
		}
	}

	if rss == 0 {
		return 0, 0, errors.New("read memory: no VmRSS in /proc status")
	}

	return rss, peak, nil
}

// parseKilobytes parses a /proc/PID/status value such as " 12345 kB" into
// bytes.
func parseKilobytes(value string) (int64, error) {
	number, _ := strings.CutSuffix(strings.TrimSpace(value), " kB")

	kilobytes, err := strconv.ParseInt(number, 10, 64)
	if err != nil {
		return 0, err
	}

	return kilobytes << 10, nil
}
