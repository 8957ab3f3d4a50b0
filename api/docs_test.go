package api_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scopegate/scopegate/api"
)

const wantCSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"style-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

func TestOpenAPIEndpoint(t *testing.T) {
	a := mustTutorialAPI(t)
	srv := newServer(t, a)

	resp, body := get(t, srv.URL+"/openapi.json", nil)

	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}

	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}

	if want := string(documentJSON(t, a)); body != want {
		t.Errorf("body differs from DocumentJSON")
	}
}

func TestOpenAPIEndpointNotModified(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	first, _ := get(t, srv.URL+"/openapi.json", nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on /openapi.json")
	}

	again, body := get(t, srv.URL+"/openapi.json", http.Header{"If-None-Match": {etag}})
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("status with If-None-Match = %d, want 304", again.StatusCode)
	}

	if body != "" {
		t.Errorf("304 body = %q, want empty", body)
	}
}

func TestOpenAPIEndpointFollowsCatalog(t *testing.T) {
	catalog := &mutableCatalog{}
	catalog.add("me", "Read information about the current user.")
	a := api.New(api.Config{Title: "t", Version: "1", Scopes: catalog})
	srv := newServer(t, a)

	first, _ := get(t, srv.URL+"/openapi.json", nil)
	catalog.add("billing", "Read invoices.")
	second, body := get(t, srv.URL+"/openapi.json", http.Header{"If-None-Match": {first.Header.Get("ETag")}})

	if second.StatusCode != http.StatusOK {
		t.Fatalf("status after a catalog change = %d, want 200", second.StatusCode)
	}

	if !strings.Contains(body, `"billing": "Read invoices."`) {
		t.Errorf("document after adding billing lacks it")
	}
}

func TestOpenAPIEndpointCatalogError(t *testing.T) {
	catalog := &mutableCatalog{}
	catalog.add("me", "Read information about the current user.")

	var reported atomic.Value
	a := api.New(api.Config{
		Title:   "t",
		Version: "1",
		Scopes:  catalog,
		OnError: func(_ *http.Request, err error) { reported.Store(err) },
	})
	srv := newServer(t, a)
	catalog.fail(errCatalogDown)

	resp, body := get(t, srv.URL+"/openapi.json", nil)

	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", resp.StatusCode)
	}

	if got := resp.Header.Get("Content-Type"); got != api.ProblemContentType {
		t.Errorf("Content-Type = %q, want %q", got, api.ProblemContentType)
	}

	if strings.Contains(body, errCatalogDown.Error()) {
		t.Errorf("body %q reveals the internal error", body)
	}

	if err, _ := reported.Load().(error); err == nil || !strings.Contains(err.Error(), errCatalogDown.Error()) {
		t.Errorf("OnError got %v, want the catalog's error", err)
	}
}

func TestDocsPage(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	resp, body := get(t, srv.URL+"/docs", nil)

	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}

	if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/html; charset=utf-8", got)
	}

	if got := resp.Header.Get("Content-Security-Policy"); got != wantCSP {
		t.Errorf("Content-Security-Policy = %q\nwant %q", got, wantCSP)
	}

	for _, want := range []string{
		`<script src="docs/swagger-ui-bundle.js"`,
		`<script src="docs/init.js"`,
		`href="docs/swagger-ui.css"`,
		`data-openapi-url="openapi.json"`,
		`data-oauth2-redirect-url="docs/oauth2-redirect.html"`,
		`data-client-id="scopegate-public"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestDocsPageHasNoInlineScript(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	_, body := get(t, srv.URL+"/docs", nil)

	for _, tag := range regexp.MustCompile(`<script[^>]*>[^<]*</script>`).FindAllString(body, -1) {
		if !strings.Contains(tag, "src=") || !strings.HasSuffix(tag, "></script>") {
			t.Errorf("inline script %q, which the policy would block", tag)
		}
	}

	if regexp.MustCompile(`\son[a-z]+=`).MatchString(body) {
		t.Errorf("page has an inline event handler, which the policy would block")
	}
}

// TestDocsLoadNothingFromOtherHosts checks every reference that the served
// HTML, CSS and initialization script make: none is an absolute URL, so
// the page works offline and sends nothing to another host.
func TestDocsLoadNothingFromOtherHosts(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	references := regexp.MustCompile(`(?:src|href)="([^"]*)"|url\(([^)]*)\)|data-[a-z0-9-]+-url="([^"]*)"`)

	pages := []string{"/docs", "/docs/oauth2-redirect.html", "/docs/swagger-ui.css", "/docs/init.js"}
	for _, path := range pages {
		t.Run(path, func(t *testing.T) {
			_, body := get(t, srv.URL+path, nil)

			for _, match := range references.FindAllStringSubmatch(body, -1) {
				ref := strings.Trim(match[1]+match[2]+match[3], `"'`)
				if strings.HasPrefix(ref, "data:") {
					continue
				}

				u, err := url.Parse(ref)
				if err != nil || u.IsAbs() || u.Host != "" {
					t.Errorf("reference %q is not a relative URL", ref)
				}
			}

			if regexp.MustCompile(`https?://`).MatchString(body) && path != "/docs/swagger-ui.css" {
				t.Errorf("%s contains an absolute URL", path)
			}
		})
	}
}

