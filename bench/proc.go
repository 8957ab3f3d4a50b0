package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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

// procRoot is the proc file system the harness reads its measurements from.
const procRoot = procFS("/proc")

// procFS is the root of a proc file system, such as /proc. Tests point it
// at a folder of their own.
type procFS string

// cpuTime returns the user and system CPU time that process pid, its
// threads and its descendants have used, from /proc/PID/stat. It adds the
// times of pid and of every live descendant, and their times of exited
// children they have waited for.
func cpuTime(pid int) (time.Duration, error) {
	ticks, err := procRoot.treeTicks(pid)
	if err != nil {
		return 0, fmt.Errorf("read CPU time of PID %d: %w", pid, err)
	}

	return time.Duration(float64(ticks) / clockTicks * float64(time.Second)), nil
}

// memory returns the resident set size of process pid and its live
// descendants now (the sum of their VmRSS) and at its peak (the sum of
// their VmHWM), from /proc/PID/status.
//
// The peak is an upper bound, because each process reached its own VmHWM
// at its own time, so the tree may never have held the sum at once.
func memory(pid int) (rss, peak int64, err error) {
	rss, peak, err = procRoot.treeMemory(pid)
	if err != nil {
		return 0, 0, fmt.Errorf("read memory of PID %d: %w", pid, err)
	}

	return rss, peak, nil
}

// ownMemory returns the resident set size of process pid alone, without
// its descendants, now (VmRSS) and at its peak (VmHWM).
func ownMemory(pid int) (rss, peak int64, err error) {
	data, err := os.ReadFile(filepath.Join(string(procRoot), strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0, fmt.Errorf("read memory of PID %d: %w", pid, err)
	}

	m, err := parseStatus(string(data))
	if err != nil {
		return 0, 0, fmt.Errorf("read memory of PID %d: %w", pid, err)
	}

	return m.rss, m.peak, nil
}

// treeTicks sums the CPU ticks of pid and its live descendants. A
// descendant that exits during the walk is left out, and its ticks show up
// in its parent's times of waited-for children once the parent waits for
// it. Until then, or when the walk reads the parent before the child has
// exited, a sample may miss or double one child's time.
func (p procFS) treeTicks(pid int) (uint64, error) {
	var total uint64

	err := p.readTree(pid, "stat", func(_ int, text string) error {
		ticks, err := parseStatTicks(text)
		total += ticks

		return err
	})

	return total, err
}

// treeMemory sums VmRSS and VmHWM over pid and its live descendants. A
// descendant that exits during the walk, or that is a zombie with no
// memory left, counts as zero.
func (p procFS) treeMemory(pid int) (rss, peak int64, err error) {
	err = p.readTree(pid, "status", func(id int, text string) error {
		m, err := parseStatus(text)
		if err != nil {
			return err
		}

		if id == pid && !m.hasRSS {
			return errors.New("no VmRSS; the process is a zombie or a kernel thread")
		}

		rss += m.rss
		peak += m.peak

		return nil
	})

	return rss, peak, err
}

// readTree reads the file name, such as stat, of pid and of each of its
// live descendants, and calls visit with each PID and text. It skips a
// descendant that exits before its file is read, but not pid itself.
func (p procFS) readTree(pid int, name string, visit func(pid int, text string) error) error {
	pids, err := p.tree(pid)
	if err != nil {
		return err
	}

	for _, id := range pids {
		data, err := os.ReadFile(filepath.Join(string(p), strconv.Itoa(id), name))
		if vanished(err) && id != pid {
			continue
		}

		if err != nil {
			return err
		}

		if err := visit(id, string(data)); err != nil {
			return fmt.Errorf("/proc/%d/%s: %w", id, name, err)
		}
	}

	return nil
}

// tree returns pid followed by its live descendants, found through the
// children files of every thread, /proc/PID/task/TID/children (Linux 3.5
// and later with CONFIG_PROC_CHILDREN). The kernel documents these lists
// as reliable only while the children are stopped, so a process forked
// during the walk may be missed.
func (p procFS) tree(pid int) ([]int, error) {
	seen := map[int]bool{pid: true}
	pids := []int{pid}

	for i := 0; i < len(pids); i++ {
		children, err := p.children(pids[i])
		if err != nil {
			return nil, err
		}

		for _, child := range children {
			if !seen[child] {
				seen[child] = true
				pids = append(pids, child)
			}
		}
	}

	return pids, nil
}

// children returns the child processes of every thread of pid, or none
// when pid has exited.
func (p procFS) children(pid int) ([]int, error) {
	tasks, err := os.ReadDir(filepath.Join(string(p), strconv.Itoa(pid), "task"))
	if vanished(err) {
		return nil, nil
	}

	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}

	var all []int
	for _, task := range tasks {
		data, err := os.ReadFile(filepath.Join(string(p), strconv.Itoa(pid), "task", task.Name(), "children"))
		if vanished(err) {
			continue
		}

		if err != nil {
			return nil, fmt.Errorf("read children: %w", err)
		}

		children, err := parseChildren(string(data))
		if err != nil {
			return nil, fmt.Errorf("/proc/%d/task/%s/children: %w", pid, task.Name(), err)
		}

		all = append(all, children...)
	}

	return all, nil
}

