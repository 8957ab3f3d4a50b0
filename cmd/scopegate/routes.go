package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/server"
)

func newRoutesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "routes",
		Short: "List the API's routes with the scopes each requires",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "METHOD\tPATH\tREQUIRED SCOPES\tSUMMARY")

			for _, route := range server.DeclaredRoutes() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", route.Method, route.Path, securityText(route.Public, route.Security), route.Summary)
			}

			return tw.Flush()
		},
	}
}

// securityText formats a route's requirement: alternatives are separated
// by " | ", and a route that needs a token but no scope shows "(token)".
func securityText(public bool, req bearer.Requirement) string {
	if public {
		return "(public)"
	}

	var alternatives []string
	for _, alt := range req.Alternatives() {
		if alt.IsEmpty() {
			alternatives = append(alternatives, "(token)")
			continue
		}

		alternatives = append(alternatives, alt.String())
	}

	return strings.Join(alternatives, " | ")
}