func TestDocsInitDisablesValidator(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	_, body := get(t, srv.URL+"/docs/init.js", nil)

	for _, want := range []string{
		"validatorUrl: null",
		"persistAuthorization: false",
		"queryConfigEnabled: false",
		"clientId: root.dataset.clientId",
		`scopeSeparator: " "`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("init.js lacks %s", want)
		}
	}
}

func TestDocsFiles(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	tests := []struct {
		path, contentType, contains string
	}{
		{"/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8", "SwaggerUIBundle"},
		{"/docs/swagger-ui.css", "text/css; charset=utf-8", ".swagger-ui"},
		{"/docs/oauth2-redirect.html", "text/html; charset=utf-8", `<script src="oauth2-redirect.js">`},
		{"/docs/oauth2-redirect.js", "text/javascript; charset=utf-8", "swaggerUIRedirectOauth2"},
		{"/docs/init.js", "text/javascript; charset=utf-8", "SwaggerUIBundle({"},
		{"/docs/favicon-32x32.png", "image/png", "\x89PNG"},
		{"/docs/favicon-16x16.png", "image/png", "\x89PNG"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, srv.URL+tt.path, nil)

			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}

			if got := resp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}

			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}

			if !strings.Contains(body, tt.contains) {
				t.Errorf("body lacks %q", tt.contains)
			}
		})
	}
}

func TestDocsRedirectPageHasPolicy(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	resp, _ := get(t, srv.URL+"/docs/oauth2-redirect.html", nil)

	if got := resp.Header.Get("Content-Security-Policy"); got != wantCSP {
		t.Errorf("Content-Security-Policy = %q, want %q", got, wantCSP)
	}
}

func TestDocsUnknownFile(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	unknown := []string{"/docs/index.html", "/docs/LICENSE", "/docs/swagger-ui-bundle.js.map", "/docs/%2e%2e"}
	for _, path := range unknown {
		if resp, _ := get(t, srv.URL+path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s status = %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestDocsTrailingSlashRedirects(t *testing.T) {
	srv := newServer(t, mustTutorialAPI(t))

	resp, _ := get(t, srv.URL+"/docs/", nil)

	if resp.StatusCode != http.StatusMovedPermanently {
		t.Errorf("status = %d, want 301", resp.StatusCode)
	}

	if got := resp.Header.Get("Location"); got != "../docs" {
		t.Errorf("Location = %q, want the relative ../docs", got)
	}
}

func TestDocsUnderPrefix(t *testing.T) {
	cfg := testConfig()
	cfg.DocsPath = "/api/docs"
	a := api.New(cfg)
	srv := newServer(t, a)

	resp, body := get(t, srv.URL+"/api/docs", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}

	for _, want := range []string{`data-openapi-url="../openapi.json"`, `<script src="docs/init.js"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}

	if resp, _ := get(t, srv.URL+"/api/docs/init.js", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /api/docs/init.js status = %d, want 200", resp.StatusCode)
	}
}

func TestDocsPolicyAllowsAbsoluteTokenURL(t *testing.T) {
	a := api.New(api.Config{
		Title:    "t",
		Version:  "1",
		Scopes:   api.StaticCatalog(tutorialCatalog()),
		TokenURL: "https://auth.example.test/oauth/token",
	})
	srv := newServer(t, a)

	resp, _ := get(t, srv.URL+"/docs", nil)

	policy := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(policy, "connect-src 'self' https://auth.example.test;") {
		t.Errorf("Content-Security-Policy = %q, want connect-src to allow the token endpoint's origin", policy)
	}
}

func TestDocsPageEscapesConfig(t *testing.T) {
	a := api.New(api.Config{
		Title:    `<script>alert(1)</script>`,
		Version:  "1",
		Scopes:   api.StaticCatalog(tutorialCatalog()),
		ClientID: `x" onload="alert(1)`,
	})

	h, err := a.Handler(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	srv := newServerFromHandler(t, h)
	_, body := get(t, srv+"/docs", nil)

	if strings.Contains(body, "<script>alert") || strings.Contains(body, `" onload="`) {
		t.Errorf("page does not escape the configuration:\n%s", body)
	}
}
