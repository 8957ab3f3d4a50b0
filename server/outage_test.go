package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/password"
	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/server"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/postgres"
	"github.com/scopegate/scopegate/store/postgres/postgrestest"
)

const (
	// outageQueryTimeout is the store's query timeout in these tests. It
	// also bounds each connection attempt, so the requests before and
	// after the outage need it to be long enough for a loaded machine.
	outageQueryTimeout = time.Second

	// outageResponseBound is how long a request may take during an outage:
	// the query timeout, plus two seconds for the rest of the request on a
	// loaded machine.
	outageResponseBound = outageQueryTimeout + 2*time.Second

	// outageCacheTTL is the principal cache's TTL in these tests, short so
	// that cached users expire during the outage.
	outageCacheTTL = 300 * time.Millisecond

	// leakTolerance is how many more goroutines than before the outage the
	// process may run after recovery, for connections that the pool and
	// the HTTP server open and close on their own schedule.
	leakTolerance = 5
)

// outageServer is a server whose PostgreSQL store connects through a proxy
// that the test controls.
type outageServer struct {
	baseURL string
	store   *postgres.Store
	proxy   *postgrestest.Proxy
	client  *http.Client
	logs    *lockedBuffer
}

func startOutageServer(t *testing.T) *outageServer {
	t.Helper()

	databaseURL, proxy := postgrestest.ThroughProxy(t, postgrestest.NewSchema(t))
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))

	st, err := postgres.Open(t.Context(), databaseURL, postgres.Options{
		QueryTimeout: outageQueryTimeout,
		ErrorHook:    func(err error) { logger.Warn("database connection problem", "error", err) },
	})
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	baseURL := "http://" + ln.Addr().String()

	srv, err := server.New(t.Context(), server.Config{
		Store:          st,
		Database:       st.Description(),
		Issuer:         baseURL,
		Logger:         logger,
		PrincipalCache: bearer.CacheOptions{TTL: outageCacheTTL},
	})
	if err != nil {
		t.Fatalf("server.New() = %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	t.Cleanup(func() {
		cancel()

		if err := <-served; err != nil {
			t.Errorf("Serve() returned %v after its context ended", err)
		}

		if err := st.Close(); err != nil {
			t.Errorf("close the store: %v", err)
		}

		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
	})

	// No keep-alive, so idle client connections do not count as goroutines.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}

	return &outageServer{baseURL: baseURL, store: st, proxy: proxy, client: client, logs: logs}
}

// lockedBuffer is an io.Writer for logs that tests read while the server
// writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.b.String()
}

type outageReply struct {
	status  int
	header  http.Header
	body    string
	elapsed time.Duration
}

func (s *outageServer) do(t *testing.T, method, path, bearerToken string, form url.Values) outageReply {
	t.Helper()

	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}

	req, err := http.NewRequestWithContext(t.Context(), method, s.baseURL+path, body)
	if err != nil {
		t.Fatal(err)
	}

	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}

	if bearerToken != "" {
		req.Header.Set("Authorization", "Bearer "+bearerToken)
	}

	start := time.Now()

	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}

	return outageReply{status: resp.StatusCode, header: resp.Header, body: string(data), elapsed: time.Since(start)}
}

func (s *outageServer) login(t *testing.T, username, pass string) (string, outageReply) {
	t.Helper()

	form := url.Values{"username": {username}, "password": {pass}, "scope": {"me items"}}
	r := s.do(t, http.MethodPost, "/token", "", form)

	var tok struct {
		AccessToken string `json:"access_token"`
	}

	if r.status == http.StatusOK {
		if err := json.Unmarshal([]byte(r.body), &tok); err != nil {
			t.Fatalf("POST /token: decode %s: %v", r.body, err)
		}
	}

	return tok.AccessToken, r
}

// createUser stores a user whose password is "password-" + username.
func createOutageUser(t *testing.T, st store.Store, username string) {
	t.Helper()

	hash, err := fastHasher.Hash("password-" + username)
	if err != nil {
		t.Fatal(err)
	}

	err = st.CreateUser(t.Context(), store.User{Username: username, PasswordHash: hash, Scopes: scope.New("me", "items")})
	if err != nil {
		t.Fatalf("CreateUser(%q) = %v", username, err)
	}
}

