package sqlite

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/scopegate/scopegate/store"
)

// wrap prefixes err with "sqlite: " and op. When SQLite gave up waiting for
// a lock or could not read or write the file, the result also wraps
// [store.ErrUnavailable], so callers can tell an outage from a bug.
func wrap(op string, err error) error {
	if isUnavailable(err) {
		return fmt.Errorf("sqlite: %s: %w: %w", op, store.ErrUnavailable, err)
	}

	return fmt.Errorf("sqlite: %s: %w", op, err)
}

func isUnavailable(err error) bool {
	var sqliteErr *sqlite.Error
	if !errors.As(err, &sqliteErr) {
		return false
	}

	// The low byte of an extended result code is its primary result code.
	switch sqliteErr.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL:
		return true
	}

	return false
}

// isConflict reports whether err is a violated primary key or unique
// constraint.
func isConflict(err error) bool {
	return hasCode(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) ||
		hasCode(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE)
}

// isForeignKeyViolation reports whether err is a violated foreign key
// constraint: a row names a user that does not exist.
func isForeignKeyViolation(err error) bool {
	return hasCode(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY)
}

func hasCode(err error, code int) bool {
	var sqliteErr *sqlite.Error

	return errors.As(err, &sqliteErr) && sqliteErr.Code() == code
}
