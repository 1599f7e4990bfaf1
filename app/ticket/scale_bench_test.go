package ticket_test

import (
	"context"
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
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/database"
	"tugi/app/loadtest"
	"tugi/app/server"
	"tugi/app/sla"
	"tugi/app/testdb"
	"tugi/app/ticket"
	"tugi/app/user"
	"tugi/app/web"
	"tugi/static"
	"tugi/views"
)

// BenchmarkScale is PERFORMANCE.md's scale test: the pages agents and customers use most,
// served by the real `tugi serve` binary (built here, in its own process) on a database of
// 1,000,000 tickets and about 5,000,000 messages (fillScale; kept as a template database
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

	t0 := time.Now()
	dsn, built := testdb.NewFilledDSN(b, "scale_"+scaleFillVersion, func(ctx context.Context, dsn string) error {
		return fillScale(ctx, dsn, func(f string, a ...any) { say(f, a...) })
	})
	if built {
		say("filled the database and kept it as a template, and cloned it, in %s", time.Since(t0).Round(time.Second))
	} else {
		say("cloned the filled template (kept from an earlier run) in %s", time.Since(t0).Round(time.Second))
	}
	db, err := database.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var sizes struct {
		Tickets  int64  `db:"tickets"`
		Messages int64  `db:"messages"`
		Rare     int64  `db:"rare"`
		Open     int64  `db:"unresolved"`
		Free     int64  `db:"unassigned"`
		Size     string `db:"size"`
	}
	err = db.GetContext(ctx, &sizes, `SELECT (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM ticket_messages) AS messages,
		(SELECT count(*) FROM ticket_messages WHERE body_tsv @@ to_tsquery('simple', $1)) AS rare,
		(SELECT count(*) FROM tickets WHERE status IN ('new', 'open', 'waiting', 'on_hold')) AS unresolved,
		(SELECT count(*) FROM tickets WHERE status IN ('new', 'open', 'waiting', 'on_hold') AND assignee_id IS NULL) AS unassigned,
		pg_size_pretty(pg_database_size(current_database())) AS size`, scaleRareWord)
	if err != nil {
		b.Fatal(err)
	}
	say("database: %d tickets (%d unresolved, %d of them unassigned), %d messages, %q in %d of them; %s on disk",
		sizes.Tickets, sizes.Open, sizes.Free, sizes.Messages, scaleRareWord, sizes.Rare, sizes.Size)

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
	// The search sets a planner setting for its transaction (see ticket.Store.Search): it
	// is explained in that transaction.
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	txRec := &recorder{Queryer: tx}
	found, _, err := ticket.NewStore(txRec).Search(ctx, ticket.ScopeOf(agent), ticket.SearchQuery{Text: scaleRareWord, Limit: 25})
	if err != nil || len(found) == 0 {
		b.Fatalf("search: %d rows, %v", len(found), err)
	}

	for _, e := range []struct {
		what string
		on   database.Queryer
		q    recorded
	}{
		{"the unassigned queue (an agent, sorted by SLA due time)", db, explainQueue},
		{"a customer's ticket list", db, explainList},
		{"the search for " + strconv.Quote(scaleRareWord) + " (an agent)", tx, txRec.last},
	} {
		plan, err := explain(ctx, e.on, e.q)
		if err != nil {
			b.Fatal(err)
		}
		say("\nEXPLAIN (ANALYZE, BUFFERS) of %s:\n%s", e.what, plan)
	}
	tx.Rollback()

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

	// The real binary, in its own process.
	bin := filepath.Join(b.TempDir(), "tugi")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tugi")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeAddr(b)
	logFile, err := os.Create(filepath.Join(b.TempDir(), "serve.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	serve := exec.Command(bin, "serve")
	serve.Env = append(os.Environ(), "DATABASE_URL="+dsn, "TUGI_ADDR="+addr, "TUGI_MIGRATE=true", "TUGI_LOG_LEVEL=info")
	serve.Stdout, serve.Stderr = logFile, logFile
	if err := serve.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		serve.Process.Signal(os.Interrupt)
		serve.Wait()
	}()
	base := "http://" + addr
	waitReady(b, base, logFile.Name())
	agentCookies := signIn(b, base, agentEmail)
	customerCookies := signIn(b, base, customerEmail)
	creatorCookies := signIn(b, base, creatorEmail)

	// The bare pages: the same templates, rendered from the data above held in memory.
	bareURL := bareServer(b, db, agent, customer, queue, list, found, ticketID)

	const concurrency, duration = 16, 20 * time.Second
	type row struct {
		what, path   string
		metric       string
		cookies      []*http.Cookie
		ratio, p99ms float64 // targets; ratio 0: an absolute target of minRPS
		minRPS       float64
	}
	searchPath := "/tickets/search?q=" + scaleRareWord
	rows := []row{
		{"agent queue, unassigned", "/queue?view=unassigned", "queue", agentCookies, 0.30, 25, 0},
		{"customer's ticket list", "/tickets", "list", customerCookies, 0.30, 25, 0},
		{"one ticket (agent's page)", "/tickets/" + strconv.FormatInt(ticketID, 10), "ticket", agentCookies, 0.25, 30, 0},
		{"search, a selective word", searchPath, "search", agentCookies, 0, 100, 1000},
	}
	say("\n%s tickets, %s messages; c%d for %s each; Tugi in its own process (go build ./cmd/tugi), the bare pages in the benchmark's",
		thousands(sizes.Tickets), thousands(sizes.Messages), concurrency, duration)
	for _, r := range rows {
		bare := loadtest.Run(ctx, loadtest.Get(bareURL+r.path), http.StatusOK, concurrency, duration)
		full := loadtest.Run(ctx, loadtest.Get(base+r.path, r.cookies...), http.StatusOK, concurrency, duration)
		if bare.Errors > 0 || full.Errors > 0 {
			b.Fatalf("%s: errors: bare %d, full %d (see %s)", r.what, bare.Errors, full.Errors, logFile.Name())
		}
		ratio := full.RPS() / bare.RPS()
		say("%-28s %s", r.what, full)
		say("%-28s %s", "  bare render", bare)
		target := fmt.Sprintf("ratio %.2f (target at least %.2f), p99 %.1f ms (target at most %.0f ms)", ratio, r.ratio, ms(full.P99), r.p99ms)
		if r.ratio == 0 {
			target = fmt.Sprintf("%.0f req/s (target at least %.0f), p99 %.1f ms (target at most %.0f ms); ratio to bare %.2f", full.RPS(), r.minRPS, ms(full.P99), r.p99ms, ratio)
		}
		say("%-28s %s", "", target)
		b.ReportMetric(full.RPS(), r.metric+"-req/s")
		b.ReportMetric(ms(full.P99), r.metric+"-p99-ms")
	}

	// Ticket creation as a customer, through the form with its CSRF token, 8 clients.
	const writers = 8
	create := createRequest(base, creatorCookies)
	probe, err := create(ctx)
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err := client.Do(probe); err != nil || res.StatusCode != http.StatusSeeOther {
		body := ""
		if err == nil {
			var sb strings.Builder
			io.Copy(&sb, res.Body)
			res.Body.Close()
			body = fmt.Sprintf("%d %s", res.StatusCode, sb.String())
		}
		b.Fatalf("ticket creation: %v %s", err, body)
	}
	created := loadtest.Run(ctx, create, http.StatusSeeOther, writers, duration)
	if created.Errors > 0 {
		b.Fatalf("ticket creation: %d errors (see %s)", created.Errors, logFile.Name())
	}
	say("%-28s %s", fmt.Sprintf("ticket creation, c%d", writers), created)
	say("%-28s %.0f tickets/s (target at least 1,000), p99 %.1f ms (target at most 25 ms)", "", created.RPS(), ms(created.P99))
	b.ReportMetric(created.RPS(), "create-req/s")
	b.ReportMetric(ms(created.P99), "create-p99-ms")

	if err := os.MkdirAll("../../var/bench", 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile("../../var/bench/scale.txt", []byte(report.String()), 0o644); err != nil {
		b.Fatal(err)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// recorder is a store's Queryer that keeps the last query it ran and its arguments.
type recorder struct {
	database.Queryer
	last recorded
}

type recorded struct {
	query string
	args  []any
}

func (r *recorder) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	r.last = recorded{query, args}
	return r.Queryer.SelectContext(ctx, dest, query, args...)
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
// the session and the CSRF token.
func signIn(b *testing.B, base, email string) []*http.Cookie {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u, _ := url.Parse(base)
	res, err := c.Get(base + "/login")
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	token := cookie(jar.Cookies(u), web.CSRFCookie)
	res, err = c.PostForm(base+"/login", url.Values{"email": {email}, "password": {scalePassword}, web.CSRFField: {token}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || cookie(jar.Cookies(u), "tugi_session") == "" {
		b.Fatalf("sign-in as %s: %d", email, res.StatusCode)
	}
	// Sign-in drops the CSRF token; the next page brings a new one.
	if res, err = c.Get(base + "/"); err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if cookie(jar.Cookies(u), web.CSRFCookie) == "" {
		b.Fatalf("no CSRF token after signing in as %s", email)
	}
	return jar.Cookies(u)
}

func cookie(cs []*http.Cookie, name string) string {
	for _, c := range cs {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// createRequest posts the new-ticket form as a browser would.
func createRequest(base string, cookies []*http.Cookie) loadtest.Request {
	token := cookie(cookies, web.CSRFCookie)
	var n atomic.Int64
	return func(ctx context.Context) (*http.Request, error) {
		form := url.Values{
			"subject": {"Benchmark ticket " + strconv.FormatInt(n.Add(1), 10)}, "body": {"The invoice export stops with an error after the first page."},
			"category_id": {"2"}, "impact": {"one_person"}, web.CSRFField: {token},
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/tickets", strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		return req, nil
	}
}

// bareServer serves the four pages from memory: the same templates and page data, no
// session, no access rule, no query.
func bareServer(b *testing.B, db *sqlx.DB, agent, customer *access.Viewer, queue []ticket.QueueRow, list []ticket.Ticket,
	found []ticket.SearchRow, ticketID int64) string {
	ctx := context.Background()
	assets, err := web.NewStatic(static.FS)
	if err != nil {
		b.Fatal(err)
	}
	renderer, err := web.NewRenderer(views.FS, assets, server.Nav, web.Support{Phone: "+372 671 8578", Email: "info@directo.ee"})
	if err != nil {
		b.Fatal(err)
	}
	st := ticket.NewStore(db)
	cats, err := st.Categories(ctx)
	if err != nil {
		b.Fatal(err)
	}
	agents, err := st.Agents(ctx)
	if err != nil {
		b.Fatal(err)
	}
	teams, err := st.Teams(ctx)
	if err != nil {
		b.Fatal(err)
	}
	tk, err := st.Get(ctx, ticket.ScopeOf(agent), ticketID)
	if err != nil {
		b.Fatal(err)
	}
	msgs, err := st.Messages(ctx, ticket.ScopeOf(agent), ticketID)
	if err != nil {
		b.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Tallinn")
	qp := ticket.QueuePage{View: ticket.ViewUnassigned, Sort: "due", Query: "view=unassigned", Next: "after=x_1&view=unassigned",
		CanTake: true, Categories: ticket.CategoryOptions(cats, "en"), Priorities: ticket.PriorityOptions(sla.Priorities, "en"),
		Statuses: ticket.StatusOptions(ticket.Statuses, "en"), Agents: ticket.AgentOptions(agents)}
	for _, r := range queue {
		due := r.NextDueAt.In(loc).Format("2 Jan 15:04 MST")
		item := ticket.NewQueueItem(r, "en", true)
		item.Due, item.DueClass, item.Updated = due, "ok", r.UpdatedAt.In(loc).Format("2 Jan 15:04 MST")
		qp.Rows = append(qp.Rows, item)
	}
	ld := ticket.ListData{Next: "after=x_1"}
	for i := range list {
		row := ticket.NewListRow(&list[i], "en")
		row.Expect = "Tuesday 24 Nov 10:30 EET"
		ld.Rows = append(ld.Rows, row)
	}
	ap := ticket.AgentPage{Ticket: tk, Messages: msgs, Panel: ticket.Panel{Ticket: tk,
		Clocks: []ticket.ClockView{
			{Metric: "first_response", Label: "First response", Class: "met", Text: "Met Monday 23 Nov 10:07 EET"},
			{Metric: "resolution", Label: "Resolution", Class: "ok", Text: "Due Friday 27 Nov 15:00 EET, in 20 h 13 min of support time"}},
		Statuses: ticket.StatusOptions(ticket.Statuses[1:], "en"), Priorities: ticket.PriorityOptions(sla.Priorities, "en"),
		Categories: ticket.CategoryOptions(cats, "en"), Agents: ticket.AgentOptions(agents), Teams: ticket.TeamOptions(teams),
		AssigneeID: *tk.AssigneeID, TeamID: *tk.TeamID, CanTake: true}}
	sp := ticket.SearchPage{Query: scaleRareWord, Ran: true, Staff: true, Rows: found, Next: "q=x&after=x_1"}

	e := echo.New()
	e.Renderer = renderer
	page := func(v *access.Viewer, title, tpl string, data any, form url.Values) echo.HandlerFunc {
		return func(c echo.Context) error {
			web.SetViewer(c, v)
			p, err := renderer.NewPage(c, title)
			if err != nil {
				return err
			}
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
