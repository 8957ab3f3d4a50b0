package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		t.Helper()

		return openTemp(t)
	})
}

// openTemp opens a new store in a temporary directory. The caller closes
// it.
func openTemp(t *testing.T) *Store {
	t.Helper()

	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "scopegate.db"))
	if err != nil {
		t.Fatalf("Open() = %v, want nil", err)
	}

	return s
}

func closeStore(t *testing.T, s *Store) {
	t.Helper()

	if err := s.Close(); err != nil {
		t.Errorf("Close() = %v, want nil", err)
	}
}

func TestOpenExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scopegate.db")

	first, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("first Open() = %v, want nil", err)
	}
	if err := first.CreateUser(t.Context(), store.User{Username: "alice", PasswordHash: "hash"}); err != nil {
		t.Fatalf("CreateUser() = %v, want nil", err)
	}
	closeStore(t, first)

	second, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("second Open() = %v, want nil", err)
	}
	defer closeStore(t, second)

	if err := second.Migrate(t.Context()); err != nil {
		t.Errorf("Migrate() on a migrated file = %v, want nil", err)
	}
	if _, err := second.User(t.Context(), "alice"); err != nil {
		t.Errorf("User(alice) after reopening = %v, want nil", err)
	}
	assertAppliedOnce(t, second)
}

// assertAppliedOnce checks that goose recorded each migration once: its
// version 0 and every file under migrations/.
func assertAppliedOnce(t *testing.T, s *Store) {
	t.Helper()

	rows, err := s.read.QueryContext(t.Context(), "SELECT version_id FROM goose_db_version ORDER BY id")
	if err != nil {
		t.Fatalf("query goose_db_version: %v", err)
	}
	defer rows.Close()

	var versions []int64
	for rows.Next() {
		var version int64
		if err := rows.Scan(&version); err != nil {
			t.Fatalf("scan goose_db_version: %v", err)
		}

		versions = append(versions, version)
	}

	if err := rows.Err(); err != nil {
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

	if !slices.Equal(versions, want) {
		t.Errorf("goose_db_version versions = %v, want %v", versions, want)
	}
}

func TestOpenSetsPragmas(t *testing.T) {
	s := openTemp(t)
	defer closeStore(t, s)

	tests := []struct {
		name   string
		db     *sql.DB
		pragma string
		want   string
	}{
		{name: "write journal_mode", db: s.write, pragma: "journal_mode", want: "wal"},
		{name: "write synchronous", db: s.write, pragma: "synchronous", want: "1"},
		{name: "write foreign_keys", db: s.write, pragma: "foreign_keys", want: "1"},
		{name: "write busy_timeout", db: s.write, pragma: "busy_timeout", want: "5000"},
		{name: "read foreign_keys", db: s.read, pragma: "foreign_keys", want: "1"},
		{name: "read busy_timeout", db: s.read, pragma: "busy_timeout", want: "5000"},
		{name: "read query_only", db: s.read, pragma: "query_only", want: "1"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			if err := tt.db.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
			}

			if got != tt.want {
				t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
			}
		})
	}
}

func TestOpenFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix file modes")
	}

	path := filepath.Join(t.TempDir(), "scopegate.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open() = %v, want nil", err)
	}
	defer closeStore(t, s)

	// The -wal and -shm files exist while a connection has written.
	if err := s.AddScope(t.Context(), store.Scope{Name: "billing"}); err != nil {
		t.Fatalf("AddScope() = %v, want nil", err)
	}

	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(name)
		if err != nil {
			t.Fatalf("Stat(%s) = %v", name, err)
		}

		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("mode of %s = %v, want -rw-------", filepath.Base(name), perm)
		}
	}
}

func TestOpenPathNeedsEscaping(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a?b#c %41.db")

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%q) = %v, want nil", path, err)
	}
	closeStore(t, s)

	if _, err := os.Stat(path); err != nil {
		t.Errorf("Stat(%q) = %v, want the database file", path, err)
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := Open(t.Context(), ""); err == nil {
		t.Errorf("Open(\"\") = nil error, want an error")
	}
}

func TestLockedFileIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scopegate.db")
	s, err := open(t.Context(), path, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("open() = %v, want nil", err)
	}
	defer closeStore(t, s)

	if err := s.CreateUser(t.Context(), store.User{Username: "alice", PasswordHash: "hash"}); err != nil {
		t.Fatalf("CreateUser(alice) = %v, want nil", err)
	}

	release := holdWriteLock(t, path)
	defer release()

	err = s.CreateUser(t.Context(), store.User{Username: "bob", PasswordHash: "hash"})
	assertErrorIs(t, "CreateUser() while locked", err, store.ErrUnavailable)

	err = s.GrantScopes(t.Context(), "alice", scope.New("me"))
	assertErrorIs(t, "GrantScopes() while locked", err, store.ErrUnavailable)

	_, err = s.EnsureSigningKey(t.Context(), func() (store.SigningKey, error) {
		return store.SigningKey{ID: "key-1", Algorithm: "HS256", Secret: []byte("0123456789abcdef")}, nil
	})
	assertErrorIs(t, "EnsureSigningKey() while locked", err, store.ErrUnavailable)

	// In WAL mode a write lock does not block readers.
	if _, err := s.User(t.Context(), "alice"); err != nil {
		t.Errorf("User(alice) while locked = %v, want nil", err)
	}
}

// holdWriteLock takes the write lock of the database at path from another
// connection, as another process would, until the returned function runs.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()

	uri, err := fileURI(path)
	if err != nil {
		t.Fatalf("fileURI(%q) = %v", path, err)
	}

	db, err := sql.Open("sqlite", uri)
	if err != nil {
		t.Fatalf("sql.Open() = %v", err)
	}

	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatalf("Conn() = %v", err)
	}

	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("BEGIN IMMEDIATE: %v", err)
	}

	return func() {
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Errorf("ROLLBACK: %v", err)
		}

		_ = conn.Close()
		_ = db.Close()
	}
}

func TestAddSigningKey(t *testing.T) {
	s := openTemp(t)
	defer closeStore(t, s)

	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	keys := []store.SigningKey{
		{ID: "middle", Algorithm: "HS256", Secret: []byte("m"), CreatedAt: base},
		{ID: "newest", Algorithm: "HS256", Secret: []byte("n"), CreatedAt: base.Add(time.Hour)},
		{ID: "oldest", Algorithm: "HS256", Secret: []byte("o"), CreatedAt: base.Add(-time.Hour)},
		// Same time as "middle" but stored later, so it counts as newer.
		{ID: "middle-later", Algorithm: "HS256", Secret: []byte("l"), CreatedAt: base},
	}

	for _, key := range keys {
		if err := s.AddSigningKey(t.Context(), key); err != nil {
			t.Fatalf("AddSigningKey(%q) = %v, want nil", key.ID, err)
		}
	}

	t.Run("NewestFirst", func(t *testing.T) {
		got, err := s.SigningKeys(t.Context())
		if err != nil {
			t.Fatalf("SigningKeys() = %v, want nil", err)
		}

		var ids []string
		for _, key := range got {
			ids = append(ids, key.ID)
		}

		want := []string{"newest", "middle-later", "middle", "oldest"}
		if !slices.Equal(ids, want) {
			t.Errorf("SigningKeys() IDs = %q, want %q", ids, want)
		}
	})

	t.Run("EnsureReturnsNewest", func(t *testing.T) {
		got, err := s.EnsureSigningKey(t.Context(), func() (store.SigningKey, error) {
			t.Error("generate called, want the newest stored key")

			return store.SigningKey{}, errors.New("unexpected call")
		})
		if err != nil {
			t.Fatalf("EnsureSigningKey() = %v, want nil", err)
		}

		if got.ID != "newest" || !bytes.Equal(got.Secret, []byte("n")) {
			t.Errorf("EnsureSigningKey() ID = %q, want %q with its key material", got.ID, "newest")
		}
	})

	t.Run("Duplicate", func(t *testing.T) {
		err := s.AddSigningKey(t.Context(), store.SigningKey{ID: "newest", Algorithm: "HS256", Secret: []byte("x")})

		assertErrorIs(t, "AddSigningKey(duplicate)", err, store.ErrConflict)
	})
}

func assertErrorIs(t *testing.T, call string, err, want error) {
	t.Helper()

	if !errors.Is(err, want) {
		t.Errorf("%s = %v, want an error wrapping %v", call, err, want)
	}
}
