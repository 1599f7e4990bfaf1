package ticket

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/sla"
	"tugi/app/testdb"
)

// BenchmarkCreateAudited measures what docs/performance.md's "audited creation against the
// same without audit" asks: a customer's ticket created as Create does it (routing, the
// ticket, its message, its SLA clocks, the customer's confirmation queued in the mail
// outbox), with its audit event and without, in the same run, by 1 and 8 writers, in four
// turns of 1 s each, once the database holds 500 tickets.
func BenchmarkCreateAudited(b *testing.B) {
	db := testdb.New(b)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	ctx := context.Background()
	s := NewService(Options{DB: db, Calendars: sla.NewCalendars(db), PublicURL: "https://support.example.com"})
	var orgID, userID, categoryID int64
	if err := db.GetContext(ctx, &orgID, `INSERT INTO organisations (name) VALUES ('Bench OÜ') RETURNING id`); err != nil {
		b.Fatal(err)
	}
	if err := db.GetContext(ctx, &userID, `INSERT INTO users (email, name, roles, org_id) VALUES ('bench@bench.example', 'Bench', '{customer}', $1) RETURNING id`, orgID); err != nil {
		b.Fatal(err)
	}
	if err := db.GetContext(ctx, &categoryID, `SELECT id FROM categories WHERE name = 'Question'`); err != nil {
		b.Fatal(err)
	}
	v := &access.Viewer{UserID: userID, Email: "bench@bench.example", Name: "Bench", Lang: "en", OrgID: orgID, Roles: []access.Role{access.Customer}}
	actor := audit.Actor{UserID: userID, Roles: []string{"customer"}, ClientIP: "192.0.2.1", RequestID: "bench"}
	cal, err := s.Calendar(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// As a request finds them: this process's copies (package reference), read once.
	fs, err := s.facts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	create := func(audited bool) func() error {
		return func() error {
			r := Request{Subject: fmt.Sprintf("Bench ticket %d", n.Add(1)), Body: "The export stops half-way.",
				CategoryID: categoryID, Impact: OnePerson, Channel: Web}
			return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
				q := s.reads.Tx(tx)
				_, ev, err := s.create(ctx, q, v, r, nil, cal, fs, s.Now())
				if err != nil || !audited {
					return err
				}
				return audit.Record(ctx, q, actor, ev)
			})
		}
	}
	// A database in use: tickets already there, and statistics that say so.
	warm := create(true)
	for range 500 {
		if err := warm(); err != nil {
			b.Fatal(err)
		}
	}
	testdb.Analyze(b, db)
	// The two take turns, each first in every other turn, so that both sides of a ratio
	// see the database at the same size and the machine in the same state.
	const turns, d = 4, time.Second
	for _, writers := range []int{1, 8} {
		var plain, audited run
		for i := range turns {
			if i%2 == 0 {
				plain.add(drive(b, writers, d, create(false)))
				audited.add(drive(b, writers, d, create(true)))
			} else {
				audited.add(drive(b, writers, d, create(true)))
				plain.add(drive(b, writers, d, create(false)))
			}
		}
		ratio := audited.perSecond() / plain.perSecond()
		b.Logf("c%d  without audit %6.0f tickets/s (p99 %5.1f ms)   audited %6.0f tickets/s (p99 %5.1f ms)   ratio %.2f%s",
			writers, plain.perSecond(), ms(plain.p99()), audited.perSecond(), ms(audited.p99()), ratio, target(writers, ratio))
		b.ReportMetric(audited.perSecond(), fmt.Sprintf("audited-tickets/s-c%d", writers))
		b.ReportMetric(ratio, fmt.Sprintf("ratio-c%d", writers))
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func target(writers int, ratio float64) string {
	if writers != 1 {
		return ""
	}
	return " (target: at least 0.70)"
}

// run is what one or more drives measured: every call's latency and the time they took.
type run struct {
	latencies []time.Duration
	elapsed   time.Duration
}

func (r *run) add(o run) {
	r.latencies = append(r.latencies, o.latencies...)
	r.elapsed += o.elapsed
}

func (r *run) perSecond() float64 { return float64(len(r.latencies)) / r.elapsed.Seconds() }

// p99 is the 99th percentile of the latencies.
func (r *run) p99() time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	slices.Sort(r.latencies)
	return r.latencies[len(r.latencies)*99/100]
}

// drive calls op from writers goroutines for d, and returns the successful calls'
// latencies and the time they took.
func drive(b *testing.B, writers int, d time.Duration, op func() error) run {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    error
		wg        sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range writers {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := op(); err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	return run{latencies: latencies, elapsed: time.Since(start)}
}
