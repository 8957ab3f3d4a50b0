package password_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/scopegate/scopegate/password"
)

// testParams keep argon2id cheap in tests: 64 KiB and one pass.
var testParams = password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// The two bcrypt hashes published with FastAPI's OAuth2 scopes example.
const (
	johndoeHash = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW"
	aliceHash   = "$2b$12$gSvqqUPvlXP2tfVFaWK1Be7DlH.PKZbv5H8KnzzVgXXbVxpva.pFm"
)

func TestVerifyBcryptFastAPIHashes(t *testing.T) {
	tests := []struct {
		name    string
		plain   string
		encoded string
		want    bool
	}{
		{name: "johndoe right password", plain: "secret", encoded: johndoeHash, want: true},
		{name: "johndoe wrong password", plain: "wrong", encoded: johndoeHash, want: false},
		{name: "alice right password", plain: "secretalice", encoded: aliceHash, want: true},
		{name: "alice gets johndoe's password", plain: "secret", encoded: aliceHash, want: false},
		{name: "johndoe as $2a$", plain: "secret", encoded: "$2a$" + johndoeHash[4:], want: true},
		{name: "johndoe as $2y$", plain: "secret", encoded: "$2y$" + johndoeHash[4:], want: true},
		{name: "johndoe as $2y$ wrong password", plain: "wrong", encoded: "$2y$" + johndoeHash[4:], want: false},
		{name: "empty password", plain: "", encoded: johndoeHash, want: false},
	}

	var hasher password.Hasher
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case runs a cost-12 bcrypt

			got, err := hasher.Verify(tt.plain, tt.encoded)
			if err != nil {
				t.Fatalf("Verify() error = %v, want nil", err)
			}

			if got != tt.want {
				t.Errorf("Verify() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVerifyBcryptLongPassword(t *testing.T) {
	plain := strings.Repeat("p", 72)
	encoded, err := bcrypt.GenerateFromPassword([]byte(plain), bcrypt.MinCost)
	if err != nil {
		t.Fatalf("bcrypt.GenerateFromPassword() error = %v", err)
	}

	tests := []struct {
		name  string
		plain string
		want  bool
	}{
		{name: "72 bytes", plain: plain, want: true},
		{name: "73 bytes sharing the first 72", plain: plain + "x", want: false},
		{name: "1000 bytes sharing the first 72", plain: plain + strings.Repeat("x", 928), want: false},
	}

	var hasher password.Hasher
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := hasher.Verify(tt.plain, string(encoded))
			if err != nil {
				t.Fatalf("Verify() error = %v, want nil", err)
			}

			if got != tt.want {
				t.Errorf("Verify() = %v, want %v", got, tt.want)
			}
		})
	}
}

