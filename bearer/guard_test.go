package bearer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/internal/problem"
	"github.com/scopegate/scopegate/scope"
)

// errDatabaseDown stands for a failure of the check itself, such as an
// unreachable key set or database.
var errDatabaseDown = errors.New("database down")

// fakeVerifier accepts the tokens in its map, reports a failure for
// tokens in failing, and rejects every other token as invalid.
type fakeVerifier struct {
	tokens  map[string]bearer.Claims
	failing map[string]bool
	calls   atomic.Int64
}

func (v *fakeVerifier) Verify(_ context.Context, token string) (bearer.Claims, error) {
	v.calls.Add(1)

	if v.failing[token] {
		return bearer.Claims{}, fmt.Errorf("fetch key set: %w", errDatabaseDown)
	}

	claims, ok := v.tokens[token]
	if !ok {
		return bearer.Claims{}, fmt.Errorf("signature mismatch: %w", bearer.ErrInvalidToken)
	}

	return claims, nil
}

// fakeLoader returns each subject's account: disabled subjects are
// invalid, and unavailable subjects make the lookup fail.
type fakeLoader struct {
	disabled    map[string]bool
	unavailable map[string]bool
	calls       atomic.Int64
}

type account struct{ username string }

func (l *fakeLoader) LoadPrincipal(_ context.Context, claims bearer.Claims) (any, error) {
	l.calls.Add(1)

	if l.disabled[claims.Subject] {
		return nil, fmt.Errorf("user %q is disabled: %w", claims.Subject, bearer.ErrInvalidToken)
	}

	if l.unavailable[claims.Subject] {
		return nil, fmt.Errorf("query user: %w", errDatabaseDown)
	}

	return account{username: claims.Subject}, nil
}

func claimsFor(subject string, scopes ...string) bearer.Claims {
	return bearer.Claims{
		Subject:   subject,
		ClientID:  "client-a",
		Scopes:    scope.New(scopes...),
		ExpiresAt: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

func newFakes() (*fakeVerifier, *fakeLoader) {
	verifier := &fakeVerifier{
		tokens: map[string]bearer.Claims{
			"tok":          claimsFor("johndoe", "me", "items"),
			"tok-me":       claimsFor("johndoe", "me"),
			"tok-items":    claimsFor("johndoe", "items"),
			"tok-me-items": claimsFor("johndoe", "me", "items"),
			"tok-none":     claimsFor("johndoe"),
			"tok-disabled": claimsFor("alice", "me", "items"),
			"tok-lookup":   claimsFor("unreachable", "me", "items"),
			"tok==":        claimsFor("padded", "me", "items"),
		},
		failing: map[string]bool{"tok-verify-down": true},
	}
	loader := &fakeLoader{
		disabled:    map[string]bool{"alice": true},
		unavailable: map[string]bool{"unreachable": true},
	}

	return verifier, loader
}

// okHandler writes 200 and the admitted subject, or 500 when the guard
// put no identity in the context.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	identity, ok := bearer.FromContext(r.Context())
	if !ok {
		http.Error(w, "no identity in context", http.StatusInternalServerError)
		return
	}

	fmt.Fprintf(w, "hello %s", identity.Claims.Subject)
})

func serve(handler http.Handler, authorization ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/users/me/items/", nil)
	for _, value := range authorization {
		req.Header.Add("Authorization", value)
	}

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)

	return rec
}

// rejection is the expected response to a request the guard rejects.
type rejection struct {
	status    int
	challenge string
	detail    string
}

func checkRejection(t *testing.T, rec *httptest.ResponseRecorder, want rejection) {
	t.Helper()

	if rec.Code != want.status {
		t.Errorf("status code = %d, want %d", rec.Code, want.status)
	}

	if got := rec.Header().Get("WWW-Authenticate"); got != want.challenge {
		t.Errorf("WWW-Authenticate =\n\t%s\nwant\n\t%s", got, want.challenge)
	}

	if got := rec.Header().Get("Content-Type"); got != problem.MediaType {
		t.Errorf("Content-Type = %q, want %q", got, problem.MediaType)
	}

	var body problem.Details
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("decode body %q: %v", rec.Body.String(), err)
	}

	if body.Status != want.status {
		t.Errorf("body status = %d, want %d", body.Status, want.status)
	}

	if wantTitle := http.StatusText(want.status); body.Title != wantTitle {
		t.Errorf("body title = %q, want %q", body.Title, wantTitle)
	}

	if body.Detail != want.detail {
		t.Errorf("body detail = %q, want %q", body.Detail, want.detail)
	}
}

