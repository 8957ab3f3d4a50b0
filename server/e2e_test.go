package server_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/scopegate/scopegate/password"
	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/server"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/sqlite"
	"github.com/scopegate/scopegate/token"
)

// e2e is a real scopegate server on a random loopback port, backed by a
// SQLite file in a temporary folder and seeded with the demo data plus
// user2, who may hold "me" only.
type e2e struct {
	baseURL string
	store   *sqlite.Store
	issuer  string
}

func startE2E(t *testing.T) *e2e {
	t.Helper()

	ctx, cancel := context.WithCancel(context.Background())

	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "e2e.db"))
	if err != nil {
		t.Fatal(err)
	}

	if _, err := server.SeedDemo(ctx, st); err != nil {
		t.Fatal(err)
	}

	hash, err := password.Hash("pass2")
	if err != nil {
		t.Fatal(err)
	}

	if err := st.CreateUser(ctx, store.User{Username: "user2", PasswordHash: hash, Scopes: scope.New("me")}); err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	baseURL := "http://" + ln.Addr().String()

	srv, err := server.New(ctx, server.Config{
		Store:          st,
		Database:       "sqlite:e2e.db",
		Issuer:         baseURL,
		LegacyHS256Key: []byte(token.PublishedExampleKey),
		Demo:           true,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	t.Cleanup(func() {
		cancel()

		if err := <-served; err != nil {
			t.Errorf("Serve returned %v after its context ended", err)
		}

		st.Close()
	})

	return &e2e{baseURL: baseURL, store: st, issuer: baseURL}
}

func (e *e2e) oauth2Config(scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: "scopegate-public",
		Endpoint: oauth2.Endpoint{TokenURL: e.baseURL + "/token", AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   scopes,
	}
}

// login gets a token through golang.org/x/oauth2's password grant.
func (e *e2e) login(t *testing.T, username, pass string, scopes ...string) *oauth2.Token {
	t.Helper()

	tok, err := e.oauth2Config(scopes...).PasswordCredentialsToken(clientContext(), username, pass)
	if err != nil {
		t.Fatalf("PasswordCredentialsToken(%s, scopes %q): %v", username, scopes, err)
	}

	return tok
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()

	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}

	return m
}

func (e *e2e) do(t *testing.T, req *http.Request) reply {
	t.Helper()

	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}

	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

// get calls path with the Authorization header value auth, or none when
// auth is empty.
func (e *e2e) get(t *testing.T, path, auth string) reply {
	t.Helper()

	req, err := http.NewRequest(http.MethodGet, e.baseURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}

	if auth != "" {
		req.Header.Set("Authorization", auth)
	}

	return e.do(t, req)
}

// postToken posts a raw urlencoded body to /token.
func (e *e2e) postToken(t *testing.T, body string) reply {
	t.Helper()

	req, err := http.NewRequest(http.MethodPost, e.baseURL+"/token", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}

	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	return e.do(t, req)
}

func wantStatus(t *testing.T, r reply, want int) {
	t.Helper()

	if r.status != want {
		t.Fatalf("status = %d, want %d; body %s", r.status, want, r.body)
	}
}

func wantHeader(t *testing.T, r reply, name, want string) {
	t.Helper()

	if got := r.header.Get(name); got != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}

func wantOAuthError(t *testing.T, r reply, code string) {
	t.Helper()

	wantStatus(t, r, http.StatusBadRequest)
	wantHeader(t, r, "Content-Type", "application/json")
	wantHeader(t, r, "Cache-Control", "no-store")

	if got := r.json(t)["error"]; got != code {
		t.Errorf("error = %v, want %q; body %s", got, code, r.body)
	}
}

func wantProblem(t *testing.T, r reply, status int, challenge string) {
	t.Helper()

	wantStatus(t, r, status)
	wantHeader(t, r, "Content-Type", "application/problem+json")

	if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, challenge) {
		t.Errorf("WWW-Authenticate = %q, want it to start with %q", got, challenge)
	}

	body := r.json(t)
	if got := body["status"]; got != float64(status) {
		t.Errorf("problem status = %v, want %d", got, status)
	}

	if detail, _ := body["detail"].(string); detail == "" {
		t.Errorf("problem body %s has no detail", r.body)
	}
}

