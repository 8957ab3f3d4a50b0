package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// walRetry is how long enableWAL waits before it tries again.
const walRetry = 10 * time.Millisecond

// enableWAL switches the file to WAL mode, which the file then keeps. While
// it changes the journal mode, SQLite returns SQLITE_BUSY at once instead of
// waiting for other connections' locks, so enableWAL retries for up to
// busyTimeout itself.
func enableWAL(ctx context.Context, fileURI string, busyTimeout time.Duration) (err error) {
	db, err := sql.Open("sqlite", dsn(fileURI, url.Values{"_pragma": {busyPragma(busyTimeout)}}))
	if err != nil {
		return err
	}

	defer func() { err = errors.Join(err, db.Close()) }()

	deadline := time.Now().Add(busyTimeout)

	for {
		var mode string

		err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil && mode != "wal" {
			return fmt.Errorf("journal mode is %q after setting WAL", mode)
		}

		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}

		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(walRetry):
		}
	}
}

func isBusy(err error) bool {
	var sqliteErr *sqlite.Error

	return errors.As(err, &sqliteErr) && sqliteErr.Code()&0xff == sqlite3.SQLITE_BUSY
}
