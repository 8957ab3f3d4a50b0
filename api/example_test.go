package api_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/scopegate/scopegate/api"
	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
)

func Example() {
	var catalog scope.Catalog
	catalog.MustDeclare("me", "Read information about the current user.")
	catalog.MustDeclare("items", "Read items.")

	a := api.New(api.Config{
		Title:   "Items",
		Version: "1.0.0",
		Scopes:  api.StaticCatalog(&catalog),
		// Enforcer: a *bearer.Guard, which Handler needs for the
		// protected routes.
	})

	// The items route is built on the "me" requirement and adds its own
	// scope, so a token needs both.
	me := bearer.Scopes("me")
	a.Handle(api.Route{
		Method:    http.MethodGet,
		Path:      "/users/me/",
		Summary:   "Read the current user",
		Security:  me,
		Responses: []api.Response{{Status: http.StatusOK, Value: User{}}},
		Handler:   text("me"),
	})
	a.Handle(api.Route{
		Method:    http.MethodGet,
		Path:      "/users/me/items/",
		Summary:   "Read the current user's items",
		Security:  me.With("items"),
		Responses: []api.Response{{Status: http.StatusOK, Value: []Item{}}},
		Handler:   text("items"),
	})

	for _, r := range a.Routes() {
		fmt.Printf("%-4s %-17s %s\n", r.Method, r.Path, r.Access())
	}

	doc, err := a.Document(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}

	security := *doc.Paths.Value("/users/me/items/").Get.Security
	fmt.Println(security)
	// Output:
	// GET  /users/me/        me
	// GET  /users/me/items/  me items
	// GET  /openapi.json     public
	// GET  /docs             public
	// GET  /docs/{file}      public
	// [map[OAuth2PasswordBearer:[me items]]]
}
