package ticket_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/sla"
	"tugi/app/ticket"
)

// BenchmarkCreateWithMail measures what the confirmation mail costs a new ticket: audited
// ticket creation by 8 writers, without notices and with them (one outbox row each).
func BenchmarkCreateWithMail(b *testing.B) {
	app := apptest.New(b)
	app.DB.SetMaxOpenConns(20)
	app.DB.SetMaxIdleConns(20)
	ctx := context.Background()
	var v access.Viewer
	if err := app.DB.Get(&v, `SELECT id AS userid, org_id AS orgid FROM users WHERE email = $1`, mari); err != nil {
		b.Fatal(err)
	}
	v.Roles, v.Lang = []access.Role{access.Customer}, "en"
	actor := audit.Actor{UserID: v.UserID, Roles: []string{"customer"}, ClientIP: "192.0.2.1", RequestID: "bench"}
	cat := categoryID(b, app.DB, "Question")
	const writers, d = 8, 4 * time.Second
	rate := func(publicURL string) float64 {
		svc := ticket.NewService(ticket.Options{DB: app.DB, Calendars: sla.NewCalendars(app.DB), PublicURL: publicURL})
		var done atomic.Int64
		var failed atomic.Value
		deadline, start := time.Now().Add(d), time.Now()
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					if _, err := svc.Create(ctx, actor, &v, ticket.Request{Subject: "Bench", Body: "Benchmark ticket", CategoryID: cat,
						Impact: ticket.OnePerson}); err != nil {
						failed.Store(err)
						return
					}
					done.Add(1)
				}
			})
		}
		wg.Wait()
		if err := failed.Load(); err != nil {
			b.Fatal(err)
		}
		return float64(done.Load()) / time.Since(start).Seconds()
	}
	// Alternated, twice, so that a growing table or a busy machine favours neither.
	var without, with float64
	for range 2 {
		without += rate("") / 2
		with += rate("http://127.0.0.1:8080") / 2
	}
	b.Logf("c%d  without mail %6.0f tickets/s   with the confirmation mail %6.0f tickets/s   ratio %.2f", writers, without, with, with/without)
	b.ReportMetric(with, fmt.Sprintf("tickets/s-c%d", writers))
	b.ReportMetric(with/without, "ratio")
}
