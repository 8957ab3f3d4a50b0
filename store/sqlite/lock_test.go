package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"
)

// lockDB opens a migrated store and returns a second pool on its file for
// the lock to use.
func lockDB(t *testing.T) *sql.DB {
	t.Helper()

	s := openTemp(t)
	t.Cleanup(func() { closeStore(t, s) })

	db, err := sql.Open("sqlite", s.writeDSN)
	if err != nil {
		t.Fatalf("sql.Open() = %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })

	return db
}

// tryLockFor returns the error of a Lock call that gives up after wait.
func tryLockFor(t *testing.T, db *sql.DB, wait time.Duration) error {
	t.Helper()

	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()

	l := newMigrationLock()
	l.poll = 10 * time.Millisecond

	err := l.Lock(ctx, db)
	if err == nil {
		if err := l.Unlock(t.Context(), db); err != nil {
			t.Errorf("Unlock() = %v, want nil", err)
		}
	}

	return err
}

func lockOrFail(t *testing.T, db *sql.DB, l *migrationLock) {
	t.Helper()

	if err := l.Lock(t.Context(), db); err != nil {
		t.Fatalf("Lock() = %v, want nil", err)
	}
}

func TestMigrationLockExcludes(t *testing.T) {
	db := lockDB(t)
	holder := newMigrationLock()
	lockOrFail(t, db, holder)

	err := tryLockFor(t, db, 200*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Lock() while held = %v, want context.DeadlineExceeded", err)
	}

	if err := holder.Unlock(t.Context(), db); err != nil {
		t.Fatalf("Unlock() = %v, want nil", err)
	}

	if err := tryLockFor(t, db, 5*time.Second); err != nil {
		t.Errorf("second Lock() after Unlock = %v, want nil", err)
	}
}

func TestMigrationLockRenews(t *testing.T) {
	db := lockDB(t)
	holder := newMigrationLock()
	// The holder renews every third of a lease, so the lock stays held
	// unless a renewal is late by more than two thirds of a lease. That is
	// 2 s here, as long as a loaded machine may stall a goroutine.
	holder.lease = 3 * time.Second
	lockOrFail(t, db, holder)
	defer func() {
		if err := holder.Unlock(t.Context(), db); err != nil {
			t.Errorf("Unlock() = %v, want nil", err)
		}
	}()

	// Wait past the first lease: only renewal keeps the lock held.
	time.Sleep(holder.lease + holder.lease/3)

	err := tryLockFor(t, db, 200*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lock() while renewed = %v, want context.DeadlineExceeded", err)
	}
}

func TestMigrationLockTakesExpired(t *testing.T) {
	db := lockDB(t)

	if _, err := db.ExecContext(t.Context(), createLockTable); err != nil {
		t.Fatalf("create lock table: %v", err)
	}

	// A lock row left by a process that died: its lease ended a minute ago.
	_, err := db.ExecContext(t.Context(),
		"INSERT INTO migration_lock (id, owner, expires_at) VALUES (1, 'dead', ?)",
		time.Now().Add(-time.Minute).UnixNano())
	if err != nil {
		t.Fatalf("insert expired lock row: %v", err)
	}

	if err := tryLockFor(t, db, 5*time.Second); err != nil {
		t.Errorf("Lock() over an expired lease = %v, want nil", err)
	}
}