func TestEndToEndPasswordFlow(t *testing.T) {
	e := startE2E(t)

	before := time.Now()
	tok := e.login(t, "johndoe", "secret", "me", "items")

	if tok.TokenType != "bearer" {
		t.Errorf("token_type = %q, want %q", tok.TokenType, "bearer")
	}

	if wantExpiry := before.Add(30 * time.Minute); tok.Expiry.Sub(wantExpiry).Abs() > 5*time.Second {
		t.Errorf("Expiry = %v, want within 5s of %v", tok.Expiry, wantExpiry)
	}

	if got := tok.Extra("scope"); got != "me items" {
		t.Errorf("scope = %v, want %q", got, "me items")
	}

	client := e.oauth2Config().Client(clientContext(), tok)

	for path, want := range map[string]string{
		"/users/me/": `{"username":"johndoe","email":"johndoe@example.com","full_name":"John Doe",` +
			`"disabled":false}`,
		"/users/me/items/": `[{"item_id":"Foo","owner":"johndoe"}]`,
		"/status/":         `{"status":"ok"}`,
	} {
		resp, err := client.Get(e.baseURL + path)
		if err != nil {
			t.Fatal(err)
		}

		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()

		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s status = %d, want 200; body %s", path, resp.StatusCode, body)
		}

		if got := resp.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("GET %s Content-Type = %q", path, got)
		}

		if got := strings.TrimSpace(string(body)); got != want {
			t.Errorf("GET %s body = %s, want %s", path, got, want)
		}
	}
}

func TestTokenResponseFormat(t *testing.T) {
	e := startE2E(t)

	r := e.postToken(t, "grant_type=password&username=johndoe&password=secret&scope=me")
	wantStatus(t, r, http.StatusOK)
	wantHeader(t, r, "Content-Type", "application/json")
	wantHeader(t, r, "Cache-Control", "no-store")
	wantHeader(t, r, "Pragma", "no-cache")

	body := r.json(t)
	if !strings.Contains(string(r.body), `"expires_in":1800`) {
		t.Errorf("body %s does not hold expires_in as the bare integer 1800", r.body)
	}

	if body["token_type"] != "bearer" || body["scope"] != "me" {
		t.Errorf("token_type = %v, scope = %v; want bearer, me", body["token_type"], body["scope"])
	}

	if _, ok := body["refresh_token"]; ok {
		t.Error("body has a refresh_token, but none is issued")
	}

	claims := decodeClaims(t, body["access_token"].(string))
	for name, want := range map[string]any{
		"iss": e.issuer, "sub": "johndoe", "aud": e.issuer, "client_id": "scopegate-public", "scope": "me",
	} {
		if claims[name] != want {
			t.Errorf("claim %s = %v, want %v", name, claims[name], want)
		}
	}

	for _, name := range []string{"exp", "iat", "jti"} {
		if _, ok := claims[name]; !ok {
			t.Errorf("claim %s is missing", name)
		}
	}
}

func decodeClaims(t *testing.T, raw string) map[string]any {
	t.Helper()

	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments, want 3", len(parts))
	}

	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}

	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}

	return claims
}

// Missing or malformed credentials get 401 with a Bearer challenge, never
// 403: with none at all the challenge has no error code.
func TestMissingOrMalformedCredentials(t *testing.T) {
	e := startE2E(t)

	tests := []struct {
		name, auth, challenge string
	}{
		{name: "no header", auth: "", challenge: `Bearer realm="scopegate", scope="me"`},
		{name: "other scheme", auth: "Token abc123", challenge: `Bearer realm="scopegate", scope="me"`},
		{name: "scheme only", auth: "Bearer", challenge: `Bearer realm="scopegate", error="invalid_request"`},
		{name: "not a JWT", auth: "Bearer abc123", challenge: `Bearer realm="scopegate", error="invalid_token"`},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(t, "/users/me/", tt.auth)
			wantProblem(t, r, http.StatusUnauthorized, tt.challenge)

			if tt.auth == "" && r.header.Get("WWW-Authenticate") != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want exactly %q", r.header.Get("WWW-Authenticate"), tt.challenge)
			}
		})
	}
}

