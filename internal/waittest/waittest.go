// Package waittest bounds the waits of tests, so that a fault in the code
// under test fails the test with a message instead of hanging it until the
// timeout of go test.
package waittest

import (
	"context"
	"testing"
	"time"
)

// Limit is how long Receive waits for something that a correct program
// does at once. It leaves room for a shared machine that stalls a
// goroutine for seconds.
const Limit = 10 * time.Second

// Receive returns the next value from ch, or fails t when none arrives
// within Limit. The event names what the test waits for, such as "the
// handler to return". A closed channel returns the zero value.
func Receive[T any](t testing.TB, ch <-chan T, event string) T {
	t.Helper()

	timer := time.NewTimer(Limit)
	defer timer.Stop()

	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("waited %s for %s", Limit, event)

		var zero T

		return zero
	}
}

// CancelOnWait returns a context that is canceled the first time its Done
// method is called, that is when a function starts waiting on it. A test
// passes it to a call that must first queue its work and then wait: unlike
// a short timeout, it cannot end before the call has queued anything,
// however long the test was descheduled.
func CancelOnWait() context.Context {
	ctx, cancel := context.WithCancel(context.Background())

	return &cancelOnWait{Context: ctx, cancel: cancel}
}

type cancelOnWait struct {
	context.Context

	cancel context.CancelFunc
}

func (c *cancelOnWait) Done() <-chan struct{} {
	c.cancel()

	return c.Context.Done()
}
