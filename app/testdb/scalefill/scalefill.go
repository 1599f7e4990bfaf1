// Package scalefill fills a migrated database with docs/performance.md's scale data:
// 1,000,000 tickets of 2,000 organisations and about 5,000,000 messages. The benchmarks
// that need a large database (app/ticket's BenchmarkScale, app/backup's
// BenchmarkBackupScale) share it through one filled template (DSN), made once per
// migration set and kept on the test server.
package scalefill

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/database"
	"tugi/app/report"
	"tugi/app/sla"
	"tugi/app/testdb"
	"tugi/app/ticket/unresolved"
	"tugi/app/user"
)

// The scale of the filled database (docs/performance.md).
const (
	customersPerOrg = 2 // per organisation
	agents          = 50
	maxPerTicket    = 9 // messages per ticket: 1 to 9, 5 on average, so about 5,000,000
	// RareWord is in one message in 15,000; CommonWord in two of the sentences, about
	// one message in ten.
	RareWord   = "zanzibar"
	CommonWord = "shows"
	// Password is every filled person's password.
	Password = "bench-password-not-secret"
	// fillVersion names the filled template with the migrations' hash: change it
	// whenever Fill changes, so an old template is not reused.
	fillVersion = "v3"
)

// Size is how big a database Fill makes: docs/performance.md's is Full, and
// the smaller ones keep its density (500 tickets an organisation), so that a customer's
// list and the queues have full pages at every size and only the tables' size changes.
type Size struct {
	Tickets int
	Orgs    int
}

// Full is docs/performance.md's size.
var Full = Size{Tickets: 1_000_000, Orgs: 2000}

// Smaller returns the size with n tickets and the same density.
func (s Size) Smaller(n int) Size {
	return Size{Tickets: n, Orgs: n * s.Orgs / s.Tickets}
}

// The ids Fill gives: agents 1 to 50, and the customers of organisation o (1 to
// 2,000) CustomerID(o, 0) and (o, 1). Ticket g (1 to 1,000,000) has id g; its
// message k (1 to 9) has id 10g+k, so ids grow with time.
func CustomerID(org, k int) int64 { return int64(1000 + org*customersPerOrg + k) }

func CustomerEmail(org, k int) string { return fmt.Sprintf("c%04d-%d@bench.example", org, k) }

func AgentEmail(a int) string { return fmt.Sprintf("agent%02d@bench.example", a) }

// Sentences the messages are made of, three each, in English and in Estonian.
var sentences = []string{
	"The invoice export stops with an error after the first page.",
	"Since the update yesterday the report shows the wrong totals.",
	"Please check why the customer cannot sign in to the portal.",
	"We restarted the application server but nothing changed.",
	"Attached is a screenshot of the warning the accountant sees.",
	"The bank statement import reads the dates in the wrong order.",
	"Could you tell us when the fix will be available?",
	"The warehouse module counts the stock twice for some items.",
	"Our VAT return for last month does not match the ledger.",
	"Thank you, it works again after clearing the cache.",
	"The printer prints an empty page instead of the delivery note.",
	"New employees do not appear in the payroll list.",
	"We need an extra user licence for the sales team.",
	"The e-invoice operator rejects our invoices with code 400.",
	"I have tried again this morning and the same thing happens.",
	"The exchange rates were not updated on Monday.",
	"Please call me back, my phone number is in the signature.",
	"The purchase order approval e-mail never arrives.",
	"After the upgrade the search in the item list is very slow.",
	"The time sheet shows hours from another project.",
	"We would like to change the layout of the sales invoice.",
	"The API returns a timeout when we send more than a hundred rows.",
	"Our auditor asks for the change log of the customer records.",
	"The fixed asset depreciation was calculated twice this month.",
	"Arve eksport katkeb pärast esimest lehekülge veaga.",
	"Eilsest uuendusest alates näitab aruanne valesid summasid.",
	"Palun kontrollige, miks klient ei saa portaali sisse logida.",
	"Pangaväljavõtte import loeb kuupäevad vales järjekorras.",
	"Kas oskate öelda, millal parandus kättesaadav on?",
	"Lao moodul loeb mõne kauba jääki kaks korda.",
	"Eelmise kuu käibedeklaratsioon ei klapi pearaamatuga.",
	"Aitäh, pärast vahemälu tühjendamist töötab jälle.",
	"Printer trükib saatelehe asemel tühja lehe.",
	"Uued töötajad ei ilmu palgaarvestuse nimekirja.",
	"Müügimeeskonnale on vaja üht lisakasutaja litsentsi.",
	"E-arvete operaator lükkab meie arved koodiga 400 tagasi.",
	"Proovisin täna hommikul uuesti ja juhtub sama asi.",
	"Valuutakursse esmaspäeval ei uuendatud.",
	"Ostutellimuse kinnitamise e-kiri ei jõua kunagi kohale.",
	"Pärast uuendust on otsing kaupade nimekirjas väga aeglane.",
}

