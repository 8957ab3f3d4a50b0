package authserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/scopegate/scopegate/store"
)

const userForm = "grant_type=password&username=user1&password=pass1&scope=me"

func TestBasicHeader(t *testing.T) {
	tests := []struct {
		name          string
		authorization string
		body          string
		wantStatus    int
		wantCode      string // empty for success
	}{
		{name: "empty Basic", authorization: "Basic", wantStatus: http.StatusOK},
		{name: "empty Basic with space", authorization: "Basic ", wantStatus: http.StatusOK},
		{name: "empty header", authorization: "", wantStatus: http.StatusOK},
		{name: "colon only", authorization: "Basic Og==", wantStatus: http.StatusOK},
		{name: "lowercase scheme", authorization: "basic Og==", wantStatus: http.StatusOK},
		{name: "public client", authorization: basic(DefaultPublicClientID, ""), wantStatus: http.StatusOK},
		{name: "public client percent-encoded", authorization: basic("scopegate%2Dpublic", ""),
			wantStatus: http.StatusOK},
		{name: "public client with secret", authorization: basic(DefaultPublicClientID, "x"),
			wantStatus: http.StatusUnauthorized, wantCode: CodeInvalidClient},
		{name: "unknown client", authorization: basic("client-x", "secret-x"),
			wantStatus: http.StatusUnauthorized, wantCode: CodeInvalidClient},
		{name: "secret without id", authorization: basic("", "secret"),
			wantStatus: http.StatusUnauthorized, wantCode: CodeInvalidClient},
		{name: "not base64", authorization: "Basic !!!",
			wantStatus: http.StatusUnauthorized, wantCode: CodeInvalidClient},
		{name: "no colon", authorization: "Basic Y2xpZW50LWE=",
			wantStatus: http.StatusUnauthorized, wantCode: CodeInvalidClient},
		{name: "bad percent-encoding", authorization: basic("client%zz", ""),
			wantStatus: http.StatusUnauthorized, wantCode: CodeInvalidClient},
		{name: "Bearer scheme", authorization: "Bearer abc",
			wantStatus: http.StatusUnauthorized, wantCode: CodeInvalidClient},
		{name: "header and body", authorization: basic(DefaultPublicClientID, ""),
			body:       "&client_id=" + DefaultPublicClientID,
			wantStatus: http.StatusBadRequest, wantCode: CodeInvalidRequest},
		{name: "empty header and body client", authorization: "Basic Og==",
			body: "&client_id=" + DefaultPublicClientID, wantStatus: http.StatusOK},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)

			req := formRequest(userForm + tt.body)
			req.Header.Set("Authorization", tt.authorization)

			rec := f.serve(req)

			if tt.wantCode == "" {
				checkGranted(t, rec, "me")
				checkIssuedTo(t, f, DefaultPublicClientID)

				return
			}

			checkError(t, rec, tt.wantStatus, tt.wantCode)
			checkChallenge(t, rec.Header(), tt.wantStatus == http.StatusUnauthorized)

			if got := len(f.issuer.issued()); got != 0 {
				t.Errorf("Issue called %d times, want 0", got)
			}
		})
	}
}

func TestBodyClient(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantCode string // empty for success
	}{
		{name: "public client", body: "&client_id=" + DefaultPublicClientID},
		{name: "public client empty secret", body: "&client_id=" + DefaultPublicClientID + "&client_secret="},
		{name: "empty client id", body: "&client_id="},
		{name: "public client with secret", body: "&client_id=" + DefaultPublicClientID + "&client_secret=x",
			wantCode: CodeInvalidClient},
		{name: "unknown client", body: "&client_id=client-a&client_secret=wrong", wantCode: CodeInvalidClient},
		{name: "unknown client without secret", body: "&client_id=client-a", wantCode: CodeInvalidClient},
		{name: "secret without id", body: "&client_secret=secret-a", wantCode: CodeInvalidClient},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)

			rec := f.postForm(userForm + tt.body)

			if tt.wantCode == "" {
				checkGranted(t, rec, "me")
				checkIssuedTo(t, f, DefaultPublicClientID)

				return
			}

			// RFC 6749 §5.2 requires 401 and a challenge only for the
			// Authorization header. A client in the body gets 400.
			checkError(t, rec, http.StatusBadRequest, tt.wantCode)
			checkChallenge(t, rec.Header(), false)
		})
	}
}

func TestUserCredentialsInBasicHeader(t *testing.T) {
	// Swagger UI once sent the user's username and password as Basic
	// credentials. user1 is not a client, so client authentication fails
	// before the missing username and password are noticed, and user1 is
	// never logged in.
	f := newFixture(t)

	req := formRequest("grant_type=password&scope=me")
	req.Header.Set("Authorization", basic("user1", "pass1"))

	rec := f.serve(req)

	checkError(t, rec, http.StatusUnauthorized, CodeInvalidClient)
	checkChallenge(t, rec.Header(), true)

	if verify, dummy := f.hasher.counts(); verify+dummy != 0 {
		t.Errorf("password checked %d times, want 0", verify+dummy)
	}
}

