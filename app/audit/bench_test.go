package audit_test

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/testdb"
)

// BenchmarkAuditWrites measures a small change (an organisation inserted in a
// transaction) with its audit event against the same change without one, in the same run,
// with 1, 8 and 32 concurrent writers for 4 s each. Appending to the chain serialises the
// writers from the event to the commit, so the ratio falls as writers are added.
func BenchmarkAuditWrites(b *testing.B) {
	db := testdb.New(b)
	db.SetMaxOpenConns(40)
	db.SetMaxIdleConns(40)
	ctx := context.Background()
	const duration = 4 * time.Second
	var names atomic.Int64
	write := func(audited bool) func() error {
		return func() error {
			return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
				var id int64
				name := fmt.Sprintf("Bench %d", names.Add(1))
				if err := tx.GetContext(ctx, &id, `INSERT INTO organisations (name) VALUES ($1) RETURNING id`, name); err != nil {
					return err
				}
				if !audited {
					return nil
				}
				return audit.Record(ctx, tx, audit.Actor{UserID: 1, Roles: []string{"admin"}, ClientIP: "192.0.2.1", RequestID: "bench"},
					audit.Event{Action: "organisation.create", ObjectType: "organisation", ObjectID: fmt.Sprint(id), OrgID: id,
						Changes: map[string]audit.Change{"name": {New: name}}})
			})
		}
	}
	for _, writers := range []int{1, 8, 32} {
		plain := run(b, writers, duration, write(false))
		audited := run(b, writers, duration, write(true))
		ratio := audited / plain
		b.Logf("c%-2d  without audit %7.0f writes/s   audited %7.0f writes/s   ratio %.2f", writers, plain, audited, ratio)
		b.ReportMetric(audited, fmt.Sprintf("audited-writes/s-c%d", writers))
		b.ReportMetric(ratio, fmt.Sprintf("ratio-c%d", writers))
	}
	if _, err := audit.Verify(ctx, db, nil); err != nil {
		b.Fatalf("the benchmark's events do not verify: %v", err)
	}
}

// run calls op from writers goroutines for d and returns the successful calls per second.
func run(b *testing.B, writers int, d time.Duration, op func() error) float64 {
	var done atomic.Int64
	var failed atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := op(); err != nil {
					failed.Store(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
	return float64(done.Load()) / time.Since(start).Seconds()
}

// generate appends n chained events in one statement, computing the chain in SQL with the
// same functions as the append trigger (which is switched off meanwhile: appending one by
// one through it in a single transaction would update its head row n times).
func generate(b *testing.B, db *sqlx.DB, n int) {
	b.Helper()
	_, err := db.Exec(fmt.Sprintf(`
ALTER TABLE audit_events DISABLE TRIGGER audit_events_chain;
DO $$
DECLARE
    s bigint; prev bytea; t timestamptz; h bytea; ch json;
    roles text[] := '{employee,agent}';
BEGIN
    SELECT seq, hash, greatest(at, now() - interval '60 days') INTO s, prev, t FROM audit_head;
    FOR i IN 1..%d LOOP
        s := s + 1;
        t := t + interval '3 ms';
        ch := format('{"note":"event %%s","status":{"new":"waiting","old":"open"}}', i)::json;
        h := sha256(prev || audit_canonical(s, t, i %% 500 + 1, roles, '', '192.0.2.' || i %% 250, 'req-' || i,
            'ticket.set_status', 'ticket', (i %% 100000)::text, i %% 2000 + 1, ch));
        INSERT INTO audit_events (seq, prev_hash, hash, at, actor_user_id, actor_roles, actor_job, client_ip,
            request_id, action, object_type, object_id, org_id, changes)
        VALUES (s, prev, h, t, i %% 500 + 1, roles, '', '192.0.2.' || i %% 250, 'req-' || i,
            'ticket.set_status', 'ticket', (i %% 100000)::text, i %% 2000 + 1, ch);
        prev := h;
    END LOOP;
    UPDATE audit_head SET seq = s, hash = prev, at = t;
END
$$;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_chain;`, n))
	if err != nil {
		b.Fatal(err)
	}
	// As autovacuum would have left a log that grew over months, and so that it does not
	// run during the measurement.
	if _, err := db.Exec(`VACUUM ANALYZE audit_events`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAuditVerify measures `tugi audit verify` (audit.Verify) over 1,000,000 events.
func BenchmarkAuditVerify(b *testing.B) {
	db := testdb.New(b)
	ctx := context.Background()
	const events = 1_000_000
	t0 := time.Now()
	generate(b, db, events)
	b.Logf("generated %d chained events in %s", events, time.Since(t0).Round(time.Second))

	defer debug.SetGCPercent(debug.SetGCPercent(400)) // as tugi audit verify does
	var best float64
	for round := range 2 { // the first round also warms the cache
		start := time.Now()
		rep, err := audit.Verify(ctx, db, nil)
		took := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Events != events {
			b.Fatalf("verified %d events, want %d", rep.Events, events)
		}
		rate := float64(rep.Events) / took.Seconds()
		best = max(best, rate)
		b.Logf("round %d: verified %d events in %s: %.0f events/s (target: at least 500,000)", round+1, rep.Events, took.Round(time.Millisecond), rate)
	}
	b.ReportMetric(best, "events/s")
}
