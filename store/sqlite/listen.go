package sqlite

import (
	"context"
	"time"
)

// ChangePollInterval is how often [Store.Listen] checks the file for
// commits.
const ChangePollInterval = 250 * time.Millisecond

// Listen calls changed with "" once at the start and then after every
// commit to the file, by this process or another, until ctx ends. SQLite
// has no notifications, so Listen polls PRAGMA data_version every
// [ChangePollInterval] on a connection of its own, and cannot report which
// user changed. It returns nil when ctx ends, and an error when the
// database cannot be read.
func (s *Store) Listen(ctx context.Context, changed func(username string)) error {
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return wrap("listen", err)
	}
	defer conn.Close()

	var version int64
	if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&version); err != nil {
		return wrap("listen", err)
	}

	changed("")

	ticker := time.NewTicker(ChangePollInterval)
	defer ticker.Stop()

	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}

		var current int64

		err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&current)
		if ctx.Err() != nil {
			return nil
		}

		if err != nil {
			return wrap("listen: read data_version", err)
		}

		if current != version {
			version = current
			changed("")
		}
	}
}
