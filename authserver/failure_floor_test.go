package authserver

import (
	"fmt"
	"net/http"
	"strings"
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
	floor.observe("$2b$12$", time.Hour)

	if got := floor.current(); got != maxFailureFloor {
		t.Errorf("floor after a one-hour check = %s, want the cap %s", got, maxFailureFloor)
	}
}

const argon2Class = "$argon2id$v=19$m=19456,t=2,p=1"

// One check slowed by a busy machine raises the floor only until faster
// checks of the same class follow it.
func TestFailureFloorForgetsSlowedCheck(t *testing.T) {
	floor := failureFloor{minimum: 400 * time.Millisecond}
	floor.observe(argon2Class, 3*time.Second)

	if got := floor.current(); got != 3*time.Second {
		t.Errorf("floor after one slow check = %s, want 3s", got)
	}

	floor.observe(argon2Class, 20*time.Millisecond)

	if got := floor.current(); got != 400*time.Millisecond {
		t.Errorf("floor after a fast check of the same class = %s, want the minimum 400ms", got)
	}
}

// A costly class stays in the floor however many checks of other classes
// follow, so a client with an account of its own cannot flush it.
func TestFailureFloorKeepsCostlyClass(t *testing.T) {
	floor := failureFloor{minimum: 400 * time.Millisecond}
	floor.observe("$2b$14$", 900*time.Millisecond)

	for range 10 * samplesPerClass {
		floor.observe(argon2Class, 20*time.Millisecond)
	}

	if got := floor.current(); got != 900*time.Millisecond {
		t.Errorf("floor after many cheap checks = %s, want the bcrypt cost 900ms", got)
	}
}

func TestFailureFloorBoundsClasses(t *testing.T) {
	var floor failureFloor
	for i := range 3 * maxHashClasses {
		floor.observe(fmt.Sprintf("$argon2id$v=19$m=%d,t=1,p=1", 64+i), time.Millisecond)
	}

	if got := len(floor.classes); got > maxHashClasses+1 {
		t.Errorf("classes remembered = %d, want at most %d", got, maxHashClasses+1)
	}
}

func TestHashClass(t *testing.T) {
	tests := []struct {
		encoded, want string
	}{
		{"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA", argon2Class},
		{"$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW", "$2b$12$"},
		{"$2y$14$abc", "$2y$14$"},
		{"$argon2id$v=19$broken", "other"},
		{"plaintext", "other"},
		{"", "other"},
	}
	for _, tt := range tests {
		if got := hashClass(tt.encoded); got != tt.want {
			t.Errorf("hashClass(%q) = %q, want %q", tt.encoded, got, tt.want)
		}
	}
}

// A password longer than any stored hash can match is rejected like a
// wrong one, padded the same, without a lookup or a verification.
func TestOverlongPasswordRejectedWithoutHashing(t *testing.T) {
	const minimum = 150 * time.Millisecond

	f := newFixture(t, func(cfg *Config) { cfg.MinFailedLogin = minimum })
	overlong := strings.Repeat("p", maxPasswordBytes+1)

	for _, username := range []string{"user1", "nobody"} {
		start := time.Now()
		rec := f.postForm("username=" + username + "&password=" + overlong)
		took := time.Since(start)

		checkError(t, rec, http.StatusBadRequest, "invalid_grant")

		if !strings.Contains(rec.Body.String(), badCredentials) {
			t.Errorf("%s: body = %s, want the wrong-password description", username, rec.Body)
		}

		if took < minimum {
			t.Errorf("%s: rejection took %s, want the padding of %s", username, took, minimum)
		}
	}

	if verify, dummy := f.hasher.counts(); verify != 0 || dummy != 0 {
		t.Errorf("verifications = %d, dummy = %d; want none for an overlong password", verify, dummy)
	}
}
