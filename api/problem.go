package api

import (
	"net/http"

	"github.com/scopegate/scopegate/internal/problem"
)

// ProblemContentType is the media type of an RFC 9457 problem details
// body.
const ProblemContentType = problem.MediaType

// Problem is the RFC 9457 problem details object that the bearer
// middleware writes when it rejects a request. Its type gives the schema
// of the 401, 403 and 503 responses in the document.
type Problem struct {
	Type     string `json:"type" doc:"URI reference that identifies the problem type, about:blank by default."`
	Title    string `json:"title" doc:"Short summary of the problem type."`
	Status   int    `json:"status" doc:"HTTP status code of the response."`
	Detail   string `json:"detail,omitempty" doc:"Explanation of this occurrence of the problem."`
	Instance string `json:"instance,omitempty" doc:"URI reference of this occurrence of the problem."`
}

// authResponse is a response of the bearer middleware and its name among
// the document's component responses.
type authResponse struct {
	Response
	name string
}

// authResponses returns the responses that the bearer middleware writes
// in front of every protected route.
func authResponses() []authResponse {
	challenge := map[string]string{"WWW-Authenticate": "The Bearer challenge (RFC 6750 §3)."}

	return []authResponse{
		{name: "Unauthorized", Response: Response{
			Status: http.StatusUnauthorized,
			Description: "The bearer token is missing, malformed, invalid or expired. " +
				"The WWW-Authenticate header carries the Bearer challenge (RFC 6750 §3), " +
				`with error="invalid_token" for a token that failed verification.`,
			ContentType: ProblemContentType,
			Value:       Problem{},
			Headers:     challenge,
		}},
		{name: "Forbidden", Response: Response{
			Status: http.StatusForbidden,
			Description: "The token is valid but lacks a scope the route requires. " +
				`The WWW-Authenticate header names error="insufficient_scope" ` +
				"and the scopes required (RFC 6750 §3.1).",
			ContentType: ProblemContentType,
			Value:       Problem{},
			Headers:     challenge,
		}},
		{name: "ServiceUnavailable", Response: Response{
			Status:      http.StatusServiceUnavailable,
			Description: "The token could not be checked right now. Retry after the delay in Retry-After.",
			ContentType: ProblemContentType,
			Value:       Problem{},
			Headers:     map[string]string{"Retry-After": "Seconds to wait before retrying."},
		}},
	}
}