func checkAdmitted(t *testing.T, rec *httptest.ResponseRecorder, wantBody string) {
	t.Helper()

	if rec.Code != http.StatusOK {
		t.Errorf("status code = %d, want 200; body %q", rec.Code, rec.Body.String())
	}

	if got := rec.Header().Get("WWW-Authenticate"); got != "" {
		t.Errorf("WWW-Authenticate = %q, want none", got)
	}

	if got := rec.Body.String(); got != wantBody {
		t.Errorf("body = %q, want %q", got, wantBody)
	}
}

const (
	detailNoToken     = "The request carries no bearer token in its Authorization header"
	detailOtherScheme = "The Authorization header does not use the Bearer scheme"
	detailNoValue     = "The Authorization header has the Bearer scheme but no token"
	detailMalformed   = "The bearer token contains a space or a character that RFC 6750 does not allow"
	detailMultiple    = "The request has more than one Authorization header"
	detailInvalid     = "The access token is invalid or expired"
	detailAccount     = "The access token is no longer valid for its account"
	detailUnavailable = "The access token could not be checked at this time. Retry later."
)

// The expected responses on a route that needs "me" and "items", in the
// realm "scopegate".
var (
	rejectNoToken = rejection{401, `Bearer realm="scopegate", scope="me items"`, detailNoToken}

	rejectOtherScheme = rejection{401, `Bearer realm="scopegate", scope="me items"`, detailOtherScheme}

	rejectNoValue = rejection{401, `Bearer realm="scopegate", error="invalid_request", ` +
		`error_description="` + detailNoValue + `", scope="me items"`, detailNoValue}

	rejectMalformed = rejection{401, `Bearer realm="scopegate", error="invalid_request", ` +
		`error_description="` + detailMalformed + `", scope="me items"`, detailMalformed}

	rejectMultiple = rejection{401, `Bearer realm="scopegate", error="invalid_request", ` +
		`error_description="` + detailMultiple + `", scope="me items"`, detailMultiple}

	rejectInvalid = rejection{401, `Bearer realm="scopegate", error="invalid_token", ` +
		`error_description="` + detailInvalid + `", scope="me items"`, detailInvalid}

	rejectAccount = rejection{401, `Bearer realm="scopegate", error="invalid_token", ` +
		`error_description="` + detailAccount + `", scope="me items"`, detailAccount}

	rejectUnavailable = rejection{503, "", detailUnavailable}
)

