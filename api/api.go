package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
)

// Enforcer wraps a protected route's handler in the middleware that
// enforces its requirement. *bearer.Guard implements it.
type Enforcer interface {
	Require(req bearer.Requirement) func(http.Handler) http.Handler
}

var _ Enforcer = (*bearer.Guard)(nil)

// ScopeCatalog returns the current scope catalog: the scopes that routes
// may require and that the OpenAPI document offers. The catalog may change
// at run time, so it is read on each request for the document.
type ScopeCatalog interface {
	Catalog(ctx context.Context) (*scope.Catalog, error)
}

// StaticCatalog returns a [ScopeCatalog] that always returns c. The
// catalog must not be modified afterwards.
func StaticCatalog(c *scope.Catalog) ScopeCatalog {
	return staticCatalog{catalog: c}
}

type staticCatalog struct {
	catalog *scope.Catalog
}

func (s staticCatalog) Catalog(context.Context) (*scope.Catalog, error) {
	return s.catalog, nil
}

// Config configures an [API]. Title, Version, Scopes and, once a route is
// protected, Enforcer are required; the other fields have defaults.
type Config struct {
	// Title, Version and Description fill the document's info object.
	Title       string
	Version     string
	Description string

	// Enforcer wraps every route that is not Public.
	Enforcer Enforcer

	// Scopes returns the scope catalog.
	Scopes ScopeCatalog

	// TokenURL is the password flow's token endpoint, "token" by default.
	// A relative URL is resolved against the document's URL by Swagger
	// UI, so it keeps working behind a proxy that adds a path prefix.
	TokenURL string

	// DocsPath is the path of the Swagger UI page, "/docs" by default. Its
	// files are served below it, such as /docs/swagger-ui.css.
	DocsPath string

	// ClientID is the client_id that Swagger UI sends with its token
	// requests, "scopegate-public" by default.
	ClientID string

	// OnError, when set, is called with the error whenever the document
	// cannot be served, for example because the scope catalog could not be
	// read. The client gets 503 either way.
	OnError func(r *http.Request, err error)
}

// OpenAPIPath is the path of the OpenAPI document.
const OpenAPIPath = "/openapi.json"

// API collects route declarations and serves them. Create it with [New],
// declare routes with [API.Handle], then call [API.Handler] once.
type API struct {
	cfg Config

	mu     sync.Mutex
	routes []Route
	frozen bool
	cache  documentCache
}

// New returns an API configured by cfg.
func New(cfg Config) *API {
	if cfg.TokenURL == "" {
		cfg.TokenURL = "token"
	}

	if cfg.DocsPath == "" {
		cfg.DocsPath = "/docs"
	}

	if cfg.ClientID == "" {
		cfg.ClientID = "scopegate-public"
	}

	return &API{cfg: cfg}
}

// Handle declares a route. Errors in the declaration are reported by
// [API.Handler] and [API.Document], all at once. Handle panics when called
// after [API.Handler], because the handler would not serve the route
// while the document would list it.
func (a *API) Handle(r Route) {
	a.mu.Lock()
	defer a.mu.Unlock()

	if a.frozen {
		panic(fmt.Sprintf("api: Handle(%s %s) called after Handler", r.Method, r.Path))
	}

	r.Tags = append([]string(nil), r.Tags...)
	r.Responses = append([]Response(nil), r.Responses...)
	a.routes = append(a.routes, r)
	a.cache.reset()
}

// Handler checks every declaration and returns the handler that serves the
// routes, each protected one behind its Enforcer requirement, plus
// [OpenAPIPath] and the Swagger UI page at Config.DocsPath. It returns an
// error naming each route that declares no security, declares both Public
// and Security, is declared twice, or requires a scope that the catalog
// does not declare, and an error when the generated document is invalid.
// ctx bounds the reading of the scope catalog.
func (a *API) Handler(ctx context.Context) (http.Handler, error) {
	a.mu.Lock()
	a.frozen = true
	routes := a.routes
	a.mu.Unlock()

	if err := a.checkConfig(routes); err != nil {
		return nil, err
	}

	if _, err := a.DocumentJSON(ctx); err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	patterns := make([]string, 0, len(routes))

	for _, r := range routes {
		if err := a.registerRoute(mux, r); err != nil {
			return nil, err
		}

		patterns = append(patterns, muxPattern(r.Method, r.Path))
	}

	docs, err := a.docsHandler()
	if err != nil {
		return nil, err
	}

	for _, route := range docs.routes() {
		if err := register(mux, route.pattern, route.handler); err != nil {
			return nil, fmt.Errorf("api: %s: %w", route.pattern, err)
		}

		patterns = append(patterns, route.pattern)
	}

	if err := registerFallbacks(mux, patterns); err != nil {
		return nil, fmt.Errorf("api: fallback routes: %w", err)
	}

	return mux, nil
}

