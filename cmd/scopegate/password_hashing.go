package main

import (
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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
			return hashproc.ServeStdio(0)
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
// bounds the work, the client of the child process, or nil when passwords
// are checked in the server process, and the record of the API's traffic
// that the pool yields to.
type passwordHashing struct {
	pool     *password.Pool
	client   *hashproc.Client
	activity *server.Activity
}

// configure sets the server's password hasher to the child process's
// client, when there is one. A nil *hashproc.Client is not stored, because
// in the interface field it would not compare equal to nil.
func (h *passwordHashing) configure(cfg *server.Config) {
	cfg.PasswordPool = h.pool
	cfg.Activity = h.activity
	if h.client != nil {
		cfg.Passwords = h.client
	}
}

// startPasswordHashing sets up the child process that --password-process
// selects, which starts at the first login, and starts the pool. With a
// child, the pool has one worker per CPU by default: the child's low
// priority gives the API the CPUs first, and with --password-yield the
// pool leaves one of them free while the API has traffic.
func startPasswordHashing(opts *serveOptions, logger *slog.Logger) (*passwordHashing, error) {
	workers := opts.passwordWorkers
	hashing := &passwordHashing{activity: &server.Activity{}}

	if opts.passwordProcess != "off" {
		priority := passwordPriorities[opts.passwordProcess]

		if workers == 0 {
			workers = runtime.GOMAXPROCS(0)
		}

		client, err := hashproc.Start(hashproc.Config{
			Args:        []string{passwordWorkerCommand},
			Priority:    priority,
			Workers:     workers,
			CallTimeout: opts.passwordChildTimeout,
			ErrorHook: func(err error) {
				logger.Error("password child process failed or did not respond in time; passwords are "+
					"checked in the server process until it restarts", "error", err)
			},
		})
		if err != nil {
			return nil, fmt.Errorf("%w (--password-process=off checks passwords in the server process)", err)
		}

		hashing.client = client
		logger.Info("passwords are checked in a child process", "priority", opts.passwordProcess,
			"workers", workers)
	}

	pool, err := password.NewPool(passwordPoolConfig(opts, workers, hashing.activity))
	if err != nil {
		hashing.close()
		return nil, err
	}

	hashing.pool = pool

	if hashing.client == nil {
		logger.Info("passwords are checked in the server process", "workers", pool.Workers())
	}

	return hashing, nil
}

// passwordPoolConfig returns the configuration of the password pool. With
// --password-yield, the pool runs one check fewer while activity reports
// API traffic, unless it checks passwords in this process with the default
// number of workers, which already leaves a CPU free.
func passwordPoolConfig(opts *serveOptions, workers int, activity *server.Activity) password.PoolConfig {
	cfg := password.PoolConfig{
		Workers:   workers,
		QueueSize: opts.passwordQueue,
		MaxWait:   opts.passwordMaxWait,
	}

	spareWorker := opts.passwordProcess == "off" && opts.passwordWorkers == 0
	if opts.passwordYield && !spareWorker {
		cfg.Busy = activity.Busy
	}

	return cfg
}

// close stops the child process, then the pool. In that order a check
// stuck on a stopped child ends at once and is done in this process, so
// the pool's workers can finish.
func (h *passwordHashing) close() {
	if h.client != nil {
		_ = h.client.Close()
	}

	if h.pool != nil {
		h.pool.Close()
	}
}

// maxWorkersPerCPU bounds --password-workers. More checks at once than
// CPUs add no throughput, and each running check holds its memory, about
// 19 MiB with the default argon2id parameters.
const maxWorkersPerCPU = 4

// maxPasswordQueue bounds --password-queue. The queue is allocated whole
// at start, and a login queued behind thousands of others would wait far
// longer than --password-max-wait allows anyway.
const maxPasswordQueue = 65536

// maxPasswordChildTimeout bounds --password-child-timeout. A login waits that
// long before it is checked in the server process, so the bound stays
// below the server's shutdown grace of 10 seconds.
const maxPasswordChildTimeout = 8 * time.Second

// checkPasswordFlags rejects out-of-range values of the password flags of
// flags, before serve opens the database, and names each as flagLabel does.
func checkPasswordFlags(flags *pflag.FlagSet, opts *serveOptions) error {
	if _, ok := passwordPriorities[opts.passwordProcess]; !ok && opts.passwordProcess != "off" {
		return fmt.Errorf("invalid %s %q: use idle, low, normal or off", flagLabel(flags, "password-process"),
			opts.passwordProcess)
	}

	maxWorkers := maxWorkersPerCPU * runtime.NumCPU()
	if opts.passwordWorkers < 0 || opts.passwordWorkers > maxWorkers {
		return fmt.Errorf("invalid %s %d: use 0 for the default, or 1 to %d (%d per CPU)",
			flagLabel(flags, "password-workers"), opts.passwordWorkers, maxWorkers, maxWorkersPerCPU)
	}

	if opts.passwordQueue < 0 || opts.passwordQueue > maxPasswordQueue {
		return fmt.Errorf("invalid %s %d: use 0 for 4 per worker, or 1 to %d", flagLabel(flags, "password-queue"),
			opts.passwordQueue, maxPasswordQueue)
	}

	if opts.passwordMaxWait <= 0 {
		return fmt.Errorf("invalid %s %s: use a positive duration, such as 1s", flagLabel(flags, "password-max-wait"),
			opts.passwordMaxWait)
	}

	if opts.passwordChildTimeout <= 0 || opts.passwordChildTimeout > maxPasswordChildTimeout {
		return fmt.Errorf("invalid %s %s: use a positive duration up to %s, such as 5s",
			flagLabel(flags, "password-child-timeout"), opts.passwordChildTimeout, maxPasswordChildTimeout)
	}

	return nil
}
