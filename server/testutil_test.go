package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/server"
	"github.com/scopegate/scopegate/store/sqlite"
)

// testClient is the HTTP client of the tests that call a real server. Its
// timeout makes a request to a server that hangs fail the test instead of
// holding it until go test's own timeout.
var testClient = &http.Client{Timeout: 30 * time.Second}

// clientContext returns a context that makes golang.org/x/oauth2 send its
// requests with testClient.
func clientContext() context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, testClient)
}

// docsServer is a real scopegate server for the tests of the OpenAPI
// document, of its enforcement and of the docs page: a SQLite file in a
// temporary folder with the demo data, served by [server.Server.Serve] on a
// random loopback port.
type docsServer struct {
	baseURL string
	store   *sqlite.Store
	server  *server.Server
}

// docsStartServer starts a docsServer that stops when the test ends, with
// its configuration changed by each of options. Its logs go to the test's
// output, which go test shows for a failed test.
func docsStartServer(t *testing.T, options ...func(*server.Config)) *docsServer {
	t.Helper()

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "scopegate.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}

	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})

	if _, err := server.SeedDemo(ctx, st); err != nil {
		t.Fatalf("seed demo data: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}

	baseURL := "http://" + ln.Addr().String()

	cfg := server.Config{
		Store:    st,
		Database: "sqlite:scopegate.db",
		Issuer:   baseURL,
		Logger:   slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
	for _, option := range options {
		option(&cfg)
	}

	srv, err := server.New(ctx, cfg)
	if err != nil {
		ln.Close()
		t.Fatalf("server.New: %v", err)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	// Cleanups run last first, so the server stops before the store
	// closes.
	t.Cleanup(func() {
		cancel()

		if err := <-served; err != nil {
			t.Errorf("Serve returned %v after its context ended", err)
		}
	})

	return &docsServer{baseURL: baseURL, store: st, server: srv}
}

// docsResponse is a response read to its end.
type docsResponse struct {
	status int
	header http.Header
	body   []byte
}

// do sends req and reads the whole response.
func (s *docsServer) do(t *testing.T, req *http.Request) docsResponse {
	t.Helper()

	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}

	return docsResponse{status: resp.StatusCode, header: resp.Header, body: body}
}

// call sends a request without a body to path, with the bearer token
// accessToken unless it is empty.
func (s *docsServer) call(t *testing.T, method, path, accessToken string) docsResponse {
	t.Helper()

	req, err := http.NewRequest(method, s.baseURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}

	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}

	return s.do(t, req)
}

// postToken posts form to target, which is /token with an optional query,
// with the Authorization header authorization unless it is empty.
func (s *docsServer) postToken(t *testing.T, target, authorization string, form url.Values) docsResponse {
	t.Helper()

	req, err := http.NewRequest(http.MethodPost, s.baseURL+target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}

	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}

	return s.do(t, req)
}

// docsTokenResponse is the part of a token response that the tests read.
type docsTokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
}

// login logs johndoe in with the password grant, requesting scopes, and
// returns the access token. It fails the test unless exactly scopes are
// granted, because johndoe may hold every scope of the demo catalog.
func (s *docsServer) login(t *testing.T, scopes scope.Set) string {
	t.Helper()

	form := url.Values{"grant_type": {"password"}, "username": {"johndoe"}, "password": {"secret"}}
	if !scopes.IsEmpty() {
		form.Set("scope", scopes.String())
	}

	resp := s.postToken(t, "/token", "", form)
	if resp.status != http.StatusOK {
		t.Fatalf("log in with scope %q: status = %d, want 200; body %s", scopes, resp.status, resp.body)
	}

	var tok docsTokenResponse
	if err := json.Unmarshal(resp.body, &tok); err != nil {
		t.Fatalf("log in with scope %q: decode %s: %v", scopes, resp.body, err)
	}

	granted, err := scope.Parse(tok.Scope)
	if err != nil || !granted.Equal(scopes) {
		t.Fatalf("log in with scope %q: granted %q, want all of them", scopes, tok.Scope)
	}

	return tok.AccessToken
}

// document returns the body of GET /openapi.json.
func (s *docsServer) document(t *testing.T) []byte {
	t.Helper()

	resp := s.call(t, http.MethodGet, "/openapi.json", "")
	if resp.status != http.StatusOK {
		t.Fatalf("GET /openapi.json: status = %d, want 200; body %s", resp.status, resp.body)
	}

	return resp.body
}