func TestGuardAuthorizationHeader(t *testing.T) {
	tests := []struct {
		name          string
		authorization []string
		want          rejection // zero for a request the guard admits
	}{
		{name: "no header", want: rejectNoToken},
		{name: "empty", authorization: []string{""}, want: rejectNoToken},
		{name: "whitespace only", authorization: []string{" \t "}, want: rejectNoToken},
		{name: "scheme alone", authorization: []string{"Bearer"}, want: rejectNoValue},
		{name: "scheme and space", authorization: []string{"Bearer "}, want: rejectNoValue},
		{name: "scheme and spaces", authorization: []string{"Bearer    "}, want: rejectNoValue},
		{name: "canonical scheme", authorization: []string{"Bearer tok"}},
		{name: "double space", authorization: []string{"Bearer  tok"}},
		{name: "lower-case scheme", authorization: []string{"bearer tok"}},
		{name: "upper-case scheme", authorization: []string{"BEARER tok"}},
		{name: "trailing whitespace", authorization: []string{"Bearer tok \t"}},
		{name: "padded token", authorization: []string{"Bearer tok=="}},
		{name: "basic scheme", authorization: []string{"Basic am9obmRvZTpzZWNyZXQ="}, want: rejectOtherScheme},
		{name: "token scheme", authorization: []string{"Token abc123"}, want: rejectOtherScheme},
		{name: "raw token", authorization: []string{"tok"}, want: rejectOtherScheme},
		{name: "scheme prefix", authorization: []string{"Bearertok"}, want: rejectOtherScheme},
		{name: "tab after scheme", authorization: []string{"Bearer\ttok"}, want: rejectOtherScheme},
		{name: "space inside token", authorization: []string{"Bearer tok junk"}, want: rejectMalformed},
		{name: "two tokens in one header", authorization: []string{"Bearer a, Bearer b"}, want: rejectMalformed},
		{name: "invalid character", authorization: []string{"Bearer tok!"}, want: rejectMalformed},
		{name: "quoted token", authorization: []string{`Bearer "tok"`}, want: rejectMalformed},
		{name: "non-ASCII token", authorization: []string{"Bearer tök"}, want: rejectMalformed},
		{name: "tab before token", authorization: []string{"Bearer \ttok"}, want: rejectMalformed},
		{name: "padding inside token", authorization: []string{"Bearer to=k"}, want: rejectMalformed},
		{name: "padding only", authorization: []string{"Bearer =="}, want: rejectMalformed},
		{name: "two headers", authorization: []string{"Bearer tok", "Bearer tok"}, want: rejectMultiple},
		{
			name:          "bearer and basic headers",
			authorization: []string{"Basic am9obmRvZTpzZWNyZXQ=", "Bearer tok"},
			want:          rejectMultiple,
		},
		{name: "unknown token", authorization: []string{"Bearer forged"}, want: rejectInvalid},
		{name: "token case changed", authorization: []string{"Bearer TOK"}, want: rejectInvalid},
	}

	verifier, loader := newFakes()
	guard := bearer.New(bearer.Config{Verifier: verifier, Principals: loader, Realm: "scopegate"})
	handler := guard.Require(bearer.Scopes("me").With("items"))(okHandler)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(handler, tt.authorization...)

			if tt.want == (rejection{}) {
				wantSubject := "johndoe"
				if strings.HasSuffix(tt.authorization[0], "==") {
					wantSubject = "padded"
				}

				checkAdmitted(t, rec, "hello "+wantSubject)

				return
			}

			checkRejection(t, rec, tt.want)
		})
	}
}

func TestGuardMalformedHeaderSkipsVerifier(t *testing.T) {
	verifier, loader := newFakes()
	guard := bearer.New(bearer.Config{Verifier: verifier, Principals: loader, Realm: "scopegate"})
	handler := guard.Require(bearer.Authenticated)(okHandler)

	for _, authorization := range []string{"", "Bearer", "Bearer tok junk", "Basic am9obmRvZTpzZWNyZXQ="} {
		serve(handler, authorization)
	}

	if got := verifier.calls.Load(); got != 0 {
		t.Errorf("Verify calls = %d, want 0", got)
	}
}

func TestGuardDecisions(t *testing.T) {
	const (
		challengeScope = `Bearer realm="scopegate", error="insufficient_scope", error_description="` +
			`The access token lacks a scope that this resource requires: me items", scope="me items"`
		challengeAlternatives = `Bearer realm="scopegate", error="insufficient_scope", error_description="` +
			`The access token has none of the scope sets that this resource accepts: (admin) or (me items)", ` +
			`scope="admin me items"`
		detailScope        = "The access token lacks a scope that this resource requires: me items"
		detailAlternatives = "The access token has none of the scope sets that this resource accepts: " +
			"(admin) or (me items)"
	)

	meItems := bearer.Scopes("me").With("items")
	adminOrMeItems := bearer.AnyOf(bearer.Scopes("admin"), bearer.Scopes("me", "items"))

	tests := []struct {
		name        string
		requirement bearer.Requirement
		token       string
		want        rejection // zero for a request the guard admits
	}{
		{name: "accumulated scopes held", requirement: meItems, token: "tok-me-items"},
		{
			name:        "accumulated scopes without items",
			requirement: meItems,
			token:       "tok-me",
			want:        rejection{403, challengeScope, detailScope},
		},
		{
			name:        "accumulated scopes without me",
			requirement: meItems,
			token:       "tok-items",
			want:        rejection{403, challengeScope, detailScope},
		},
		{
			name:        "accumulated scopes with none",
			requirement: meItems,
			token:       "tok-none",
			want:        rejection{403, challengeScope, detailScope},
		},
		{name: "second alternative held", requirement: adminOrMeItems, token: "tok-me-items"},
		{
			name:        "no alternative held",
			requirement: adminOrMeItems,
			token:       "tok-me",
			want:        rejection{403, challengeAlternatives, detailAlternatives},
		},
		{name: "authenticated without scopes", requirement: bearer.Authenticated, token: "tok-none"},
		{name: "authenticated with scopes", requirement: bearer.Authenticated, token: "tok-me"},
		{
			name:        "forged token on scoped route",
			requirement: meItems,
			token:       "forged",
			want:        rejectInvalid,
		},
		{
			name:        "disabled account",
			requirement: meItems,
			token:       "tok-disabled",
			want:        rejectAccount,
		},
		{
			name:        "verifier failure",
			requirement: meItems,
			token:       "tok-verify-down",
			want:        rejectUnavailable,
		},
		{
			name:        "loader failure",
			requirement: meItems,
			token:       "tok-lookup",
			want:        rejectUnavailable,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verifier, loader := newFakes()
			guard := bearer.New(bearer.Config{Verifier: verifier, Principals: loader, Realm: "scopegate"})
			rec := serve(guard.Require(tt.requirement)(okHandler), "Bearer "+tt.token)

			if tt.want == (rejection{}) {
				checkAdmitted(t, rec, "hello johndoe")
				return
			}

			checkRejection(t, rec, tt.want)
		})
	}
}