// A valid token without a required scope gets 403 insufficient_scope with
// the route's full scope list. scopegate departs from FastAPI's 401 here,
// because RFC 6750 §3.1 requires 403.
func TestInsufficientScope(t *testing.T) {
	e := startE2E(t)

	tok := e.login(t, "johndoe", "secret", "me")

	r := e.get(t, "/users/me/items/", "Bearer "+tok.AccessToken)
	wantProblem(t, r, http.StatusForbidden, `Bearer realm="scopegate", error="insufficient_scope"`)

	if got := r.header.Get("WWW-Authenticate"); !strings.HasSuffix(got, `scope="me items"`) {
		t.Errorf("WWW-Authenticate = %q, want it to end with scope=\"me items\"", got)
	}

	wantStatus(t, e.get(t, "/users/me/", "Bearer "+tok.AccessToken), http.StatusOK)
}

// The scheme is case-insensitive, and the token itself is not.
func TestSchemeCaseInsensitive(t *testing.T) {
	e := startE2E(t)

	tok := e.login(t, "johndoe", "secret", "me")

	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		wantStatus(t, e.get(t, "/users/me/", scheme+" "+tok.AccessToken), http.StatusOK)
	}

	changed := strings.ToUpper(tok.AccessToken[:10]) + strings.ToLower(tok.AccessToken[10:])
	wantProblem(t, e.get(t, "/users/me/", "Bearer "+changed), http.StatusUnauthorized,
		`Bearer realm="scopegate", error="invalid_token"`)
}

// Scopes required along the chain add up: /users/me/items/ needs "me"
// from the current-active-user requirement and "items" from the route.
func TestScopesAccumulateAlongChain(t *testing.T) {
	e := startE2E(t)

	tests := []struct {
		scopes []string
		want   int
	}{
		{scopes: []string{"items"}, want: http.StatusForbidden},
		{scopes: []string{"me"}, want: http.StatusForbidden},
		{scopes: []string{"me", "items"}, want: http.StatusOK},
	}

	for _, tt := range tests {
		tok := e.login(t, "johndoe", "secret", tt.scopes...)

		r := e.get(t, "/users/me/items/", "Bearer "+tok.AccessToken)
		if r.status != tt.want {
			t.Errorf("scopes %q: status = %d, want %d", tt.scopes, r.status, tt.want)
		}

		if tt.want == http.StatusForbidden && !strings.HasSuffix(r.header.Get("WWW-Authenticate"), `scope="me items"`) {
			t.Errorf("scopes %q: WWW-Authenticate = %q, want scope=\"me items\"", tt.scopes,
				r.header.Get("WWW-Authenticate"))
		}
	}

	none := e.login(t, "johndoe", "secret")
	wantStatus(t, e.get(t, "/status/", "Bearer "+none.AccessToken), http.StatusOK)
	wantStatus(t, e.get(t, "/users/me/", "Bearer "+none.AccessToken), http.StatusForbidden)
}

// scope is space-delimited: order does not matter, "+" is a space in form
// encoding, and a comma is part of one (unknown) scope token.
func TestScopeSyntaxAtTokenEndpoint(t *testing.T) {
	e := startE2E(t)

	for _, scopeParam := range []string{"items%20me", "me+items", "%20%20me%20%20me%20items%20"} {
		r := e.postToken(t, "grant_type=password&username=johndoe&password=secret&scope="+scopeParam)
		wantStatus(t, r, http.StatusOK)

		granted, err := scope.Parse(r.json(t)["scope"].(string))
		if err != nil {
			t.Fatal(err)
		}

		if !granted.Equal(scope.New("me", "items")) {
			t.Errorf("scope=%s granted %q, want me and items", scopeParam, granted)
		}
	}

	r := e.postToken(t, "grant_type=password&username=johndoe&password=secret&scope=me,items")
	wantOAuthError(t, r, "invalid_scope")
}

// grant_type: unsupported values are unsupported_grant_type, checked before
// the credentials. An omitted or empty grant_type is read as "password",
// the compatibility choice of scopegate's design for clients written
// against FastAPI; RFC 6749 §4.3.2 would make it invalid_request.
func TestGrantTypeHandling(t *testing.T) {
	e := startE2E(t)

	for _, grant := range []string{"passwordblah", "xpassword", "authorization_code"} {
		for _, pass := range []string{"secret", "wrong"} {
			r := e.postToken(t, "grant_type="+grant+"&username=johndoe&password="+pass)
			wantOAuthError(t, r, "unsupported_grant_type")
		}
	}

	for _, body := range []string{"username=johndoe&password=secret", "grant_type=&username=johndoe&password=secret"} {
		wantStatus(t, e.postToken(t, body), http.StatusOK)
	}
}

