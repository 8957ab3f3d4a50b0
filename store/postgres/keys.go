package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scopegate/scopegate/store"
)

// selectKeys returns signing keys newest first: by creation time and, for
// keys created in the same microsecond, by insertion order.
const selectKeys = `SELECT kid, algorithm, secret, created_at FROM signing_keys
	ORDER BY created_at DESC, seq DESC`

// SigningKeys returns every signing key, newest first.
func (s *Store) SigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	rows, err := s.pool.Query(ctx, selectKeys)
	if err != nil {
		return nil, wrap("list signing keys", err)
	}
	defer rows.Close()

	var keys []store.SigningKey
	for rows.Next() {
		key, err := scanKey(rows)
		if err != nil {
			return nil, wrap("list signing keys", err)
		}

		keys = append(keys, key)
	}

	if err := rows.Err(); err != nil {
		return nil, wrap("list signing keys", err)
	}

	return keys, nil
}

// EnsureSigningKey returns the newest signing key. When there is none, it
// calls generate and stores the key that generate returns. It checks and
// inserts while it holds a lock on the signing_keys table that only one
// transaction at a time can hold, so replicas starting together on an
// empty database all get the one key that was stored. Readers of the table
// do not wait for that lock. generate runs while the lock is held: it must
// be quick and must not call the store.
func (s *Store) EnsureSigningKey(
	ctx context.Context, generate func() (store.SigningKey, error),
) (store.SigningKey, error) {
	key, err := s.newestKey(ctx)
	if err == nil {
		return key, nil
	}

	if !errors.Is(err, pgx.ErrNoRows) {
		return store.SigningKey{}, wrap("ensure signing key", err)
	}

	err = s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// SHARE ROW EXCLUSIVE conflicts with itself and with the ROW
		// EXCLUSIVE lock of an INSERT, but not with the ACCESS SHARE lock of
		// a SELECT.
		if _, err := tx.Exec(ctx, "LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return err
		}

		var err error

		key, err = scanKey(tx.QueryRow(ctx, selectKeys+" LIMIT 1"))
		if !errors.Is(err, pgx.ErrNoRows) {
			// Another caller stored a key first (err is nil), or the query
			// failed.
			return err
		}

		key, err = generate()
		if err != nil {
			return fmt.Errorf("generate: %w", err)
		}

		key, err = insertKey(ctx, tx, key)

		return err
	})
	if err != nil {
		return store.SigningKey{}, wrap("ensure signing key", err)
	}

	return key, nil
}

// newestKey returns the newest key, or an error wrapping [pgx.ErrNoRows].
func (s *Store) newestKey(ctx context.Context) (store.SigningKey, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	return scanKey(s.pool.QueryRow(ctx, selectKeys+" LIMIT 1"))
}

// AddSigningKey stores a new signing key, such as the next key of a
// rotation. A zero CreatedAt becomes the current time. A key ID already
// stored is an error wrapping [store.ErrConflict].
func (s *Store) AddSigningKey(ctx context.Context, key store.SigningKey) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	_, err := insertKey(ctx, s.pool, key)
	if hasCode(err, uniqueViolation) {
		return fmt.Errorf("postgres: add signing key %q: %w", key.ID, store.ErrConflict)
	}

	if err != nil {
		return wrap(fmt.Sprintf("add signing key %q", key.ID), err)
	}

	return nil
}

// execer is a connection pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// insertKey checks and stores key, and returns it as stored: CreatedAt in
// UTC and truncated to the microseconds that PostgreSQL keeps.
func insertKey(ctx context.Context, db execer, key store.SigningKey) (store.SigningKey, error) {
	switch {
	case key.ID == "":
		return store.SigningKey{}, errors.New("signing key has an empty key ID")
	case key.Algorithm == "":
		return store.SigningKey{}, fmt.Errorf("signing key %q has an empty algorithm", key.ID)
	case len(key.Secret) == 0:
		return store.SigningKey{}, fmt.Errorf("signing key %q has no key material", key.ID)
	}

	if key.CreatedAt.IsZero() {
		key.CreatedAt = time.Now()
	}

	key.CreatedAt = key.CreatedAt.UTC().Truncate(time.Microsecond)

	_, err := db.Exec(ctx,
		"INSERT INTO signing_keys (kid, algorithm, secret, created_at) VALUES ($1, $2, $3, $4)",
		key.ID, key.Algorithm, key.Secret, key.CreatedAt)
	if err != nil {
		return store.SigningKey{}, err
	}

	return key, nil
}

func scanKey(row pgx.Row) (store.SigningKey, error) {
	var key store.SigningKey

	if err := row.Scan(&key.ID, &key.Algorithm, &key.Secret, &key.CreatedAt); err != nil {
		return store.SigningKey{}, err
	}

	key.CreatedAt = key.CreatedAt.UTC()

	return key, nil
}
