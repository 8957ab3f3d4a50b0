package api

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
)

// Route is the one declaration of an API route. [API.Handler] enforces
// its Security on every request, [API.Document] writes it into the
// OpenAPI document, and [API.Routes] lists it.
type Route struct {
	// Method is the upper-case HTTP method, such as "GET". A GET route
	// also serves HEAD requests, as [http.ServeMux] does.
	Method string

	// Path is the URL path in OpenAPI template syntax, such as
	// "/users/me/" or "/items/{id}". A path parameter is a whole segment.
	// A trailing slash is part of the path: "/users/me/" does not match
	// "/users/me" or "/users/me/x".
	Path string

	// Summary and Description are shown in the document. Summary is the
	// one-line label of the operation.
	Summary     string
	Description string

	// Tags group operations in Swagger UI.
	Tags []string

	// OperationID names the operation in the document. By default it is
	// the lower-case method and the path's words joined by underscores,
	// such as "get_users_me_items".
	OperationID string

	// Security is the scope requirement of every request. Its zero value
	// declares nothing, and a route must then be Public.
	Security bearer.Requirement

	// Public marks a route that needs no token, such as the token
	// endpoint. Security must then be zero.
	Public bool

	// Request is the request body, or nil when the route takes none.
	Request *Body

	// Responses lists the responses the handler writes. A protected route
	// also gets the bearer middleware's 401, 403 and 503 responses unless
	// it declares them itself, and 403 only when it requires a scope.
	Responses []Response

	// Handler serves the route once its Security is satisfied.
	Handler http.Handler
}

// Body describes a request body.
type Body struct {
	// ContentType is the media type, "application/json" by default.
	ContentType string

	// AlsoAccepted lists more media types that the route reads with the
	// same schema, such as "multipart/form-data" beside a form.
	AlsoAccepted []string

	// Description is shown in the document.
	Description string

	// Value is a value of the Go type whose schema the document shows,
	// such as TokenRequest{}. Nil means no schema.
	Value any

	// Optional marks a body that may be left out.
	Optional bool
}

// Response describes one response of a route.
type Response struct {
	// Status is the HTTP status code.
	Status int

	// Description is shown in the document, [http.StatusText] by default.
	Description string

	// ContentType is the media type of the body, "application/json" by
	// default when Value is set.
	ContentType string

	// Value is a value of the Go type whose schema the document shows.
	// Nil with an empty ContentType means a response without a body.
	Value any

	// Headers maps the names of response headers worth documenting, such
	// as Cache-Control, to their descriptions.
	Headers map[string]string
}

// RouteInfo is one line of the route list that [API.Routes] returns.
type RouteInfo struct {
	Method   string
	Path     string
	Summary  string
	Public   bool
	Security bearer.Requirement
}

// Access formats what a request to the route needs: "public",
// "authenticated" (a valid token and no scope), or the scopes of each
// alternative separated by " | ", such as "me items". A route that is not
// Public and declares no Security gets "undeclared".
func (ri RouteInfo) Access() string {
	if ri.Public {
		return "public"
	}

	alternatives := minimalAlternatives(ri.Security)
	if len(alternatives) == 0 {
		return "undeclared"
	}

	names := make([]string, len(alternatives))
	for i, alt := range alternatives {
		names[i] = alt.String()
		if alt.IsEmpty() {
			names[i] = "authenticated"
		}
	}

	return strings.Join(names, " | ")
}

// Errors that a [RouteError] wraps when a route's security declaration is
// wrong. A requirement naming an undeclared scope wraps [scope.ErrUnknown].
var (
	ErrNoSecurity         = errors.New("no security declared; set Security or mark the route Public")
	ErrPublicWithSecurity = errors.New("a Public route cannot declare Security; remove one of them")
	ErrDuplicateRoute     = errors.New("route declared twice")
)

// RouteError is an error in the declaration of one route.
type RouteError struct {
	Method string
	Path   string
	Err    error
}

