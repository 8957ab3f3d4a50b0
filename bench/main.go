// Command bench loads scopegate side by side with a bare net/http server,
// the ceiling, and optionally another server such as the FastAPI app it
// replaces, and prints Markdown tables of the results.
//
// Run it from the repository root:
//
//	go run ./bench
//	go run ./bench -scenarios me,flood -rounds 5 -duration 10s
//	go run ./bench -peer http://127.0.0.1:8001 -peer-pid 12345
//
// In one run it builds ./cmd/scopegate, ./bench/ceiling and ./bench/spin
// into a temporary directory, starts the ceiling and `scopegate serve --demo` on
// a temporary SQLite file, each on a free port of 127.0.0.1, and loads them
// in turn with wrk (Debian package wrk), A B A B for -rounds rounds, so
// that a change in the machine's load affects every target alike. For each
// target it reports the median over the rounds of requests per second,
// p50 and p99 latency, and the server's CPU time per request (user plus
// system time from /proc/PID/stat of the server and its child processes,
// before and after each run, divided by the requests served), and the
// ratios to the ceiling. wrk runs on the
// same machine and takes CPU time of its own, which is not counted.
//
// Scenarios, chosen with -scenarios:
//
//	me      GET /users/me/ with an HS256 access token
//	status  GET /status/ with the same token
//	token   POST /token (password grant) against the hashing ceiling:
//	        CPUs divided by the time of one argon2id verification with the
//	        server's parameters, measured in this process in the same run
//	flood   GET /users/me/ at a steady load of a few thousand requests
//	        per second at most, alone and while a login flood keeps the
//	        password workers busy; on scopegate also while ./bench/spin
//	        keeps every CPU, and then all CPUs but one, busy at nice 19 and
//	        then at SCHED_IDLE: the floor that background CPU work adds
//	users   logins and GET /users/me/ with 100 users and with -users
//	        users, seeded by three SQL statements in one transaction; also in
//	        PostgreSQL when -database-url is set. The req/s of GET
//	        /users/me/ comes from a saturating run and its latency from the
//	        flood's steady probe
//	memory  resident memory idle and under load, the server's child
//	        processes included, and start-up time until /healthz answers
//
// The peer (-peer and -peer-pid) is a server the harness does not start:
// it must serve the FastAPI tutorial's routes on 127.0.0.1, accept johndoe
// with password secret, and -peer-pid must be the process that serves it,
// for its CPU time. It joins the me, status, token, flood and memory
// scenarios.
//
// The harness only talks to 127.0.0.1, bounds every run by -duration, and
// stops the servers it started when it ends.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	scenarios        string
	rounds           int
	duration         time.Duration
	threads          int
	connections      int
	floodConnections int
	users            int
	peerURL          string
	peerPID          int
	databaseURL      string
	serveArgs        string
	keep             bool
}

func parseOptions() options {
	var opts options

	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), "Usage: go run ./bench [flags]\n\n"+
			"Loads the bare ceiling server, scopegate and the -peer server with wrk, A B A B, and prints\n"+
			"Markdown tables of req/s, p50, p99, CPU per request and the ratios to the ceiling.\n"+
			"Scenarios: me, status, token, flood, users, memory; `go doc ./bench` describes them.\n\n"+
			"Flags:\n")
		flag.PrintDefaults()
	}

	flag.StringVar(&opts.scenarios, "scenarios", "me,status,token,flood,users,memory",
		"comma-separated scenarios to run: me, status, token, flood, users, memory")
	flag.IntVar(&opts.rounds, "rounds", 3, "rounds of each scenario; each round loads every target once")
	flag.DurationVar(&opts.duration, "duration", 5*time.Second, "length of one wrk run, whole seconds")
	flag.IntVar(&opts.threads, "threads", 2, "wrk threads")
	flag.IntVar(&opts.connections, "connections", 32, "wrk connections of the throughput runs")
	flag.IntVar(&opts.floodConnections, "flood-connections", 8,
		"connections of the login flood; keep it within the password workers plus their queue, "+
			"or the flood turns into a stream of cheap 503 responses")
	flag.IntVar(&opts.users, "users", 1_000_000, "users in the large database of the users scenario")
	flag.StringVar(&opts.peerURL, "peer", "",
		"base URL of another server to load, such as http://127.0.0.1:8001")
	flag.IntVar(&opts.peerPID, "peer-pid", 0, "process ID of the -peer server, for its CPU time and memory")
	flag.StringVar(&opts.databaseURL, "database-url", "",
		"PostgreSQL URL on 127.0.0.1 for the users scenario; the harness creates and drops its own schema")
	flag.StringVar(&opts.serveArgs, "serve-args", "",
		"extra flags for scopegate serve, separated by spaces, such as --password-workers=1")
	flag.BoolVar(&opts.keep, "keep", false, "keep the temporary directory with the binaries, databases and logs")
	flag.Parse()

	return opts
}

func main() {
	opts := parseOptions()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, opts options) error {
	if err := checkOptions(opts); err != nil {
		return err
	}

	if err := checkWrk(); err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "scopegate-bench-")
	if err != nil {
		return err
	}

	if opts.keep {
		fmt.Fprintln(os.Stderr, "bench: keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	build, err := buildBinaries(ctx, dir)
	if err != nil {
		return err
	}

	h := &harness{opts: opts, build: build, dir: dir}
	defer h.stopAll()

	printMachine(opts)

	return h.runScenarios(ctx)
}

func checkOptions(opts options) error {
	if opts.rounds < 1 || opts.duration < time.Second || opts.threads < 1 || opts.connections < opts.threads {
		return errors.New("-rounds and -threads must be at least 1, -duration at least 1s, " +
			"and -connections at least -threads")
	}

	if (opts.peerURL == "") != (opts.peerPID == 0) {
		return errors.New("-peer and -peer-pid go together")
	}

	if opts.databaseURL != "" {
		if err := checkLoopback(opts.databaseURL); err != nil {
			return err
		}
	}

	return nil
}

// printMachine prints what the figures depend on: CPUs, CPU model, memory
// and load average.
func printMachine(opts options) {
	fmt.Printf("# scopegate benchmarks\n\n")
	fmt.Printf("- CPUs: %d (%s)\n", runtime.NumCPU(), cpuModel())
	fmt.Printf("- memory: %s\n", firstLine("/proc/meminfo"))
	fmt.Printf("- load average at start: %s\n", firstLine("/proc/loadavg"))
	fmt.Printf("- %s, wrk -t %d, %s of %s per target\n", runtime.Version(), opts.threads, roundsText(opts.rounds),
		opts.duration)

	if opts.serveArgs != "" {
		fmt.Printf("- scopegate serve flags: %s\n", opts.serveArgs)
	}

	fmt.Println()
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown model"
	}

	for line := range strings.Lines(string(data)) {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}

	return "unknown model"
}

func firstLine(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}

	line, _, _ := strings.Cut(string(data), "\n")

	return strings.Join(strings.Fields(line), " ")
}