func TestGuardNoScopeChallenge(t *testing.T) {
	verifier, _ := newFakes()
	guard := bearer.New(bearer.Config{Verifier: verifier, Realm: "scopegate"})
	handler := guard.Require(bearer.Authenticated)(okHandler)

	checkRejection(t, serve(handler), rejection{401, `Bearer realm="scopegate"`, detailNoToken})
}

func TestGuardForgedTokenSkipsLoader(t *testing.T) {
	verifier, loader := newFakes()
	guard := bearer.New(bearer.Config{Verifier: verifier, Principals: loader, Realm: "scopegate"})
	serve(guard.Require(bearer.Scopes("me"))(okHandler), "Bearer forged")

	if got := loader.calls.Load(); got != 0 {
		t.Errorf("LoadPrincipal calls = %d, want 0", got)
	}
}

func TestGuardIdentity(t *testing.T) {
	verifier, loader := newFakes()
	guard := bearer.New(bearer.Config{Verifier: verifier, Principals: loader})

	var got bearer.Identity
	record := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got, _ = bearer.FromContext(r.Context())
	})
	handler := guard.Require(bearer.Scopes("me"))(record)
	serve(handler, "Bearer tok-me")

	if got.Claims.Subject != "johndoe" {
		t.Errorf("Claims.Subject = %q, want %q", got.Claims.Subject, "johndoe")
	}

	if !got.Claims.Scopes.Equal(scope.New("me")) {
		t.Errorf("Claims.Scopes = %q, want %q", got.Claims.Scopes, "me")
	}

	if got.Principal != (account{username: "johndoe"}) {
		t.Errorf("Principal = %#v, want %#v", got.Principal, account{username: "johndoe"})
	}
}

func TestGuardIdentityWithoutLoader(t *testing.T) {
	verifier, _ := newFakes()
	guard := bearer.New(bearer.Config{Verifier: verifier})

	var (
		got bearer.Identity
		ok  bool
	)
	record := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got, ok = bearer.FromContext(r.Context())
	})
	handler := guard.Require(bearer.Authenticated)(record)
	serve(handler, "Bearer tok")

	if !ok {
		t.Fatal("FromContext found no identity")
	}

	if got.Principal != nil {
		t.Errorf("Principal = %#v, want nil", got.Principal)
	}
}

func TestFromContextEmpty(t *testing.T) {
	if _, ok := bearer.FromContext(context.Background()); ok {
		t.Error("FromContext(Background) ok = true, want false")
	}
}

