package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"time"

	"github.com/pressly/goose/v3/lock"
)

const (
	// migrationLockLease is how long a lock stays valid without renewal: the
	// longest that a process which died while migrating blocks the others.
	migrationLockLease = 30 * time.Second

	// migrationLockPoll is how often a waiting process retries the lock.
	migrationLockPoll = 100 * time.Millisecond
)

const createLockTable = `CREATE TABLE IF NOT EXISTS migration_lock (
	id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	owner      TEXT    NOT NULL,
	expires_at INTEGER NOT NULL
)`

// acquireLock takes the lock row when it is missing or its lease has ended.
// It changes no row while another owner's lease is valid.
const acquireLock = `INSERT INTO migration_lock (id, owner, expires_at) VALUES (1, ?, ?)
	ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
	WHERE migration_lock.expires_at < ?`

// migrationLock is a goose [lock.Locker] for SQLite, which has no advisory
// locks. The holder keeps the one row of the migration_lock table and
// renews its lease while goose migrates. The table lives outside the
// migrations because the lock must exist before they run.
type migrationLock struct {
	owner string
	lease time.Duration
	poll  time.Duration

	// stop is closed by Unlock, and done is closed when renewal has ended.
	stop chan struct{}
	done chan struct{}
}

var _ lock.Locker = (*migrationLock)(nil)

func newMigrationLock() *migrationLock {
	return &migrationLock{owner: rand.Text(), lease: migrationLockLease, poll: migrationLockPoll}
}

// Lock waits until it holds the lock or ctx is done.
func (l *migrationLock) Lock(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, createLockTable); err != nil {
		return fmt.Errorf("create migration lock table: %w", err)
	}

	for {
		acquired, err := l.tryLock(ctx, db)
		if err != nil {
			return err
		}

		if acquired {
			l.stop = make(chan struct{})
			l.done = make(chan struct{})
			go l.renew(db)

			return nil
		}

		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for migration lock: %w", context.Cause(ctx))
		case <-time.After(l.poll):
		}
	}
}

func (l *migrationLock) tryLock(ctx context.Context, db *sql.DB) (bool, error) {
	now := time.Now()

	result, err := db.ExecContext(ctx, acquireLock, l.owner, now.Add(l.lease).UnixNano(), now.UnixNano())
	if err != nil {
		return false, fmt.Errorf("acquire migration lock: %w", err)
	}

	rows, err := result.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("acquire migration lock: %w", err)
	}

	return rows == 1, nil
}

// renew extends the lease three times per lease period until Unlock. A
// failed renewal is retried at the next tick, and the lease outlasts two
// failures in a row.
func (l *migrationLock) renew(db *sql.DB) {
	defer close(l.done)

	ticker := time.NewTicker(l.lease / 3)
	defer ticker.Stop()

	for {
		select {
		case <-l.stop:
			return
		case <-ticker.C:
			expires := time.Now().Add(l.lease).UnixNano()
			_, _ = db.Exec("UPDATE migration_lock SET expires_at = ? WHERE id = 1 AND owner = ?",
				expires, l.owner)
		}
	}
}

// Unlock stops the renewal and releases the lock.
func (l *migrationLock) Unlock(ctx context.Context, db *sql.DB) error {
	if l.stop == nil {
		return nil
	}

	close(l.stop)
	<-l.done
	l.stop = nil

	_, err := db.ExecContext(ctx, "DELETE FROM migration_lock WHERE id = 1 AND owner = ?", l.owner)
	if err != nil {
		return fmt.Errorf("release migration lock: %w", err)
	}

	return nil
}
