package token_test

import (
	"context"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/scope"
)

func BenchmarkVerify(b *testing.B) {
	issued, _, err := newTestIssuer(b).Issue("johndoe", "scopegate-cli", scope.New("me", "items"))
	if err != nil {
		b.Fatalf("Issue: %v", err)
	}

	tokens := []struct {
		name  string
		raw   string
		valid bool
	}{
		{"access token", issued, true},
		{"legacy token", pyJWTToken, true},
		{"wrong signature", issued[:len(issued)-2] + "AA", false},
		{"100 KB", strings.Repeat("A", 100<<10), false},
	}

	v := newTestVerifier(b, legacyKey)
	for _, tt := range tokens {
		b.Run(tt.name, func(b *testing.B) {
			if _, err := v.Verify(context.Background(), tt.raw); (err == nil) != tt.valid {
				b.Fatalf("Verify error = %v, want valid %v", err, tt.valid)
			}

			b.ReportAllocs()
			for b.Loop() {
				_, _ = v.Verify(context.Background(), tt.raw)
			}
		})
	}
}

func BenchmarkIssue(b *testing.B) {
	issuer := newTestIssuer(b)
	scopes := scope.New("me", "items")

	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := issuer.Issue("johndoe", "scopegate-cli", scopes); err != nil {
			b.Fatalf("Issue: %v", err)
		}
	}
}
