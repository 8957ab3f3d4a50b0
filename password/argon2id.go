package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters (RFC 9106 §3.1).
type Params struct {
	Memory      uint32 // memory size m, in KiB
	Iterations  uint32 // number of passes t
	Parallelism uint8  // degree of parallelism p (lanes)
	SaltLength  uint32 // salt length, in bytes
	KeyLength   uint32 // tag (hash) length, in bytes
}

// DefaultParams are the minimum argon2id parameters of the OWASP Password
// Storage Cheat Sheet: 19 MiB of memory, 2 iterations and 1 degree of
// parallelism. The 16-byte salt and 32-byte key are the salt and tag sizes
// of both parameter sets that RFC 9106 §4 recommends.
var DefaultParams = Params{
	Memory:      19456,
	Iterations:  2,
	Parallelism: 1,
	SaltLength:  16,
	KeyLength:   32,
}

// Limits on argon2id parameters. The maximum memory and iterations bound
// what one verification of a hostile stored hash can cost. The minimum salt
// and key lengths reject hashes too weak to trust.
const (
	minMemoryPerLane = 8       // KiB, RFC 9106 §3.1
	maxMemory        = 1 << 20 // KiB, 1 GiB
	maxIterations    = 100
	minSaltLength    = 8 // bytes, RFC 9106 §3.1
	maxSaltLength    = 64
	minKeyLength     = 16 // bytes
	maxKeyLength     = 64
)

// argon2idPrefix starts every argon2id hash this package writes or reads.
// Only version 19 (0x13, Argon2 1.3) is supported, which is what x/crypto
// computes.
const argon2idPrefix = "$argon2id$v=19$"

// Validate returns an error wrapping [ErrInvalidParams] unless p is within
// the limits that this package also applies to stored hashes:
//
//   - Memory from 8 KiB per lane (8 × Parallelism, RFC 9106 §3.1) to 1 GiB
//     (1048576 KiB),
//   - Iterations from 1 to 100,
//   - Parallelism at least 1,
//   - SaltLength from 8 to 64 bytes,
//   - KeyLength from 16 to 64 bytes.
//
// Call it at start-up to reject a configuration before the first login.
func (p Params) Validate() error {
	if err := p.check(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidParams, err)
	}

	return nil
}

// check returns an unprefixed error for the first parameter out of range,
// so Validate and the hash parser can each add their own sentinel.
func (p Params) check() error {
	switch {
	case p.Parallelism < 1:
		return errors.New("parallelism is 0, want at least 1")
	case p.Memory < minMemoryPerLane*uint32(p.Parallelism):
		return fmt.Errorf("memory %d KiB is below the minimum of %d KiB (8 KiB for each of %d lanes)",
			p.Memory, minMemoryPerLane*uint32(p.Parallelism), p.Parallelism)
	case p.Memory > maxMemory:
		return fmt.Errorf("memory %d KiB is above the maximum of %d KiB", p.Memory, maxMemory)
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("iterations %d is outside 1 to %d", p.Iterations, maxIterations)
	case p.SaltLength < minSaltLength || p.SaltLength > maxSaltLength:
		return fmt.Errorf("salt length %d bytes is outside %d to %d",
			p.SaltLength, minSaltLength, maxSaltLength)
	case p.KeyLength < minKeyLength || p.KeyLength > maxKeyLength:
		return fmt.Errorf("key length %d bytes is outside %d to %d", p.KeyLength, minKeyLength, maxKeyLength)
	}

	return nil
}

// argon2idHash is a parsed argon2id PHC string. params.SaltLength and
// params.KeyLength equal len(salt) and len(key).
type argon2idHash struct {
	params Params
	salt   []byte
	key    []byte
}

// String formats h as a PHC string.
func (h argon2idHash) String() string {
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", argon2idPrefix,
		h.params.Memory, h.params.Iterations, h.params.Parallelism,
		base64.RawStdEncoding.EncodeToString(h.salt), base64.RawStdEncoding.EncodeToString(h.key))
}

func hashArgon2id(plain string, params Params) (string, error) {
	if err := params.Validate(); err != nil {
		return "", err
	}

	salt := make([]byte, params.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: read random salt: %w", err)
	}

	key := argon2.IDKey([]byte(plain), salt,
		params.Iterations, params.Memory, params.Parallelism, params.KeyLength)

	return argon2idHash{params: params, salt: salt, key: key}.String(), nil
}

func verifyArgon2id(plain, encoded string) (bool, error) {
	stored, err := parseArgon2id(encoded)
	if err != nil {
		return false, err
	}

	params := stored.params
	key := argon2.IDKey([]byte(plain), stored.salt,
		params.Iterations, params.Memory, params.Parallelism, params.KeyLength)

	return subtle.ConstantTimeCompare(key, stored.key) == 1, nil
}

