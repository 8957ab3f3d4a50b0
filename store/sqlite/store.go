// Package sqlite is the scopegate store kept in one SQLite database file.
// It uses the pure-Go driver modernc.org/sqlite, so it needs no cgo.
//
// The database runs in WAL mode, so reads do not wait for a write. Writes
// go through a single connection per process and start with BEGIN
// IMMEDIATE, so concurrent writers in one process queue instead of failing.
// Several processes on one host may share a file: a write waits up to five
// seconds for another process's write lock, and then fails with an error
// wrapping [store.ErrUnavailable]. Network file systems are not supported,
// because WAL mode needs memory shared between the processes
// (https://sqlite.org/wal.html).
//
// [Open] applies the embedded goose migrations. Processes that open a file
// at the same time take turns through a lock row in the migration_lock
// table, so each migration runs once.
//
// Times are stored as nanoseconds since the Unix epoch and come back in UTC.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	// The driver registers itself as "sqlite".
	_ "modernc.org/sqlite"

	"github.com/scopegate/scopegate/store"
)

// defaultBusyTimeout is how long a statement waits for another connection's
// lock on the file before it fails with SQLITE_BUSY.
const defaultBusyTimeout = 5 * time.Second

// Store is a [store.Store] kept in one SQLite file. It is safe for
// concurrent use, and other processes may open the same file.
type Store struct {
	// write has one connection, so this process's writes queue in Go and
	// never compete for SQLite's write lock among themselves.
	write *sql.DB

	// read has several query-only connections for concurrent reads.
	read *sql.DB

	// writeDSN is the data source name of write, which Migrate reuses.
	writeDSN string

	// userByName is User's query, prepared once on read after the
	// migrations, because parsing it took about half of each lookup.
	userByName *sql.Stmt
}

var _ store.Store = (*Store)(nil)

// Open opens the SQLite database at path, creating the file with mode 0600
// if it does not exist, and applies any pending migrations. The file holds
// password hashes and signing keys, so only its owner should read it.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, defaultBusyTimeout)
}

func open(ctx context.Context, path string, busyTimeout time.Duration) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty database path")
	}

	if err := createFile(path); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	fileURI, err := fileURI(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	if err := enableWAL(ctx, fileURI, busyTimeout); err != nil {
		return nil, wrap("open "+path, err)
	}

	s, err := openPools(fileURI, busyTimeout)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	if err := s.Migrate(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}

	if err := s.prepare(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open %s: %w", path, err), s.Close())
	}

	return s, nil
}

// prepare prepares the queries of the hot paths on the read pool. The
// tables must exist, so it runs after the migrations.
func (s *Store) prepare(ctx context.Context) error {
	stmt, err := s.read.PrepareContext(ctx, selectUsers+" WHERE u.username = ? ORDER BY s.position")
	if err != nil {
		return fmt.Errorf("prepare the user lookup: %w", err)
	}

	s.userByName = stmt

	return nil
}

// createFile creates path with mode 0600 unless it exists. SQLite would
// otherwise create it with mode 0644, and it gives the -wal and -shm files
// the mode of the database file.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}

	if err != nil {
		return err
	}

	return f.Close()
}

// openPools opens the write and read pools of a file in WAL mode. The
// connections open when first used.
func openPools(fileURI string, busyTimeout time.Duration) (*Store, error) {
	busy := busyPragma(busyTimeout)

	writeDSN := dsn(fileURI, url.Values{
		"_pragma": {busy, "foreign_keys(1)", "synchronous(NORMAL)"},
		"_txlock": {"immediate"},
	})

	write, err := sql.Open("sqlite", writeDSN)
	if err != nil {
		return nil, err
	}

	write.SetMaxOpenConns(1)

	read, err := sql.Open("sqlite", dsn(fileURI, url.Values{
		"_pragma": {busy, "foreign_keys(1)", "query_only(1)"},
	}))
	if err != nil {
		return nil, errors.Join(err, write.Close())
	}

	// One connection more than the cores, because Listen holds one.
	readers := max(2, runtime.GOMAXPROCS(0)) + 1
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)

	return &Store{write: write, read: read, writeDSN: writeDSN}, nil
}

func busyPragma(busyTimeout time.Duration) string {
	return fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds())
}

// fileURI returns path as an SQLite URI filename, so characters such as '?'
// and '#' in the path are escaped rather than read as URI syntax.
func fileURI(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}

	slashed := filepath.ToSlash(abs)
	if !strings.HasPrefix(slashed, "/") {
		// A Windows path such as C:/data/scopegate.db.
		slashed = "/" + slashed
	}

	return (&url.URL{Scheme: "file", Path: slashed}).String(), nil
}

func dsn(fileURI string, params url.Values) string {
	return fileURI + "?" + params.Encode()
}

// Ping reports whether the database file can be read. Its error wraps
// [store.ErrUnavailable].
func (s *Store) Ping(ctx context.Context) error {
	var discard int
	err := s.read.QueryRowContext(ctx, "SELECT 1 FROM users LIMIT 1").Scan(&discard)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: ping: %w: %w", store.ErrUnavailable, err)
	}

	return nil
}

// Close waits for running queries to finish and closes the database
// connections. Later calls fail.
func (s *Store) Close() error {
	var stmtErr error
	if s.userByName != nil {
		stmtErr = s.userByName.Close()
	}

	if err := errors.Join(stmtErr, s.read.Close(), s.write.Close()); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}

	return nil
}

// inTx runs fn in a write transaction, which starts with BEGIN IMMEDIATE
// and so holds the file's write lock from its first statement. It commits
// when fn returns nil and rolls back otherwise.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}

	if err := fn(tx); err != nil {
		return errors.Join(err, rollback(tx))
	}

	return tx.Commit()
}

// rollback rolls tx back. A transaction that database/sql already rolled
// back, because its context ended, is not an error.
func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}

	return nil
}

func fromUnixNano(nanoseconds int64) time.Time {
	return time.Unix(0, nanoseconds).UTC()
}
