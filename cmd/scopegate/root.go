package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const envPrefix = "SCOPEGATE_"

// globalOptions are the flags every command shares.
type globalOptions struct {
	databaseOptions
}

func newRootCommand() *cobra.Command {
	opts := &globalOptions{}

	root := &cobra.Command{
		Use:           "scopegate",
		Short:         "An OAuth2 server that issues scoped JWT access tokens",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := applyEnvironment(cmd); err != nil {
				return err
			}

			return checkDatabaseFlags(cmd)
		},
	}

	addDatabaseFlags(root.PersistentFlags(), &opts.databaseOptions)
	root.SetFlagErrorFunc(explainFlagError)

	serve := newServeCommand(opts)

	root.AddCommand(
		serve,
		newMigrateCommand(opts),
		newUserCommand(opts),
		newScopeCommand(opts),
		newRoutesCommand(),
		newPasswordWorkerCommand(),
	)

	// Only the flags that configure a deployment read the environment. The
	// flags of single admin commands, such as --disabled of "user add", do
	// not, so a variable left in a shell cannot change what they do.
	enableEnvironment(root.PersistentFlags())
	enableEnvironment(serve.Flags())

	return root
}

// envAnnotation marks the flags that read an environment variable.
const envAnnotation = "scopegate-env"

// envSetAnnotation marks the flags whose value applyEnvironment took from
// the environment, so that messages about the value name the variable.
const envSetAnnotation = "scopegate-env-set"

// enableEnvironment makes every flag of flags read its environment
// variable, and names the variable in the flag's help text.
func enableEnvironment(flags *pflag.FlagSet) {
	flags.VisitAll(func(flag *pflag.Flag) {
		if flag.Name == "help" {
			return
		}

		if flag.Annotations == nil {
			flag.Annotations = map[string][]string{}
		}

		flag.Annotations[envAnnotation] = []string{envName(flag.Name)}
		flag.Usage += " (env " + envName(flag.Name) + ")"
	})
}

// envName returns the environment variable that sets a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applyEnvironment sets each flag that reads the environment, and that
// the command line left unset, from its environment variable.
func applyEnvironment(cmd *cobra.Command) error {
	var firstErr error

	apply := func(flag *pflag.Flag) {
		if flag.Changed || firstErr != nil || flag.Annotations[envAnnotation] == nil {
			return
		}

		value, ok := os.LookupEnv(envName(flag.Name))
		if !ok {
			return
		}

		if err := flag.Value.Set(value); err != nil {
			firstErr = fmt.Errorf("invalid value %q in %s for --%s: %s", value, envName(flag.Name), flag.Name,
				valueHint(cmd, flag))
			return
		}

		flag.Changed = true
		flag.Annotations[envSetAnnotation] = []string{"true"}
	}

	cmd.Flags().VisitAll(apply)
	cmd.InheritedFlags().VisitAll(apply)

	return firstErr
}

// flagLabel returns the name of the flag of flags called name for an error
// message. A value from the environment is named by its variable too,
// "SCOPEGATE_NAME (--name)", because the user may never have typed the flag.
func flagLabel(flags *pflag.FlagSet, name string) string {
	flag := flags.Lookup(name)
	if flag != nil && flag.Annotations[envSetAnnotation] != nil {
		return envName(name) + " (--" + name + ")"
	}

	return "--" + name
}

// explainFlagError rewords an invalid flag value on the command line as
// applyEnvironment words one from the environment: the flag, the value and
// the form it must have, instead of the parser's own message. Subcommands
// inherit it from the root command.
func explainFlagError(cmd *cobra.Command, err error) error {
	var invalid *pflag.InvalidValueError
	if !errors.As(err, &invalid) {
		return err
	}

	return fmt.Errorf("invalid value %q for --%s: %s", invalid.GetValue(), invalid.GetFlag().Name,
		valueHint(cmd, invalid.GetFlag()))
}

// valueHint returns the form a value of flag, a flag of cmd, must have.
func valueHint(cmd *cobra.Command, flag *pflag.Flag) string {
	switch flag.Value.Type() {
	case "bool":
		return "use true or false"
	case "duration":
		return "use a duration with a unit, such as 90s, 30m or 1h"
	case "int":
		return "use a whole number"
	default:
		return "see " + cmd.CommandPath() + " --help"
	}
}