// Error formats the error as "api: METHOD PATH: cause".
func (e *RouteError) Error() string {
	return fmt.Sprintf("api: %s %s: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *RouteError) Unwrap() error {
	return e.Err
}

var methods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// paramPattern matches a path segment that is one path parameter.
var paramPattern = regexp.MustCompile(`^\{[A-Za-z_][A-Za-z0-9_]*\}$`)

// check returns every error in the declaration of r, each a *RouteError.
func (r Route) check(catalog *scope.Catalog) error {
	var errs []error
	fail := func(err error) {
		errs = append(errs, &RouteError{Method: r.Method, Path: r.Path, Err: err})
	}

	if !methods[r.Method] {
		fail(fmt.Errorf("invalid method %q; use an upper-case HTTP method such as GET", r.Method))
	}

	if err := checkPath(r.Path); err != nil {
		fail(err)
	}

	if r.Handler == nil {
		fail(errors.New("missing Handler"))
	}

	if err := r.checkSecurity(catalog); err != nil {
		fail(err)
	}

	if err := r.checkResponses(); err != nil {
		fail(err)
	}

	return errors.Join(errs...)
}

func (r Route) checkSecurity(catalog *scope.Catalog) error {
	switch {
	case r.Public && !r.Security.IsZero():
		return ErrPublicWithSecurity
	case r.Public:
		return nil
	case r.Security.IsZero():
		return ErrNoSecurity
	}

	for _, alt := range r.Security.Alternatives() {
		if err := catalog.Check(alt); err != nil {
			return fmt.Errorf("%w; declare it in the scope catalog", err)
		}
	}

	return nil
}

func (r Route) checkResponses() error {
	if len(r.Responses) == 0 {
		return errors.New("no responses declared; add at least the success response")
	}

	seen := make(map[int]bool)
	for _, resp := range r.Responses {
		if resp.Status < 100 || resp.Status > 599 {
			return fmt.Errorf("invalid response status %d", resp.Status)
		}

		if seen[resp.Status] {
			return fmt.Errorf("response status %d declared twice", resp.Status)
		}

		seen[resp.Status] = true
	}

	return nil
}

// checkPath accepts a clean absolute path whose parameters are whole
// segments, the syntax that both OpenAPI and [http.ServeMux] read the same
// way. The mux's own {name...} and {$} are not OpenAPI, so they are
// rejected.
func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("path %q does not start with a slash", p)
	}

	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}

	if clean != p {
		return fmt.Errorf("path %q is not clean; write %q", p, clean)
	}

	for _, segment := range strings.Split(p, "/") {
		if strings.ContainsAny(segment, "{}") && !paramPattern.MatchString(segment) {
			return fmt.Errorf("path segment %q is not a parameter of the form {name}", segment)
		}

		if strings.ContainsAny(segment, "?# \t") {
			return fmt.Errorf("path segment %q contains a character not allowed in a path", segment)
		}
	}

	return nil
}

// pathParameters returns the parameter names of a checked path in order.
func pathParameters(p string) []string {
	var names []string
	for _, segment := range strings.Split(p, "/") {
		if paramPattern.MatchString(segment) {
			names = append(names, strings.Trim(segment, "{}"))
		}
	}

	return names
}

// muxPattern returns the [http.ServeMux] pattern that matches exactly the
// requests of a checked route. A path ending in a slash gets {$} so that
// it matches only itself and not the subtree below it.
func muxPattern(method, p string) string {
	if strings.HasSuffix(p, "/") {
		p += "{$}"
	}

	return method + " " + p
}

// operationID returns r.OperationID or one made from the method and the
// words of the path.
func (r Route) operationID() string {
	if r.OperationID != "" {
		return r.OperationID
	}

	words := []string{strings.ToLower(r.Method)}
	for _, segment := range strings.Split(r.Path, "/") {
		word := strings.Trim(segment, "{}")
		word = strings.Map(func(c rune) rune {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				return c
			}

			return '_'
		}, word)
		if word != "" {
			words = append(words, word)
		}
	}

	return strings.Join(words, "_")
}
