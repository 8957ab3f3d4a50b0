package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/sqlite"
)

// openStore opens and migrates the database the flags name.
func openStore(ctx context.Context, opts *globalOptions) (store.Store, string, error) {
	st, err := sqlite.Open(ctx, opts.dbPath)
	if err != nil {
		return nil, "", err
	}

	return st, "sqlite:" + opts.dbPath, nil
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
