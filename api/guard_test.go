package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/api"
	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
)

// scopeVerifier accepts the tokens it lists, each with its scopes, and
// rejects any other token as invalid. It replaces JWT verification,
// which the token package tests.
type scopeVerifier map[string]string

func (v scopeVerifier) Verify(_ context.Context, token string) (bearer.Claims, error) {
	scopes, ok := v[token]
	if !ok {
		return bearer.Claims{}, fmt.Errorf("unknown test token: %w", bearer.ErrInvalidToken)
	}

	set, err := scope.Parse(scopes)
	if err != nil {
		return bearer.Claims{}, err
	}

	return bearer.Claims{Subject: "johndoe", Scopes: set}, nil
}

// TestGuardEnforcesDeclarations runs the tutorial routes behind the real
// bearer.Guard, so that what the document states is what requests get.
func TestGuardEnforcesDeclarations(t *testing.T) {
	guard := bearer.New(bearer.Config{
		Verifier: scopeVerifier{"me-token": "me", "all-token": "me items", "none-token": ""},
		Realm:    "scopegate",
	})

	cfg := testConfig()
	cfg.Enforcer = guard
	a := api.New(cfg)
	for _, r := range tutorialRoutes() {
		a.Handle(r)
	}

	srv := newServer(t, a)

	tests := []struct {
		name, path, token string
		status            int
		challenge         string
	}{
		{"no token", "/users/me/", "", http.StatusUnauthorized, `scope="me"`},
		{"forged token", "/users/me/", "forged", http.StatusUnauthorized, `error="invalid_token"`},
		{"enough scope", "/users/me/", "me-token", http.StatusOK, ""},
		{"missing accumulated scope", "/users/me/items/", "me-token", http.StatusForbidden, `scope="me items"`},
		{"accumulated scopes", "/users/me/items/", "all-token", http.StatusOK, ""},
		{"authenticated without scope", "/status/", "none-token", http.StatusOK, ""},
		{"authenticated without token", "/status/", "", http.StatusUnauthorized, "Bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{}
			if tt.token != "" {
				header.Set("Authorization", "Bearer "+tt.token)
			}

			resp, _ := get(t, srv.URL+tt.path, header)

			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}

			challenge := resp.Header.Get("WWW-Authenticate")
			if !strings.Contains(challenge, tt.challenge) {
				t.Errorf("WWW-Authenticate = %q, want it to contain %q", challenge, tt.challenge)
			}
		})
	}
}

func TestGuardLeavesPublicRoutesOpen(t *testing.T) {
	cfg := testConfig()
	cfg.Enforcer = bearer.New(bearer.Config{Verifier: scopeVerifier{}})
	a := api.New(cfg)
	for _, r := range tutorialRoutes() {
		a.Handle(r)
	}

	srv := newServer(t, a)

	resp, err := srv.Client().Post(srv.URL+"/token", "application/x-www-form-urlencoded", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST /token without a token: status = %d, want 200", resp.StatusCode)
	}
}
