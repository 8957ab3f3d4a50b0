package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/scopegate/scopegate/password"
	"github.com/scopegate/scopegate/password/hashproc"
	"github.com/scopegate/scopegate/server"
)

// passwordWorkerCommand is the hidden subcommand that a child process of
// serve runs to hash and verify passwords.
const passwordWorkerCommand = "password-worker"

// newPasswordWorkerCommand returns the hidden subcommand of the password
// child process. It serves the parent on standard input and output and
// exits when its input ends.
func newPasswordWorkerCommand() *cobra.Command {
	return &cobra.Command{
		Use:    passwordWorkerCommand,
		Short:  "Hash and verify passwords for a running scopegate serve (started by serve itself)",
		Args:   cobra.NoArgs,
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return hashproc.Serve(os.Stdin, os.Stdout, 0)
		},
	}
}

// passwordPriorities maps the values of --password-process to the child's
// priority.
var passwordPriorities = map[string]hashproc.Priority{
	"idle":   hashproc.PriorityIdle,
	"low":    hashproc.PriorityLow,
	"normal": hashproc.PriorityNormal,
}

// passwordHashing is the token endpoint's password setup: the pool that
// bounds the work, and the client of the child process, or nil when
// passwords are checked in the server process.
type passwordHashing struct {
	pool   *password.Pool
	client *hashproc.Client
}

// configure sets the server's password hasher to the child process's
// client, when there is one. A nil *hashproc.Client is not stored, because
// in the interface field it would not compare equal to nil.
func (h *passwordHashing) configure(cfg *server.Config) {
	cfg.PasswordPool = h.pool
	if h.client != nil {
		cfg.Passwords = h.client
	}
}

// startPasswordHashing starts the child process that --password-process
// selects, and the pool. With a child, the pool has one worker per CPU by
// default, because the child's low priority, not a spare worker, keeps
// CPU time for the API.
func startPasswordHashing(opts *serveOptions, logger *slog.Logger) (*passwordHashing, error) {
	workers := opts.passwordWorkers
	hashing := &passwordHashing{}

	if opts.passwordProcess != "off" {
		priority, ok := passwordPriorities[opts.passwordProcess]
		if !ok {
			return nil, fmt.Errorf("invalid --password-process %q: use idle, low, normal or off", opts.passwordProcess)
		}

		if workers == 0 {
			workers = runtime.GOMAXPROCS(0)
		}

		client, err := hashproc.Start(hashproc.Config{
			Args:     []string{passwordWorkerCommand},
			Priority: priority,
			Workers:  workers,
			ErrorHook: func(err error) {
				logger.Error("password child process failed; passwords are checked in the server process "+
					"until it restarts", "error", err)
			},
		})
		if err != nil {
			return nil, fmt.Errorf("%w (--password-process=off checks passwords in the server process)", err)
		}

		hashing.client = client
		logger.Info("passwords are checked in a child process", "priority", opts.passwordProcess,
			"workers", workers)
	}

	pool, err := password.NewPool(password.PoolConfig{
		Workers:   workers,
		QueueSize: opts.passwordQueue,
		MaxWait:   opts.passwordMaxWait,
	})
	if err != nil {
		hashing.close()
		return nil, err
	}

	hashing.pool = pool

	return hashing, nil
}

// close stops the pool, then the child process.
func (h *passwordHashing) close() {
	if h.pool != nil {
		h.pool.Close()
	}

	if h.client != nil {
		_ = h.client.Close()
	}
}
