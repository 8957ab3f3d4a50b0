package server

import (
	"context"
	"fmt"

	"github.com/scopegate/scopegate/bearer"
)

// userChangeListener is a store that announces changed users, as
// store/postgres does through PostgreSQL's LISTEN and NOTIFY.
type userChangeListener interface {
	// Listen calls changed with the username of each changed user, and
	// with "" when any user may have changed, until ctx ends.
	Listen(ctx context.Context, changed func(username string)) error
}

// newPrincipalLoader returns the loader behind the bearer guard: the
// store's users through a cache configured by cfg.PrincipalCache, or
// straight from the store when cfg.PrincipalCache.MaxEntries is negative.
func (s *Server) newPrincipalLoader(cfg Config) (bearer.PrincipalLoader, error) {
	loader := userLoader{users: cfg.Store}
	if cfg.PrincipalCache.MaxEntries < 0 {
		return loader, nil
	}

	if cfg.PrincipalCache.TTL < 0 {
		return nil, fmt.Errorf("server: principal cache TTL %s is negative", cfg.PrincipalCache.TTL)
	}

	s.principals = bearer.CachedPrincipals(loader, cfg.PrincipalCache)

	return s.principals, nil
}

// watchUserChanges drops each user that the store announces as changed
// from the principal cache, until ctx ends or the returned function is
// called, which waits for the watch to end. PostgreSQL names each changed
// user; SQLite announces every commit, and the whole cache is dropped. It
// does nothing when there is no cache or the store announces nothing; the
// cache's TTL then bounds how long a change goes unnoticed.
func (s *Server) watchUserChanges(ctx context.Context) (stop func()) {
	listener, ok := s.store.(userChangeListener)
	if !ok || s.principals == nil {
		return func() {}
	}

	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})

	go func() {
		defer close(done)

		if err := listener.Listen(ctx, s.userChanged); err != nil {
			s.logError(ctx, "watching user changes failed", err)
		}
	}()

	return func() {
		cancel()
		<-done
	}
}

func (s *Server) userChanged(username string) {
	if username == "" {
		s.principals.InvalidateAll()
		s.logger.Debug("the store announced changes; cached users dropped")

		return
	}

	s.principals.Invalidate(username)
}
