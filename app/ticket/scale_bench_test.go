package ticket_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
	"github.com/lib/pq"
	"github.com/valyala/fasthttp"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/database"
	"tugi/app/loadtest"
	"tugi/app/server"
	"tugi/app/sla"
	"tugi/app/testdb/scalefill"
	"tugi/app/ticket"
	"tugi/app/ticket/unresolved"
	"tugi/app/user"
	"tugi/app/web"
	"tugi/static"
	"tugi/views"
)

// BenchmarkScale is docs/performance.md's scale test: the pages agents and customers use most,
// served by the real `tugi serve` binary (built here, in its own process) on a database of
// 1,000,000 tickets and about 5,000,000 messages (app/testdb/scalefill; kept as a template database
// and reused while the migrations and the generator stay the same), driven by
// app/loadtest from this process, each beside a bare Echo handler in this process that
// renders the same template from data held in memory. It prints the figures with their
// targets, writes them to var/bench/scale.txt, and prints EXPLAIN (ANALYZE, BUFFERS) of
// the queue, the customer's list and the search. Run it alone with
//
//	go test -run '^$' -bench Scale -timeout 60m ./app/ticket
func BenchmarkScale(b *testing.B) {
	ctx := context.Background()
	var report strings.Builder
	say := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		fmt.Println(line)
		report.WriteString(line + "\n")
	}
	say("BenchmarkScale %s", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	// The bare pages run in this process with the collector's target tugi serve has
	// (ServeGCPercent in cmd/tugi), so that both sides of a ratio are tuned alike.
	defer debug.SetGCPercent(debug.SetGCPercent(1000))

	dsn, db := scaleDB(b, scaleFull, say)
	var sizes struct {
		Tickets  int64  `db:"tickets"`
		Messages int64  `db:"messages"`
		Rare     int64  `db:"rare"`
		Common   int64  `db:"common"`
		Open     int64  `db:"unresolved"`
		Free     int64  `db:"unassigned"`
		Size     string `db:"size"`
	}
	err := db.GetContext(ctx, &sizes, `SELECT (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM ticket_messages) AS messages,
		(SELECT count(*) FROM ticket_messages WHERE body_tsv @@ to_tsquery('simple', $1)) AS rare,
		(SELECT count(*) FROM ticket_messages WHERE body_tsv @@ to_tsquery('simple', $2)) AS common,
		(SELECT count(*) FROM tickets WHERE status IN ('new', 'open', 'waiting', 'on_hold')) AS unresolved,
		(SELECT count(*) FROM tickets WHERE status IN ('new', 'open', 'waiting', 'on_hold') AND assignee_id IS NULL) AS unassigned,
		pg_size_pretty(pg_database_size(current_database())) AS size`, scaleRareWord, scaleCommonWord)
	if err != nil {
		b.Fatal(err)
	}
	say("database: %d tickets (%d unresolved, %d of them unassigned), %d messages, %q in %d of them, %q in %d (%.1f %%); %s on disk",
		sizes.Tickets, sizes.Open, sizes.Free, sizes.Messages, scaleRareWord, sizes.Rare, scaleCommonWord, sizes.Common,
		100*float64(sizes.Common)/float64(sizes.Messages), sizes.Size)

	// Who and what the pages are for.
	agentEmail, customerEmail, creatorEmail := scaleAgentEmail(1), scaleCustomerEmail(7, 0), scaleCustomerEmail(8, 0)
	users := user.NewStore(db)
	viewer := func(email string) *access.Viewer {
		u, err := users.ByEmail(ctx, email)
		if err != nil {
			b.Fatal(err)
		}
		return u.Viewer()
	}
	agent, customer := viewer(agentEmail), viewer(customerEmail)
	var ticketID int64
	err = db.GetContext(ctx, &ticketID, `SELECT t.id FROM tickets t WHERE t.status = 'open' AND t.assignee_id IS NOT NULL
		AND (SELECT count(*) FROM ticket_messages m WHERE m.ticket_id = t.id) >= 7 ORDER BY t.id DESC LIMIT 1`)
	if err != nil {
		b.Fatal(err)
	}
	giveHistory(b, db, ticketID)

	// The store calls the pages make, recorded for EXPLAIN and kept for the bare pages.
	rec := &recorder{Queryer: db}
	st := ticket.NewStore(rec)
	queue, _, err := st.Queue(ctx, ticket.ScopeOf(agent), ticket.QueueQuery{Unassigned: true, Limit: 25})
	if err != nil || len(queue) != 25 {
		b.Fatalf("queue: %d rows, %v", len(queue), err)
	}
	explainQueue := rec.last
	list, _, err := st.List(ctx, ticket.ScopeOf(customer), ticket.ListPage{Limit: 25})
	if err != nil || len(list) != 25 {
		b.Fatalf("list: %d rows, %v", len(list), err)
	}
	explainList := rec.last
	found, err := st.Search(ctx, ticket.ScopeOf(agent), ticket.SearchQuery{Text: scaleRareWord, Limit: 25})
	if err != nil || len(found.Rows) == 0 {
		b.Fatalf("search: %d rows, %v", len(found.Rows), err)
	}
	explainSearch := rec.last
	// A common word, as the page searches it: with the words' frequencies, so that its
	// messages are walked newest first.
	lexemes, err := st.Lexemes(ctx)
	if err != nil {
		b.Fatal(err)
	}
	common, err := st.Search(ctx, ticket.ScopeOf(agent), ticket.SearchQuery{Text: scaleCommonWord, Limit: 25, Lexemes: lexemes})
	if err != nil || len(common.Rows) != 25 {
		b.Fatalf("search for a common word: %d rows, %v", len(common.Rows), err)
	}
	explainCommon := rec.last

	for _, e := range []struct {
		what string
		q    recorded
	}{
		{"the unassigned queue (an agent, sorted by SLA due time)", explainQueue},
		{"a customer's ticket list", explainList},
		{"the search for " + strconv.Quote(scaleRareWord) + " (an agent): the page of matches with its rows", explainSearch},
		{"the search for " + strconv.Quote(scaleCommonWord) + " (an agent; a common word, walked newest first): the page of matches with its rows", explainCommon},
	} {
		plan, err := explain(ctx, db, e.q)
		if err != nil {
			b.Fatal(err)
		}
		say("\nEXPLAIN (ANALYZE, BUFFERS) of %s:\n%s", e.what, plan)
	}

	// The real binary, in its own process.
	bin := buildTugi(b)
	base, logName, stopServe := serveTugi(b, bin, dsn)
	defer stopServe()
	agentCookies := signIn(b, base, agentEmail)
	customerCookies := signIn(b, base, customerEmail)
	creatorCookies := signIn(b, base, creatorEmail)

	// The bare pages: the same templates, rendered from the data above held in memory.
	bareURL := bareServer(b, db, agent, customer, queue, list, found, ticketID)

	// Each page and its bare render take turns, rounds times, for duration each in all:
	// on this shared machine, both sides of a ratio then see the same conditions.
	const concurrency, duration, rounds = 16, 20 * time.Second, 4
	type row struct {
		what, path   string
		metric       string
		cookies      []*http.Cookie
		ratio, p99ms float64 // targets; ratio 0: an absolute target of minRPS; p99ms 0: none
		minRPS       float64
		bare         string // the bare handler's base URL, when not the bare pages'
	}
	searchPath := "/tickets/search?q=" + scaleRareWord
	rows := []row{
		{"agent queue, unassigned", "/queue?view=unassigned", "queue", agentCookies, 0.30, 25, 0, ""},
		{"customer's ticket list", "/tickets", "list", customerCookies, 0.30, 25, 0, ""},
		{"one ticket (agent's page)", "/tickets/" + strconv.FormatInt(ticketID, 10), "ticket", agentCookies, 0.30, 30, 0, ""},
		{"search, a selective word", searchPath, "search", agentCookies, 0, 100, 1000, ""},
		// What every request costs before its handler does anything: the whole server
		// (request id, log, headers, the infrastructure's chain) against a bare Echo
		// handler answering the same 3 bytes.
		{"/healthz", "/healthz", "healthz", nil, 0.60, 0, 0, bareHealthz(b)},
	}
	// A ratio means something only if the bare render draws the page Tugi serves: the same
	// template with the same data, give or take the tokens and times that differ.
	if err := os.MkdirAll("../../var/bench", 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range rows {
		if rows[i].bare == "" {
			rows[i].bare = bareURL
		}
	}
	for _, r := range rows {
		full, bare := page(b, base+r.path, r.cookies), page(b, r.bare+r.path, nil)
		say("%-28s Tugi's page %6d bytes, the bare render's %6d", r.what, len(full), len(bare))
		if d := float64(len(full)-len(bare)) / float64(len(full)); d > 0.03 || d < -0.03 {
			name := "../../var/bench/" + r.metric
			os.WriteFile(name+"-tugi.html", full, 0o644)
			os.WriteFile(name+"-bare.html", bare, 0o644)
			b.Fatalf("%s: the bare render (%d bytes) is not the page Tugi serves (%d bytes): see %s-*.html", r.what, len(bare), len(full), name)
		}
	}
	say("\n%s tickets, %s messages; c%d for %s each, in %d turns with the bare render; Tugi in its own process (go build ./cmd/tugi), the bare pages in the benchmark's",
		thousands(sizes.Tickets), thousands(sizes.Messages), concurrency, duration, rounds)
	for _, r := range rows {
		full, bare := loadtest.Compare(
			func(d time.Duration) loadtest.Result {
				return loadtest.Run(ctx, loadtest.Get(base+r.path, r.cookies...), http.StatusOK, concurrency, d)
			},
			func(d time.Duration) loadtest.Result {
				return loadtest.Run(ctx, loadtest.Get(r.bare+r.path), http.StatusOK, concurrency, d)
			}, rounds, duration)
		if bare.Errors > 0 || full.Errors > 0 {
			b.Fatalf("%s: errors: bare %d, full %d (see %s)", r.what, bare.Errors, full.Errors, logName)
		}
		ratio := full.RPS() / bare.RPS()
		say("%-28s %s", r.what, full)
		say("%-28s %s", "  bare render", bare)
		target := fmt.Sprintf("ratio %.3f (target at least %.2f), p99 %.1f ms (target at most %.0f ms)", ratio, r.ratio, ms(full.P99), r.p99ms)
		if r.p99ms == 0 {
			target = fmt.Sprintf("ratio %.3f (target at least %.2f), p99 %.1f ms", ratio, r.ratio, ms(full.P99))
		}
		if r.ratio == 0 {
			target = fmt.Sprintf("%.0f req/s (target at least %.0f), p99 %.1f ms (target at most %.0f ms); ratio to bare %.2f", full.RPS(), r.minRPS, ms(full.P99), r.p99ms, ratio)
		}
		say("%-28s %s", "", target)
		b.ReportMetric(full.RPS(), r.metric+"-req/s")
		b.ReportMetric(ms(full.P99), r.metric+"-p99-ms")
		b.ReportMetric(ratio, r.metric+"-ratio")
	}

	// A common word's first page, its newest matches: a time to answer, not a rate.
	commonRun := loadtest.Run(ctx, loadtest.Get(base+"/tickets/search?q="+scaleCommonWord, agentCookies...), http.StatusOK, concurrency, duration)
	if commonRun.Errors > 0 {
		b.Fatalf("search for a common word: %d errors (see %s)", commonRun.Errors, logName)
	}
	say("%-28s %s", "search, a common word", commonRun)
	say("%-28s p99 %.1f ms (target at most 50 ms) for %q, in %.1f %% of the messages", "", ms(commonRun.P99), scaleCommonWord,
		100*float64(sizes.Common)/float64(sizes.Messages))
	b.ReportMetric(ms(commonRun.P99), "search-common-p99-ms")

	// Ticket creation as a customer, through the form with its CSRF token, 8 clients, with
	// assignment on and agents at work: the creator's tickets go to the default team (the
	// 50 agents'), of whom working agents are available, with room under the cap for
	// every ticket of the run, so each is assigned to one of them.
	const writers = 8
	atWork := availableAgents(b, db, writers)
	create := createRequest(b, base, creatorCookies)
	probe, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	create(probe)
	if err := fasthttp.Do(probe, res); err != nil || res.StatusCode() != http.StatusSeeOther {
		b.Fatalf("ticket creation: %v %d %s", err, res.StatusCode(), res.Body())
	}
	created := loadtest.Run(ctx, create, http.StatusSeeOther, writers, duration)
	if created.Errors > 0 {
		b.Fatalf("ticket creation: %d errors (see %s)", created.Errors, logName)
	}
	var routed struct {
		Created  int64 `db:"created"`
		Assigned int64 `db:"assigned"`
		Agents   int64 `db:"agents"`
	}
	if err := db.GetContext(ctx, &routed, `SELECT count(*) AS created, count(assignee_id) AS assigned, count(DISTINCT assignee_id) AS agents
		FROM tickets WHERE subject LIKE 'Benchmark ticket %'`); err != nil {
		b.Fatal(err)
	}
	say("%-28s %s", fmt.Sprintf("ticket creation, c%d", writers), created)
	say("%-28s %.0f tickets/s (target at least 1,000), p99 %.1f ms (target at most 25 ms); %d of %d tickets assigned, to %d of the %d agents at work",
		"", created.RPS(), ms(created.P99), routed.Assigned, routed.Created, routed.Agents, atWork)
	if routed.Assigned*10 < routed.Created*9 {
		b.Fatalf("ticket creation: only %d of %d tickets were assigned to the %d agents at work", routed.Assigned, routed.Created, atWork)
	}
	b.ReportMetric(created.RPS(), "create-req/s")
	b.ReportMetric(ms(created.P99), "create-p99-ms")

	// Page weight: what a browser downloads, compressed, for a page: on a first visit the
	// page with its stylesheet and htmx, on a later one the page alone (the static files
	// are cached for a year under content-hashed URLs).
	say("")
	for _, w := range []struct {
		what, path string
		cookies    []*http.Cookie
	}{
		{"agent queue", "/queue?view=unassigned", agentCookies},
		{"one ticket (agent's page)", "/tickets/" + strconv.FormatInt(ticketID, 10), agentCookies},
		{"customer's ticket list", "/tickets", customerCookies},
	} {
		page, assets := pageWeight(b, base, w.path, w.cookies)
		say("page weight, compressed, %-26s first visit %5.1f KB (target at most 100 KB), a later page %5.1f KB (target at most 20 KB)",
			w.what+":", float64(page+assets)/1024, float64(page)/1024)
	}

	// The queue and the customer's list at 10,000 and 100,000 tickets, with the same
	// density (500 tickets an organisation, so full pages): their cost should not grow
	// with the tables. A server runs on each size, and the sizes take turns.
	type sized struct {
		tickets             int
		base                string
		agent, customer     []*http.Cookie
		queueRuns, listRuns []loadtest.Result
		queue, list         loadtest.Result
	}
	sizesRun := []*sized{{tickets: scaleFull.Tickets, base: base, agent: agentCookies, customer: customerCookies}}
	for _, n := range []int{10_000, 100_000} {
		say("")
		dsnN, _ := scaleDB(b, scaleFull.Smaller(n), say)
		baseN, _, stopN := serveTugi(b, bin, dsnN)
		defer stopN()
		sizesRun = append(sizesRun, &sized{tickets: n, base: baseN, agent: signIn(b, baseN, agentEmail), customer: signIn(b, baseN, customerEmail)})
	}
	for range rounds {
		for _, r := range sizesRun {
			r.queueRuns = append(r.queueRuns, loadtest.Run(ctx, loadtest.Get(r.base+"/queue?view=unassigned", r.agent...), http.StatusOK, concurrency, duration/rounds))
			r.listRuns = append(r.listRuns, loadtest.Run(ctx, loadtest.Get(r.base+"/tickets", r.customer...), http.StatusOK, concurrency, duration/rounds))
		}
	}
	for _, r := range sizesRun {
		r.queue, r.list = loadtest.Combine(r.queueRuns...), loadtest.Combine(r.listRuns...)
		if r.queue.Errors > 0 || r.list.Errors > 0 {
			b.Fatalf("%d tickets: errors: queue %d, list %d", r.tickets, r.queue.Errors, r.list.Errors)
		}
	}
	slices.SortFunc(sizesRun, func(a, b *sized) int { return a.tickets - b.tickets })
	say("\nthe same pages by the size of the database (c%d, %s each, the sizes in %d turns)", concurrency, duration, rounds)
	for _, r := range sizesRun {
		say("%9s tickets  queue %6.0f req/s, p99 %5.1f ms   customer's list %6.0f req/s, p99 %5.1f ms",
			thousands(int64(r.tickets)), r.queue.RPS(), ms(r.queue.P99), r.list.RPS(), ms(r.list.P99))
	}
	for _, page := range []struct {
		what string
		rps  func(*sized) float64
	}{{"queue", func(r *sized) float64 { return r.queue.RPS() }}, {"customer's list", func(r *sized) float64 { return r.list.RPS() }}} {
		lo, hi := page.rps(sizesRun[0]), page.rps(sizesRun[0])
		for _, r := range sizesRun[1:] {
			lo, hi = min(lo, page.rps(r)), max(hi, page.rps(r))
		}
		say("%-28s slowest size at %.0f %% of the fastest (target: within 20 %%)", page.what, 100*lo/hi)
	}

	if err := os.MkdirAll("../../var/bench", 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile("../../var/bench/scale.txt", []byte(report.String()), 0o644); err != nil {
		b.Fatal(err)
	}
}

// page returns the page at url, uncompressed.
func page(b *testing.B, url string, cookies []*http.Cookie) []byte {
	req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)
	loadtest.Get(url, cookies...)(req)
	req.Header.Del("Accept-Encoding")
	if err := fasthttp.Do(req, res); err != nil || res.StatusCode() != http.StatusOK {
		b.Fatalf("GET %s: %d, %v", url, res.StatusCode(), err)
	}
	return bytes.Clone(res.Body())
}

// staticRef finds the stylesheet, scripts and icon a page loads (their URLs carry a
// version: /static/css/tugi.css?v=35ba401265ea).
var staticRef = regexp.MustCompile(`(?:href|src)="(/static/[^"?]+\.(?:css|js|svg)(?:\?v=[0-9a-f]+)?)"`)

// pageWeight returns the compressed size of the page at path, and of the static files it
// loads, as a browser asking for gzip receives them.
func pageWeight(b *testing.B, base, path string, cookies []*http.Cookie) (page, assets int) {
	get := func(path string) (compressed int, body []byte) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d, %v", path, res.StatusCode, err)
		}
		body = raw
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				b.Fatal(err)
			}
		}
		return len(raw), body
	}
	page, html := get(path)
	for _, m := range staticRef.FindAllSubmatch(html, -1) {
		n, _ := get(string(m[1]))
		assets += n
	}
	return page, assets
}

