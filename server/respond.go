package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/scopegate/scopegate/internal/problem"
	"github.com/scopegate/scopegate/store"
)

// Header values that every JSON response of the API sets. They are
// assigned to the header map without Header.Set, which would allocate a
// new slice for each response. Nothing in the server modifies a header
// value slice in place, so sharing them is safe.
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
)

// setJSONHeaders sets the headers of a JSON response. The API's responses
// describe one user, so no shared cache may store them.
func setJSONHeaders(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Cache-Control"] = noStore
}

// writeJSON sends body as JSON.
func writeJSON(w http.ResponseWriter, status int, body any) {
	setJSONHeaders(w)
	w.WriteHeader(status)

	// An error here means the client has gone away, so it cannot be reported.
	_ = json.NewEncoder(w).Encode(body)
}

// writeEncodedJSON sends body, JSON encoded already, with status 200.
func writeEncodedJSON(w http.ResponseWriter, body []byte) {
	setJSONHeaders(w)
	w.WriteHeader(http.StatusOK)

	// An error here means the client has gone away, so it cannot be reported.
	_, _ = w.Write(body)
}

// mustEncodeJSON returns the JSON of a fixed value, as json.Encoder writes
// it, and panics when it cannot be encoded, which is a programming error.
func mustEncodeJSON(value any) []byte {
	body, err := json.Marshal(value)
	if err != nil {
		panic(fmt.Sprintf("server: encode %T: %v", value, err))
	}

	return append(body, '\n')
}

// storeFailure responds to a request whose database work failed: 503 with
// Retry-After when the database is unreachable, 500 otherwise. The error
// itself is logged, never sent.
func (s *Server) storeFailure(w http.ResponseWriter, r *http.Request, err error) {
	s.logError(r.Context(), "database request failed", err)

	if errors.Is(err, store.ErrUnavailable) {
		w.Header().Set("Retry-After", strconv.Itoa(int(s.retryAfter.Seconds())))
		problem.Write(w, problem.Details{
			Status: http.StatusServiceUnavailable,
			Detail: "The database is unavailable. Retry after the delay in Retry-After.",
		})

		return
	}

	problem.Write(w, problem.Details{
		Status: http.StatusInternalServerError,
		Detail: "The server failed to complete the request.",
	})
}

// failClosed rejects a request to a protected handler that found no
// principal in its context, which means the route was wired without its
// guard.
func (s *Server) failClosed(w http.ResponseWriter, r *http.Request) {
	s.logger.ErrorContext(r.Context(), "protected handler ran without a principal", "path", r.URL.Path)
	problem.Write(w, problem.Details{
		Status: http.StatusInternalServerError,
		Detail: "The server failed to authorize the request.",
	})
}
