package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const envPrefix = "SCOPEGATE_"

// globalOptions are the flags every command shares.
type globalOptions struct {
	dbPath string
}

func newRootCommand() *cobra.Command {
	opts := &globalOptions{}

	root := &cobra.Command{
		Use:           "scopegate",
		Short:         "An OAuth2 server that issues scoped JWT access tokens",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return applyEnvironment(cmd)
		},
	}

	root.PersistentFlags().StringVar(&opts.dbPath, "db", "./scopegate.db", "path of the SQLite database file")

	root.AddCommand(
		newServeCommand(opts),
		newMigrateCommand(opts),
		newUserCommand(opts),
		newScopeCommand(opts),
		newRoutesCommand(),
	)

	documentEnvironment(root)

	return root
}

// envName returns the environment variable that sets a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applyEnvironment sets each flag the command line left unset from its
// environment variable.
func applyEnvironment(cmd *cobra.Command) error {
	var firstErr error

	apply := func(flag *pflag.Flag) {
		if flag.Changed || flag.Name == "help" || firstErr != nil {
			return
		}

		value, ok := os.LookupEnv(envName(flag.Name))
		if !ok {
			return
		}

		if err := flag.Value.Set(value); err != nil {
			firstErr = fmt.Errorf("invalid value in %s for --%s: %w", envName(flag.Name), flag.Name, err)
			return
		}

		flag.Changed = true
	}

	cmd.Flags().VisitAll(apply)
	cmd.InheritedFlags().VisitAll(apply)

	return firstErr
}

// documentEnvironment appends each flag's environment variable to its help
// text, in every command of the tree.
func documentEnvironment(cmd *cobra.Command) {
	note := func(flag *pflag.Flag) {
		suffix := " (env " + envName(flag.Name) + ")"
		if flag.Name != "help" && !strings.HasSuffix(flag.Usage, suffix) {
			flag.Usage += suffix
		}
	}

	cmd.LocalFlags().VisitAll(note)
	cmd.PersistentFlags().VisitAll(note)

	for _, child := range cmd.Commands() {
		documentEnvironment(child)
	}
}