// scaleDB returns a database of size for the benchmark: a clone of its filled template
// (filled first when there is none for these migrations and this generator), with the
// clocks already due marked told.
func scaleDB(b *testing.B, size scaleSize, say func(string, ...any)) (string, *sqlx.DB) {
	ctx := context.Background()
	t0 := time.Now()
	dsn, built := scalefill.DSN(b, size, say)
	if built {
		say("filled a database of %s tickets, kept it as a template and cloned it, in %s", thousands(int64(size.Tickets)), time.Since(t0).Round(time.Second))
	} else {
		say("cloned the filled template of %s tickets (kept from an earlier run) in %s", thousands(int64(size.Tickets)), time.Since(t0).Round(time.Second))
	}
	db, err := database.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	// In a database in use, the SLA job has long told about every clock that breached or
	// warned before today; in the fill (made once and kept) they pile up, and the job would
	// spend the measurement telling 50 agents of each. Mark them told, as of now.
	res, err := db.ExecContext(ctx, `UPDATE ticket_clocks SET
		warning_notified_at = coalesce(warning_notified_at, CASE WHEN warn_at <= now() + interval '1 hour' THEN now() END),
		breach_notified_at = coalesce(breach_notified_at, CASE WHEN due_at <= now() + interval '1 hour' THEN now() END),
		breached = breached OR due_at <= now()
		WHERE stopped_at IS NULL AND running_since IS NOT NULL AND
		      ((warning_notified_at IS NULL AND warn_at <= now() + interval '1 hour') OR (breach_notified_at IS NULL AND due_at <= now() + interval '1 hour'))`)
	if err != nil {
		b.Fatal(err)
	}
	told, _ := res.RowsAffected()
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE ticket_clocks`); err != nil {
		b.Fatal(err)
	}
	say("marked %d clocks due or warning before the next hour as told, as the SLA job would have", told)
	return dsn, db
}

// buildTugi builds ./cmd/tugi and returns the binary's path.
func buildTugi(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "tugi")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tugi")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveTugi starts `tugi serve` on dsn, in its own process, and returns its base URL, its
// log's path and a function that stops it.
func serveTugi(b *testing.B, bin, dsn string) (base, logName string, stop func()) {
	addr := freeAddr(b)
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
	serve.Env = append(os.Environ(), "DATABASE_URL="+dsn, "TUGI_ADDR="+addr, "TUGI_MIGRATE=true", "TUGI_FACTOR_KEY="+keyFile, "TUGI_LOG_LEVEL=info")
	serve.Stdout, serve.Stderr = logFile, logFile
	if err := serve.Start(); err != nil {
		b.Fatal(err)
	}
	stop = func() {
		serve.Process.Signal(os.Interrupt)
		serve.Wait()
		logFile.Close()
	}
	base = "http://" + addr
	waitReady(b, base, logFile.Name())
	return base, logFile.Name(), stop
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// recorder is a store's Queryer that keeps the queries it ran and their arguments.
type recorder struct {
	database.Queryer
	all  []recorded
	last recorded
}

func (r *recorder) record(query string, args []any) {
	r.last = recorded{query, args}
	r.all = append(r.all, r.last)
}

type recorded struct {
	query string
	args  []any
}

func (r *recorder) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	r.record(query, args)
	return r.Queryer.SelectContext(ctx, dest, query, args...)
}

func (r *recorder) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r.record(query, args)
	return r.Queryer.QueryContext(ctx, query, args...)
}

// explain runs EXPLAIN (ANALYZE, BUFFERS) of q (after running it once, as the pages did).
func explain(ctx context.Context, db database.Queryer, q recorded) (string, error) {
	var lines []string
	if err := db.SelectContext(ctx, &lines, "EXPLAIN (ANALYZE, BUFFERS) "+q.query, q.args...); err != nil {
		return "", fmt.Errorf("explain: %w", err)
	}
	return "    " + strings.Join(lines, "\n    "), nil
}

func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(b *testing.B, base, logName string) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(logName)
	b.Fatalf("tugi serve did not become ready; its log:\n%s", log)
}

// signIn signs in through the real form and returns the cookies a browser would send:
// the session's (the CSRF token a form needs is in the pages: pageCSRF).
func signIn(b *testing.B, base, email string) []*http.Cookie {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u, _ := url.Parse(base)
	token := pageCSRF(b, c, base+"/login")
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {scalePassword}, web.CSRFField: {token}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || cookie(jar.Cookies(u), "tugi_session") == "" {
		b.Fatalf("sign-in as %s: %d", email, res.StatusCode)
	}
	if loc := res.Header.Get("Location"); strings.HasPrefix(loc, auth.SecondFactorPath) {
		secondStep(b, c, base+loc, email)
	}
	return jar.Cookies(u)
}

// benchAuthenticators are the authenticator secrets the bench agents set up at their
// first sign-in, by e-mail address, and the last time-step each used.
var benchAuthenticators = map[string]*struct {
	secret string
	last   int64
}{}

// totpSecretInPage finds the key the second step offers to a person setting up an app.
var totpSecretInPage = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)

// secondStep passes the second step of sign-in at target: the first time setting up an
// authenticator with the key the page shows, then with a code of a later step each time.
func secondStep(b *testing.B, c *http.Client, target, email string) {
	res, err := c.Get(target)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	token := csrfInPage.FindSubmatch(body)
	if token == nil {
		b.Fatalf("second step for %s: no CSRF token", email)
	}
	a := benchAuthenticators[email]
	if m := totpSecretInPage.FindSubmatch(body); m != nil {
		a = &struct {
			secret string
			last   int64
		}{secret: string(m[1])}
		benchAuthenticators[email] = a
	}
	if a == nil {
		b.Fatalf("second step for %s: an authenticator this run did not set up", email)
	}
	step := max(auth.TOTPStep(time.Now()), a.last+1)
	if step > auth.TOTPStep(time.Now())+1 {
		time.Sleep(time.Until(time.Unix((step-1)*30, 0)))
	}
	a.last = step
	code, err := auth.TOTPCode(a.secret, step)
	if err != nil {
		b.Fatal(err)
	}
	res, err = c.PostForm(target, url.Values{"code": {code}, web.CSRFField: {string(token[1])}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusOK { // 200: the recovery codes
		b.Fatalf("second step for %s: %d", email, res.StatusCode)
	}
}

// csrfInPage finds the CSRF token in a page: in a form's field or the body's hx-headers.
var csrfInPage = regexp.MustCompile(`(?:name="` + web.CSRFField + `" value="|"X-CSRF-Token": ")([A-Za-z0-9_-]+)"`)

// pageCSRF fetches target with c and returns the CSRF token the page carries.
func pageCSRF(b *testing.B, c *http.Client, target string) string {
	res, err := c.Get(target)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	m := csrfInPage.FindSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		b.Fatalf("GET %s for a CSRF token: status %d, token found %v", target, res.StatusCode, m != nil)
	}
	return string(m[1])
}

