package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// statLine returns a /proc/PID/stat line as Linux 6 prints it, with the
// given command name, CPU times (fields 14 to 17) and scheduling policy
// (field 41).
func statLine(pid int, comm string, utime, stime, cutime, cstime, policy int) string {
	return statLineNice(pid, comm, utime, stime, cutime, cstime, 0, policy)
}

// statLineNice is statLine with the nice value of the process.
func statLineNice(pid int, comm string, utime, stime, cutime, cstime, nice, policy int) string {
	return fmt.Sprintf("%d (%s) S 1 %d %d 0 -1 4194560 1790 0 0 0 %d %d %d %d %d %d 9 0 1234 1255305216 "+
		"5862 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 %d 0 0 0 0 0 0 0 0 0 0\n",
		pid, comm, pid, pid, utime, stime, cutime, cstime, 20+nice, nice, policy)
}

// statusText returns a /proc/PID/status text with VmHWM and VmRSS in kB.
func statusText(name string, peakKB, rssKB int) string {
	return fmt.Sprintf("Name:\t%s\nState:\tS (sleeping)\nVmPeak:\t 1227328 kB\nVmSize:\t 1227328 kB\n"+
		"VmHWM:\t%8d kB\nVmRSS:\t%8d kB\nRssAnon:\t    1024 kB\nThreads:\t9\n", name, peakKB, rssKB)
}

// zombieStatus is /proc/PID/status of a zombie: it has no Vm lines.
const zombieStatus = "Name:\tscopegate\nState:\tZ (zombie)\nTgid:\t104\nPid:\t104\nThreads:\t1\n"

func TestParseChildren(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []int
	}{
		{"none", "", []int{}},
		{"one", "4242 ", []int{4242}},
		{"several", "101 102 3000 ", []int{101, 102, 3000}},
		{"trailing newline", "7 8\n", []int{7, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseChildren(tt.text)
			if err != nil {
				t.Fatalf("parseChildren(%q): %v", tt.text, err)
			}

			if !slices.Equal(got, tt.want) {
				t.Errorf("parseChildren(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseChildrenRejectsInvalidPID(t *testing.T) {
	for _, text := range []string{"abc ", "12 x ", "0 ", "-5 "} {
		if got, err := parseChildren(text); err == nil {
			t.Errorf("parseChildren(%q) = %v, nil; want an error", text, got)
		}
	}
}

func TestParseStatTicks(t *testing.T) {
	tests := []struct {
		name string
		comm string
	}{
		{"plain name", "scopegate"},
		{"name with spaces and parentheses", "a (b) c) d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatTicks(statLine(100, tt.comm, 250, 40, 7, 3, 0))
			if err != nil {
				t.Fatalf("parseStatTicks: %v", err)
			}

			if got != 300 {
				t.Errorf("parseStatTicks = %d, want 300 (250 user + 40 system + 7 + 3 of children)", got)
			}
		})
	}
}

func TestParseStatTicksRejectsInvalidLines(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"no command name", "100 scopegate S 1 2 3"},
		{"too few fields", "100 (scopegate) S 1 100 100 0 -1 4194560 1790 0 0 0 12"},
		{"invalid number", "100 (scopegate) S 1 100 100 0 -1 4194560 1790 0 0 0 12 x 0 0 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := parseStatTicks(tt.text); err == nil {
				t.Errorf("parseStatTicks(%q) = %d, nil; want an error", tt.text, got)
			}
		})
	}
}

func TestParseStatSched(t *testing.T) {
	tests := []struct {
		name         string
		nice, policy int
	}{
		{"normal", 0, schedOther},
		{"nice 19", 19, schedOther},
		{"negative nice", -5, schedOther},
		{"idle", 0, schedIdle},
	}

	for _, tt := range tests {
		nice, policy, err := parseStatSched(statLineNice(100, "spin (x)", 1, 2, 3, 4, tt.nice, tt.policy))
		if err != nil {
			t.Fatalf("%s: parseStatSched: %v", tt.name, err)
		}

		if nice != tt.nice {
			t.Errorf("%s: nice = %d, want %d", tt.name, nice, tt.nice)
		}

		if policy != tt.policy {
			t.Errorf("%s: policy = %d, want %d", tt.name, policy, tt.policy)
		}
	}
}

