package token_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/token"
)

func TestVerifyAccepts(t *testing.T) {
	current := testKey(testKeyID, 1).Secret

	tests := []struct {
		name   string
		header any
		claims map[string]any
		secret []byte
	}{
		{"issued form", accessHeader(), accessClaims(), current},
		{"older key", with(accessHeader(), "kid", "key-0"), accessClaims(), testKey("key-0", 2).Secret},
		{"aud array containing audience", accessHeader(),
			with(accessClaims(), "aud", []string{"other", testAudience}), current},
		{"typ upper case", with(accessHeader(), "typ", "AT+JWT"), accessClaims(), current},
		{"typ media type", with(accessHeader(), "typ", "application/at+jwt"), accessClaims(), current},
		{"extra header member", with(accessHeader(), "cty", "x"), accessClaims(), current},
		{"expired within leeway", accessHeader(),
			with(accessClaims(), "exp", testNow.Add(-29*time.Second).Unix()), current},
		{"nbf within leeway", accessHeader(),
			with(accessClaims(), "nbf", testNow.Add(29*time.Second).Unix()), current},
		{"iat within leeway", accessHeader(),
			with(accessClaims(), "iat", testNow.Add(29*time.Second).Unix()), current},
		{"nbf passed", accessHeader(), with(accessClaims(), "nbf", testNow.Add(-time.Minute).Unix()), current},
		{"fractional exp", accessHeader(), with(accessClaims(), "exp", float64(testNow.Unix())+3600.5), current},
		{"scope absent", accessHeader(), with(accessClaims(), "scope", deleted), current},
		{"scope empty", accessHeader(), with(accessClaims(), "scope", ""), current},
	}

	v := newTestVerifier(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := sign(t, tt.header, tt.claims, tt.secret)

			claims, err := v.Verify(context.Background(), raw)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}

			if claims.Subject != "johndoe" {
				t.Errorf("Subject = %q, want johndoe", claims.Subject)
			}
		})
	}
}

