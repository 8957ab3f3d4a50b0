package token_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/scopegate/scopegate/token"
)

const (
	testIssuer   = "https://auth.example.test"
	testAudience = "https://api.example.test"
	testKeyID    = "key-1"
)

// testNow is the fixed time of the tests' clocks.
var testNow = time.Unix(1_800_000_000, 0)

func fixedNow() time.Time {
	return testNow
}

// testKey returns an HS256 key whose secret is fill repeated.
func testKey(id string, fill byte) token.Key {
	return token.Key{ID: id, Algorithm: token.AlgorithmHS256, Secret: bytes.Repeat([]byte{fill}, 32)}
}

func newTestVerifier(t testing.TB, legacyKey []byte) *token.Verifier {
	t.Helper()

	v, err := token.NewVerifier(token.VerifierConfig{
		Issuer:         testIssuer,
		Audience:       testAudience,
		Keys:           []token.Key{testKey(testKeyID, 1), testKey("key-0", 2)},
		LegacyHS256Key: legacyKey,
		Now:            fixedNow,
	})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}

	return v
}

func newTestIssuer(t testing.TB) *token.Issuer {
	t.Helper()

	i, err := token.NewIssuer(token.IssuerConfig{
		Issuer:   testIssuer,
		Audience: testAudience,
		Key:      testKey(testKeyID, 1),
		TTL:      15 * time.Minute,
		Now:      fixedNow,
	})
	if err != nil {
		t.Fatalf("NewIssuer: %v", err)
	}

	return i
}

// accessHeader returns the header an issuer writes for testKeyID.
func accessHeader() map[string]any {
	return map[string]any{"alg": "HS256", "kid": testKeyID, "typ": "at+jwt"}
}

// accessClaims returns valid claims for the test verifier.
func accessClaims() map[string]any {
	return map[string]any{
		"iss":       testIssuer,
		"sub":       "johndoe",
		"aud":       testAudience,
		"exp":       testNow.Add(time.Hour).Unix(),
		"iat":       testNow.Unix(),
		"jti":       "jti-1",
		"client_id": "scopegate-cli",
		"scope":     "me items",
	}
}

// with returns a copy of m with key set to value, or deleted when value is
// the deleted marker.
func with(m map[string]any, key string, value any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}

	if value == deleted {
		delete(c, key)
	} else {
		c[key] = value
	}

	return c
}

type deletedMarker struct{}

var deleted = deletedMarker{}

func encodeJSON(t testing.TB, v any) []byte {
	t.Helper()

	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}

	return data
}

// signRaw returns the compact JWS of the header and payload bytes, signed
// with HMAC-SHA256 and secret whatever "alg" the header names.
func signRaw(header, payload, secret []byte) string {
	input := b64(header) + "." + b64(payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))

	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// sign encodes header and claims as JSON and signs them as signRaw does.
func sign(t testing.TB, header, claims any, secret []byte) string {
	t.Helper()

	return signRaw(encodeJSON(t, header), encodeJSON(t, claims), secret)
}

func b64(data []byte) string {
	return base64.RawURLEncoding.EncodeToString(data)
}
