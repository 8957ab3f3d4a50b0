package token_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/token"
)

func TestIssueVerifyRoundTrip(t *testing.T) {
	issuer := newTestIssuer(t)
	verifier := newTestVerifier(t, nil)

	raw, issued, err := issuer.Issue("johndoe", "scopegate-cli", scope.New("me", "items"))
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}

	verified, err := verifier.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}

	checks := []struct {
		name      string
		got, want any
	}{
		{"Issuer", verified.Issuer, testIssuer},
		{"Subject", verified.Subject, "johndoe"},
		{"Audience", strings.Join(verified.Audience, ","), testAudience},
		{"ClientID", verified.ClientID, "scopegate-cli"},
		{"Scope", verified.Scope.String(), "me items"},
		{"IssuedAt", verified.IssuedAt.Unix(), testNow.Unix()},
		{"ExpiresAt", verified.ExpiresAt.Unix(), testNow.Add(15 * time.Minute).Unix()},
		{"NotBefore is zero", verified.NotBefore.IsZero(), true},
		{"ID", verified.ID, issued.ID},
		{"Legacy", verified.Legacy, false},
		{"issued Audience", strings.Join(issued.Audience, ","), testAudience},
		{"issued ExpiresAt", issued.ExpiresAt.Unix(), verified.ExpiresAt.Unix()},
		{"issued Scope", issued.Scope.String(), "me items"},
	}

	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestIssueFormat(t *testing.T) {
	raw, _, err := newTestIssuer(t).Issue("johndoe", "scopegate-cli", scope.New("me"))
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}

	// jwx is an independent check of the signature and the header.
	payload, err := jws.Verify([]byte(raw), jws.WithKey(jwa.HS256(), testKey(testKeyID, 1).Secret))
	if err != nil {
		t.Fatalf("jws.Verify: %v", err)
	}

	header := decodeSegment(t, strings.Split(raw, ".")[0])
	if want := `{"alg":"HS256","kid":"key-1","typ":"at+jwt"}`; string(header) != want {
		t.Errorf("header = %s, want %s", header, want)
	}

	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("payload: %v", err)
	}

	checks := []struct {
		name      string
		got, want any
	}{
		{"aud", claims["aud"], testAudience},
		{"exp", claims["exp"], float64(testNow.Add(15 * time.Minute).Unix())},
		{"iat", claims["iat"], float64(testNow.Unix())},
		{"scope", claims["scope"], "me"},
		{"client_id", claims["client_id"], "scopegate-cli"},
		{"claim count", len(claims), 8},
	}

	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v (%T), want %v (%T)", c.name, c.got, c.got, c.want, c.want)
		}
	}

	if jti, _ := claims["jti"].(string); len(jti) < 20 {
		t.Errorf("jti = %q, want a random string of at least 20 characters", jti)
	}

	if !strings.Contains(string(payload), `"exp":1800000900,`) {
		t.Errorf("payload %s does not write exp as an integer", payload)
	}
}

func TestIssueOmitsEmptyScope(t *testing.T) {
	raw, _, err := newTestIssuer(t).Issue("johndoe", "scopegate-cli", scope.Set{})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}

	payload := decodeSegment(t, strings.Split(raw, ".")[1])
	if strings.Contains(string(payload), `"scope"`) {
		t.Errorf("payload %s has a scope claim, want none", payload)
	}

	claims, err := newTestVerifier(t, nil).Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}

	if !claims.Scope.IsEmpty() {
		t.Errorf("Scope = %q, want empty", claims.Scope)
	}
}

func TestIssueUniqueIDs(t *testing.T) {
	issuer := newTestIssuer(t)
	seen := make(map[string]bool)

	for range 100 {
		_, claims, err := issuer.Issue("johndoe", "scopegate-cli", scope.Set{})
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}

		if seen[claims.ID] {
			t.Fatalf("jti %q issued twice", claims.ID)
		}

		seen[claims.ID] = true
	}
}

func TestIssueTruncatesToSeconds(t *testing.T) {
	issuer, err := token.NewIssuer(token.IssuerConfig{
		Issuer: testIssuer, Audience: testAudience, Key: testKey(testKeyID, 1), TTL: 90500 * time.Millisecond,
		Now: func() time.Time { return testNow.Add(700 * time.Millisecond) },
	})
	if err != nil {
		t.Fatalf("NewIssuer: %v", err)
	}

	_, claims, err := issuer.Issue("johndoe", "scopegate-cli", scope.Set{})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}

	if !claims.IssuedAt.Equal(testNow) {
		t.Errorf("IssuedAt = %v, want %v", claims.IssuedAt, testNow)
	}

	if want := testNow.Add(90 * time.Second); !claims.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", claims.ExpiresAt, want)
	}
}

