package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scopegate/scopegate/password"
)

// harness holds the servers of one run.
type harness struct {
	opts  options
	build *scopegateBuild
	dir   string

	// The servers shared by the scenarios, started on first use.
	ceiling, scopegate, peer *target

	// started lists every server the harness started, to stop at the end.
	started []*target

	// cleanups run at the end, after the servers have stopped.
	cleanups []func()
}

func (h *harness) runScenarios(ctx context.Context) error {
	for name := range strings.SplitSeq(h.opts.scenarios, ",") {
		var err error

		switch strings.TrimSpace(name) {
		case "me":
			err = h.throughput(ctx, "GET /users/me/", "/users/me/")
		case "status":
			err = h.throughput(ctx, "GET /status/", "/status/")
		case "token":
			err = h.tokenThroughput(ctx)
		case "flood":
			err = h.flood(ctx)
		case "users":
			err = h.userCounts(ctx)
		case "memory":
			err = h.memory(ctx)
		default:
			err = fmt.Errorf("unknown scenario %q in -scenarios", name)
		}

		if err != nil {
			return err
		}
	}

	return nil
}

func (h *harness) stopAll() {
	for _, t := range h.started {
		t.stop()
	}

	for _, cleanup := range h.cleanups {
		cleanup()
	}
}

func (h *harness) track(t *target, err error) (*target, error) {
	if err == nil {
		h.started = append(h.started, t)
	}

	return t, err
}

// targets starts the shared servers unless they run, and returns them in
// the order they are loaded: the ceiling, scopegate and the peer.
func (h *harness) targets(ctx context.Context) ([]*target, error) {
	var err error

	if h.ceiling == nil {
		if h.ceiling, err = h.track(h.build.startCeiling()); err != nil {
			return nil, err
		}
	}

	if h.scopegate == nil {
		if h.scopegate, err = h.startScopegate(ctx, "scopegate"); err != nil {
			return nil, err
		}
	}

	// wrk sends the ceiling scopegate's token too, which it ignores, so
	// both servers read the same request bytes and only the check differs.
	h.ceiling.token = h.scopegate.token

	all := []*target{h.ceiling, h.scopegate}

	if h.opts.peerURL != "" && h.peer == nil {
		if h.peer, err = peerTarget(ctx, h.opts.peerURL, h.opts.peerPID); err != nil {
			return nil, err
		}
	}

	if h.peer != nil {
		all = append(all, h.peer)
	}

	return all, nil
}

func (h *harness) startScopegate(ctx context.Context, name string) (*target, error) {
	db := filepath.Join(h.dir, name+".db")

	return h.track(h.build.startScopegate(ctx, name, db, "", strings.Fields(h.opts.serveArgs)))
}

// throughput loads path on every target in turn, A B A B, and prints the
// medians and the ratios to the ceiling.
func (h *harness) throughput(ctx context.Context, title, path string) error {
	targets, err := h.targets(ctx)
	if err != nil {
		return err
	}

	results := make(map[*target][]result)
	for range h.opts.rounds {
		for _, t := range targets {
			l := load{path: path, threads: h.opts.threads, connections: h.opts.connections,
				duration: h.opts.duration, token: t.token}

			r, err := l.run(ctx, t)
			if err != nil {
				return err
			}

			results[t] = append(results[t], r)
		}
	}

	ceiling := median(results[h.ceiling])

	tbl := newTable(title, "target", "req/s", "p50", "p99", "CPU/req", "failed",
		"req/s vs ceiling", "CPU/req vs ceiling")
	for _, t := range targets {
		m := median(results[t])
		tbl.add(t.name, perSecond(m.perSecond), ms(m.p50), ms(m.p99), ms(m.cpuPerRequest()),
			fmt.Sprint(m.failed), ratio(m.perSecond, ceiling.perSecond),
			ratio(float64(m.cpuPerRequest()), float64(ceiling.cpuPerRequest())))
	}

	tbl.note(fmt.Sprintf("wrk -t %d -c %d, %s of %s, medians; CPU/req is the server's user+system time "+
		"per request, its child processes included", h.opts.threads, h.opts.connections, roundsText(h.opts.rounds), h.opts.duration))
	tbl.print()

	if h.peer != nil && path == "/users/me/" {
		sg, peer := median(results[h.scopegate]), median(results[h.peer])
		fmt.Printf("scopegate vs peer: %.1f times the req/s, %.2f times the CPU per request\n\n",
			sg.perSecond/peer.perSecond, float64(sg.cpuPerRequest())/float64(peer.cpuPerRequest()))
	}

	return nil
}

