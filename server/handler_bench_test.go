package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/authserver"
	"github.com/scopegate/scopegate/server"
	"github.com/scopegate/scopegate/store/sqlite"
)

// BenchmarkHandler measures the whole server handler in-process, without
// the network: routing, the bearer guard (token verification, the user
// from the principal cache in front of a real SQLite file, the scope
// check) and the JSON response. After the first request both the token
// and the user come from the server's caches. Run it with -benchmem to see
// the allocations per request:
//
//	go test -run '^$' -bench Handler -benchmem ./server
func BenchmarkHandler(b *testing.B) {
	handler, accessToken := newBenchHandler(b)

	for _, path := range []string{"/users/me/", "/status/"} {
		b.Run(strings.Trim(path, "/"), func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", "Bearer "+accessToken)
			checkStatus(b, handler, req, http.StatusOK)

			b.ReportAllocs()
			for b.Loop() {
				handler.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

// newBenchHandler returns the handler of a server on a SQLite file with the
// demo data, and an access token of johndoe with the scopes me and items.
func newBenchHandler(b *testing.B) (http.Handler, string) {
	b.Helper()

	handler := newBenchServer(b, openBenchStore(b), nil)

	return handler, benchLogin(b, handler)
}

// openBenchStore opens a SQLite file with the demo data, closed when the
// benchmark ends.
func openBenchStore(b *testing.B) *sqlite.Store {
	b.Helper()

	ctx := context.Background()

	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "scopegate.db"))
	if err != nil {
		b.Fatalf("open store: %v", err)
	}
	b.Cleanup(func() { st.Close() })

	if _, err := server.SeedDemo(ctx, st); err != nil {
		b.Fatalf("seed demo data: %v", err)
	}

	return st
}

// newBenchServer returns the handler of a server on st. A nil passwords
// means the server's default hasher.
func newBenchServer(b *testing.B, st *sqlite.Store, passwords authserver.PasswordHasher) http.Handler {
	b.Helper()

	srv, err := server.New(context.Background(), server.Config{
		Store:     st,
		Issuer:    "http://127.0.0.1:8000",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Passwords: passwords,
	})
	if err != nil {
		b.Fatalf("server.New: %v", err)
	}

	return srv.Handler()
}

// benchLogin logs johndoe in through handler and returns the access token.
func benchLogin(b *testing.B, handler http.Handler) string {
	b.Helper()

	form := url.Values{"username": {"johndoe"}, "password": {"secret"}, "scope": {"me items"}}
	req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	rec := checkStatus(b, handler, req, http.StatusOK)

	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		b.Fatalf("decode token response %s: %v", rec.Body, err)
	}

	return body.AccessToken
}

// checkStatus serves req once and fails unless the status is want.
func checkStatus(b *testing.B, handler http.Handler, req *http.Request, want int) *httptest.ResponseRecorder {
	b.Helper()

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)

	if rec.Code != want {
		b.Fatalf("%s %s: status = %d, want %d; body %s", req.Method, req.URL.Path, rec.Code, want, rec.Body)
	}

	return rec
}