// The argon2id vectors of maandree/libar2's test.c, an Argon2 implementation
// independent of x/crypto: password "password", salt "somesalt", 32-byte tag.
func TestVerifyArgon2idReferenceVectors(t *testing.T) {
	tests := []struct {
		name    string
		plain   string
		encoded string
		want    bool
	}{
		{
			name:    "m=65536 t=2 p=1",
			plain:   "password",
			encoded: "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
			want:    true,
		},
		{
			name:    "m=256 t=2 p=1",
			plain:   "password",
			encoded: "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
			want:    true,
		},
		{
			name:    "m=256 t=2 p=2",
			plain:   "password",
			encoded: "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc",
			want:    true,
		},
		{
			name:    "m=256 t=2 p=1 wrong password",
			plain:   "passwore",
			encoded: "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
			want:    false,
		},
	}

	var hasher password.Hasher
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := hasher.Verify(tt.plain, tt.encoded)
			if err != nil {
				t.Fatalf("Verify() error = %v, want nil", err)
			}

			if got != tt.want {
				t.Errorf("Verify() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHashVerifyRoundTrip(t *testing.T) {
	hasher := password.Hasher{Params: testParams}

	encoded := mustHash(t, &hasher, "correct horse battery staple")

	ok, err := hasher.Verify("correct horse battery staple", encoded)
	if err != nil || !ok {
		t.Errorf("Verify(right password) = %v, %v, want true, nil", ok, err)
	}

	ok, err = hasher.Verify("correct horse battery stapler", encoded)
	if err != nil || ok {
		t.Errorf("Verify(wrong password) = %v, %v, want false, nil", ok, err)
	}

	ok, err = hasher.Verify("", encoded)
	if err != nil || ok {
		t.Errorf("Verify(empty password) = %v, %v, want false, nil", ok, err)
	}
}

func TestHashFormat(t *testing.T) {
	hasher := password.Hasher{Params: testParams}

	encoded := mustHash(t, &hasher, "secret")

	fields := strings.Split(encoded, "$")
	if len(fields) != 6 {
		t.Fatalf("Hash() = %q has %d $-separated fields, want 6", encoded, len(fields))
	}

	wantPrefix := "$argon2id$v=19$m=64,t=1,p=1$"
	if !strings.HasPrefix(encoded, wantPrefix) {
		t.Errorf("Hash() = %q, want prefix %q", encoded, wantPrefix)
	}

	assertBase64Length(t, "salt", fields[4], 16)
	assertBase64Length(t, "hash", fields[5], 32)
}

func TestHashSaltsDiffer(t *testing.T) {
	hasher := password.Hasher{Params: testParams}

	first := mustHash(t, &hasher, "secret")
	second := mustHash(t, &hasher, "secret")

	if first == second {
		t.Errorf("two hashes of one password are equal (%q), want different salts", first)
	}
}

func TestHashDefaultParams(t *testing.T) {
	var hasher password.Hasher

	encoded := mustHash(t, &hasher, "secret")

	wantPrefix := "$argon2id$v=19$m=19456,t=2,p=1$"
	if !strings.HasPrefix(encoded, wantPrefix) {
		t.Errorf("Hash() = %q, want prefix %q", encoded, wantPrefix)
	}

	fields := strings.Split(encoded, "$")
	assertBase64Length(t, "salt", fields[len(fields)-2], 16)
	assertBase64Length(t, "hash", fields[len(fields)-1], 32)

	ok, err := password.Verify("secret", encoded)
	if err != nil || !ok {
		t.Errorf("Verify() = %v, %v, want true, nil", ok, err)
	}

	if password.NeedsRehash(encoded) {
		t.Errorf("NeedsRehash() = true for a hash made with DefaultParams, want false")
	}
}

func TestDefaultParamsOWASPMinimum(t *testing.T) {
	want := password.Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

	if password.DefaultParams != want {
		t.Errorf("DefaultParams = %+v, want %+v", password.DefaultParams, want)
	}
}

func TestHashEmptyPassword(t *testing.T) {
	hasher := password.Hasher{Params: testParams}

	encoded, err := hasher.Hash("")
	if !errors.Is(err, password.ErrEmptyPassword) {
		t.Errorf("Hash(\"\") error = %v, want %v", err, password.ErrEmptyPassword)
	}

	if encoded != "" {
		t.Errorf("Hash(\"\") = %q, want empty", encoded)
	}
}

func TestHashInvalidParams(t *testing.T) {
	// Only Memory set: the other fields are not filled in from DefaultParams.
	hasher := password.Hasher{Params: password.Params{Memory: 19456}}

	_, err := hasher.Hash("secret")
	if !errors.Is(err, password.ErrInvalidParams) {
		t.Errorf("Hash() error = %v, want %v", err, password.ErrInvalidParams)
	}
}

func TestParamsValidate(t *testing.T) {
	type params = password.Params

	tests := []struct {
		name    string
		change  func(p *params) // applied to testParams
		wantErr bool
	}{
		{name: "defaults", change: func(p *params) { *p = password.DefaultParams }},
		{name: "test params", change: func(*params) {}},
		{
			name: "smallest",
			change: func(p *params) {
				*p = password.Params{Memory: 8, Iterations: 1, Parallelism: 1, SaltLength: 8, KeyLength: 16}
			},
		},
		{
			name: "largest",
			change: func(p *params) {
				*p = password.Params{
					Memory: 1 << 20, Iterations: 100, Parallelism: 255, SaltLength: 64, KeyLength: 64,
				}
			},
		},
		{name: "zero", change: func(p *params) { *p = password.Params{} }, wantErr: true},
		{name: "parallelism 0", change: func(p *params) { p.Parallelism = 0 }, wantErr: true},
		{name: "memory 0", change: func(p *params) { p.Memory = 0 }, wantErr: true},
		{
			name:    "memory below 8 KiB per lane",
			change:  func(p *params) { p.Memory, p.Parallelism = 31, 4 },
			wantErr: true,
		},
		{name: "memory above 1 GiB", change: func(p *params) { p.Memory = 1<<20 + 1 }, wantErr: true},
		{name: "iterations 0", change: func(p *params) { p.Iterations = 0 }, wantErr: true},
		{name: "iterations 101", change: func(p *params) { p.Iterations = 101 }, wantErr: true},
		{name: "salt 7 bytes", change: func(p *params) { p.SaltLength = 7 }, wantErr: true},
		{name: "salt 65 bytes", change: func(p *params) { p.SaltLength = 65 }, wantErr: true},
		{name: "key 0 bytes", change: func(p *params) { p.KeyLength = 0 }, wantErr: true},
		{name: "key 15 bytes", change: func(p *params) { p.KeyLength = 15 }, wantErr: true},
		{name: "key 65 bytes", change: func(p *params) { p.KeyLength = 65 }, wantErr: true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := paramsWith(tt.change).Validate()
			if tt.wantErr && !errors.Is(err, password.ErrInvalidParams) {
				t.Errorf("Validate() error = %v, want %v", err, password.ErrInvalidParams)
			}

			if !tt.wantErr && err != nil {
				t.Errorf("Validate() error = %v, want nil", err)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	type params = password.Params

	hasher := password.Hasher{Params: testParams}
	hashChanged := func(change func(*params)) string {
		return hashWith(t, paramsWith(change))
	}

	tests := []struct {
		name    string
		encoded string
		want    bool
	}{
		{name: "same params", encoded: hashWith(t, testParams), want: false},
		{name: "bcrypt", encoded: johndoeHash, want: true},
		{name: "bcrypt $2y$", encoded: "$2y$" + johndoeHash[4:], want: true},
		{name: "other memory", encoded: hashChanged(func(p *params) { p.Memory = 128 }), want: true},
		{name: "other iterations", encoded: hashChanged(func(p *params) { p.Iterations = 2 }), want: true},
		{name: "other parallelism", encoded: hashChanged(func(p *params) { p.Parallelism = 2 }), want: true},
		{name: "other salt length", encoded: hashChanged(func(p *params) { p.SaltLength = 8 }), want: true},
		{name: "other key length", encoded: hashChanged(func(p *params) { p.KeyLength = 16 }), want: true},
		{name: "default params", encoded: hashWith(t, password.DefaultParams), want: true},
		{name: "malformed", encoded: "$argon2id$", want: true},
		{name: "empty", encoded: "", want: true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasher.NeedsRehash(tt.encoded); got != tt.want {
				t.Errorf("NeedsRehash(%q) = %v, want %v", tt.encoded, got, tt.want)
			}
		})
	}
}

func TestNeedsRehashZeroHasher(t *testing.T) {
	var hasher password.Hasher

	if !hasher.NeedsRehash(hashWith(t, testParams)) {
		t.Errorf("NeedsRehash() = false for a hash with test params, want true")
	}
}

// argon2idBase is a valid hash (libar2's m=256,t=2,p=1 vector) that the
// malformed cases below alter one field at a time.
const (
	argon2idSalt = "c29tZXNhbHQ"
	argon2idKey  = "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	argon2idBase = "$argon2id$v=19$m=256,t=2,p=1$" + argon2idSalt + "$" + argon2idKey
)

func TestVerifyMalformed(t *testing.T) {
	bcryptTail := johndoeHash[7:]
	malformed, unsupported := password.ErrMalformedHash, password.ErrUnsupportedHash

	tests := []struct {
		name    string
		encoded string
		wantErr error
	}{
		{name: "empty", encoded: "", wantErr: malformed},
		{name: "plain text", encoded: "secret", wantErr: malformed},
		{name: "dollar only", encoded: "$", wantErr: malformed},
		{name: "no identifier end", encoded: "$argon2id", wantErr: malformed},
		{name: "upper-case identifier", encoded: replaceInBase("argon2id", "ARGON2ID"), wantErr: malformed},
		{name: "too long", encoded: argon2idBase + strings.Repeat("$", 300), wantErr: malformed},
		{name: "argon2id prefix only", encoded: "$argon2id$", wantErr: malformed},
		{name: "missing version", encoded: replaceInBase("v=19$", ""), wantErr: malformed},
		{name: "missing hash", encoded: "$argon2id$v=19$m=256,t=2,p=1$" + argon2idSalt, wantErr: malformed},
		{name: "extra field", encoded: argon2idBase + "$x", wantErr: malformed},
		{name: "trailing dollar", encoded: argon2idBase + "$", wantErr: malformed},
		{name: "version 18", encoded: replaceInBase("v=19", "v=18"), wantErr: unsupported},
		{name: "version 16", encoded: replaceInBase("v=19", "v=16"), wantErr: unsupported},
		{name: "version leading zero", encoded: replaceInBase("v=19", "v=019"), wantErr: malformed},
		{name: "version not a number", encoded: replaceInBase("v=19", "v=x"), wantErr: malformed},
		{name: "m=0", encoded: withCosts("m=0,t=2,p=1"), wantErr: malformed},
		{name: "m below 8 KiB per lane", encoded: withCosts("m=15,t=2,p=2"), wantErr: malformed},
		{name: "m 2 GiB", encoded: withCosts("m=2097152,t=2,p=1"), wantErr: malformed},
		{name: "m max uint32", encoded: withCosts("m=4294967295,t=2,p=1"), wantErr: malformed},
		{name: "m overflows uint32", encoded: withCosts("m=4294967296,t=2,p=1"), wantErr: malformed},
		{name: "m 11 digits", encoded: withCosts("m=10000000000,t=2,p=1"), wantErr: malformed},
		{name: "m negative", encoded: withCosts("m=-256,t=2,p=1"), wantErr: malformed},
		{name: "m with plus sign", encoded: withCosts("m=+256,t=2,p=1"), wantErr: malformed},
		{name: "m leading zero", encoded: withCosts("m=0256,t=2,p=1"), wantErr: malformed},
		{name: "m empty", encoded: withCosts("m=,t=2,p=1"), wantErr: malformed},
		{name: "t=0", encoded: withCosts("m=256,t=0,p=1"), wantErr: malformed},
		{name: "t=101", encoded: withCosts("m=256,t=101,p=1"), wantErr: malformed},
		{name: "p=0", encoded: withCosts("m=256,t=2,p=0"), wantErr: malformed},
		{name: "p=256", encoded: withCosts("m=4096,t=2,p=256"), wantErr: malformed},
		{name: "parameters reordered", encoded: withCosts("t=2,m=256,p=1"), wantErr: malformed},
		{name: "parameter missing", encoded: withCosts("m=256,t=2"), wantErr: malformed},
		{name: "parameter repeated", encoded: withCosts("m=256,t=2,p=1,p=1"), wantErr: malformed},
		{name: "keyid parameter", encoded: withCosts("m=256,t=2,p=1,keyid=AAAA"), wantErr: malformed},
		{name: "semicolons", encoded: withCosts("m=256;t=2;p=1"), wantErr: malformed},
		{name: "salt bad base64", encoded: withSalt("c29tZX!hbHQ"), wantErr: malformed},
		{name: "salt padded", encoded: withSalt(argon2idSalt + "="), wantErr: malformed},
		{name: "salt URL alphabet", encoded: withSalt("c29tZX_hbHQ"), wantErr: malformed},
		{name: "salt non-zero trailing bits", encoded: withSalt("c29tZXNhbHR"), wantErr: malformed},
		{name: "salt empty", encoded: withSalt(""), wantErr: malformed},
		{name: "salt 4 bytes", encoded: withSalt("AAAAAA"), wantErr: malformed},
		{name: "salt 65 bytes", encoded: withSalt(strings.Repeat("A", 87)), wantErr: malformed},
		{name: "hash bad base64", encoded: withKey(argon2idKey[:42] + "!"), wantErr: malformed},
		{name: "hash with CR LF", encoded: withKey(argon2idKey[:20] + "\r\n" + argon2idKey[20:]), wantErr: malformed},
		{name: "salt with space", encoded: withSalt("c29tZXNh bHQ"), wantErr: malformed},
		{name: "hash empty", encoded: withKey(""), wantErr: malformed},
		{name: "hash 8 bytes", encoded: withKey("AAAAAAAAAAA"), wantErr: malformed},
		{name: "argon2i", encoded: replaceInBase("argon2id", "argon2i"), wantErr: unsupported},
		{name: "argon2d", encoded: replaceInBase("argon2id", "argon2d"), wantErr: unsupported},
		{
			name:    "scrypt",
			encoded: "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
			wantErr: unsupported,
		},
		{name: "bcrypt $2x$", encoded: "$2x$12$" + bcryptTail, wantErr: unsupported},
		{name: "bcrypt $2$", encoded: "$2$12$" + bcryptTail, wantErr: unsupported},
		{name: "bcrypt too short", encoded: johndoeHash[:59], wantErr: malformed},
		{name: "bcrypt too long", encoded: johndoeHash + "W", wantErr: malformed},
		{name: "bcrypt cost 03", encoded: "$2b$03$" + bcryptTail, wantErr: malformed},
		{name: "bcrypt cost 17", encoded: "$2b$17$" + bcryptTail, wantErr: malformed},
		{name: "bcrypt cost 31", encoded: "$2b$31$" + bcryptTail, wantErr: malformed},
		{name: "bcrypt cost not digits", encoded: "$2b$1a$" + bcryptTail, wantErr: malformed},
		{name: "bcrypt cost one digit", encoded: "$2b$4$" + bcryptTail + "W", wantErr: malformed},
		{name: "bcrypt bad character", encoded: johndoeHash[:20] + "!" + johndoeHash[21:], wantErr: malformed},
		{name: "bcrypt standard base64 +", encoded: johndoeHash[:20] + "+" + johndoeHash[21:], wantErr: malformed},
	}

	var hasher password.Hasher
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := hasher.Verify("password", tt.encoded)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify() error = %v, want %v", err, tt.wantErr)
			}

			if ok {
				t.Errorf("Verify() = true, want false")
			}
		})
	}
}

