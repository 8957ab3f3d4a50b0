package authserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

func TestPasswordGrantSuccess(t *testing.T) {
	f := newFixture(t)

	rec := f.postForm("grant_type=password&username=user1&password=pass1&scope=me%20items")

	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200 (body %s)", rec.Code, rec.Body)
	}

	checkNoStore(t, rec)

	var fields map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &fields); err != nil {
		t.Fatalf("decode body %q: %v", rec.Body, err)
	}

	want := map[string]string{
		"access_token": `"access-token-user1"`,
		"token_type":   `"bearer"`,
		"expires_in":   `1800`,
		"scope":        `"me items"`,
	}
	for name, value := range want {
		if got := string(fields[name]); got != value {
			t.Errorf("%s = %s, want %s", name, got, value)
		}
	}

	if len(fields) != len(want) {
		t.Errorf("body has %d members, want %d: %s", len(fields), len(want), rec.Body)
	}
}

func TestPasswordGrantIssuerArguments(t *testing.T) {
	f := newFixture(t)

	checkGranted(t, f.postForm("username=user1&password=pass1&scope=items%20me"), "items me")

	calls := f.issuer.issued()
	if len(calls) != 1 {
		t.Fatalf("Issue called %d times, want 1", len(calls))
	}

	if calls[0].subject != "user1" {
		t.Errorf("subject = %q, want user1", calls[0].subject)
	}

	if calls[0].clientID != DefaultPublicClientID {
		t.Errorf("client ID = %q, want %q", calls[0].clientID, DefaultPublicClientID)
	}

	if !calls[0].scopes.Equal(scope.New("me", "items")) {
		t.Errorf("scopes = %q, want me and items", calls[0].scopes)
	}
}

func TestExpiresInIsJSONInteger(t *testing.T) {
	tests := []struct {
		name     string
		lifetime time.Duration
		want     string
	}{
		{name: "exact", lifetime: 1800 * time.Second, want: "1800"},
		{name: "small fraction short", lifetime: 1799*time.Second + 900*time.Millisecond, want: "1800"},
		{name: "large fraction short", lifetime: 1799*time.Second + 100*time.Millisecond, want: "1800"},
		{name: "one hour", lifetime: time.Hour, want: "3600"},
	}

	integer := regexp.MustCompile(`^[1-9][0-9]*$`)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.issuer.lifetime = tt.lifetime

			rec := f.postForm("username=user1&password=pass1&scope=me")

			var fields map[string]json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &fields); err != nil {
				t.Fatalf("decode body %q: %v", rec.Body, err)
			}

			got := string(fields["expires_in"])
			if !integer.MatchString(got) {
				t.Errorf("expires_in = %s, want a bare JSON integer", got)
			}

			if got != tt.want {
				t.Errorf("expires_in = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestExpiresInOutOfRange(t *testing.T) {
	tests := []struct {
		name     string
		lifetime time.Duration
	}{
		{name: "already expired", lifetime: -time.Minute},
		{name: "expires now", lifetime: 0},
		{name: "beyond int32", lifetime: (1 << 31) * time.Second},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.issuer.lifetime = tt.lifetime

			rec := f.postForm("username=user1&password=pass1")

			checkError(t, rec, http.StatusInternalServerError, CodeServerError)

			if got := len(f.reportedErrors()); got != 1 {
				t.Errorf("error hook called %d times, want 1", got)
			}
		})
	}
}

func TestMultipartSuccess(t *testing.T) {
	f := newFixture(t)

	var body bytes.Buffer
	writer := multipart.NewWriter(&body)
	for _, field := range [][2]string{{"grant_type", "password"}, {"username", "user1"},
		{"password", "pass1"}, {"scope", "me items"}} {
		if err := writer.WriteField(field[0], field[1]); err != nil {
			t.Fatalf("WriteField: %v", err)
		}
	}

	if err := writer.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	req := httptest.NewRequest(http.MethodPost, "/token", &body)
	req.Header.Set("Content-Type", writer.FormDataContentType())

	checkGranted(t, f.serve(req), "me items")
}

