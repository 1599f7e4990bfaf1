package report_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"tugi/app/auth"
	"tugi/app/database"
	"tugi/app/loadtest"
	"tugi/app/report"
	"tugi/app/sla"
	"tugi/app/testdb"
	"tugi/app/user"
	"tugi/app/web"
)

// The database of BenchmarkReports: 1,000,000 tickets over about three years (one every
// 90 seconds, the latest ten days ago, as app/ticket's BenchmarkScale has them), of 2,000
// organisations, 50 agents in three teams, every channel and category; each with the
// customer's question and, but for the newest unanswered, an agent's public reply;
// first-response and resolution clocks, some missed; and 60,000 chats over the last
// year. The rollup is run over it as part of the fill (its time is printed then).
const (
	benchTickets     = 1_000_000
	benchOrgs        = 2000
	benchAgents      = 50
	benchChats       = 60_000
	benchPassword    = "bench-password-not-secret"
	benchFillVersion = "reports_v1"
)

func benchFill(ctx context.Context, dsn string, logf func(string, ...any)) error {
	db, err := database.OpenLimited(ctx, dsn, database.Limits{Statement: 2 * time.Hour})
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(2)
	hash, err := user.HashPassword(benchPassword)
	if err != nil {
		return err
	}
	c, err := db.Connx(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, s := range []string{"SET session_replication_role = replica", "SET synchronous_commit = off", "SET maintenance_work_mem = '512MB'"} {
		if _, err := c.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	// The big tables' secondary indexes, built again after the insert.
	var indexes []string
	err = c.SelectContext(ctx, &indexes, `
SELECT indexdef FROM pg_indexes i
WHERE schemaname = 'public' AND tablename IN ('tickets', 'ticket_messages', 'ticket_clocks', 'chats')
  AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = (quote_ident(i.indexname))::regclass)`)
	if err != nil {
		return err
	}
	indexName := func(def string) string {
		f := strings.Fields(def) // CREATE [UNIQUE] INDEX name ON ...
		if f[2] == "INDEX" {
			return f[3]
		}
		return f[2]
	}
	for _, def := range indexes {
		if _, err := c.ExecContext(ctx, `DROP INDEX `+indexName(def)); err != nil {
			return err
		}
	}
	steps := []struct{ what, query string }{
		{"organisations", fmt.Sprintf(`INSERT INTO organisations (id, name) OVERRIDING SYSTEM VALUE
SELECT o, format('Customer %%s OÜ', lpad(o::text, 4, '0')) FROM generate_series(1, %d) o`, benchOrgs)},
		{"users", fmt.Sprintf(`INSERT INTO users (id, email, name, roles, org_id, password_hash) OVERRIDING SYSTEM VALUE
SELECT a, format('agent%%s@bench.example', lpad(a::text, 2, '0')), format('Agent %%s', a), '{agent}'::text[], NULL::bigint, $1
FROM generate_series(1, %d) a
UNION ALL
SELECT 1000 + o * 2 + k, format('c%%s-%%s@bench.example', lpad(o::text, 4, '0'), k), format('Customer %%s-%%s', o, k), '{customer}', o, $1
FROM generate_series(1, %d) o, generate_series(0, 1) k`, benchAgents, benchOrgs)},
		{"teams", `INSERT INTO teams (name) VALUES ('Second line'), ('Billing desk')`},
		{"tickets", fmt.Sprintf(`
INSERT INTO tickets (id, org_id, requester_id, created_by, subject, category_id, impact, priority, status, channel, team_id,
                     assignee_id, created_at, updated_at, solved_at, closed_at)
OVERRIDING SYSTEM VALUE
SELECT g, o, 1000 + o * 2 + g %% 2, 1000 + o * 2 + g %% 2, 'Benchmark ticket', 1 + g %% 5, 'one_person',
       CASE WHEN (g * 31) %% 100 < 5 THEN 'urgent' WHEN (g * 31) %% 100 < 25 THEN 'high'
            WHEN (g * 31) %% 100 < 85 THEN 'normal' ELSE 'low' END,
       st, CASE WHEN g %% 10 < 5 THEN 'web' WHEN g %% 10 < 8 THEN 'email' WHEN g %% 10 = 8 THEN 'phone' ELSE 'chat' END,
       (SELECT min(id) FROM teams) + g %% 3, CASE WHEN st = 'new' THEN NULL ELSE 1 + g %% %[2]d END,
       ca, CASE WHEN st IN ('solved', 'closed') THEN sa ELSE ca END,
       CASE WHEN st IN ('solved', 'closed') THEN sa END, CASE WHEN st = 'closed' THEN sa END
FROM (SELECT g, 1 + g %% %[3]d AS o, ca, ca + (1 + (g * 13) %% 9) * interval '7 hours' AS sa,
             CASE WHEN g > %[1]d - %[4]d THEN
                      CASE WHEN h < 15 THEN 'new' WHEN h < 55 THEN 'open' WHEN h < 75 THEN 'waiting'
                           WHEN h < 95 THEN 'solved' ELSE 'closed' END
                  WHEN h = 0 THEN 'open' ELSE 'closed' END AS st
      FROM (SELECT g, (g * 7919) %% 100 AS h, now() - interval '10 days' - (%[1]d - g) * interval '90 seconds' AS ca
            FROM generate_series(1::bigint, %[1]d) g) s) s`, benchTickets, benchAgents, benchOrgs, benchTickets*6/100)},
		{"messages", fmt.Sprintf(`
INSERT INTO ticket_messages (ticket_id, org_id, author_id, internal, channel, body, created_at)
SELECT id, org_id, requester_id, false, channel, 'The invoice export stops with an error after the first page.', created_at FROM tickets
UNION ALL
SELECT id, org_id, 1 + id %% %d, false, channel, 'Thank you, we are looking into it.', created_at + (5 + (id * 37) %% 480) * interval '1 minute'
FROM tickets WHERE status <> 'new'`, benchAgents)},
		{"clocks", `
INSERT INTO ticket_clocks (ticket_id, metric, target_seconds, used_seconds, started_at, running_since, due_at, stopped_at, breached)
SELECT id, 'first_response', 14400, CASE WHEN id % 10 = 0 THEN 15000 ELSE 3600 END, created_at,
       CASE WHEN status = 'new' THEN created_at END, CASE WHEN status = 'new' THEN created_at + interval '4 hours' END,
       CASE WHEN status <> 'new' THEN created_at + (5 + (id * 37) % 480) * interval '1 minute' END, id % 10 = 0
FROM tickets
UNION ALL
SELECT id, 'resolution', 144000, CASE WHEN id % 17 = 0 THEN 150000 ELSE 36000 END, created_at,
       CASE WHEN status IN ('new', 'open') THEN created_at END, CASE WHEN status IN ('new', 'open') THEN created_at + interval '10 days' END,
       CASE WHEN status IN ('solved', 'closed') THEN solved_at END, id % 17 = 0
FROM tickets`},
		{"chats", fmt.Sprintf(`
INSERT INTO chats (org_id, customer_id, agent_id, state, created_at, accepted_at, ended_at)
SELECT o, 1000 + o * 2, 1 + c %% %d, 'ended', ca, ca + ((c * 7) %% 300) * interval '1 second',
       ca + ((c * 7) %% 300 + 60 + (c * 13) %% 1800) * interval '1 second'
FROM (SELECT c, 1 + c %% %d AS o, now() - interval '1 day' - (%d - c) * interval '525 seconds' AS ca
      FROM generate_series(1, %d) c) s`, benchAgents, benchOrgs, benchChats, benchChats)},
		{"sequences", `SELECT setval(pg_get_serial_sequence('organisations', 'id'), (SELECT max(id) FROM organisations));
SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));
SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))`},
	}
	for _, s := range steps {
		t0 := time.Now()
		var args []any
		if s.what == "users" {
			args = append(args, hash)
		}
		if _, err := c.ExecContext(ctx, s.query, args...); err != nil {
			return fmt.Errorf("fill: %s: %w", s.what, err)
		}
		logf("    %-30s %s", s.what, time.Since(t0).Round(100*time.Millisecond))
	}
	for _, def := range indexes {
		t0 := time.Now()
		if _, err := c.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("fill: %s: %w", def, err)
		}
		logf("    %-30s %s", "index "+indexName(def), time.Since(t0).Round(100*time.Millisecond))
	}
	for _, table := range []string{"tickets", "ticket_messages", "ticket_clocks", "chats", "users", "organisations"} {
		if _, err := c.ExecContext(ctx, "VACUUM (ANALYZE) "+table); err != nil {
			return err
		}
	}
	// The rollup's first walk, as report.rollup does it in a running Tugi.
	t0 := time.Now()
	if err := report.NewRollup(db, sla.NewCalendars(db).Current).Run(ctx); err != nil {
		return err
	}
	logf("    %-30s %s", "the rollup's first walk", time.Since(t0).Round(100*time.Millisecond))
	_, err = c.ExecContext(ctx, "VACUUM (ANALYZE) report_tickets")
	return err
}

// BenchmarkReports is the speed of /reports at 1,000,000 tickets (docs/reports.md): the
// page over a year, served by the real `tugi serve` binary in its own process, driven by
// app/loadtest from this one, asked again and again for the same year (whose figures a
// process keeps for ten seconds), and for a different year each time (every request
// works the figures out), with 16 clients and with one. It prints the figures and writes them to
// var/bench/reports.txt. Run it alone with
//
//	go test -run '^$' -bench Reports -timeout 60m ./app/report
func BenchmarkReports(b *testing.B) {
	ctx := context.Background()
	var out strings.Builder
	say := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		fmt.Println(line)
		out.WriteString(line + "\n")
	}
	say("BenchmarkReports %s", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	t0 := time.Now()
	dsn, built := testdb.NewFilledDSN(b, benchFillVersion, func(ctx context.Context, dsn string) error { return benchFill(ctx, dsn, say) })
	say("database of %d tickets and %d chats: %s in %s", benchTickets, benchChats, map[bool]string{true: "filled", false: "cloned"}[built],
		time.Since(t0).Round(time.Second))
	db, err := database.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	// A pass of the rollup with nothing changed, as the job runs every minute.
	t0 = time.Now()
	if err := report.NewRollup(db, sla.NewCalendars(db).Current).Run(ctx); err != nil {
		b.Fatal(err)
	}
	say("a pass of the rollup over the tickets changed in the last minutes: %s", time.Since(t0).Round(time.Millisecond))

	bin := filepath.Join(b.TempDir(), "tugi")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tugi")
	build.Dir = "../.."
	if o, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, o)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logFile, err := os.Create(filepath.Join(b.TempDir(), "serve.log"))
	if err != nil {
		b.Fatal(err)
	}
	// The key that seals second factors: a fresh one, since the database is this
	// benchmark's copy and its people set up their authenticators on first sign-in.
	keyFile := filepath.Join(b.TempDir(), "factor-key.txt")
	if err := auth.WriteFactorKeyFile(keyFile); err != nil {
		b.Fatal(err)
	}
	serve := exec.Command(bin, "serve")
	serve.Env = append(os.Environ(), "DATABASE_URL="+dsn, "TUGI_ADDR="+addr, "TUGI_MIGRATE=true", "TUGI_FACTOR_KEY="+keyFile, "TUGI_LOG_LEVEL=warn")
	serve.Stdout, serve.Stderr = logFile, logFile
	if err := serve.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { serve.Process.Signal(os.Interrupt); serve.Wait() }()
	base := "http://" + addr
	for deadline := time.Now().Add(time.Minute); ; {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			l, _ := os.ReadFile(logFile.Name())
			b.Fatalf("tugi serve did not become ready:\n%s", l)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cookies := benchSignIn(b, base, "agent01@bench.example")
	rss := func() string {
		s, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", serve.Process.Pid))
		m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(s)
		if m == nil {
			return "?"
		}
		kb, _ := strconv.Atoi(string(m[1]))
		return fmt.Sprintf("%d MB", kb/1024)
	}
	say("tugi serve's memory before its first /reports: %s", rss())

	today := time.Now().In(tallinn)
	year := func(daysBack int) string {
		to := today.AddDate(0, 0, -daysBack)
		return fmt.Sprintf("/reports?from=%s&to=%s", to.AddDate(0, 0, -365).Format(time.DateOnly), to.Format(time.DateOnly))
	}
	// The first request reads the whole rollup into the process.
	t0 = time.Now()
	body := get(b, base+year(0), cookies)
	say("the first /reports over a year (the process reads the rollup): %s, %d bytes; memory after: %s", time.Since(t0).Round(time.Millisecond), len(body), rss())
	var tickets string
	if m := regexp.MustCompile(`id="figure-tickets"><dt>[^<]*</dt><dd><strong>(\d+)`).FindStringSubmatch(body); m != nil {
		tickets = m[1]
	}
	say("tickets in the year shown: %s", tickets)

	const concurrency, duration = 16, 20 * time.Second
	same := loadtest.Run(ctx, loadtest.Get(base+year(0), cookies...), http.StatusOK, concurrency, duration)
	var n atomic.Int64
	differ := loadtest.Run(ctx, func(req *fasthttp.Request) {
		loadtest.Get(base+year(1+int(n.Add(1)%300)), cookies...)(req)
	}, http.StatusOK, concurrency, duration)
	var m atomic.Int64
	alone := loadtest.Run(ctx, func(req *fasthttp.Request) {
		loadtest.Get(base+year(1+int(m.Add(1)%300)), cookies...)(req)
	}, http.StatusOK, 1, duration)
	if same.Errors > 0 || differ.Errors > 0 || alone.Errors > 0 {
		l, _ := os.ReadFile(logFile.Name())
		b.Fatalf("errors: %d, %d; log:\n%s", same.Errors, differ.Errors, l)
	}
	say("\n/reports over a year, c%d for %s each; Tugi in its own process", concurrency, duration)
	say("%-44s %s", "the same year (figures kept 10 s)", same)
	say("%-44s %s", "a different year each request (computed)", differ)
	say("%-44s %s", "the same, one client at a time", alone)
	say("target: at least 50 req/s; memory after: %s", rss())
	b.ReportMetric(same.RPS(), "same-req/s")
	b.ReportMetric(ms(same.P99), "same-p99-ms")
	b.ReportMetric(differ.RPS(), "computed-req/s")
	b.ReportMetric(ms(differ.P99), "computed-p99-ms")
	b.ReportMetric(ms(alone.P50), "computed-c1-p50-ms")
	if err := os.MkdirAll("../../var/bench", 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile("../../var/bench/reports.txt", []byte(out.String()), 0o644); err != nil {
		b.Fatal(err)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func get(b *testing.B, target string, cookies []*http.Cookie) string {
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d\n%s", target, res.StatusCode, body)
	}
	return string(body)
}

var (
	csrfInPage       = regexp.MustCompile(`(?:name="` + web.CSRFField + `" value="|"X-CSRF-Token": ")([A-Za-z0-9_-]+)"`)
	totpSecretInPage = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
)

// benchSignIn signs in through the real forms (setting up an authenticator at the second
// step) and returns the cookies a browser would send.
func benchSignIn(b *testing.B, base, email string) []*http.Cookie {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u, _ := url.Parse(base)
	token := func(target string) (string, string) {
		res, err := c.Get(target)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := csrfInPage.FindSubmatch(body)
		if m == nil {
			b.Fatalf("GET %s: %d, no CSRF token", target, res.StatusCode)
		}
		return string(m[1]), string(body)
	}
	tok, _ := token(base + "/login")
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {benchPassword}, web.CSRFField: {tok}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); strings.HasPrefix(loc, auth.SecondFactorPath) {
		tok, page := token(base + loc)
		m := totpSecretInPage.FindStringSubmatch(page)
		if m == nil {
			b.Fatalf("second step for %s: no key to set up", email)
		}
		code, err := auth.TOTPCode(m[1], auth.TOTPStep(time.Now()))
		if err != nil {
			b.Fatal(err)
		}
		res, err := c.PostForm(base+loc, url.Values{"code": {code}, web.CSRFField: {tok}})
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusOK {
			b.Fatalf("second step for %s: %d", email, res.StatusCode)
		}
	}
	return jar.Cookies(u)
}
