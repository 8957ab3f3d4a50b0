package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/scopegate/scopegate/api"
	"github.com/scopegate/scopegate/authserver"
	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/internal/deadline"
	"github.com/scopegate/scopegate/password"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

const (
	apiTitle   = "scopegate"
	apiVersion = "0.1.0"
)

// Config configures a [Server]. Store and Issuer are required, and every
// other zero value is a documented default.
type Config struct {
	Store store.Store

	// Database describes the store in logs, for example the SQLite path.
	// It must not contain a password.
	Database string

	// Issuer is the iss claim of issued tokens. Required; the command line
	// passes "http://" followed by the listen address unless --issuer is
	// set.
	Issuer string

	// Audience is the aud claim of issued tokens and the audience verified
	// tokens must name. The default is Issuer.
	Audience string

	// AccessTokenTTL is the lifetime of access tokens; the default is 30
	// minutes.
	AccessTokenTTL time.Duration

	// LegacyHS256Key is the HS256 key of a FastAPI deployment whose tokens
	// scopegate accepts in FastAPI's format. Empty disables them. The key
	// that FastAPI's tutorial publishes is rejected unless Demo is set.
	LegacyHS256Key []byte

	// Demo marks a demonstration server: it may accept tokens signed with
	// the tutorial's published key.
	Demo bool

	// Logger receives the server's logs; the default is slog.Default().
	Logger *slog.Logger

	// Passwords hashes and verifies passwords; the default is a
	// *password.Hasher with password.DefaultParams, which works in this
	// process. A *hashproc.Client moves the work to a child process.
	Passwords authserver.PasswordHasher

	// PasswordPool runs every password verification and hash of the token
	// endpoint, which responds 503 with Retry-After when the pool is busy.
	// The caller closes a pool it sets after the server has stopped. Nil
	// means a pool with password.PoolConfig's defaults, owned by the
	// server and closed when Serve returns, so that a login flood cannot
	// take all memory and cores.
	PasswordPool *password.Pool

	// Activity records the API's requests with a bearer token. Pass its
	// Busy method as the PasswordPool's PoolConfig.Busy, so that password
	// checks leave a CPU to the API while it has traffic. Nil means an
	// Activity of the server's own. The pool that the server makes when
	// PasswordPool is nil does not use it, because its default workers
	// leave a CPU free already.
	Activity *Activity

	// TokenCache configures the cache of verified access tokens. The zero
	// value holds token.DefaultCacheEntries tokens for up to
	// token.DefaultCacheTTL each, and a negative MaxEntries turns the
	// cache off.
	TokenCache token.CacheConfig

	// PrincipalCache configures the cache of users that the bearer check
	// loads for each token. The zero value holds bearer.DefaultCacheEntries
	// users for up to bearer.DefaultCacheTTL each, and a negative
	// MaxEntries turns the cache off. A store that announces changed users,
	// as PostgreSQL does, drops them from the cache at once while Serve
	// runs, so the TTL bounds the delay only when an announcement is lost.
	PrincipalCache bearer.CacheOptions
}

// Server is the scopegate HTTP server.
type Server struct {
	store      store.Store
	logger     *slog.Logger
	database   string
	keySource  string
	retryAfter time.Duration

	// ownedPool is the password pool the server made itself, closed when
	// Serve returns, or nil when the caller passed one.
	ownedPool *password.Pool

	// principals caches the users of tokens, or is nil without a cache.
	principals *bearer.PrincipalCache

	api     *api.API
	handler http.Handler
}

// New builds a server: it loads the signing key from the store, creating
// one on first start, and wires the token endpoint and the API.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}

	s := &Server{
		store:      cfg.Store,
		logger:     cfg.Logger,
		database:   cfg.Database,
		retryAfter: 5 * time.Second,
	}

	keys, err := s.loadSigningKeys(ctx)
	if err != nil {
		return nil, err
	}

	if cfg.PasswordPool == nil {
		pool, err := password.NewPool(password.PoolConfig{})
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}

		s.ownedPool = pool
		cfg.PasswordPool = pool
	}

	if err := s.build(ctx, cfg, keys); err != nil {
		return nil, err
	}

	return s, nil
}

func withDefaults(cfg Config) (Config, error) {
	if cfg.Store == nil {
		return cfg, errors.New("server: Config.Store is required")
	}

	if cfg.Issuer == "" {
		return cfg, errors.New("server: Config.Issuer is required")
	}

	if cfg.Audience == "" {
		cfg.Audience = cfg.Issuer
	}

	if cfg.AccessTokenTTL == 0 {
		cfg.AccessTokenTTL = 30 * time.Minute
	}

	if cfg.AccessTokenTTL < 0 {
		return cfg, fmt.Errorf("server: access token lifetime %s is negative", cfg.AccessTokenTTL)
	}

	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}

	if cfg.Passwords == nil {
		cfg.Passwords = &password.Hasher{}
	}

	if cfg.Activity == nil {
		cfg.Activity = &Activity{}
	}

	if len(cfg.LegacyHS256Key) == 0 {
		cfg.LegacyHS256Key = nil
	}

	if token.IsPublishedExampleKey(cfg.LegacyHS256Key) && !cfg.Demo {
		return cfg, errors.New("server: the legacy HS256 key is the example key that FastAPI's tutorial " +
			"publishes, so anyone can forge tokens with it; set your deployment's own key, or pass --demo")
	}

	return cfg, nil
}

