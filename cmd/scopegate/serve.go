package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

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
	logFormat      string
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
	flags.StringVar(&opts.logFormat, "log-format", "json", "log format on stderr: json or text")

	return cmd
}

func runServe(cmd *cobra.Command, global *globalOptions, opts *serveOptions) error {
	logger, err := newLogger(opts.logFormat)
	if err != nil {
		return err
	}

	ctx := cmd.Context()

	st, database, err := openStore(ctx, global)
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
	}

	srv, err := server.New(ctx, server.Config{
		Store:          st,
		Database:       database,
		Issuer:         issuerOrDefault(opts),
		Audience:       opts.audience,
		AccessTokenTTL: opts.accessTokenTTL,
		LegacyHS256Key: legacyKey(opts),
		Demo:           opts.demo,
		Logger:         logger,
	})
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

func newLogger(format string) (*slog.Logger, error) {
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, nil)), nil
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, nil)), nil
	default:
		return nil, fmt.Errorf("invalid --log-format %q: use json or text", format)
	}
}