func TestWrongPasswordAndUnknownUserIdentical(t *testing.T) {
	f := newFixture(t)

	wrongPassword := f.postForm("grant_type=password&username=user1&password=WRONG-pass-77&scope=me")
	unknownUser := f.postForm("grant_type=password&username=nobody&password=WRONG-pass-77&scope=me")

	checkError(t, wrongPassword, http.StatusBadRequest, CodeInvalidGrant)
	checkError(t, unknownUser, http.StatusBadRequest, CodeInvalidGrant)

	if wrongPassword.Body.String() != unknownUser.Body.String() {
		t.Errorf("bodies differ:\nwrong password: %s\nunknown user:   %s", wrongPassword.Body, unknownUser.Body)
	}

	for _, rec := range []*httptest.ResponseRecorder{wrongPassword, unknownUser} {
		if strings.Contains(rec.Body.String(), "WRONG-pass-77") {
			t.Errorf("body %s contains the password", rec.Body)
		}
	}

	verify, dummy := f.hasher.counts()
	if verify != 1 || dummy != 1 {
		t.Errorf("Verify and VerifyDummy called %d and %d times, want 1 and 1", verify, dummy)
	}

	if got := len(f.issuer.issued()); got != 0 {
		t.Errorf("Issue called %d times, want 0", got)
	}
}

func TestDisabledUser(t *testing.T) {
	f := newFixture(t)

	rightPassword := f.postForm("username=alice&password=secretalice")
	body := checkError(t, rightPassword, http.StatusBadRequest, CodeInvalidGrant)

	if !strings.Contains(body.ErrorDescription, "disabled") {
		t.Errorf("description = %q, want it to say the account is disabled", body.ErrorDescription)
	}

	// With a wrong password, a disabled account looks like any failed login.
	wrongPassword := f.postForm("username=alice&password=nope")
	otherUser := f.postForm("username=user1&password=nope")

	if wrongPassword.Body.String() != otherUser.Body.String() {
		t.Errorf("disabled user with wrong password got %s, want %s", wrongPassword.Body, otherUser.Body)
	}

	if got := len(f.issuer.issued()); got != 0 {
		t.Errorf("Issue called %d times, want 0", got)
	}
}

func TestMissingCredentials(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		param string
	}{
		{name: "username omitted", body: "grant_type=password&password=pass1", param: "username"},
		{name: "username empty", body: "grant_type=password&username=&password=pass1", param: "username"},
		{name: "password omitted", body: "grant_type=password&username=user1", param: "password"},
		{name: "password empty", body: "grant_type=password&username=user1&password=", param: "password"},
		{name: "both omitted", body: "grant_type=password&scope=me", param: "username"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)

			body := checkError(t, f.postForm(tt.body), http.StatusBadRequest, CodeInvalidRequest)

			if !strings.Contains(body.ErrorDescription, "'"+tt.param+"'") {
				t.Errorf("description = %q, want it to name %s", body.ErrorDescription, tt.param)
			}
		})
	}
}