func TestIssueRejectsEmptyArguments(t *testing.T) {
	issuer := newTestIssuer(t)

	tests := []struct {
		name              string
		subject, clientID string
	}{
		{"no subject", "", "scopegate-cli"},
		{"no client", "johndoe", ""},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if raw, _, err := issuer.Issue(tt.subject, tt.clientID, scope.Set{}); err == nil {
				t.Errorf("Issue = %q, want an error", raw)
			}
		})
	}
}

func TestIssueRejectsTokenOverMaxTokenSize(t *testing.T) {
	issuer := newTestIssuer(t)
	long := strings.Repeat("x", 9000)

	tests := []struct {
		name              string
		subject, clientID string
		scopes            scope.Set
		wantPart          string
	}{
		{"9000-byte scope", "johndoe", "scopegate-cli", scope.New(long), "scope list"},
		{"many scopes", "johndoe", "scopegate-cli", manyScopes(1000), "scope list"},
		{"9000-byte subject", long, "scopegate-cli", scope.New("me"), "subject"},
		{"9000-byte client ID", "johndoe", long, scope.New("me"), "client ID"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, _, err := issuer.Issue(tt.subject, tt.clientID, tt.scopes)
			if err == nil {
				t.Fatalf("Issue returned a %d-byte token, want an error", len(raw))
			}

			if want := tt.wantPart + " of "; !strings.Contains(err.Error(), want) {
				t.Errorf("Issue error = %q, want one naming the %s", err, tt.wantPart)
			}

			if !strings.Contains(err.Error(), "too long") {
				t.Errorf("Issue error = %q, want one saying it is too long", err)
			}
		})
	}
}

func TestIssueAcceptsLongScopeThatFits(t *testing.T) {
	raw, _, err := newTestIssuer(t).Issue("johndoe", "scopegate-cli", scope.New(strings.Repeat("x", 5000)))
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}

	if _, err := newTestVerifier(t, nil).Verify(context.Background(), raw); err != nil {
		t.Errorf("Verify of a %d-byte token: %v", len(raw), err)
	}
}

// manyScopes returns n distinct scopes of six bytes each.
func manyScopes(n int) scope.Set {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("s%05d", i)
	}

	return scope.New(names...)
}

func TestNewIssuerRejectsConfig(t *testing.T) {
	valid := token.IssuerConfig{
		Issuer: testIssuer, Audience: testAudience, Key: testKey("a", 1), TTL: time.Minute,
	}

	tests := []struct {
		name   string
		change func(*token.IssuerConfig)
	}{
		{"no issuer", func(c *token.IssuerConfig) { c.Issuer = "" }},
		{"no audience", func(c *token.IssuerConfig) { c.Audience = "" }},
		{"zero TTL", func(c *token.IssuerConfig) { c.TTL = 0 }},
		{"negative TTL", func(c *token.IssuerConfig) { c.TTL = -time.Minute }},
		{"TTL under a second", func(c *token.IssuerConfig) { c.TTL = 999 * time.Millisecond }},
		{"no key ID", func(c *token.IssuerConfig) { c.Key.ID = "" }},
		{"no algorithm", func(c *token.IssuerConfig) { c.Key.Algorithm = "" }},
		{"RS256", func(c *token.IssuerConfig) { c.Key.Algorithm = "RS256" }},
		{"31-byte secret", func(c *token.IssuerConfig) { c.Key.Secret = c.Key.Secret[:31] }},
		{"no secret", func(c *token.IssuerConfig) { c.Key.Secret = nil }},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			cfg.Key.Secret = append([]byte(nil), valid.Key.Secret...)
			tt.change(&cfg)

			if _, err := token.NewIssuer(cfg); err == nil {
				t.Error("NewIssuer error = nil, want an error")
			}
		})
	}
}

func TestIssuerCopiesKey(t *testing.T) {
	key := testKey(testKeyID, 1)
	issuer, err := token.NewIssuer(token.IssuerConfig{
		Issuer: testIssuer, Audience: testAudience, Key: key, TTL: time.Minute, Now: fixedNow,
	})
	if err != nil {
		t.Fatalf("NewIssuer: %v", err)
	}

	key.Secret[0] ^= 0xff

	raw, _, err := issuer.Issue("johndoe", "scopegate-cli", scope.Set{})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}

	if _, err := newTestVerifier(t, nil).Verify(context.Background(), raw); err != nil {
		t.Errorf("Verify after the caller changed its key: %v", err)
	}
}

func decodeSegment(t *testing.T, segment string) []byte {
	t.Helper()

	data, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		t.Fatalf("decode segment %q: %v", segment, err)
	}

	return data
}