// An empty scope= is the same as no scope parameter: both get the default,
// which is no scope, and the token then works on /status/ only.
func TestEmptyScopeEqualsOmitted(t *testing.T) {
	e := startE2E(t)

	for _, body := range []string{
		"grant_type=password&username=johndoe&password=secret&scope=",
		"grant_type=password&username=johndoe&password=secret",
	} {
		r := e.postToken(t, body)
		wantStatus(t, r, http.StatusOK)

		got := r.json(t)
		if scopeMember, ok := got["scope"]; ok {
			t.Errorf("%s: scope = %v, want no scope member for an empty grant", body, scopeMember)
		}

		raw := got["access_token"].(string)
		if claim, ok := decodeClaims(t, raw)["scope"]; ok && claim != "" {
			t.Errorf("%s: scope claim = %v, want none", body, claim)
		}

		wantStatus(t, e.get(t, "/status/", "Bearer "+raw), http.StatusOK)
		wantStatus(t, e.get(t, "/users/me/", "Bearer "+raw), http.StatusForbidden)
	}
}

// A wrong password and an unknown user get the same invalid_grant response.
func TestWrongCredentialsAreInvalidGrant(t *testing.T) {
	e := startE2E(t)

	wrong := e.postToken(t, "grant_type=password&username=johndoe&password=WRONG&scope=me")
	wantOAuthError(t, wrong, "invalid_grant")

	unknown := e.postToken(t, "grant_type=password&username=nobody&password=WRONG&scope=me")
	wantOAuthError(t, unknown, "invalid_grant")

	if string(wrong.body) != string(unknown.body) {
		t.Errorf("wrong password body %s differs from unknown user body %s", wrong.body, unknown.body)
	}

	_, err := e.oauth2Config("me").PasswordCredentialsToken(clientContext(), "johndoe", "WRONG")

	var retrieveErr *oauth2.RetrieveError
	if !errors.As(err, &retrieveErr) || retrieveErr.ErrorCode != "invalid_grant" {
		t.Errorf("oauth2 error = %v, want a RetrieveError with code invalid_grant", err)
	}
}

// Scopes the user may not hold are dropped, and the response lists what was
// granted. A scope outside the catalog is invalid_scope.
func TestScopesBeyondUserRights(t *testing.T) {
	e := startE2E(t)

	r := e.postToken(t, "grant_type=password&username=user2&password=pass2&scope=me%20items%20admin")
	wantOAuthError(t, r, "invalid_scope")

	r = e.postToken(t, "grant_type=password&username=user2&password=pass2&scope=me%20items")
	wantStatus(t, r, http.StatusOK)

	body := r.json(t)
	if body["scope"] != "me" {
		t.Errorf("scope = %v, want %q", body["scope"], "me")
	}

	raw := body["access_token"].(string)
	if claim := decodeClaims(t, raw)["scope"]; claim != "me" {
		t.Errorf("scope claim = %v, want %q", claim, "me")
	}

	wantStatus(t, e.get(t, "/users/me/items/", "Bearer "+raw), http.StatusForbidden)

	// Asking only for scopes the user may not hold gets no token at all.
	r = e.postToken(t, "grant_type=password&username=user2&password=pass2&scope=items")
	wantOAuthError(t, r, "invalid_scope")
}

// Disabled users cannot log in, and a token issued before the user was
// disabled stops working.
func TestDisabledUsers(t *testing.T) {
	e := startE2E(t)

	r := e.postToken(t, "grant_type=password&username=alice&password=secretalice&scope=me")
	wantOAuthError(t, r, "invalid_grant")

	tok := e.login(t, "johndoe", "secret", "me")
	if err := e.store.SetDisabled(context.Background(), "johndoe", true); err != nil {
		t.Fatal(err)
	}

	wantProblem(t, e.get(t, "/users/me/", "Bearer "+tok.AccessToken), http.StatusUnauthorized,
		`Bearer realm="scopegate", error="invalid_token"`)
}

