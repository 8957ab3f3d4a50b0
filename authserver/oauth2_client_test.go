package authserver

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestOAuth2ClientPasswordGrant(t *testing.T) {
	tests := []struct {
		name      string
		clientID  string
		authStyle oauth2.AuthStyle
	}{
		{name: "no client in header", clientID: "", authStyle: oauth2.AuthStyleInHeader},
		{name: "public client in header", clientID: DefaultPublicClientID, authStyle: oauth2.AuthStyleInHeader},
		{name: "public client in body", clientID: DefaultPublicClientID, authStyle: oauth2.AuthStyleInParams},
		{name: "style detected", clientID: DefaultPublicClientID, authStyle: oauth2.AuthStyleAutoDetect},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(cfg *Config) { cfg.Now = nil })
			f.issuer.now = time.Now
			f.issuer.lifetime = 30 * time.Minute

			server := httptest.NewServer(f.handler)
			defer server.Close()

			client := oauth2.Config{
				ClientID: tt.clientID,
				Endpoint: oauth2.Endpoint{TokenURL: server.URL + "/token", AuthStyle: tt.authStyle},
				Scopes:   []string{"items", "me"},
			}

			token, err := client.PasswordCredentialsToken(context.Background(), "user1", "pass1")
			if err != nil {
				t.Fatalf("PasswordCredentialsToken: %v", err)
			}

			if token.AccessToken != "access-token-user1" {
				t.Errorf("AccessToken = %q, want access-token-user1", token.AccessToken)
			}

			if got := token.Type(); got != "Bearer" {
				t.Errorf("Type() = %q, want Bearer", got)
			}

			if got := token.Extra("scope"); got != "items me" {
				t.Errorf("scope = %v, want %q", got, "items me")
			}

			wantExpiry := time.Now().Add(30 * time.Minute)
			if diff := token.Expiry.Sub(wantExpiry).Abs(); diff > 5*time.Second {
				t.Errorf("Expiry = %v, want within 5s of %v", token.Expiry, wantExpiry)
			}
		})
	}
}

func TestOAuth2ClientWrongPassword(t *testing.T) {
	f := newFixture(t)

	server := httptest.NewServer(f.handler)
	defer server.Close()

	client := oauth2.Config{Endpoint: oauth2.Endpoint{TokenURL: server.URL + "/token"}}

	_, err := client.PasswordCredentialsToken(context.Background(), "user1", "wrong")

	var retrieveErr *oauth2.RetrieveError
	if !errors.As(err, &retrieveErr) {
		t.Fatalf("error = %v, want an *oauth2.RetrieveError", err)
	}

	if retrieveErr.ErrorCode != CodeInvalidGrant {
		t.Errorf("ErrorCode = %q, want %q", retrieveErr.ErrorCode, CodeInvalidGrant)
	}
}
