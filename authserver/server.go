package authserver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/scopegate/scopegate/password"
	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// DefaultPublicClientID is the client_id of the built-in public client, the
// client that a token request naming no client is served as.
const DefaultPublicClientID = "scopegate-public"

// DefaultMaxBodyBytes is the default limit on a token request body. Token
// requests are a few hundred bytes, so 64 KiB leaves ample room.
const DefaultMaxBodyBytes = 64 << 10

// Users looks up the people who log in with the password grant. User
// returns an error wrapping [store.ErrNotFound] for an unknown username and
// one wrapping [store.ErrUnavailable] when the database cannot be reached.
// SetPasswordHash replaces a user's stored password hash.
type Users interface {
	User(ctx context.Context, username string) (store.User, error)
	SetPasswordHash(ctx context.Context, username, hash string) error
}

// TokenIssuer issues a signed access token for subject and clientID that
// carries scopes, and returns the token with the time it expires.
type TokenIssuer interface {
	Issue(subject, clientID string, scopes scope.Set) (token string, expiresAt time.Time, err error)
}

// PasswordHasher verifies passwords against stored hashes. Verify reports
// whether plain matches encoded and returns an error only when encoded
// cannot be read. NeedsRehash reports whether encoded uses outdated
// parameters. Hash returns a new encoded hash of plain. VerifyDummy costs
// what Verify costs, so an unknown username takes as long as a wrong
// password.
type PasswordHasher interface {
	Verify(plain, encoded string) (bool, error)
	NeedsRehash(encoded string) bool
	Hash(plain string) (string, error)
	VerifyDummy(plain string)
}

// HashingRunner runs password work, a verification or a hash, within a
// bound on how much of it runs at once. Run runs fn and returns when fn has
// finished. When it cannot run fn soon enough, it returns at once, without
// running fn, an error wrapping [password.ErrBusy]. Any other error also
// means fn did not run. *password.Pool implements it.
type HashingRunner interface {
	Run(ctx context.Context, fn func()) error
}

// ScopeCatalog returns the declared scopes: those the server's routes
// declare in code and those an operator added.
type ScopeCatalog interface {
	Catalog(ctx context.Context) (*scope.Catalog, error)
}

// Config is the configuration of a [Server]. Users, Issuer, Passwords and
// Scopes are required. The zero values of the other fields are documented
// defaults.
type Config struct {
	Users     Users
	Issuer    TokenIssuer
	Passwords PasswordHasher
	Scopes    ScopeCatalog

	// Hashing, when set, runs every password verification and hash, so a
	// flood of logins takes only the cores it allows. A login that Hashing
	// rejects as busy gets 503 temporarily_unavailable with Retry-After at
	// once. When nil, password work runs on the request's goroutine.
	Hashing HashingRunner

	// Clients authenticates clients other than the public client. When nil,
	// the public client is the only client and any other fails as
	// invalid_client.
	Clients ClientAuthenticator

	// DefaultScopes is the scope requested by a request without a scope
	// parameter. The zero value is the empty set, as in FastAPI's tutorial. A default
	// scope that the catalog does not declare is never granted.
	DefaultScopes scope.Set

	// PublicClientID is the client_id of the built-in public client, which
	// has no secret. Empty means [DefaultPublicClientID].
	PublicClientID string

	// ErrorHook receives the errors that are not the client's fault, such
	// as a failed database lookup or a failed rehash, for the server to
	// log. It may be nil. It is called on the request's goroutine.
	ErrorHook func(ctx context.Context, err error)

	// MaxBodyBytes limits the size of a token request body. Zero means
	// [DefaultMaxBodyBytes].
	MaxBodyBytes int64

	// Now returns the current time, used to compute expires_in. Nil means
	// time.Now.
	Now func() time.Time

	// MinFailedLogin is the least time a failed password login takes. A
	// failed login also waits as long as a check of the costliest kind of
	// stored hash seen, so that the response time does not reveal whether
	// the username exists or how its password is hashed. Zero means
	// [DefaultMinFailedLogin], and a negative value means no minimum.
	MinFailedLogin time.Duration
}

// Server is the OAuth 2.0 authorization server. It is safe for concurrent
// use once built by [New].
type Server struct {
	users         Users
	issuer        TokenIssuer
	passwords     PasswordHasher
	hashing       HashingRunner
	scopes        ScopeCatalog
	clients       ClientAuthenticator
	defaultScopes scope.Set
	publicClient  string
	errorHook     func(ctx context.Context, err error)
	maxBodyBytes  int64
	now           func() time.Time
	failures      *failureFloor

	// grants maps each supported grant_type value to its handler.
	grants map[string]grantFunc
}

// DefaultMinFailedLogin is the least time a failed password login takes
// unless Config.MinFailedLogin sets another value. It is longer than one
// bcrypt verification at cost 12, the cost of the hashes FastAPI's
// tutorial publishes, on current x86-64 servers (an estimate: about 0.25 s
// was measured on a 2-core cloud machine).
const DefaultMinFailedLogin = 400 * time.Millisecond

