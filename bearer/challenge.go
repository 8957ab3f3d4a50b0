package bearer

import (
	"net/http"
	"strings"

	"github.com/scopegate/scopegate/scope"
)

// failure is one reason why the middleware rejects a request.
type failure int

const (
	failNoHeader failure = iota
	failOtherScheme
	failMultipleHeaders
	failMissingToken
	failMalformedToken
	failInvalidToken
	failAccountInvalid
	failInsufficientScope
	failUnavailable

	failureCount
)

// outcome is the fixed part of the response to a failure.
type outcome struct {
	status int

	// code is the RFC 6750 §3.1 error code, or "" for a challenge without
	// one, which RFC 6750 §3 recommends for a request without credentials.
	code string

	// description is both the challenge's error_description and the problem
	// body's detail. It contains only the characters that RFC 6750 §3 allows
	// in error_description (%x20-21 / %x23-5B / %x5D-7E), and no token.
	description string
}

var outcomes = [failureCount]outcome{
	failNoHeader: {
		status:      http.StatusUnauthorized,
		description: "The request carries no bearer token in its Authorization header",
	},
	failOtherScheme: {
		status:      http.StatusUnauthorized,
		description: "The Authorization header does not use the Bearer scheme",
	},
	failMultipleHeaders: {
		status:      http.StatusUnauthorized,
		code:        "invalid_request",
		description: "The request has more than one Authorization header",
	},
	failMissingToken: {
		status:      http.StatusUnauthorized,
		code:        "invalid_request",
		description: "The Authorization header has the Bearer scheme but no token",
	},
	failMalformedToken: {
		status:      http.StatusUnauthorized,
		code:        "invalid_request",
		description: "The bearer token contains a space or a character that RFC 6750 does not allow",
	},
	failInvalidToken: {
		status:      http.StatusUnauthorized,
		code:        "invalid_token",
		description: "The access token is invalid or expired",
	},
	failAccountInvalid: {
		status:      http.StatusUnauthorized,
		code:        "invalid_token",
		description: "The access token is no longer valid for its account",
	},
	failInsufficientScope: {
		status: http.StatusForbidden,
		code:   "insufficient_scope",
		// The description names the requirement's scopes, so
		// newResponses writes it.
	},
	failUnavailable: {
		status:      http.StatusServiceUnavailable,
		description: "The access token could not be checked at this time. Retry later.",
	},
}

// response is the status, detail and challenge sent for one failure on one
// route.
type response struct {
	status int
	detail string

	// challenge is the WWW-Authenticate value, or "" for none.
	challenge string
}

// newResponses prepares the response to every failure on a route that
// needs req, so a rejection only copies strings.
func (g *Guard) newResponses(req Requirement) [failureCount]response {
	var responses [failureCount]response
	for f, o := range outcomes {
		if failure(f) == failInsufficientScope {
			o.description = insufficientScopeDescription(req)
		}

		responses[f] = response{status: o.status, detail: o.description}
		if o.status != http.StatusServiceUnavailable {
			responses[f].challenge = g.challenge(o, req.All())
		}
	}

	return responses
}

// challenge formats the WWW-Authenticate value of RFC 6750 §3:
// realm, error, error_description, scope and resource_metadata, each
// present only when set.
func (g *Guard) challenge(o outcome, required scope.Set) string {
	var params []string
	if g.realm != "" {
		params = append(params, `realm=`+quote(g.realm))
	}

	if o.code != "" {
		params = append(params, `error="`+o.code+`"`, `error_description=`+quote(o.description))
	}

	if !required.IsEmpty() {
		params = append(params, `scope=`+quote(required.String()))
	}

	if g.resourceMetadata != "" {
		params = append(params, `resource_metadata=`+quote(g.resourceMetadata))
	}

	if len(params) == 0 {
		return "Bearer"
	}

	return "Bearer " + strings.Join(params, ", ")
}

// insufficientScopeDescription names the scopes that satisfy req. A
// requirement with alternatives lists each of them, while the challenge's
// scope parameter, which has no syntax for alternatives, lists their union.
func insufficientScopeDescription(req Requirement) string {
	alternatives := req.Alternatives()
	if len(alternatives) == 1 {
		return "The access token lacks a scope that this resource requires: " + alternatives[0].String()
	}

	names := make([]string, len(alternatives))
	for i, alt := range alternatives {
		names[i] = "(" + alt.String() + ")"
	}

	return "The access token has none of the scope sets that this resource accepts: " +
		strings.Join(names, " or ")
}

// quote returns s as an RFC 9110 §5.6.4 quoted-string, escaping '"' and
// '\' with a backslash.
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}

	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}

		b.WriteByte(s[i])
	}
	b.WriteByte('"')

	return b.String()
}
