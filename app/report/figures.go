package report

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Query is what the figures cover: tickets created in [From, To) (whole days of the
// calendar's zone), optionally of one team, one priority and one organisation.
type Query struct {
	From, To time.Time
	Team     int64
	Priority string
	OrgID    int64
}

// Dist is a distribution's size, median and 90th percentile (nearest rank), in seconds.
type Dist struct {
	N        int
	P50, P90 int32
}

// Stat is the figures of a group of tickets: how many, their first-response and
// resolution times (business time), and how many of their SLA targets were met and
// missed (a target still open and not yet due counts as neither).
type Stat struct {
	Key               int64 // the team, agent, organisation or category id, the priority's or week's index
	N                 int
	FR, Res           Dist
	FRMet, FRMissed   int
	ResMet, ResMissed int
}

// MetPercent is the share of the SLA targets decided that were met, 0 to 100, and
// whether any was decided.
func (s Stat) MetPercent() (float64, bool) {
	met, all := s.FRMet+s.ResMet, s.FRMet+s.ResMet+s.FRMissed+s.ResMissed
	if all == 0 {
		return 0, false
	}
	return 100 * float64(met) / float64(all), true
}

// Point is one period of a series: its start, and a count.
type Point struct {
	Start time.Time
	N     int
}

// Count is a number of tickets with a key (a channel's or a category's).
type Count struct {
	Key int64
	N   int
}

// ChatStat is the figures of chats: how many began, how many an agent accepted, the
// business time they waited, how many within the target, and how long they lasted.
type ChatStat struct {
	Key          int64 // the week's index
	N, Answered  int
	Wait         Dist
	WithinTarget int
	Duration     Dist
}

// Figures are everything the page shows.
type Figures struct {
	Total                                  Stat
	Teams, Agents, Priorities, Orgs, Weeks []Stat
	Weekly                                 []time.Time // the start of each week of Weeks (by Key)
	Backlog                                []Point
	BacklogDaily                           bool // days, or else weeks
	Channels, Categories                   []Count
	Chat                                   ChatStat
	ChatWeeks                              []ChatStat
}

func (q Query) matches(f *fact, prio uint8) bool {
	return (q.Team == 0 || int64(f.team) == q.Team) && (q.Priority == "" || f.prio == prio) && (q.OrgID == 0 || int64(f.org) == q.OrgID)
}

// weekStarts are the Mondays (00:00 in loc) from the week of from to the week of to.
func weekStarts(from, to time.Time, loc *time.Location) []time.Time {
	d := from.In(loc)
	d = time.Date(d.Year(), d.Month(), d.Day()-((int(d.Weekday())+6)%7), 0, 0, 0, 0, loc)
	var out []time.Time
	for ; d.Before(to); d = time.Date(d.Year(), d.Month(), d.Day()+7, 0, 0, 0, 0, loc) {
		out = append(out, d)
	}
	return out
}

// periodOf returns the index of the period of starts (sorted) that holds unix second t,
// moving on from i (t never goes back).
func periodOf(starts []int64, i int, t int64) int {
	for i+1 < len(starts) && t >= starts[i+1] {
		i++
	}
	return i
}

// group gathers a grouping's tickets: the slot of each key (in dense, by key, one more
// than the slot; in a map for a key beyond denseKeys), each slot's counts, and the slot
// of each ticket added, in order, for placing their times by slot afterwards.
type group struct {
	dense     []int32
	slot      map[int64]int
	stats     []Stat
	frN, resN []int
	rows      []int32
}

// denseKeys bounds the keys a group finds by index rather than in a map: ids of teams,
// agents and organisations are small numbers.
const denseKeys = 1 << 20

func newGroup(rows []int32) *group { return &group{slot: map[int64]int{}, rows: rows[:0]} }

func (g *group) slotOf(key int64) int {
	if key >= 0 && key < denseKeys {
		if key < int64(len(g.dense)) && g.dense[key] != 0 {
			return int(g.dense[key]) - 1
		}
		if key >= int64(len(g.dense)) {
			g.dense = append(g.dense, make([]int32, int(key)+1-len(g.dense))...)
		}
		g.dense[key] = int32(g.newSlot(key)) + 1
		return int(g.dense[key]) - 1
	}
	i, ok := g.slot[key]
	if !ok {
		i = g.newSlot(key)
		g.slot[key] = i
	}
	return i
}

func (g *group) newSlot(key int64) int {
	g.stats = append(g.stats, Stat{Key: key})
	g.frN, g.resN = append(g.frN, 0), append(g.resN, 0)
	return len(g.stats) - 1
}

// add counts a ticket of key with its times (-1: none) and its targets' outcomes.
func (g *group) add(key int64, fr, res int32, frO, resO uint8) {
	i := g.slotOf(key)
	s := &g.stats[i]
	s.N++
	if fr >= 0 {
		g.frN[i]++
	}
	if res >= 0 {
		g.resN[i]++
	}
	switch frO {
	case slaMet:
		s.FRMet++
	case slaMissed:
		s.FRMissed++
	}
	switch resO {
	case slaMet:
		s.ResMet++
	case slaMissed:
		s.ResMissed++
	}
	g.rows = append(g.rows, int32(i))
}

// outcome is a clock's outcome at now: an open clock past its due time is missed.
func outcome(sla uint8, due, now int64) uint8 {
	if sla == slaOpen && due != 0 && due <= now {
		return slaMissed
	}
	return sla
}

// done works out each slot's distributions from the times of the tickets added (fr and
// res, in the order they were added), placing them by slot in buf.
func (g *group) done(fr, res, buf []int32) []Stat {
	place := func(vals []int32, counts []int, set func(*Stat, Dist)) {
		offs := make([]int, len(counts)+1)
		for i, c := range counts {
			offs[i+1] = offs[i] + c
		}
		pos := slices.Clone(offs[:len(counts)])
		b := buf[:offs[len(counts)]]
		for r, v := range vals {
			if v >= 0 {
				s := g.rows[r]
				b[pos[s]] = v
				pos[s]++
			}
		}
		for i := range counts {
			set(&g.stats[i], dist(b[offs[i]:offs[i+1]]))
		}
	}
	place(fr, g.frN, func(s *Stat, d Dist) { s.FR = d })
	place(res, g.resN, func(s *Stat, d Dist) { s.Res = d })
	return g.stats
}

// scratch is the memory one computation works in, kept for the next.
type scratch struct {
	fr, res, buf []int32
	rows         [6][]int32
}

var scratches = sync.Pool{New: func() any { return &scratch{} }}

func grow(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, 0, n)
	}
	return s[:0]
}

