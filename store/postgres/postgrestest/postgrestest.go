// Package postgrestest gives each test a PostgreSQL schema of its own, in
// the database that the SCOPEGATE_TEST_DATABASE_URL environment variable
// names, so tests and parallel test runs never see each other's rows.
//
// Without the variable, tests that need PostgreSQL skip with a message
// saying how to run them. With the variable set, a database that cannot be
// reached fails the test, so a broken setup never passes as skipped.
package postgrestest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// EnvURL names the environment variable that holds the URL of the test
	// database.
	EnvURL = "SCOPEGATE_TEST_DATABASE_URL"

	// ExampleURL is the database URL of a local PostgreSQL server with trust
	// authentication and a database named test.
	ExampleURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// setupTimeout bounds connecting and creating or dropping a schema.
const setupTimeout = 10 * time.Second

// NewSchema creates an empty schema with a random name in the test
// database and returns the database URL with search_path set to it. The
// schema and everything in it is dropped when the test ends, after the
// cleanups registered later, such as closing a store, have run.
//
// NewSchema skips the test when SCOPEGATE_TEST_DATABASE_URL is unset and
// fails it when the database cannot be reached.
func NewSchema(t testing.TB) string {
	t.Helper()

	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skipf("PostgreSQL tests need a database: set %s, for example %s=%q", EnvURL, EnvURL, ExampleURL)
	}

	schema := "scopegate_test_" + strings.ToLower(rand.Text())
	create := "CREATE SCHEMA " + pgx.Identifier{schema}.Sanitize()

	if err := execute(base, create); err != nil {
		t.Fatalf("create schema %s in the database of %s: %v", schema, EnvURL, err)
	}

	t.Cleanup(func() {
		drop := "DROP SCHEMA " + pgx.Identifier{schema}.Sanitize() + " CASCADE"
		if err := execute(base, drop); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})

	withSchema, err := WithSearchPath(base, schema)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}

	return withSchema
}

// WithSearchPath returns the database URL or key=value connection string
// connString with search_path set to schema.
func WithSearchPath(connString, schema string) (string, error) {
	if !strings.HasPrefix(connString, "postgres://") && !strings.HasPrefix(connString, "postgresql://") {
		return connString + " search_path=" + schema, nil
	}

	u, err := url.Parse(connString)
	if err != nil {
		// url.Error repeats the URL, which may hold a password.
		return "", fmt.Errorf("invalid database URL: %w", unwrapURLError(err))
	}

	query := u.Query()
	query.Set("search_path", schema)
	u.RawQuery = query.Encode()

	return u.String(), nil
}

func unwrapURLError(err error) error {
	if urlErr, ok := err.(*url.Error); ok {
		return urlErr.Err
	}

	return err
}

// execute runs one statement on a connection of its own. A statement that
// waits for a lock fails after setupTimeout instead of hanging the test.
func execute(connString, statement string) error {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)

	if _, err := conn.Exec(ctx, "SET lock_timeout = '10s'"); err != nil {
		return err
	}

	_, err = conn.Exec(ctx, statement)

	return err
}
