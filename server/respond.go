package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/scopegate/scopegate/internal/problem"
	"github.com/scopegate/scopegate/store"
)

// writeJSON sends body as JSON. The API's responses describe one user, so
// no shared cache may store them.
func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)

	// An error here means the client has gone away, so it cannot be reported.
	_ = json.NewEncoder(w).Encode(body)
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
