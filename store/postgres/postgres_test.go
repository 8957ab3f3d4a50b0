package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/postgres/postgrestest"
	"github.com/scopegate/scopegate/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		t.Helper()

		return openStore(t, postgrestest.NewSchema(t), Options{})
	})
}

// openStore opens url and closes the store when the test ends.
func openStore(t *testing.T, url string, opts Options) *Store {
	t.Helper()

	s, err := Open(t.Context(), url, opts)
	if err != nil {
		t.Fatalf("Open() = %v, want nil", err)
	}

	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
	})

	return s
}

func TestOpenMigratesOnce(t *testing.T) {
	url := postgrestest.NewSchema(t)
	first := openStore(t, url, Options{})
	createTestUser(t, first, "alice")

	second := openStore(t, url, Options{})

	if err := second.Migrate(t.Context()); err != nil {
		t.Errorf("Migrate() on a migrated schema = %v, want nil", err)
	}
	if _, err := second.User(t.Context(), "alice"); err != nil {
		t.Errorf("User(alice) from a second store = %v, want nil", err)
	}
	assertAppliedOnce(t, second)
}

// TestReplicasStartTogether opens several stores on one empty schema at the
// same moment, as replicas starting together do. Each migrates and ensures
// a signing key; the migrations must run once and all must get one key.
func TestReplicasStartTogether(t *testing.T) {
	const replicas = 4

	url := postgrestest.NewSchema(t)
	keyIDs := make([]string, replicas)
	stores := make([]*Store, replicas)

	// The query timeout does not bound the migrations, and each waits up
	// to 5 minutes for another's lock, so this context ends a stuck start
	// sooner.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			s, err := Open(ctx, url, Options{})
			if err != nil {
				t.Errorf("replica %d: Open() = %v, want nil", i, err)
				return
			}

			stores[i] = s

			key, err := s.EnsureSigningKey(ctx, func() (store.SigningKey, error) {
				return store.SigningKey{
					ID: fmt.Sprintf("key-of-replica-%d", i), Algorithm: "HS256", Secret: []byte("0123456789abcdef"),
				}, nil
			})
			if err != nil {
				t.Errorf("replica %d: EnsureSigningKey() = %v, want nil", i, err)
			}

			keyIDs[i] = key.ID
		})
	}
	wg.Wait()

	for _, s := range stores {
		if s != nil {
			t.Cleanup(func() { _ = s.Close() })
		}
	}

	if t.Failed() {
		return
	}

	for i, id := range keyIDs {
		if id != keyIDs[0] {
			t.Errorf("replica %d got key %q, replica 0 got %q", i, id, keyIDs[0])
		}
	}

	keys, err := stores[0].SigningKeys(t.Context())
	if err != nil {
		t.Fatalf("SigningKeys() = %v, want nil", err)
	}
	if len(keys) != 1 {
		t.Errorf("SigningKeys() returned %d keys, want 1", len(keys))
	}
	assertAppliedOnce(t, stores[0])
}

// assertAppliedOnce checks that goose recorded each migration once: its
// version 0 and every file under migrations/.
func assertAppliedOnce(t *testing.T, s *Store) {
	t.Helper()

	rows, err := s.pool.Query(t.Context(), "SELECT version_id FROM goose_db_version ORDER BY id")
	if err != nil {
		t.Fatalf("query goose_db_version: %v", err)
	}

	versions, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatalf("read goose_db_version: %v", err)
	}

	files, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatalf("read embedded migrations: %v", err)
	}

	want := []int64{0}
	for i := range files {
		want = append(want, int64(i+1))
	}

	if fmt.Sprint(versions) != fmt.Sprint(want) {
		t.Errorf("goose_db_version versions = %v, want %v", versions, want)
	}
}

func TestOpenMissingSchema(t *testing.T) {
	url, err := postgrestest.WithSearchPath(postgrestest.NewSchema(t), "scopegate_no_such_schema")
	if err != nil {
		t.Fatal(err)
	}

	_, err = Open(t.Context(), url, Options{})

	if err == nil || !strings.Contains(err.Error(), "CREATE SCHEMA") {
		t.Errorf("Open(missing schema) = %v, want an error that says to create the schema", err)
	}
}

func TestOpenInvalidURL(t *testing.T) {
	_, err := Open(t.Context(), "postgres://scopegate:hunter2@127.0.0.1:notaport/db", Options{})

	if err == nil {
		t.Fatal("Open(invalid port) = nil, want an error")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open() error %q contains the password", err)
	}
}

func TestOpenNegativeTimeout(t *testing.T) {
	_, err := Open(t.Context(), postgrestest.ExampleURL, Options{QueryTimeout: -time.Second})

	if err == nil {
		t.Error("Open(negative timeout) = nil, want an error")
	}
}

// TestOpenRefused needs no database: it opens a port that nothing listens
// on.
func TestOpenRefused(t *testing.T) {
	url := "postgres://postgres:hunter2@" + closedPort(t) + "/test?sslmode=disable"

	start := time.Now()
	_, err := Open(t.Context(), url, Options{QueryTimeout: 500 * time.Millisecond})
	elapsed := time.Since(start)

	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open(refused) = %v, want an error wrapping store.ErrUnavailable", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("Open(refused) took %s, want well under 5s", elapsed)
	}
	if err != nil && strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open() error %q contains the password", err)
	}
}