// loadSigningKeys returns every stored key, creating the first one when
// the store has none. The newest key signs; all of them verify.
func (s *Server) loadSigningKeys(ctx context.Context) ([]token.Key, error) {
	stored, err := s.store.SigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("server: load signing keys: %w", err)
	}

	// Another replica may store its key between the two calls, so only the
	// key this process generated counts as generated here.
	var generatedID string

	newest, err := s.store.EnsureSigningKey(ctx, func() (store.SigningKey, error) {
		key, err := generateSigningKey()
		generatedID = key.ID

		return key, err
	})
	if err != nil {
		return nil, fmt.Errorf("server: create signing key: %w", err)
	}

	s.keySource = "loaded from the database"
	if newest.ID == generatedID {
		s.keySource = "generated on first start and stored in the database"
	}

	keys := []token.Key{toTokenKey(newest)}
	for _, k := range stored {
		if k.ID != newest.ID {
			keys = append(keys, toTokenKey(k))
		}
	}

	return keys, nil
}

func generateSigningKey() (store.SigningKey, error) {
	key, err := token.GenerateHS256Key()
	if err != nil {
		return store.SigningKey{}, err
	}

	return store.SigningKey{
		ID:        key.ID,
		Algorithm: key.Algorithm,
		Secret:    key.Secret,
		CreatedAt: time.Now().UTC(),
	}, nil
}

func toTokenKey(k store.SigningKey) token.Key {
	return token.Key{ID: k.ID, Algorithm: k.Algorithm, Secret: k.Secret}
}

func (s *Server) build(ctx context.Context, cfg Config, keys []token.Key) error {
	issuer, err := token.NewIssuer(token.IssuerConfig{
		Issuer:   cfg.Issuer,
		Audience: cfg.Audience,
		Key:      keys[0],
		TTL:      cfg.AccessTokenTTL,
	})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}

	verifier, err := token.NewVerifier(token.VerifierConfig{
		Issuer:         cfg.Issuer,
		Audience:       cfg.Audience,
		Keys:           keys,
		LegacyHS256Key: cfg.LegacyHS256Key,
	})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}

	tokenVerifier, err := cachedVerifier(verifier, cfg.TokenCache)
	if err != nil {
		return err
	}

	catalog := &catalogSource{own: OwnScopes(), scopes: cfg.Store, refresh: 5 * time.Second, now: time.Now}

	tokens, err := authserver.New(authserver.Config{
		Users:     cfg.Store,
		Issuer:    issuerAdapter{issuer},
		Passwords: cfg.Passwords,
		Hashing:   hashingRunner(cfg.PasswordPool),
		Scopes:    catalog,
		ErrorHook: s.errorHook("token endpoint"),
	})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}

	principals, err := s.newPrincipalLoader(cfg)
	if err != nil {
		return err
	}

	guard := bearer.New(bearer.Config{
		Verifier:   verifierAdapter{verifier: tokenVerifier, activity: cfg.Activity},
		Principals: principals,
		Realm:      "scopegate",
		RetryAfter: s.retryAfter,
		ErrorHook:  s.errorHook("bearer token check"),
	})

	s.api = api.New(api.Config{
		Title:    apiTitle,
		Version:  apiVersion,
		Enforcer: guard,
		Scopes:   catalog,
		TokenURL: "token",
		OnError: func(r *http.Request, err error) {
			s.logError(r.Context(), "OpenAPI document failed", err)
		},
	})
	s.declareRoutes(tokens.TokenHandler())

	handler, err := s.api.Handler(ctx)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}

	s.handler = handler

	return nil
}

// cachedVerifier puts a cache configured by cfg in front of verifier,
// unless cfg.MaxEntries is negative.
func cachedVerifier(verifier *token.Verifier, cfg token.CacheConfig) (tokenVerifier, error) {
	if cfg.MaxEntries < 0 {
		return verifier, nil
	}

	cache, err := token.NewCache(verifier, cfg)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}

	return cache, nil
}

// hashingRunner returns pool as the token endpoint's runner, or nil, not a
// nil pointer in an interface, when there is no pool.
func hashingRunner(pool *password.Pool) authserver.HashingRunner {
	if pool == nil {
		return nil
	}

	return pool
}

func (s *Server) errorHook(component string) func(context.Context, error) {
	return func(ctx context.Context, err error) {
		s.logError(ctx, component+" failed", err)
	}
}

func (s *Server) logError(ctx context.Context, msg string, err error) {
	s.logger.ErrorContext(ctx, msg, "error", err)
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler {
	return s.handler
}

// Routes lists the declared routes, as `scopegate routes` prints them.
func (s *Server) Routes() []api.RouteInfo {
	return s.api.Routes()
}

// Serve accepts connections on ln until ctx ends, then stops accepting,
// waits up to 10 seconds for requests in flight and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// ReadTimeout bounds the headers and the body together; every body
	// the server reads is small. net/http moves these deadlines several
	// times per request, so the listener keeps them with one sweeper
	// instead of a runtime timer each.
	srv := &http.Server{
		Handler:        s.handler,
		ReadTimeout:    10 * time.Second,
		WriteTimeout:   30 * time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}

	s.logger.InfoContext(ctx, "scopegate started",
		"addr", ln.Addr().String(), "database", s.database, "signing_key", s.keySource)

	stopWatching := s.watchUserChanges(ctx)
	defer stopWatching()

	if s.ownedPool != nil {
		defer s.ownedPool.Close()
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(deadline.Wrap(ln, 0)) }()

	select {
	case err := <-served:
		return fmt.Errorf("server: serve: %w", err)
	case <-ctx.Done():
	}

	s.logger.Info("scopegate stopping", "reason", context.Cause(ctx).Error())

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}

	s.logger.Info("scopegate stopped")

	return nil
}
