package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"time"

	// The drivers register themselves as "sqlite" and "pgx".
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// seedSQLite adds n users named user0000001 and up, each with the password
// hash hash and the scopes me and items, to the migrated SQLite file db, in
// one transaction of three INSERT ... SELECT statements.
func seedSQLite(ctx context.Context, db string, n int, hash string) error {
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		return err
	}
	defer conn.Close()

	now := time.Now().UnixNano()

	return inTx(ctx, conn, []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO users (username, full_name, email, password_hash, disabled, created_at, updated_at)
		SELECT printf('user%07d', i), 'User ' || i, printf('user%07d@example.com', i), ?, 0, ?, ? FROM n`,
		`INSERT INTO user_scopes (username, scope, position)
		SELECT username, 'me', 1 FROM users WHERE username LIKE 'user%'`,
		`INSERT INTO user_scopes (username, scope, position)
		SELECT username, 'items', 2 FROM users WHERE username LIKE 'user%'`,
	}, [][]any{{n, hash, now, now}, nil, nil})
}

// seedPostgres adds the users of seedSQLite to the migrated PostgreSQL
// schema that databaseURL's search_path selects.
func seedPostgres(ctx context.Context, databaseURL string, n int, hash string) error {
	conn, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return err
	}
	defer conn.Close()

	return inTx(ctx, conn, []string{
		`INSERT INTO users (username, full_name, email, password_hash, disabled, created_at, updated_at)
		SELECT format('user%s', lpad(i::text, 7, '0')), 'User ' || i,
			format('user%s@example.com', lpad(i::text, 7, '0')), $2, false, now(), now()
		FROM generate_series(1, $1::int) AS i`,
		`INSERT INTO user_scopes (username, scope, position)
		SELECT username, 'me', 1 FROM users WHERE username LIKE 'user%'`,
		`INSERT INTO user_scopes (username, scope, position)
		SELECT username, 'items', 2 FROM users WHERE username LIKE 'user%'`,
		`ANALYZE`,
	}, [][]any{{n, hash}, nil, nil, nil})
}

// inTx runs the statements with their arguments in one transaction.
func inTx(ctx context.Context, conn *sql.DB, statements []string, args [][]any) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer tx.Rollback()

	for i, statement := range statements {
		if _, err := tx.ExecContext(ctx, statement, args[i]...); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}

	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed: %w", err)
	}

	return nil
}

// benchSchema is a PostgreSQL schema that the harness creates for one
// database of the users scenario and drops at the end.
type benchSchema struct {
	admin *sql.DB
	name  string

	// url is the database URL with search_path set to the schema.
	url string
}

// createSchema creates a schema named after this process and suffix in
// the database of databaseURL.
func createSchema(ctx context.Context, databaseURL, suffix string) (*benchSchema, error) {
	admin, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return nil, err
	}

	name := fmt.Sprintf("scopegate_bench_%d_%s", os.Getpid(), suffix)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		admin.Close()
		return nil, fmt.Errorf("create schema %s: %w", name, err)
	}

	u, err := url.Parse(databaseURL)
	if err != nil {
		admin.Close()
		return nil, err
	}

	query := u.Query()
	query.Set("search_path", name)
	u.RawQuery = query.Encode()

	return &benchSchema{admin: admin, name: name, url: u.String()}, nil
}

func (s *benchSchema) drop() {
	_, _ = s.admin.Exec("DROP SCHEMA " + s.name + " CASCADE")
	s.admin.Close()
}

// migrate runs `scopegate migrate` on the SQLite file db, or on the
// PostgreSQL database databaseURL when it is not empty.
func (b *scopegateBuild) migrate(ctx context.Context, db, databaseURL string) error {
	args := []string{"--db", db, "migrate"}
	if databaseURL != "" {
		args = []string{"--database-url", databaseURL, "migrate"}
	}

	out, err := exec.CommandContext(ctx, b.scopegate, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("scopegate migrate: %w: %s", err, out)
	}

	return nil
}
