package bearer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/scopegate/scopegate/internal/problem"
)

// DefaultRetryAfter is the Retry-After delay of a 503 response when
// [Config.RetryAfter] is zero.
const DefaultRetryAfter = 5 * time.Second

// Config configures a [Guard]. Only Verifier is required.
type Config struct {
	// Verifier checks each request's token. It is required.
	Verifier Verifier

	// Principals loads the account of each verified token, which then
	// appears in [Identity.Principal]. When nil, no principal is loaded and
	// Identity.Principal is nil.
	Principals PrincipalLoader

	// Realm is the realm parameter of every challenge. Empty omits it.
	Realm string

	// ResourceMetadata is the absolute URL of the resource server's
	// RFC 9728 protected resource metadata. When set, every challenge names
	// it in a resource_metadata parameter.
	ResourceMetadata string

	// RetryAfter is the delay sent in the Retry-After header of a 503
	// response, which means the token could not be checked. It is rounded
	// up to whole seconds. Zero means [DefaultRetryAfter], and a negative
	// value omits the header.
	RetryAfter time.Duration

	// ErrorHook, when set, receives each error that makes the guard respond
	// 503: a failure of the Verifier or of Principals that does not wrap
	// [ErrInvalidToken], so the server can log it. The error wraps theirs,
	// which may in turn wrap the request's context error when the client
	// went away. ErrorHook runs on the request's goroutine before the
	// response is written.
	ErrorHook func(ctx context.Context, err error)
}

// Guard is HTTP middleware that admits only requests with a valid bearer
// token holding the scopes of a route. Build one with [New] and wrap each
// route with [Guard.Require]. A Guard is safe for concurrent use.
type Guard struct {
	verifier         Verifier
	principals       PrincipalLoader
	realm            string
	resourceMetadata string
	retryAfter       string
	errorHook        func(ctx context.Context, err error)
}

// New returns a Guard configured by cfg. It panics when cfg.Verifier is
// nil, when cfg.Realm contains a control character, or when
// cfg.ResourceMetadata is set but not an absolute URL, because these are
// mistakes in the program, not in a request.
func New(cfg Config) *Guard {
	if cfg.Verifier == nil {
		panic("bearer: Config.Verifier is nil")
	}

	if hasControl(cfg.Realm) {
		panic(fmt.Sprintf("bearer: Config.Realm %q contains a control character", cfg.Realm))
	}

	if cfg.ResourceMetadata != "" {
		if err := checkAbsoluteURL(cfg.ResourceMetadata); err != nil {
			panic(fmt.Sprintf("bearer: Config.ResourceMetadata: %v", err))
		}
	}

	return &Guard{
		verifier:         cfg.Verifier,
		principals:       cfg.Principals,
		realm:            cfg.Realm,
		resourceMetadata: cfg.ResourceMetadata,
		retryAfter:       retryAfterSeconds(cfg.RetryAfter),
		errorHook:        cfg.ErrorHook,
	}
}

// Require returns middleware that lets a request reach the next handler
// only when it carries a bearer token that the Verifier accepts, whose
// principal loads, and whose scopes satisfy req. The checks run in that
// order, so a forged token gets 401 and never learns what scopes a route
// needs. Every rejection has an RFC 9457 problem details body:
//
//   - no bearer credentials: 401 with a challenge without an error code
//   - a malformed Authorization header: 401, error="invalid_request"
//   - a token the Verifier rejects, or whose principal is gone or
//     disabled: 401, error="invalid_token"
//   - a token without the scopes of req: 403, error="insufficient_scope"
//   - a Verifier or PrincipalLoader failure that is not [ErrInvalidToken]:
//     503 with Retry-After, and the error goes to [Config.ErrorHook]
//
// The challenges of 401 and 403 responses name the scopes of req in their
// scope parameter. For a requirement with alternatives ([AnyOf]) it lists
// the union of all of them, because the parameter cannot express "or".
//
// On success, the next handler finds the [Identity] with [FromContext].
// Require panics when req is the zero Requirement, which declares nothing.
func (g *Guard) Require(req Requirement) func(http.Handler) http.Handler {
	if req.IsZero() {
		panic("bearer: Require called with the zero Requirement, which declares nothing " +
			"(use bearer.Authenticated for a token without scopes)")
	}

	responses := g.newResponses(req)

	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("bearer: Require middleware applied to a nil handler")
		}

		return &handler{guard: g, req: req, next: next, responses: responses}
	}
}

// handler is the middleware of one route.
type handler struct {
	guard     *Guard
	req       Requirement
	next      http.Handler
	responses [failureCount]response
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, err := TokenFromHeader(r.Header)
	if err != nil {
		h.reject(w, failureOf(err))
		return
	}

	ctx := r.Context()

	claims, err := h.guard.verifier.Verify(ctx, token)
	if err != nil {
		h.fail(w, r, fmt.Errorf("bearer: verify token: %w", err), failInvalidToken)
		return
	}

	var principal any
	if h.guard.principals != nil {
		principal, err = h.guard.principals.LoadPrincipal(ctx, claims)
		if err != nil {
			h.fail(w, r, fmt.Errorf("bearer: load principal: %w", err), failAccountInvalid)
			return
		}
	}

	if !h.req.SatisfiedBy(claims.Scopes) {
		h.reject(w, failInsufficientScope)
		return
	}

	identity := Identity{Claims: claims, Principal: principal}
	h.next.ServeHTTP(w, r.WithContext(NewContext(ctx, identity)))
}

// fail rejects the request with f when err wraps ErrInvalidToken, and
// otherwise responds 503 because the token could not be checked.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error, f failure) {
	if errors.Is(err, ErrInvalidToken) {
		h.reject(w, f)
		return
	}

	if h.guard.errorHook != nil {
		h.guard.errorHook(r.Context(), err)
	}

	if h.guard.retryAfter != "" {
		w.Header().Set("Retry-After", h.guard.retryAfter)
	}

	h.reject(w, failUnavailable)
}

func (h *handler) reject(w http.ResponseWriter, f failure) {
	resp := h.responses[f]
	if resp.challenge != "" {
		w.Header().Set("WWW-Authenticate", resp.challenge)
	}

	problem.Write(w, problem.Details{Status: resp.status, Detail: resp.detail})
}

// failureOf maps an error of TokenFromHeader to its failure. Any other
// error counts as a malformed header, so the request is rejected.
func failureOf(err error) failure {
	var headerErr *headerError
	if errors.As(err, &headerErr) {
		return headerErr.failure
	}

	return failMalformedToken
}

func retryAfterSeconds(d time.Duration) string {
	if d < 0 {
		return ""
	}

	if d == 0 {
		d = DefaultRetryAfter
	}

	return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}

	return false
}

func checkAbsoluteURL(s string) error {
	if hasControl(s) {
		return fmt.Errorf("%q contains a control character", s)
	}

	u, err := url.Parse(s)
	if err != nil {
		return err
	}

	if u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL with a scheme and a host", s)
	}

	return nil
}