// dist is the distribution of vs (which it reorders).
func dist(vs []int32) Dist {
	n := len(vs)
	if n == 0 {
		return Dist{}
	}
	k90 := rank(n, 90)
	p90 := selectK(vs, k90-1)
	k50 := rank(n, 50)
	p50 := selectK(vs[:k90], k50-1)
	return Dist{N: n, P50: p50, P90: p90}
}

// rank is the nearest rank of the p-th percentile of n values, 1 to n.
func rank(n, p int) int {
	return max(1, (p*n+99)/100)
}

// selectK puts the k-th smallest of vs (from 0) at vs[k], the smaller before it, and
// returns it (Hoare's selection, median of three).
func selectK(vs []int32, k int) int32 {
	lo, hi := 0, len(vs)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if vs[mid] < vs[lo] {
			vs[mid], vs[lo] = vs[lo], vs[mid]
		}
		if vs[hi] < vs[lo] {
			vs[hi], vs[lo] = vs[lo], vs[hi]
		}
		if vs[hi] < vs[mid] {
			vs[hi], vs[mid] = vs[mid], vs[hi]
		}
		pivot := vs[mid]
		i, j := lo, hi
		for i <= j {
			for vs[i] < pivot {
				i++
			}
			for vs[j] > pivot {
				j--
			}
			if i <= j {
				vs[i], vs[j] = vs[j], vs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return vs[k]
		}
	}
	return vs[k]
}

