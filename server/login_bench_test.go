package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/password"
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
	hasher := &password.Hasher{Params: cheapParams}
	st := openBenchStore(b)

	hash, err := hasher.Hash("secret")
	if err != nil {
		b.Fatalf("hash: %v", err)
	}

	if err := st.SetPasswordHash(context.Background(), "johndoe", hash); err != nil {
		b.Fatalf("set password hash: %v", err)
	}

	handler := newBenchServer(b, st, hasher)
	body := url.Values{"username": {"johndoe"}, "password": {"secret"}, "scope": {"me items"}}.Encode()
	login := func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

		return req
	}

	b.ReportAllocs()
	for b.Loop() {
		checkStatus(b, handler, login(), http.StatusOK)
	}
}