func TestVerifyHeaderInAnyMemberOrder(t *testing.T) {
	v := newTestVerifier(t, nil)
	header := []byte(`{"typ":"at+jwt","kid":"key-1","alg":"HS256"}`)
	raw := signRaw(header, encodeJSON(t, accessClaims()), testKey(testKeyID, 1).Secret)

	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestVerifyScopes(t *testing.T) {
	v := newTestVerifier(t, nil)

	tests := []struct {
		name  string
		scope any
		want  scope.Set
	}{
		{"two scopes", "me items", scope.New("me", "items")},
		{"repeated and extra spaces", " me  me items ", scope.New("me", "items")},
		{"empty", "", scope.Set{}},
		{"absent", deleted, scope.Set{}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := sign(t, accessHeader(), with(accessClaims(), "scope", tt.scope), testKey(testKeyID, 1).Secret)

			claims, err := v.Verify(context.Background(), raw)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}

			if !claims.Scope.Equal(tt.want) {
				t.Errorf("Scope = %q, want %q", claims.Scope, tt.want)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	secret := testKey(testKeyID, 1).Secret
	valid := sign(t, accessHeader(), accessClaims(), secret)
	validHeader, validPayload, _ := strings.Cut(valid, ".")
	validPayload, validSignature, _ := strings.Cut(validPayload, ".")
	claimsJSON := encodeJSON(t, accessClaims())

	tests := []struct {
		name string
		raw  string
		want error
	}{
		// Algorithms.
		{"alg none", unsigned(t, with(accessHeader(), "alg", "none")), token.ErrAlgorithm},
		{"alg None", unsigned(t, with(accessHeader(), "alg", "None")), token.ErrAlgorithm},
		{"alg NONE", unsigned(t, with(accessHeader(), "alg", "NONE")), token.ErrAlgorithm},
		{"alg none with garbage signature", unsigned(t, with(accessHeader(), "alg", "none")) + "Z2FyYmFnZQ",
			token.ErrAlgorithm},
		{"alg none signed with the key", sign(t, with(accessHeader(), "alg", "none"), accessClaims(), secret),
			token.ErrAlgorithm},
		{"alg hs256 lower case", sign(t, with(accessHeader(), "alg", "hs256"), accessClaims(), secret),
			token.ErrAlgorithm},
		{"alg missing", sign(t, with(accessHeader(), "alg", deleted), accessClaims(), secret), token.ErrAlgorithm},
		{"alg not a string", sign(t, with(accessHeader(), "alg", 256), accessClaims(), secret), token.ErrMalformed},
		{"HS512 with the right key", signHS512(t, accessClaims(), secret), token.ErrAlgorithm},
		{"RS256", sign(t, with(accessHeader(), "alg", "RS256"), accessClaims(), secret), token.ErrAlgorithm},
		{"crit header", sign(t, with(accessHeader(), "crit", []string{"exp"}), accessClaims(), secret),
			token.ErrAlgorithm},
		{"b64 header", sign(t, with(accessHeader(), "b64", true), accessClaims(), secret), token.ErrAlgorithm},

		// Signatures and keys.
		{"signature removed", validHeader + "." + validPayload + ".", token.ErrMalformed},
		{"wrong key", sign(t, accessHeader(), accessClaims(), testKey(testKeyID, 9).Secret), token.ErrSignature},
		{"other known key", sign(t, accessHeader(), accessClaims(), testKey("key-0", 2).Secret),
			token.ErrSignature},
		{"tampered payload", validHeader + "." + b64(encodeJSON(t, with(accessClaims(), "sub", "admin"))) + "." +
			validSignature, token.ErrSignature},
		{"signature with non-zero padding bits",
			validHeader + "." + validPayload + "." + flipPaddingBits(validSignature), token.ErrMalformed},
		{"unknown kid", sign(t, with(accessHeader(), "kid", "key-9"), accessClaims(), secret), token.ErrUnknownKey},
		{"empty kid", sign(t, with(accessHeader(), "kid", ""), accessClaims(), secret), token.ErrUnknownKey},
		{"path kid signed with empty key", sign(t, with(accessHeader(), "kid", "../../../../dev/null"),
			accessClaims(), nil), token.ErrUnknownKey},
		{"kid not a string", sign(t, with(accessHeader(), "kid", 1), accessClaims(), secret), token.ErrMalformed},
		{"kid null", sign(t, with(accessHeader(), "kid", nil), accessClaims(), secret), token.ErrMalformed},
		{"no kid without legacy key", sign(t, with(accessHeader(), "kid", deleted), accessClaims(), secret),
			token.ErrUnknownKey},

		// Type.
		{"typ JWT", sign(t, with(accessHeader(), "typ", "JWT"), accessClaims(), secret), token.ErrType},
		{"typ missing", sign(t, with(accessHeader(), "typ", deleted), accessClaims(), secret), token.ErrType},
		{"typ of ID token", sign(t, with(accessHeader(), "typ", "id_token+jwt"), accessClaims(), secret),
			token.ErrType},

		// Format.
		{"empty", "", token.ErrMalformed},
		{"two segments", validHeader + "." + validPayload, token.ErrMalformed},
		{"four segments", valid + "." + validSignature, token.ErrMalformed},
		{"100 KB", validHeader + "." + strings.Repeat("A", 100<<10) + "." + validSignature, token.ErrMalformed},
		{"padding", validHeader + "=." + validPayload + "." + validSignature, token.ErrMalformed},
		{"line break", validHeader + "." + validPayload[:10] + "\n" + validPayload[10:] + "." + validSignature,
			token.ErrMalformed},
		{"standard base64", validHeader + "." + validPayload + "." + strings.NewReplacer("-", "+", "_", "/").
			Replace(validSignature) + "+", token.ErrMalformed},
		{"header not JSON", signRaw([]byte("not json"), claimsJSON, secret), token.ErrMalformed},
		{"header JSON array", signRaw([]byte(`["HS256"]`), claimsJSON, secret), token.ErrMalformed},
		{"header null", signRaw([]byte(`null`), claimsJSON, secret), token.ErrMalformed},
		{"header bad base64", "e" + "." + validPayload + "." + validSignature, token.ErrMalformed},
		{"payload not JSON", signRaw(encodeJSON(t, accessHeader()), []byte("johndoe"), secret), token.ErrMalformed},
		{"payload truncated JSON", signRaw(encodeJSON(t, accessHeader()), claimsJSON[:20], secret),
			token.ErrMalformed},
		{"payload JSON array", signRaw(encodeJSON(t, accessHeader()), []byte(`[1]`), secret), token.ErrClaims},
		{"payload null", signRaw(encodeJSON(t, accessHeader()), []byte(`null`), secret), token.ErrClaims},
		{"payload bad base64", validHeader + ".e." + validSignature, token.ErrSignature},

		// Times.
		{"expired", signClaims(t, "exp", testNow.Add(-31*time.Second).Unix()), token.ErrExpired},
		{"expired at leeway", signClaims(t, "exp", testNow.Add(-30*time.Second).Unix()), token.ErrExpired},
		{"nbf in future", signClaims(t, "nbf", testNow.Add(time.Minute).Unix()), token.ErrNotYetValid},
		{"iat in future", signClaims(t, "iat", testNow.Add(time.Hour).Unix()), token.ErrNotYetValid},
		{"no exp", signClaims(t, "exp", deleted), token.ErrClaims},
		{"exp null", signClaims(t, "exp", nil), token.ErrClaims},
		{"exp string", signClaims(t, "exp", "1900000000"), token.ErrClaims},
		{"exp negative", signClaims(t, "exp", -1), token.ErrClaims},
		{"exp after year 9999", signClaims(t, "exp", 999999999999), token.ErrClaims},
		{"exp after year 9999 in exponent form", signClaims(t, "exp", 1e15), token.ErrClaims},
		{"no iat", signClaims(t, "iat", deleted), token.ErrClaims},
		{"nbf string", signClaims(t, "nbf", "0"), token.ErrClaims},

		// Claims.
		{"no sub", signClaims(t, "sub", deleted), token.ErrClaims},
		{"empty sub", signClaims(t, "sub", ""), token.ErrClaims},
		{"sub not a string", signClaims(t, "sub", 7), token.ErrClaims},
		{"wrong iss", signClaims(t, "iss", "https://evil.example.test"), token.ErrClaims},
		{"no iss", signClaims(t, "iss", deleted), token.ErrClaims},
		{"aud empty array", signClaims(t, "aud", []string{}), token.ErrClaims},
		{"aud other in array", signClaims(t, "aud", []string{"other"}), token.ErrClaims},
		{"aud other string", signClaims(t, "aud", "other"), token.ErrClaims},
		{"aud absent", signClaims(t, "aud", deleted), token.ErrClaims},
		{"aud number", signClaims(t, "aud", 1), token.ErrClaims},
		{"aud object", signClaims(t, "aud", map[string]string{"aud": testAudience}), token.ErrClaims},
		{"aud null", signClaims(t, "aud", nil), token.ErrClaims},
		{"aud array of numbers", signClaims(t, "aud", []int{1}), token.ErrClaims},
		{"aud prefix of audience", signClaims(t, "aud", testAudience[:10]), token.ErrClaims},
		{"no client_id", signClaims(t, "client_id", deleted), token.ErrClaims},
		{"no jti", signClaims(t, "jti", deleted), token.ErrClaims},
		{"scope not a string", signClaims(t, "scope", []string{"me"}), token.ErrClaims},
		{"scope invalid token", signClaims(t, "scope", `me "items"`), token.ErrClaims},
		{"scope tab", signClaims(t, "scope", "me\titems"), token.ErrClaims},
	}

	v := newTestVerifier(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := v.Verify(context.Background(), tt.raw)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}

			if !errors.Is(err, token.ErrInvalid) {
				t.Errorf("Verify error %v does not wrap ErrInvalid", err)
			}

			if claims.Subject != "" {
				t.Errorf("Verify returned claims with subject %q on error", claims.Subject)
			}
		})
	}
}

