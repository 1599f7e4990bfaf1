package routing_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/routing"
	"tugi/app/testdb"
	"tugi/app/ticket"
)

// BenchmarkCreateRouted creates tickets from 8 goroutines (2 cores × 4): with ten routing
// rules of which none matches, first with nobody available (the ticket waits in the queue),
// then with three available agents (each ticket is assigned, holding its agent's row of the
// team: the others go to the other agents meanwhile), then with the three available but
// each at the team's cap (assignment busy: nobody has room, so no ticket locks anything). The differences are the costs of automatic assignment.
// Each starts once the database holds 300 tickets.
func BenchmarkCreateRouted(b *testing.B) {
	for _, tc := range []struct {
		name      string
		available bool
		cap       int // tickets an agent holds at most
	}{
		{"available=false", false, 1000000},
		{"available=true", true, 1000000},
		{"available=true,at-cap", true, 1},
	} {
		available := tc.available
		b.Run(tc.name, func(b *testing.B) {
			app := apptest.New(b)
			team := defaultTeam(b, app.DB)
			if _, err := app.DB.Exec(`UPDATE teams SET assign_cap = $2 WHERE id = $1`, team, tc.cap); err != nil {
				b.Fatal(err)
			}
			other := newTeam(b, app.DB, "Elsewhere", nil)
			for i := range 10 {
				addRule(b, app.DB, routing.Rule{Words: []string{fmt.Sprintf("nomatch%d", i)}, TeamID: other})
			}
			for i := range 3 {
				newAgent(b, app, fmt.Sprintf("Bench Agent %d", i), team, available)
			}
			m := customer(b, app.DB, mari)
			svc := service(app)
			cat := categoryID(b, app.DB, "Question")
			// A database in use: tickets already there, and statistics that say so.
			for i := range 300 {
				if _, err := svc.Create(ctx, audit.Actor{UserID: m.UserID}, m, ticket.Request{Subject: fmt.Sprintf("Warm-up %d", i),
					Body: "Benchmark", CategoryID: cat, Impact: ticket.OnePerson}); err != nil {
					b.Fatal(err)
				}
			}
			testdb.Analyze(b, app.DB)
			var n atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, err := svc.Create(ctx, audit.Actor{UserID: m.UserID}, m, ticket.Request{Subject: fmt.Sprintf("Bench %d", n.Add(1)),
						Body: "Benchmark", CategoryID: cat, Impact: ticket.OnePerson})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
			b.StopTimer()
			var assigned int64
			if err := app.DB.Get(&assigned, `SELECT count(*) FROM tickets WHERE assignee_id IS NOT NULL AND subject LIKE 'Bench %'`); err != nil {
				b.Fatal(err)
			}
			atCap := tc.cap == 1
			if available && !atCap && assigned == 0 {
				b.Error("no ticket was assigned")
			}
			if atCap && assigned != 0 {
				b.Errorf("%d tickets were assigned to agents at the cap", assigned)
			}
		})
	}
}
