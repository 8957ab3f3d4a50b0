package authserver

import (
	"context"
	"strings"
	"sync"
	"time"
)

// maxFailureFloor caps the padding of failed logins, so that one password
// check slowed by an overloaded machine cannot slow every later failure
// for good.
const maxFailureFloor = 5 * time.Second

// Limits of the failure floor's memory of password checks.
const (
	// samplesPerClass is the number of recent checks kept for each class of
	// stored hash.
	samplesPerClass = 8

	// maxHashClasses bounds the classes remembered. Checks of further
	// classes share one entry.
	maxHashClasses = 32
)

// failureFloor pads failed logins so that each takes as long as a check
// of the costliest class of stored hash seen. A class is an algorithm and
// its cost parameters, such as bcrypt at cost 12 or argon2id at 19 MiB and
// 2 passes. An unknown user costs one dummy argon2id check. A wrong password against
// a bcrypt hash, imported from FastAPI and kept until the user's next
// successful login, costs about ten times as much. Without padding, the
// response time would reveal which usernames exist, and which of them
// still have a legacy hash.
//
// The cost of a class is the fastest of its last samplesPerClass checks. A
// check slowed by a busy machine only adds to the time it took, so one
// slow check does not raise the floor for long. A class once seen is never
// forgotten, so a client that logs in many times cannot push a costly
// class out of the floor. The wait is a sleep outside the hashing pool, so
// it costs no CPU.
//
// NOTE: the floor starts at the configured minimum, so on a server whose
// minimum is below the cost of its slowest stored hash, the first failed
// login against such a hash is still slower than an unknown user's.
type failureFloor struct {
	minimum time.Duration

	mu      sync.Mutex
	classes map[string]*classSamples
}

// classSamples are the recent check durations of one class of hash.
type classSamples struct {
	took [samplesPerClass]time.Duration
	n    int // samples recorded, up to samplesPerClass
	next int // index in took of the next sample
}

// observe records the duration of one check of a hash of the given class,
// as hashClass returns it.
func (f *failureFloor) observe(class string, took time.Duration) {
	took = min(took, maxFailureFloor)

	f.mu.Lock()
	defer f.mu.Unlock()

	if f.classes == nil {
		f.classes = make(map[string]*classSamples)
	}

	samples, ok := f.classes[class]
	if !ok && len(f.classes) >= maxHashClasses {
		class = "other"
		samples = f.classes[class]
	}

	if samples == nil {
		samples = &classSamples{}
		f.classes[class] = samples
	}

	samples.took[samples.next] = took
	samples.next = (samples.next + 1) % samplesPerClass
	samples.n = min(samples.n+1, samplesPerClass)
}

// current returns the floor: the minimum, or the cost of the costliest
// class when that is higher.
func (f *failureFloor) current() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()

	floor := f.minimum
	for _, samples := range f.classes {
		floor = max(floor, samples.cost())
	}

	return floor
}

// cost returns the fastest recent check of the class.
func (c *classSamples) cost() time.Duration {
	fastest := c.took[0]
	for _, took := range c.took[1:c.n] {
		fastest = min(fastest, took)
	}

	return fastest
}

// hashClass returns the part of a stored hash that sets the cost of
// checking it: "$2b$12$" for bcrypt at cost 12, or
// "$argon2id$v=19$m=19456,t=2,p=1" for argon2id. Salts and keys are left
// out, so the classes stay few.
func hashClass(encoded string) string {
	if strings.HasPrefix(encoded, "$argon2id$") {
		fields := strings.SplitN(encoded, "$", 5)
		if len(fields) == 5 {
			return strings.Join(fields[:4], "$")
		}
	}

	if strings.HasPrefix(encoded, "$2") && len(encoded) >= 7 {
		return encoded[:7]
	}

	return "other"
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
