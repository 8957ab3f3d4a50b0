package token

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"unicode/utf8"
)

// AlgorithmHS256 is the JWS "alg" value of HMAC with SHA-256, the only
// signing algorithm this package supports.
const AlgorithmHS256 = "HS256"

// MinHS256KeySize is the minimum length in bytes of an HS256 key. RFC 7518
// §3.2 requires a key at least as long as the hash output, 256 bits.
const MinHS256KeySize = 32

// PublishedExampleKey is the HS256 key that FastAPI's OAuth2 scopes tutorial
// publishes. Anyone can sign tokens with it, so a server should accept it
// only in a demonstration; see [IsPublishedExampleKey].
const PublishedExampleKey = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"

// Key is a signing key. For HS256, Secret is the raw HMAC key. Secret must
// never be logged: Key's String, GoString and LogValue methods leave it
// out.
type Key struct {
	// ID is the key's "kid", unique among the keys of a verifier.
	ID string

	// Algorithm is the JWS "alg" the key signs with: [AlgorithmHS256].
	Algorithm string

	// Secret is the key material.
	Secret []byte
}

// GenerateHS256Key returns a new HS256 key with a 256-bit random secret and
// a random ID of 26 base32 characters, as [rand.Text] makes them.
func GenerateHS256Key() (Key, error) {
	secret := make([]byte, MinHS256KeySize)
	if _, err := rand.Read(secret); err != nil {
		return Key{}, fmt.Errorf("token: generate key: %w", err)
	}

	return Key{ID: rand.Text(), Algorithm: AlgorithmHS256, Secret: secret}, nil
}

// IsPublishedExampleKey reports whether key is [PublishedExampleKey], as
// the bytes of its ASCII string (the way PyJWT uses it). It compares in
// constant time.
func IsPublishedExampleKey(key []byte) bool {
	return subtle.ConstantTimeCompare(key, []byte(PublishedExampleKey)) == 1
}

// String returns the key's ID and algorithm, without the secret.
func (k Key) String() string {
	return fmt.Sprintf("token.Key{ID: %q, Algorithm: %q}", k.ID, k.Algorithm)
}

// GoString returns the key's ID and algorithm, without the secret, for the
// %#v verb.
func (k Key) GoString() string {
	return k.String()
}

// LogValue returns the key's ID and algorithm, without the secret.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.ID), slog.String("alg", k.Algorithm))
}

// validate checks that k can sign and verify HS256 tokens.
func (k Key) validate() error {
	if k.ID == "" {
		return errors.New("token: key ID is empty")
	}

	// JSON cannot carry invalid UTF-8, so two such IDs could be written as
	// the same "kid" header.
	if !utf8.ValidString(k.ID) {
		return fmt.Errorf("token: key ID %q is not valid UTF-8", k.ID)
	}

	if k.Algorithm != AlgorithmHS256 {
		return fmt.Errorf("token: key %q: algorithm %q is not supported, only %s",
			k.ID, k.Algorithm, AlgorithmHS256)
	}

	if len(k.Secret) < MinHS256KeySize {
		return fmt.Errorf("token: key %q: HS256 secret is %d bytes, need at least %d",
			k.ID, len(k.Secret), MinHS256KeySize)
	}

	return nil
}
