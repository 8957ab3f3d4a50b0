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

	a.Touch()

	if !a.Busy() {
		t.Fatal("Busy() right after Touch = false, want true")
	}

	// A request older than the window no longer counts.
	a.last.Store(int64(time.Since(activityEpoch) - ActivityWindow - time.Millisecond))

	if a.Busy() {
		t.Errorf("Busy() %s after the last request = true, want false", ActivityWindow+time.Millisecond)
	}
}

func TestActivityNilTouchIsNoOp(t *testing.T) {
	var a *Activity

	a.Touch()
}
