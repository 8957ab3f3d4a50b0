package api

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/scopegate/scopegate/internal/problem"
)

// swaggerUI holds the files of swagger-ui-dist that the page needs, and
// our index.html template and init.js.
//
//go:embed swaggerui/swagger-ui-bundle.js swaggerui/swagger-ui.css
//go:embed swaggerui/oauth2-redirect.html swaggerui/oauth2-redirect.js
//go:embed swaggerui/favicon-32x32.png swaggerui/favicon-16x16.png
//go:embed swaggerui/index.html swaggerui/init.js
var swaggerUI embed.FS

// docsFiles maps each file served below the docs path to its content type.
// The types are fixed here, not read from the system's MIME tables.
var docsFiles = map[string]string{
	"swagger-ui-bundle.js": "text/javascript; charset=utf-8",
	"swagger-ui.css":       "text/css; charset=utf-8",
	"oauth2-redirect.html": "text/html; charset=utf-8",
	"oauth2-redirect.js":   "text/javascript; charset=utf-8",
	"favicon-32x32.png":    "image/png",
	"favicon-16x16.png":    "image/png",
	"init.js":              "text/javascript; charset=utf-8",
}

var indexTemplate = template.Must(template.ParseFS(swaggerUI, "swaggerui/index.html"))

// docsFile is a file of the docs page, ready to serve.
type docsFile struct {
	data        []byte
	contentType string
	etag        string
}

func newDocsFile(data []byte, contentType string) docsFile {
	sum := sha256.Sum256(data)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`

	return docsFile{data: data, contentType: contentType, etag: etag}
}

// docs serves the OpenAPI document and the Swagger UI page.
type docs struct {
	api   *API
	path  string
	csp   string
	index docsFile
	files map[string]docsFile
}

func (a *API) docsHandler() (*docs, error) {
	index, err := renderIndex(a.cfg)
	if err != nil {
		return nil, err
	}

	d := &docs{
		api:   a,
		path:  a.cfg.DocsPath,
		csp:   contentSecurityPolicy(a.cfg.TokenURL),
		index: newDocsFile(index, "text/html; charset=utf-8"),
		files: make(map[string]docsFile, len(docsFiles)),
	}

	for name, contentType := range docsFiles {
		data, err := swaggerUI.ReadFile("swaggerui/" + name)
		if err != nil {
			return nil, fmt.Errorf("api: read embedded %s: %w", name, err)
		}

		d.files[name] = newDocsFile(data, contentType)
	}

	return d, nil
}

// renderIndex returns the page at cfg.DocsPath. Its links are relative,
// so the page works behind a proxy that adds a path prefix. With DocsPath
// /api/docs, the page links to docs/swagger-ui.css, which resolves to
// /api/docs/swagger-ui.css, and to ../openapi.json, which resolves to
// /openapi.json.
func renderIndex(cfg Config) ([]byte, error) {
	depth := strings.Count(cfg.DocsPath, "/")
	data := struct {
		Title, Base, OpenAPIURL, ClientID string
	}{
		Title:      cfg.Title,
		Base:       path.Base(cfg.DocsPath),
		OpenAPIURL: strings.Repeat("../", depth-1) + strings.TrimPrefix(OpenAPIPath, "/"),
		ClientID:   cfg.ClientID,
	}

	var page bytes.Buffer
	if err := indexTemplate.Execute(&page, data); err != nil {
		return nil, fmt.Errorf("api: render docs page: %w", err)
	}

	return page.Bytes(), nil
}

// contentSecurityPolicy returns the policy of the docs page: scripts,
// styles and requests from the page's own origin only, plus the origin of
// an absolute tokenURL, to which Swagger UI posts the password grant.
// Scripts get neither inline code nor eval, and styles no inline style
// element or attribute. Swagger UI 5.35.0 sets styles through the DOM's
// style properties, which the policy does not restrict. Images may be
// data: URLs, which swagger-ui.css uses for its icons. The browser test of
// package server fails on any violation of this policy that the page
// reports while the test drives it.
func contentSecurityPolicy(tokenURL string) string {
	connect := "'self'"
	if u, err := url.Parse(tokenURL); err == nil && u.IsAbs() {
		connect += " " + u.Scheme + "://" + u.Host
	}

	return "default-src 'self'; connect-src " + connect + "; img-src 'self' data:; " +
		"style-src 'self'; object-src 'none'; base-uri 'none'; " +
		"form-action 'self'; frame-ancestors 'none'"
}

// docsRoute is a mux pattern of the document or the page and its handler.
type docsRoute struct {
	pattern string
	handler http.HandlerFunc
}

func (d *docs) routes() []docsRoute {
	return []docsRoute{
		{"GET " + OpenAPIPath, d.serveDocument},
		{"GET " + d.path, d.serveIndex},
		{"GET " + d.path + "/{$}", d.redirectToIndex},
		{"GET " + d.path + "/{file}", d.serveFile},
	}
}

func (d *docs) serveDocument(w http.ResponseWriter, r *http.Request) {
	doc, err := d.api.documentJSON(r.Context())
	if err != nil {
		if d.api.cfg.OnError != nil {
			d.api.cfg.OnError(r, err)
		}

		detail := "The OpenAPI document is not available right now."
		problem.Write(w, problem.Details{Status: http.StatusServiceUnavailable, Detail: detail})

		return
	}

	serve(w, r, docsFile{data: doc.data, contentType: "application/json", etag: doc.etag})
}

func (d *docs) serveIndex(w http.ResponseWriter, r *http.Request) {
	d.setPageHeaders(w)
	serve(w, r, d.index)
}

// redirectToIndex sends /docs/ to /docs with a relative Location, which
// stays correct behind a proxy that adds a path prefix. The page's
// relative links only work from the path without the slash.
func (d *docs) redirectToIndex(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Location", "../"+path.Base(d.path))
	w.WriteHeader(http.StatusMovedPermanently)
}

func (d *docs) serveFile(w http.ResponseWriter, r *http.Request) {
	file, ok := d.files[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}

	d.setPageHeaders(w)
	serve(w, r, file)
}

func (d *docs) setPageHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", d.csp)
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// serve writes file with validators, so that a browser revalidates it
// with If-None-Match and gets 304 while it is unchanged.
func serve(w http.ResponseWriter, r *http.Request, file docsFile) {
	w.Header().Set("Content-Type", file.contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", file.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(file.data))
}

// checkDocsPath accepts a clean absolute path without a trailing slash or
// parameters, such as /docs or /api/docs.
func checkDocsPath(p string) error {
	if !strings.HasPrefix(p, "/") || p == "/" || path.Clean(p) != p || strings.ContainsAny(p, "{}?# ") {
		return fmt.Errorf("api: Config.DocsPath %q is not a clean absolute path such as /docs", p)
	}

	return nil
}

// checkTokenURL accepts a relative URL or an absolute http or https one.
func checkTokenURL(tokenURL string) error {
	u, err := url.Parse(tokenURL)
	if err != nil {
		return fmt.Errorf("api: Config.TokenURL: %w", err)
	}

	if u.IsAbs() && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
		return fmt.Errorf("api: Config.TokenURL %q is neither relative nor an http or https URL", tokenURL)
	}

	return nil
}