func cookie(cs []*http.Cookie, name string) string {
	for _, c := range cs {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// availableAgents puts n of the bench agents to work for the creation run: available
// (as each would say on their page), in the default team, whose cap is raised above what
// they hold by more than a run creates, so that no cap is reached and every ticket can be
// assigned. It returns n. Agent 1, whose pages were measured, is not one of them.
func availableAgents(b *testing.B, db *sqlx.DB, n int) int {
	ctx := context.Background()
	emails := make([]string, n)
	for i := range emails {
		emails[i] = scaleAgentEmail(50 - i)
	}
	res, err := db.ExecContext(ctx, `UPDATE users SET available = true WHERE email = ANY ($1)`, pq.StringArray(emails))
	if err != nil {
		b.Fatal(err)
	}
	if got, _ := res.RowsAffected(); got != int64(n) {
		b.Fatalf("agents at work: %d of %d found", got, n)
	}
	if _, err := db.ExecContext(ctx, `UPDATE teams SET assign_cap = 50000 + (SELECT max(k) FROM (SELECT count(*) AS k FROM tickets
		WHERE status IN ('new', 'open', 'waiting', 'on_hold') AND assignee_id IS NOT NULL GROUP BY assignee_id) o) WHERE is_default`); err != nil {
		b.Fatal(err)
	}
	return n
}

// createRequest posts the new-ticket form as a browser would.
func createRequest(b *testing.B, base string, cookies []*http.Cookie) loadtest.Request {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	jar.SetCookies(u, cookies)
	token := pageCSRF(b, &http.Client{Jar: jar}, base+"/tickets/new")
	var n atomic.Int64
	return func(req *fasthttp.Request) {
		form := url.Values{
			"subject": {"Benchmark ticket " + strconv.FormatInt(n.Add(1), 10)}, "body": {"The invoice export stops with an error after the first page."},
			"category_id": {"2"}, "impact": {"one_person"}, web.CSRFField: {token},
		}
		req.SetRequestURI(base + "/tickets")
		req.Header.SetMethod(http.MethodPost)
		req.Header.SetContentType("application/x-www-form-urlencoded")
		req.SetBodyString(form.Encode())
		for _, c := range cookies {
			req.Header.SetCookie(c.Name, c.Value)
		}
	}
}

// giveHistory writes the audit events a ticket of its age has had, as the service
// records them (the fill writes none), so that its page shows a history: created by its
// customer, assigned, its priority raised, replies and notes, waiting, answered.
func giveHistory(b *testing.B, db *sqlx.DB, id int64) {
	ctx := context.Background()
	var t struct {
		Org       int64 `db:"org_id"`
		Requester int64 `db:"requester_id"`
		Assignee  int64 `db:"assignee_id"`
	}
	if err := db.GetContext(ctx, &t, `SELECT org_id, requester_id, assignee_id FROM tickets WHERE id = $1`, id); err != nil {
		b.Fatal(err)
	}
	customer := audit.Actor{UserID: t.Requester, Roles: []string{"customer"}, ClientIP: "192.0.2.10", RequestID: "bench"}
	agent := audit.Actor{UserID: t.Assignee, Roles: []string{"agent"}, ClientIP: "192.0.2.20", RequestID: "bench"}
	type change = map[string]audit.Change
	events := []struct {
		by      audit.Actor
		action  string
		changes change
	}{
		{customer, "ticket.create", change{"requester_id": {New: t.Requester}, "category_id": {New: 2}, "impact": {New: "one_person"},
			"priority": {New: "normal"}, "status": {New: "new"}, "channel": {New: "web"}, "team_id": {New: 1}}},
		{agent, "ticket.assign", change{"assignee_id": {New: t.Assignee}}},
		{agent, "ticket.priority", change{"priority": {Old: "normal", New: "high"}}},
		{agent, "ticket.reply", change{"status": {Old: "new", New: "waiting"}}},
		{customer, "ticket.reply", change{"status": {Old: "waiting", New: "open"}}},
		{agent, "ticket.note", change{}},
		{agent, "ticket.reply", change{}},
		{customer, "ticket.reply", change{}},
	}
	err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		for _, e := range events {
			if err := audit.Record(ctx, tx, e.by, audit.Event{Action: e.action, ObjectType: "ticket",
				ObjectID: strconv.FormatInt(id, 10), OrgID: t.Org, Changes: e.changes}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// bareHealthz serves GET /healthz as a bare Echo handler does, and returns its base URL.
func bareHealthz(b *testing.B) string {
	e := echo.New()
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	return srv.URL
}

// bareServer serves the four pages from memory: the same templates and page data, no
// session, no access rule, no query.
func bareServer(b *testing.B, db *sqlx.DB, agent, customer *access.Viewer, queue []ticket.QueueRow, list []ticket.Ticket,
	found ticket.SearchResult, ticketID int64) string {
	ctx := context.Background()
	assets, err := web.NewStatic(static.FS)
	if err != nil {
		b.Fatal(err)
	}
	// The support hours as Tugi's pages tell them, read once: the bare pages make no query.
	hours, err := sla.NewCalendars(db).Hours(ctx, "en")
	if err != nil {
		b.Fatal(err)
	}
	// Times as the pages print them, in the support calendar's zone.
	loc, _ := time.LoadLocation("Europe/Tallinn")
	renderer, err := web.NewRenderer(views.FS, assets, server.Nav, web.Support{Phone: "+372 671 8578", Email: "info@directo.ee",
		Hours: func(context.Context, string) (string, error) { return hours, nil }, Zone: func() *time.Location { return loc }})
	if err != nil {
		b.Fatal(err)
	}
	st := ticket.NewStore(db)
	ch, err := st.Choices(ctx)
	if err != nil {
		b.Fatal(err)
	}
	cats, agents, teams := ch.Categories, ch.Agents, ch.Teams
	pg, err := st.PageWithConversation(ctx, ticket.ScopeOf(agent), ticketID)
	if err != nil {
		b.Fatal(err)
	}
	tk, msgs := pg.Ticket, pg.Messages
	history, err := audit.History(ctx, db, "ticket", strconv.FormatInt(ticketID, 10), 50)
	if err != nil {
		b.Fatal(err)
	}
	labels, err := server.AuditActions()
	if err != nil {
		b.Fatal(err)
	}
	if err := audit.Describe(ctx, user.NewAuditDirectory(db), labels, "en", history); err != nil {
		b.Fatal(err)
	}
	ticket.LabelHistory("en", history)
	// Times as the pages print them (web.ShortIn, web.WhenIn).
	now := time.Now()
	short := func(t time.Time) string { return web.ShortIn("en", t.In(loc), now) }
	qp := ticket.QueuePage{View: ticket.ViewUnassigned, Sort: "due", Query: "view=unassigned", ViewQuery: "view=unassigned", Next: "after=x_1&view=unassigned",
		CanTake: true, Categories: ticket.CategoryOptions(cats, "en"), Priorities: ticket.PriorityOptions(sla.Priorities, "en"),
		Statuses: ticket.StatusOptions(ticket.Statuses, "en"), Agents: ticket.AgentOptions(agents)}
	for _, r := range queue {
		item := ticket.NewQueueItem(r, "en", true)
		// As Tugi's rows: due from now with the time on hover, and each row's forms
		// carry a token (one as long as the page's).
		item.Due, item.DueAt, item.DueClass, item.Updated = "overdue 20 h", web.WhenIn("en", r.NextDueAt.In(loc), now), "breach", short(r.UpdatedAt)
		item.CSRF = strings.Repeat("x", 86)
		qp.Rows = append(qp.Rows, item)
	}
	ld := ticket.ListData{Next: "after=x_1"}
	for i := range list {
		row := ticket.NewListRow(&list[i], "en")
		row.Expect = "Tuesday 24 Nov 10:30 EET"
		ld.Rows = append(ld.Rows, row)
	}
	// The requester's panel: their address, their other open tickets and their latest
	// resolved ones, as Tugi's page reads them.
	requester := ticket.RequesterPanel{Name: tk.Requester, OrgID: tk.OrgID, OrgName: tk.OrgName}
	if err := db.GetContext(ctx, &requester.Email, `SELECT email FROM users WHERE id = $1`, tk.RequesterID); err != nil {
		b.Fatal(err)
	}
	for _, open := range []bool{true, false} {
		var rows []struct {
			ID        int64         `db:"id"`
			Subject   string        `db:"subject"`
			Status    ticket.Status `db:"status"`
			CreatedAt time.Time     `db:"created_at"`
			UpdatedAt time.Time     `db:"updated_at"`
		}
		if err := db.SelectContext(ctx, &rows, `SELECT t.id, t.subject, t.status, t.created_at, t.updated_at FROM tickets t
			WHERE t.requester_id = $1 AND t.id <> $2 AND (`+unresolved.SQL+`) = $3
			ORDER BY t.updated_at DESC, t.id DESC LIMIT 5`, tk.RequesterID, tk.ID, open); err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			line := ticket.RequesterTicket{Path: "/tickets/" + strconv.FormatInt(r.ID, 10), Reference: ticket.Reference(r.ID, r.CreatedAt),
				Subject: r.Subject, Status: r.Status, StatusLabel: r.Status.Label(), Updated: short(r.UpdatedAt)}
			if open {
				requester.Open = append(requester.Open, line)
			} else {
				requester.Recent = append(requester.Recent, line)
			}
		}
	}
	ap := ticket.AgentPage{Requester: requester, Ticket: tk, Messages: msgs, Panel: ticket.Panel{Ticket: tk,
		Clocks: []ticket.ClockView{
			{Metric: "first_response", Label: "First response", Class: "met", Text: "Met Monday 23 Nov 10:07 EET"},
			{Metric: "resolution", Label: "Resolution", Class: "ok", Text: "Due Friday 27 Nov 15:00 EET, in 20 h 13 min of support time"}},
		Statuses: ticket.StatusOptions(ticket.Statuses[1:], "en"), Priorities: ticket.PriorityOptions(sla.Priorities, "en"),
		Categories: ticket.CategoryOptions(cats, "en"), Agents: ticket.AgentOptions(agents), Teams: ticket.TeamOptions(teams),
		AssigneeID: *tk.AssigneeID, TeamID: *tk.TeamID, CanTake: true},
		Tools: ticket.Tools{History: history, LinkKinds: []ticket.LinkKind{ticket.Related, ticket.Duplicate}}, Upload: ticket.DefaultAttachmentLimits.Hint("en"),
		Incidents: ticket.TicketIncidents{On: true}, LastMessage: msgs[len(msgs)-1].ID}
	sp := ticket.SearchPage{Query: scaleRareWord, Ran: true, Staff: true, Next: "q=x&after=x_1"}
	for i := range found.Rows {
		sp.Rows = append(sp.Rows, ticket.NewSearchItem(&found.Rows[i], "en", true))
	}

	e := echo.New()
	e.Renderer = renderer
	e.Use(web.CSRF(web.CSRFOptions{Key: make([]byte, 32)})) // the forms carry a token
	page := func(v *access.Viewer, title, tpl string, data any, form url.Values) echo.HandlerFunc {
		return func(c echo.Context) error {
			web.SetViewer(c, v)
			p := renderer.NewPage(c, title)
			p.Form = web.Form{Values: form}
			p.Data = data
			return c.Render(http.StatusOK, tpl, p)
		}
	}
	e.GET("/queue", page(agent, "Queue", "ticket/queue", qp, url.Values{"view": {"unassigned"}}))
	e.GET("/tickets", page(customer, "Your tickets", "ticket/list", ld, nil))
	e.GET("/tickets/:id", page(agent, tk.Reference()+" "+tk.Subject, "ticket/agent", ap, nil))
	e.GET("/tickets/search", page(agent, "Search tickets", "ticket/search", sp, url.Values{"q": {scaleRareWord}}))
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	return srv.URL
}
