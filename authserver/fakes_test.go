package authserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// testNow is the fixed clock of every test server.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// testLifetime is the lifetime of the fake issuer's tokens. It falls short
// of 1800 s by a fraction, as a real token's does because its exp is a whole
// second, and checks that expires_in is rounded up to 1800.
const testLifetime = 1799*time.Second + 700*time.Millisecond

// fakeUsers is an in-memory user store.
type fakeUsers struct {
	mu      sync.Mutex
	users   map[string]store.User
	err     error // returned by User when set
	saveErr error // returned by SetPasswordHash when set
}

func (u *fakeUsers) User(_ context.Context, username string) (store.User, error) {
	u.mu.Lock()
	defer u.mu.Unlock()

	if u.err != nil {
		return store.User{}, u.err
	}

	user, ok := u.users[username]
	if !ok {
		return store.User{}, store.ErrNotFound
	}

	return user, nil
}

func (u *fakeUsers) SetPasswordHash(_ context.Context, username, hash string) error {
	u.mu.Lock()
	defer u.mu.Unlock()

	if u.saveErr != nil {
		return u.saveErr
	}

	user, ok := u.users[username]
	if !ok {
		return store.ErrNotFound
	}

	user.PasswordHash = hash
	u.users[username] = user

	return nil
}

func (u *fakeUsers) hash(username string) string {
	u.mu.Lock()
	defer u.mu.Unlock()

	return u.users[username].PasswordHash
}

// issueCall records the arguments of one Issue call.
type issueCall struct {
	subject  string
	clientID string
	scopes   scope.Set
}

// fakeIssuer issues opaque tokens that expire lifetime after testNow, or
// after the time now returns when now is set.
type fakeIssuer struct {
	mu       sync.Mutex
	calls    []issueCall
	lifetime time.Duration
	now      func() time.Time
	err      error
}

func (i *fakeIssuer) Issue(subject, clientID string, scopes scope.Set) (string, time.Time, error) {
	i.mu.Lock()
	defer i.mu.Unlock()

	if i.err != nil {
		return "", time.Time{}, i.err
	}

	i.calls = append(i.calls, issueCall{subject: subject, clientID: clientID, scopes: scopes})

	issuedAt := testNow
	if i.now != nil {
		issuedAt = i.now()
	}

	return "access-token-" + subject, issuedAt.Add(i.lifetime), nil
}

func (i *fakeIssuer) issued() []issueCall {
	i.mu.Lock()
	defer i.mu.Unlock()

	return append([]issueCall(nil), i.calls...)
}

// fakeHasher verifies real bcrypt hashes. A hash whose cost is below cost
// needs a rehash.
type fakeHasher struct {
	mu          sync.Mutex
	cost        int
	dummyCalls  int
	verifyCalls int
}

func (h *fakeHasher) Verify(plain, encoded string) (bool, error) {
	h.mu.Lock()
	h.verifyCalls++
	h.mu.Unlock()

	err := bcrypt.CompareHashAndPassword([]byte(encoded), []byte(plain))
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return false, nil
	}

	return err == nil, err
}

func (h *fakeHasher) NeedsRehash(encoded string) bool {
	cost, err := bcrypt.Cost([]byte(encoded))
	return err != nil || cost < h.cost
}

func (h *fakeHasher) Hash(plain string) (string, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(plain), h.cost)
	return string(hash), err
}

func (h *fakeHasher) VerifyDummy(string) {
	h.mu.Lock()
	defer h.mu.Unlock()

	h.dummyCalls++
}

func (h *fakeHasher) counts() (verify, dummy int) {
	h.mu.Lock()
	defer h.mu.Unlock()

	return h.verifyCalls, h.dummyCalls
}

// fakeCatalog declares me, items and reports.
type fakeCatalog struct {
	err error
}

func (c *fakeCatalog) Catalog(context.Context) (*scope.Catalog, error) {
	if c.err != nil {
		return nil, c.err
	}

	var catalog scope.Catalog
	catalog.MustDeclare("me", "Read information about the current user.")
	catalog.MustDeclare("items", "Read items.")
	catalog.MustDeclare("reports", "Read reports.")

	return &catalog, nil
}

// fakeClients accepts the confidential client client-a with secret secret-a.
type fakeClients struct {
	err error
}