func TestVerifyRejectsOversizedTokenBeforeParsing(t *testing.T) {
	v := newTestVerifier(t, nil)

	// The token is valid but for its size, so only the size check rejects it.
	raw := paddedToken(t, token.MaxTokenSize+2)
	if len(raw) <= token.MaxTokenSize {
		t.Fatalf("test token is %d bytes, want more than %d", len(raw), token.MaxTokenSize)
	}

	_, err := v.Verify(context.Background(), raw)
	if !errors.Is(err, token.ErrMalformed) || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("Verify error = %v, want ErrMalformed for the size", err)
	}
}

func TestVerifyAcceptsTokenAtSizeLimit(t *testing.T) {
	v := newTestVerifier(t, nil)

	raw := paddedToken(t, token.MaxTokenSize)
	if len(raw) < token.MaxTokenSize-2 {
		t.Fatalf("test token is %d bytes, want close to %d", len(raw), token.MaxTokenSize)
	}

	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Errorf("Verify of a %d-byte token: %v", len(raw), err)
	}
}

// paddedToken returns the longest valid token of at most maxLen bytes,
// padded with an extra claim.
func paddedToken(t *testing.T, maxLen int) string {
	t.Helper()

	secret := testKey(testKeyID, 1).Secret
	claims := with(accessClaims(), "pad", "")
	pad := (maxLen-len(sign(t, accessHeader(), claims, secret)))*3/4 - 3
	claims["pad"] = strings.Repeat("x", pad)
	raw := sign(t, accessHeader(), claims, secret)

	for {
		claims["pad"] = strings.Repeat("x", pad+1)
		longer := sign(t, accessHeader(), claims, secret)
		if len(longer) > maxLen {
			return raw
		}

		raw = longer
		pad++
	}
}