// fastHasher makes cheap argon2id hashes, which the server verifies with
// the parameters stored in them.
var fastHasher = password.Hasher{Params: password.Params{
	Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32,
}}

// TestOutage cuts or stalls the connection between a running server and
// PostgreSQL. Requests that need the database must get 503 with
// Retry-After and an error body within the store's query timeout, and
// /readyz must report not ready. After the proxy is restored, the server
// must serve again with every write that the store acknowledged, and no
// goroutine may be left behind.
func TestOutage(t *testing.T) {
	tests := []struct {
		name    string
		disrupt func(p *postgrestest.Proxy)
	}{
		{name: "Cut", disrupt: (*postgrestest.Proxy).Cut},
		{name: "Stall", disrupt: (*postgrestest.Proxy).Stall},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startOutageServer(t)
			createOutageUser(t, s.store, "alice")
			token := warmUp(t, s)
			before := countGoroutines(s.proxy)

			writes := startWriter(t, s.store)
			waitForAcknowledgedWrites(t, writes, 5)
			tt.disrupt(s.proxy)

			assertUnavailable(t, s, token)

			if err := s.proxy.Restore(); err != nil {
				t.Fatal(err)
			}

			assertRecovered(t, s)
			writes.stop()
			assertWritesKept(t, s.store, writes.acknowledged())
			assertNoLeak(t, s.proxy, before)
		})
	}
}

// warmUp logs alice in and uses the API once, so the pool, the listener
// and the caches are in their steady state, and returns alice's token.
func warmUp(t *testing.T, s *outageServer) string {
	t.Helper()

	token, r := s.login(t, "alice", "password-alice")
	if r.status != http.StatusOK {
		t.Fatalf("POST /token before the outage: status %d, body %s", r.status, r.body)
	}

	for _, path := range []string{"/users/me/", "/users/me/items/", "/readyz"} {
		if r := s.do(t, http.MethodGet, path, token, nil); r.status != http.StatusOK {
			t.Fatalf("GET %s before the outage: status %d, body %s", path, r.status, r.body)
		}
	}

	return token
}

// assertUnavailable checks the responses during the outage.
func assertUnavailable(t *testing.T, s *outageServer, token string) {
	t.Helper()

	// alice's cached user expires, so /users/me/ needs the database too.
	time.Sleep(outageCacheTTL)

	login := url.Values{"username": {"alice"}, "password": {"password-alice"}}
	// The token endpoint responds in the error format of RFC 6749 §5.2, and
	// the other routes with RFC 9457 problem details.
	const problem = "application/problem+json"
	requests := []struct {
		method, path, token string
		form                url.Values
		wantRetryAfter      bool
		wantType, wantBody  string
	}{
		{method: http.MethodGet, path: "/users/me/items/", token: token, wantRetryAfter: true,
			wantType: problem, wantBody: `"status":503`},
		{method: http.MethodGet, path: "/users/me/", token: token, wantRetryAfter: true,
			wantType: problem, wantBody: `"status":503`},
		{method: http.MethodPost, path: "/token", form: login, wantRetryAfter: true,
			wantType: "application/json", wantBody: `"error":"temporarily_unavailable"`},
		{method: http.MethodGet, path: "/readyz", wantType: problem, wantBody: `"status":503`},
	}

	for _, req := range requests {
		r := s.do(t, req.method, req.path, req.token, req.form)
		what := fmt.Sprintf("%s %s during the outage", req.method, req.path)
		t.Logf("%s: %d in %s", what, r.status, r.elapsed.Round(time.Millisecond))

		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d, want 503; body %s", what, r.status, r.body)
		}
		if r.elapsed > outageResponseBound {
			t.Errorf("%s took %s, want at most %s", what, r.elapsed, outageResponseBound)
		}
		if req.wantRetryAfter && r.header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After header", what)
		}
		if got := r.header.Get("Content-Type"); got != req.wantType {
			t.Errorf("%s: Content-Type %q, want %q", what, got, req.wantType)
		}
		if !strings.Contains(r.body, req.wantBody) {
			t.Errorf("%s: body %q, want it to contain %s", what, r.body, req.wantBody)
		}
	}
}

