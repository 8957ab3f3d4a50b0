package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/scopegate/scopegate/password"
	"github.com/scopegate/scopegate/password/hashproc"
	"github.com/scopegate/scopegate/server"
	"github.com/scopegate/scopegate/token"
)

type serveOptions struct {
	addr           string
	demo           bool
	issuer         string
	audience       string
	accessTokenTTL time.Duration
	legacyKey      string
	legacyKeyFile  string
	logFormat      string

	// Password hashing pool and token cache.
	passwordWorkers      int
	passwordQueue        int
	passwordMaxWait      time.Duration
	passwordProcess      string
	passwordChildTimeout time.Duration
	passwordYield        bool
	tokenCacheSize       int
	tokenCacheTTL        time.Duration

	principalCache principalCacheOptions
}

func newServeCommand(global *globalOptions) *cobra.Command {
	opts := &serveOptions{}

	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the OAuth2 server and the API",
		Long: "Run the OAuth2 server and the API. The database is created and migrated when needed, " +
			"and a signing key is generated on first start and kept in the database.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd, global, opts)
		},
	}

	flags := cmd.Flags()
	flags.StringVar(&opts.addr, "addr", "127.0.0.1:8000", "address to listen on, host:port")
	flags.BoolVar(&opts.demo, "demo", false,
		"seed FastAPI's tutorial users (johndoe/secret, alice/secretalice disabled) and its item, "+
			"and accept tokens signed with the tutorial's published key")
	flags.StringVar(&opts.issuer, "issuer", "", `issuer URL in tokens (default "http://" + --addr)`)
	flags.StringVar(&opts.audience, "audience", "", "audience of issued and accepted tokens (default the issuer)")
	flags.DurationVar(&opts.accessTokenTTL, "access-token-ttl", 30*time.Minute, "lifetime of access tokens")
	flags.StringVar(&opts.legacyKey, "legacy-hs256-key", "",
		"HS256 key of a FastAPI deployment whose tokens are accepted in its format "+
			"(default with --demo: the tutorial's published key)")
	flags.StringVar(&opts.legacyKeyFile, "legacy-hs256-key-file", "",
		"file holding the --legacy-hs256-key value, which keeps the key out of the process list")
	flags.StringVar(&opts.logFormat, "log-format", "json", "log format on stderr: json or text")
	addPerformanceFlags(flags, opts)
	addPrincipalCacheFlags(flags, &opts.principalCache)

	return cmd
}

func runServe(cmd *cobra.Command, global *globalOptions, opts *serveOptions) error {
	logger, err := newLogger(cmd.Flags(), opts.logFormat)
	if err != nil {
		return err
	}

	ctx := cmd.Context()

	if err := checkPasswordFlags(cmd.Flags(), opts); err != nil {
		return err
	}

	principalCache, err := opts.principalCache.config(cmd.Flags())
	if err != nil {
		return err
	}

	st, database, err := openStoreWithLogger(ctx, global, logger)
	if err != nil {
		return err
	}
	defer st.Close()

	if opts.demo {
		created, err := server.SeedDemo(ctx, st)
		if err != nil {
			return err
		}

		logger.Info("demo mode: the tutorial's users johndoe and alice are in the database",
			"records_created", created, "database", database)
		logger.Warn("demo mode accepts tokens signed with the key that FastAPI's tutorial publishes, " +
			"so anyone can act as any enabled user; never run --demo where others can reach it")
	}

	warnIfReadableByOthers(logger, global)

	hashing, err := startPasswordHashing(opts, logger)
	if err != nil {
		return err
	}
	defer hashing.close()

	if err := readLegacyKeyFile(opts); err != nil {
		return err
	}

	cfg := server.Config{
		Store:          st,
		Database:       database,
		Issuer:         issuerOrDefault(opts),
		Audience:       opts.audience,
		AccessTokenTTL: opts.accessTokenTTL,
		LegacyHS256Key: legacyKey(opts),
		Demo:           opts.demo,
		Logger:         logger,
		TokenCache:     tokenCacheConfig(opts),
		PrincipalCache: principalCache,
	}
	hashing.configure(&cfg)

	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", opts.addr, err)
	}

	return srv.Serve(ctx, ln)
}

func issuerOrDefault(opts *serveOptions) string {
	if opts.issuer != "" {
		return opts.issuer
	}

	return "http://" + opts.addr
}

