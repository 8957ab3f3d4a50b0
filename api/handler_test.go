package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/api"
	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
)

// newServer starts the handler of a on httptest.
func newServer(t *testing.T, a *api.API) *httptest.Server {
	t.Helper()

	h, err := a.Handler(context.Background())
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}

	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	return srv
}

// get sends a GET request and returns the response with its body read.
func get(t *testing.T, url string, header http.Header) (*http.Response, string) {
	t.Helper()

	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}

	for name, values := range header {
		req.Header[name] = values
	}

	noRedirects := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	client := &http.Client{CheckRedirect: noRedirects}

	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %s: %v", url, err)
	}

	return resp, string(body)
}

func TestHandlerEnforcesDeclaredRequirement(t *testing.T) {
	a, enforcer := newTutorialAPI(t)
	srv := newServer(t, a)

	routes := tutorialRoutes()
	for _, r := range routes {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			req, err := http.NewRequest(r.Method, srv.URL+r.Path, nil)
			if err != nil {
				t.Fatal(err)
			}

			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}

			header := resp.Header.Get("X-Requirement")
			if r.Public {
				if header != "" {
					t.Errorf("public route went through the enforcer (call %s)", header)
				}

				return
			}

			if got := enforcer.requirement(t, header); !sameRequirement(got, r.Security) {
				t.Errorf("enforced %v, want %v", got.Alternatives(), r.Security.Alternatives())
			}
		})
	}

	protected := 0
	for _, r := range routes {
		if !r.Public {
			protected++
		}
	}

	if got := len(enforcer.requirements); got != protected {
		t.Errorf("Require called %d times, want once per protected route (%d)", got, protected)
	}
}

func TestHandlerMatchesExactPaths(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	tests := []struct {
		name, path string
		status     int
		body       string
	}{
		{"declared path", "/users/me/", http.StatusOK, "me"},
		{"nested declared path", "/users/me/items/", http.StatusOK, "items"},
		{"below a declared path", "/users/me/other", http.StatusNotFound, ""},
		{"undeclared path", "/admin/", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+tt.path, nil)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}

			if tt.body != "" && body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
		})
	}
}

func TestHandlerRejectsWrongMethod(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	resp, body := get(t, srv.URL+"/token", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /token status = %d, want 405", resp.StatusCode)
	}

	if got := resp.Header.Get("Allow"); got != "POST" {
		t.Errorf("GET /token Allow = %q, want %q", got, "POST")
	}

	wantProblemBody(t, resp, body, http.StatusMethodNotAllowed)

	req, err := http.NewRequest(http.MethodDelete, srv.URL+"/users/me/", nil)
	if err != nil {
		t.Fatal(err)
	}

	deleted, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	deleted.Body.Close()

	if deleted.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /users/me/ status = %d, want 405", deleted.StatusCode)
	}

	if got := deleted.Header.Get("Allow"); got != "GET, HEAD" {
		t.Errorf("DELETE /users/me/ Allow = %q, want %q", got, "GET, HEAD")
	}
}

func TestHandlerNotFoundIsProblem(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	for _, path := range []string{"/nowhere", "/users/me/other", "/users/me/%2e%2e/"} {
		resp, body := get(t, srv.URL+path, nil)
		wantProblemBody(t, resp, body, http.StatusNotFound)
	}
}

func TestHandlerAddsTrailingSlash(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	resp, _ := get(t, srv.URL+"/users/me?x=1", nil)
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("GET /users/me status = %d, want 307", resp.StatusCode)
	}

	if got := resp.Header.Get("Location"); got != "/users/me/?x=1" {
		t.Errorf("Location = %q, want %q", got, "/users/me/?x=1")
	}
}

