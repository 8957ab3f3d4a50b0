package server_test

import (
	"net/http"
	"testing"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/server"
)

func TestActivityCountsBearerRequestsOnly(t *testing.T) {
	activity := &server.Activity{}
	s := docsStartServer(t, func(cfg *server.Config) { cfg.Activity = activity })

	if activity.Busy() {
		t.Fatal("Busy() before any request = true, want false")
	}

	accessToken := s.login(t, scope.New("me"))

	if s.call(t, http.MethodGet, "/healthz", "").status != http.StatusOK {
		t.Fatal("GET /healthz: status is not 200")
	}

	if activity.Busy() {
		t.Fatal("Busy() after a login and a health check = true, want false: neither checks a bearer token")
	}

	getMe := func() {
		resp := s.call(t, http.MethodGet, "/users/me/", accessToken)
		if resp.status != http.StatusOK {
			t.Fatalf("GET /users/me/: status = %d, want 200; body %s", resp.status, resp.body)
		}
	}

	server.CheckBusyAfter(t, getMe, activity.Busy)
}
