package server

import (
	"testing"
	"time"
)

func TestActivityBusyWithinWindow(t *testing.T) {
	var a Activity

	if a.Busy() {
		t.Fatal("Busy() of the zero Activity = true, want false")
	}

	CheckBusyAfter(t, a.Touch, a.Busy)

	// A request older than the window no longer counts.
	a.last.Store(int64(time.Since(activityEpoch) - ActivityWindow - time.Millisecond))

	if a.Busy() {
		t.Errorf("Busy() %s after the last request = true, want false", ActivityWindow+time.Millisecond)
	}
}

// CheckBusyAfter checks that busy reports true right after touch, which
// records a request. When the two calls take longer than ActivityWindow, as
// on a stalled machine, false is correct, so the check runs again,
// up to 5 times. The external tests of the package use it too.
func CheckBusyAfter(t *testing.T, touch func(), busy func() bool) {
	t.Helper()

	for range 5 {
		touched := time.Now()
		touch()

		if busy() {
			return
		}

		if elapsed := time.Since(touched); elapsed < ActivityWindow {
			t.Fatalf("Busy() at most %s after a request = false, want true within the window of %s",
				elapsed, ActivityWindow)
		}
	}

	t.Fatalf("5 checks of Busy() each came more than the window of %s after the last request, so none "+
		"could show that Busy() reports a recent request", ActivityWindow)
}

func TestActivityNilTouchIsNoOp(t *testing.T) {
	var a *Activity

	a.Touch()
}
