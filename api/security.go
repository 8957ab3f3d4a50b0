package api

import (
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
)

// SecuritySchemeName is the name of the OAuth2 security scheme in the
// document's components, the name FastAPI gives its password-flow scheme.
const SecuritySchemeName = "OAuth2PasswordBearer"

// minimalAlternatives returns the alternatives of req without repeats and
// without any alternative that holds all the scopes of another one, which
// a token satisfying the other one never needs. What remains accepts the
// same tokens as req. So AnyOf(Authenticated, Scopes("me")) is written as
// Authenticated alone.
func minimalAlternatives(req bearer.Requirement) []scope.Set {
	all := req.Alternatives()

	var minimal []scope.Set
	for i, alt := range all {
		if !isImplied(alt, i, all) {
			minimal = append(minimal, alt)
		}
	}

	return minimal
}

// needsScope reports whether req rejects some valid token for its scopes,
// which the bearer middleware rejects with 403. A requirement with an
// alternative of no scopes, such as [bearer.Authenticated], accepts every
// valid token.
func needsScope(req bearer.Requirement) bool {
	return !slices.ContainsFunc(req.Alternatives(), scope.Set.IsEmpty)
}

// isImplied reports whether another alternative than all[i] needs a subset
// of alt. Of equal alternatives, the first is kept.
func isImplied(alt scope.Set, i int, all []scope.Set) bool {
	for j, other := range all {
		if j == i || !alt.ContainsAll(other) {
			continue
		}

		if !other.Equal(alt) || j < i {
			return true
		}
	}

	return false
}

// securityRequirements returns the security list of an operation: one
// requirement object per alternative, naming the scheme with every scope
// of that alternative once. An alternative with no scope is written with
// an empty list, which means any valid token.
func securityRequirements(req bearer.Requirement) *openapi3.SecurityRequirements {
	requirements := openapi3.SecurityRequirements{}
	for _, alt := range minimalAlternatives(req) {
		requirement := openapi3.SecurityRequirement{SecuritySchemeName: alt.Names()}
		requirements = append(requirements, requirement)
	}

	return &requirements
}

// securityScheme returns the OAuth2 password-flow scheme whose scopes are
// the catalog's entries.
func securityScheme(tokenURL string, entries []scope.Entry) *openapi3.SecuritySchemeRef {
	scopes := make(map[string]string, len(entries))
	for _, entry := range entries {
		scopes[entry.Name] = entry.Description
	}

	scheme := &openapi3.SecurityScheme{
		Type:        "oauth2",
		Description: "OAuth 2.0 password grant. The access token is sent as a bearer token (RFC 6750).",
		Flows: &openapi3.OAuthFlows{
			Password: &openapi3.OAuthFlow{TokenURL: tokenURL, Scopes: scopes},
		},
	}

	return &openapi3.SecuritySchemeRef{Value: scheme}
}
