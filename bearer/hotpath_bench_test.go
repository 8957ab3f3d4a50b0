package bearer_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/token"
)

// The benchmarks in this file measure the pieces of the check in front of
// every API request, each on its own and then together with a real HS256
// token. Compare them with -benchmem:
//
//	go test -run '^$' -bench . -benchmem ./bearer

func BenchmarkRequirementSatisfiedBy(b *testing.B) {
	req := bearer.Scopes("me").With("items")
	granted := scope.New("me", "items")

	if !req.SatisfiedBy(granted) {
		b.Fatal("SatisfiedBy = false, want true")
	}

	b.ReportAllocs()
	for b.Loop() {
		req.SatisfiedBy(granted)
	}
}

func BenchmarkPrincipalCacheHit(b *testing.B) {
	loader := staticLoader{principal: &account{username: "johndoe"}}
	cache := bearer.CachedPrincipals(loader, bearer.CacheOptions{})
	claims := claimsFor("johndoe", "me", "items")

	if _, err := cache.LoadPrincipal(context.Background(), claims); err != nil {
		b.Fatalf("LoadPrincipal: %v", err)
	}

	b.ReportAllocs()
	for b.Loop() {
		_, _ = cache.LoadPrincipal(context.Background(), claims)
	}
}

// tokenVerifier adapts a token verifier to bearer.Verifier, as the server
// does.
type tokenVerifier struct {
	verifier interface {
		Verify(ctx context.Context, raw string) (token.Claims, error)
	}
}

func (v tokenVerifier) Verify(ctx context.Context, raw string) (bearer.Claims, error) {
	claims, err := v.verifier.Verify(ctx, raw)
	if err != nil {
		return bearer.Claims{}, bearer.ErrInvalidToken
	}

	return bearer.Claims{Subject: claims.Subject, ClientID: claims.ClientID, Scopes: claims.Scope,
		ExpiresAt: claims.ExpiresAt}, nil
}

// BenchmarkGuardHS256 runs the guard with a real HS256 token, verified in
// full or found in a token.Cache, and a principal from a
// bearer.PrincipalCache.
func BenchmarkGuardHS256(b *testing.B) {
	key := token.Key{ID: "key-1", Algorithm: token.AlgorithmHS256, Secret: bytes.Repeat([]byte{1}, 32)}
	raw := issueBenchToken(b, key)

	verifier, err := token.NewVerifier(token.VerifierConfig{
		Issuer: "https://auth.example.test", Audience: "https://api.example.test", Keys: []token.Key{key},
	})
	if err != nil {
		b.Fatalf("NewVerifier: %v", err)
	}

	cache, err := token.NewCache(verifier, token.CacheConfig{})
	if err != nil {
		b.Fatalf("NewCache: %v", err)
	}

	loader := staticLoader{principal: &account{username: "johndoe"}}
	principals := bearer.CachedPrincipals(loader, bearer.CacheOptions{})

	tests := []struct {
		name     string
		verifier bearer.Verifier
	}{
		{"verified", tokenVerifier{verifier}},
		{"cached", tokenVerifier{cache}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			guard := bearer.New(bearer.Config{Verifier: tt.verifier, Principals: principals, Realm: "scopegate"})
			next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
			handler := guard.Require(bearer.Scopes("me").With("items"))(next)

			req := httptest.NewRequest(http.MethodGet, "/users/me/items/", nil)
			req.Header.Set("Authorization", "Bearer "+raw)

			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
			}

			w := &discardWriter{header: http.Header{}}

			b.ReportAllocs()
			for b.Loop() {
				handler.ServeHTTP(w, req)
			}
		})
	}
}

func issueBenchToken(b *testing.B, key token.Key) string {
	b.Helper()

	issuer, err := token.NewIssuer(token.IssuerConfig{
		Issuer: "https://auth.example.test", Audience: "https://api.example.test", Key: key, TTL: time.Hour,
	})
	if err != nil {
		b.Fatalf("NewIssuer: %v", err)
	}

	raw, _, err := issuer.Issue("johndoe", "scopegate-cli", scope.New("me", "items"))
	if err != nil {
		b.Fatalf("Issue: %v", err)
	}

	return raw
}

// BenchmarkTokenFromHeader reads a header with a bearer token of the size
// that scopegate issues, about 400 bytes.
func BenchmarkTokenFromHeader(b *testing.B) {
	token := string(bytes.Repeat([]byte("eyJhbGciOiJIUzI1NiJ9."), 19))
	header := http.Header{"Authorization": {"Bearer " + token}}

	if got, err := bearer.TokenFromHeader(header); err != nil || got != token {
		b.Fatalf("TokenFromHeader = %d bytes, %v; want the token", len(got), err)
	}

	b.ReportAllocs()
	for b.Loop() {
		_, _ = bearer.TokenFromHeader(header)
	}
}
