// Command scopegate runs the scopegate OAuth2 server and administers its
// database: users, scopes and migrations.
//
// Every flag can also be set through an environment variable named
// SCOPEGATE_ followed by the flag name in upper case with dashes as
// underscores, for example SCOPEGATE_DB for --db. A flag given on the
// command line wins over its variable.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := newRootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "scopegate:", err)
		stop()
		os.Exit(1)
	}
}