func TestVerifyErrorOmitsStoredValue(t *testing.T) {
	tests := []struct {
		name    string
		encoded string
		secret  string
	}{
		{name: "plain text password", encoded: "hunter2hunter2", secret: "hunter2"},
		{name: "plain text with dollar", encoded: "$hunter2$hunter2", secret: "hunter2"},
		{name: "argon2id salt", encoded: withSalt("c29tZX!hbHQ"), secret: "c29tZX"},
		{name: "argon2id hash", encoded: withKey("nf65EOgLrQMR!"), secret: "nf65EOgLrQMR"},
		{name: "bcrypt tail", encoded: johndoeHash[:20] + "!" + johndoeHash[21:], secret: johndoeHash[7:20]},
	}

	var hasher password.Hasher
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := hasher.Verify("password", tt.encoded)
			if err == nil {
				t.Fatalf("Verify() error = nil, want an error")
			}

			if strings.Contains(err.Error(), tt.secret) {
				t.Errorf("Verify() error = %q, want it without %q", err, tt.secret)
			}
		})
	}
}

func TestVerifyDummyRuns(t *testing.T) {
	hasher := password.Hasher{Params: testParams}

	hasher.VerifyDummy("secret")
	hasher.VerifyDummy("")
}

func TestVerifyDummyInvalidParams(t *testing.T) {
	hasher := password.Hasher{Params: password.Params{Memory: 1}}

	hasher.VerifyDummy("secret")
}

