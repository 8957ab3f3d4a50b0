// Package postgres is the scopegate store kept in a PostgreSQL database,
// which several scopegate replicas may share. It talks to PostgreSQL through
// a pgx connection pool (github.com/jackc/pgx/v5/pgxpool).
//
// # Timeouts and outages
//
// Every method call is bounded by [Options.QueryTimeout]: waiting for a
// pooled connection, connecting and every round trip together. When the
// database cannot be reached, refuses connections or times out, the method
// returns an error wrapping [store.ErrUnavailable], so a server can respond
// 503 at once instead of waiting for TCP to give up. The pool replaces
// broken connections by itself, so service resumes when the database is
// back.
//
// # Schema and migrations
//
// The tables live in the first schema of the connection's search_path:
// public, unless the URL names another one, as in
// postgres://host/db?search_path=scopegate. [Open] applies the embedded
// goose migrations. Replicas that migrate one schema at the same time take
// turns through a session advisory lock whose key is derived from the
// database and schema names, so each migration runs once.
//
// # Change announcements
//
// Every transaction that changes a user also runs
// NOTIFY scopegate_users with the username as payload, which PostgreSQL
// delivers when the transaction commits. [Store.Listen] receives these
// announcements, so that each replica can drop what it cached about that
// user.
//
// Times are stored as timestamptz, with microsecond precision, and come
// back in UTC.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/scopegate/scopegate/store"
)

// DefaultQueryTimeout is the bound on each method call when
// [Options.QueryTimeout] is zero.
const DefaultQueryTimeout = 2 * time.Second

// Options configures [Open]. The zero value is the documented defaults.
type Options struct {
	// QueryTimeout bounds each method call, from waiting for a pooled
	// connection to reading the last row. It is also the connect timeout,
	// unless the URL sets connect_timeout. Zero means [DefaultQueryTimeout].
	QueryTimeout time.Duration

	// ErrorHook, when set, receives the errors that the store handles by
	// itself instead of returning them, such as a lost notification
	// connection that [Store.Listen] reconnects, so the caller can log them.
	// It must not block.
	ErrorHook func(err error)
}

// Store is a [store.Store] kept in a PostgreSQL database. It is safe for
// concurrent use, and other processes may share the database.
type Store struct {
	pool         *pgxpool.Pool
	queryTimeout time.Duration
	errorHook    func(err error)
}

var _ store.Store = (*Store)(nil)

// Open connects to the PostgreSQL database that url names, as a URL
// (postgres://user:password@host:port/database?sslmode=disable) or as
// key=value pairs, and applies any pending migrations. The URL may set
// the pool's size with pool_max_conns and the schema with search_path.
// When the database cannot be reached, the error wraps
// [store.ErrUnavailable].
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.QueryTimeout < 0 {
		return nil, fmt.Errorf("postgres: open: query timeout %s is negative", opts.QueryTimeout)
	}

	if opts.QueryTimeout == 0 {
		opts.QueryTimeout = DefaultQueryTimeout
	}

	config, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx leaves the password out of its parse errors.
		return nil, fmt.Errorf("postgres: open: %w", err)
	}

	if config.ConnConfig.ConnectTimeout == 0 {
		config.ConnConfig.ConnectTimeout = opts.QueryTimeout
	}

	pool, err := pgxpool.NewWithConfig(ctx, config)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}

	s := &Store{pool: pool, queryTimeout: opts.QueryTimeout, errorHook: opts.ErrorHook}

	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}

	return s, nil
}

// Description names the database for logs: user, host, port, database and
// search_path, never the password.
func (s *Store) Description() string {
	return describe(s.pool.Config().ConnConfig)
}

func describe(config *pgx.ConnConfig) string {
	description := fmt.Sprintf("postgres://%s@%s:%d/%s", config.User, config.Host, config.Port, config.Database)
	if path := config.RuntimeParams["search_path"]; path != "" {
		description += "?search_path=" + path
	}

	return description
}

// Ping reports whether the database can be reached within the query
// timeout. Its error wraps [store.ErrUnavailable].
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	var discard int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&discard); err != nil {
		return fmt.Errorf("postgres: ping: %w: %w", store.ErrUnavailable, err)
	}

	return nil
}

// Close closes the pool's connections, waiting for those in use to be
// released. A [Store.Listen] call keeps its own connection until its
// context ends.
func (s *Store) Close() error {
	s.pool.Close()

	return nil
}

// withTimeout bounds one method call by the query timeout.
func (s *Store) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.queryTimeout)
}

// inTx runs fn in a transaction bounded by the query timeout. It commits
// when fn returns nil and rolls back otherwise.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}

	if err := fn(ctx, tx); err != nil {
		// When the rollback fails, as it does once ctx has ended, pgx closes
		// the connection and PostgreSQL rolls the transaction back itself.
		return errors.Join(err, tx.Rollback(ctx))
	}

	return tx.Commit(ctx)
}

func (s *Store) reportError(err error) {
	if s.errorHook != nil {
		s.errorHook(err)
	}
}
