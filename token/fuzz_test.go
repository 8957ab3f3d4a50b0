package token_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/token"
)

// FuzzVerify checks that Verify never panics, that every error wraps
// ErrInvalid, and that no input but the seeded valid tokens verifies.
func FuzzVerify(f *testing.F) {
	secret := testKey(testKeyID, 1).Secret
	valid := map[string]bool{
		sign(f, accessHeader(), accessClaims(), secret): true,
		pyJWTToken: true,
	}

	for raw := range valid {
		f.Add(raw)
		f.Add(strings.Replace(raw, ".", "..", 1))
		f.Add(raw + ".")
		f.Add(raw[:len(raw)-1])
	}

	f.Add("")
	f.Add("..")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add(sign(f, with(accessHeader(), "alg", "none"), accessClaims(), secret))
	f.Add(signRaw([]byte(`{"alg":"HS256","kid":"key-1","typ":"at+jwt"}`), []byte(`{"aud":[`), secret))

	v, err := token.NewVerifier(token.VerifierConfig{
		Issuer:         testIssuer,
		Audience:       testAudience,
		Keys:           []token.Key{testKey(testKeyID, 1)},
		LegacyHS256Key: legacyKey,
		Now:            fixedNow,
	})
	if err != nil {
		f.Fatalf("NewVerifier: %v", err)
	}

	f.Fuzz(func(t *testing.T, raw string) {
		_, err := v.Verify(context.Background(), raw)
		if err == nil && !valid[raw] {
			t.Fatalf("Verify accepted %q, which is not a seeded valid token", raw)
		}

		if err != nil && !errors.Is(err, token.ErrInvalid) {
			t.Fatalf("Verify error %v does not wrap ErrInvalid", err)
		}
	})
}