func TestRevokedScopeRejectsToken(t *testing.T) {
	e := startE2E(t)

	tok := e.login(t, "johndoe", "secret", "me", "items")
	if err := e.store.RevokeScopes(context.Background(), "johndoe", scope.New("items")); err != nil {
		t.Fatal(err)
	}

	wantProblem(t, e.get(t, "/users/me/", "Bearer "+tok.AccessToken), http.StatusUnauthorized,
		`Bearer realm="scopegate", error="invalid_token"`)
}

// A successful login with a bcrypt hash replaces it with argon2id.
func TestLoginRehashesBcrypt(t *testing.T) {
	e := startE2E(t)

	e.login(t, "johndoe", "secret", "me")

	user, err := e.store.User(context.Background(), "johndoe")
	if err != nil {
		t.Fatal(err)
	}

	if !strings.HasPrefix(user.PasswordHash, "$argon2id$") {
		t.Errorf("stored hash after login starts %q, want $argon2id$", user.PasswordHash[:10])
	}

	e.login(t, "johndoe", "secret", "me")
}

// Unsigned tokens are rejected in every spelling of alg none.
func TestAlgNoneRejected(t *testing.T) {
	e := startE2E(t)

	payload := b64(`{"sub":"johndoe","scope":"me items","exp":4102444800}`)
	real := e.login(t, "johndoe", "secret", "me", "items").AccessToken
	realHeader := strings.Split(real, ".")[0]

	for name, raw := range map[string]string{
		"none":              b64(`{"alg":"none","typ":"JWT"}`) + "." + payload + ".",
		"None":              b64(`{"alg":"None","typ":"JWT"}`) + "." + payload + ".",
		"NONE":              b64(`{"alg":"NONE","typ":"JWT"}`) + "." + payload + ".",
		"garbage signature": b64(`{"alg":"none","typ":"JWT"}`) + "." + payload + ".Z2FyYmFnZQ",
		"signature removed": realHeader + "." + payload + ".",
	} {
		t.Run(name, func(t *testing.T) {
			wantProblem(t, e.get(t, "/users/me/items/", "Bearer "+raw), http.StatusUnauthorized,
				`Bearer realm="scopegate", error="invalid_token"`)
		})
	}
}

func b64(s string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// signWithServerKey signs claims with the server's own stored key, as a
// token the server issued would be.
func (e *e2e) signWithServerKey(t *testing.T, claims map[string]any) string {
	t.Helper()

	keys, err := e.store.SigningKeys(context.Background())
	if err != nil || len(keys) == 0 {
		t.Fatalf("SigningKeys = %d keys, %v", len(keys), err)
	}

	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "at+jwt", "kid": keys[0].ID})
	payload, _ := json.Marshal(claims)

	signingInput := b64(string(header)) + "." + b64(string(payload))
	mac := hmac.New(sha256.New, keys[0].Secret)
	mac.Write([]byte(signingInput))

	return signingInput + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// aud may be a string or a list; a token for another audience, or with