func TestUnknownClientAndWrongSecretIdentical(t *testing.T) {
	f := newFixture(t, func(cfg *Config) { cfg.Clients = fakeClients{} })

	for _, viaHeader := range []bool{true, false} {
		t.Run(fmt.Sprintf("header %v", viaHeader), func(t *testing.T) {
			wrongSecret := f.serve(clientRequest(viaHeader, "client-a", "wrong"))
			unknownClient := f.serve(clientRequest(viaHeader, "client-z", "wrong"))

			if wrongSecret.Code != unknownClient.Code {
				t.Errorf("status %d for a wrong secret, %d for an unknown client", wrongSecret.Code,
					unknownClient.Code)
			}

			if wrongSecret.Body.String() != unknownClient.Body.String() {
				t.Errorf("body %s for a wrong secret, %s for an unknown client", wrongSecret.Body,
					unknownClient.Body)
			}

			challenge := wrongSecret.Header().Get("WWW-Authenticate")
			if got := unknownClient.Header().Get("WWW-Authenticate"); got != challenge {
				t.Errorf("challenge %q for a wrong secret, %q for an unknown client", challenge, got)
			}
		})
	}
}

func TestRegisteredClient(t *testing.T) {
	// The same client authenticated in the header and in the body gets
	// equivalent tokens.
	for _, viaHeader := range []bool{true, false} {
		t.Run(fmt.Sprintf("header %v", viaHeader), func(t *testing.T) {
			f := newFixture(t, func(cfg *Config) { cfg.Clients = fakeClients{} })

			checkGranted(t, f.serve(clientRequest(viaHeader, "client-a", "secret-a")), "me")
			checkIssuedTo(t, f, "client-a")
		})
	}
}

func TestClientAuthenticatorFailure(t *testing.T) {
	f := newFixture(t, func(cfg *Config) {
		cfg.Clients = fakeClients{err: fmt.Errorf("postgres: %w", store.ErrUnavailable)}
	})

	rec := f.serve(clientRequest(true, "client-a", "secret-a"))

	checkError(t, rec, http.StatusServiceUnavailable, CodeTemporarilyUnavailable)

	reported := f.reportedErrors()
	if len(reported) != 1 || !errors.Is(reported[0], store.ErrUnavailable) {
		t.Errorf("error hook got %v, want one error wrapping store.ErrUnavailable", reported)
	}
}

func TestCustomPublicClientID(t *testing.T) {
	f := newFixture(t, func(cfg *Config) { cfg.PublicClientID = "docs-ui" })

	checkGranted(t, f.postForm(userForm+"&client_id=docs-ui"), "me")
	checkIssuedTo(t, f, "docs-ui")

	rec := f.postForm(userForm + "&client_id=" + DefaultPublicClientID)
	checkError(t, rec, http.StatusBadRequest, CodeInvalidClient)
}

func TestAuthorizationHeaderTwice(t *testing.T) {
	f := newFixture(t)

	req := formRequest(userForm)
	req.Header.Add("Authorization", "Basic Og==")
	req.Header.Add("Authorization", basic("client-a", "secret-a"))

	checkError(t, f.serve(req), http.StatusBadRequest, CodeInvalidRequest)
}

// clientRequest returns a password grant request for user1 that
// authenticates the client id with secret, in the Authorization header or
// in the body.
func clientRequest(viaHeader bool, id, secret string) *http.Request {
	if viaHeader {
		req := formRequest(userForm)
		req.Header.Set("Authorization", basic(id, secret))

		return req
	}

	return formRequest(userForm + "&client_id=" + id + "&client_secret=" + secret)
}

func checkIssuedTo(t *testing.T, f *fixture, clientID string) {
	t.Helper()

	calls := f.issuer.issued()
	if len(calls) != 1 {
		t.Fatalf("Issue called %d times, want 1", len(calls))
	}

	if calls[0].clientID != clientID {
		t.Errorf("client ID = %q, want %q", calls[0].clientID, clientID)
	}
}

// checkChallenge checks that a Basic challenge is present exactly when
// want is true.
func checkChallenge(t *testing.T, header http.Header, want bool) {
	t.Helper()

	got := header.Get("WWW-Authenticate")

	switch {
	case want && got != `Basic realm="scopegate"`:
		t.Errorf(`WWW-Authenticate = %q, want Basic realm="scopegate"`, got)
	case !want && got != "":
		t.Errorf("WWW-Authenticate = %q, want none", got)
	}
}

// anyClient accepts every client id and secret.
type anyClient struct{}

func (anyClient) AuthenticateClient(_ context.Context, id, _ string) (Client, error) {
	return Client{ID: id}, nil
}

func TestPublicClientIDReserved(t *testing.T) {
	// The public client has no secret, whatever the authenticator accepts.
	f := newFixture(t, func(cfg *Config) { cfg.Clients = anyClient{} })

	rec := f.serve(clientRequest(true, DefaultPublicClientID, "guessed"))

	checkError(t, rec, http.StatusUnauthorized, CodeInvalidClient)
}
