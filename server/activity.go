package server

import (
	"sync/atomic"
	"time"
)

// ActivityWindow is how long after a request with a bearer token the API
// counts as busy.
const ActivityWindow = time.Second

// activityEpoch is the origin of Activity's readings. Durations since it
// use the monotonic clock, so a step of the wall clock cannot keep the API
// busy or idle.
var activityEpoch = time.Now()

// Activity records when the API last checked a bearer token, so that
// password hashing can leave a CPU to the API while it has traffic: pass
// Busy as password.PoolConfig.Busy and the Activity as Config.Activity.
// The zero value is ready to use, and an Activity is safe for concurrent
// use.
type Activity struct {
	// last is the time of the latest bearer request since activityEpoch,
	// in nanoseconds, or zero before the first.
	last atomic.Int64
}

// Touch records an API request now. The server calls it for each bearer
// token check, and a handler of another kind of API traffic may call it
// too. It stores the time at most once a millisecond, so that the
// processors serving the API do not take turns owning the memory that
// holds it. Touch on a nil *Activity does nothing.
func (a *Activity) Touch() {
	if a == nil {
		return
	}

	now := max(1, int64(time.Since(activityEpoch)))

	last := a.last.Load()
	if last == 0 || now-last >= int64(time.Millisecond) {
		a.last.Store(now)
	}
}

// Busy reports whether the API checked a bearer token within the last
// ActivityWindow.
func (a *Activity) Busy() bool {
	last := a.last.Load()

	return last != 0 && time.Since(activityEpoch)-time.Duration(last) < ActivityWindow
}
