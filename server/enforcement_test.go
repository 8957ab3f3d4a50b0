package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/api"
	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/server"
)

// The scopes each protected route enforces are those its operation
// documents: every route is called with a real token for each subset of
// the catalog's scopes, and it answers 200 exactly when the subset
// satisfies one of the documented alternatives, and 403 insufficient_scope
// naming the documented scopes otherwise. The documented scopes are read
// from the served /openapi.json, not from the Go declarations.
func TestEnforcedScopesMatchDocument(t *testing.T) {
	s := docsStartServer(t)
	doc := docsParseDocument(t, s.document(t))

	catalog, err := server.LoadCatalog(context.Background(), s.store)
	if err != nil {
		t.Fatal(err)
	}

	subsets := docsSubsets(catalog.Set())
	tokens := make([]string, len(subsets))
	for i, subset := range subsets {
		tokens[i] = s.login(t, subset)
	}

	protected := 0
	for _, route := range s.server.Routes() {
		if route.Public {
			continue
		}

		protected++
		t.Run(route.Method+" "+route.Path, func(t *testing.T) {
			documented := docsDocumentedAlternatives(t, doc.operation(t, route.Method, route.Path))
			target := docsConcretePath(route.Path)

			resp := s.call(t, route.Method, target, "")
			if resp.status != http.StatusUnauthorized {
				t.Errorf("without a token: status = %d, want 401", resp.status)
			}

			for i, subset := range subsets {
				resp := s.call(t, route.Method, target, tokens[i])
				docsCheckEnforcement(t, subset, documented, resp)
			}
		})
	}

	if protected < 3 {
		t.Errorf("found %d protected routes, want at least the 3 of the tutorial app", protected)
	}
}

// docsCheckEnforcement checks the response to a token holding granted on
// a route whose documented alternatives are documented.
func docsCheckEnforcement(t *testing.T, granted scope.Set, documented []scope.Set, resp docsResponse) {
	t.Helper()

	if docsSatisfies(granted, documented) {
		if resp.status != http.StatusOK {
			t.Errorf("token with %q: status = %d, want 200; body %s", granted, resp.status, resp.body)
		}

		return
	}

	if resp.status != http.StatusForbidden {
		t.Errorf("token with %q: status = %d, want 403; body %s", granted, resp.status, resp.body)
		return
	}

	challenge := resp.header.Get("WWW-Authenticate")
	params, err := docsParseChallenge(challenge)
	if err != nil {
		t.Errorf("token with %q: WWW-Authenticate %q: %v", granted, challenge, err)
		return
	}

	if params["error"] != "insufficient_scope" {
		t.Errorf("token with %q: challenge error = %q, want insufficient_scope", granted, params["error"])
	}

	// The challenge's scope parameter cannot express alternatives, so it
	// lists all the scopes of the documented alternatives.
	want := scope.Set{}
	for _, alt := range documented {
		want = want.Union(alt)
	}

	got, err := scope.Parse(params["scope"])
	if err != nil || !got.Equal(want) {
		t.Errorf("token with %q: challenge scope = %q, want %q", granted, params["scope"], want)
	}
}

// docsDocumentedAlternatives returns the scope sets of a protected
// operation's security list, each an alternative that grants access.
func docsDocumentedAlternatives(t *testing.T, op docsOperation) []scope.Set {
	t.Helper()

	if op.Security == nil || len(*op.Security) == 0 {
		t.Fatal("protected operation documents no security requirement")
	}

	var alternatives []scope.Set
	for i, entry := range *op.Security {
		scopes, ok := entry[api.SecuritySchemeName]
		if !ok || len(entry) != 1 {
			t.Fatalf("security[%d] = %v, want only %q", i, entry, api.SecuritySchemeName)
		}

		alternatives = append(alternatives, scope.New(scopes...))
	}

	return alternatives
}

// docsSatisfies reports whether a token holding granted meets one of the
// alternatives.
func docsSatisfies(granted scope.Set, alternatives []scope.Set) bool {
	for _, alt := range alternatives {
		if granted.ContainsAll(alt) {
			return true
		}
	}

	return false
}

// docsSubsets returns every subset of set, the empty one first.
func docsSubsets(set scope.Set) []scope.Set {
	names := set.Names()
	subsets := make([]scope.Set, 0, 1<<len(names))
	for mask := range 1 << len(names) {
		var picked []string
		for i, name := range names {
			if mask&(1<<i) != 0 {
				picked = append(picked, name)
			}
		}

		subsets = append(subsets, scope.New(picked...))
	}

	return subsets
}

// docsConcretePath fills each {parameter} of an OpenAPI path with a
// value, so that the path can be requested.
func docsConcretePath(path string) string {
	segments := strings.Split(path, "/")
	for i, segment := range segments {
		if strings.HasPrefix(segment, "{") && strings.HasSuffix(segment, "}") {
			segments[i] = "x"
		}
	}

	return strings.Join(segments, "/")
}

// docsParseChallenge returns the auth-params of a Bearer challenge
// (RFC 9110 §11.6.1), such as
// Bearer realm="scopegate", error="insufficient_scope", scope="me items".
func docsParseChallenge(challenge string) (map[string]string, error) {
	scheme, rest, _ := strings.Cut(challenge, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, fmt.Errorf("scheme %q is not Bearer", scheme)
	}

	params := make(map[string]string)
	for rest = strings.TrimSpace(rest); rest != ""; {
		name, value, found := strings.Cut(rest, "=")
		if !found {
			return nil, fmt.Errorf("parameter %q has no value", rest)
		}

		unquoted, remainder, err := docsReadQuoted(value)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}

		params[strings.ToLower(strings.TrimSpace(name))] = unquoted
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(remainder), ","))
	}

	return params, nil
}

// docsReadQuoted reads the quoted-string at the start of s and returns its
// value and the rest of s.
func docsReadQuoted(s string) (value, rest string, err error) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", fmt.Errorf("value %q is not a quoted string", s)
	}

	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
			if i < len(s) {
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(s[i])
		}
	}

	return "", "", fmt.Errorf("value %q has no closing quote", s)
}

// The route list that `scopegate routes` prints, built without a server,
// is the list that the running server enforces.
func TestDeclaredRoutesMatchServer(t *testing.T) {
	s := docsStartServer(t)

	declared := server.DeclaredRoutes()
	served := s.server.Routes()

	if len(declared) != len(served) {
		t.Fatalf("DeclaredRoutes has %d routes, the server %d", len(declared), len(served))
	}

	for i := range declared {
		got := fmt.Sprintf("%s %s %s", declared[i].Method, declared[i].Path, declared[i].Access())
		want := fmt.Sprintf("%s %s %s", served[i].Method, served[i].Path, served[i].Access())
		if got != want {
			t.Errorf("route %d: DeclaredRoutes has %q, the server %q", i, got, want)
		}
	}
}
