package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// AddScope stores an operator-declared scope. A name that is not a valid
// scope token is an error wrapping [scope.ErrInvalid], and a name already
// stored is an error wrapping [store.ErrConflict].
func (s *Store) AddScope(ctx context.Context, sc store.Scope) error {
	if err := scope.Validate(sc.Name); err != nil {
		return fmt.Errorf("postgres: add scope: %w", err)
	}

	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	_, err := s.pool.Exec(ctx, "INSERT INTO scopes (name, description, created_at) VALUES ($1, $2, $3)",
		sc.Name, sc.Description, time.Now())
	if hasCode(err, uniqueViolation) {
		return fmt.Errorf("postgres: add scope %q: %w", sc.Name, store.ErrConflict)
	}

	if err != nil {
		return wrap(fmt.Sprintf("add scope %q", sc.Name), err)
	}

	return nil
}

// Scopes returns the operator-declared scopes ordered by name, compared
// byte by byte.
func (s *Store) Scopes(ctx context.Context) ([]store.Scope, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	rows, err := s.pool.Query(ctx, `SELECT name, description FROM scopes ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, wrap("list scopes", err)
	}
	defer rows.Close()

	var scopes []store.Scope
	for rows.Next() {
		var sc store.Scope
		if err := rows.Scan(&sc.Name, &sc.Description); err != nil {
			return nil, wrap("list scopes", err)
		}

		scopes = append(scopes, sc)
	}

	if err := rows.Err(); err != nil {
		return nil, wrap("list scopes", err)
	}

	return scopes, nil
}
