package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/scopegate/scopegate/password"
	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/server"
	"github.com/scopegate/scopegate/store"
)

func newUserCommand(global *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the users who log in at /token",
	}

	cmd.AddCommand(
		newUserAddCommand(global),
		newUserListCommand(global),
		newUserPasswdCommand(global),
		newUserSetDisabledCommand(global, "disable", true),
		newUserSetDisabledCommand(global, "enable", false),
		newUserScopesCommand(global, "grant"),
		newUserScopesCommand(global, "revoke"),
	)

	return cmd
}

// withStore opens the database, runs fn and closes it.
func withStore(ctx context.Context, global *globalOptions, fn func(st store.Store) error) error {
	st, _, err := openStore(ctx, global)
	if err != nil {
		return err
	}
	defer st.Close()

	return fn(st)
}

func newUserAddCommand(global *globalOptions) *cobra.Command {
	var (
		fullName, email, scopes string
		disabled, passwordStdin bool
	)

	cmd := &cobra.Command{
		Use:   "add USERNAME",
		Short: "Add a user; the password is read from the terminal or from --password-stdin",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			username := args[0]
			if err := checkUsername(username); err != nil {
				return err
			}

			return withStore(cmd.Context(), global, func(st store.Store) error {
				granted, err := declaredScopes(cmd.Context(), st, strings.Fields(scopes))
				if err != nil {
					return err
				}

				// Checked before the password prompt, so that no password is typed
				// in vain. CreateUser checks again in case of a race.
				if _, err := st.User(cmd.Context(), username); err == nil {
					return userExistsError(username)
				}

				plain, err := readPassword(cmd, passwordStdin)
				if err != nil {
					return err
				}

				hash, err := password.Hash(plain)
				if err != nil {
					return err
				}

				err = st.CreateUser(cmd.Context(), store.User{
					Username: username, FullName: fullName, Email: email,
					PasswordHash: hash, Disabled: disabled, Scopes: granted,
				})
				if errors.Is(err, store.ErrConflict) {
					return userExistsError(username)
				}

				if err != nil {
					return err
				}

				fmt.Fprintf(cmd.OutOrStdout(), "Added user %s with %s.\n", username, describeScopes(granted))

				return nil
			})
		},
	}

	flags := cmd.Flags()
	flags.StringVar(&fullName, "full-name", "", "the user's full name")
	flags.StringVar(&email, "email", "", "the user's email address")
	flags.StringVar(&scopes, "scopes", "", `space-separated scopes the user may be granted, for example "me items"`)
	flags.BoolVar(&disabled, "disabled", false, "add the user disabled, unable to log in")
	flags.BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")

	return cmd
}

// maxUsernameLength bounds usernames, which appear in every token's sub
// claim.
const maxUsernameLength = 128

// checkUsername accepts 1 to 128 characters of valid UTF-8 with no spaces,
// control characters or invisible format characters such as U+200B, so a
// username reads the same in a token, a log line and the list of users.
func checkUsername(username string) error {
	const rule = "use 1 to 128 visible characters without spaces"

	if username == "" || utf8.RuneCountInString(username) > maxUsernameLength || !utf8.ValidString(username) {
		return fmt.Errorf("invalid username %q: %s", username, rule)
	}

	for _, r := range username {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("invalid username %q: %s", username, rule)
		}
	}

	return nil
}

func describeScopes(scopes scope.Set) string {
	if scopes.IsEmpty() {
		return "no scopes"
	}

	return fmt.Sprintf("scopes %q", scopes.String())
}

func newUserListCommand(global *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), global, func(st store.Store) error {
				users, err := st.ListUsers(cmd.Context())
				if err != nil {
					return err
				}

				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "USERNAME\tFULL NAME\tEMAIL\tDISABLED\tSCOPES")

				for _, u := range users {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\n", u.Username, u.FullName, u.Email, u.Disabled, u.Scopes)
				}

				return tw.Flush()
			})
		},
	}
}

