package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/server"
	"github.com/scopegate/scopegate/store"
)

// Limits on operator-declared scopes. Names travel in every token that
// carries them; descriptions appear in the OpenAPI document.
const (
	maxScopeNameLength        = 128
	maxScopeDescriptionLength = 1024
)

func newScopeCommand(global *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scope",
		Short: "Manage the scopes that tokens may carry",
	}

	cmd.AddCommand(newScopeAddCommand(global), newScopeListCommand(global))

	return cmd
}

func newScopeAddCommand(global *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use: "add NAME DESCRIPTION",
		Short: "Declare a scope that tokens may carry, such as one another resource server checks, " +
			"with the description shown when it is granted",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, description := args[0], args[1]
			if err := scope.Validate(name); err != nil {
				return fmt.Errorf("%w; a scope name is printable ASCII without spaces, quotes or backslashes", err)
			}

			if len(name) > maxScopeNameLength {
				return fmt.Errorf("the scope name has %d characters; use at most %d, because every token "+
					"that carries it must stay small", len(name), maxScopeNameLength)
			}

			if len(description) > maxScopeDescriptionLength {
				return fmt.Errorf("the description has %d bytes; use at most %d",
					len(description), maxScopeDescriptionLength)
			}

			if _, ok := server.OwnScopes().Lookup(name); ok {
				return fmt.Errorf("scope %q is declared by the server itself already", name)
			}

			return withStore(cmd.Context(), global, func(st store.Store) error {
				err := st.AddScope(cmd.Context(), store.Scope{Name: name, Description: description})
				if errors.Is(err, store.ErrConflict) {
					return fmt.Errorf("scope %q is declared already; see \"scopegate scope list\"", name)
				}

				if err != nil {
					return err
				}

				fmt.Fprintf(cmd.OutOrStdout(), "Declared scope %s.\n", name)

				return nil
			})
		},
	}
}

func newScopeListCommand(global *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the declared scopes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), global, func(st store.Store) error {
				catalog, err := server.LoadCatalog(cmd.Context(), st)
				if err != nil {
					return err
				}

				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SCOPE\tDESCRIPTION")

				for _, entry := range catalog.Entries() {
					fmt.Fprintf(tw, "%s\t%s\n", entry.Name, entry.Description)
				}

				return tw.Flush()
			})
		},
	}
}
