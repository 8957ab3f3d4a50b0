package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/scopegate/scopegate/password"
)

// population is one scopegate server on a database seeded with a number
// of users, and the user the scenario logs in as.
type population struct {
	backend  string
	users    int
	seedTime time.Duration
	username string
	server   *target
	script   string
}

// userCounts compares logins and GET /users/me/ on a database of 100 users
// with one of -users users, in SQLite and, with -database-url, in
// PostgreSQL.
func (h *harness) userCounts(ctx context.Context) error {
	hash, err := password.Hash("secret")
	if err != nil {
		return err
	}

	backends := []string{"sqlite"}
	if h.opts.databaseURL != "" {
		backends = append(backends, "postgres")
	}

	tbl := newTable("Logins and GET /users/me/ by number of users", "database", "users", "seed time",
		"login p50", "login p99", "/users/me/ req/s", "/users/me/ p50", "/users/me/ p99")

	pause, err := writeProbeScript(h.dir, "users-probe", probePause)
	if err != nil {
		return err
	}

	for _, backend := range backends {
		small, err := h.populate(ctx, backend, 100, hash)
		if err != nil {
			return err
		}

		large, err := h.populate(ctx, backend, h.opts.users, hash)
		if err != nil {
			return err
		}

		if err := h.compareUsers(ctx, tbl, small, large, pause); err != nil {
			return err
		}
	}

	tbl.note(fmt.Sprintf("login: wrk -t 1 -c 1 POST /token as the middle user; /users/me/ req/s: "+
		"wrk -t %d -c %d with that user's token; /users/me/ p50 and p99: wrk -t 1 -c %d, each connection "+
		"pausing %s between requests, as the flood's probe; %s of %s, alternating the two databases, medians",
		h.opts.threads, h.opts.connections, probeConnections, probePause, roundsText(h.opts.rounds), h.opts.duration))
	tbl.print()

	return nil
}

// compareUsers loads small and large in turn and adds their rows and the
// ratios to tbl. The latency of GET /users/me/ comes from a probe paced
// by the script pause, not from the saturating run. At saturation the
// tail is the wait for a CPU that wrk and the server share, which hides
// what the number of users changes.
func (h *harness) compareUsers(ctx context.Context, tbl *table, small, large *population, pause string) error {
	logins := make(map[*population][]result)
	reads := make(map[*population][]result)
	probes := make(map[*population][]result)

	for range h.opts.rounds {
		for _, p := range []*population{small, large} {
			login := load{path: "/token", threads: 1, connections: 1, duration: h.opts.duration, script: p.script}

			r, err := login.run(ctx, p.server)
			if err != nil {
				return err
			}

			logins[p] = append(logins[p], r)

			read := load{path: "/users/me/", threads: h.opts.threads, connections: h.opts.connections,
				duration: h.opts.duration, token: p.server.token}

			if r, err = read.run(ctx, p.server); err != nil {
				return err
			}

			reads[p] = append(reads[p], r)

			probe := load{path: "/users/me/", threads: 1, connections: probeConnections, duration: h.opts.duration,
				token: p.server.token, script: pause}

			if r, err = probe.run(ctx, p.server); err != nil {
				return err
			}

			probes[p] = append(probes[p], r)
		}
	}

	for _, p := range []*population{small, large} {
		l, r, q := median(logins[p]), median(reads[p]), median(probes[p])
		tbl.add(p.backend, fmt.Sprint(p.users), p.seedTime.Round(time.Millisecond).String(),
			ms(l.p50), ms(l.p99), perSecond(r.perSecond), ms(q.p50), ms(q.p99))
	}

	ls, ll := median(logins[small]), median(logins[large])
	rs, rl := median(reads[small]), median(reads[large])
	qs, ql := median(probes[small]), median(probes[large])
	tbl.add(small.backend, "ratio", "", ratio(float64(ll.p50), float64(ls.p50)),
		ratio(float64(ll.p99), float64(ls.p99)), ratio(rl.perSecond, rs.perSecond),
		ratio(float64(ql.p50), float64(qs.p50)), ratio(float64(ql.p99), float64(qs.p99)))

	return nil
}

// populate creates a database of backend with n users, starts scopegate on
// it and logs the middle user in.
func (h *harness) populate(ctx context.Context, backend string, n int, hash string) (*population, error) {
	name := fmt.Sprintf("%s-%d", backend, n)
	db := filepath.Join(h.dir, name+".db")
	databaseURL := ""

	if backend == "postgres" {
		schema, err := createSchema(ctx, h.opts.databaseURL, fmt.Sprint(n))
		if err != nil {
			return nil, err
		}

		h.cleanups = append(h.cleanups, schema.drop)
		databaseURL = schema.url
	}

	if err := h.build.migrate(ctx, db, databaseURL); err != nil {
		return nil, err
	}

	start := time.Now()

	var err error
	if databaseURL != "" {
		err = seedPostgres(ctx, databaseURL, n, hash)
	} else {
		err = seedSQLite(ctx, db, n, hash)
	}

	if err != nil {
		return nil, err
	}

	p := &population{backend: backend, users: n, seedTime: time.Since(start),
		username: fmt.Sprintf("user%07d", (n+1)/2)}

	extra := strings.Fields(h.opts.serveArgs)

	if p.server, err = h.track(h.build.startScopegate(ctx, name, db, databaseURL, extra)); err != nil {
		return nil, err
	}

	if p.server.token, err = login(ctx, p.server.baseURL, p.username, "secret"); err != nil {
		return nil, err
	}

	p.script, err = writeLoginScript(h.dir, name, p.username, "secret")

	return p, err
}