func wantProblemBody(t *testing.T, resp *http.Response, body string, status int) {
	t.Helper()

	if resp.StatusCode != status {
		t.Errorf("%s status = %d, want %d", resp.Request.URL.Path, resp.StatusCode, status)
	}

	if got := resp.Header.Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("%s Content-Type = %q, want application/problem+json", resp.Request.URL.Path, got)
	}

	if !strings.Contains(body, fmt.Sprintf(`"status":%d`, status)) {
		t.Errorf("%s body = %s, want a problem with status %d", resp.Request.URL.Path, body, status)
	}
}

func okResponses() []api.Response {
	return []api.Response{{Status: http.StatusOK}}
}

func publicRoute(method, path string) api.Route {
	return api.Route{Method: method, Path: path, Public: true, Responses: okResponses(), Handler: text(path)}
}

// TestHandlerRejectsDeclarations checks the start-up errors: the server
// does not start with a route whose security is missing or wrong.
func TestHandlerRejectsDeclarations(t *testing.T) {
	me := bearer.Scopes("me")

	type Named struct {
		Name string `json:"name"`
	}

	type Untagged struct {
		Name string
	}

	tests := []struct {
		name   string
		routes []api.Route
		want   string
		is     error
	}{
		{
			name:   "no security",
			routes: []api.Route{{Method: "GET", Path: "/x", Responses: okResponses(), Handler: text("x")}},
			want:   "api: GET /x: no security declared; set Security or mark the route Public",
			is:     api.ErrNoSecurity,
		},
		{
			name: "public with security",
			routes: []api.Route{
				{Method: "GET", Path: "/x", Public: true, Security: me, Responses: okResponses(), Handler: text("x")},
			},
			want: "api: GET /x: a Public route cannot declare Security; remove one of them",
			is:   api.ErrPublicWithSecurity,
		},
		{
			name: "duplicate route",
			routes: []api.Route{
				{Method: "GET", Path: "/x", Security: me, Responses: okResponses(), Handler: text("x")},
				{Method: "GET", Path: "/x", Public: true, Responses: okResponses(), Handler: text("x")},
			},
			want: "api: GET /x: route declared twice",
			is:   api.ErrDuplicateRoute,
		},
		{
			name: "undeclared scope",
			routes: []api.Route{
				{Method: "GET", Path: "/x", Security: me.With("admin"), Responses: okResponses(), Handler: text("x")},
			},
			want: `api: GET /x: scope: unknown scope "admin"; declare it in the scope catalog`,
			is:   scope.ErrUnknown,
		},
		{
			name: "undeclared scope in an alternative",
			routes: []api.Route{{
				Method: "GET", Path: "/x", Security: bearer.AnyOf(me, bearer.Scopes("admin")),
				Responses: okResponses(), Handler: text("x"),
			}},
			want: `api: GET /x: scope: unknown scope "admin"; declare it in the scope catalog`,
			is:   scope.ErrUnknown,
		},
		{
			name:   "lower-case method",
			routes: []api.Route{publicRoute("get", "/x")},
			want:   `api: get /x: invalid method "get"; use an upper-case HTTP method such as GET`,
		},
		{
			name:   "unclean path",
			routes: []api.Route{publicRoute("GET", "/a//b")},
			want:   `api: GET /a//b: path "/a//b" is not clean; write "/a/b"`,
		},
		{
			name: "mux-only wildcard",
			routes: []api.Route{
				{Method: "GET", Path: "/files/{rest...}", Public: true, Responses: okResponses(), Handler: text("x")},
			},
			want: `api: GET /files/{rest...}: path segment "{rest...}" is not a parameter of the form {name}`,
		},
		{
			name:   "relative path",
			routes: []api.Route{publicRoute("GET", "x")},
			want:   `api: GET x: path "x" does not start with a slash`,
		},
		{
			name:   "no handler",
			routes: []api.Route{{Method: "GET", Path: "/x", Public: true, Responses: okResponses()}},
			want:   "api: GET /x: missing Handler",
		},
		{
			name:   "no responses",
			routes: []api.Route{{Method: "GET", Path: "/x", Public: true, Handler: text("x")}},
			want:   "api: GET /x: no responses declared; add at least the success response",
		},
		{
			name: "response status twice",
			routes: []api.Route{{
				Method: "GET", Path: "/x", Public: true, Handler: text("x"),
				Responses: []api.Response{{Status: 200}, {Status: 200}},
			}},
			want: "api: GET /x: response status 200 declared twice",
		},
		{
			name: "invalid response status",
			routes: []api.Route{{
				Method: "GET", Path: "/x", Public: true, Handler: text("x"),
				Responses: []api.Response{{Status: 42}},
			}},
			want: "api: GET /x: invalid response status 42",
		},
		{
			name: "reserved path",
			routes: []api.Route{
				{Method: "POST", Path: "/openapi.json", Public: true, Responses: okResponses(), Handler: text("x")},
			},
			want: "api: POST /openapi.json: path is reserved for the OpenAPI document or Swagger UI",
		},
		{
			name: "same operation ID",
			routes: []api.Route{
				{Method: "GET", Path: "/a-b", Public: true, Responses: okResponses(), Handler: text("x")},
				{Method: "GET", Path: "/a_b", Public: true, Responses: okResponses(), Handler: text("x")},
			},
			want: `api: GET /a_b: operation ID "get_a_b" is also that of GET /a-b; set OperationID`,
		},
		{
			name: "conflicting parameters",
			routes: []api.Route{
				{Method: "GET", Path: "/a/{x}", Public: true, Responses: okResponses(), Handler: text("x")},
				{Method: "GET", Path: "/a/{y}", Public: true, Responses: okResponses(), Handler: text("x")},
			},
			want: `api: GET /a/{y}: pattern "GET /a/{y}"`,
		},
		{
			name: "below the docs path",
			routes: []api.Route{
				{Method: "GET", Path: "/docs/init.js", Public: true, Responses: okResponses(), Handler: text("x")},
			},
			want: "api: GET /docs/init.js: path is reserved for the OpenAPI document or Swagger UI",
		},
		{
			name: "body type without json fields",
			routes: []api.Route{{
				Method: "GET", Path: "/x", Public: true, Handler: text("x"),
				Responses: []api.Response{{Status: 200, Value: Untagged{}}},
			}},
			want: "api: GET /x: api: schema of api_test.Untagged: the type has no field with a json tag",
		},
		{
			name: "two types of one name",
			routes: []api.Route{{
				Method: "GET", Path: "/x", Public: true, Handler: text("x"),
				Responses: []api.Response{{Status: 200, Value: Named{}}, {Status: 201, Value: otherNamed()}},
			}},
			want: "api: two types are named Named",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := api.New(testConfig())
			for _, r := range tt.routes {
				a.Handle(r)
			}

			h, err := a.Handler(context.Background())
			if err == nil {
				t.Fatalf("Handler succeeded, want an error")
			}

			if h != nil {
				t.Errorf("Handler returned a handler with its error")
			}

			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}

			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
		})
	}
}

