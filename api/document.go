package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/scopegate/scopegate/scope"
)

// OpenAPIVersion is the version of the OpenAPI Specification that the
// document follows.
const OpenAPIVersion = "3.1.0"

// Document returns the OpenAPI document of the declared routes, with the
// scopes of the current catalog. It returns the same errors in the
// declarations as [API.Handler].
func (a *API) Document(ctx context.Context) (*openapi3.T, error) {
	catalog, err := a.catalog(ctx)
	if err != nil {
		return nil, err
	}

	a.mu.Lock()
	routes := a.routes
	a.mu.Unlock()

	return a.build(routes, catalog)
}

// DocumentJSON returns the document as indented JSON with a final newline.
// Object keys are sorted, so the same routes and catalog give the same
// bytes, which suits a snapshot test. The document is validated with
// kin-openapi, and an invalid document is an error.
func (a *API) DocumentJSON(ctx context.Context) ([]byte, error) {
	cached, err := a.documentJSON(ctx)
	if err != nil {
		return nil, err
	}

	return bytes.Clone(cached.data), nil
}

// documentJSON returns the cached document, built again when the catalog
// entries differ from those it was built with.
func (a *API) documentJSON(ctx context.Context) (builtDocument, error) {
	catalog, err := a.catalog(ctx)
	if err != nil {
		return builtDocument{}, err
	}

	entries := catalog.Entries()

	a.mu.Lock()
	defer a.mu.Unlock()

	if cached, ok := a.cache.lookup(entries); ok {
		return cached, nil
	}

	doc, err := a.build(a.routes, catalog)
	if err != nil {
		return builtDocument{}, err
	}

	data, err := marshalDocument(doc)
	if err != nil {
		return builtDocument{}, err
	}

	if err := validateDocument(ctx, data); err != nil {
		return builtDocument{}, err
	}

	return a.cache.store(entries, data), nil
}

func (a *API) catalog(ctx context.Context) (*scope.Catalog, error) {
	if a.cfg.Scopes == nil {
		return nil, errors.New("api: Config.Scopes is nil")
	}

	catalog, err := a.cfg.Scopes.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("api: read scope catalog: %w", err)
	}

	if catalog == nil {
		return nil, errors.New("api: the scope catalog is nil")
	}

	return catalog, nil
}

// build returns the document of routes, or the errors in their
// declarations.
func (a *API) build(routes []Route, catalog *scope.Catalog) (*openapi3.T, error) {
	if err := a.checkRoutes(routes, catalog); err != nil {
		return nil, err
	}

	doc := &openapi3.T{
		OpenAPI: OpenAPIVersion,
		Info: &openapi3.Info{
			Title:       a.cfg.Title,
			Version:     a.cfg.Version,
			Description: a.cfg.Description,
		},
		Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: openapi3.Schemas{},
			SecuritySchemes: openapi3.SecuritySchemes{
				SecuritySchemeName: securityScheme(a.cfg.TokenURL, catalog.Entries()),
			},
		},
	}

	schemas := newSchemaGenerator(doc.Components.Schemas)

	auth, err := addAuthResponses(doc.Components, schemas)
	if err != nil {
		return nil, err
	}

	for _, r := range routes {
		op, err := operation(r, schemas, auth)
		if err != nil {
			return nil, &RouteError{Method: r.Method, Path: r.Path, Err: err}
		}

		doc.AddOperation(r.Path, r.Method, op)
	}

	return doc, nil
}

// addAuthResponses adds the responses of the bearer middleware to the
// document's components and returns references to them by status code.
func addAuthResponses(components *openapi3.Components, schemas *schemaGenerator) (map[int]string, error) {
	components.Responses = openapi3.ResponseBodies{}
	refs := make(map[int]string)
	for _, auth := range authResponses() {
		value, err := response(auth.Response, schemas)
		if err != nil {
			return nil, err
		}

		components.Responses[auth.name] = &openapi3.ResponseRef{Value: value}
		refs[auth.Status] = "#/components/responses/" + auth.name
	}

	return refs, nil
}