func TestGrantType(t *testing.T) {
	// RFC 6749 §4.3.2 makes grant_type REQUIRED, so a strict server rejects an
	// omitted or empty one with invalid_request. scopegate deliberately reads
	// it as "password" instead, because FastAPI's OAuth2PasswordRequestForm
	// makes grant_type optional and clients written against FastAPI leave it
	// out. That compatibility choice is part of scopegate's behaviour
	// contract and takes precedence over the strict reading. Every other
	// value that is not "password" is still unsupported_grant_type.
	tests := []struct {
		name      string
		grantType string // appended to the body as is
		wantCode  string // empty for success
	}{
		{name: "password", grantType: "&grant_type=password"},
		{name: "omitted is password", grantType: ""},
		{name: "empty is password", grantType: "&grant_type="},
		{name: "passwordblah", grantType: "&grant_type=passwordblah", wantCode: CodeUnsupportedGrantType},
		{name: "xpassword", grantType: "&grant_type=xpassword", wantCode: CodeUnsupportedGrantType},
		{name: "uppercase", grantType: "&grant_type=PASSWORD", wantCode: CodeUnsupportedGrantType},
		{name: "padded", grantType: "&grant_type=+password", wantCode: CodeUnsupportedGrantType},
		{name: "authorization_code", grantType: "&grant_type=authorization_code",
			wantCode: CodeUnsupportedGrantType},
		{name: "client_credentials", grantType: "&grant_type=client_credentials",
			wantCode: CodeUnsupportedGrantType},
		{name: "refresh_token", grantType: "&grant_type=refresh_token", wantCode: CodeUnsupportedGrantType},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)

			rec := f.postForm("username=user1&password=pass1&scope=me" + tt.grantType)

			if tt.wantCode == "" {
				checkGranted(t, rec, "me")
				return
			}

			checkError(t, rec, http.StatusBadRequest, tt.wantCode)

			if got := len(f.issuer.issued()); got != 0 {
				t.Errorf("Issue called %d times, want 0", got)
			}
		})
	}
}

func TestGrantTypeCheckedBeforeCredentials(t *testing.T) {
	f := newFixture(t)

	rightPassword := f.postForm("grant_type=passwordblah&username=user1&password=pass1")
	wrongPassword := f.postForm("grant_type=passwordblah&username=user1&password=wrong")

	unknownClient := formRequest("grant_type=passwordblah&username=user1&password=pass1")
	unknownClient.Header.Set("Authorization", basic("client-a", "wrong"))

	for name, rec := range map[string]*httptest.ResponseRecorder{
		"right password": rightPassword,
		"wrong password": wrongPassword,
		"unknown client": f.serve(unknownClient),
	} {
		t.Run(name, func(t *testing.T) {
			checkError(t, rec, http.StatusBadRequest, CodeUnsupportedGrantType)

			if rec.Body.String() != rightPassword.Body.String() {
				t.Errorf("body = %s, want %s", rec.Body, rightPassword.Body)
			}
		})
	}

	if verify, dummy := f.hasher.counts(); verify+dummy != 0 {
		t.Errorf("password checked %d times, want 0", verify+dummy)
	}
}

func TestScope(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantScope string // the granted scope, when wantCode is empty
		wantCode  string
		wantNamed string // the scope or parameter the error description must name
	}{
		{name: "me items", body: "username=user1&password=pass1&scope=me%20items", wantScope: "me items"},
		{name: "items me", body: "username=user1&password=pass1&scope=items%20me", wantScope: "items me"},
		{name: "plus is a space", body: "username=user1&password=pass1&scope=me+items", wantScope: "me items"},
		{name: "repeated and extra spaces", body: "username=user1&password=pass1&scope=++me++me+items+",
			wantScope: "me items"},
		{name: "one scope", body: "username=user1&password=pass1&scope=me", wantScope: "me"},
		{name: "empty", body: "username=user1&password=pass1&scope=", wantScope: ""},
		{name: "omitted", body: "username=user1&password=pass1", wantScope: ""},
		{name: "spaces only", body: "username=user1&password=pass1&scope=+++", wantScope: ""},
		{name: "not held is dropped", body: "username=user2&password=pass2&scope=me%20items",
			wantScope: "me"},
		{name: "none held", body: "username=user1&password=pass1&scope=reports",
			wantCode: CodeInvalidScope, wantNamed: "reports"},
		{name: "unknown", body: "username=user1&password=pass1&scope=admin",
			wantCode: CodeInvalidScope, wantNamed: "admin"},
		{name: "unknown among known", body: "username=user2&password=pass2&scope=me%20items%20admin",
			wantCode: CodeInvalidScope, wantNamed: "admin"},
		{name: "comma is not a separator", body: "username=user1&password=pass1&scope=me,items",
			wantCode: CodeInvalidScope, wantNamed: "me,items"},
		{name: "case-sensitive", body: "username=user1&password=pass1&scope=Me",
			wantCode: CodeInvalidScope, wantNamed: "Me"},
		{name: "tab", body: "username=user1&password=pass1&scope=me%09items",
			wantCode: CodeInvalidScope, wantNamed: "scope"},
		{name: "double quote", body: "username=user1&password=pass1&scope=%22me%22",
			wantCode: CodeInvalidScope, wantNamed: "scope"},
		{name: "non-ASCII", body: "username=user1&password=pass1&scope=m%C3%A9",
			wantCode: CodeInvalidScope, wantNamed: "scope"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)

			rec := f.postForm(tt.body)

			if tt.wantCode == "" {
				checkGranted(t, rec, tt.wantScope)
				return
			}

			body := checkError(t, rec, http.StatusBadRequest, tt.wantCode)

			if !strings.Contains(body.ErrorDescription, "'"+tt.wantNamed+"'") {
				t.Errorf("description = %q, want it to name %q", body.ErrorDescription, tt.wantNamed)
			}

			if got := len(f.issuer.issued()); got != 0 {
				t.Errorf("Issue called %d times, want 0", got)
			}
		})
	}
}