func TestParseStatSchedRejectsShortLine(t *testing.T) {
	if nice, policy, err := parseStatSched("100 (spin) S 1 100 100 0 -1 4194560"); err == nil {
		t.Errorf("parseStatSched = %d, %d, nil; want an error", nice, policy)
	}
}

func TestParseStatus(t *testing.T) {
	m, err := parseStatus(statusText("scopegate", 40960, 30000))
	if err != nil {
		t.Fatalf("parseStatus: %v", err)
	}

	if m.rss != 30000<<10 {
		t.Errorf("rss = %d, want %d", m.rss, 30000<<10)
	}

	if m.peak != 40960<<10 {
		t.Errorf("peak = %d, want %d", m.peak, 40960<<10)
	}

	if !m.hasRSS {
		t.Error("hasRSS = false, want true")
	}
}

func TestParseStatusOfZombie(t *testing.T) {
	m, err := parseStatus(zombieStatus)
	if err != nil {
		t.Fatalf("parseStatus: %v", err)
	}

	if m != (processMemory{}) {
		t.Errorf("parseStatus = %+v, want zero memory and hasRSS false", m)
	}
}

func TestParseStatusRejectsInvalidValue(t *testing.T) {
	if m, err := parseStatus("VmRSS:\t  12x kB\n"); err == nil {
		t.Errorf("parseStatus = %+v, nil; want an error", m)
	}
}

// fakeProcess is one process of a fake proc file system.
type fakeProcess struct {
	stat, status string

	// children maps thread IDs to the text of their children file.
	children map[int]string
}

// writeFakeProc writes processes as a proc file system under a new folder
// and returns it.
func writeFakeProc(t *testing.T, processes map[int]fakeProcess) procFS {
	t.Helper()

	root := t.TempDir()

	for pid, p := range processes {
		dir := filepath.Join(root, strconv.Itoa(pid))
		writeFakeFile(t, filepath.Join(dir, "stat"), p.stat)
		writeFakeFile(t, filepath.Join(dir, "status"), p.status)

		for tid, children := range p.children {
			writeFakeFile(t, filepath.Join(dir, "task", strconv.Itoa(tid), "children"), children)
			writeFakeFile(t, filepath.Join(dir, "task", strconv.Itoa(tid), "stat"), p.stat)
		}
	}

	return procFS(root)
}

