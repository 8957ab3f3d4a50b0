package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// docsBasic returns the Authorization header value of HTTP Basic with
// user and password.
func docsBasic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// docsLoginForm returns johndoe's password grant form with extra
// parameters added.
func docsLoginForm(extra url.Values) url.Values {
	form := url.Values{
		"grant_type": {"password"},
		"username":   {"johndoe"},
		"password":   {"secret"},
		"scope":      {"me items"},
	}
	for name, values := range extra {
		form[name] = values
	}

	return form
}

// The token endpoint accepts the public client's credentials where each
// of Swagger UI's client-credential modes puts them: in an HTTP Basic
// header, as "scopegate-public:" or even ":" when no client_id is set, or
// in the request body. The tokens are equivalent.
func TestTokenClientCredentialModes(t *testing.T) {
	s := docsStartServer(t)

	tests := []struct {
		name          string
		authorization string
		extra         url.Values
	}{
		{name: "Basic with public client", authorization: docsBasic("scopegate-public", "")},
		{name: "Basic with empty id and secret", authorization: "Basic Og=="},
		{name: "Basic with nothing after the scheme", authorization: "Basic "},
		{name: "body client_id", extra: url.Values{"client_id": {"scopegate-public"}}},
		{name: "body client_id and empty client_secret",
			extra: url.Values{"client_id": {"scopegate-public"}, "client_secret": {""}}},
		{name: "no client credentials"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.postToken(t, "/token", tt.authorization, docsLoginForm(tt.extra))
			if resp.status != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", resp.status, resp.body)
			}

			var tok docsTokenResponse
			if err := json.Unmarshal(resp.body, &tok); err != nil {
				t.Fatal(err)
			}

			if tok.Scope != "me items" {
				t.Errorf("scope = %q, want %q", tok.Scope, "me items")
			}

			claims := docsClaims(t, tok.AccessToken)
			want := map[string]any{"sub": "johndoe", "client_id": "scopegate-public", "scope": "me items"}
			for name, value := range want {
				if claims[name] != value {
					t.Errorf("claim %s = %v, want %v", name, claims[name], value)
				}
			}

			items := s.call(t, http.MethodGet, "/users/me/items/", tok.AccessToken)
			if items.status != http.StatusOK {
				t.Errorf("GET /users/me/items/ with the token: status = %d, want 200", items.status)
			}
		})
	}
}

// The user's own credentials in the Basic header, which one of Swagger
// UI's old modes sent, are read as the credentials of an unknown client.
// The request fails as invalid_client with a Basic challenge and issues no
// token, whether or not the body repeats the credentials.
func TestTokenUserCredentialsInBasic(t *testing.T) {
	s := docsStartServer(t)

	tests := []struct {
		name string
		form url.Values
	}{
		{name: "body without credentials", form: url.Values{"grant_type": {"password"}, "scope": {"me"}}},
		{name: "body with the same credentials", form: docsLoginForm(nil)},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.postToken(t, "/token", docsBasic("johndoe", "secret"), tt.form)
			docsCheckTokenError(t, resp, http.StatusUnauthorized, "invalid_client")

			if got := resp.header.Get("WWW-Authenticate"); got != `Basic realm="scopegate"` {
				t.Errorf("WWW-Authenticate = %q, want %q", got, `Basic realm="scopegate"`)
			}
		})
	}
}

// Client credentials in the URL query are never accepted: a secret there
// fails the request, because it has leaked into logs already, and a bare
// client_id there is ignored, so it names no client.
func TestTokenClientCredentialsInQuery(t *testing.T) {
	s := docsStartServer(t)

	for _, query := range []string{
		"client_id=scopegate-public&client_secret=",
		"client_id=client-a&client_secret=secret-a",
	} {
		resp := s.postToken(t, "/token?"+query, "", docsLoginForm(nil))
		docsCheckTokenError(t, resp, http.StatusBadRequest, "invalid_request")
	}

	resp := s.postToken(t, "/token?client_id=client-a", "", docsLoginForm(nil))
	if resp.status != http.StatusOK {
		t.Fatalf("client_id in the query only: status = %d, want 200 as the public client; body %s",
			resp.status, resp.body)
	}

	var tok docsTokenResponse
	if err := json.Unmarshal(resp.body, &tok); err != nil {
		t.Fatal(err)
	}

	if got := docsClaims(t, tok.AccessToken)["client_id"]; got != "scopegate-public" {
		t.Errorf("client_id claim = %v, want scopegate-public: the query's client_id must be ignored", got)
	}
}

// A secret for the public client, which has none, fails in the header and
// in the body. In the header the response is 401 with a Basic challenge.
func TestTokenPublicClientWithSecret(t *testing.T) {
	s := docsStartServer(t)

	resp := s.postToken(t, "/token", docsBasic("scopegate-public", "wrong"), docsLoginForm(nil))
	docsCheckTokenError(t, resp, http.StatusUnauthorized, "invalid_client")

	if got := resp.header.Get("WWW-Authenticate"); got != `Basic realm="scopegate"` {
		t.Errorf("WWW-Authenticate = %q, want %q", got, `Basic realm="scopegate"`)
	}

	form := docsLoginForm(url.Values{"client_id": {"scopegate-public"}, "client_secret": {"wrong"}})
	resp = s.postToken(t, "/token", "", form)
	docsCheckTokenError(t, resp, http.StatusBadRequest, "invalid_client")
}

// docsCheckTokenError checks that resp is the RFC 6749 §5.2 error code
// with status, and that it carries no token.
func docsCheckTokenError(t *testing.T, resp docsResponse, status int, code string) {
	t.Helper()

	if resp.status != status {
		t.Errorf("status = %d, want %d; body %s", resp.status, status, resp.body)
	}

	var body map[string]any
	if err := json.Unmarshal(resp.body, &body); err != nil {
		t.Fatalf("body %s is not JSON: %v", resp.body, err)
	}

	if body["error"] != code {
		t.Errorf("error = %v, want %s", body["error"], code)
	}

	if _, ok := body["access_token"]; ok {
		t.Error("an error response carries an access_token")
	}
}

// docsClaims decodes the claims of a JWT without verifying its signature,
// which the tests leave to the server.
func docsClaims(t *testing.T, raw string) map[string]any {
	t.Helper()

	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments, want 3", len(parts))
	}

	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode token payload: %v", err)
	}

	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("decode token claims: %v", err)
	}

	return claims
}
