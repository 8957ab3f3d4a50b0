package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/scopegate/scopegate/store"
)

// CreateItem stores an item. An item ID that the owner already uses is an
// error wrapping [store.ErrConflict], and an owner that is not a user is an
// error wrapping [store.ErrNotFound].
func (s *Store) CreateItem(ctx context.Context, item store.Item) error {
	if item.ID == "" {
		return fmt.Errorf("postgres: create item for %q: empty item ID", item.Owner)
	}

	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	_, err := s.pool.Exec(ctx, "INSERT INTO items (owner, item_id) VALUES ($1, $2)", item.Owner, item.ID)

	switch {
	case err == nil:
		return nil
	case hasCode(err, uniqueViolation):
		return fmt.Errorf("postgres: create item %q for %q: %w", item.ID, item.Owner, store.ErrConflict)
	case hasCode(err, foreignKeyViolation):
		return fmt.Errorf("postgres: create item %q: owner %q: %w", item.ID, item.Owner, store.ErrNotFound)
	default:
		return wrap(fmt.Sprintf("create item %q for %q", item.ID, item.Owner), err)
	}
}

// Items returns the owner's items ordered by ID, compared byte by byte. An
// owner that is not a user is an error wrapping [store.ErrNotFound].
func (s *Store) Items(ctx context.Context, owner string) ([]store.Item, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	// The LEFT JOIN returns one row with a NULL item_id for a user without
	// items, and no row for a missing user.
	rows, err := s.pool.Query(ctx, `SELECT i.item_id
		FROM users u LEFT JOIN items i ON i.owner = u.username
		WHERE u.username = $1 ORDER BY i.item_id COLLATE "C"`, owner)
	if err != nil {
		return nil, wrap(fmt.Sprintf("list items of %q", owner), err)
	}

	items, found, err := scanItems(rows, owner)
	if err != nil {
		return nil, wrap(fmt.Sprintf("list items of %q", owner), err)
	}

	if !found {
		return nil, fmt.Errorf("postgres: list items of %q: %w", owner, store.ErrNotFound)
	}

	return items, nil
}

// scanItems reads item IDs, closes rows and reports whether there was a
// row at all.
func scanItems(rows pgx.Rows, owner string) (items []store.Item, found bool, err error) {
	defer rows.Close()

	for rows.Next() {
		found = true

		var id *string
		if err := rows.Scan(&id); err != nil {
			return nil, false, err
		}

		if id != nil {
			items = append(items, store.Item{ID: *id, Owner: owner})
		}
	}

	return items, found, rows.Err()
}
