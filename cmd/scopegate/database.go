package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/postgres"
	"github.com/scopegate/scopegate/store/sqlite"
)

// databaseOptions are the flags that select and tune the database.
type databaseOptions struct {
	dbPath          string
	databaseURL     string
	databaseTimeout time.Duration
}

func addDatabaseFlags(flags *pflag.FlagSet, opts *databaseOptions) {
	flags.StringVar(&opts.dbPath, "db", "./scopegate.db", "path of the SQLite database file")
	flags.StringVar(&opts.databaseURL, "database-url", "",
		"PostgreSQL database URL, such as postgres://user:password@host:5432/scopegate; "+
			"when set, it is used instead of the SQLite file of --db")
	flags.DurationVar(&opts.databaseTimeout, "database-timeout", postgres.DefaultQueryTimeout,
		"longest time one PostgreSQL operation may take before it fails and the request gets 503")
}

// checkDatabaseFlags rejects a command line, or environment, that names
// both an SQLite file and a PostgreSQL database, because it is unclear
// which one the command should change.
func checkDatabaseFlags(cmd *cobra.Command) error {
	db := cmd.Flags().Lookup("db")
	url := cmd.Flags().Lookup("database-url")

	if db != nil && url != nil && db.Changed && url.Changed && url.Value.String() != "" {
		return errors.New("both --db (SQLite) and --database-url (PostgreSQL) are set, " +
			"by flags or by SCOPEGATE_DB and SCOPEGATE_DATABASE_URL; set only one")
	}

	return nil
}

// openStore opens and migrates the database the flags name, and returns it
// with a description for messages and logs that holds no password.
func openStore(ctx context.Context, opts *globalOptions) (store.Store, string, error) {
	return openStoreWithLogger(ctx, opts, nil)
}

// openStoreWithLogger is openStore for a long-running command: errors the
// store handles itself, such as a lost PostgreSQL notification connection
// that it reconnects, are logged to logger when it is not nil.
func openStoreWithLogger(
	ctx context.Context, opts *globalOptions, logger *slog.Logger,
) (store.Store, string, error) {
	if opts.databaseURL == "" {
		st, err := sqlite.Open(ctx, opts.dbPath)
		if err != nil {
			return nil, "", err
		}

		return st, "sqlite:" + opts.dbPath, nil
	}

	pgOpts := postgres.Options{QueryTimeout: opts.databaseTimeout}
	if logger != nil {
		pgOpts.ErrorHook = func(err error) {
			logger.Warn("database connection problem", "error", err)
		}
	}

	st, err := postgres.Open(ctx, opts.databaseURL, pgOpts)
	if err != nil {
		return nil, "", err
	}

	return st, st.Description(), nil
}

func newMigrateCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the database schema",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, name, err := openStore(cmd.Context(), opts)
			if err != nil {
				return err
			}
			defer st.Close()

			fmt.Fprintf(cmd.OutOrStdout(), "The schema of %s is up to date.\n", name)

			return nil
		},
	}
}
