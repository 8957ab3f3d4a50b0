package password

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrEmptyPassword is returned by [Hasher.Hash] for an empty password.
	ErrEmptyPassword = errors.New("password: empty password")

	// ErrTooLong is returned by [Hasher.Hash] for a password longer than
	// [MaxLength].
	ErrTooLong = fmt.Errorf("password: password longer than %d bytes", MaxLength)

	// ErrInvalidParams is wrapped by the errors of [Params.Validate] and by
	// [Hasher.Hash] when the hasher's parameters are out of range.
	ErrInvalidParams = errors.New("password: invalid argon2id parameters")

	// ErrMalformedHash is wrapped when a stored hash cannot be parsed, or
	// its parameters are outside the limits of [Params.Validate].
	ErrMalformedHash = errors.New("password: malformed hash")

	// ErrUnsupportedHash is wrapped when a stored hash is well formed but
	// names an algorithm or version this package does not verify.
	ErrUnsupportedHash = errors.New("password: unsupported hash algorithm")
)

// MaxLength is the length, in bytes, of the longest password that
// [Hasher.Hash] accepts. A login with a longer password can match no
// stored hash made by this package, so a server can reject it before it
// spends a verification on it.
const MaxLength = 4096

// maxEncodedLength bounds the length of a stored hash before it is split or
// decoded. The longest argon2id hash within the limits of [Params.Validate]
// is 210 characters, and a bcrypt hash is 60.
const maxEncodedLength = 256

// Hasher hashes passwords with argon2id and verifies argon2id and bcrypt
// hashes. The zero value uses [DefaultParams]. A Hasher is safe for
// concurrent use.
type Hasher struct {
	// Params are the argon2id parameters for new hashes. The zero value
	// means DefaultParams. A partly filled Params is not completed with
	// defaults: Hash returns an error for it.
	Params Params
}

var defaultHasher Hasher

// Hash returns an argon2id hash of plain made by a Hasher with
// [DefaultParams].
func Hash(plain string) (string, error) {
	return defaultHasher.Hash(plain)
}

// Verify reports whether plain matches encoded, using a Hasher with
// [DefaultParams]. See [Hasher.Verify].
func Verify(plain, encoded string) (bool, error) {
	return defaultHasher.Verify(plain, encoded)
}

// NeedsRehash reports whether encoded should be replaced with a new hash
// made with [DefaultParams]. See [Hasher.NeedsRehash].
func NeedsRehash(encoded string) bool {
	return defaultHasher.NeedsRehash(encoded)
}

// VerifyDummy spends the time of one verification with [DefaultParams].
// See [Hasher.VerifyDummy].
func VerifyDummy(plain string) {
	defaultHasher.VerifyDummy(plain)
}

// Hash returns an argon2id hash of plain in the PHC string format, with a
// new random salt and h's parameters. It returns [ErrEmptyPassword] for an
// empty plain, [ErrTooLong] for one longer than [MaxLength], and an error wrapping
// [ErrInvalidParams] when h's parameters fail [Params.Validate].
func (h *Hasher) Hash(plain string) (string, error) {
	if plain == "" {
		return "", ErrEmptyPassword
	}

	if len(plain) > MaxLength {
		return "", ErrTooLong
	}

	return hashArgon2id(plain, h.params())
}

// Verify reports whether plain is the password that encoded was made from.
// encoded is an argon2id hash in the PHC string format or a bcrypt hash
// ($2a$, $2b$ or $2y$). The comparison takes constant time.
//
// A wrong password returns false and a nil error. So does a password of more
// than 72 bytes against a bcrypt hash, because bcrypt reads only the first 72
// bytes and a longer password would otherwise match on its prefix. An error,
// wrapping [ErrMalformedHash] or [ErrUnsupportedHash], means encoded cannot
// be checked at all. The caller then rejects the login and logs which
// user's stored hash is broken. Verify does not use h's parameters, because
// every hash carries its own.
func (h *Hasher) Verify(plain, encoded string) (bool, error) {
	id, err := algorithmID(encoded)
	if err != nil {
		return false, err
	}

	switch id {
	case "argon2id":
		return verifyArgon2id(plain, encoded)
	case "2a", "2b", "2y":
		return verifyBcrypt(plain, encoded)
	case "2", "2x":
		return false, fmt.Errorf("%w: bcrypt variant $%s$ is not supported, only $2a$, $2b$ and $2y$",
			ErrUnsupportedHash, id)
	default:
		return false, unsupportedError(id)
	}
}

// NeedsRehash reports whether encoded should be replaced with a new hash
// from [Hasher.Hash]. It is true for every bcrypt hash and for a hash that
// cannot be parsed. For an argon2id hash, it is true when the parameters,
// salt length or key length differ from h's. Call it after a successful
// [Hasher.Verify], when the plain password is at hand.
func (h *Hasher) NeedsRehash(encoded string) bool {
	parsed, err := parseArgon2id(encoded)
	if err != nil {
		return true
	}

	return parsed.params != h.params()
}

// Lanes returns the argon2id parallelism of encoded, the number of
// goroutines that a verification of it runs on, or 1 for a bcrypt hash and
// for a hash that cannot be parsed.
func Lanes(encoded string) int {
	parsed, err := parseArgon2id(encoded)
	if err != nil {
		return 1
	}

	return max(1, int(parsed.params.Parallelism))
}

// params returns h's parameters, or DefaultParams for a nil h or a zero
// Params.
func (h *Hasher) params() Params {
	if h == nil || h.Params == (Params{}) {
		return DefaultParams
	}

	return h.Params
}

// knownAlgorithms are identifiers of other password hash formats, which an
// error may name. An identifier outside this list is not quoted, because it
// could be part of a password stored in plain text by mistake.
var knownAlgorithms = map[string]bool{
	"argon2i": true, "argon2d": true, "scrypt": true, "7": true, "y": true, "gy": true,
	"pbkdf2": true, "pbkdf2-sha256": true, "pbkdf2-sha512": true, "1": true, "5": true, "6": true,
}

func unsupportedError(id string) error {
	if knownAlgorithms[id] {
		return fmt.Errorf("%w: $%s$ (only argon2id and bcrypt are supported)", ErrUnsupportedHash, id)
	}

	return fmt.Errorf("%w: unrecognized identifier (only argon2id and bcrypt are supported)",
		ErrUnsupportedHash)
}

// algorithmID returns the identifier between the first two dollar signs of
// encoded, such as "argon2id" or "2b": at most 32 characters of [a-z0-9-],
// as in the PHC string format.
func algorithmID(encoded string) (string, error) {
	if len(encoded) > maxEncodedLength {
		return "", fmt.Errorf("%w: %d characters, more than the maximum of %d",
			ErrMalformedHash, len(encoded), maxEncodedLength)
	}

	rest, found := strings.CutPrefix(encoded, "$")
	if !found {
		return "", fmt.Errorf("%w: missing the leading $ of a PHC or bcrypt hash", ErrMalformedHash)
	}

	id, _, found := strings.Cut(rest, "$")
	if !found || !isPHCIdentifier(id) {
		return "", fmt.Errorf("%w: no algorithm identifier between the first two $", ErrMalformedHash)
	}

	return id, nil
}

func isPHCIdentifier(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}

	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}

	return true
}
