package bearer_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
)

// grants is a Verifier for the example: it maps each token to the scopes
// it grants. A real server uses the token package.
type grants map[string]scope.Set

func (g grants) Verify(_ context.Context, token string) (bearer.Claims, error) {
	scopes, ok := g[token]
	if !ok {
		return bearer.Claims{}, bearer.ErrInvalidToken
	}

	return bearer.Claims{Subject: "johndoe", Scopes: scopes}, nil
}

func ExampleGuard_Require() {
	guard := bearer.New(bearer.Config{
		Verifier: grants{
			"token-me":       scope.New("me"),
			"token-me-items": scope.New("me", "items"),
		},
		Realm: "scopegate",
	})

	// The "current user" dependency needs "me", and the items route adds
	// "items" to it, so the route needs both.
	currentUser := bearer.Scopes("me")
	items := guard.Require(currentUser.With("items"))(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			identity, _ := bearer.FromContext(r.Context())
			fmt.Fprintf(w, "items of %s", identity.Claims.Subject)
		}))

	for _, authorization := range []string{"", "Bearer forged", "Bearer token-me", "Bearer token-me-items"} {
		req := httptest.NewRequest(http.MethodGet, "/users/me/items/", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}

		rec := httptest.NewRecorder()
		items.ServeHTTP(rec, req)

		if rec.Code != http.StatusOK {
			// One challenge parameter a line, for reading.
			challenge := rec.Header().Get("WWW-Authenticate")
			fmt.Println(rec.Code, strings.ReplaceAll(challenge, ", ", ",\n    "))
			continue
		}

		fmt.Println(rec.Code, rec.Body.String())
	}

	// Output:
	// 401 Bearer realm="scopegate",
	//     scope="me items"
	// 401 Bearer realm="scopegate",
	//     error="invalid_token",
	//     error_description="The access token is invalid or expired",
	//     scope="me items"
	// 403 Bearer realm="scopegate",
	//     error="insufficient_scope",
	//     error_description="The access token lacks a scope that this resource requires: me items",
	//     scope="me items"
	// 200 items of johndoe
}