func newUserPasswdCommand(global *globalOptions) *cobra.Command {
	var passwordStdin bool

	cmd := &cobra.Command{
		Use:   "passwd USERNAME",
		Short: "Set a user's password; it is read from the terminal or from --password-stdin",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			username := args[0]

			return withStore(cmd.Context(), global, func(st store.Store) error {
				if _, err := st.User(cmd.Context(), username); err != nil {
					return userError(username, err)
				}

				plain, err := readPassword(cmd, passwordStdin)
				if err != nil {
					return err
				}

				hash, err := password.Hash(plain)
				if err != nil {
					return err
				}

				if err := st.SetPasswordHash(cmd.Context(), username, hash); err != nil {
					return userError(username, err)
				}

				fmt.Fprintf(cmd.OutOrStdout(), "Changed the password of %s.\n", username)

				return nil
			})
		},
	}

	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")

	return cmd
}

func newUserSetDisabledCommand(global *globalOptions, verb string, disabled bool) *cobra.Command {
	short := "Enable a user, so that it can log in again"
	if disabled {
		short = "Disable a user: it can no longer log in, and its existing tokens are rejected"
	}

	return &cobra.Command{
		Use:   verb + " USERNAME",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			username := args[0]

			return withStore(cmd.Context(), global, func(st store.Store) error {
				if err := st.SetDisabled(cmd.Context(), username, disabled); err != nil {
					return userError(username, err)
				}

				fmt.Fprintf(cmd.OutOrStdout(), "%s user %s.\n", pastTense(verb), username)

				return nil
			})
		},
	}
}

func pastTense(verb string) string {
	return strings.ToUpper(verb[:1]) + verb[1:] + "d"
}

func newUserScopesCommand(global *globalOptions, verb string) *cobra.Command {
	short := "Allow a user to be granted scopes"
	if verb == "revoke" {
		short = "Stop a user from being granted scopes; its tokens that carry them are rejected from then on"
	}

	return &cobra.Command{
		Use:   verb + " USERNAME SCOPE...",
		Short: short,
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			username := args[0]

			return withStore(cmd.Context(), global, func(st store.Store) error {
				return changeScopes(cmd, st, verb, username, args[1:])
			})
		},
	}
}

func changeScopes(cmd *cobra.Command, st store.Store, verb, username string, names []string) error {
	ctx := cmd.Context()

	var (
		scopes scope.Set
		err    error
	)

	if verb == "grant" {
		scopes, err = declaredScopes(ctx, st, names)
	} else {
		// Revoking a scope that is no longer declared must still work.
		scopes, err = scope.FromList(names)
	}

	if err != nil {
		return err
	}

	if verb == "grant" {
		err = st.GrantScopes(ctx, username, scopes)
	} else {
		err = st.RevokeScopes(ctx, username, scopes)
	}

	if err != nil {
		return userError(username, err)
	}

	user, err := st.User(ctx, username)
	if err != nil {
		return userError(username, err)
	}

	fmt.Fprintf(cmd.OutOrStdout(), "User %s may now be granted %s.\n", username, describeScopes(user.Scopes))

	return nil
}

// declaredScopes parses scope names and checks that the catalog declares
// each of them.
func declaredScopes(ctx context.Context, st store.Store, names []string) (scope.Set, error) {
	scopes, err := scope.FromList(names)
	if err != nil {
		return scope.Set{}, err
	}

	catalog, err := server.LoadCatalog(ctx, st)
	if err != nil {
		return scope.Set{}, err
	}

	for _, name := range scopes.Names() {
		if _, ok := catalog.Lookup(name); !ok {
			return scope.Set{}, fmt.Errorf("scope %q is not declared; declare it with "+
				"\"scopegate scope add %s DESCRIPTION\", or list the declared scopes with \"scopegate scope list\"",
				name, name)
		}
	}

	return scopes, nil
}

func userExistsError(username string) error {
	return fmt.Errorf("user %q already exists; change its password with \"scopegate user passwd %s\"",
		username, username)
}

func userError(username string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user %q not found; list the users with \"scopegate user list\"", username)
	}

	return err
}
