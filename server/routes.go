package server

import (
	"net/http"

	"github.com/scopegate/scopegate/api"
	"github.com/scopegate/scopegate/authserver"
	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// The server's own scopes, declared next to the routes that use them.
// Operators add scopes for other resource servers with `scopegate scope add`.
const (
	ScopeMe    = "me"
	ScopeItems = "items"
)

// OwnScopes returns a new catalog of the scopes the server's routes use.
func OwnScopes() *scope.Catalog {
	var catalog scope.Catalog
	catalog.MustDeclare(ScopeMe, "Read information about the current user.")
	catalog.MustDeclare(ScopeItems, "Read items.")

	return &catalog
}

// The requirements build on each other as the dependencies of FastAPI's
// OAuth2 scopes example do: the current active user needs "me", and the
// items route adds "items" on top of it.
var (
	currentUser       = bearer.Authenticated
	currentActiveUser = currentUser.With(ScopeMe)
	readOwnItems      = currentActiveUser.With(ScopeItems)
)

// User is the body of GET /users/me/. As in FastAPI's tutorial, the email
// and full name are optional and come out as null when unset.
type User struct {
	Username string  `json:"username"`
	Email    *string `json:"email"`
	FullName *string `json:"full_name"`
	Disabled bool    `json:"disabled"`
}

// Item is one element of the body of GET /users/me/items/.
type Item struct {
	ItemID string `json:"item_id"`
	Owner  string `json:"owner"`
}

// Status is the body of GET /status/ and of the health endpoints.
type Status struct {
	Status string `json:"status"`
}

func (s *Server) readUserMe(w http.ResponseWriter, r *http.Request) {
	acct, ok := principalAccount(r)
	if !ok {
		s.failClosed(w, r)
		return
	}

	writeEncodedJSON(w, acct.meJSON)
}

// userResponse returns the body of GET /users/me/ for user.
func userResponse(user store.User) User {
	return User{
		Username: user.Username,
		Email:    optional(user.Email),
		FullName: optional(user.FullName),
		Disabled: user.Disabled,
	}
}

func (s *Server) readOwnItems(w http.ResponseWriter, r *http.Request) {
	user, ok := principalUser(r)
	if !ok {
		s.failClosed(w, r)
		return
	}

	items, err := s.store.Items(r.Context(), user.Username)
	if err != nil {
		s.storeFailure(w, r, err)
		return
	}

	body := make([]Item, 0, len(items))
	for _, item := range items {
		body = append(body, Item{ItemID: item.ID, Owner: item.Owner})
	}

	writeJSON(w, http.StatusOK, body)
}

// statusOKJSON is the body of GET /status/, encoded once.
var statusOKJSON = mustEncodeJSON(Status{Status: "ok"})

func (s *Server) readSystemStatus(w http.ResponseWriter, r *http.Request) {
	writeEncodedJSON(w, statusOKJSON)
}

func optional(value string) *string {
	if value == "" {
		return nil
	}

	return &value
}

// declareRoutes declares every route of the server. tokenEndpoint serves
// POST /token.
func (s *Server) declareRoutes(tokenEndpoint http.Handler) {
	s.api.Handle(api.Route{
		Method:  http.MethodPost,
		Path:    "/token",
		Summary: "Log in with the OAuth2 password grant and receive an access token",
		Tags:    []string{"oauth2"},
		Public:  true,
		Request: &api.Body{
			ContentType:  "application/x-www-form-urlencoded",
			AlsoAccepted: []string{"multipart/form-data"},
			Value:        authserver.PasswordGrantForm{},
		},
		Responses: []api.Response{
			{Status: http.StatusOK, Description: "The access token", Value: authserver.TokenResponse{}},
			{Status: http.StatusBadRequest, Description: "An RFC 6749 error", Value: authserver.ErrorResponse{}},
			{Status: http.StatusUnauthorized, Description: "Client authentication failed", Value: authserver.ErrorResponse{}},
			{
				Status:      http.StatusServiceUnavailable,
				Description: "Too many logins at once, or the database is unreachable; retry after Retry-After",
				Value:       authserver.ErrorResponse{},
				Headers:     map[string]string{"Retry-After": "Seconds to wait before retrying"},
			},
		},
		Handler: tokenEndpoint,
	})

	s.api.Handle(api.Route{
		Method:    http.MethodGet,
		Path:      "/users/me/",
		Summary:   "Read the current user",
		Tags:      []string{"users"},
		Security:  currentActiveUser,
		Responses: []api.Response{{Status: http.StatusOK, Description: "The current user", Value: User{}}},
		Handler:   http.HandlerFunc(s.readUserMe),
	})

	s.api.Handle(api.Route{
		Method:    http.MethodGet,
		Path:      "/users/me/items/",
		Summary:   "Read the current user's items",
		Tags:      []string{"users"},
		Security:  readOwnItems,
		Responses: []api.Response{{Status: http.StatusOK, Description: "The items", Value: []Item{}}},
		Handler:   http.HandlerFunc(s.readOwnItems),
	})

	s.api.Handle(api.Route{
		Method:    http.MethodGet,
		Path:      "/status/",
		Summary:   "Read the system status",
		Tags:      []string{"status"},
		Security:  currentUser,
		Responses: []api.Response{{Status: http.StatusOK, Description: "The status", Value: Status{}}},
		Handler:   http.HandlerFunc(s.readSystemStatus),
	})

	s.declareHealthRoutes()
}

// DeclaredRoutes lists the server's routes without building a server, for
// `scopegate routes`.
func DeclaredRoutes() []api.RouteInfo {
	s := &Server{api: api.New(api.Config{Title: apiTitle, Version: apiVersion})}
	s.declareRoutes(http.NotFoundHandler())

	return s.api.Routes()
}
