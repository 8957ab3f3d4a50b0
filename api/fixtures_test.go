package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/scopegate/scopegate/api"
	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
)

// The bodies of the tutorial app's routes, as the server declares them.
type (
	User struct {
		Username string  `json:"username"`
		Email    string  `json:"email,omitempty"`
		FullName *string `json:"full_name"`
		Disabled bool    `json:"disabled"`
	}

	Item struct {
		ItemID string `json:"item_id"`
		Owner  string `json:"owner"`
	}

	Status struct {
		Status string `json:"status"`
	}

	TokenRequest struct {
		GrantType string `json:"grant_type,omitempty" enum:"password,refresh_token"`
		Username  string `json:"username"`
		Password  string `json:"password" format:"password"`
		Scope     string `json:"scope,omitempty" doc:"Space-separated scopes to request."`
	}

	TokenResponse struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
	}

	// OAuthError is the error response of RFC 6749 §5.2.
	OAuthError struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description,omitempty"`
		ErrorURI         string `json:"error_uri,omitempty"`
	}
)

func tutorialCatalog() *scope.Catalog {
	var c scope.Catalog
	c.MustDeclare("me", "Read information about the current user.")
	c.MustDeclare("items", "Read items.")

	return &c
}

// mutableCatalog is a ScopeCatalog whose scopes a test can add to or
// make fail, as the server's catalog changes when an operator adds a
// scope.
type mutableCatalog struct {
	mu      sync.Mutex
	entries []scope.Entry
	err     error
}

func (m *mutableCatalog) Catalog(context.Context) (*scope.Catalog, error) {
	m.mu.Lock()
	defer m.mu.Unlock()

	if m.err != nil {
		return nil, m.err
	}

	var c scope.Catalog
	for _, e := range m.entries {
		c.MustDeclare(e.Name, e.Description)
	}

	return &c, nil
}

func (m *mutableCatalog) add(name, description string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = append(m.entries, scope.Entry{Name: name, Description: description})
}

func (m *mutableCatalog) fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.err = err
}

// recordingEnforcer records each requirement it is asked to enforce. Its
// middleware lets every request through and names the requirement in the
// X-Requirement header, the index of the Require call.
type recordingEnforcer struct {
	mu           sync.Mutex
	requirements []bearer.Requirement
}

func (e *recordingEnforcer) Require(req bearer.Requirement) func(http.Handler) http.Handler {
	e.mu.Lock()
	index := len(e.requirements)
	e.requirements = append(e.requirements, req)
	e.mu.Unlock()

	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Requirement", strconv.Itoa(index))
			next.ServeHTTP(w, r)
		})
	}
}

func (e *recordingEnforcer) requirement(t *testing.T, header string) bearer.Requirement {
	t.Helper()

	index, err := strconv.Atoi(header)
	if err != nil {
		t.Fatalf("X-Requirement = %q, want the index of a Require call", header)
	}

	e.mu.Lock()
	defer e.mu.Unlock()

	return e.requirements[index]
}

// sameRequirement reports whether a and b have the same alternatives in
// the same order.
func sameRequirement(a, b bearer.Requirement) bool {
	alternativesA, alternativesB := a.Alternatives(), b.Alternatives()
	if len(alternativesA) != len(alternativesB) {
		return false
	}

	for i := range alternativesA {
		if alternativesA[i].String() != alternativesB[i].String() {
			return false
		}
	}

	return true
}

// text returns a handler that writes body.
func text(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, body)
	})
}

var errCatalogDown = errors.New("catalog store is down")

// tutorialRoutes returns the routes of the tutorial app.
func tutorialRoutes() []api.Route {
	me := bearer.Scopes("me")

	return []api.Route{
		{
			Method:  http.MethodPost,
			Path:    "/token",
			Summary: "Log in with a password and get an access token",
			Public:  true,
			Request: &api.Body{
				ContentType:  "application/x-www-form-urlencoded",
				AlsoAccepted: []string{"multipart/form-data"},
				Value:        TokenRequest{},
			},
			Responses: []api.Response{
				{Status: http.StatusOK, Value: TokenResponse{}, Headers: map[string]string{"Cache-Control": "no-store"}},
				{Status: http.StatusBadRequest, Description: "RFC 6749 §5.2 error", Value: OAuthError{}},
			},
			Handler: text("token"),
		},
		{
			Method:    http.MethodGet,
			Path:      "/users/me/",
			Summary:   "Read the current user",
			Security:  me,
			Responses: []api.Response{{Status: http.StatusOK, Value: User{}}},
			Handler:   text("me"),
		},
		{
			Method:    http.MethodGet,
			Path:      "/users/me/items/",
			Summary:   "Read the current user's items",
			Security:  me.With("items"),
			Responses: []api.Response{{Status: http.StatusOK, Value: []Item{}}},
			Handler:   text("items"),
		},
		{
			Method:    http.MethodGet,
			Path:      "/status/",
			Summary:   "Read the system status",
			Security:  bearer.Authenticated,
			Responses: []api.Response{{Status: http.StatusOK, Value: Status{}}},
			Handler:   text("status"),
		},
	}
}

// testConfig returns a valid configuration with the tutorial's scopes.
func testConfig() api.Config {
	return api.Config{
		Title:    "scopegate test",
		Version:  "1.0.0",
		Enforcer: &recordingEnforcer{},
		Scopes:   api.StaticCatalog(tutorialCatalog()),
	}
}

// newTutorialAPI returns an API of the tutorial routes and its enforcer.
func newTutorialAPI(t *testing.T, extra ...api.Route) (*api.API, *recordingEnforcer) {
	t.Helper()

	enforcer := &recordingEnforcer{}
	a := api.New(api.Config{
		Title:    "scopegate test",
		Version:  "1.0.0",
		Enforcer: enforcer,
		Scopes:   api.StaticCatalog(tutorialCatalog()),
	})

	for _, r := range append(tutorialRoutes(), extra...) {
		a.Handle(r)
	}

	return a, enforcer
}