func minFailedLogin(configured time.Duration) time.Duration {
	switch {
	case configured == 0:
		return DefaultMinFailedLogin
	case configured < 0:
		return 0
	default:
		return configured
	}
}

// grantFunc runs one grant type on a request whose form is read and whose
// client is authenticated. It returns an *RFC6749Error for a request the
// client can fix and any other error for a server failure.
type grantFunc func(ctx context.Context, req tokenRequest) (*TokenResponse, error)

// tokenRequest is a token request whose form has been read and whose client
// has been authenticated.
type tokenRequest struct {
	// params holds each body parameter sent with a non-empty value.
	params map[string]string
	client Client
}

// New returns a server for cfg, or an error naming the first setting that
// is missing or invalid.
func New(cfg Config) (*Server, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}

	s := &Server{
		users:         cfg.Users,
		issuer:        cfg.Issuer,
		passwords:     cfg.Passwords,
		hashing:       cfg.Hashing,
		scopes:        cfg.Scopes,
		clients:       cfg.Clients,
		defaultScopes: cfg.DefaultScopes,
		publicClient:  cfg.PublicClientID,
		errorHook:     cfg.ErrorHook,
		maxBodyBytes:  cfg.MaxBodyBytes,
		now:           cfg.Now,
	}

	if s.clients == nil {
		s.clients = noClients{}
	}

	if s.publicClient == "" {
		s.publicClient = DefaultPublicClientID
	}

	if s.maxBodyBytes == 0 {
		s.maxBodyBytes = DefaultMaxBodyBytes
	}

	if s.now == nil {
		s.now = time.Now
	}

	s.failures = &failureFloor{minimum: minFailedLogin(cfg.MinFailedLogin)}

	s.grants = map[string]grantFunc{
		GrantTypePassword: s.passwordGrant,
	}

	return s, nil
}

func checkConfig(cfg Config) error {
	switch {
	case cfg.Users == nil:
		return errors.New("authserver: Config.Users is nil")
	case cfg.Issuer == nil:
		return errors.New("authserver: Config.Issuer is nil")
	case cfg.Passwords == nil:
		return errors.New("authserver: Config.Passwords is nil")
	case cfg.Scopes == nil:
		return errors.New("authserver: Config.Scopes is nil")
	case cfg.MaxBodyBytes < 0:
		return fmt.Errorf("authserver: Config.MaxBodyBytes is %d, want 0 or more", cfg.MaxBodyBytes)
	}

	// RFC 6749 Appendix A.1: a client_id is printable ASCII (VSCHAR).
	for i := 0; i < len(cfg.PublicClientID); i++ {
		if c := cfg.PublicClientID[i]; c < 0x20 || c > 0x7E {
			return fmt.Errorf("authserver: Config.PublicClientID %q has a character outside printable ASCII",
				cfg.PublicClientID)
		}
	}

	return nil
}

// TokenHandler returns the handler of the token endpoint, to be mounted at
// POST /token. It rejects other methods itself with 405.
func (s *Server) TokenHandler() http.Handler {
	return http.HandlerFunc(s.serveToken)
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	response, err := s.token(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, response)
}

// token runs the checks of a token request in order: method, query, form,
// grant type, client, and then the grant itself. A step runs only when the
// ones before it passed, so an unsupported grant_type is rejected before
// any credential is checked.
func (s *Server) token(w http.ResponseWriter, r *http.Request) (*TokenResponse, error) {
	if r.Method != http.MethodPost {
		return nil, methodNotAllowed()
	}

	if err := checkQuery(r.URL.RawQuery); err != nil {
		return nil, err
	}

	params, err := s.readForm(w, r)
	if err != nil {
		return nil, err
	}

	grant, err := s.grant(params[paramGrantType])
	if err != nil {
		return nil, err
	}

	client, err := s.authenticateClient(r.Context(), r.Header, params)
	if err != nil {
		return nil, err
	}

	return grant(r.Context(), tokenRequest{params: params, client: client})
}

// grant returns the handler of grantType. An empty grantType is the
// password grant, for the clients written against FastAPI.
func (s *Server) grant(grantType string) (grantFunc, error) {
	if grantType == "" {
		grantType = GrantTypePassword
	}

	grant, ok := s.grants[grantType]
	if !ok {
		return nil, unsupportedGrantType(grantType, slices.Sorted(maps.Keys(s.grants)))
	}

	return grant, nil
}

// reportError passes err to the error hook, if there is one.
func (s *Server) reportError(ctx context.Context, err error) {
	if s.errorHook != nil {
		s.errorHook(ctx, err)
	}
}

// runHashing runs fn, a password verification or hash, through the
// Hashing runner when there is one. It returns an *RFC6749Error with
// status 503 when the runner is busy.
func (s *Server) runHashing(ctx context.Context, fn func()) error {
	if s.hashing == nil {
		fn()
		return nil
	}

	err := s.hashing.Run(ctx, fn)
	if errors.Is(err, password.ErrBusy) {
		return hashingBusy()
	}

	if err != nil {
		return fmt.Errorf("authserver: run password check: %w", err)
	}

	return nil
}