// legacyKey returns the FastAPI key to accept, or nil for none.
func legacyKey(opts *serveOptions) []byte {
	switch {
	case opts.legacyKey != "":
		return []byte(opts.legacyKey)
	case opts.demo:
		return []byte(token.PublishedExampleKey)
	default:
		return nil
	}
}

// newLogger returns the logger that --log-format selects. An error names
// the flag of flags as flagLabel does.
func newLogger(flags *pflag.FlagSet, format string) (*slog.Logger, error) {
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, nil)), nil
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, nil)), nil
	default:
		return nil, fmt.Errorf("invalid %s %q: use json or text", flagLabel(flags, "log-format"), format)
	}
}

// addPerformanceFlags adds the flags of the password hashing pool and of
// the token cache.
func addPerformanceFlags(flags *pflag.FlagSet, opts *serveOptions) {
	flags.StringVar(&opts.passwordProcess, "password-process", "low",
		"CPU priority of the child process that hashes and verifies passwords: low (nice 19), idle "+
			"(Linux SCHED_IDLE, runs only on otherwise idle CPUs), normal, or off to hash in the server process")
	flags.IntVar(&opts.passwordWorkers, "password-workers", 0,
		"password verifications that run at once, 1 to 4 per CPU; 0 means GOMAXPROCS when "+
			"--password-process is idle, low or normal, and GOMAXPROCS - 1 (at least 1) when it is off")
	flags.BoolVar(&opts.passwordYield, "password-yield", true,
		"while the API has checked a bearer token within the last second, run one password verification "+
			"fewer than --password-workers at once (at least one), so that a CPU stays free for the API; "+
			"no effect with --password-process=off and the default workers, which leave one free already")
	flags.IntVar(&opts.passwordQueue, "password-queue", 0,
		"password verifications that may wait for a worker before /token answers 503, up to 65536; "+
			"0 means 4 per worker")
	flags.DurationVar(&opts.passwordMaxWait, "password-max-wait", password.DefaultMaxWait,
		"longest expected wait for a password worker before /token answers 503")
	flags.DurationVar(&opts.passwordChildTimeout, "password-child-timeout", hashproc.DefaultCallTimeout,
		"longest wait for the password child's answer, up to "+maxPasswordChildTimeout.String()+"; a check that "+
			"takes longer is done in the server process, and the child is restarted")
	flags.IntVar(&opts.tokenCacheSize, "token-cache-size", token.DefaultCacheEntries,
		"verified access tokens kept in memory, so a token is verified once per --token-cache-ttl; "+
			"0 turns the cache off")
	flags.DurationVar(&opts.tokenCacheTTL, "token-cache-ttl", token.DefaultCacheTTL,
		"longest time a verified access token is served from the cache before it is verified again")
}

func tokenCacheConfig(opts *serveOptions) token.CacheConfig {
	if opts.tokenCacheSize == 0 {
		return token.CacheConfig{MaxEntries: -1}
	}

	return token.CacheConfig{MaxEntries: opts.tokenCacheSize, TTL: opts.tokenCacheTTL}
}

// readLegacyKeyFile sets the legacy key from --legacy-hs256-key-file,
// without the trailing line break an editor adds.
func readLegacyKeyFile(opts *serveOptions) error {
	if opts.legacyKeyFile == "" {
		return nil
	}

	if opts.legacyKey != "" {
		return errors.New("set --legacy-hs256-key or --legacy-hs256-key-file, not both")
	}

	data, err := os.ReadFile(opts.legacyKeyFile)
	if err != nil {
		return fmt.Errorf("read --legacy-hs256-key-file: %w", err)
	}

	opts.legacyKey = strings.TrimRight(string(data), "\r\n")
	if opts.legacyKey == "" {
		return fmt.Errorf("--legacy-hs256-key-file %s is empty", opts.legacyKeyFile)
	}

	return nil
}

// warnIfReadableByOthers logs a warning when the SQLite file, which holds
// password hashes and signing keys, can be read by other users of the
// machine. scopegate creates the file with mode 0600 but does not change
// the mode of a file that exists already.
func warnIfReadableByOthers(logger *slog.Logger, global *globalOptions) {
	if global.databaseURL != "" {
		return
	}

	info, err := os.Stat(global.dbPath)
	if err != nil || info.Mode().Perm()&0o077 == 0 {
		return
	}

	logger.Warn("the database file can be read by other users; restrict it with chmod 600",
		"path", global.dbPath, "mode", info.Mode().Perm().String())
}