func TestGuardUnavailable(t *testing.T) {
	tests := []struct {
		name           string
		token          string
		retryAfter     time.Duration
		wantRetryAfter string
		wantHookError  string
	}{
		{
			name:           "verifier default delay",
			token:          "tok-verify-down",
			wantRetryAfter: "5",
			wantHookError:  "bearer: verify token: fetch key set: database down",
		},
		{
			name:           "loader default delay",
			token:          "tok-lookup",
			wantRetryAfter: "5",
			wantHookError:  "bearer: load principal: query user: database down",
		},
		{
			name:           "delay rounded up",
			token:          "tok-lookup",
			retryAfter:     1500 * time.Millisecond,
			wantRetryAfter: "2",
			wantHookError:  "bearer: load principal: query user: database down",
		},
		{
			name:          "negative delay omits header",
			token:         "tok-lookup",
			retryAfter:    -1,
			wantHookError: "bearer: load principal: query user: database down",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hookErrors []error
			verifier, loader := newFakes()
			guard := bearer.New(bearer.Config{
				Verifier:   verifier,
				Principals: loader,
				Realm:      "scopegate",
				RetryAfter: tt.retryAfter,
				ErrorHook: func(_ context.Context, err error) {
					hookErrors = append(hookErrors, err)
				},
			})
			rec := serve(guard.Require(bearer.Scopes("me"))(okHandler), "Bearer "+tt.token)

			checkRejection(t, rec, rejectUnavailable)

			if got := rec.Header().Get("Retry-After"); got != tt.wantRetryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetryAfter)
			}

			if len(hookErrors) != 1 {
				t.Fatalf("ErrorHook calls = %d, want 1", len(hookErrors))
			}

			if got := hookErrors[0].Error(); got != tt.wantHookError {
				t.Errorf("hook error = %q, want %q", got, tt.wantHookError)
			}

			if !errors.Is(hookErrors[0], errDatabaseDown) {
				t.Errorf("hook error %v does not wrap %v", hookErrors[0], errDatabaseDown)
			}
		})
	}
}

func TestGuardInvalidTokenSkipsHook(t *testing.T) {
	hookCalls := 0
	verifier, loader := newFakes()
	guard := bearer.New(bearer.Config{
		Verifier:   verifier,
		Principals: loader,
		ErrorHook:  func(context.Context, error) { hookCalls++ },
	})
	handler := guard.Require(bearer.Scopes("me"))(okHandler)

	for _, token := range []string{"forged", "tok-disabled", "tok-items"} {
		serve(handler, "Bearer "+token)
	}

	if hookCalls != 0 {
		t.Errorf("ErrorHook calls = %d, want 0", hookCalls)
	}
}

func TestGuardChallengeParameters(t *testing.T) {
	const metadataURL = "https://api.example.test/.well-known/oauth-protected-resource"

	tests := []struct {
		name   string
		config bearer.Config
		token  string
		want   string
	}{
		{
			name: "no realm and no scope",
			want: "Bearer",
		},
		{
			name:  "no realm with error",
			token: "forged",
			want:  `Bearer error="invalid_token", error_description="` + detailInvalid + `"`,
		},
		{
			name:   "resource metadata",
			config: bearer.Config{Realm: "scopegate", ResourceMetadata: metadataURL},
			want: `Bearer realm="scopegate", ` +
				`resource_metadata="https://api.example.test/.well-known/oauth-protected-resource"`,
		},
		{
			name:   "resource metadata with error",
			config: bearer.Config{ResourceMetadata: metadataURL},
			token:  "forged",
			want: `Bearer error="invalid_token", error_description="` + detailInvalid + `", ` +
				`resource_metadata="https://api.example.test/.well-known/oauth-protected-resource"`,
		},
		{
			name:   "realm with quote and backslash",
			config: bearer.Config{Realm: `say "hi" \o/`},
			want:   `Bearer realm="say \"hi\" \\o/"`,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verifier, _ := newFakes()
			tt.config.Verifier = verifier
			guard := bearer.New(tt.config)

			var authorization []string
			if tt.token != "" {
				authorization = []string{"Bearer " + tt.token}
			}
			rec := serve(guard.Require(bearer.Authenticated)(okHandler), authorization...)

			if got := rec.Header().Get("WWW-Authenticate"); got != tt.want {
				t.Errorf("WWW-Authenticate =\n\t%s\nwant\n\t%s", got, tt.want)
			}
		})
	}
}

func TestNewPanics(t *testing.T) {
	verifier, _ := newFakes()

	tests := []struct {
		name   string
		config bearer.Config
	}{
		{name: "nil verifier", config: bearer.Config{Realm: "scopegate"}},
		{name: "realm with newline", config: bearer.Config{Verifier: verifier, Realm: "scope\r\ngate"}},
		{name: "relative metadata URL", config: bearer.Config{Verifier: verifier, ResourceMetadata: "/metadata"}},
		{name: "metadata URL without host", config: bearer.Config{Verifier: verifier, ResourceMetadata: "https:x"}},
		{
			name:   "metadata URL with newline",
			config: bearer.Config{Verifier: verifier, ResourceMetadata: "https://a.test/\nx"},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPanics(t, "bearer: Config.", func() { bearer.New(tt.config) })
		})
	}
}

