// Command ceiling is the bare HTTP server that the benchmark harness in
// package bench compares scopegate with. It answers GET /users/me/ with the
// JSON of scopegate's demo user and GET /status/ with {"status":"ok"}, with
// no authentication at all, encoding each response with encoding/json as a
// plain net/http handler does. The harness sends it the same Authorization
// header as scopegate, which it reads with the request and ignores. It answers GET /healthz so the harness can
// tell when it is up. Nothing else runs in it, so its throughput and CPU per
// request bound what any server built on net/http can reach for the same
// responses on the same machine.
//
// Usage:
//
//	ceiling -addr 127.0.0.1:0
//
// It prints the address it listens on as its first line of output and
// serves until it is killed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
)

type user struct {
	Username string  `json:"username"`
	Email    *string `json:"email"`
	FullName *string `json:"full_name"`
	Disabled bool    `json:"disabled"`
}

type status struct {
	Status string `json:"status"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on, host:port; only loopback hosts")
	flag.Parse()

	if err := run(*addr); err != nil {
		log.Fatal(err)
	}
}

func run(addr string) error {
	if !isLoopback(addr) {
		return fmt.Errorf("ceiling: address %q is not on 127.0.0.1", addr)
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ceiling: listen: %w", err)
	}

	fmt.Fprintln(os.Stdout, ln.Addr().String())

	return http.Serve(ln, newMux())
}

func isLoopback(addr string) bool {
	return strings.HasPrefix(addr, "127.0.0.1:")
}

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/me/", readUser)
	mux.HandleFunc("GET /status/", readStatus)
	mux.HandleFunc("GET /healthz", readStatus)

	return mux
}

func readUser(w http.ResponseWriter, r *http.Request) {
	email, fullName := "johndoe@example.com", "John Doe"
	writeJSON(w, user{Username: "johndoe", Email: &email, FullName: &fullName})
}

func readStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, status{Status: "ok"})
}

func writeJSON(w http.ResponseWriter, body any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}
