// Package api declares each route of a scope-protected HTTP API once.
// From that one declaration it builds the handler that enforces the
// route's scopes, the OpenAPI 3.1 document served at /openapi.json with
// its Swagger UI page at /docs, and the route list of the command line.
// So the three cannot disagree.
//
// # Routes
//
// A [Route] names its method, path, summary, request and response bodies,
// and either a [bearer.Requirement] in Security or Public set to true.
// [API.Handler] rejects a route that declares neither or both, a route
// declared twice, and a requirement naming a scope that the scope catalog
// does not declare. The server then does not start, which is the point: a
// route that forgot its security fails closed at start-up instead of
// serving requests unprotected.
//
// # The OpenAPI document
//
// The document has one security scheme, [SecuritySchemeName], of type
// oauth2 with the password flow. Its scopes are the entries of the scope
// catalog, read again on each request for the document so that scopes an
// operator adds at run time appear without a restart. Each protected
// operation lists its scope sets once each, as security requirement
// objects that OpenAPI reads as alternatives. Schemas are generated from
// the Go values of the bodies with kin-openapi's openapi3gen, from their
// json tags. A field without omitempty or omitzero is required, and the
// struct tags doc, format and enum set the description, format and allowed
// values of a field's schema:
//
//	type TokenRequest struct {
//		Username string `json:"username"`
//		Password string `json:"password" format:"password"`
//		Scope    string `json:"scope,omitempty" doc:"Space-separated scopes to request."`
//	}
//
// # Swagger UI
//
// The page at Config.DocsPath serves Swagger UI from the files of the npm
// package swagger-ui-dist, embedded in the binary (see swaggerui/README.md
// for the version). The page loads nothing from another host and is
// served with a Content-Security-Policy that allows scripts from the same
// origin only.
package api
