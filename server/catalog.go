package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// catalogSource is the scope catalog: the server's own scopes followed by
// those an operator declared in the store. It reloads the operator's scopes
// at most once per refresh interval, so a scope added with
// `scopegate scope add` is offered without a restart.
type catalogSource struct {
	own    *scope.Catalog
	scopes interface {
		Scopes(ctx context.Context) ([]store.Scope, error)
	}
	refresh time.Duration
	now     func() time.Time

	mu       sync.Mutex
	cached   *scope.Catalog
	loadedAt time.Time
}

func (c *catalogSource) Catalog(ctx context.Context) (*scope.Catalog, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.cached != nil && c.now().Sub(c.loadedAt) < c.refresh {
		return c.cached, nil
	}

	catalog, err := mergeCatalog(ctx, c.own, c.scopes)
	if err != nil && c.cached != nil {
		// A stale catalog only decides which scope names exist; what each
		// user may hold is still read from the store on every login.
		return c.cached, nil
	}

	if err != nil {
		return nil, err
	}

	c.cached = catalog
	c.loadedAt = c.now()

	return catalog, nil
}

// mergeCatalog returns own followed by the operator-declared scopes. A
// stored scope that repeats one of the server's own names keeps the
// server's description.
func mergeCatalog(
	ctx context.Context,
	own *scope.Catalog,
	scopes interface {
		Scopes(ctx context.Context) ([]store.Scope, error)
	},
) (*scope.Catalog, error) {
	stored, err := scopes.Scopes(ctx)
	if err != nil {
		return nil, fmt.Errorf("server: load declared scopes: %w", err)
	}

	var catalog scope.Catalog
	for _, entry := range own.Entries() {
		catalog.MustDeclare(entry.Name, entry.Description)
	}

	for _, s := range stored {
		if _, ok := catalog.Lookup(s.Name); ok {
			continue
		}

		if err := catalog.Declare(s.Name, s.Description); err != nil {
			return nil, fmt.Errorf("server: stored scope %q: %w", s.Name, err)
		}
	}

	return &catalog, nil
}

// LoadCatalog returns the full scope catalog of a store: the server's own
// scopes and the operator-declared ones. The command line uses it to check
// scope names before it grants them.
func LoadCatalog(ctx context.Context, st interface {
	Scopes(ctx context.Context) ([]store.Scope, error)
}) (*scope.Catalog, error) {
	return mergeCatalog(ctx, OwnScopes(), st)
}
