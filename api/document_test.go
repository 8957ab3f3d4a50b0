package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/scopegate/scopegate/api"
	"github.com/scopegate/scopegate/bearer"
)

// documentJSON returns the document of a, failing the test on error.
func documentJSON(t *testing.T, a *api.API) []byte {
	t.Helper()

	data, err := a.DocumentJSON(context.Background())
	if err != nil {
		t.Fatalf("DocumentJSON: %v", err)
	}

	return data
}

// lookup returns the JSON value at the given object keys of data, in
// compact form.
func lookup(t *testing.T, data []byte, keys ...string) string {
	t.Helper()

	value := json.RawMessage(data)
	for _, key := range keys {
		var object map[string]json.RawMessage
		if err := json.Unmarshal(value, &object); err != nil {
			t.Fatalf("%v: not an object before %q: %v", keys, key, err)
		}

		var ok bool
		if value, ok = object[key]; !ok {
			t.Fatalf("%v: no key %q", keys, key)
		}
	}

	var compact bytes.Buffer
	if err := json.Compact(&compact, value); err != nil {
		t.Fatalf("compact %v: %v", keys, err)
	}

	return compact.String()
}

func TestDocumentValidates(t *testing.T) {
	a, _ := newTutorialAPI(t, api.Route{
		Method:    http.MethodDelete,
		Path:      "/items/{item_id}",
		Security:  bearer.Scopes("items"),
		Responses: []api.Response{{Status: http.StatusNoContent}},
		Handler:   text(""),
	})
	data := documentJSON(t, a)

	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("LoadFromData: %v", err)
	}

	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q, want 3.1", doc.OpenAPI)
	}

	if err := doc.Validate(loader.Context); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestDocumentOpenAPIVersion(t *testing.T) {
	a, _ := newTutorialAPI(t)

	if got := lookup(t, documentJSON(t, a), "openapi"); got != `"3.1.0"` {
		t.Errorf("openapi = %s, want \"3.1.0\"", got)
	}
}

