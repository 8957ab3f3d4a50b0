package api

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/scopegate/scopegate/internal/problem"
)

// registerFallbacks registers the responses for requests that no route
// matches. 404 and 405 come as problem details instead of net/http's plain
// text, and a path declared with a trailing slash redirects from the path
// without it, as FastAPI does. patterns are the mux patterns of every
// registered route, "METHOD /path".
func registerFallbacks(mux *http.ServeMux, patterns []string) error {
	methodsByPath := map[string][]string{}
	for _, pattern := range patterns {
		method, path, _ := strings.Cut(pattern, " ")
		methodsByPath[path] = append(methodsByPath[path], method)
	}

	for path, methods := range methodsByPath {
		if err := register(mux, path, methodNotAllowed(methods)); err != nil {
			return err
		}

		if bare, ok := strings.CutSuffix(path, "/{$}"); ok && bare != "" {
			if _, declared := methodsByPath[bare]; !declared {
				if err := register(mux, bare, http.HandlerFunc(addTrailingSlash)); err != nil {
					return err
				}
			}
		}
	}

	return register(mux, "/", http.HandlerFunc(notFound))
}

func methodNotAllowed(methods []string) http.Handler {
	allowed := append([]string(nil), methods...)
	if containsMethod(allowed, http.MethodGet) && !containsMethod(allowed, http.MethodHead) {
		allowed = append(allowed, http.MethodHead)
	}

	sort.Strings(allowed)
	allow := strings.Join(allowed, ", ")

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		problem.Write(w, problem.Details{
			Status: http.StatusMethodNotAllowed,
			Detail: "The method " + r.Method + " is not allowed here; use " + allow + ".",
		})
	})
}

func containsMethod(methods []string, method string) bool {
	for _, m := range methods {
		if m == method {
			return true
		}
	}

	return false
}

// addTrailingSlash redirects to the same path with a slash appended,
// keeping the query. 307 keeps the method and body of the request.
func addTrailingSlash(w http.ResponseWriter, r *http.Request) {
	target := url.URL{Path: r.URL.Path + "/", RawQuery: r.URL.RawQuery}
	http.Redirect(w, r, target.String(), http.StatusTemporaryRedirect)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	problem.Write(w, problem.Details{
		Status: http.StatusNotFound,
		Detail: "No route matches this path. The routes are listed in " + OpenAPIPath + ".",
	})
}