func writeFakeFile(t *testing.T, path, text string) {
	t.Helper()

	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// fakeTree is a server, 100, with two threads. Thread 100 started 101,
// which started 103. Thread 150 started 102, which has exited and left no
// files, and 104, a zombie.
func fakeTree(t *testing.T) procFS {
	return writeFakeProc(t, map[int]fakeProcess{
		100: {
			stat:     statLine(100, "scopegate", 100, 20, 5, 1, 0),
			status:   statusText("scopegate", 30000, 20000),
			children: map[int]string{100: "101 ", 150: "102 104 "},
		},
		101: {
			stat:     statLine(101, "scopegate", 300, 10, 0, 0, 5),
			status:   statusText("scopegate", 25000, 21000),
			children: map[int]string{101: "103 "},
		},
		103: {
			stat:     statLine(103, "sleep", 1, 2, 0, 0, 0),
			status:   statusText("sleep", 1000, 900),
			children: map[int]string{103: ""},
		},
		104: {
			stat:     statLine(104, "scopegate", 0, 0, 0, 0, 0),
			status:   zombieStatus,
			children: map[int]string{104: ""},
		},
	})
}

func TestProcTreeFindsDescendants(t *testing.T) {
	got, err := fakeTree(t).tree(100)
	if err != nil {
		t.Fatalf("tree: %v", err)
	}

	slices.Sort(got)

	// 102 is listed by its parent's thread but has exited: tree returns it,
	// and the readers skip it.
	if want := []int{100, 101, 102, 103, 104}; !slices.Equal(got, want) {
		t.Errorf("tree(100) = %v, want %v", got, want)
	}
}

func TestProcTreeTicksSkipsExitedChild(t *testing.T) {
	got, err := fakeTree(t).treeTicks(100)
	if err != nil {
		t.Fatalf("treeTicks: %v", err)
	}

	if want := uint64(126 + 310 + 3); got != want {
		t.Errorf("treeTicks(100) = %d, want %d (100, 101 and 103)", got, want)
	}
}

func TestProcTreeMemorySumsDescendants(t *testing.T) {
	rss, peak, err := fakeTree(t).treeMemory(100)
	if err != nil {
		t.Fatalf("treeMemory: %v", err)
	}

	if want := int64(20000+21000+900) << 10; rss != want {
		t.Errorf("rss = %d, want %d (100, 101 and 103; the zombie 104 has none)", rss, want)
	}

	if want := int64(30000+25000+1000) << 10; peak != want {
		t.Errorf("peak = %d, want %d, the sum of each VmHWM", peak, want)
	}
}

func TestProcTreeOfMissingProcess(t *testing.T) {
	proc := fakeTree(t)

	if _, err := proc.treeTicks(102); err == nil {
		t.Error("treeTicks(102) error = nil, want an error for a process that has exited")
	}

	if _, _, err := proc.treeMemory(102); err == nil {
		t.Error("treeMemory(102) error = nil, want an error for a process that has exited")
	}
}

func TestProcTreeMemoryOfZombieRoot(t *testing.T) {
	if _, _, err := fakeTree(t).treeMemory(104); err == nil {
		t.Error("treeMemory(104) error = nil, want an error for a zombie")
	}
}

func TestProcTreeFindsRealChild(t *testing.T) {
	sleep := exec.Command("sleep", "60")
	if err := sleep.Start(); err != nil {
		t.Fatalf("start sleep: %v", err)
	}

	t.Cleanup(func() {
		_ = sleep.Process.Kill()
		_ = sleep.Wait()
	})

	pids, err := procRoot.tree(os.Getpid())
	if err != nil {
		t.Fatalf("tree: %v", err)
	}

	if !slices.Contains(pids, sleep.Process.Pid) {
		t.Fatalf("tree(%d) = %v, want it to contain sleep's PID %d", os.Getpid(), pids, sleep.Process.Pid)
	}

	waitSleeping(t, sleep.Process.Pid)

	own := readStatus(t, os.Getpid())
	child := readStatus(t, sleep.Process.Pid)

	rss, _, err := memory(os.Getpid())
	if err != nil {
		t.Fatalf("memory: %v", err)
	}

	// This process's RSS may shrink a little between the reads, by much
	// less than 64 kB, while sleep's RSS is above 500 kB.
	if want := own.rss + child.rss - 64<<10; rss < want {
		t.Errorf("memory of the tree = %d bytes, want at least %d: this process %d plus sleep %d, less 64 kB",
			rss, want, own.rss, child.rss)
	}
}

// waitSleeping polls the state of pid until it is S (sleeping), so that
// the program has loaded and its RSS has stopped growing, for at most 10
// seconds.
func waitSleeping(t *testing.T, pid int) {
	t.Helper()

	deadline := time.Now().Add(10 * time.Second)

	for {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}

		fields, err := statFields(string(stat))
		if err != nil {
			t.Fatalf("/proc/%d/stat: %v", pid, err)
		}

		if fields[0] == "S" {
			return
		}

		if time.Now().After(deadline) {
			t.Fatalf("PID %d is in state %s after 10 s, want S (sleeping)", pid, fields[0])
		}

		time.Sleep(time.Millisecond)
	}
}