func (c fakeClients) AuthenticateClient(_ context.Context, id, secret string) (Client, error) {
	if c.err != nil {
		return Client{}, c.err
	}

	if id != "client-a" || secret != "secret-a" {
		return Client{}, ErrInvalidClient
	}

	return Client{ID: id}, nil
}

// fixture is a token endpoint over fakes, with the fakes kept for checks.
type fixture struct {
	server  *Server
	handler http.Handler
	users   *fakeUsers
	issuer  *fakeIssuer
	hasher  *fakeHasher

	mu         sync.Mutex
	hookErrors []error
}

// newFixture builds a server whose users are user1/pass1 (me items),
// user2/pass2 (me) and the disabled alice/secretalice (me items), hashed
// with bcrypt at the minimum cost. configure may change the config.
func newFixture(t testing.TB, configure ...func(*Config)) *fixture {
	t.Helper()

	f := &fixture{
		users: &fakeUsers{users: map[string]store.User{
			"user1": newUser(t, "user1", "pass1", false, "me", "items"),
			"user2": newUser(t, "user2", "pass2", false, "me"),
			"alice": newUser(t, "alice", "secretalice", true, "me", "items"),
		}},
		issuer: &fakeIssuer{lifetime: testLifetime},
		hasher: &fakeHasher{cost: bcrypt.MinCost},
	}

	cfg := Config{
		Users:     f.users,
		Issuer:    f.issuer,
		Passwords: f.hasher,
		Scopes:    &fakeCatalog{},
		ErrorHook: f.recordError,
		Now:       func() time.Time { return testNow },

		// The padding of failed logins has tests of its own.
		MinFailedLogin: -1,
	}

	for _, change := range configure {
		change(&cfg)
	}

	server, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	f.server = server
	f.handler = server.TokenHandler()

	return f
}

func newUser(t testing.TB, username, password string, disabled bool, scopes ...string) store.User {
	t.Helper()

	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatalf("bcrypt: %v", err)
	}

	return store.User{
		Username:     username,
		PasswordHash: string(hash),
		Disabled:     disabled,
		Scopes:       scope.New(scopes...),
	}
}

func (f *fixture) recordError(_ context.Context, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()

	f.hookErrors = append(f.hookErrors, err)
}

func (f *fixture) reportedErrors() []error {
	f.mu.Lock()
	defer f.mu.Unlock()

	return append([]error(nil), f.hookErrors...)
}

// serve sends req to the token handler and returns the recorded response.
func (f *fixture) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)

	return rec
}

// postForm sends body as an application/x-www-form-urlencoded POST /token.
func (f *fixture) postForm(body string) *httptest.ResponseRecorder {
	return f.serve(formRequest(body))
}

func formRequest(body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	return req
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// checkNoStore checks the content type and the caching headers that every
// token endpoint response carries.
func checkNoStore(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()

	want := map[string]string{
		"Content-Type":  "application/json",
		"Cache-Control": "no-store",
		"Pragma":        "no-cache",
	}
	for name, value := range want {
		if got := rec.Header().Get(name); got != value {
			t.Errorf("%s = %q, want %q", name, got, value)
		}
	}
}

// checkError checks the status, the headers and the error code of an
// RFC 6749 error response, and returns its body.
func checkError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) ErrorResponse {
	t.Helper()

	if rec.Code != status {
		t.Errorf("status = %d, want %d (body %s)", rec.Code, status, rec.Body)
	}

	checkNoStore(t, rec)

	var body ErrorResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("decode error body %q: %v", rec.Body, err)
	}

	if body.Error != code {
		t.Errorf("error = %q, want %q (description %q)", body.Error, code, body.ErrorDescription)
	}

	if body.ErrorDescription == "" {
		t.Errorf("error_description is empty")
	}

	return body
}

// checkGranted checks a 200 token response and that its scope member is
// want.
func checkGranted(t *testing.T, rec *httptest.ResponseRecorder, want string) TokenResponse {
	t.Helper()

	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200 (body %s)", rec.Code, rec.Body)
	}

	checkNoStore(t, rec)

	var body TokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("decode token response %q: %v", rec.Body, err)
	}

	if body.Scope != want {
		t.Errorf("scope = %q, want %q", body.Scope, want)
	}

	// RFC 6749 §3.3 gives a scope parameter at least one scope token, so
	// an empty grant leaves the member out.
	if want == "" && strings.Contains(rec.Body.String(), `"scope"`) {
		t.Errorf("body %s has a scope member, want none for an empty grant", rec.Body)
	}

	return body
}
