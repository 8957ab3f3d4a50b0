package authserver

import (
	"context"
	"sync"
	"time"
)

// maxFailureFloor caps the padding of failed logins, so that one password
// check slowed by an overloaded machine cannot slow every later failure
// for good.
const maxFailureFloor = 5 * time.Second

// recentChecks is the number of recent password checks whose slowest sets
// the floor. One check slowed by a busy machine raises the floor for this
// many checks only.
const recentChecks = 64

// failureFloor pads failed logins so that each takes as long as the
// slowest of the recent password checks. An unknown user costs one dummy
// argon2id check. A wrong password against a bcrypt hash, imported from
// FastAPI and kept until the user's next successful login, costs about ten
// times as much. Without padding, the response time would reveal which
// usernames exist. The wait is a sleep outside the hashing pool, so
// it costs no CPU.
//
// NOTE: the floor starts at the configured minimum, so on a server whose
// minimum is below the cost of its slowest stored hash, a failed login
// against such a hash is slower than an unknown user's until a check of
// that hash is among the recent ones.
type failureFloor struct {
	minimum time.Duration

	mu     sync.Mutex
	recent [recentChecks]time.Duration
	next   int // index in recent of the next observation
}

// observe records the duration of one password check.
func (f *failureFloor) observe(took time.Duration) {
	took = min(took, maxFailureFloor)

	f.mu.Lock()
	defer f.mu.Unlock()

	f.recent[f.next] = took
	f.next = (f.next + 1) % len(f.recent)
}

// current returns the floor: the minimum, or the slowest recent check
// when that took longer.
func (f *failureFloor) current() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()

	floor := f.minimum
	for _, took := range f.recent {
		floor = max(floor, took)
	}

	return floor
}

// wait sleeps until the failed login that started at start has taken as
// long as the floor, or until ctx ends.
func (f *failureFloor) wait(ctx context.Context, start time.Time) {
	remaining := f.current() - time.Since(start)
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
