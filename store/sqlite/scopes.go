package sqlite

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
		return fmt.Errorf("sqlite: add scope: %w", err)
	}

	_, err := s.write.ExecContext(ctx, "INSERT INTO scopes (name, description, created_at) VALUES (?, ?, ?)",
		sc.Name, sc.Description, time.Now().UnixNano())
	if isConflict(err) {
		return fmt.Errorf("sqlite: add scope %q: %w", sc.Name, store.ErrConflict)
	}

	if err != nil {
		return wrap(fmt.Sprintf("add scope %q", sc.Name), err)
	}

	return nil
}

// Scopes returns the operator-declared scopes ordered by name.
func (s *Store) Scopes(ctx context.Context) ([]store.Scope, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT name, description FROM scopes ORDER BY name")
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
