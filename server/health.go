package server

import (
	"context"
	"net/http"
	"time"

	"github.com/scopegate/scopegate/api"
	"github.com/scopegate/scopegate/internal/problem"
)

// readinessTimeout bounds the database ping behind /readyz.
const readinessTimeout = 2 * time.Second

func (s *Server) declareHealthRoutes() {
	s.api.Handle(api.Route{
		Method:    http.MethodGet,
		Path:      "/healthz",
		Summary:   "Report that the process is alive",
		Tags:      []string{"health"},
		Public:    true,
		Responses: []api.Response{{Status: http.StatusOK, Description: "Alive", Value: Status{}}},
		Handler:   http.HandlerFunc(s.readLiveness),
	})

	s.api.Handle(api.Route{
		Method:  http.MethodGet,
		Path:    "/readyz",
		Summary: "Report whether the database is reachable",
		Tags:    []string{"health"},
		Public:  true,
		Responses: []api.Response{
			{Status: http.StatusOK, Description: "Ready", Value: Status{}},
			{Status: http.StatusServiceUnavailable, Description: "The database is unreachable"},
		},
		Handler: http.HandlerFunc(s.readReadiness),
	})
}

func (s *Server) readLiveness(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, Status{Status: "ok"})
}

func (s *Server) readReadiness(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readinessTimeout)
	defer cancel()

	if err := s.store.Ping(ctx); err != nil {
		s.logError(r.Context(), "readiness check failed", err)
		problem.Write(w, problem.Details{
			Status: http.StatusServiceUnavailable,
			Detail: "The database is unreachable.",
		})

		return
	}

	writeJSON(w, http.StatusOK, Status{Status: "ok"})
}