func TestScopeEmptyAndOmittedIdentical(t *testing.T) {
	f := newFixture(t, func(cfg *Config) { cfg.DefaultScopes = scope.New("me") })

	empty := f.postForm("username=user1&password=pass1&scope=")
	omitted := f.postForm("username=user1&password=pass1")

	checkGranted(t, empty, "me")

	if empty.Body.String() != omitted.Body.String() {
		t.Errorf("empty scope got %s, omitted scope got %s", empty.Body, omitted.Body)
	}
}

func TestDefaultScopes(t *testing.T) {
	tests := []struct {
		name     string
		defaults scope.Set
		body     string
		want     string
	}{
		{name: "none configured", defaults: scope.Set{}, body: "username=user1&password=pass1", want: ""},
		{name: "applied", defaults: scope.New("me", "items"), body: "username=user1&password=pass1",
			want: "me items"},
		{name: "not held is dropped", defaults: scope.New("me", "items"), body: "username=user2&password=pass2",
			want: "me"},
		{name: "outside catalog is dropped", defaults: scope.New("me", "admin"),
			body: "username=user1&password=pass1", want: "me"},
		{name: "request overrides", defaults: scope.New("me"),
			body: "username=user1&password=pass1&scope=items", want: "items"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(cfg *Config) { cfg.DefaultScopes = tt.defaults })

			checkGranted(t, f.postForm(tt.body), tt.want)
		})
	}
}

func TestRehash(t *testing.T) {
	f := newFixture(t)
	f.hasher.cost = bcrypt.MinCost + 1
	oldHash := f.users.hash("user1")

	checkGranted(t, f.postForm("username=user1&password=pass1&scope=me"), "me")

	newHash := f.users.hash("user1")
	if newHash == oldHash {
		t.Fatalf("stored hash unchanged, want a rehash")
	}

	if cost, err := bcrypt.Cost([]byte(newHash)); err != nil || cost != bcrypt.MinCost+1 {
		t.Errorf("new hash cost = %d (err %v), want %d", cost, err, bcrypt.MinCost+1)
	}

	if err := bcrypt.CompareHashAndPassword([]byte(newHash), []byte("pass1")); err != nil {
		t.Errorf("new hash does not verify the password: %v", err)
	}

	if got := f.reportedErrors(); len(got) != 0 {
		t.Errorf("error hook got %v, want nothing", got)
	}
}

func TestRehashNotNeeded(t *testing.T) {
	f := newFixture(t)
	oldHash := f.users.hash("user1")

	checkGranted(t, f.postForm("username=user1&password=pass1&scope=me"), "me")

	if got := f.users.hash("user1"); got != oldHash {
		t.Errorf("stored hash changed to %q, want it unchanged", got)
	}
}