func (a *API) checkConfig(routes []Route) error {
	var errs []error
	if a.cfg.Title == "" {
		errs = append(errs, errors.New("api: Config.Title is empty"))
	}

	if a.cfg.Version == "" {
		errs = append(errs, errors.New("api: Config.Version is empty"))
	}

	if a.cfg.Scopes == nil {
		errs = append(errs, errors.New("api: Config.Scopes is nil"))
	}

	if err := checkDocsPath(a.cfg.DocsPath); err != nil {
		errs = append(errs, err)
	}

	if err := checkTokenURL(a.cfg.TokenURL); err != nil {
		errs = append(errs, err)
	}

	for _, r := range routes {
		if a.cfg.Enforcer == nil && !r.Public {
			err := fmt.Errorf("api: Config.Enforcer is nil, but %s %s is protected; set it to a *bearer.Guard",
				r.Method, r.Path)
			errs = append(errs, err)
			break
		}
	}

	return errors.Join(errs...)
}

// registerRoute adds r to mux, behind the Enforcer unless r is Public.
func (a *API) registerRoute(mux *http.ServeMux, r Route) error {
	h := r.Handler
	if !r.Public {
		h = a.cfg.Enforcer.Require(r.Security)(h)
	}

	if h == nil {
		return &RouteError{Method: r.Method, Path: r.Path, Err: errors.New("the Enforcer returned a nil handler")}
	}

	if err := register(mux, muxPattern(r.Method, r.Path), h); err != nil {
		return &RouteError{Method: r.Method, Path: r.Path, Err: err}
	}

	return nil
}

// register adds h to mux, turning the panic of [http.ServeMux.Handle] on
// a conflicting pattern into an error.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%v", v)
		}
	}()

	mux.Handle(pattern, h)

	return nil
}

// Routes returns the declared routes in declaration order, followed by
// the public routes of the document and of Swagger UI.
func (a *API) Routes() []RouteInfo {
	a.mu.Lock()
	routes := a.routes
	a.mu.Unlock()

	infos := make([]RouteInfo, 0, len(routes)+3)
	for _, r := range routes {
		infos = append(infos, RouteInfo{
			Method:   r.Method,
			Path:     r.Path,
			Summary:  r.Summary,
			Public:   r.Public,
			Security: r.Security,
		})
	}

	docsFiles := a.cfg.DocsPath + "/{file}"
	infos = append(infos,
		RouteInfo{Method: http.MethodGet, Path: OpenAPIPath, Summary: "OpenAPI document", Public: true},
		RouteInfo{Method: http.MethodGet, Path: a.cfg.DocsPath, Summary: "Swagger UI", Public: true},
		RouteInfo{Method: http.MethodGet, Path: docsFiles, Summary: "Swagger UI files", Public: true},
	)

	return infos
}

// checkRoutes returns every error in the declarations, checked against
// catalog.
func (a *API) checkRoutes(routes []Route, catalog *scope.Catalog) error {
	var errs []error
	seen := make(map[string]bool)
	operationIDs := make(map[string]string)

	// patterns finds the routes that http.ServeMux would refuse, such as
	// /a/{x} next to /a/{y}.
	patterns := http.NewServeMux()
	for _, r := range routes {
		if err := r.check(catalog); err != nil {
			errs = append(errs, err)
			continue
		}

		fail := func(err error) {
			errs = append(errs, &RouteError{Method: r.Method, Path: r.Path, Err: err})
		}

		key := r.Method + " " + r.Path
		id := r.operationID()
		prior, idTaken := operationIDs[id]

		switch {
		case a.isReserved(r.Path):
			fail(errors.New("path is reserved for the OpenAPI document or Swagger UI"))
		case seen[key]:
			fail(ErrDuplicateRoute)
		case idTaken:
			fail(fmt.Errorf("operation ID %q is also that of %s; set OperationID", id, prior))
		default:
			if err := register(patterns, muxPattern(r.Method, r.Path), http.NotFoundHandler()); err != nil {
				fail(err)
			}
		}

		seen[key] = true
		operationIDs[id] = key
	}

	return errors.Join(errs...)
}

// isReserved reports whether p is the document's path, the docs path or a
// path below it.
func (a *API) isReserved(p string) bool {
	return p == OpenAPIPath || p == a.cfg.DocsPath || strings.HasPrefix(p, a.cfg.DocsPath+"/")
}
