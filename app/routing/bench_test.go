package routing_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

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
// each at the team's cap (assignment busy: nobody has room, so no ticket locks anything),
// then with the three available each holding 1,500 unresolved tickets, as agents at work
// do (the cap's check reads what they hold). The differences are the costs of automatic
// assignment. Each starts once the database holds 300 tickets (and the held ones), and
// reports the CPU time per ticket of the benchmark's process (go-cpu-ms/ticket) and of
// the PostgreSQL backends serving it (pg-cpu-ms/ticket), which a busy machine changes
// less than the rate.
func BenchmarkCreateRouted(b *testing.B) {
	for _, tc := range []struct {
		name      string
		available bool
		cap       int // tickets an agent holds at most
		held      int // unresolved tickets each agent holds before
	}{
		{"available=false", false, 1000000, 0},
		{"available=true", true, 1000000, 0},
		{"available=true,at-cap", true, 1, 0},
		{"available=true,held=1500", true, 1000000, 1500},
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
			var agents []int64
			for i := range 3 {
				agents = append(agents, newAgent(b, app, fmt.Sprintf("Bench Agent %d", i), team, available))
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
			if tc.held > 0 {
				if _, err := app.DB.Exec(`
INSERT INTO tickets (org_id, requester_id, created_by, subject, category_id, impact, priority, status, channel, team_id,
                     assignee_id, created_at, updated_at, next_due_at)
SELECT t.org_id, t.requester_id, t.created_by, 'Held ' || g, t.category_id, t.impact, t.priority, 'open', t.channel, t.team_id,
       ($1::bigint[])[1 + g % 3], t.created_at, t.updated_at, t.next_due_at
FROM (SELECT * FROM tickets ORDER BY id DESC LIMIT 1) t, generate_series(0, $2 - 1) g`, pq.Array(agents), 3*tc.held); err != nil {
					b.Fatal(err)
				}
				if _, err := app.DB.Exec(`VACUUM tickets`); err != nil {
					b.Fatal(err)
				}
			}
			testdb.Analyze(b, app.DB)
			pg0, go0 := backendsCPU(b, app.DB), ownCPU(b)
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
			pg := 0.0
			for pid, ms := range backendsCPU(b, app.DB) {
				pg += ms - pg0[pid]
			}
			b.ReportMetric(pg/float64(b.N), "pg-cpu-ms/ticket")
			b.ReportMetric((ownCPU(b)-go0)/float64(b.N), "go-cpu-ms/ticket")
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

// backendsCPU reads the CPU time, in milliseconds, that each PostgreSQL backend
// connected to db's database has used, by process id (from /proc: the server runs on this
// machine).
func backendsCPU(b *testing.B, db *sqlx.DB) map[int]float64 {
	b.Helper()
	var pids []int
	if err := db.Select(&pids, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`); err != nil {
		b.Fatal(err)
	}
	cpu := map[int]float64{}
	for _, pid := range pids {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			b.Fatalf("the PostgreSQL backends' CPU needs the server on this machine: %v", err)
		}
		// After the command, in parentheses: state is field 3, utime and stime 14 and 15.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
		utime, _ := strconv.ParseFloat(f[11], 64)
		stime, _ := strconv.ParseFloat(f[12], 64)
		cpu[pid] = (utime + stime) * 10 // clock ticks of 10 ms
	}
	return cpu
}

// ownCPU is the CPU time, in milliseconds, that this process has used.
func ownCPU(b *testing.B) float64 {
	b.Helper()
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return float64(u.Utime.Nano()+u.Stime.Nano()) / 1e6
}