// compute works out the figures of q from the copy s at now, weeks and days in loc;
// chatTarget is the chat wait target in seconds.
func compute(s *snapshot, q Query, now time.Time, loc *time.Location, chatTarget int32) Figures {
	var fig Figures
	from, to := q.From.Unix(), q.To.Unix()
	lo, _ := slices.BinarySearchFunc(s.tickets, from, func(f fact, t int64) int { return cmp.Compare(f.created, t) })
	hi, _ := slices.BinarySearchFunc(s.tickets, to, func(f fact, t int64) int { return cmp.Compare(f.created, t) })
	prio := indexOf(priorities, q.Priority)
	nowUnix := now.Unix()

	weeks := weekStarts(q.From, q.To, loc)
	fig.Weekly = weeks
	weekUnix := make([]int64, len(weeks))
	for i, w := range weeks {
		weekUnix[i] = w.Unix()
	}
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	n := hi - lo
	sc.fr, sc.res, sc.buf = grow(sc.fr, n), grow(sc.res, n), grow(sc.buf, n)[:n]
	for k := range sc.rows {
		sc.rows[k] = grow(sc.rows[k], n)
	}
	total, teams, agents, prios, orgs, weekly := newGroup(sc.rows[0]), newGroup(sc.rows[1]), newGroup(sc.rows[2]),
		newGroup(sc.rows[3]), newGroup(sc.rows[4]), newGroup(sc.rows[5])
	channelN := make([]int, len(channels)+1)
	categories := newGroup(nil) // counts only: its slots' N
	w := 0
	for i := lo; i < hi; i++ {
		f := &s.tickets[i]
		if !q.matches(f, prio) {
			continue
		}
		frO, resO := outcome(f.frSLA, f.frDue, nowUnix), outcome(f.resSLA, f.resDue, nowUnix)
		sc.fr, sc.res = append(sc.fr, f.fr), append(sc.res, f.res)
		total.add(0, f.fr, f.res, frO, resO)
		teams.add(int64(f.team), f.fr, f.res, frO, resO)
		agents.add(int64(f.agent), f.fr, f.res, frO, resO)
		prios.add(int64(f.prio), f.fr, f.res, frO, resO)
		orgs.add(int64(f.org), f.fr, f.res, frO, resO)
		w = periodOf(weekUnix, w, f.created)
		weekly.add(int64(w), f.fr, f.res, frO, resO)
		channelN[f.channel]++
		categories.stats[categories.slotOf(int64(f.category))].N++
	}
	for k, g := range []*group{total, teams, agents, prios, orgs, weekly} {
		sc.rows[k] = g.rows // kept, grown or not, for the next computation
	}
	done := func(g *group) []Stat { return g.done(sc.fr, sc.res, sc.buf) }
	if ts := done(total); len(ts) > 0 {
		fig.Total = ts[0]
	}
	byN := func(a, b Stat) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	}
	byKey := func(a, b Stat) int { return cmp.Compare(a.Key, b.Key) }
	fig.Teams = slices.SortedFunc(slices.Values(done(teams)), byN)
	fig.Agents = slices.SortedFunc(slices.Values(done(agents)), byN)
	fig.Priorities = slices.SortedFunc(slices.Values(done(prios)), byKey)
	fig.Orgs = slices.SortedFunc(slices.Values(done(orgs)), byN)
	// Every week of the range, also those without tickets.
	ws := done(weekly)
	fig.Weeks = make([]Stat, len(weeks))
	for i := range fig.Weeks {
		fig.Weeks[i].Key = int64(i)
	}
	for _, st := range ws {
		fig.Weeks[st.Key] = st
	}
	for i, n := range channelN {
		if n > 0 && i < len(channels) {
			fig.Channels = append(fig.Channels, Count{Key: int64(i), N: n})
		}
	}
	for _, st := range categories.stats {
		fig.Categories = append(fig.Categories, Count{Key: st.Key, N: st.N})
	}
	slices.SortFunc(fig.Categories, func(a, b Count) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	fig.Backlog, fig.BacklogDaily = backlog(s, q, prio, loc)
	fig.Chat, fig.ChatWeeks = chats(s, q, weekUnix, chatTarget)
	return fig
}