// none, is rejected.
func TestAudienceForms(t *testing.T) {
	e := startE2E(t)

	now := time.Now().Unix()
	base := func(aud any, withAud bool) map[string]any {
		claims := map[string]any{
			"iss": e.issuer, "sub": "johndoe", "scope": "me items", "exp": now + 600, "iat": now,
			"jti": "audience-test", "client_id": "scopegate-public",
		}
		if withAud {
			claims["aud"] = aud
		}

		return claims
	}

	tests := []struct {
		name    string
		aud     any
		withAud bool
		want    int
	}{
		{name: "string", aud: e.issuer, withAud: true, want: http.StatusOK},
		{name: "list with ours", aud: []string{"other", e.issuer}, withAud: true, want: http.StatusOK},
		{name: "list without ours", aud: []string{"other"}, withAud: true, want: http.StatusUnauthorized},
		{name: "empty list", aud: []string{}, withAud: true, want: http.StatusUnauthorized},
		{name: "other string", aud: "other", withAud: true, want: http.StatusUnauthorized},
		{name: "number", aud: 42, withAud: true, want: http.StatusUnauthorized},
		{name: "absent", withAud: false, want: http.StatusUnauthorized},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := e.signWithServerKey(t, base(tt.aud, tt.withAud))

			r := e.get(t, "/users/me/items/", "Bearer "+raw)
			wantStatus(t, r, tt.want)

			if tt.want == http.StatusUnauthorized && !strings.Contains(r.header.Get("WWW-Authenticate"),
				`error="invalid_token"`) {
				t.Errorf("WWW-Authenticate = %q, want invalid_token", r.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// Tokens minted by the FastAPI tutorial app with its published key verify
// in demo mode, in FastAPI's format.
func TestFastAPITokenAccepted(t *testing.T) {
	e := startE2E(t)

	header := b64(`{"alg":"HS256","typ":"JWT"}`)
	payload := b64(`{"sub":"johndoe","scopes":["me","items"],"exp":` +
		jsonInt(time.Now().Add(10*time.Minute).Unix()) + `}`)

	mac := hmac.New(sha256.New, []byte(token.PublishedExampleKey))
	mac.Write([]byte(header + "." + payload))
	raw := header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))

	r := e.get(t, "/users/me/items/", "Bearer "+raw)
	wantStatus(t, r, http.StatusOK)

	if got := strings.TrimSpace(string(r.body)); got != `[{"item_id":"Foo","owner":"johndoe"}]` {
		t.Errorf("body = %s", got)
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestTokenEndpointBadInput(t *testing.T) {
	e := startE2E(t)

	tests := []struct {
		name, contentType, body, code string
	}{
		{name: "JSON body", contentType: "application/json",
			body: `{"username":"johndoe","password":"secret"}`, code: "invalid_request"},
		{name: "duplicate username", contentType: "application/x-www-form-urlencoded",
			body: "username=johndoe&username=alice&password=secret", code: "invalid_request"},
		{name: "missing password", contentType: "application/x-www-form-urlencoded",
			body: "username=johndoe", code: "invalid_request"},
		{name: "missing username", contentType: "application/x-www-form-urlencoded",
			body: "password=secret", code: "invalid_request"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, e.baseURL+"/token", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}

			req.Header.Set("Content-Type", tt.contentType)

			r := e.do(t, req)
			wantOAuthError(t, r, tt.code)

			if desc, _ := r.json(t)["error_description"].(string); desc == "" {
				t.Errorf("body %s has no error_description", r.body)
			}
		})
	}
}

func TestHealthEndpoints(t *testing.T) {
	e := startE2E(t)

	wantStatus(t, e.get(t, "/healthz", ""), http.StatusOK)
	wantStatus(t, e.get(t, "/readyz", ""), http.StatusOK)
}

// A burst of logins beyond the default password pool is turned away at
// once with 503, instead of running every hash at the same time.
func TestLoginBurstBoundedByDefault(t *testing.T) {
	e := startE2E(t)

	// The default pool runs GOMAXPROCS-1 checks and queues four times as
	// many, so this burst always exceeds it.
	burst := 6*runtime.GOMAXPROCS(0) + 10

	replies := make(chan reply, burst)
	for i := 0; i < burst; i++ {
		go func() {
			replies <- e.postToken(t, "grant_type=password&username=nobody&password=wrong")
		}()
	}

	busy := 0

	// Each login ends within testClient's timeout, unless postToken failed
	// the test on its goroutine and sent nothing.
	const wait = time.Minute

	for i := 0; i < burst; i++ {
		var r reply

		select {
		case r = <-replies:
		case <-time.After(wait):
			t.Fatalf("%d of %d concurrent logins answered within %s", i, burst, wait)
		}

		switch r.status {
		case http.StatusBadRequest:
			if code := r.json(t)["error"]; code != "invalid_grant" {
				t.Errorf("400 error = %v, want invalid_grant", code)
			}
		case http.StatusServiceUnavailable:
			busy++

			if code := r.json(t)["error"]; code != "temporarily_unavailable" {
				t.Errorf("503 error = %v, want temporarily_unavailable", code)
			}

			if r.header.Get("Retry-After") == "" {
				t.Error("503 has no Retry-After header")
			}
		default:
			t.Errorf("status = %d, want 400 or 503; body %s", r.status, r.body)
		}
	}

	if busy == 0 {
		t.Errorf("all %d concurrent logins ran, want the default pool to turn some away with 503", burst)
	}
}