// assertRecovered waits until the server is ready again and checks that
// logging in and the API work.
func assertRecovered(t *testing.T, s *outageServer) {
	t.Helper()

	deadline := time.Now().Add(15 * time.Second)

	for s.do(t, http.MethodGet, "/readyz", "", nil).status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not ready 15s after the proxy was restored")
		}

		time.Sleep(50 * time.Millisecond)
	}

	token, r := s.login(t, "alice", "password-alice")
	if r.status != http.StatusOK {
		t.Fatalf("POST /token after the restore: status %d, body %s", r.status, r.body)
	}

	if r := s.do(t, http.MethodGet, "/users/me/items/", token, nil); r.status != http.StatusOK {
		t.Errorf("GET /users/me/items/ after the restore: status %d, body %s", r.status, r.body)
	}
}

// writer creates users one after another until stopped, and remembers
// those the store acknowledged.
type writer struct {
	mu    sync.Mutex
	acked []string

	cancel context.CancelFunc
	done   chan struct{}
}

func startWriter(t *testing.T, st store.Store) *writer {
	t.Helper()

	ctx, cancel := context.WithCancel(t.Context())
	w := &writer{cancel: cancel, done: make(chan struct{})}

	go func() {
		defer close(w.done)

		for i := 0; ctx.Err() == nil; i++ {
			username := fmt.Sprintf("writer-%04d", i)

			err := st.CreateUser(ctx, store.User{Username: username, PasswordHash: "hash"})
			if err == nil {
				w.mu.Lock()
				w.acked = append(w.acked, username)
				w.mu.Unlock()
			}

			time.Sleep(5 * time.Millisecond)
		}
	}()

	t.Cleanup(w.stop)

	return w
}

func (w *writer) stop() {
	w.cancel()
	<-w.done
}

func (w *writer) acknowledged() []string {
	w.mu.Lock()
	defer w.mu.Unlock()

	return append([]string(nil), w.acked...)
}

func waitForAcknowledgedWrites(t *testing.T, w *writer, n int) {
	t.Helper()

	deadline := time.Now().Add(10 * time.Second)

	for len(w.acknowledged()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the writer had %d writes acknowledged after 10s, want %d", len(w.acknowledged()), n)
		}

		time.Sleep(5 * time.Millisecond)
	}
}

func assertWritesKept(t *testing.T, st store.Store, acknowledged []string) {
	t.Helper()

	users, err := st.ListUsers(t.Context())
	if err != nil {
		t.Fatalf("ListUsers() after the restore = %v", err)
	}

	stored := make(map[string]bool, len(users))
	for _, u := range users {
		stored[u.Username] = true
	}

	for _, username := range acknowledged {
		if !stored[username] {
			t.Errorf("user %q was acknowledged but is missing after the outage", username)
		}
	}

	t.Logf("%d acknowledged writes, all kept", len(acknowledged))
}

// countGoroutines counts the process's goroutines, less the proxy's own,
// whose number follows the connections through it.
func countGoroutines(p *postgrestest.Proxy) int {
	return runtime.NumGoroutine() - p.Goroutines()
}

// assertNoLeak waits up to 10 seconds for the goroutine count to come
// back to within leakTolerance of before.
func assertNoLeak(t *testing.T, p *postgrestest.Proxy, before int) {
	t.Helper()

	deadline := time.Now().Add(10 * time.Second)

	for {
		now := countGoroutines(p)
		if now <= before+leakTolerance {
			t.Logf("goroutines: %d before the outage, %d after the recovery", before, now)
			return
		}

		if time.Now().After(deadline) {
			var dump strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&dump, 1)
			t.Fatalf("goroutines: %d before the outage, %d 10s after the recovery, want at most %d more:\n%s",
				before, now, leakTolerance, dump.String())
		}

		time.Sleep(50 * time.Millisecond)
	}
}