// backlogDays is the longest range whose backlog is shown per day; longer ones per week.
const backlogDays = 92

// backlog counts the tickets open at the end of each day (each week for a long range):
// created before it, and not resolved by then.
func backlog(s *snapshot, q Query, prio uint8, loc *time.Location) ([]Point, bool) {
	starts := periodsOf(q, loc)
	daily := q.To.Sub(q.From) <= backlogDays*24*time.Hour+time.Hour
	if len(starts) == 0 {
		return nil, daily
	}
	// Period p ends at ends[p]; a ticket is open at that end if it was created before it
	// and resolved after it, or not at all.
	ends := make([]int64, len(starts))
	for i := range starts {
		if i+1 < len(starts) {
			ends[i] = starts[i+1].Unix()
		} else {
			ends[i] = q.To.Unix()
		}
	}
	out := make([]Point, len(starts))
	if q.Team == 0 && q.Priority == "" && q.OrgID == 0 {
		// Every ticket: those created before each end less those resolved by then.
		for i, e := range ends {
			created, _ := slices.BinarySearchFunc(s.tickets, e, func(f fact, t int64) int { return cmp.Compare(f.created, t) })
			resolved, _ := slices.BinarySearch(s.resolved, e+1)
			out[i] = Point{Start: starts[i], N: created - resolved}
		}
		return out, daily
	}
	diff := make([]int, len(ends)+1)
	first, last := ends[0], ends[len(ends)-1]
	for i := range s.tickets {
		f := &s.tickets[i]
		if f.created >= last {
			break
		}
		if f.resolved != 0 && f.resolved <= first || !q.matches(f, prio) {
			continue
		}
		// The first end after its creation, and the first end at or after its resolution.
		a, _ := slices.BinarySearch(ends, f.created+1)
		b := len(ends)
		if f.resolved != 0 {
			b, _ = slices.BinarySearch(ends, f.resolved)
		}
		if a < b {
			diff[a]++
			diff[b]--
		}
	}
	n := 0
	for i := range starts {
		n += diff[i]
		out[i] = Point{Start: starts[i], N: n}
	}
	return out, daily
}

// chats works out the chats' figures: those begun in the range, of the organisation
// filtered on (a chat has no team or priority), in total and per week.
func chats(s *snapshot, q Query, weekUnix []int64, target int32) (ChatStat, []ChatStat) {
	from, to := q.From.Unix(), q.To.Unix()
	lo, _ := slices.BinarySearchFunc(s.chats, from, func(f chatFact, t int64) int { return cmp.Compare(f.created, t) })
	var waits, lengths []int32
	perWeek := make([]ChatStat, len(weekUnix))
	weekWaits, weekLengths := make([][]int32, len(weekUnix)), make([][]int32, len(weekUnix))
	var total ChatStat
	w := 0
	for i := lo; i < len(s.chats) && s.chats[i].created < to; i++ {
		c := &s.chats[i]
		if q.OrgID != 0 && int64(c.org) != q.OrgID {
			continue
		}
		w = periodOf(weekUnix, w, c.created)
		total.N++
		perWeek[w].N++
		if c.wait >= 0 {
			total.Answered++
			perWeek[w].Answered++
			waits = append(waits, c.wait)
			weekWaits[w] = append(weekWaits[w], c.wait)
			if c.wait <= target {
				total.WithinTarget++
				perWeek[w].WithinTarget++
			}
		}
		if c.duration >= 0 {
			lengths = append(lengths, c.duration)
			weekLengths[w] = append(weekLengths[w], c.duration)
		}
	}
	total.Wait, total.Duration = dist(waits), dist(lengths)
	for i := range perWeek {
		perWeek[i].Key = int64(i)
		perWeek[i].Wait, perWeek[i].Duration = dist(weekWaits[i]), dist(weekLengths[i])
	}
	return total, perWeek
}
