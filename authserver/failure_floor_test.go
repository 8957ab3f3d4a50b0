package authserver

import (
	"net/http"
	"testing"
	"time"
)

// slowHasher is a fakeHasher whose real verifications take at least
// delay, as a bcrypt hash of a high cost does.
type slowHasher struct {
	*fakeHasher
	delay time.Duration
}

func (h slowHasher) Verify(plain, encoded string) (bool, error) {
	time.Sleep(h.delay)
	return h.fakeHasher.Verify(plain, encoded)
}

func timeFailedLogin(t *testing.T, f *fixture, body string) time.Duration {
	t.Helper()

	start := time.Now()
	rec := f.postForm(body)
	took := time.Since(start)

	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400 (body %s)", rec.Code, rec.Body)
	}

	return took
}

func TestFailedLoginTakesMinimum(t *testing.T) {
	const minimum = 150 * time.Millisecond

	f := newFixture(t, func(cfg *Config) { cfg.MinFailedLogin = minimum })

	for _, body := range []string{
		"username=nobody&password=x",
		"username=user1&password=wrong",
		"username=alice&password=secretalice",
	} {
		if took := timeFailedLogin(t, f, body); took < minimum {
			t.Errorf("%s: failed login took %s, want at least %s", body, took, minimum)
		}
	}
}

// An unknown user must cost as much as a wrong password against the
// slowest hash seen, or the response time reveals which usernames exist.
func TestFailedLoginMatchesSlowestCheck(t *testing.T) {
	const slow = 200 * time.Millisecond

	f := newFixture(t, func(cfg *Config) {
		cfg.MinFailedLogin = -1
		cfg.Passwords = slowHasher{fakeHasher: &fakeHasher{}, delay: slow}
	})

	if took := timeFailedLogin(t, f, "username=user1&password=wrong"); took < slow {
		t.Fatalf("wrong password took %s, want at least the hasher's %s", took, slow)
	}

	if took := timeFailedLogin(t, f, "username=nobody&password=x"); took < slow {
		t.Errorf("unknown user took %s after a %s password check, want at least as long", took, slow)
	}
}

func TestSuccessfulLoginIsNotPadded(t *testing.T) {
	f := newFixture(t, func(cfg *Config) { cfg.MinFailedLogin = time.Minute })

	start := time.Now()
	rec := f.postForm("username=user1&password=pass1")

	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200 (body %s)", rec.Code, rec.Body)
	}

	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("successful login took %s, want no padding", took)
	}
}

func TestFailureFloorCapped(t *testing.T) {
	var floor failureFloor
	floor.observe(time.Hour)

	if got := time.Duration(floor.slowest.Load()); got != maxFailureFloor {
		t.Errorf("floor after a one-hour check = %s, want the cap %s", got, maxFailureFloor)
	}
}
