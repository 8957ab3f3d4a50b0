package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/password"
	"github.com/scopegate/scopegate/server"
	"github.com/scopegate/scopegate/store/sqlite"
)

// cheapParams are the smallest argon2id parameters the password package
// accepts. With them a verification costs a few microseconds, so that
// BenchmarkLogin shows the server's own work around it.
var cheapParams = password.Params{
	Memory:      8,
	Iterations:  1,
	Parallelism: 1,
	SaltLength:  16,
	KeyLength:   32,
}

// BenchmarkLogin measures the password grant at POST /token in-process,
// without the network. A login reads the form and the scope catalog, looks
// the user up in a real SQLite file, checks the password with cheapParams
// in the server's pool, signs the access token and writes the JSON
// response. The real argon2id verification costs hundreds of times more,
// so this benchmark shows what each login costs the server besides it:
//
//	go test -run '^$' -bench Login -benchmem ./server
func BenchmarkLogin(b *testing.B) {
	ctx := context.Background()
	hasher := &password.Hasher{Params: cheapParams}

	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "scopegate.db"))
	if err != nil {
		b.Fatalf("open store: %v", err)
	}
	b.Cleanup(func() { st.Close() })

	if _, err := server.SeedDemo(ctx, st); err != nil {
		b.Fatalf("seed demo data: %v", err)
	}

	hash, err := hasher.Hash("secret")
	if err != nil {
		b.Fatalf("hash: %v", err)
	}

	if err := st.SetPasswordHash(ctx, "johndoe", hash); err != nil {
		b.Fatalf("set password hash: %v", err)
	}

	srv, err := server.New(ctx, server.Config{
		Store:     st,
		Issuer:    "http://127.0.0.1:8000",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Passwords: hasher,
	})
	if err != nil {
		b.Fatalf("server.New: %v", err)
	}

	handler := srv.Handler()
	body := url.Values{"username": {"johndoe"}, "password": {"secret"}, "scope": {"me items"}}.Encode()
	login := func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}

	checkStatus(b, handler, login(), http.StatusOK)

	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, login())

		if rec.Code != http.StatusOK {
			b.Fatalf("POST /token: status = %d, want 200; body %s", rec.Code, rec.Body)
		}
	}
}
