package token_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/token"
)

// pyJWTToken was made by PyJWT 2.6.0, as the FastAPI tutorial makes its
// tokens:
//
//	jwt.encode({"sub": "johndoe", "scopes": ["me", "items"], "exp": 1800000600},
//	           PublishedExampleKey, algorithm="HS256")
const pyJWTToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." +
	"eyJzdWIiOiJqb2huZG9lIiwic2NvcGVzIjpbIm1lIiwiaXRlbXMiXSwiZXhwIjoxODAwMDAwNjAwfQ." +
	"OpsN9Zn1HlsnHW6zQ3L-wtFETpKT8jVGci_COuxswlg"

var legacyKey = []byte(token.PublishedExampleKey)

// legacyHeader is the header PyJWT 2 writes, byte for byte.
var legacyHeader = []byte(`{"alg":"HS256","typ":"JWT"}`)

// signLegacy signs payload as PyJWT does: compact JSON, in the order given.
func signLegacy(payload string, key []byte) string {
	return signRaw(legacyHeader, []byte(payload), key)
}

func TestSignLegacyMatchesPyJWT(t *testing.T) {
	got := signLegacy(`{"sub":"johndoe","scopes":["me","items"],"exp":1800000600}`, legacyKey)
	if got != pyJWTToken {
		t.Errorf("signLegacy = %s, want the PyJWT token %s", got, pyJWTToken)
	}
}

func TestVerifyLegacyToken(t *testing.T) {
	v := newTestVerifier(t, legacyKey)

	claims, err := v.Verify(context.Background(), pyJWTToken)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}

	if !claims.Legacy {
		t.Error("Legacy = false, want true")
	}

	if claims.Subject != "johndoe" {
		t.Errorf("Subject = %q, want johndoe", claims.Subject)
	}

	if want := scope.New("me", "items"); !claims.Scope.Equal(want) {
		t.Errorf("Scope = %q, want %q", claims.Scope, want)
	}

	if want := time.Unix(1800000600, 0); !claims.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", claims.ExpiresAt, want)
	}
}

func TestVerifyLegacyAccepts(t *testing.T) {
	exp := `"exp":1800000600`

	tests := []struct {
		name   string
		header string
		claims string
		want   scope.Set
	}{
		{"no scopes", string(legacyHeader), `{"sub":"johndoe",` + exp + `}`, scope.Set{}},
		{"empty scopes", string(legacyHeader), `{"sub":"johndoe","scopes":[],` + exp + `}`, scope.Set{}},
		{"PyJWT 1 header order", `{"typ":"JWT","alg":"HS256"}`, `{"sub":"johndoe","scopes":["me"],` + exp + `}`,
			scope.New("me")},
		{"typ media type", `{"alg":"HS256","typ":"application/jwt"}`, `{"sub":"johndoe",` + exp + `}`,
			scope.Set{}},
		{"no typ", `{"alg":"HS256"}`, `{"sub":"johndoe","scopes":["me"],` + exp + `}`, scope.New("me")},
		{"matching iss and aud", string(legacyHeader),
			`{"sub":"johndoe","iss":"` + testIssuer + `","aud":"` + testAudience + `",` + exp + `}`, scope.Set{}},
		{"scope string ignored", string(legacyHeader), `{"sub":"johndoe","scope":"admin",` + exp + `}`,
			scope.Set{}},
	}

	v := newTestVerifier(t, legacyKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := signRaw([]byte(tt.header), []byte(tt.claims), legacyKey)

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

func TestVerifyLegacyRejects(t *testing.T) {
	scopes := `"scopes":["me","items"]`
	exp := `"exp":1800000600`

	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"no exp", signLegacy(`{"sub":"johndoe",`+scopes+`}`, legacyKey), token.ErrClaims},
		{"no sub", signLegacy(`{`+scopes+`,`+exp+`}`, legacyKey), token.ErrClaims},
		{"empty sub", signLegacy(`{"sub":"",`+scopes+`,`+exp+`}`, legacyKey), token.ErrClaims},
		{"expired", signLegacy(`{"sub":"johndoe",`+scopes+`,"exp":1799999900}`, legacyKey), token.ErrExpired},
		{"other key", signLegacy(`{"sub":"johndoe",`+scopes+`,`+exp+`}`, testKey(testKeyID, 1).Secret),
			token.ErrSignature},
		{"kid header", signRaw([]byte(`{"alg":"HS256","kid":"legacy","typ":"JWT"}`),
			[]byte(`{"sub":"johndoe",`+exp+`}`), legacyKey), token.ErrUnknownKey},
		{"typ JOSE", signRaw([]byte(`{"alg":"HS256","typ":"JOSE"}`),
			[]byte(`{"sub":"johndoe",`+exp+`}`), legacyKey), token.ErrType},
		{"access token typ", signRaw([]byte(`{"alg":"HS256","typ":"at+jwt"}`),
			[]byte(`{"sub":"johndoe",`+exp+`}`), legacyKey), token.ErrType},
		{"HS512 header", signRaw([]byte(`{"alg":"HS512","typ":"JWT"}`),
			[]byte(`{"sub":"johndoe",`+exp+`}`), legacyKey), token.ErrAlgorithm},
		{"scopes string", signLegacy(`{"sub":"johndoe","scopes":"me items",`+exp+`}`, legacyKey), token.ErrClaims},
		{"scopes invalid", signLegacy(`{"sub":"johndoe","scopes":["me items"],`+exp+`}`, legacyKey),
			token.ErrClaims},
		{"scopes numbers", signLegacy(`{"sub":"johndoe","scopes":[1],`+exp+`}`, legacyKey), token.ErrClaims},
		{"wrong iss", signLegacy(`{"sub":"johndoe","iss":"https://other.test",`+exp+`}`, legacyKey),
			token.ErrClaims},
		{"wrong aud", signLegacy(`{"sub":"johndoe","aud":"other",`+exp+`}`, legacyKey), token.ErrClaims},
		{"empty aud", signLegacy(`{"sub":"johndoe","aud":[],`+exp+`}`, legacyKey), token.ErrClaims},
		{"nbf in future", signLegacy(`{"sub":"johndoe","nbf":1800003600,`+exp+`}`, legacyKey),
			token.ErrNotYetValid},
	}

	v := newTestVerifier(t, legacyKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.raw)
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyLegacyTokenWithoutLegacyKey(t *testing.T) {
	v := newTestVerifier(t, nil)

	_, err := v.Verify(context.Background(), pyJWTToken)
	if !errors.Is(err, token.ErrUnknownKey) {
		t.Errorf("Verify error = %v, want ErrUnknownKey", err)
	}
}

func TestVerifyAccessTokenNotTriedWithLegacyKey(t *testing.T) {
	v := newTestVerifier(t, legacyKey)

	// An access token signed with the legacy key names a kid, so it is
	// checked against that kid's key only.
	raw := sign(t, accessHeader(), accessClaims(), legacyKey)

	_, err := v.Verify(context.Background(), raw)
	if !errors.Is(err, token.ErrSignature) {
		t.Errorf("Verify error = %v, want ErrSignature", err)
	}
}