func TestRequirePanics(t *testing.T) {
	verifier, _ := newFakes()
	guard := bearer.New(bearer.Config{Verifier: verifier})

	t.Run("zero requirement", func(t *testing.T) {
		checkPanics(t, "bearer: Require called with the zero Requirement", func() {
			guard.Require(bearer.Requirement{})
		})
	})

	t.Run("nil handler", func(t *testing.T) {
		middleware := guard.Require(bearer.Authenticated)
		checkPanics(t, "bearer: Require middleware applied to a nil handler", func() { middleware(nil) })
	})
}

// checkPanics calls f and checks that it panics with a string that starts
// with wantPrefix.
func checkPanics(t *testing.T, wantPrefix string, f func()) {
	t.Helper()

	defer func() {
		t.Helper()

		message, ok := recover().(string)
		if !ok {
			t.Fatalf("panic value = %v, want a string starting with %q", message, wantPrefix)
		}

		if !strings.HasPrefix(message, wantPrefix) {
			t.Errorf("panic message = %q, want prefix %q", message, wantPrefix)
		}
	}()

	f()
}

// TestGuardOverHTTP sends header shapes that a real client and server
// produce, such as repeated header lines, through net/http.
func TestGuardOverHTTP(t *testing.T) {
	verifier, loader := newFakes()
	guard := bearer.New(bearer.Config{Verifier: verifier, Principals: loader, Realm: "scopegate"})
	server := httptest.NewServer(guard.Require(bearer.Scopes("me").With("items"))(okHandler))
	defer server.Close()

	tests := []struct {
		name          string
		authorization []string
		wantStatus    int
		wantChallenge string
	}{
		{name: "no header", wantStatus: 401, wantChallenge: rejectNoToken.challenge},
		{name: "lower-case scheme", authorization: []string{"bearer tok"}, wantStatus: 200},
		{
			name:          "scheme and space",
			authorization: []string{"Bearer "},
			wantStatus:    401,
			wantChallenge: rejectNoValue.challenge,
		},
		{
			name:          "two header lines",
			authorization: []string{"Bearer tok", "Bearer tok"},
			wantStatus:    401,
			wantChallenge: rejectMultiple.challenge,
		},
		{name: "insufficient scope", authorization: []string{"Bearer tok-me"}, wantStatus: 403},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, server.URL+"/users/me/items/", nil)
			if err != nil {
				t.Fatalf("NewRequest: %v", err)
			}
			req.Header["Authorization"] = tt.authorization

			resp, err := server.Client().Do(req)
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			defer resp.Body.Close()

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status code = %d, want %d", resp.StatusCode, tt.wantStatus)
			}

			if tt.wantChallenge == "" {
				return
			}

			if got := resp.Header.Get("WWW-Authenticate"); got != tt.wantChallenge {
				t.Errorf("WWW-Authenticate =\n\t%s\nwant\n\t%s", got, tt.wantChallenge)
			}
		})
	}
}

// discardWriter is a ResponseWriter that allocates nothing per request, so
// the benchmark measures the guard alone.
type discardWriter struct{ header http.Header }

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// staticLoader returns the same principal for every token. Unlike
// fakeLoader it allocates nothing, so the benchmark counts only the
// guard's allocations.
type staticLoader struct{ principal *account }

func (l staticLoader) LoadPrincipal(context.Context, bearer.Claims) (any, error) {
	return l.principal, nil
}

func BenchmarkGuardSuccess(b *testing.B) {
	verifier, _ := newFakes()
	loader := staticLoader{principal: &account{username: "johndoe"}}
	guard := bearer.New(bearer.Config{Verifier: verifier, Principals: loader, Realm: "scopegate"})
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	handler := guard.Require(bearer.Scopes("me").With("items"))(next)

	req := httptest.NewRequest(http.MethodGet, "/users/me/items/", nil)
	req.Header.Set("Authorization", "Bearer tok-me-items")
	w := &discardWriter{header: http.Header{}}

	b.ReportAllocs()
	for b.Loop() {
		handler.ServeHTTP(w, req)
	}
}
