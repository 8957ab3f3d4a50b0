package authserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scopegate/scopegate/store"
)

// Error codes of the token endpoint (RFC 6749 §5.2), and of a server that
// cannot process a request (RFC 6749 §4.1.2.1).
const (
	CodeInvalidRequest         = "invalid_request"
	CodeInvalidClient          = "invalid_client"
	CodeInvalidGrant           = "invalid_grant"
	CodeUnauthorizedClient     = "unauthorized_client"
	CodeUnsupportedGrantType   = "unsupported_grant_type"
	CodeInvalidScope           = "invalid_scope"
	CodeServerError            = "server_error"
	CodeTemporarilyUnavailable = "temporarily_unavailable"
)

// retryAfterSeconds is the Retry-After value sent with a 503 when the
// database cannot be reached.
// NOTE: a fixed guess, long enough for a connection pool to reconnect.
const retryAfterSeconds = 5

// busyRetryAfterSeconds is the Retry-After value sent with a 503 when the
// password hashing pool is busy. Logins are short, so a queue that is full
// now has room again within about a second.
const busyRetryAfterSeconds = 1

// maxEchoedLength caps the length of a client-sent value, such as a
// parameter name, that an error description repeats.
const maxEchoedLength = 64

// RFC6749Error is an OAuth 2.0 error response (RFC 6749 §5.2): an error
// code, a description for the developer and the HTTP status. Each one is
// built fresh where it is returned, never copied from a shared value that
// could be changed.
type RFC6749Error struct {
	Code        string
	Description string
	Status      int

	// header holds response headers that go with the error, such as
	// WWW-Authenticate on a 401.
	header http.Header
}

// Error returns the code and description.
func (e *RFC6749Error) Error() string {
	return fmt.Sprintf("authserver: %s: %s", e.Code, e.Description)
}

func newError(code string, status int, description string) *RFC6749Error {
	return &RFC6749Error{Code: code, Description: description, Status: status, header: http.Header{}}
}

func invalidRequest(description string) *RFC6749Error {
	return newError(CodeInvalidRequest, http.StatusBadRequest, description)
}

func invalidGrant(description string) *RFC6749Error {
	return newError(CodeInvalidGrant, http.StatusBadRequest, description)
}

func invalidScope(description string) *RFC6749Error {
	return newError(CodeInvalidScope, http.StatusBadRequest, description)
}

func unsupportedGrantType(grantType string, supported []string) *RFC6749Error {
	return newError(CodeUnsupportedGrantType, http.StatusBadRequest,
		fmt.Sprintf("grant_type '%s' is not supported, the supported values are: %s",
			truncate(grantType), strings.Join(supported, ", ")))
}

// invalidClient returns the error of a failed client authentication. RFC
// 6749 §5.2 requires 401 and a challenge when the client authenticated
// with the Authorization header. A client that used the body gets 400.
func invalidClient(fromHeader bool, description string) *RFC6749Error {
	if !fromHeader {
		return newError(CodeInvalidClient, http.StatusBadRequest, description)
	}

	e := newError(CodeInvalidClient, http.StatusUnauthorized, description)
	e.header.Set("WWW-Authenticate", `Basic realm="scopegate"`)

	return e
}

func methodNotAllowed() *RFC6749Error {
	e := newError(CodeInvalidRequest, http.StatusMethodNotAllowed, "the token endpoint accepts only POST")
	e.header.Set("Allow", http.MethodPost)

	return e
}

func serverError() *RFC6749Error {
	return newError(CodeServerError, http.StatusInternalServerError,
		"the server failed to process the request")
}

func temporarilyUnavailable() *RFC6749Error {
	e := newError(CodeTemporarilyUnavailable, http.StatusServiceUnavailable,
		"the server is temporarily unable to process the request, retry later")
	e.header.Set("Retry-After", strconv.Itoa(retryAfterSeconds))

	return e
}

// hashingBusy returns the error of a login rejected because too many
// password checks are waiting.
func hashingBusy() *RFC6749Error {
	e := newError(CodeTemporarilyUnavailable, http.StatusServiceUnavailable,
		"too many logins are in progress, retry after the delay in Retry-After")
	e.header.Set("Retry-After", strconv.Itoa(busyRetryAfterSeconds))

	return e
}

// writeError sends err as an RFC 6749 error response. An error that is not
// an *RFC6749Error is a server failure: it goes to the error hook, and the
// client sees only temporarily_unavailable or server_error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var oauthErr *RFC6749Error
	if !errors.As(err, &oauthErr) {
		// A request whose client went away is not a server failure.
		if !errors.Is(err, context.Canceled) || r.Context().Err() == nil {
			s.reportError(r.Context(), err)
		}

		oauthErr = internalError(err)
	}

	for name, values := range oauthErr.header {
		w.Header()[name] = values
	}

	writeJSON(w, oauthErr.Status, ErrorResponse{
		Error:            oauthErr.Code,
		ErrorDescription: sanitizeDescription(oauthErr.Description),
	})
}

func internalError(err error) *RFC6749Error {
	if errors.Is(err, store.ErrUnavailable) {
		return temporarilyUnavailable()
	}

	return serverError()
}

// sanitizeDescription replaces each character that RFC 6749 §5.2 forbids in
// error_description (anything but %x20-21 / %x23-5B / %x5D-7E, so no double
// quote, backslash, control or non-ASCII character) with a question mark.
func sanitizeDescription(description string) string {
	var b strings.Builder
	for i := 0; i < len(description); i++ {
		c := description[i]
		if c == '"' || c == '\\' || c < 0x20 || c > 0x7E {
			c = '?'
		}

		b.WriteByte(c)
	}

	return b.String()
}

// truncate shortens a client-sent value that an error description repeats.
func truncate(value string) string {
	if len(value) <= maxEchoedLength {
		return value
	}

	return value[:maxEchoedLength] + "..."
}