// TestDocumentSecurity checks that each operation states its full scope
// list once, with no extra entry that would let any token through.
func TestDocumentSecurity(t *testing.T) {
	extra := []api.Route{
		{
			Method:    http.MethodGet,
			Path:      "/either/",
			Security:  bearer.AnyOf(bearer.Scopes("me"), bearer.Scopes("items")),
			Responses: []api.Response{{Status: http.StatusOK}},
			Handler:   text("either"),
		},
		{
			Method:    http.MethodGet,
			Path:      "/implied/",
			Security:  bearer.AnyOf(bearer.Scopes("me", "items"), bearer.Authenticated),
			Responses: []api.Response{{Status: http.StatusOK}},
			Handler:   text("implied"),
		},
		{
			Method:    http.MethodGet,
			Path:      "/repeated/",
			Security:  bearer.AnyOf(bearer.Scopes("me"), bearer.Scopes("me")).With("me"),
			Responses: []api.Response{{Status: http.StatusOK}},
			Handler:   text("repeated"),
		},
	}
	data := documentJSON(t, mustTutorialAPI(t, extra...))

	tests := []struct {
		name, method, path, want string
	}{
		{"one scope", "get", "/users/me/", `[{"OAuth2PasswordBearer":["me"]}]`},
		{"accumulated scopes", "get", "/users/me/items/", `[{"OAuth2PasswordBearer":["me","items"]}]`},
		{"authenticated", "get", "/status/", `[{"OAuth2PasswordBearer":[]}]`},
		{"public", "post", "/token", `[]`},
		{"alternatives", "get", "/either/", `[{"OAuth2PasswordBearer":["me"]},{"OAuth2PasswordBearer":["items"]}]`},
		{"implied alternative dropped", "get", "/implied/", `[{"OAuth2PasswordBearer":[]}]`},
		{"repeats dropped", "get", "/repeated/", `[{"OAuth2PasswordBearer":["me"]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lookup(t, data, "paths", tt.path, tt.method, "security"); got != tt.want {
				t.Errorf("security of %s %s = %s, want %s", tt.method, tt.path, got, tt.want)
			}
		})
	}
}

func mustTutorialAPI(t *testing.T, extra ...api.Route) *api.API {
	t.Helper()

	a, _ := newTutorialAPI(t, extra...)

	return a
}

func TestDocumentSecurityScheme(t *testing.T) {
	data := documentJSON(t, mustTutorialAPI(t))

	want := `{"OAuth2PasswordBearer":{"description":"OAuth 2.0 password grant. ` +
		`The access token is sent as a bearer token (RFC 6750).",` +
		`"flows":{"password":{"scopes":{"items":"Read items.",` +
		`"me":"Read information about the current user."},"tokenUrl":"token"}},"type":"oauth2"}}`
	if got := lookup(t, data, "components", "securitySchemes"); got != want {
		t.Errorf("securitySchemes = %s\nwant %s", got, want)
	}
}

func TestDocumentTokenURL(t *testing.T) {
	a := api.New(api.Config{
		Title:    "t",
		Version:  "1",
		Scopes:   api.StaticCatalog(tutorialCatalog()),
		TokenURL: "https://auth.example.test/token",
	})
	data := documentJSON(t, a)

	got := lookup(t, data, "components", "securitySchemes", api.SecuritySchemeName,
		"flows", "password", "tokenUrl")
	if got != `"https://auth.example.test/token"` {
		t.Errorf("tokenUrl = %s, want the configured URL", got)
	}
}

func TestDocumentAuthResponses(t *testing.T) {
	data := documentJSON(t, mustTutorialAPI(t))

	tests := []struct {
		name, method, path, status, want string
	}{
		{"401 of protected", "get", "/users/me/", "401", `{"$ref":"#/components/responses/Unauthorized"}`},
		{"403 of protected", "get", "/users/me/items/", "403", `{"$ref":"#/components/responses/Forbidden"}`},
		{"401 of authenticated", "get", "/status/", "401", `{"$ref":"#/components/responses/Unauthorized"}`},
		{"503 of protected", "get", "/users/me/", "503", `{"$ref":"#/components/responses/ServiceUnavailable"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lookup(t, data, "paths", tt.path, tt.method, "responses", tt.status); got != tt.want {
				t.Errorf("response %s = %s, want %s", tt.status, got, tt.want)
			}
		})
	}
}

// A route that any valid token satisfies never returns 403, so its
// operation must not list that response.
func TestDocumentAuthenticatedHasNo403(t *testing.T) {
	data := documentJSON(t, mustTutorialAPI(t))

	var responses map[string]any
	encoded := lookup(t, data, "paths", "/status/", "get", "responses")
	if err := json.Unmarshal([]byte(encoded), &responses); err != nil {
		t.Fatal(err)
	}

	if _, ok := responses["403"]; ok {
		t.Errorf("GET /status/ lists a 403 response, which a route without scopes never sends: %s", encoded)
	}

	for _, status := range []string{"200", "401", "503"} {
		if _, ok := responses[status]; !ok {
			t.Errorf("GET /status/ lacks its %s response: %s", status, encoded)
		}
	}
}

func TestDocumentPublicHasNoAuthResponses(t *testing.T) {
	data := documentJSON(t, mustTutorialAPI(t))

	var responses map[string]any
	encoded := lookup(t, data, "paths", "/token", "post", "responses")
	if err := json.Unmarshal([]byte(encoded), &responses); err != nil {
		t.Fatal(err)
	}

	for _, status := range []string{"401", "403", "503"} {
		if _, ok := responses[status]; ok {
			t.Errorf("public /token lists a %s response, want none", status)
		}
	}
}

func TestDocumentProblemResponses(t *testing.T) {
	data := documentJSON(t, mustTutorialAPI(t))

	for _, name := range []string{"Unauthorized", "Forbidden", "ServiceUnavailable"} {
		t.Run(name, func(t *testing.T) {
			schema := lookup(t, data, "components", "responses", name, "content", "application/problem+json", "schema")
			if schema != `{"$ref":"#/components/schemas/Problem"}` {
				t.Errorf("schema = %s, want the Problem component", schema)
			}
		})
	}

	for _, name := range []string{"Unauthorized", "Forbidden"} {
		t.Run(name+" challenge", func(t *testing.T) {

			description := lookup(t, data, "components", "responses", name, "description")
			if !strings.Contains(description, "WWW-Authenticate") {
				t.Errorf("description = %s, want it to mention WWW-Authenticate", description)
			}

			header := lookup(t, data, "components", "responses", name, "headers", "WWW-Authenticate", "schema")
			if header != `{"type":"string"}` {
				t.Errorf("WWW-Authenticate header schema = %s, want a string", header)
			}
		})
	}
}

func TestDocumentOwnAuthResponseWins(t *testing.T) {
	a, _ := newTutorialAPI(t, api.Route{
		Method:   http.MethodGet,
		Path:     "/own/",
		Security: bearer.Scopes("me"),
		Responses: []api.Response{
			{Status: http.StatusOK},
			{Status: http.StatusForbidden, Description: "Not your item."},
		},
		Handler: text("own"),
	})
	data := documentJSON(t, a)

	own := lookup(t, data, "paths", "/own/", "get", "responses", "403", "description")
	if own != `"Not your item."` {
		t.Errorf("403 description = %s, want the route's own", own)
	}

	bearerResponse := lookup(t, data, "paths", "/own/", "get", "responses", "401")
	if bearerResponse != `{"$ref":"#/components/responses/Unauthorized"}` {
		t.Errorf("401 = %s, want the bearer response", bearerResponse)
	}
}

func TestDocumentSchemas(t *testing.T) {
	data := documentJSON(t, mustTutorialAPI(t))

	tests := []struct {
		name string
		keys []string
		want string
	}{
		{
			name: "token request body",
			keys: []string{"paths", "/token", "post", "requestBody", "content"},
			want: `{"application/x-www-form-urlencoded":{"schema":{"$ref":"#/components/schemas/TokenRequest"}},` +
				`"multipart/form-data":{"schema":{"$ref":"#/components/schemas/TokenRequest"}}}`,
		},
		{
			name: "token request body required",
			keys: []string{"paths", "/token", "post", "requestBody", "required"},
			want: `true`,
		},
		{
			name: "token request required fields",
			keys: []string{"components", "schemas", "TokenRequest", "required"},
			want: `["username","password"]`,
		},
		{
			name: "password format",
			keys: []string{"components", "schemas", "TokenRequest", "properties", "password"},
			want: `{"format":"password","type":"string"}`,
		},
		{
			name: "grant type enum",
			keys: []string{"components", "schemas", "TokenRequest", "properties", "grant_type", "enum"},
			want: `["password","refresh_token"]`,
		},
		{
			name: "scope description",
			keys: []string{"components", "schemas", "TokenRequest", "properties", "scope", "description"},
			want: `"Space-separated scopes to request."`,
		},
		{
			name: "RFC 6749 error at token",
			keys: []string{"paths", "/token", "post", "responses", "400", "content", "application/json", "schema"},
			want: `{"$ref":"#/components/schemas/OAuthError"}`,
		},
		{
			name: "RFC 6749 error fields",
			keys: []string{"components", "schemas", "OAuthError", "required"},
			want: `["error"]`,
		},
		{
			name: "documented header",
			keys: []string{"paths", "/token", "post", "responses", "200", "headers", "Cache-Control", "description"},
			want: `"no-store"`,
		},
		{
			name: "nullable pointer field",
			keys: []string{"components", "schemas", "User", "properties", "full_name", "type"},
			want: `["string","null"]`,
		},
		{
			name: "array of components",
			keys: []string{
				"paths", "/users/me/items/", "get", "responses", "200", "content", "application/json", "schema",
			},
			want: `{"items":{"$ref":"#/components/schemas/Item"},"type":"array"}`,
		},
		{
			name: "problem fields",
			keys: []string{"components", "schemas", "Problem", "properties", "detail", "type"},
			want: `"string"`,
		},
		{
			name: "problem required fields",
			keys: []string{"components", "schemas", "Problem", "required"},
			want: `["type","title","status"]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lookup(t, data, tt.keys...); got != tt.want {
				t.Errorf("%v = %s, want %s", tt.keys, got, tt.want)
			}
		})
	}
}

func TestDocumentNoNullableKeyword(t *testing.T) {
	data := documentJSON(t, mustTutorialAPI(t))

	if bytes.Contains(data, []byte(`"nullable"`)) {
		t.Errorf("document contains the OpenAPI 3.0 keyword nullable, want a type list with null")
	}
}

func TestDocumentPathParameters(t *testing.T) {
	a, _ := newTutorialAPI(t, api.Route{
		Method:    http.MethodGet,
		Path:      "/items/{item_id}",
		Security:  bearer.Scopes("items"),
		Responses: []api.Response{{Status: http.StatusOK, Value: Item{}}},
		Handler:   text("item"),
	})
	data := documentJSON(t, a)

	want := `[{"in":"path","name":"item_id","required":true,"schema":{"type":"string"}}]`
	if got := lookup(t, data, "paths", "/items/{item_id}", "get", "parameters"); got != want {
		t.Errorf("parameters = %s, want %s", got, want)
	}
}

func TestDocumentOperationIDs(t *testing.T) {
	data := documentJSON(t, mustTutorialAPI(t))

	tests := []struct {
		method, path, want string
	}{
		{"post", "/token", `"post_token"`},
		{"get", "/users/me/", `"get_users_me"`},
		{"get", "/users/me/items/", `"get_users_me_items"`},
	}
	for _, tt := range tests {
		if got := lookup(t, data, "paths", tt.path, tt.method, "operationId"); got != tt.want {
			t.Errorf("operationId of %s %s = %s, want %s", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestDocumentDeterministic(t *testing.T) {
	first := documentJSON(t, mustTutorialAPI(t))

	for range 5 {
		if again := documentJSON(t, mustTutorialAPI(t)); !bytes.Equal(first, again) {
			t.Fatalf("two builds of the same routes differ:\n%s\n---\n%s", first, again)
		}
	}

	if !bytes.HasSuffix(first, []byte("}\n")) || !bytes.Contains(first, []byte("\n  \"info\"")) {
		t.Errorf("document is not indented JSON with a final newline")
	}
}

func TestDocumentFollowsCatalog(t *testing.T) {
	catalog := &mutableCatalog{}
	catalog.add("me", "Read information about the current user.")

	a := api.New(api.Config{Title: "t", Version: "1", Scopes: catalog, Enforcer: &recordingEnforcer{}})
	a.Handle(api.Route{
		Method:    http.MethodGet,
		Path:      "/users/me/",
		Security:  bearer.Scopes("me"),
		Responses: []api.Response{{Status: http.StatusOK}},
		Handler:   text("me"),
	})

	scopesKeys := []string{
		"components", "securitySchemes", api.SecuritySchemeName, "flows", "password", "scopes",
	}

	before := documentJSON(t, a)
	if got := lookup(t, before, scopesKeys...); got != `{"me":"Read information about the current user."}` {
		t.Fatalf("scopes = %s, want me only", got)
	}

	catalog.add("billing", "Read invoices.")

	after := documentJSON(t, a)
	want := `{"billing":"Read invoices.","me":"Read information about the current user."}`
	if got := lookup(t, after, scopesKeys...); got != want {
		t.Errorf("scopes after adding billing = %s, want %s", got, want)
	}
}

func TestDocumentCatalogError(t *testing.T) {
	catalog := &mutableCatalog{}
	catalog.fail(errCatalogDown)
	a := api.New(api.Config{Title: "t", Version: "1", Scopes: catalog})

	_, err := a.DocumentJSON(context.Background())
	if err == nil {
		t.Fatal("DocumentJSON succeeded with a failing catalog, want an error")
	}

	if !strings.Contains(err.Error(), errCatalogDown.Error()) {
		t.Errorf("error = %q, want it to contain the catalog's error", err)
	}
}

func TestDocumentReturnsCopy(t *testing.T) {
	a := mustTutorialAPI(t)

	first := documentJSON(t, a)
	original := slices.Clone(first)
	clear(first)

	if again := documentJSON(t, a); !bytes.Equal(again, original) {
		t.Errorf("changing the returned bytes changed the cached document")
	}
}

func TestDocumentModel(t *testing.T) {
	doc, err := mustTutorialAPI(t).Document(context.Background())
	if err != nil {
		t.Fatalf("Document: %v", err)
	}

	op := doc.Paths.Find("/users/me/items/").Get
	if op == nil || op.Security == nil {
		t.Fatalf("GET /users/me/items/ has no operation or no security")
	}

	if got := len(*op.Security); got != 1 {
		t.Fatalf("security has %d entries, want 1", got)
	}

	if got := (*op.Security)[0][api.SecuritySchemeName]; !slices.Equal(got, []string{"me", "items"}) {
		t.Errorf("scopes = %v, want [me items]", got)
	}
}
