package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the migrations that the database has not applied yet. It
// does nothing on an up-to-date database, so it is safe to call again.
// Processes that migrate one file at the same time take turns, through the
// lock that migrationLock keeps in the database.
func (s *Store) Migrate(ctx context.Context) (err error) {
	db, err := sql.Open("sqlite", s.writeDSN)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}

	defer func() {
		if closeErr := db.Close(); closeErr != nil {
			err = errors.Join(err, fmt.Errorf("sqlite: migrate: %w", closeErr))
		}
	}()

	// goose keeps one connection for the whole run, and the lock needs a
	// second one.
	db.SetMaxOpenConns(2)

	provider, err := newProvider(db)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}

	if _, err := provider.Up(ctx); err != nil {
		return wrap("migrate", err)
	}

	return nil
}

func newProvider(db *sql.DB) (*goose.Provider, error) {
	files, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}

	return goose.NewProvider(goose.DialectSQLite3, db, files,
		goose.WithDisableGlobalRegistry(true),
		goose.WithLocker(newMigrationLock()),
	)
}
