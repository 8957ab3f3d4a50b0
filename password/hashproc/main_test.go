package hashproc

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"
)

// Arguments that make the test binary act as a child instead of running
// tests. childServe serves correctly; the others misbehave on purpose.
const (
	childServe     = "hashproc-test-child"
	childExit      = "hashproc-test-child-exit"       // exits after reading one request
	childHang      = "hashproc-test-child-hang"       // reads requests and never responds
	childBadStatus = "hashproc-test-child-bad-status" // responds with an unknown status
	childNoRead    = "hashproc-test-child-no-read"    // never reads its input
)

func TestMain(m *testing.M) {
	for _, mode := range []string{childServe, childExit, childHang, childBadStatus, childNoRead} {
		if slices.Contains(os.Args[1:], mode) {
			os.Exit(runChild(mode))
		}
	}

	os.Exit(m.Run())
}

func runChild(mode string) int {
	in := bufio.NewReader(os.Stdin)

	switch mode {
	case childServe:
		if err := ServeStdio(0); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	case childExit:
		_, _ = readRequest(in)
		return 3
	case childHang:
		for {
			if _, err := readRequest(in); err != nil {
				return 0
			}
		}
	case childNoRead:
		// The Client kills this child. If the test process dies first,
		// the child is reparented, and exits then instead of lingering.
		parent := os.Getppid()
		for os.Getppid() == parent {
			time.Sleep(100 * time.Millisecond)
		}

		return 0
	case childBadStatus:
		for {
			req, err := readRequest(in)
			if err != nil {
				return 0
			}

			_ = writeResponse(os.Stdout, response{id: req.id, status: 99})
		}
	}

	return 0
}
