package authserver

import (
	"context"
	"sync/atomic"
	"time"
)

// maxFailureFloor caps the padding of failed logins, so that one password
// check slowed by an overloaded machine cannot slow every later failure
// for good.
const maxFailureFloor = 5 * time.Second

// failureFloor pads failed logins so that each takes as long as the
// slowest password check seen so far. An unknown user costs one dummy
// argon2id check. A wrong password against a bcrypt hash, imported from
// FastAPI and kept until the user's next successful login, costs about ten
// times as much. Without padding, the response time would reveal which
// usernames exist. The wait is a sleep outside the hashing pool, so
// it costs no CPU.
//
// NOTE: the floor starts at the configured minimum, so on a server whose
// minimum is below the cost of its slowest stored hash, the first failed
// login against such a hash is still slower than an unknown user's.
type failureFloor struct {
	minimum time.Duration
	slowest atomic.Int64 // nanoseconds
}

// observe records the duration of one password check.
func (f *failureFloor) observe(took time.Duration) {
	took = min(took, maxFailureFloor)

	for {
		old := f.slowest.Load()
		if int64(took) <= old || f.slowest.CompareAndSwap(old, int64(took)) {
			return
		}
	}
}

// wait sleeps until the failed login that started at start has taken as
// long as the floor, or until ctx ends.
func (f *failureFloor) wait(ctx context.Context, start time.Time) {
	floor := max(f.minimum, time.Duration(f.slowest.Load()))

	remaining := floor - time.Since(start)
	if remaining <= 0 {
		return
	}

	timer := time.NewTimer(remaining)
	defer timer.Stop()

	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}
