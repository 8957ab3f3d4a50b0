package password

import (
	"errors"
	"testing"
)

// FuzzVerify checks that no stored hash makes Verify or NeedsRehash panic,
// that an error never comes with true, and that every argon2id hash the
// strict parser accepts formats back to the same string.
func FuzzVerify(f *testing.F) {
	seeds := []string{
		"",
		"$",
		"$argon2id$",
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc",
		"$argon2id$v=18$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$argon2id$v=19$m=256,t=2,p=1,keyid=AA$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8",
		"$2b$04$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW",
		"$2y$04$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW",
		"$2x$04$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW",
		"$2b$31$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW",
		"$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
	}
	for _, seed := range seeds {
		f.Add(seed)
	}

	var hasher Hasher
	f.Fuzz(func(t *testing.T, encoded string) {
		if parsed, err := parseArgon2id(encoded); err == nil {
			if got := parsed.String(); got != encoded {
				t.Errorf("parseArgon2id(%q).String() = %q, want the input", encoded, got)
			}
		}

		hasher.NeedsRehash(encoded)

		if !cheapToVerify(encoded) {
			return
		}

		ok, err := hasher.Verify("password", encoded)
		if err != nil && ok {
			t.Errorf("Verify(%q) = true, %v, want false with an error", encoded, err)
		}

		if err != nil && !errors.Is(err, ErrMalformedHash) && !errors.Is(err, ErrUnsupportedHash) {
			t.Errorf("Verify(%q) error = %v, want %v or %v",
				encoded, err, ErrMalformedHash, ErrUnsupportedHash)
		}
	})
}

// cheapToVerify reports whether verifying encoded takes at most a few
// milliseconds, so the fuzzer does not stall on the costly hashes that the
// limits still allow (up to 1 GiB and 100 passes, or bcrypt cost 16).
func cheapToVerify(encoded string) bool {
	if parsed, err := parseArgon2id(encoded); err == nil {
		return parsed.params.Memory <= 1024 && parsed.params.Iterations <= 4
	}

	if _, cost, err := parseBcrypt(encoded); err == nil {
		return cost <= 6
	}

	return true
}

func TestDummyHashMatchesParams(t *testing.T) {
	params := Params{Memory: 72, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	hasher := Hasher{Params: params}

	encoded := hasher.dummyHash()

	parsed, err := parseArgon2id(encoded)
	if err != nil {
		t.Fatalf("parseArgon2id(dummy hash) error = %v", err)
	}

	if parsed.params != params {
		t.Errorf("dummy hash params = %+v, want %+v", parsed.params, params)
	}
}

func TestDummyHashComputedOnce(t *testing.T) {
	params := Params{Memory: 80, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

	first := (&Hasher{Params: params}).dummyHash()
	second := (&Hasher{Params: params}).dummyHash()

	if first != second {
		t.Errorf("dummy hashes of two Hashers with equal params differ: %q and %q", first, second)
	}
}

func TestDummyHashFollowsParamsChange(t *testing.T) {
	hasher := Hasher{Params: Params{Memory: 88, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}}
	first := hasher.dummyHash()

	hasher.Params.Memory = 96
	second := hasher.dummyHash()

	if hasher.NeedsRehash(second) {
		t.Errorf("dummy hash %q after a params change does not match the new params", second)
	}

	if first == second {
		t.Errorf("dummy hash did not change with the params: %q", first)
	}
}

func TestDummyHashInvalidParams(t *testing.T) {
	hasher := Hasher{Params: Params{Memory: 1}}

	if got := hasher.dummyHash(); got != "" {
		t.Errorf("dummyHash() = %q for invalid params, want empty", got)
	}
}
