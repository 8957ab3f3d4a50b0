package password

import (
	"context"
	"testing"
	"time"
)

// A function whose turn comes as its context ends gives the turn to the
// next function in the queue. Which of the two await takes is up to
// select, so the test repeats until await has taken the canceled path
// several times.
func TestAwaitCanceledPassesTurnOn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	canceledPaths := 0
	for range 200 {
		p, err := NewPool(PoolConfig{Workers: 1, MaxWait: time.Hour})
		if err != nil {
			t.Fatalf("NewPool: %v", err)
		}

		mustAdmit(t, p, false)
		second := mustAdmit(t, p, true)
		third := mustAdmit(t, p, true)

		p.finish(time.Now()) // the running function ends; second's turn comes

		if err := p.await(ctx, second); err != nil {
			canceledPaths++
		} else {
			p.finish(time.Now()) // second ran
		}

		select {
		case <-third.ready:
		default:
			t.Fatal("the third function did not get its turn after the second's context ended")
		}

		if p.active != 1 || len(p.queue) != 0 {
			t.Fatalf("active = %d, queued = %d; want 1 running, none queued", p.active, len(p.queue))
		}

		if canceledPaths >= 5 {
			return
		}
	}

	t.Fatalf("await took the canceled path %d times in 200 tries, want at least 5", canceledPaths)
}

// mustAdmit admits a function to p and checks whether it was queued.
func mustAdmit(t *testing.T, p *Pool, wantQueued bool) *turn {
	t.Helper()

	tr, err := p.admit()
	if err != nil {
		t.Fatalf("admit: %v", err)
	}

	if queued := tr != nil; queued != wantQueued {
		t.Fatalf("admit queued the function: %v, want %v", queued, wantQueued)
	}

	return tr
}
