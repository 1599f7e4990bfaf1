package report

import (
	"slices"
	"syscall"
	"testing"
	"time"
)

// synthetic is a copy of n tickets, one every 90 seconds up to now, spread over 2,000
// organisations, 50 agents and three teams, as BenchmarkReports' database has them.
func synthetic(n int, now time.Time) *snapshot {
	s := &snapshot{tickets: make([]fact, n)}
	start := now.Add(-time.Duration(n) * 90 * time.Second).Unix()
	for i := range s.tickets {
		g := int64(i + 1)
		f := &s.tickets[i]
		f.id, f.created = g, start+g*90
		f.org, f.team, f.agent, f.category = int32(1+g%2000), int32(1+g%3), int32(1+g%50), int32(1+g%5)
		f.prio, f.channel = uint8(g%4), uint8(g%4)
		f.fr, f.res = int32((g*37)%28800), int32((g*13)%144000)
		f.resolved = f.created + int64(f.res)
		f.frSLA, f.resSLA = slaMet, slaMet
		if g%10 == 0 {
			f.frSLA = slaMissed
		}
	}
	for i := range s.tickets {
		s.resolved = append(s.resolved, s.tickets[i].resolved)
	}
	slices.Sort(s.resolved)
	s.buildIndex()
	return s
}

// BenchmarkCompute is the work of one /reports page over a year of a million tickets,
// without the page around it.
func BenchmarkCompute(b *testing.B) {
	loc, _ := time.LoadLocation("Europe/Tallinn")
	now := time.Now()
	s := synthetic(1_000_000, now)
	to := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	q := Query{From: to.AddDate(0, 0, -366), To: to}
	b.ReportAllocs()
	// CPU time as well as wall time: on a machine others load, the wall time is mostly
	// waiting for a core.
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	for b.Loop() {
		fig := compute(s, q, now, loc, 120)
		if fig.Total.N == 0 {
			b.Fatal("no tickets")
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// dist's selection gives the nearest-rank percentiles a sort gives, for sets with many
// equal values (most tickets answered out of hours wait 0 s of business time) and without.
func TestDistIsNearestRank(t *testing.T) {
	for n := 1; n <= 300; n++ {
		for _, spread := range []int32{1, 3, 1000} {
			vs := make([]int32, n)
			for i := range vs {
				vs[i] = int32((i*7919+n*31)%997) % spread
			}
			sorted := slices.Clone(vs)
			slices.Sort(sorted)
			want := Dist{N: n, P50: sorted[rank(n, 50)-1], P90: sorted[rank(n, 90)-1]}
			if got := dist(vs); got != want {
				t.Fatalf("n %d, spread %d: %+v, want %+v", n, spread, got, want)
			}
		}
	}
	if (dist(nil) != Dist{}) {
		t.Error("no values: not the zero distribution")
	}
}
