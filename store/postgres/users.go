package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// selectUsers returns one row per user, with the user's scopes as an array
// in the order they were granted.
const selectUsers = `SELECT u.username, u.full_name, u.email, u.password_hash, u.disabled,
	u.created_at, u.updated_at,
	COALESCE(array_agg(s.scope ORDER BY s.position) FILTER (WHERE s.scope IS NOT NULL), '{}')
	FROM users u LEFT JOIN user_scopes s ON s.username = u.username`

// insertScopes numbers the scopes in $2 after the highest position the
// user $1 holds, skipping the scopes the user holds already.
const insertScopes = `INSERT INTO user_scopes (username, scope, position)
	SELECT $1, new.scope,
		(SELECT COALESCE(MAX(position), 0) FROM user_scopes WHERE username = $1) + new.ordinal
	FROM unnest($2::text[]) WITH ORDINALITY AS new (scope, ordinal)
	WHERE NOT EXISTS (SELECT 1 FROM user_scopes WHERE username = $1 AND scope = new.scope)`

// CreateUser stores a new user with its scopes in the order of
// user.Scopes. A zero CreatedAt becomes the current time, and a zero
// UpdatedAt becomes CreatedAt. A taken username is an error wrapping
// [store.ErrConflict].
func (s *Store) CreateUser(ctx context.Context, user store.User) error {
	if user.Username == "" {
		return errors.New("postgres: create user: empty username")
	}

	created := user.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}

	updated := user.UpdatedAt
	if updated.IsZero() {
		updated = created
	}

	err := s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users
			(username, full_name, email, password_hash, disabled, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			user.Username, user.FullName, user.Email, user.PasswordHash, user.Disabled, created, updated)
		if hasCode(err, uniqueViolation) {
			return store.ErrConflict
		}

		if err != nil {
			return err
		}

		if _, err := tx.Exec(ctx, insertScopes, user.Username, user.Scopes.Names()); err != nil {
			return err
		}

		// A replica may have cached that this user does not exist.
		return announce(ctx, tx, user.Username)
	})
	if err != nil {
		return wrap(fmt.Sprintf("create user %q", user.Username), err)
	}

	return nil
}

// User returns the user with its scopes in the order they were granted. A
// missing user is an error wrapping [store.ErrNotFound].
func (s *Store) User(ctx context.Context, username string) (store.User, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	rows, err := s.pool.Query(ctx, selectUsers+" WHERE u.username = $1 GROUP BY u.username", username)
	if err != nil {
		return store.User{}, wrap(fmt.Sprintf("get user %q", username), err)
	}

	users, err := scanUsers(rows)
	if err != nil {
		return store.User{}, wrap(fmt.Sprintf("get user %q", username), err)
	}

	if len(users) == 0 {
		return store.User{}, fmt.Errorf("postgres: get user %q: %w", username, store.ErrNotFound)
	}

	return users[0], nil
}

// ListUsers returns every user ordered by username, each with its scopes
// in the order they were granted. Usernames are compared byte by byte, as
// SQLite does, whatever the database's collation.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	rows, err := s.pool.Query(ctx, selectUsers+` GROUP BY u.username ORDER BY u.username COLLATE "C"`)
	if err != nil {
		return nil, wrap("list users", err)
	}

	users, err := scanUsers(rows)
	if err != nil {
		return nil, wrap("list users", err)
	}

	return users, nil
}

// scanUsers reads the rows of selectUsers and closes them.
func scanUsers(rows pgx.Rows) ([]store.User, error) {
	defer rows.Close()

	var users []store.User

	for rows.Next() {
		var (
			user   store.User
			scopes []string
		)

		err := rows.Scan(&user.Username, &user.FullName, &user.Email, &user.PasswordHash,
			&user.Disabled, &user.CreatedAt, &user.UpdatedAt, &scopes)
		if err != nil {
			return nil, err
		}

		set, err := scope.FromList(scopes)
		if err != nil {
			return nil, fmt.Errorf("stored scopes of %q: %w", user.Username, err)
		}

		user.Scopes = set
		user.CreatedAt = user.CreatedAt.UTC()
		user.UpdatedAt = user.UpdatedAt.UTC()
		users = append(users, user)
	}

	if err := rows.Err(); err != nil {
		return nil, err
	}

	return users, nil
}

// SetPasswordHash replaces the user's password hash and sets UpdatedAt. A
// missing user is an error wrapping [store.ErrNotFound].
func (s *Store) SetPasswordHash(ctx context.Context, username, hash string) error {
	err := s.updateUser(ctx, username, "password_hash", hash)
	if err != nil {
		return wrap(fmt.Sprintf("set password hash of %q", username), err)
	}

	return nil
}

// SetDisabled disables or enables the user and sets UpdatedAt. A missing
// user is an error wrapping [store.ErrNotFound].
func (s *Store) SetDisabled(ctx context.Context, username string, disabled bool) error {
	err := s.updateUser(ctx, username, "disabled", disabled)
	if err != nil {
		return wrap(fmt.Sprintf("set disabled of %q", username), err)
	}

	return nil
}

// updateUser sets one column of the user's row, named by the caller and
// never taken from input, and the row's updated_at, and announces the
// change.
func (s *Store) updateUser(ctx context.Context, username, column string, value any) error {
	query := "UPDATE users SET " + column + " = $1, updated_at = $2 WHERE username = $3"

	return s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, value, time.Now(), username)
		if err != nil {
			return err
		}

		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}

		return announce(ctx, tx, username)
	})
}

// GrantScopes adds the scopes that the user does not hold yet after the
// ones it holds, and sets UpdatedAt. A missing user is an error wrapping
// [store.ErrNotFound].
func (s *Store) GrantScopes(ctx context.Context, username string, scopes scope.Set) error {
	err := s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// The row lock that touchUser takes makes concurrent grants to one
		// user wait for each other, so they number their scopes in turn.
		if err := touchUser(ctx, tx, username); err != nil {
			return err
		}

		if _, err := tx.Exec(ctx, insertScopes, username, scopes.Names()); err != nil {
			return err
		}

		return announce(ctx, tx, username)
	})
	if err != nil {
		return wrap(fmt.Sprintf("grant scopes to %q", username), err)
	}

	return nil
}

// RevokeScopes removes the scopes from the user, ignoring the ones it does
// not hold, and sets UpdatedAt. A missing user is an error wrapping
// [store.ErrNotFound].
func (s *Store) RevokeScopes(ctx context.Context, username string, scopes scope.Set) error {
	err := s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := touchUser(ctx, tx, username); err != nil {
			return err
		}

		_, err := tx.Exec(ctx, "DELETE FROM user_scopes WHERE username = $1 AND scope = ANY($2::text[])",
			username, scopes.Names())
		if err != nil {
			return err
		}

		return announce(ctx, tx, username)
	})
	if err != nil {
		return wrap(fmt.Sprintf("revoke scopes from %q", username), err)
	}

	return nil
}

// touchUser sets the user's updated_at, which locks the user's row until
// the transaction ends, or returns [store.ErrNotFound].
func touchUser(ctx context.Context, tx pgx.Tx, username string) error {
	tag, err := tx.Exec(ctx, "UPDATE users SET updated_at = $1 WHERE username = $2", time.Now(), username)
	if err != nil {
		return err
	}

	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}

	return nil
}
