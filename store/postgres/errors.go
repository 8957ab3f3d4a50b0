package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scopegate/scopegate/store"
)

// SQLSTATE codes that the store maps to store errors
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// wrap prefixes err with "postgres: " and op. When the database could not
// be reached or timed out, the result also wraps [store.ErrUnavailable], so
// callers can tell an outage from a bug.
func wrap(op string, err error) error {
	if isUnavailable(err) {
		return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrUnavailable, err)
	}

	return fmt.Errorf("postgres: %s: %w", op, err)
}

// isUnavailable reports whether err means that the database cannot be used
// right now, rather than that the request was wrong. Such errors are a
// failed or broken connection, a timeout, and a server that is shutting
// down, starting up or out of resources.
func isUnavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return isUnavailableState(pgErr.Code)
	}

	var (
		connectErr *pgconn.ConnectError
		netErr     net.Error
	)

	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr):
		return true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, pgconn.ErrConnClosed):
		return true
	case pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	}

	return false
}

// isUnavailableState reports whether an SQLSTATE is a connection exception
// (class 08), insufficient resources (class 53), an operator intervention
// such as a shutdown (class 57) or a system error (class 58).
func isUnavailableState(code string) bool {
	for _, class := range []string{"08", "53", "57", "58"} {
		if strings.HasPrefix(code, class) {
			return true
		}
	}

	return false
}

// hasCode reports whether err is a PostgreSQL error with the SQLSTATE code.
func hasCode(err error, code string) bool {
	var pgErr *pgconn.PgError

	return errors.As(err, &pgErr) && pgErr.Code == code
}