func readStatus(t *testing.T, pid int) processMemory {
	t.Helper()

	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}

	m, err := parseStatus(string(data))
	if err != nil {
		t.Fatalf("parseStatus of PID %d: %v", pid, err)
	}

	if m.rss < 500<<10 {
		t.Fatalf("RSS of PID %d = %d bytes, want at least 500 kB for this test", pid, m.rss)
	}

	return m
}

func TestCheckClass(t *testing.T) {
	type thread struct{ nice, policy int }

	tests := []struct {
		name    string
		class   busyClass
		threads []thread
		wantErr bool
	}{
		{"all idle", busyIdle, []thread{{0, schedIdle}, {0, schedIdle}}, false},
		{"one normal thread among idle", busyIdle, []thread{{0, schedIdle}, {0, schedOther}}, true},
		{"nice 19 for idle", busyIdle, []thread{{19, schedOther}}, true},
		{"all nice 19", busyLow, []thread{{19, schedOther}, {19, schedOther}}, false},
		{"one nice 0 among nice 19", busyLow, []thread{{19, schedOther}, {0, schedOther}}, true},
		{"idle for low", busyLow, []thread{{19, schedIdle}}, true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for i, th := range tt.threads {
				tid := 200 + i
				writeFakeFile(t, filepath.Join(root, "200", "task", strconv.Itoa(tid), "stat"),
					statLineNice(tid, "spin", 1, 0, 0, 0, th.nice, th.policy))
			}

			err := procFS(root).checkClass(200, tt.class)
			if (err != nil) != tt.wantErr {
				t.Errorf("checkClass error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestBusyLoopRunsInItsClass(t *testing.T) {
	dir := t.TempDir()
	spin := filepath.Join(dir, "spin")

	if out, err := exec.Command("go", "build", "-o", spin, "./spin").CombinedOutput(); err != nil {
		t.Fatalf("go build ./spin: %v\n%s", err, out)
	}

	build := &scopegateBuild{spin: spin, dir: dir}

	for _, c := range []busyClass{busyLow, busyIdle} {
		t.Run(c.label, func(t *testing.T) {
			// startBusyLoop checks the class of every thread itself.
			loop, err := build.startBusyLoop(time.Minute, 1, c)
			if err != nil {
				t.Fatalf("startBusyLoop: %v", err)
			}

			t.Cleanup(loop.stop)

			waitForRunnableThreads(t, loop.pid, 1)

			loop.stop()

			if _, err := os.Stat(fmt.Sprintf("/proc/%d", loop.pid)); !os.IsNotExist(err) {
				t.Errorf("after stop, /proc/%d: %v, want it gone", loop.pid, err)
			}
		})
	}
}

// waitForRunnableThreads waits until at least n threads of pid are in
// state R, running or waiting for a CPU, in 20 samples in a row taken 5 ms
// apart, for at most 10 seconds. A spinning thread stays in that state
// however little CPU time it gets, while a thread that waits for anything
// else is in state S or D. A CPU time threshold is no such test: under
// four busy loops on two CPUs, a loop at SCHED_IDLE was measured getting
// 20 ms of CPU time in 10 s.
func waitForRunnableThreads(t *testing.T, pid, n int) {
	t.Helper()

	const samples = 20

	deadline := time.Now().Add(10 * time.Second)
	inRow := 0

	for inRow < samples {
		running := runnableThreads(t, pid)
		if running >= n {
			inRow++
		} else {
			inRow = 0
		}

		if inRow < samples && time.Now().After(deadline) {
			t.Fatalf("the busy loop has %d threads in state R after 10 s, want %d in %d samples in a row",
				running, n, samples)
		}

		time.Sleep(5 * time.Millisecond)
	}
}

// runnableThreads returns how many threads of pid are in state R.
func runnableThreads(t *testing.T, pid int) int {
	t.Helper()

	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil {
		t.Fatal(err)
	}

	running := 0

	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue // the thread has exited
		}

		fields, err := statFields(string(data))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}

		if fields[0] == "R" {
			running++
		}
	}

	return running
}