// hashingCeiling measures one argon2id verification with the server's
// default parameters in this process, and returns its median time over
// several runs and the logins per second that the machine's CPUs could
// verify at that speed.
func hashingCeiling() (time.Duration, float64, error) {
	var hasher password.Hasher

	encoded, err := hasher.Hash("secret")
	if err != nil {
		return 0, 0, err
	}

	times := make([]time.Duration, 9)
	for i := range times {
		start := time.Now()
		if _, err := hasher.Verify("secret", encoded); err != nil {
			return 0, 0, err
		}

		times[i] = time.Since(start)
	}

	slices.Sort(times)
	one := times[len(times)/2]

	return one, float64(runtime.NumCPU()) / one.Seconds(), nil
}

// parallelHashing verifies one argon2id hash in a loop on one goroutine
// per CPU for d, in this process, and returns the verifications per
// second. Unlike the hashing ceiling, it includes what concurrent
// verifications cost each other, such as shared caches and memory
// bandwidth.
func parallelHashing(d time.Duration) (float64, error) {
	var hasher password.Hasher

	encoded, err := hasher.Hash("secret")
	if err != nil {
		return 0, err
	}

	var count atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)

	for range runtime.NumCPU() {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if ok, err := hasher.Verify("secret", encoded); err != nil || !ok {
					failed.Store(true)
					return
				}

				count.Add(1)
			}
		})
	}
	wg.Wait()

	if failed.Load() {
		return 0, errors.New("parallel hashing: a verification of the harness's own hash failed")
	}

	return float64(count.Load()) / time.Since(start).Seconds(), nil
}

// tokenThroughput loads POST /token on scopegate and the peer in turn, and
// compares scopegate with the hashing ceiling measured between the runs.
func (h *harness) tokenThroughput(ctx context.Context) error {
	targets, err := h.targets(ctx)
	if err != nil {
		return err
	}

	script, err := writeLoginScript(h.dir, "login", "johndoe", "secret")
	if err != nil {
		return err
	}

	results := make(map[*target][]result)
	var verifications []time.Duration
	var ceilings, loops []float64

	for range h.opts.rounds {
		one, ceiling, err := hashingCeiling()
		if err != nil {
			return err
		}

		loop, err := parallelHashing(h.opts.duration)
		if err != nil {
			return err
		}

		verifications = append(verifications, one)
		ceilings = append(ceilings, ceiling)
		loops = append(loops, loop)

		for _, t := range targets[1:] {
			l := load{path: "/token", threads: 1, connections: h.opts.floodConnections,
				duration: h.opts.duration, script: script}

			r, err := l.run(ctx, t)
			if err != nil {
				return err
			}

			results[t] = append(results[t], r)
		}
	}

	slices.Sort(verifications)
	slices.Sort(ceilings)
	slices.Sort(loops)
	one, ceiling, loop := verifications[len(verifications)/2], ceilings[len(ceilings)/2], loops[len(loops)/2]

	tbl := newTable("POST /token (password grant)", "target", "logins/s", "p50", "p99", "CPU/login", "failed",
		"vs hashing ceiling", "vs parallel loop")
	tbl.add("hashing ceiling", perSecond(ceiling), ms(one), "", "", "", "1.00", "")
	tbl.add("parallel hashing loop", perSecond(loop), "", "", "", "", ratio(loop, ceiling), "1.00")

	for _, t := range targets[1:] {
		m := median(results[t])
		vsCeiling, vsLoop := ratio(m.perSecond, ceiling), ratio(m.perSecond, loop)
		if t != h.scopegate {
			vsCeiling, vsLoop = "other algorithm", ""
		}

		tbl.add(t.name, perSecond(m.perSecond), ms(m.p50), ms(m.p99), ms(m.cpuPerRequest()),
			fmt.Sprint(m.failed), vsCeiling, vsLoop)
	}

	tbl.note(fmt.Sprintf("hashing ceiling: %d CPUs / %s per argon2id verification (password.DefaultParams, "+
		"median of 9 in the harness); parallel hashing loop: one goroutine per CPU verifying in the harness "+
		"for the run's duration; wrk -t 1 -c %d, %s of %s; CPU/login is the server's user+system time "+
		"per login, its child processes included", runtime.NumCPU(), ms(one),
		h.opts.floodConnections, roundsText(h.opts.rounds), h.opts.duration))
	tbl.print()

	return nil
}

// The probe of the flood scenario is a steady load of a few thousand
// requests per second at most, well below what either server can serve.
// Its latency then shows the wait that the flood adds, not a queue of its
// own.
const (
	probeConnections = 4
	probePause       = time.Millisecond
)