// vanished reports whether err comes from reading the /proc files of a
// process or thread that has exited. Linux returns ENOENT once it is gone
// and ESRCH while it is being torn down.
func vanished(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH)
}

// parseChildren parses a /proc/PID/task/TID/children file, which lists the
// PIDs of the thread's children, each followed by a space.
func parseChildren(text string) ([]int, error) {
	fields := strings.Fields(text)

	pids := make([]int, 0, len(fields))
	for _, field := range fields {
		pid, err := strconv.Atoi(field)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("invalid PID %q", field)
		}

		pids = append(pids, pid)
	}

	return pids, nil
}

// statFields returns the fields of a /proc/PID/stat line after the command
// name, so that field n of proc(5), counted from 1, is at index n-3. The
// command name in parentheses may contain spaces and parentheses, so the
// fields start after the last closing parenthesis.
func statFields(text string) ([]string, error) {
	end := strings.LastIndexByte(text, ')')
	if end < 0 {
		return nil, errors.New("no command name in parentheses")
	}

	return strings.Fields(text[end+1:]), nil
}

// parseStatTicks returns the sum of utime, stime, cutime and cstime
// (fields 14 to 17) of a /proc/PID/stat line, in clock ticks. cutime and
// cstime are the times of the children that the process has waited for,
// so a child that exits between two samples still counts.
func parseStatTicks(text string) (uint64, error) {
	fields, err := statFields(text)
	if err != nil {
		return 0, err
	}

	if len(fields) < 15 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 15", len(fields))
	}

	var ticks uint64
	for _, field := range fields[11:15] {
		n, err := strconv.ParseUint(field, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid CPU time: %w", err)
		}

		ticks += n
	}

	return ticks, nil
}

// parseStatSched returns the nice value (field 19) and the scheduling
// policy (field 41) of a /proc/PID/stat line. The policy is 0 for
// SCHED_OTHER and 5 for SCHED_IDLE.
func parseStatSched(text string) (nice, policy int, err error) {
	fields, err := statFields(text)
	if err != nil {
		return 0, 0, err
	}

	if len(fields) < 39 {
		return 0, 0, fmt.Errorf("%d fields after the command name, want at least 39", len(fields))
	}

	nice, err = strconv.Atoi(fields[16])
	if err != nil {
		return 0, 0, fmt.Errorf("invalid nice value: %w", err)
	}

	policy, err = strconv.Atoi(fields[38])
	if err != nil {
		return 0, 0, fmt.Errorf("invalid scheduling policy: %w", err)
	}

	return nice, policy, nil
}

// processMemory is the memory of one process in /proc/PID/status, in
// bytes.
type processMemory struct {
	rss, peak int64

	// hasRSS is false for a zombie or a kernel thread, which have no VmRSS
	// line.
	hasRSS bool
}

// parseStatus reads VmRSS and VmHWM from /proc/PID/status text.
func parseStatus(text string) (processMemory, error) {
	var m processMemory
	var err error

	for line := range strings.Lines(text) {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}

		switch name {
		case "VmRSS":
			m.rss, err = parseKilobytes(value)
			m.hasRSS = true
		case "VmHWM":
			m.peak, err = parseKilobytes(value)
		}

		if err != nil {
			return processMemory{}, fmt.Errorf("%s: %w", name, err)
		}
	}

	return m, nil
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