func TestVerifyLeeway(t *testing.T) {
	tests := []struct {
		name    string
		leeway  time.Duration
		expires time.Duration // from testNow
		want    error
	}{
		{"default accepts 29s late", 0, -29 * time.Second, nil},
		{"default rejects 30s late", 0, -30 * time.Second, token.ErrExpired},
		{"negative rejects at exp", -1, 0, token.ErrExpired},
		{"negative accepts before exp", -1, time.Second, nil},
		{"two minutes accepts 119s late", 2 * time.Minute, -119 * time.Second, nil},
		{"two minutes rejects 120s late", 2 * time.Minute, -120 * time.Second, token.ErrExpired},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := token.NewVerifier(token.VerifierConfig{
				Issuer: testIssuer, Audience: testAudience, Keys: []token.Key{testKey(testKeyID, 1)},
				Leeway: tt.leeway, Now: fixedNow,
			})
			if err != nil {
				t.Fatalf("NewVerifier: %v", err)
			}

			raw := signClaims(t, "exp", testNow.Add(tt.expires).Unix())

			_, err = v.Verify(context.Background(), raw)
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifySetKeys(t *testing.T) {
	v := newTestVerifier(t, nil)
	newKey := testKey("key-2", 3)
	raw := sign(t, with(accessHeader(), "kid", "key-2"), accessClaims(), newKey.Secret)

	if _, err := v.Verify(context.Background(), raw); !errors.Is(err, token.ErrUnknownKey) {
		t.Fatalf("Verify before SetKeys error = %v, want ErrUnknownKey", err)
	}

	if err := v.SetKeys([]token.Key{newKey}); err != nil {
		t.Fatalf("SetKeys: %v", err)
	}

	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Errorf("Verify with the new key: %v", err)
	}

	old := sign(t, accessHeader(), accessClaims(), testKey(testKeyID, 1).Secret)
	if _, err := v.Verify(context.Background(), old); !errors.Is(err, token.ErrUnknownKey) {
		t.Errorf("Verify with a removed key error = %v, want ErrUnknownKey", err)
	}
}

func TestSetKeysKeepsKeysOnError(t *testing.T) {
	tests := []struct {
		name string
		keys []token.Key
	}{
		{"duplicate kid", []token.Key{testKey("a", 1), testKey("a", 2)}},
		{"short secret", []token.Key{{ID: "a", Algorithm: "HS256", Secret: []byte("short")}}},
		{"empty ID", []token.Key{testKey("", 1)}},
		{"other algorithm", []token.Key{{ID: "a", Algorithm: "HS512", Secret: make([]byte, 64)}}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newTestVerifier(t, nil)

			if err := v.SetKeys(tt.keys); err == nil {
				t.Fatal("SetKeys error = nil, want an error")
			}

			raw := sign(t, accessHeader(), accessClaims(), testKey(testKeyID, 1).Secret)
			if _, err := v.Verify(context.Background(), raw); err != nil {
				t.Errorf("Verify after a failed SetKeys: %v", err)
			}
		})
	}
}

func TestVerifierCopiesKeys(t *testing.T) {
	key := testKey(testKeyID, 1)
	v, err := token.NewVerifier(token.VerifierConfig{
		Issuer: testIssuer, Audience: testAudience, Keys: []token.Key{key}, Now: fixedNow,
	})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}

	raw := sign(t, accessHeader(), accessClaims(), key.Secret)
	key.Secret[0] ^= 0xff

	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Errorf("Verify after the caller changed its key: %v", err)
	}
}