// floodRuns are the results of the flood scenario, one per round.
type floodRuns struct {
	// alone, during and logins are the probe alone, the probe during a
	// login flood and the flood, per target.
	alone, during, logins map[*target][]result

	// busy is the probe on scopegate while a busy loop runs instead of
	// the logins, and busyCPUs the CPUs the busy loop used meanwhile, by
	// the loop's kind.
	busy     map[busyLoopKind][]result
	busyCPUs map[busyLoopKind][]float64
}

// busyLoopKind is the class and the number of threads of a busy loop.
type busyLoopKind struct {
	class   busyClass
	threads int
}

// busyLoops are the busy loops of the flood scenario, in the default class
// of the password child and in the idle one. Each class has a loop with one
// thread per CPU, and one with a thread fewer: what the password child
// leaves busy while the API has traffic.
func busyLoops() []busyLoopKind {
	n := runtime.NumCPU()

	sizes := []int{n, n - 1}
	if n == 1 {
		sizes = []int{1}
	}

	var kinds []busyLoopKind
	for _, c := range []busyClass{busyLow, busyIdle} {
		for _, threads := range sizes {
			kinds = append(kinds, busyLoopKind{c, threads})
		}
	}

	return kinds
}

// flood measures GET /users/me/ at low concurrency alone and while a login
// flood runs, on scopegate and on the peer, and on scopegate also while
// low-priority busy loops run instead of the flood.
func (h *harness) flood(ctx context.Context) error {
	targets, err := h.targets(ctx)
	if err != nil {
		return err
	}

	script, err := writeLoginScript(h.dir, "flood", "johndoe", "secret")
	if err != nil {
		return err
	}

	pause, err := writeProbeScript(h.dir, "probe", probePause)
	if err != nil {
		return err
	}

	runs := floodRuns{
		alone:    make(map[*target][]result),
		during:   make(map[*target][]result),
		logins:   make(map[*target][]result),
		busy:     make(map[busyLoopKind][]result),
		busyCPUs: make(map[busyLoopKind][]float64),
	}

	for range h.opts.rounds {
		for _, t := range targets[1:] {
			probe := load{path: "/users/me/", threads: 1, connections: probeConnections, duration: h.opts.duration,
				token: t.token, script: pause}

			if err := h.floodRound(ctx, t, probe, script, &runs); err != nil {
				return err
			}
		}
	}

	h.printFlood(targets[1:], runs)

	return nil
}

// floodRound runs probe on t alone, during a login flood and, for
// scopegate, during each busy loop, and appends the results to runs.
func (h *harness) floodRound(ctx context.Context, t *target, probe load, script string, runs *floodRuns) error {
	r, err := probe.run(ctx, t)
	if err != nil {
		return err
	}

	runs.alone[t] = append(runs.alone[t], r)

	r, flood, err := h.duringFlood(ctx, t, probe, script)
	if err != nil {
		return err
	}

	runs.during[t] = append(runs.during[t], r)
	runs.logins[t] = append(runs.logins[t], flood)

	if t != h.scopegate {
		return nil
	}

	for _, kind := range busyLoops() {
		r, cpus, err := h.duringBusyLoop(ctx, t, probe, kind)
		if err != nil {
			return err
		}

		runs.busy[kind] = append(runs.busy[kind], r)
		runs.busyCPUs[kind] = append(runs.busyCPUs[kind], cpus)
	}

	return nil
}

func (h *harness) printFlood(targets []*target, runs floodRuns) {
	tbl := newTable("GET /users/me/ alone and during a login flood", "target", "p50 alone", "p99 alone",
		"p50 during", "p99 during", "p99 during / alone", "req/s alone", "req/s during", "logins/s",
		"logins failed")

	for _, t := range targets {
		a, d, f := median(runs.alone[t]), median(runs.during[t]), median(runs.logins[t])
		tbl.add(t.name, ms(a.p50), ms(a.p99), ms(d.p50), ms(d.p99), ratio(float64(d.p99), float64(a.p99)),
			perSecond(a.perSecond), perSecond(d.perSecond), perSecond(f.perSecond), fmt.Sprint(f.failed))

		if t == h.scopegate {
			for _, kind := range busyLoops() {
				b := median(runs.busy[kind])
				tbl.add(busyLoopRow(kind), ms(a.p50), ms(a.p99), ms(b.p50), ms(b.p99),
					ratio(float64(b.p99), float64(a.p99)), perSecond(a.perSecond), perSecond(b.perSecond), "", "")
			}
		}
	}

	tbl.note(fmt.Sprintf("probe: wrk -t 1 -c %d GET /users/me/ for %s, each connection pausing %s between "+
		"requests; flood: wrk -t 1 -c %d POST /token (johndoe), started 1 s before the probe, each connection "+
		"pausing 1 s after a 503; %s, medians; failed logins are 503 answers", probeConnections,
		h.opts.duration, probePause, h.opts.floodConnections, roundsText(h.opts.rounds)))

	for _, kind := range busyLoops() {
		cpus := runs.busyCPUs[kind]
		slices.Sort(cpus)
		tbl.note(fmt.Sprintf("%s busy loop on %d of %d CPUs: the same probe on scopegate with no login, while "+
			"bench/spin keeps %s busy at %s; it used %.2f CPUs during the probe (median). Its p99 is the "+
			"floor that background CPU work of that size and class adds to the probe on this machine",
			kind.class.label, kind.threads, runtime.NumCPU(), countThreads(kind.threads), kind.class.label,
			cpus[len(cpus)/2]))
	}

	tbl.print()
}