var subjects = []string{
	"Invoice export fails", "Wrong totals in the report", "Cannot sign in", "Bank import dates",
	"Stock counted twice", "VAT return does not match", "Printer prints empty pages", "Payroll list incomplete",
	"Extra licence needed", "E-invoices rejected", "Exchange rates not updated", "Approval e-mail missing",
	"Slow item search", "Time sheet shows other project", "Invoice layout change", "API timeout",
	"Arve eksport ei tööta", "Aruandes valed summad", "Ei saa sisse logida", "Pangaväljavõtte import",
	"Käibedeklaratsioon ei klapi", "E-arved tagasi lükatud", "Aeglane otsing", "Palgaarvestuse nimekiri",
}

func sqlArray(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return "(ARRAY[" + strings.Join(quoted, ", ") + "])"
}

// DSN returns the connection string of a fresh clone of the template filled to size
// (filled first when there is none for these migrations and this generator), and
// whether this call filled it; logf reports the fill's steps.
func DSN(t testing.TB, size Size, logf func(string, ...any)) (dsn string, built bool) {
	t.Helper()
	name := "scale_" + fillVersion
	if size != Full {
		name += "_" + strconv.Itoa(size.Tickets)
	}
	return testdb.NewFilledDSN(t, name, func(ctx context.Context, dsn string) error {
		return Fill(ctx, dsn, size, logf)
	})
}

