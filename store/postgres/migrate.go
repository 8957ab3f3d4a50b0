package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLockWait is how long Migrate waits, in one-second steps, for
// another process that migrates the same schema.
const migrationLockWait = 300

// Migrate applies the migrations that the schema has not applied yet. It
// does nothing on an up-to-date schema, so it is safe to call again.
// Processes that migrate one schema at the same time take turns through a
// session advisory lock, which PostgreSQL releases when the session ends,
// so a process that dies while migrating does not block the others.
// Migrations are not bounded by the query timeout, only by ctx.
func (s *Store) Migrate(ctx context.Context) (err error) {
	// A database/sql pool of its own, closed at the end, so the session that
	// holds the advisory lock ends with it even when the unlock fails.
	db := stdlib.OpenDB(*s.pool.Config().ConnConfig.Copy())

	defer func() {
		if closeErr := db.Close(); closeErr != nil {
			err = errors.Join(err, fmt.Errorf("postgres: migrate: %w", closeErr))
		}
	}()

	provider, err := newProvider(ctx, db)
	if err != nil {
		return wrap("migrate", err)
	}

	if _, err := provider.Up(ctx); err != nil {
		return wrap("migrate", err)
	}

	return nil
}

func newProvider(ctx context.Context, db *sql.DB) (*goose.Provider, error) {
	lockID, err := migrationLockID(ctx, db)
	if err != nil {
		return nil, err
	}

	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(lockID),
		lock.WithLockTimeout(1, migrationLockWait),
	)
	if err != nil {
		return nil, err
	}

	files, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}

	return goose.NewProvider(goose.DialectPostgres, db, files,
		goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(locker),
	)
}

// migrationLockID returns the advisory lock key of the current database
// and schema, so that processes migrating other schemas, such as parallel
// test runs, do not wait for each other.
func migrationLockID(ctx context.Context, db *sql.DB) (int64, error) {
	var (
		database string
		schema   sql.NullString
	)

	err := db.QueryRowContext(ctx, "SELECT current_database(), current_schema()").Scan(&database, &schema)
	if err != nil {
		return 0, err
	}

	if !schema.Valid {
		return 0, errors.New("no schema of the search_path exists; create the schema first " +
			"(CREATE SCHEMA name) or fix search_path in the database URL")
	}

	hash := fnv.New64a()
	fmt.Fprintf(hash, "scopegate migrations %q %q", database, schema.String)

	return int64(hash.Sum64()), nil
}
