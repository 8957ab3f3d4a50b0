package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scopegate/scopegate/store"
)

// selectKeys returns signing keys newest first: by creation time and, for
// keys created in the same nanosecond, by insertion order.
const selectKeys = `SELECT kid, algorithm, secret, created_at FROM signing_keys
	ORDER BY created_at DESC, rowid DESC`

// SigningKeys returns every signing key, newest first.
func (s *Store) SigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := s.read.QueryContext(ctx, selectKeys)
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
// calls generate and stores the key that generate returns. It does both in
// one write transaction, which holds the file's write lock, so concurrent
// callers in this and other processes all get the one key that was stored.
// generate runs while the lock is held: it must be quick and must not call
// the store.
func (s *Store) EnsureSigningKey(
	ctx context.Context, generate func() (store.SigningKey, error),
) (store.SigningKey, error) {
	var key store.SigningKey

	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error

		key, err = scanKey(tx.QueryRowContext(ctx, selectKeys+" LIMIT 1"))
		if !errors.Is(err, sql.ErrNoRows) {
			// A key was found (err is nil), or the query failed.
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

// AddSigningKey stores a new signing key, such as the next key of a
// rotation. A zero CreatedAt becomes the current time. A key ID already
// stored is an error wrapping [store.ErrConflict].
func (s *Store) AddSigningKey(ctx context.Context, key store.SigningKey) error {
	_, err := insertKey(ctx, s.write, key)
	if isConflict(err) {
		return fmt.Errorf("sqlite: add signing key %q: %w", key.ID, store.ErrConflict)
	}

	if err != nil {
		return wrap(fmt.Sprintf("add signing key %q", key.ID), err)
	}

	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// insertKey checks and stores key, and returns it as stored.
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

	key.CreatedAt = fromUnixNano(key.CreatedAt.UnixNano())

	_, err := db.ExecContext(ctx,
		"INSERT INTO signing_keys (kid, algorithm, secret, created_at) VALUES (?, ?, ?, ?)",
		key.ID, key.Algorithm, key.Secret, key.CreatedAt.UnixNano())
	if err != nil {
		return store.SigningKey{}, err
	}

	return key, nil
}

type scanner interface {
	Scan(dest ...any) error
}

func scanKey(row scanner) (store.SigningKey, error) {
	var (
		key     store.SigningKey
		created int64
	)

	if err := row.Scan(&key.ID, &key.Algorithm, &key.Secret, &created); err != nil {
		return store.SigningKey{}, err
	}

	key.CreatedAt = fromUnixNano(created)

	return key, nil
}