func TestVerifySetKeysConcurrently(t *testing.T) {
	v := newTestVerifier(t, nil)
	raw := sign(t, accessHeader(), accessClaims(), testKey(testKeyID, 1).Secret)
	keys := []token.Key{testKey(testKeyID, 1)}

	done := make(chan struct{})
	go func() {
		defer close(done)

		for range 200 {
			if err := v.SetKeys(keys); err != nil {
				t.Errorf("SetKeys: %v", err)
				return
			}
		}
	}()

	for range 200 {
		if _, err := v.Verify(context.Background(), raw); err != nil {
			t.Fatalf("Verify during SetKeys: %v", err)
		}
	}

	<-done
}

func TestNewVerifierRejectsConfig(t *testing.T) {
	valid := token.VerifierConfig{Issuer: testIssuer, Audience: testAudience, Keys: []token.Key{testKey("a", 1)}}

	tests := []struct {
		name   string
		change func(*token.VerifierConfig)
	}{
		{"no issuer", func(c *token.VerifierConfig) { c.Issuer = "" }},
		{"no audience", func(c *token.VerifierConfig) { c.Audience = "" }},
		{"short legacy key", func(c *token.VerifierConfig) { c.LegacyHS256Key = []byte("secret") }},
		{"empty legacy key", func(c *token.VerifierConfig) { c.LegacyHS256Key = []byte{} }},
		{"short key", func(c *token.VerifierConfig) { c.Keys = []token.Key{{ID: "a", Algorithm: "HS256"}} }},
		{"duplicate kid", func(c *token.VerifierConfig) { c.Keys = []token.Key{testKey("a", 1), testKey("a", 1)} }},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.change(&cfg)

			if _, err := token.NewVerifier(cfg); err == nil {
				t.Error("NewVerifier error = nil, want an error")
			}
		})
	}
}

func TestNewVerifierWithoutKeysRejectsTokens(t *testing.T) {
	v, err := token.NewVerifier(token.VerifierConfig{Issuer: testIssuer, Audience: testAudience})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}

	raw := sign(t, accessHeader(), accessClaims(), testKey(testKeyID, 1).Secret)
	if _, err := v.Verify(context.Background(), raw); !errors.Is(err, token.ErrUnknownKey) {
		t.Errorf("Verify error = %v, want ErrUnknownKey", err)
	}
}

// unsigned returns a token with header and the valid claims and an empty
// signature, as alg "none" tokens are written.
func unsigned(t *testing.T, header map[string]any) string {
	t.Helper()

	return b64(encodeJSON(t, header)) + "." + b64(encodeJSON(t, accessClaims())) + "."
}

// signClaims signs the valid claims with one claim changed.
func signClaims(t *testing.T, name string, value any) string {
	t.Helper()

	return sign(t, accessHeader(), with(accessClaims(), name, value), testKey(testKeyID, 1).Secret)
}

// signHS512 signs claims with jwx using HS512 and the right kid and typ.
func signHS512(t *testing.T, claims map[string]any, secret []byte) string {
	t.Helper()

	headers := jws.NewHeaders()
	if err := headers.Set(jws.KeyIDKey, testKeyID); err != nil {
		t.Fatal(err)
	}

	if err := headers.Set(jws.TypeKey, "at+jwt"); err != nil {
		t.Fatal(err)
	}

	key := jws.WithKey(jwa.HS512(), secret, jws.WithProtectedHeaders(headers))

	signed, err := jws.Sign(encodeJSON(t, claims), key)
	if err != nil {
		t.Fatalf("jws.Sign: %v", err)
	}

	return string(signed)
}

// flipPaddingBits returns the encoded signature with the lowest bit of its
// last character flipped. That bit is unused, so lenient decoders ignore it.
func flipPaddingBits(signature string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

	last := strings.IndexByte(alphabet, signature[len(signature)-1])

	return signature[:len(signature)-1] + string(alphabet[last^1])
}

func TestZeroVerifierRejectsTokens(t *testing.T) {
	var v token.Verifier
	raw := sign(t, accessHeader(), accessClaims(), testKey(testKeyID, 1).Secret)

	if _, err := v.Verify(context.Background(), raw); !errors.Is(err, token.ErrInvalid) {
		t.Errorf("Verify error = %v, want ErrInvalid", err)
	}
}

func TestVerifyErrorTruncatesLongHeaderValues(t *testing.T) {
	v := newTestVerifier(t, nil)
	raw := sign(t, with(accessHeader(), "kid", strings.Repeat("k", 4000)), accessClaims(), nil)

	_, err := v.Verify(context.Background(), raw)
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("Verify error = %q, want one of at most 200 bytes", err)
	}
}