// Fill fills a migrated database of the given size; for Full: 2,000
// organisations with two customers each, 50 agents in the default team, 1,000,000
// tickets over about three years (the latest 6 %, 60,000, mostly unresolved, about 1 %
// of the older ones still open; the rest closed), with SLA clocks for the unresolved ones
// and 1 to 9 messages each (about 5,000,000, a fifth of them internal notes).
// RareWord is in one message in 15,000. Every statement is set-based; the tables'
// secondary indexes are dropped first and built again afterwards (two at a time), then
// the tables are vacuumed and analysed.
func Fill(ctx context.Context, dsn string, size Size, logf func(string, ...any)) error {
	// Filling and indexing millions of rows takes minutes a statement, far beyond the
	// default statement timeout.
	db, err := database.OpenLimited(ctx, dsn, database.Limits{Statement: 2 * time.Hour})
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(3)
	hash, err := user.HashPassword(Password)
	if err != nil {
		return err
	}
	session := []string{
		"SET session_replication_role = replica", // no foreign-key triggers: the data is consistent by construction
		"SET synchronous_commit = off",
		"SET maintenance_work_mem = '512MB'",
		"SET max_parallel_maintenance_workers = 0", // two builds at a time use the two cores
	}
	exec := func(c *sqlx.Conn, what, query string, args ...any) error {
		t0 := time.Now()
		for _, s := range session {
			if _, err := c.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		if _, err := c.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("fill: %s: %w", what, err)
		}
		logf("    %-40s %s", what, time.Since(t0).Round(100*time.Millisecond))
		return nil
	}
	conn := func() (*sqlx.Conn, error) { return db.Connx(ctx) }
	c, err := conn()
	if err != nil {
		return err
	}
	defer c.Close()

	// The secondary indexes of the big tables, to build again after the insert.
	var indexes []string
	err = c.SelectContext(ctx, &indexes, `
SELECT indexdef FROM pg_indexes i
WHERE schemaname = 'public' AND tablename IN ('tickets', 'ticket_messages', 'ticket_clocks')
  AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = (quote_ident(i.indexname))::regclass)`)
	if err != nil {
		return err
	}
	for _, def := range indexes {
		name := strings.Fields(def)[2] // CREATE [UNIQUE] INDEX name ON ...
		if name == "INDEX" {
			name = strings.Fields(def)[3]
		}
		if _, err := c.ExecContext(ctx, `DROP INDEX `+name); err != nil {
			return err
		}
	}

	steps := []struct{ what, query string }{
		{"organisations", fmt.Sprintf(`
INSERT INTO organisations (id, name) OVERRIDING SYSTEM VALUE
SELECT o, format('Customer %%s OÜ', lpad(o::text, 4, '0')) FROM generate_series(1, %d) o`, size.Orgs)},
		{"users", fmt.Sprintf(`
INSERT INTO users (id, email, name, roles, org_id, password_hash) OVERRIDING SYSTEM VALUE
SELECT a, format('agent%%s@bench.example', lpad(a::text, 2, '0')), format('Agent %%s', a), '{agent}'::text[], NULL::bigint, $1
FROM generate_series(1, %[1]d) a
UNION ALL
SELECT 1000 + o * %[2]d + k, format('c%%s-%%s@bench.example', lpad(o::text, 4, '0'), k), format('Customer %%s-%%s', o, k),
       '{customer}', o, $1
FROM generate_series(1, %[3]d) o, generate_series(0, %[2]d - 1) k`, agents, customersPerOrg, size.Orgs)},
		{"team members", `INSERT INTO team_members (team_id, user_id) SELECT (SELECT id FROM teams WHERE is_default), id FROM users WHERE 'agent' = ANY (roles)`},
		{"tickets", fmt.Sprintf(`
INSERT INTO tickets (id, org_id, requester_id, created_by, subject, category_id, impact, priority, status, channel, team_id,
                     assignee_id, created_at, updated_at, solved_at, closed_at, next_due_at) OVERRIDING SYSTEM VALUE
SELECT g, o, req, req, subj, 1 + g %% 5, CASE WHEN g %% 10 = 0 THEN 'several_people' ELSE 'one_person' END, prio, st,
       CASE WHEN g %% 3 = 0 THEN 'email' ELSE 'web' END, (SELECT id FROM teams WHERE is_default),
       CASE WHEN st = 'new' OR (st = 'open' AND h %% 10 = 0) THEN NULL ELSE 1 + g %% %[2]d END,
       ca, ua,
       CASE WHEN st IN ('solved', 'closed') THEN ua END,
       CASE WHEN st = 'closed' THEN ua END,
       CASE WHEN st IN ('new', 'open', 'on_hold') THEN now() + ((g %% 97) - 20) * interval '1 hour' END
FROM (
    SELECT g, o, 1000 + o * %[3]d + (g / %[4]d) %% %[3]d AS req, h,
           %[5]s[1 + g %% %[6]d] AS subj,
           CASE WHEN (g * 31) %% 100 < 5 THEN 'urgent' WHEN (g * 31) %% 100 < 25 THEN 'high'
                WHEN (g * 31) %% 100 < 85 THEN 'normal' ELSE 'low' END AS prio,
           CASE WHEN g > %[1]d - %[8]d THEN
                    CASE WHEN h < 15 THEN 'new' WHEN h < 55 THEN 'open' WHEN h < 75 THEN 'waiting'
                         WHEN h < 80 THEN 'on_hold' WHEN h < 95 THEN 'solved' ELSE 'closed' END
                WHEN h = 0 THEN 'open' ELSE 'closed' END AS st,
           ca, ca + (1 + (g * 13) %% %[7]d) * interval '37 minutes' AS ua
    FROM (SELECT g, 1 + g %% %[4]d AS o, (g * 7919) %% 100 AS h,
                 now() - interval '10 days' - (%[1]d - g) * interval '90 seconds' AS ca
          FROM generate_series(1::bigint, %[1]d) g) s
) s`, size.Tickets, agents, customersPerOrg, size.Orgs, sqlArray(subjects), len(subjects), maxPerTicket,
			size.Tickets*6/100)},
		{"clocks", `
INSERT INTO ticket_clocks (ticket_id, metric, target_seconds, used_seconds, started_at, running_since, due_at, warn_at, stopped_at)
SELECT id, 'resolution', 144000, 0, created_at,
       CASE WHEN status <> 'waiting' THEN created_at END,
       CASE WHEN status <> 'waiting' THEN next_due_at + CASE WHEN status = 'new' THEN interval '1 day' ELSE interval '0' END END,
       CASE WHEN status <> 'waiting' THEN next_due_at - interval '2 hours' END, NULL
FROM tickets t WHERE ` + unresolved.SQL + `
UNION ALL
SELECT id, 'first_response', 14400, 0, created_at,
       CASE WHEN status = 'new' THEN created_at END,
       CASE WHEN status = 'new' THEN next_due_at END,
       CASE WHEN status = 'new' THEN next_due_at - interval '1 hour' END,
       CASE WHEN status <> 'new' THEN created_at + interval '37 minutes' END
FROM tickets t WHERE ` + unresolved.SQL + ``},
		{"reply due", `UPDATE tickets SET reply_due_at = next_due_at WHERE status = 'new'`},
		// The triggers are off (replica): the agents' counts, which one keeps, are made from the tickets.
		{"agents' counts", `SELECT agent_open_tickets_recount()`},
	}
	for _, s := range steps {
		args := []any{}
		if s.what == "users" {
			args = append(args, hash)
		}
		if err := exec(c, s.what, s.query, args...); err != nil {
			return err
		}
	}

	// The messages, in two halves at once (two cores).
	messages := fmt.Sprintf(`
INSERT INTO ticket_messages (id, ticket_id, org_id, author_id, internal, channel, body, created_at) OVERRIDING SYSTEM VALUE
SELECT t.id * 10 + k, t.id, t.org_id,
       CASE WHEN k %% 4 = 3 OR k %% 2 = 0 THEN 1 + (t.id + k) %% %[1]d ELSE t.requester_id END,
       k %% 4 = 3, t.channel,
       s[1 + (t.id * 7 + k * 3) %% %[2]d] || ' ' || s[1 + (t.id * 11 + k * 5) %% %[2]d] || ' ' ||
       s[1 + (t.id * 13 + k * 17) %% %[2]d] ||
       CASE WHEN (t.id * 31 + k) %% 15000 = 0 THEN ' It happens only with the %[3]s firmware.' ELSE '' END ||
       ' Ref ' || t.id || '/' || k,
       t.created_at + (k - 1) * interval '37 minutes'
FROM (SELECT %[4]s AS s) sentences,
     tickets t, generate_series(1, 1 + (t.id * 13) %% %[5]d) k
WHERE t.id BETWEEN $1 AND $2`, agents, len(sentences), RareWord, sqlArray(sentences), maxPerTicket)
	half, all := int64(size.Tickets/2), int64(size.Tickets)
	err = parallel(func() error {
		return onConn(ctx, db, fmt.Sprintf("messages of tickets 1-%d", half), messages, exec, 1, half)
	},
		func() error {
			return onConn(ctx, db, fmt.Sprintf("messages of tickets %d-%d", half+1, all), messages, exec, half+1, all)
		})
	if err != nil {
		return err
	}
	if err := exec(c, "sequences", `
SELECT setval(pg_get_serial_sequence('organisations', 'id'), (SELECT max(id) FROM organisations));
SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));
SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets));
SELECT setval(pg_get_serial_sequence('ticket_messages', 'id'), (SELECT max(id) FROM ticket_messages))`); err != nil {
		return err
	}

	// The indexes again, two builds at a time, the biggest first.
	work := make(chan string, len(indexes))
	for _, def := range indexes {
		if strings.Contains(def, "USING gin") {
			work <- def
		}
	}
	for _, def := range indexes {
		if !strings.Contains(def, "USING gin") {
			work <- def
		}
	}
	close(work)
	build := func() error {
		c, err := db.Connx(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		for def := range work {
			if err := exec(c, "index "+strings.Fields(def)[2], def); err != nil {
				return err
			}
		}
		return nil
	}
	if err := parallel(build, build); err != nil {
		return err
	}
	// The reports' rollup, as report.rollup has long kept it in a running Tugi: without it,
	// a tugi serve started on a clone spends its first minutes walking every ticket, beside
	// whatever a benchmark measures then.
	t0 := time.Now()
	if err := report.NewRollup(db, sla.NewCalendars(db).Current).Run(ctx); err != nil {
		return fmt.Errorf("fill: the reports' rollup: %w", err)
	}
	logf("    %-40s %s", "the reports' rollup", time.Since(t0).Round(100*time.Millisecond))
	for _, table := range []string{"tickets", "ticket_messages", "ticket_clocks", "users", "organisations", "team_members", "report_tickets"} {
		if err := exec(c, "vacuum analyze "+table, "VACUUM (ANALYZE) "+table); err != nil {
			return err
		}
	}
	return nil
}

// onConn runs query with args on a connection of its own.
func onConn(ctx context.Context, db *sqlx.DB, what, query string, exec func(*sqlx.Conn, string, string, ...any) error, args ...any) error {
	c, err := db.Connx(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return exec(c, what, query, args...)
}

// parallel runs the functions at once and returns their errors.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
