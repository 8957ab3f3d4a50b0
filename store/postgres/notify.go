package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Channel is the notification channel on which the store announces each
// changed user, with the username as payload. An empty payload means that
// any user may have changed.
const Channel = "scopegate_users"

// maxPayload is the longest payload PostgreSQL accepts in its default
// build, which rejects payloads of 8000 bytes or more.
const maxPayload = 7999

const (
	// listenRetryMin and listenRetryMax bound the wait before Listen
	// reconnects; the wait doubles after each failed attempt.
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 2 * time.Second

	// listenHealthCheck is how long Listen waits for a notification before
	// it pings its connection, so that a connection that died without
	// closing is noticed.
	listenHealthCheck = 10 * time.Second
)

// announce queues the notification of a change to username, which
// PostgreSQL sends when tx commits and drops when it rolls back.
func announce(ctx context.Context, tx pgx.Tx, username string) error {
	payload := username
	if len(payload) > maxPayload {
		// Too long to send, so announce that anyone may have changed.
		payload = ""
	}

	_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", Channel, payload)

	return err
}

// Listen calls changed with the username of each user that a committed
// transaction changed, in this process or in any other sharing the
// database, until ctx ends. It listens on a connection of its own, outside
// the pool.
//
// Each time Listen has connected, the first time included, it calls
// changed with the empty username, which means that any user may have
// changed while it was not listening. When the connection fails, Listen
// reports the error to [Options.ErrorHook] and reconnects, waiting 100 ms
// at first and up to 2 s between attempts. An idle connection is pinged
// every 10 s, so one that died silently is noticed.
//
// changed runs on Listen's goroutine, one call at a time, and should
// return quickly. Listen returns nil once ctx has ended, and an error only
// when changed is nil.
func (s *Store) Listen(ctx context.Context, changed func(username string)) error {
	if changed == nil {
		return errors.New("postgres: listen: changed is nil")
	}

	wait := listenRetryMin

	for {
		connected, err := s.listenOnce(ctx, changed)
		if ctx.Err() != nil {
			return nil
		}

		if connected {
			wait = listenRetryMin
		}

		s.reportError(fmt.Errorf("postgres: listen for user changes, retrying in %s: %w", wait, err))

		if !sleep(ctx, wait) {
			return nil
		}

		wait = min(2*wait, listenRetryMax)
	}
}

// listenOnce connects, listens and passes on notifications until the
// connection fails or ctx ends. It reports whether it got as far as
// listening.
func (s *Store) listenOnce(ctx context.Context, changed func(username string)) (bool, error) {
	conn, err := s.connectListener(ctx)
	if err != nil {
		return false, err
	}

	defer s.closeListener(conn)

	changed("")

	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenHealthCheck)
		notification, err := conn.WaitForNotification(waitCtx)
		cancel()

		switch {
		case err == nil:
			changed(notification.Payload)
		case ctx.Err() != nil:
			return true, nil
		case pgconn.Timeout(err):
			if err := s.pingListener(ctx, conn); err != nil {
				return true, err
			}
		default:
			return true, err
		}
	}
}

func (s *Store) connectListener(ctx context.Context) (*pgx.Conn, error) {
	// ConnectTimeout bounds the connection attempt.
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, err
	}

	listenCtx, cancel := s.withTimeout(ctx)
	defer cancel()

	if _, err := conn.Exec(listenCtx, "LISTEN "+Channel); err != nil {
		s.closeListener(conn)
		return nil, err
	}

	return conn, nil
}

func (s *Store) pingListener(ctx context.Context, conn *pgx.Conn) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	return conn.Ping(ctx)
}

// closeListener closes conn, which also ends its LISTEN. It does not wait
// for more than the query timeout for a dead server.
func (s *Store) closeListener(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), s.queryTimeout)
	defer cancel()

	// The session ends either way, and there is nothing to report.
	_ = conn.Close(ctx)
}

// sleep waits for d and reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()

	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
