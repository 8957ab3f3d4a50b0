package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/scopegate/scopegate/api"
	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

var docsUpdateSnapshot = flag.Bool("update", false,
	"rewrite testdata/openapi.json with the document that the server serves")

// docsSnapshotPath is the snapshot of the served OpenAPI document. Refresh
// it with `go test ./server -run TestOpenAPISnapshot -update` and review
// the diff.
var docsSnapshotPath = filepath.Join("testdata", "openapi.json")

// docsDocument is the part of the OpenAPI document that the tests read.
// Paths maps each path to its operations by lower-case method.
type docsDocument struct {
	Components struct {
		SecuritySchemes map[string]docsSecurityScheme `json:"securitySchemes"`
	} `json:"components"`
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

type docsSecurityScheme struct {
	Type  string                   `json:"type"`
	Flows map[string]docsOAuthFlow `json:"flows"`
}

type docsOAuthFlow struct {
	TokenURL string            `json:"tokenUrl"`
	Scopes   map[string]string `json:"scopes"`
}

// docsOperation is an operation of the document. Security is nil when the
// operation has no security member, which differs from an empty list.
type docsOperation struct {
	Security *[]map[string][]string `json:"security"`
}

func docsParseDocument(t *testing.T, data []byte) docsDocument {
	t.Helper()

	var doc docsDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("decode /openapi.json: %v", err)
	}

	return doc
}

// operation returns the operation of method and path, failing the test
// when the document lacks it.
func (d docsDocument) operation(t *testing.T, method, path string) docsOperation {
	t.Helper()

	raw, ok := d.Paths[path][strings.ToLower(method)]
	if !ok {
		t.Fatalf("the document has no operation %s %s", method, path)
	}

	var op docsOperation
	if err := json.Unmarshal(raw, &op); err != nil {
		t.Fatalf("decode operation %s %s: %v", method, path, err)
	}

	return op
}

// passwordFlow returns the one security scheme of the document, which must
// be an oauth2 scheme with the password flow only.
func (d docsDocument) passwordFlow(t *testing.T) docsOAuthFlow {
	t.Helper()

	schemes := d.Components.SecuritySchemes
	if len(schemes) != 1 {
		t.Fatalf("securitySchemes has %d entries, want 1", len(schemes))
	}

	scheme, ok := schemes[api.SecuritySchemeName]
	if !ok {
		t.Fatalf("securitySchemes lacks %q", api.SecuritySchemeName)
	}

	if scheme.Type != "oauth2" {
		t.Errorf("scheme type = %q, want oauth2", scheme.Type)
	}

	if len(scheme.Flows) != 1 {
		t.Errorf("scheme has %d flows, want only password", len(scheme.Flows))
	}

	flow, ok := scheme.Flows["password"]
	if !ok {
		t.Fatal("scheme has no password flow")
	}

	return flow
}

func TestOpenAPISnapshot(t *testing.T) {
	s := docsStartServer(t)

	got := s.document(t)

	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(got)
	if err != nil {
		t.Fatalf("kin-openapi cannot load the document: %v", err)
	}

	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("kin-openapi validation: %v", err)
	}

	if *docsUpdateSnapshot {
		if err := os.WriteFile(docsSnapshotPath, got, 0o644); err != nil {
			t.Fatal(err)
		}

		t.Logf("wrote %s", docsSnapshotPath)

		return
	}

	want, err := os.ReadFile(docsSnapshotPath)
	if err != nil {
		t.Fatalf("read snapshot: %v; create it with -update", err)
	}

	if !bytes.Equal(got, want) {
		t.Errorf("the served document differs from %s at %s; if the change is intended, "+
			"run go test ./server -run TestOpenAPISnapshot -update and review the diff",
			docsSnapshotPath, docsFirstDifference(got, want))
	}
}

// docsFirstDifference describes the first line where got and want differ.
func docsFirstDifference(got, want []byte) string {
	gotLines := bytes.Split(got, []byte("\n"))
	wantLines := bytes.Split(want, []byte("\n"))

	for i := range max(len(gotLines), len(wantLines)) {
		var g, w []byte
		if i < len(gotLines) {
			g = gotLines[i]
		}

		if i < len(wantLines) {
			w = wantLines[i]
		}

		if !bytes.Equal(g, w) {
			return fmt.Sprintf("line %d: got %q, want %q", i+1, g, w)
		}
	}

	return "no line (the documents are equal)"
}