// otherNamed returns a value of a second type named Named.
func otherNamed() any {
	type Named struct {
		Other string `json:"other"`
	}

	return Named{}
}

func TestHandlerReportsEveryRoute(t *testing.T) {
	a := api.New(testConfig())
	a.Handle(api.Route{Method: "GET", Path: "/a", Responses: okResponses(), Handler: text("a")})
	a.Handle(api.Route{Method: "GET", Path: "/b", Responses: okResponses(), Handler: text("b")})

	_, err := a.Handler(context.Background())

	var routeErr *api.RouteError
	if !errors.As(err, &routeErr) {
		t.Fatalf("error %v is not a *RouteError", err)
	}

	for _, path := range []string{"GET /a:", "GET /b:"} {
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("error = %v, want it to name %s", err, path)
		}
	}
}

func TestHandlerRejectsConfig(t *testing.T) {
	protected := api.Route{
		Method: "GET", Path: "/x", Security: bearer.Scopes("me"), Responses: okResponses(), Handler: text("x"),
	}

	tests := []struct {
		name   string
		change func(*api.Config)
		want   string
	}{
		{"no title", func(c *api.Config) { c.Title = "" }, "api: Config.Title is empty"},
		{"no version", func(c *api.Config) { c.Version = "" }, "api: Config.Version is empty"},
		{"no catalog", func(c *api.Config) { c.Scopes = nil }, "api: Config.Scopes is nil"},
		{
			"no enforcer", func(c *api.Config) { c.Enforcer = nil },
			"api: Config.Enforcer is nil, but GET /x is protected",
		},
		{
			"docs path with slash", func(c *api.Config) { c.DocsPath = "/docs/" },
			`api: Config.DocsPath "/docs/" is not a clean absolute path such as /docs`,
		},
		{
			"token URL of another scheme", func(c *api.Config) { c.TokenURL = "ftp://x/token" },
			`api: Config.TokenURL "ftp://x/token" is neither relative nor an http or https URL`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.change(&cfg)
			a := api.New(cfg)
			a.Handle(protected)

			_, err := a.Handler(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestHandlerCatalogError(t *testing.T) {
	catalog := &mutableCatalog{}
	catalog.fail(errCatalogDown)
	a := api.New(api.Config{Title: "t", Version: "1", Enforcer: &recordingEnforcer{}, Scopes: catalog})

	_, err := a.Handler(context.Background())
	if !errors.Is(err, errCatalogDown) {
		t.Errorf("error = %v, want it to wrap the catalog's error", err)
	}
}

func TestHandlePanicsAfterHandler(t *testing.T) {
	a := mustTutorialAPI(t)
	if _, err := a.Handler(context.Background()); err != nil {
		t.Fatal(err)
	}

	defer func() {
		if recover() == nil {
			t.Errorf("Handle after Handler did not panic")
		}
	}()

	a.Handle(publicRoute("GET", "/late"))
}

func TestRoutes(t *testing.T) {
	a, _ := newTutorialAPI(t, api.Route{
		Method:    "GET",
		Path:      "/either/",
		Summary:   "Either",
		Security:  bearer.AnyOf(bearer.Scopes("me"), bearer.Scopes("items", "me"), bearer.Scopes("items")),
		Responses: okResponses(),
		Handler:   text("either"),
	})

	want := []struct{ method, path, summary, access string }{
		{"POST", "/token", "Log in with a password and get an access token", "public"},
		{"GET", "/users/me/", "Read the current user", "me"},
		{"GET", "/users/me/items/", "Read the current user's items", "me items"},
		{"GET", "/status/", "Read the system status", "authenticated"},
		{"GET", "/either/", "Either", "me | items"},
		{"GET", "/openapi.json", "OpenAPI document", "public"},
		{"GET", "/docs", "Swagger UI", "public"},
		{"GET", "/docs/{file}", "Swagger UI files", "public"},
	}

	got := a.Routes()
	if len(got) != len(want) {
		t.Fatalf("Routes returned %d routes, want %d", len(got), len(want))
	}

	for i, w := range want {
		g := got[i]
		if g.Method != w.method || g.Path != w.path || g.Summary != w.summary || g.Access() != w.access {
			t.Errorf("route %d = %s %s %q %q, want %s %s %q %q",
				i, g.Method, g.Path, g.Summary, g.Access(), w.method, w.path, w.summary, w.access)
		}
	}
}

func TestRoutesKeepRequirement(t *testing.T) {
	routes := mustTutorialAPI(t).Routes()

	if got, want := routes[2].Security, bearer.Scopes("me").With("items"); !sameRequirement(got, want) {
		t.Errorf("Security = %v, want %v", got.Alternatives(), want.Alternatives())
	}
}

// newServerFromHandler starts h on httptest and returns its URL.
func newServerFromHandler(t *testing.T, h http.Handler) string {
	t.Helper()

	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	return srv.URL
}