func TestRehashFailureStillLogsIn(t *testing.T) {
	f := newFixture(t)
	f.hasher.cost = bcrypt.MinCost + 1
	f.users.saveErr = fmt.Errorf("disk full: %w", errors.New("write failed"))

	checkGranted(t, f.postForm("username=user1&password=pass1&scope=me"), "me")

	reported := f.reportedErrors()
	if len(reported) != 1 {
		t.Fatalf("error hook called %d times, want 1", len(reported))
	}

	if !strings.Contains(reported[0].Error(), "disk full") {
		t.Errorf("hook error = %q, want it to wrap the store error", reported[0])
	}

	if strings.Contains(reported[0].Error(), "pass1") {
		t.Errorf("hook error %q contains the password", reported[0])
	}
}

func TestServerFailures(t *testing.T) {
	internalDetail := "connection to 10.9.8.7 refused"

	tests := []struct {
		name       string
		configure  func(cfg *Config) // changes the config, when set
		breakFakes func(f *fixture)  // changes the fakes, when set
		wantStatus int
		wantCode   string
		wantInHook string // a part of the cause that the hook error must show
	}{
		{
			name: "users unavailable",
			breakFakes: func(f *fixture) {
				f.users.err = fmt.Errorf("sqlite: %s: %w", internalDetail, store.ErrUnavailable)
			},
			wantStatus: http.StatusServiceUnavailable,
			wantCode:   CodeTemporarilyUnavailable,
			wantInHook: internalDetail,
		},
		{
			name: "users fail",
			breakFakes: func(f *fixture) {
				f.users.err = errors.New("sqlite: " + internalDetail)
			},
			wantStatus: http.StatusInternalServerError,
			wantCode:   CodeServerError,
			wantInHook: internalDetail,
		},
		{
			name: "catalog unavailable",
			configure: func(cfg *Config) {
				cfg.Scopes = &fakeCatalog{err: fmt.Errorf("%s: %w", internalDetail, store.ErrUnavailable)}
			},
			wantStatus: http.StatusServiceUnavailable,
			wantCode:   CodeTemporarilyUnavailable,
			wantInHook: internalDetail,
		},
		{
			name: "issuer fails",
			breakFakes: func(f *fixture) {
				f.issuer.err = errors.New("token: sign: " + internalDetail)
			},
			wantStatus: http.StatusInternalServerError,
			wantCode:   CodeServerError,
			wantInHook: internalDetail,
		},
		{
			name: "unreadable stored hash",
			breakFakes: func(f *fixture) {
				user := f.users.users["user1"]
				user.PasswordHash = "not-a-hash " + internalDetail
				f.users.users["user1"] = user
			},
			wantStatus: http.StatusInternalServerError,
			wantCode:   CodeServerError,
			wantInHook: "crypto/bcrypt",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(cfg *Config) {
				if tt.configure != nil {
					tt.configure(cfg)
				}
			})

			if tt.breakFakes != nil {
				tt.breakFakes(f)
			}

			rec := f.postForm("username=user1&password=pass1&scope=me")

			checkError(t, rec, tt.wantStatus, tt.wantCode)

			if strings.Contains(rec.Body.String(), internalDetail) {
				t.Errorf("body %s shows the internal error", rec.Body)
			}

			wantRetryAfter := ""
			if tt.wantStatus == http.StatusServiceUnavailable {
				wantRetryAfter = "5"
			}

			if got := rec.Header().Get("Retry-After"); got != wantRetryAfter {
				t.Errorf("Retry-After = %q, want %q", got, wantRetryAfter)
			}

			reported := f.reportedErrors()
			if len(reported) != 1 {
				t.Fatalf("error hook called %d times, want 1", len(reported))
			}

			if !strings.Contains(reported[0].Error(), tt.wantInHook) {
				t.Errorf("hook error = %q, want it to wrap the cause", reported[0])
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodOptions} {
		t.Run(method, func(t *testing.T) {
			f := newFixture(t)

			req := httptest.NewRequest(method, "/token", strings.NewReader("username=user1&password=pass1"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

			rec := f.serve(req)

			checkError(t, rec, http.StatusMethodNotAllowed, CodeInvalidRequest)

			if got := rec.Header().Get("Allow"); got != http.MethodPost {
				t.Errorf("Allow = %q, want POST", got)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	valid := func() Config {
		return Config{Users: &fakeUsers{}, Issuer: &fakeIssuer{}, Passwords: &fakeHasher{}, Scopes: &fakeCatalog{}}
	}

	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{name: "no users", change: func(c *Config) { c.Users = nil }, want: "Config.Users"},
		{name: "no issuer", change: func(c *Config) { c.Issuer = nil }, want: "Config.Issuer"},
		{name: "no passwords", change: func(c *Config) { c.Passwords = nil }, want: "Config.Passwords"},
		{name: "no scopes", change: func(c *Config) { c.Scopes = nil }, want: "Config.Scopes"},
		{name: "negative body limit", change: func(c *Config) { c.MaxBodyBytes = -1 }, want: "MaxBodyBytes"},
		{name: "control in client id", change: func(c *Config) { c.PublicClientID = "a\nb" },
			want: "PublicClientID"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.change(&cfg)

			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want one naming %s", err, tt.want)
			}
		})
	}

	if _, err := New(valid()); err != nil {
		t.Errorf("New with a valid config: %v", err)
	}
}

func TestErrorHookNil(t *testing.T) {
	f := newFixture(t, func(cfg *Config) { cfg.ErrorHook = nil })
	f.users.err = errors.New("boom")

	checkError(t, f.postForm("username=user1&password=pass1"), http.StatusInternalServerError, CodeServerError)
}

func TestRFC6749ErrorFresh(t *testing.T) {
	first := invalidClient(true, clientAuthFailed)
	first.header.Set("WWW-Authenticate", "changed")
	first.Description = "changed"

	second := invalidClient(true, clientAuthFailed)

	if got := second.header.Get("WWW-Authenticate"); got != `Basic realm="scopegate"` {
		t.Errorf("WWW-Authenticate = %q, want the Basic challenge", got)
	}

	if second.Description != clientAuthFailed {
		t.Errorf("Description = %q, want %q", second.Description, clientAuthFailed)
	}

	var target *RFC6749Error
	if err := fmt.Errorf("wrapped: %w", second); !errors.As(err, &target) || target.Code != CodeInvalidClient {
		t.Errorf("errors.As on a wrapped error found %v, want the invalid_client error", target)
	}
}

func TestSanitizeDescription(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{in: "plain text, with 'quotes'", want: "plain text, with 'quotes'"},
		{in: `a "quoted" \ value`, want: "a ?quoted? ? value"},
		{in: "line\nbreak\ttab", want: "line?break?tab"},
		{in: "caf\u00e9", want: "caf??"},
	}

	for _, tt := range tests {
		if got := sanitizeDescription(tt.in); got != tt.want {
			t.Errorf("sanitizeDescription(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var (
	_ Users               = (*fakeUsers)(nil)
	_ TokenIssuer         = (*fakeIssuer)(nil)
	_ PasswordHasher      = (*fakeHasher)(nil)
	_ ScopeCatalog        = (*fakeCatalog)(nil)
	_ ClientAuthenticator = fakeClients{}
)

func TestLogValueRedacts(t *testing.T) {
	var out bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&out, nil))

	form := passwordGrantForm(map[string]string{
		paramUsername: "user1", paramPassword: "pass1-secret", paramClientSecret: "client-secret-x",
	})
	logger.Info("request", "form", form)
	logger.Info("response", "token", TokenResponse{AccessToken: "access-token-x", RefreshToken: "refresh-x"})

	for _, secret := range []string{"pass1-secret", "client-secret-x", "access-token-x", "refresh-x"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("log %s contains %q", out.String(), secret)
		}
	}

	if !strings.Contains(out.String(), `"username":"user1"`) {
		t.Errorf("log %s lacks the username", out.String())
	}
}
