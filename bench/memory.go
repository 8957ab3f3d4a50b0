package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"
)

// memory prints the start-up time of fresh servers and the resident memory
// of the shared servers idle, under load and at their peak, the server
// process and its child processes apart.
func (h *harness) memory(ctx context.Context) error {
	startups, err := h.startupTimes(ctx)
	if err != nil {
		return err
	}

	targets, err := h.targets(ctx)
	if err != nil {
		return err
	}

	tbl := newTable("Memory and start-up", "target", "start-up", "RSS idle at start", "RSS under load",
		"peak RSS (VmHWM)", "child processes: RSS under load", "child processes: peak (sum of VmHWM)")

	for _, t := range targets {
		l := load{path: "/users/me/", threads: h.opts.threads, connections: h.opts.connections,
			duration: h.opts.duration, token: t.token}
		if _, err := l.run(ctx, t); err != nil {
			return err
		}

		// Read right after the run, before the server can return memory.
		rss, peak, err := ownMemory(t.pid)
		if err != nil {
			return err
		}

		treeRSS, treePeak, err := memory(t.pid)
		if err != nil {
			return err
		}

		startup := "not started by the harness"
		if s, ok := startups[t.name]; ok {
			startup = ms(s)
		}

		tbl.add(t.name, startup, megabytes(t.idleRSS), megabytes(rss), megabytes(peak),
			megabytes(treeRSS-rss), megabytes(treePeak-peak))
	}

	tbl.note(fmt.Sprintf("start-up: from exec to the first 200 from /healthz, median of %d starts on a new "+
		"database (scopegate migrates it and creates its signing key); RSS idle at start: VmRSS after /healthz "+
		"answered, before any login (the peer: when the harness first saw it); under load: VmRSS right after "+
		"a wrk -c %d run of GET /users/me/ for %s", h.opts.rounds, h.opts.connections, h.opts.duration))
	tbl.note("The first three RSS columns are the server process alone. The child processes are scopegate's " +
		"password child, which starts at the harness's first login and exits after a minute without one, so it " +
		"shows here only when another scenario logged in within the last minute. Their peak is the sum of each " +
		"process's own VmHWM")
	tbl.print()

	return nil
}

// startupTimes starts the ceiling and scopegate -rounds times each on new
// databases, and returns the median start-up time of each.
func (h *harness) startupTimes(ctx context.Context) (map[string]time.Duration, error) {
	var ceiling, scopegate []time.Duration

	for i := range h.opts.rounds {
		c, err := h.build.startCeiling()
		if err != nil {
			return nil, err
		}

		c.stop()
		ceiling = append(ceiling, c.startup)

		db := filepath.Join(h.dir, fmt.Sprintf("startup-%d.db", i))

		s, err := h.build.launchScopegate(fmt.Sprintf("startup-%d", i), db, "", nil)
		if err != nil {
			return nil, err
		}

		s.stop()
		scopegate = append(scopegate, s.startup)
	}

	slices.Sort(ceiling)
	slices.Sort(scopegate)

	return map[string]time.Duration{
		"ceiling":   ceiling[len(ceiling)/2],
		"scopegate": scopegate[len(scopegate)/2],
	}, nil
}
