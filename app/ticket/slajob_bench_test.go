package ticket_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/calendar"
	"tugi/app/sla"
	"tugi/app/testdb"
	"tugi/app/ticket"
)

// benchUnresolved is how many of the benchmarks' 300,000 tickets are under way, each with
// a running first-response and resolution clock, in a team of two agents.
const benchUnresolved = 100_000

// seedSLA fills db with the benchmark's tickets, opened in the week of 16 November 2026.
func seedSLA(b *testing.B, db *sqlx.DB) {
	b.Helper()
	for _, q := range []string{
		`INSERT INTO organisations (name) VALUES ('Bench OÜ')`,
		`INSERT INTO users (email, name, roles, org_id) SELECT 'bench@bench.example', 'Bench', '{customer}', id FROM organisations`,
		`INSERT INTO users (email, name, roles) VALUES ('a1@bench.example', 'Agent One', '{agent}'), ('a2@bench.example', 'Agent Two', '{agent}')`,
		`INSERT INTO team_members (team_id, user_id) SELECT t.id, u.id FROM teams t, users u WHERE t.is_default AND u.org_id IS NULL`,
		`INSERT INTO tickets (org_id, requester_id, subject, category_id, impact, priority, status, channel, team_id, created_at, updated_at, closed_at)
		 SELECT o.id, u.id, 'Bench ' || g, (SELECT min(id) FROM categories), 'one_person', 'normal',
		        CASE WHEN g % 3 = 0 THEN 'open' ELSE 'closed' END, 'web', (SELECT id FROM teams WHERE is_default),
		        c.at, c.at, CASE WHEN g % 3 <> 0 THEN c.at END
		 FROM generate_series(1, 300000) g, organisations o, users u,
		      LATERAL (SELECT timestamptz '2026-11-16 07:00:00+00' + (g % 28800) * interval '1 second' AS at) c
		 WHERE u.org_id = o.id`,
		`INSERT INTO ticket_clocks (ticket_id, metric, target_seconds, started_at, running_since, due_at, warn_at)
		 SELECT t.id, m, CASE m WHEN 'first_response' THEN 14400 ELSE 144000 END, t.created_at, t.created_at, t.created_at, t.created_at
		 FROM tickets t, unnest(ARRAY['first_response', 'resolution']) m WHERE t.status = 'open'`,
		`UPDATE tickets SET next_due_at = created_at WHERE status = 'open'`,
		`ANALYZE`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	if n := count(b, db, `SELECT count(*) FROM tickets WHERE status = 'open'`); n != benchUnresolved {
		b.Fatalf("%d unresolved tickets seeded, want %d", n, benchUnresolved)
	}
}

// BenchmarkSLARecompute measures the walk after a calendar change: each iteration adds or
// removes a closure on Wednesday 18 November, which moves every running resolution clock.
func BenchmarkSLARecompute(b *testing.B) {
	db := testdb.New(b)
	seedSLA(b, db)
	ctx := context.Background()
	cals := sla.NewCalendars(db)
	job := ticket.NewSLAJob(ticket.JobOptions{DB: db, Calendars: cals, Now: func() time.Time { return nov(16, 8, 0) }, Grace: -1})
	base := calendar.DefaultConfig()
	closed := base
	closed.Closures = append(closed.Closures, calendar.Exception{Date: "2026-11-18", Note: "bench"})
	b.ResetTimer()
	for i := range b.N {
		cfg := closed
		if i%2 == 1 {
			cfg = base
		}
		if err := cals.SaveCalendar(ctx, audit.Job("bench"), "closure", cfg); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		r, err := job.RunOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		n := r.Recomputed
		if n != benchUnresolved {
			b.Fatalf("recomputed %d tickets, want %d", n, benchUnresolved)
		}
		b.Logf("walk %d: %d tickets in %s", i+1, n, time.Since(start).Round(time.Millisecond))
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "tickets/s")
	}
}

// BenchmarkSLANotify measures telling a mass breach: 10,000 running clocks pass their due
// time at once, each told to a team of two.
func BenchmarkSLANotify(b *testing.B) {
	db := testdb.New(b)
	seedSLA(b, db)
	ctx := context.Background()
	job := ticket.NewSLAJob(ticket.JobOptions{DB: db, Calendars: sla.NewCalendars(db), Now: func() time.Time { return nov(16, 8, 0) }, Grace: -1})
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if _, err := db.Exec(`UPDATE ticket_clocks SET breached = false, warning_notified_at = NULL, breach_notified_at = NULL,
			due_at = timestamptz '2026-11-16 05:00:00+00', warn_at = timestamptz '2026-11-16 04:00:00+00'
			WHERE metric = 'first_response' AND ticket_id IN (SELECT id FROM tickets WHERE status = 'open' ORDER BY id LIMIT 10000)`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		r, err := job.RunOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if r.Breaches != 10000 {
			b.Fatalf("told %d breaches, want 10000", r.Breaches)
		}
		b.Logf("%d breaches told in %s", r.Breaches, time.Since(start).Round(time.Millisecond))
		b.ReportMetric(float64(r.Breaches)/time.Since(start).Seconds(), "clocks/s")
	}
}
