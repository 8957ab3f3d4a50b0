package password

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

const (
	// bcryptLength is the length of every bcrypt hash: "$2b$", two cost
	// digits, "$", a 22-character salt and a 31-character hash.
	bcryptLength = 60

	// maxBcryptCost bounds what one verification of a hostile stored hash
	// can cost. Each step doubles the work, so cost 31, the maximum the
	// format allows, is 2^19 times as slow as cost 12, which FastAPI's
	// example hashes use.
	// NOTE: hashes made with a cost above 16 are rejected as malformed.
	maxBcryptCost = 16

	// maxBcryptPassword is the number of password bytes bcrypt reads.
	maxBcryptPassword = 72
)

// bcryptAlphabet is the base64 alphabet of bcrypt's salt and hash.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func verifyBcrypt(plain, encoded string) (bool, error) {
	normalized, _, err := parseBcrypt(encoded)
	if err != nil {
		return false, err
	}

	// bcrypt ignores bytes past the 72nd, and x/crypto versions disagree on
	// whether a longer password is an error. A longer password is wrong
	// here, but its first 72 bytes are still hashed so that Verify takes
	// as long as for any other wrong password.
	tooLong := len(plain) > maxBcryptPassword
	if tooLong {
		plain = plain[:maxBcryptPassword]
	}

	err = bcrypt.CompareHashAndPassword([]byte(normalized), []byte(plain))
	switch {
	case err == nil:
		return !tooLong, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword), errors.Is(err, bcrypt.ErrPasswordTooLong):
		return false, nil
	default:
		return false, fmt.Errorf("%w: bcrypt: %w", ErrMalformedHash, err)
	}
}

// parseBcrypt checks that encoded is a $2a$, $2b$ or $2y$ bcrypt hash with
// a cost from 4 to maxBcryptCost, and returns it with a $2b$ prefix
// together with its cost. $2y$ (PHP's name) and $2b$ (OpenBSD's) are the
// same algorithm, and x/crypto reads $2a$ and $2b$.
func parseBcrypt(encoded string) (string, int, error) {
	if len(encoded) != bcryptLength {
		return "", 0, fmt.Errorf("%w: bcrypt hash has %d characters, want %d",
			ErrMalformedHash, len(encoded), bcryptLength)
	}

	prefix := encoded[:4]
	if prefix != "$2a$" && prefix != "$2b$" && prefix != "$2y$" {
		return "", 0, fmt.Errorf("%w: bcrypt hash must start with $2a$, $2b$ or $2y$", ErrMalformedHash)
	}

	cost, err := parseBcryptCost(encoded[4:7])
	if err != nil {
		return "", 0, err
	}

	for i := 7; i < len(encoded); i++ {
		if !isBcryptBase64(encoded[i]) {
			return "", 0, fmt.Errorf("%w: bcrypt salt and hash contain a character outside ./A-Za-z0-9",
				ErrMalformedHash)
		}
	}

	if prefix == "$2y$" {
		encoded = "$2b$" + encoded[4:]
	}

	return encoded, cost, nil
}

// parseBcryptCost parses the "NN$" after the bcrypt prefix.
func parseBcryptCost(field string) (int, error) {
	if field[2] != '$' || !isDigit(field[0]) || !isDigit(field[1]) {
		return 0, fmt.Errorf("%w: bcrypt cost is not two digits followed by $", ErrMalformedHash)
	}

	cost := int(field[0]-'0')*10 + int(field[1]-'0')
	if cost < bcrypt.MinCost || cost > maxBcryptCost {
		return 0, fmt.Errorf("%w: bcrypt cost %d is outside %d to %d",
			ErrMalformedHash, cost, bcrypt.MinCost, maxBcryptCost)
	}

	return cost, nil
}

func isDigit(c byte) bool {
	return '0' <= c && c <= '9'
}

func isBcryptBase64(c byte) bool {
	return c == '.' || c == '/' || isDigit(c) || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}