// parseArgon2id parses $argon2id$v=19$m=M,t=T,p=P$SALT$KEY strictly: the
// fields in this order and no others, decimals without sign or leading
// zeros, and canonical unpadded standard base64. So a parsed hash formats
// back to the same string. The optional keyid and data fields of the PHC
// format are rejected, because this package holds no secret key.
func parseArgon2id(encoded string) (argon2idHash, error) {
	if len(encoded) > maxEncodedLength {
		return argon2idHash{}, fmt.Errorf("%w: %d characters, more than the maximum of %d",
			ErrMalformedHash, len(encoded), maxEncodedLength)
	}

	// "", "argon2id", "v=19", "m=...,t=...,p=...", salt, key.
	fields := strings.SplitN(encoded, "$", 7)
	if len(fields) != 6 || fields[0] != "" || fields[1] != "argon2id" {
		return argon2idHash{}, fmt.Errorf("%w: want $argon2id$v=19$m=M,t=T,p=P$SALT$HASH", ErrMalformedHash)
	}

	if err := checkArgon2Version(fields[2]); err != nil {
		return argon2idHash{}, err
	}

	params, err := parseCosts(fields[3])
	if err != nil {
		return argon2idHash{}, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}

	salt, err := decodeBase64("salt", fields[4])
	if err != nil {
		return argon2idHash{}, err
	}

	key, err := decodeBase64("hash", fields[5])
	if err != nil {
		return argon2idHash{}, err
	}

	params.SaltLength = uint32(len(salt))
	params.KeyLength = uint32(len(key))
	if err := params.check(); err != nil {
		return argon2idHash{}, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}

	return argon2idHash{params: params, salt: salt, key: key}, nil
}

// checkArgon2Version accepts "v=19". Another decimal version, such as 16 for
// Argon2 1.0, is unsupported, and anything else is malformed.
func checkArgon2Version(field string) error {
	digits, found := strings.CutPrefix(field, "v=")
	if !found {
		return fmt.Errorf("%w: missing the v= version field", ErrMalformedHash)
	}

	version, err := parseDecimal(digits, 32)
	if err != nil {
		return fmt.Errorf("%w: version: %w", ErrMalformedHash, err)
	}

	if version != argon2.Version {
		return fmt.Errorf("%w: argon2 version %d, only %d (0x13) is supported",
			ErrUnsupportedHash, version, argon2.Version)
	}

	return nil
}

// parseCosts parses "m=M,t=T,p=P" into the first three fields of Params.
func parseCosts(field string) (Params, error) {
	parts := strings.Split(field, ",")
	if len(parts) != 3 {
		return Params{}, fmt.Errorf("parameters have %d fields, want m=M,t=T,p=P", len(parts))
	}

	memory, err := parseCost(parts[0], "m=", 32)
	if err != nil {
		return Params{}, err
	}

	iterations, err := parseCost(parts[1], "t=", 32)
	if err != nil {
		return Params{}, err
	}

	parallelism, err := parseCost(parts[2], "p=", 8)
	if err != nil {
		return Params{}, err
	}

	params := Params{
		Memory:      uint32(memory),
		Iterations:  uint32(iterations),
		Parallelism: uint8(parallelism),
	}

	return params, nil
}

func parseCost(part, name string, bitSize int) (uint64, error) {
	digits, found := strings.CutPrefix(part, name)
	if !found {
		return 0, fmt.Errorf("parameter %q is missing or out of order, want m=M,t=T,p=P", name)
	}

	value, err := parseDecimal(digits, bitSize)
	if err != nil {
		return 0, fmt.Errorf("parameter %q: %w", name, err)
	}

	return value, nil
}

// parseDecimal parses an unsigned decimal that fits in bitSize bits, with
// no sign, no leading zeros and at most 10 digits.
func parseDecimal(digits string, bitSize int) (uint64, error) {
	if digits == "" || len(digits) > 10 {
		return 0, errors.New("want a decimal of 1 to 10 digits")
	}

	if len(digits) > 1 && digits[0] == '0' {
		return 0, errors.New("decimal has a leading zero")
	}

	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, errors.New("not a decimal")
		}
	}

	value, err := strconv.ParseUint(digits, 10, bitSize)
	if err != nil {
		return 0, fmt.Errorf("decimal does not fit in %d bits", bitSize)
	}

	return value, nil
}

// decodeBase64 decodes field as unpadded standard base64 and rejects
// non-zero trailing bits, so each byte string has one encoding. It checks
// the alphabet first because encoding/base64 skips \r and \n. Its errors
// name the field but never quote it.
func decodeBase64(name, field string) ([]byte, error) {
	for i := 0; i < len(field); i++ {
		if !isStdBase64(field[i]) {
			return nil, fmt.Errorf("%w: %s contains a character outside A-Za-z0-9+/ at byte %d",
				ErrMalformedHash, name, i)
		}
	}

	decoded, err := base64.RawStdEncoding.Strict().DecodeString(field)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not unpadded standard base64: %w", ErrMalformedHash, name, err)
	}

	return decoded, nil
}

func isStdBase64(c byte) bool {
	return c == '+' || c == '/' || '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}