// duringBusyLoop runs probe on t while a busy loop of the given kind runs,
// and returns the probe's result and the CPUs the busy loop used during
// the probe.
func (h *harness) duringBusyLoop(ctx context.Context, t *target, probe load, kind busyLoopKind) (
	result, float64, error,
) {
	loop, err := h.build.startBusyLoop(probe.duration+2*time.Second, kind.threads, kind.class)
	if err != nil {
		return result{}, 0, err
	}
	defer loop.stop()

	before, err := cpuTime(loop.pid)
	if err != nil {
		return result{}, 0, err
	}

	start := time.Now()

	r, err := probe.run(ctx, t)
	if err != nil {
		return result{}, 0, err
	}

	elapsed := time.Since(start)

	after, err := cpuTime(loop.pid)
	if err != nil {
		return result{}, 0, err
	}

	return r, (after - before).Seconds() / elapsed.Seconds(), nil
}

// duringFlood runs probe on t while a login flood runs on t, and returns
// the probe's result and the flood's.
func (h *harness) duringFlood(ctx context.Context, t *target, probe load, script string) (
	result, result, error,
) {
	flood := load{path: "/token", threads: 1, connections: h.opts.floodConnections,
		duration: h.opts.duration + 2*time.Second, script: script}

	type outcome struct {
		r   result
		err error
	}

	done := make(chan outcome, 1)
	go func() {
		r, err := flood.run(ctx, t)
		done <- outcome{r, err}
	}()

	time.Sleep(time.Second)

	r, err := probe.run(ctx, t)
	floodOutcome := <-done

	if err != nil {
		return result{}, result{}, err
	}

	return r, floodOutcome.r, floodOutcome.err
}

// countThreads returns "1 thread" or "N threads".
func countThreads(n int) string {
	if n == 1 {
		return "1 thread"
	}

	return fmt.Sprintf("%d threads", n)
}

// busyLoopRow returns the name of the table row for a busy loop of the
// given kind.
func busyLoopRow(kind busyLoopKind) string {
	if kind.threads == runtime.NumCPU() {
		return fmt.Sprintf("scopegate, %s busy loop on every CPU instead of logins", kind.class.label)
	}

	return fmt.Sprintf("scopegate, %s busy loop on %d of %d CPUs instead of logins", kind.class.label,
		kind.threads, runtime.NumCPU())
}

// median returns a result whose every field is the median of that field
// over results, or the zero result when there are none.
func median(results []result) result {
	if len(results) == 0 {
		return result{}
	}

	return result{
		requests:  medianOf(results, func(r result) int64 { return r.requests }),
		failed:    medianOf(results, func(r result) int64 { return r.failed }),
		perSecond: medianOf(results, func(r result) float64 { return r.perSecond }),
		p50:       medianOf(results, func(r result) time.Duration { return r.p50 }),
		p99:       medianOf(results, func(r result) time.Duration { return r.p99 }),
		cpu:       medianCPU(results),
	}
}

// medianCPU returns the CPU time of the median CPU time per request,
// scaled to the median number of requests, so that cpuPerRequest of the
// median result is the median CPU time per request.
func medianCPU(results []result) time.Duration {
	perRequest := medianOf(results, func(r result) time.Duration { return r.cpuPerRequest() })

	return perRequest * time.Duration(medianOf(results, func(r result) int64 { return r.requests }))
}

func medianOf[T int64 | float64 | time.Duration](results []result, field func(result) T) T {
	values := make([]T, len(results))
	for i, r := range results {
		values[i] = field(r)
	}

	slices.Sort(values)

	return values[len(values)/2]
}