// closedPort returns a local address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}

	return addr
}

func TestDescription(t *testing.T) {
	tests := []struct {
		name string
		url  string
		want string
	}{
		{name: "URL", url: "postgres://scopegate:hunter2@db.example:6543/auth?sslmode=disable",
			want: "postgres://scopegate@db.example:6543/auth"},
		{name: "password parameter", url: "postgres://scopegate@db.example/auth?password=hunter2",
			want: "postgres://scopegate@db.example:5432/auth"},
		{name: "search_path", url: "postgres://scopegate:hunter2@db.example/auth?search_path=sg",
			want: "postgres://scopegate@db.example:5432/auth?search_path=sg"},
		{name: "key=value", url: "host=db.example user=scopegate password=hunter2 dbname=auth",
			want: "postgres://scopegate@db.example:5432/auth"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config, err := pgx.ParseConfig(tt.url)
			if err != nil {
				t.Fatalf("ParseConfig() = %v", err)
			}

			got := describe(config)

			if got != tt.want {
				t.Errorf("describe() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestOutage runs store methods through a proxy that the test cuts or
// stalls: each must fail within the query timeout with an error wrapping
// store.ErrUnavailable, and succeed again once the proxy is restored.
func TestOutage(t *testing.T) {
	// The timeout also bounds each connection attempt, so the calls before
	// and after the outage need it to be long enough for a loaded machine.
	const timeout = time.Second

	tests := []struct {
		name    string
		disrupt func(p *postgrestest.Proxy)
	}{
		{name: "Cut", disrupt: (*postgrestest.Proxy).Cut},
		{name: "Stall", disrupt: (*postgrestest.Proxy).Stall},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, proxy := postgrestest.ThroughProxy(t, postgrestest.NewSchema(t))
			s := openStore(t, url, Options{QueryTimeout: timeout})
			createTestUser(t, s, "alice")

			tt.disrupt(proxy)

			calls := map[string]func(ctx context.Context) error{
				"User": func(ctx context.Context) error {
					_, err := s.User(ctx, "alice")
					return err
				},
				"CreateUser": func(ctx context.Context) error {
					return s.CreateUser(ctx, store.User{Username: "bob", PasswordHash: "hash"})
				},
				"GrantScopes": func(ctx context.Context) error {
					return s.GrantScopes(ctx, "alice", scope.New("items"))
				},
				"Ping": s.Ping,
			}

			for name, call := range calls {
				start := time.Now()
				err := call(t.Context())
				elapsed := time.Since(start)

				if !errors.Is(err, store.ErrUnavailable) {
					t.Errorf("%s during the outage = %v, want an error wrapping store.ErrUnavailable", name, err)
				}
				// Two seconds more than the timeout leave room for a
				// loaded machine.
				if elapsed > timeout+2*time.Second {
					t.Errorf("%s during the outage took %s, want at most the timeout %s and two seconds", name,
						elapsed, timeout)
				}
			}

			if err := proxy.Restore(); err != nil {
				t.Fatal(err)
			}

			waitFor(t, "Ping after the restore", func() error { return s.Ping(t.Context()) })
			if _, err := s.User(t.Context(), "alice"); err != nil {
				t.Errorf("User(alice) after the restore = %v, want nil", err)
			}
		})
	}
}

// waitFor calls check until it returns nil, for up to 10 seconds.
func waitFor(t *testing.T, what string, check func() error) {
	t.Helper()

	deadline := time.Now().Add(10 * time.Second)

	for {
		err := check()
		if err == nil {
			return
		}

		if time.Now().After(deadline) {
			t.Fatalf("%s still fails after 10s: %v", what, err)
		}

		time.Sleep(50 * time.Millisecond)
	}
}

func createTestUser(t *testing.T, s *Store, username string) {
	t.Helper()

	err := s.CreateUser(t.Context(), store.User{Username: username, PasswordHash: "hash", Scopes: scope.New("me")})
	if err != nil {
		t.Fatalf("CreateUser(%q) = %v, want nil", username, err)
	}
}

func TestIsUnavailable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "admin shutdown", err: &pgconn.PgError{Code: "57P01"}, want: true},
		{name: "too many connections", err: &pgconn.PgError{Code: "53300"}, want: true},
		{name: "connection failure", err: &pgconn.PgError{Code: "08006"}, want: true},
		{name: "unique violation", err: &pgconn.PgError{Code: uniqueViolation}, want: false},
		{name: "syntax error", err: &pgconn.PgError{Code: "42601"}, want: false},
		{name: "deadline", err: fmt.Errorf("query: %w", context.DeadlineExceeded), want: true},
		{name: "refused", err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}, want: true},
		{name: "no rows", err: pgx.ErrNoRows, want: false},
		{name: "other", err: errors.New("scan failed"), want: false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isUnavailable(tt.err); got != tt.want {
				t.Errorf("isUnavailable(%v) = %t, want %t", tt.err, got, tt.want)
			}
		})
	}
}
