package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// selectUsers returns one row per user and scope, or one row with a NULL
// scope for a user without scopes, in the order that scanUsers expects.
const selectUsers = `SELECT u.username, u.full_name, u.email, u.password_hash, u.disabled,
	u.created_at, u.updated_at, s.scope
	FROM users u LEFT JOIN user_scopes s ON s.username = u.username`

// CreateUser stores a new user with its scopes in the order of
// user.Scopes. A zero CreatedAt becomes the current time, and a zero
// UpdatedAt becomes CreatedAt. A taken username is an error wrapping
// [store.ErrConflict].
func (s *Store) CreateUser(ctx context.Context, user store.User) error {
	if user.Username == "" {
		return errors.New("sqlite: create user: empty username")
	}

	created := user.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}

	updated := user.UpdatedAt
	if updated.IsZero() {
		updated = created
	}

	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users
			(username, full_name, email, password_hash, disabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			user.Username, user.FullName, user.Email, user.PasswordHash, user.Disabled,
			created.UnixNano(), updated.UnixNano())
		if isConflict(err) {
			return store.ErrConflict
		}

		if err != nil {
			return err
		}

		for i, name := range user.Scopes.Names() {
			_, err := tx.ExecContext(ctx,
				"INSERT INTO user_scopes (username, scope, position) VALUES (?, ?, ?)",
				user.Username, name, i+1)
			if err != nil {
				return err
			}
		}

		return nil
	})
	if err != nil {
		return wrap(fmt.Sprintf("create user %q", user.Username), err)
	}

	return nil
}

// User returns the user with its scopes in the order they were granted. A
// missing user is an error wrapping [store.ErrNotFound].
func (s *Store) User(ctx context.Context, username string) (store.User, error) {
	rows, err := s.userByName.QueryContext(ctx, username)
	if err != nil {
		return store.User{}, wrap(fmt.Sprintf("get user %q", username), err)
	}

	users, err := scanUsers(rows)
	if err != nil {
		return store.User{}, wrap(fmt.Sprintf("get user %q", username), err)
	}

	if len(users) == 0 {
		return store.User{}, fmt.Errorf("sqlite: get user %q: %w", username, store.ErrNotFound)
	}

	return users[0], nil
}

// ListUsers returns every user ordered by username, each with its scopes
// in the order they were granted.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.read.QueryContext(ctx, selectUsers+" ORDER BY u.username, s.position")
	if err != nil {
		return nil, wrap("list users", err)
	}

	users, err := scanUsers(rows)
	if err != nil {
		return nil, wrap("list users", err)
	}

	return users, nil
}

// scanUsers reads the rows of selectUsers, grouped by username, and closes
// them.
func scanUsers(rows *sql.Rows) ([]store.User, error) {
	defer rows.Close()

	var (
		users  []store.User
		scopes [][]string
	)

	for rows.Next() {
		var (
			user             store.User
			created, updated int64
			scopeName        sql.NullString
		)

		err := rows.Scan(&user.Username, &user.FullName, &user.Email, &user.PasswordHash,
			&user.Disabled, &created, &updated, &scopeName)
		if err != nil {
			return nil, err
		}

		if len(users) == 0 || users[len(users)-1].Username != user.Username {
			user.CreatedAt = fromUnixNano(created)
			user.UpdatedAt = fromUnixNano(updated)
			users = append(users, user)
			scopes = append(scopes, nil)
		}

		if scopeName.Valid {
			scopes[len(scopes)-1] = append(scopes[len(scopes)-1], scopeName.String)
		}
	}

	if err := rows.Err(); err != nil {
		return nil, err
	}

	for i := range users {
		set, err := scope.FromList(scopes[i])
		if err != nil {
			return nil, fmt.Errorf("stored scopes of %q: %w", users[i].Username, err)
		}

		users[i].Scopes = set
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
// never taken from input, and the row's updated_at.
func (s *Store) updateUser(ctx context.Context, username, column string, value any) error {
	query := "UPDATE users SET " + column + " = ?, updated_at = ? WHERE username = ?"

	result, err := s.write.ExecContext(ctx, query, value, time.Now().UnixNano(), username)
	if err != nil {
		return err
	}

	return requireOneRow(result)
}

// GrantScopes adds the scopes that the user does not hold yet after the
// ones it holds, and sets UpdatedAt. A missing user is an error wrapping
// [store.ErrNotFound].
func (s *Store) GrantScopes(ctx context.Context, username string, scopes scope.Set) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := touchUser(ctx, tx, username); err != nil {
			return err
		}

		for _, name := range scopes.Names() {
			_, err := tx.ExecContext(ctx, `INSERT INTO user_scopes (username, scope, position)
				VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM user_scopes WHERE username = ?))
				ON CONFLICT (username, scope) DO NOTHING`,
				username, name, username)
			if err != nil {
				return err
			}
		}

		return nil
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
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := touchUser(ctx, tx, username); err != nil {
			return err
		}

		for _, name := range scopes.Names() {
			_, err := tx.ExecContext(ctx, "DELETE FROM user_scopes WHERE username = ? AND scope = ?",
				username, name)
			if err != nil {
				return err
			}
		}

		return nil
	})
	if err != nil {
		return wrap(fmt.Sprintf("revoke scopes from %q", username), err)
	}

	return nil
}

// touchUser sets the user's updated_at, or returns [store.ErrNotFound].
func touchUser(ctx context.Context, tx *sql.Tx, username string) error {
	result, err := tx.ExecContext(ctx, "UPDATE users SET updated_at = ? WHERE username = ?",
		time.Now().UnixNano(), username)
	if err != nil {
		return err
	}

	return requireOneRow(result)
}

// requireOneRow returns [store.ErrNotFound] unless the statement changed a
// row.
func requireOneRow(result sql.Result) error {
	rows, err := result.RowsAffected()
	if err != nil {
		return err
	}

	if rows == 0 {
		return store.ErrNotFound
	}

	return nil
}
