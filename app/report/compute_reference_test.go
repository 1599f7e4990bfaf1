package report

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// referenceCompute is the figures worked out the plain way, to hold compute to: every
// ticket of the copy looked at, each grouping's tickets gathered in a map, their times
// sorted and the percentiles read at their nearest ranks. The backlog and the chats are
// compute's own (backlog, chats), which the index does not change.
func referenceCompute(s *snapshot, q Query, now time.Time, loc *time.Location, chatTarget int32) Figures {
	type gathered struct {
		st      Stat
		fr, res []int32
	}
	var fig Figures
	prio := indexOf(priorities, q.Priority)
	weeks := weekStarts(q.From, q.To, loc)
	fig.Weekly = weeks
	groups := [6]map[int64]*gathered{} // total, team, agent, priority, organisation, week
	for g := range groups {
		groups[g] = map[int64]*gathered{}
	}
	channelN := map[int64]int{}
	categoryN := map[int64]int{}
	for i := range s.tickets {
		f := &s.tickets[i]
		if f.created < q.From.Unix() || f.created >= q.To.Unix() || !q.matches(f, prio) {
			continue
		}
		week := 0
		for w := range weeks {
			if weeks[w].Unix() <= f.created {
				week = w
			}
		}
		frO, resO := outcome(f.frSLA, f.frDue, now.Unix()), outcome(f.resSLA, f.resDue, now.Unix())
		for g, key := range []int64{0, int64(f.team), int64(f.agent), int64(f.prio), int64(f.org), int64(week)} {
			a := groups[g][key]
			if a == nil {
				a = &gathered{st: Stat{Key: key}}
				groups[g][key] = a
			}
			a.st.N++
			if f.fr >= 0 {
				a.fr = append(a.fr, f.fr)
			}
			if f.res >= 0 {
				a.res = append(a.res, f.res)
			}
			a.st.FRMet += b2i(frO == slaMet)
			a.st.FRMissed += b2i(frO == slaMissed)
			a.st.ResMet += b2i(resO == slaMet)
			a.st.ResMissed += b2i(resO == slaMissed)
		}
		channelN[int64(f.channel)]++
		categoryN[int64(f.category)]++
	}
	sortedDist := func(vs []int32) Dist {
		if len(vs) == 0 {
			return Dist{}
		}
		slices.Sort(vs)
		return Dist{N: len(vs), P50: vs[rank(len(vs), 50)-1], P90: vs[rank(len(vs), 90)-1]}
	}
	stats := func(g int) []Stat {
		var out []Stat
		for _, a := range groups[g] {
			a.st.FR, a.st.Res = sortedDist(a.fr), sortedDist(a.res)
			out = append(out, a.st)
		}
		slices.SortFunc(out, func(a, b Stat) int {
			if g == 3 {
				return cmp.Compare(a.Key, b.Key)
			}
			if c := cmp.Compare(b.N, a.N); c != 0 {
				return c
			}
			return cmp.Compare(a.Key, b.Key)
		})
		return out
	}
	if total := stats(0); len(total) > 0 {
		fig.Total = total[0]
	}
	fig.Teams, fig.Agents, fig.Priorities, fig.Orgs = stats(1), stats(2), stats(3), stats(4)
	fig.Weeks = make([]Stat, len(weeks))
	for i := range fig.Weeks {
		fig.Weeks[i].Key = int64(i)
	}
	for _, st := range stats(5) {
		fig.Weeks[st.Key] = st
	}
	for i := range channels {
		if n := channelN[int64(i)]; n > 0 {
			fig.Channels = append(fig.Channels, Count{Key: int64(i), N: n})
		}
	}
	for key, n := range categoryN {
		fig.Categories = append(fig.Categories, Count{Key: key, N: n})
	}
	slices.SortFunc(fig.Categories, func(a, b Count) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	weekUnix := make([]int64, len(weeks))
	for i, w := range weeks {
		weekUnix[i] = w.Unix()
	}
	fig.Backlog, fig.BacklogDaily = backlog(s, q, prio, loc)
	fig.Chat, fig.ChatWeeks = chats(s, q, weekUnix, chatTarget)
	return fig
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// generated is a copy of n tickets over two years up to now, made to catch a slip in the
// figures: times with many ties (most answered out of hours wait 0 s of business time),
// tickets without a response or not resolved, clocks still open before and past their
// due time, keys that are 0 (no team, no agent) and ids beyond the small ones; of orgs
// organisations.
func generated(n, orgs int, now time.Time) *snapshot {
	r := rand.New(rand.NewPCG(21, 2026))
	s := &snapshot{tickets: make([]fact, n)}
	start := now.AddDate(-2, 0, 0).Unix()
	span := now.Unix() - start
	times := func() int32 {
		switch r.IntN(5) {
		case 0:
			return -1
		case 1:
			return 0
		case 2:
			return int32(r.IntN(5) * 1800)
		}
		return int32(r.IntN(200000))
	}
	outcomes := []uint8{slaNone, slaMet, slaMissed, slaOpen}
	for i := range s.tickets {
		f := &s.tickets[i]
		f.id = int64(i + 1)
		f.created = start + r.Int64N(span)
		f.org = int32(1 + r.IntN(orgs))
		if r.IntN(50) == 0 {
			f.org = smallIDs + int32(r.IntN(3))
		}
		f.team, f.agent, f.category = int32(r.IntN(4)), int32(r.IntN(40)), int32(r.IntN(7))
		f.prio, f.channel = uint8(r.IntN(4)), uint8(r.IntN(4))
		f.fr, f.res = times(), times()
		if f.res >= 0 {
			f.resolved = f.created + int64(f.res) + r.Int64N(86400)
		}
		f.frSLA, f.resSLA = outcomes[r.IntN(4)], outcomes[r.IntN(4)]
		f.frDue, f.resDue = f.created+r.Int64N(3*86400), f.created+r.Int64N(10*86400)
		if r.IntN(10) == 0 {
			f.frDue = 0
		}
	}
	slices.SortFunc(s.tickets, byCreated)
	for i := range s.tickets {
		if s.tickets[i].resolved != 0 {
			s.resolved = append(s.resolved, s.tickets[i].resolved)
		}
	}
	slices.Sort(s.resolved)
	for i := range 3000 {
		s.chats = append(s.chats, chatFact{id: int64(i + 1), created: start + r.Int64N(span), org: int32(1 + r.IntN(300)),
			wait: int32(r.IntN(400) - 50), duration: int32(r.IntN(4000) - 500)})
	}
	slices.SortFunc(s.chats, chatByCreated)
	s.buildIndex()
	return s
}

// compute gives the figures the plain way gives, for ranges long (the copy's times read
// in order) and short (the range's own sorted), with and without filters, empty and not.
func TestComputeAsReference(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 15, 0, 0, 0, loc)
	to := time.Date(2026, 12, 7, 0, 0, 0, 0, loc)
	ranges := []struct {
		name     string
		from, to time.Time
	}{
		{"a year", to.AddDate(0, 0, -366), to},
		{"30 days", to.AddDate(0, 0, -30), to},
		{"a day", to.AddDate(0, 0, -1), to},
		{"a quarter a year ago", to.AddDate(-1, 0, -92), to.AddDate(-1, 0, 0)},
		{"the first year (across a change of summer time)", to.AddDate(-2, 0, -1), to.AddDate(-1, 0, 0)},
		{"before the first ticket", to.AddDate(-3, 0, 0), to.AddDate(-3, 0, 10)},
	}
	filters := []Query{{}, {Team: 2}, {Priority: "high"}, {OrgID: 7}, {OrgID: smallIDs + 1}, {Team: 0, Priority: "urgent", OrgID: 3}, {Team: 99}}
	compared := 0
	// The first copy's slots are numbered in 16 bits, the second's, of some 95,000
	// organisations, in 32.
	many := generated(100000, 1_000_000, now)
	if len(many.orgs) <= 1<<16 {
		t.Fatalf("%d organisations: their slots fit in 16 bits", len(many.orgs))
	}
	for _, s := range []*snapshot{generated(40000, 300, now), many} {
		for _, rg := range ranges {
			for _, fl := range filters {
				q := fl
				q.From, q.To = rg.from, rg.to
				want := referenceCompute(s, q, now, loc, 120)
				got := compute(s, q, now, loc, 120)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, filters %+v: figures differ from the plain way's\n%s", rg.name, fl, firstDifference(got, want))
				}
				compared += want.Total.N
			}
		}
	}
	// The ranges held tickets, including ones with open clocks past due, so the
	// comparison compared something.
	s := generated(40000, 300, now)
	if year := referenceCompute(s, Query{From: to.AddDate(0, 0, -366), To: to}, now, loc, 120); year.Total.N < 15000 || year.Total.FRMissed == 0 || len(year.Orgs) < 300 {
		t.Fatalf("a year of the generated copy: %d tickets, %d first responses missed, %d organisations", year.Total.N, year.Total.FRMissed, len(year.Orgs))
	}
	t.Logf("compared the figures of %d tickets", compared)
}

// firstDifference names the first part of the figures that differs.
func firstDifference(got, want Figures) string {
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			gs, ws := fmt.Sprintf("%+v", g.Field(i).Interface()), fmt.Sprintf("%+v", w.Field(i).Interface())
			return fmt.Sprintf("%s:\n got  %.600s\n want %.600s", g.Type().Field(i).Name, gs, ws)
		}
	}
	return ""
}