func mustHash(t *testing.T, hasher *password.Hasher, plain string) string {
	t.Helper()

	encoded, err := hasher.Hash(plain)
	if err != nil {
		t.Fatalf("Hash() error = %v", err)
	}

	return encoded
}

func hashWith(t *testing.T, params password.Params) string {
	t.Helper()

	return mustHash(t, &password.Hasher{Params: params}, "secret")
}

// paramsWith returns testParams changed by change.
func paramsWith(change func(*password.Params)) password.Params {
	params := testParams
	change(&params)

	return params
}

// replaceInBase returns argon2idBase with its first old replaced by new.
func replaceInBase(old, new string) string {
	return strings.Replace(argon2idBase, old, new, 1)
}

func withCosts(costs string) string {
	return "$argon2id$v=19$" + costs + "$" + argon2idSalt + "$" + argon2idKey
}

func withSalt(salt string) string {
	return "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + argon2idKey
}

func withKey(key string) string {
	return "$argon2id$v=19$m=256,t=2,p=1$" + argon2idSalt + "$" + key
}

func assertBase64Length(t *testing.T, name, field string, want int) {
	t.Helper()

	decoded, err := base64.RawStdEncoding.DecodeString(field)
	if err != nil {
		t.Errorf("%s %q is not unpadded standard base64: %v", name, field, err)
		return
	}

	if len(decoded) != want {
		t.Errorf("%s is %d bytes, want %d", name, len(decoded), want)
	}
}