// The document states one OAuth2 scheme with the password flow, whose
// relative tokenUrl resolves against the document's URL to the real token
// endpoint, and every scope of the catalog with its description.
func TestOpenAPISecurityScheme(t *testing.T) {
	s := docsStartServer(t)

	flow := docsParseDocument(t, s.document(t)).passwordFlow(t)

	if flow.TokenURL != "token" {
		t.Errorf("tokenUrl = %q, want the relative URL %q", flow.TokenURL, "token")
	}

	wantScopes := map[string]string{
		"me":    "Read information about the current user.",
		"items": "Read items.",
	}
	for name, want := range wantScopes {
		if got, ok := flow.Scopes[name]; !ok || got != want {
			t.Errorf("scope %q description = %q (listed %t), want %q", name, got, ok, want)
		}
	}

	if len(flow.Scopes) != len(wantScopes) {
		t.Errorf("flow lists %d scopes, want %d: %v", len(flow.Scopes), len(wantScopes), flow.Scopes)
	}

	documentURL, err := url.Parse(s.baseURL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}

	tokenURL, err := documentURL.Parse(flow.TokenURL)
	if err != nil {
		t.Fatal(err)
	}

	form := url.Values{"username": {"johndoe"}, "password": {"secret"}, "scope": {"me"}}
	resp := s.postToken(t, tokenURL.Path, "", form)
	if resp.status != http.StatusOK {
		t.Errorf("POST %s (tokenUrl resolved) status = %d, want 200; body %s",
			tokenURL, resp.status, resp.body)
	}
}

// Each operation's security lists the scheme once, with the operation's
// full accumulated scope list, and no extra entry without scopes, which
// OpenAPI would read as an alternative that needs no scope.
func TestOpenAPIOperationSecurity(t *testing.T) {
	s := docsStartServer(t)
	doc := docsParseDocument(t, s.document(t))

	tests := []struct {
		method, path string

		// want is the expected security list, each entry the scopes of
		// the scheme. An empty list means a public operation.
		want []scope.Set
	}{
		{method: "GET", path: "/users/me/", want: []scope.Set{scope.New("me")}},
		{method: "GET", path: "/users/me/items/", want: []scope.Set{scope.New("me", "items")}},
		{method: "GET", path: "/status/", want: []scope.Set{{}}},
		{method: "POST", path: "/token", want: []scope.Set{}},
		{method: "GET", path: "/healthz", want: []scope.Set{}},
		{method: "GET", path: "/readyz", want: []scope.Set{}},
	}

	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			op := doc.operation(t, tt.method, tt.path)
			if op.Security == nil {
				t.Fatal("operation has no security member")
			}

			got := *op.Security
			if len(got) != len(tt.want) {
				t.Fatalf("security has %d entries, want %d: %v", len(got), len(tt.want), got)
			}

			for i, entry := range got {
				docsCheckRequirement(t, i, entry, tt.want[i])
			}
		})
	}
}

// docsCheckRequirement checks that the security requirement entry names
// only the OAuth2 scheme, with exactly the scopes of want, each once. An
// empty want needs an empty list, not a missing one.
func docsCheckRequirement(t *testing.T, i int, entry map[string][]string, want scope.Set) {
	t.Helper()

	scopes, ok := entry[api.SecuritySchemeName]
	if !ok || len(entry) != 1 {
		t.Errorf("security[%d] = %v, want only %q", i, entry, api.SecuritySchemeName)
		return
	}

	if scopes == nil {
		t.Errorf("security[%d] scopes = null, want a list", i)
	}

	got := scope.New(scopes...)
	if len(scopes) != got.Len() {
		t.Errorf("security[%d] scopes = %q, which repeats a scope", i, scopes)
	}

	if !got.Equal(want) {
		t.Errorf("security[%d] scopes = %q, want %q", i, scopes, want.Names())
	}
}

// A scope that an operator adds to the store appears in the document once
// the server's catalog cache expires, without a restart.
func TestOpenAPIFollowsScopeCatalog(t *testing.T) {
	t.Parallel()

	s := docsStartServer(t)

	// The server keeps the stored scopes for 5 seconds before it reads
	// them again. The deadline adds 10 seconds for a loaded machine.
	const deadline = 15 * time.Second

	added := store.Scope{Name: "billing", Description: "Read invoices."}
	if err := s.store.AddScope(context.Background(), added); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	for {
		flow := docsParseDocument(t, s.document(t)).passwordFlow(t)
		if got, ok := flow.Scopes[added.Name]; ok {
			if got != added.Description {
				t.Errorf("scope %q description = %q, want %q", added.Name, got, added.Description)
			}

			if _, ok := flow.Scopes["me"]; !ok {
				t.Errorf("scope me is gone after adding %q: %v", added.Name, flow.Scopes)
			}

			t.Logf("scope %q appeared after %s", added.Name, time.Since(start).Round(time.Millisecond))

			return
		}

		if time.Since(start) > deadline {
			t.Fatalf("scope %q not in the document %s after it was added; scopes %v",
				added.Name, deadline, flow.Scopes)
		}

		time.Sleep(100 * time.Millisecond)
	}
}