// operation returns the document's operation for r. A Public route gets
// an empty security list, which states that it needs no token. A
// protected route gets the responses of the bearer middleware, auth, as
// references, for the statuses it does not declare itself. The 403
// response is left out when any token satisfies the route's scopes.
func operation(r Route, schemas *schemaGenerator, auth map[int]string) (*openapi3.Operation, error) {
	op := &openapi3.Operation{
		Summary:     r.Summary,
		Description: r.Description,
		Tags:        r.Tags,
		OperationID: r.operationID(),
		Responses:   openapi3.NewResponses(),
		Security:    &openapi3.SecurityRequirements{},
	}

	for _, name := range pathParameters(r.Path) {
		param := openapi3.NewPathParameter(name).WithSchema(openapi3.NewStringSchema())
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: param})
	}

	if r.Request != nil {
		body, err := requestBody(*r.Request, schemas)
		if err != nil {
			return nil, err
		}

		op.RequestBody = &openapi3.RequestBodyRef{Value: body}
	}

	if !r.Public {
		op.Security = securityRequirements(r.Security)
		for _, status := range slices.Sorted(maps.Keys(auth)) {
			if status == http.StatusForbidden && !needsScope(r.Security) {
				continue
			}

			op.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Ref: auth[status]})
		}
	}

	for _, resp := range r.Responses {
		value, err := response(resp, schemas)
		if err != nil {
			return nil, err
		}

		op.Responses.Set(strconv.Itoa(resp.Status), &openapi3.ResponseRef{Value: value})
	}

	return op, nil
}

func requestBody(b Body, schemas *schemaGenerator) (*openapi3.RequestBody, error) {
	contentType := b.ContentType
	if contentType == "" {
		contentType = "application/json"
	}

	content, err := content(contentType, b.Value, schemas)
	if err != nil {
		return nil, err
	}

	for _, other := range b.AlsoAccepted {
		content[other] = content[contentType]
	}

	body := &openapi3.RequestBody{Description: b.Description, Required: !b.Optional, Content: content}

	return body, nil
}

func response(r Response, schemas *schemaGenerator) (*openapi3.Response, error) {
	description := r.Description
	if description == "" {
		description = http.StatusText(r.Status)
	}

	resp := openapi3.NewResponse().WithDescription(description)

	contentType := r.ContentType
	if contentType == "" && r.Value != nil {
		contentType = "application/json"
	}

	if contentType != "" {
		content, err := content(contentType, r.Value, schemas)
		if err != nil {
			return nil, err
		}

		resp.Content = content
	}

	for name, description := range r.Headers {
		if resp.Headers == nil {
			resp.Headers = openapi3.Headers{}
		}

		header := &openapi3.Header{Parameter: openapi3.Parameter{
			Description: description,
			Schema:      openapi3.NewStringSchema().NewRef(),
		}}
		resp.Headers[name] = &openapi3.HeaderRef{Value: header}
	}

	return resp, nil
}

// content returns the content map of one media type, with the schema of
// value's type unless value is nil.
func content(contentType string, value any, schemas *schemaGenerator) (openapi3.Content, error) {
	media := openapi3.NewMediaType()
	if value != nil {
		ref, err := schemas.schemaRef(value)
		if err != nil {
			return nil, err
		}

		media.Schema = ref
	}

	return openapi3.Content{contentType: media}, nil
}

// marshalDocument returns doc as JSON indented by two spaces.
func marshalDocument(doc *openapi3.T) ([]byte, error) {
	compact, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("api: encode document: %w", err)
	}

	var indented bytes.Buffer
	if err := json.Indent(&indented, compact, "", "  "); err != nil {
		return nil, fmt.Errorf("api: indent document: %w", err)
	}

	indented.WriteByte('\n')

	return indented.Bytes(), nil
}

// validateDocument loads the encoded document as a client would, which
// resolves every $ref, and validates it against the OpenAPI version it
// declares.
func validateDocument(ctx context.Context, data []byte) error {
	loader := openapi3.NewLoader()
	loader.Context = ctx

	doc, err := loader.LoadFromData(data)
	if err != nil {
		return fmt.Errorf("api: load generated document: %w", err)
	}

	if err := doc.Validate(ctx); err != nil {
		return fmt.Errorf("api: invalid generated document: %w", err)
	}

	return nil
}

// builtDocument is an encoded document and its entity tag.
type builtDocument struct {
	data []byte
	etag string
}

// documentCache keeps the last encoded document and the catalog entries it
// was built with. The API's mutex guards it.
type documentCache struct {
	valid   bool
	entries []scope.Entry
	doc     builtDocument
}

func (c *documentCache) lookup(entries []scope.Entry) (builtDocument, bool) {
	if !c.valid || !slices.Equal(c.entries, entries) {
		return builtDocument{}, false
	}

	return c.doc, true
}

func (c *documentCache) store(entries []scope.Entry, data []byte) builtDocument {
	sum := sha256.Sum256(data)
	c.valid = true
	c.entries = entries
	c.doc = builtDocument{data: data, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}

	return c.doc
}

func (c *documentCache) reset() {
	*c = documentCache{}
}