func TestHashRejectsOverlongPassword(t *testing.T) {
	var hasher password.Hasher

	if _, err := hasher.Hash(strings.Repeat("p", password.MaxLength+1)); !errors.Is(err, password.ErrTooLong) {
		t.Errorf("Hash(%d bytes) error = %v, want ErrTooLong", password.MaxLength+1, err)
	}

	encoded, err := hasher.Hash(strings.Repeat("p", password.MaxLength))
	if err != nil {
		t.Fatalf("Hash(%d bytes) error = %v, want a hash", password.MaxLength, err)
	}

	if ok, err := hasher.Verify(strings.Repeat("p", password.MaxLength), encoded); err != nil || !ok {
		t.Errorf("Verify of a %d-byte password = %v, %v; want true, nil", password.MaxLength, ok, err)
	}
}

func TestLanes(t *testing.T) {
	fourLanes := password.Hasher{Params: password.Params{Memory: 4 * 1024, Iterations: 1, Parallelism: 4,
		SaltLength: 16, KeyLength: 32}}

	encoded, err := fourLanes.Hash("secret")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}

	tests := []struct {
		name    string
		encoded string
		want    int
	}{
		{"argon2id with 4 lanes", encoded, 4},
		{"bcrypt", "$2b$04$ABCDEFGHIJKLMNOPQRSTUuT3tLqPbB6S0yqSx5xTqR8eJDm4JhA1q", 1},
		{"malformed", "not a hash", 1},
	}

	for _, tt := range tests {
		if got := password.Lanes(tt.encoded); got != tt.want {
			t.Errorf("Lanes(%s) = %d, want %d", tt.name, got, tt.want)
		}
	}
}
