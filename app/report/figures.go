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

// outcome is a clock's outcome at now: an open clock past its due time is missed.
func outcome(sla uint8, due, now int64) uint8 {
	if sla == slaOpen && due != 0 && due <= now {
		return slaMissed
	}
	return sla
}

// A ticket's class is what a grouping's counts take from it: whether it has a first
// response, whether it has a resolution time (bits 1 and 2), and each target's outcome,
// met, missed or neither (times 4 for the first response's, times 12 for the
// resolution's). A computation counts each slot's tickets by class.
const classes = 2 * 2 * 3 * 3

func decided(o uint8) int {
	switch o {
	case slaMet:
		return 1
	case slaMissed:
		return 2
	}
	return 0
}

func classOf(f *fact, now int64) int {
	c := 4*decided(outcome(f.frSLA, f.frDue, now)) + 12*decided(outcome(f.resSLA, f.resDue, now))
	if f.fr >= 0 {
		c |= 1
	}
	if f.res >= 0 {
		c |= 2
	}
	return c
}

// statOf adds up a slot's counts by class.
func statOf(counts []int32) Stat {
	var st Stat
	for c, v := range counts {
		if v == 0 {
			continue
		}
		n := int(v)
		st.N += n
		if c&1 != 0 {
			st.FR.N += n
		}
		if c&2 != 0 {
			st.Res.N += n
		}
		switch c / 4 % 3 {
		case 1:
			st.FRMet += n
		case 2:
			st.FRMissed += n
		}
		switch c / 12 {
		case 1:
			st.ResMet += n
		case 2:
			st.ResMissed += n
		}
	}
	return st
}

// A row is a ticket of the range as a computation keeps it: its slot in each grouping but
// the total (team, agent, priority, organisation, week), or 0 first when the query's
// filters leave it out. Slots are 16-bit numbers when there are few enough of them (the
// rows of a year are written once and read twice in another order: fewer bytes, less
// waiting for memory), else 32-bit.
type slotNumber interface{ uint16 | uint32 }

// scratch is the memory one computation works in, kept for the next.
type scratch struct {
	rows16     [][5]uint16
	rows32     [][5]uint32
	counts     []int32 // by slot and class
	stats      []Stat  // by slot
	seen, next []int32 // by slot: times counted, the rank to note next
	sorted     []uint64
	order      []int32 // places in order of a time
}

var scratches = sync.Pool{New: func() any { return &scratch{} }}

// grow returns s with length n, reusing its memory when it has room.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// layout is where each grouping's slots begin, and what a computation counts.
type layout struct {
	lo, hi                              int // the range's places in the copy
	team, agent, prio, org, week, slots int
	weekUnix                            []int64
	prioIndex                           uint8
	now                                 int64
	channelN, categoryN                 []int
}

// tally puts each ticket of the range in its slots (rows, by place from l.lo) and counts
// it by class in sc.counts, and by channel and category.
func tally[S slotNumber](s *snapshot, q Query, l *layout, sc *scratch, rows [][5]S) {
	w := 0
	for i := l.lo; i < l.hi; i++ {
		f, r := &s.tickets[i], &rows[i-l.lo]
		if !q.matches(f, l.prioIndex) {
			r[0] = 0
			continue
		}
		k := &s.keys[i]
		w = periodOf(l.weekUnix, w, f.created)
		*r = [5]S{S(l.team + int(k.team)), S(l.agent + int(k.agent)), S(l.prio + int(f.prio)), S(l.org + int(k.org)), S(l.week + w)}
		c := classOf(f, l.now)
		sc.counts[c]++
		for _, slot := range r {
			sc.counts[int(slot)*classes+c]++
		}
		l.channelN[f.channel]++
		l.categoryN[k.category]++
	}
}

// slotted works out each slot's figures, the range's rows kept in rows.
func slotted[S slotNumber](s *snapshot, q Query, l *layout, sc *scratch, rows [][5]S) {
	tally(s, q, l, sc, rows)
	for i := range sc.stats {
		sc.stats[i] = statOf(sc.counts[i*classes : (i+1)*classes])
	}
	percentiles(s, l.lo, sc, rows, s.byFR, func(st *Stat) *Dist { return &st.FR }, func(f *fact) int32 { return f.fr })
	percentiles(s, l.lo, sc, rows, s.byRes, func(st *Stat) *Dist { return &st.Res }, func(f *fact) int32 { return f.res })
}

// percentiles works out the median and 90th percentile of each slot's times (the slot
// has distOf(slot).N of them; timeOf(f) is a ticket's, -1: none): it counts the range's
// tickets in order of their time, each in its slots, and notes a slot's time when its
// count reaches the rank of a percentile. by is every ticket of the copy with a time, in
// order of it (places in s.tickets); a range of few tickets sorts its own instead.
func percentiles[S slotNumber](s *snapshot, lo int, sc *scratch, rows [][5]S, by []int32, distOf func(*Stat) *Dist, timeOf func(*fact) int32) {
	n := len(rows)
	var order []int32
	if n*sortOwnBelow < len(by) {
		sc.sorted = sc.sorted[:0]
		for i := range rows {
			if t := timeOf(&s.tickets[lo+i]); t >= 0 && rows[i][0] != 0 {
				sc.sorted = append(sc.sorted, uint64(t)<<32|uint64(lo+i))
			}
		}
		slices.Sort(sc.sorted)
		order = grow(sc.order, len(sc.sorted))
		for i, v := range sc.sorted {
			order[i] = int32(uint32(v))
		}
	} else {
		// The range's places in by, kept without a branch (which would guess wrong
		// every other time).
		order = grow(sc.order, len(by))
		j := 0
		for _, p := range by {
			i := int(p) - lo
			order[j] = p
			j += 1 - int((uint(i)|uint(n-1-i))>>63)
		}
		order = order[:j]
	}
	sc.order = order
	stats := sc.stats
	seen, next := grow(sc.seen, len(stats)), grow(sc.next, len(stats))
	sc.seen, sc.next = seen, next
	clear(seen)
	for i := range stats {
		next[i] = int32(rank(distOf(&stats[i]).N, 50))
	}
	// note sets the percentile of rank seen[slot] of a slot to t.
	note := func(slot int, t int32) {
		d := distOf(&stats[slot])
		k := seen[slot]
		if k == int32(rank(d.N, 50)) {
			d.P50 = t
		}
		next[slot] = int32(rank(d.N, 90))
		if k == next[slot] {
			d.P90 = t
			next[slot] = 0 // no more
		}
	}
	total := int32(0) // the total's count, seen[0]
	for _, p := range order {
		r := &rows[int(p)-lo]
		if r[0] == 0 {
			continue
		}
		if total++; total == next[0] {
			seen[0] = total
			note(0, timeOf(&s.tickets[p]))
		}
		for _, slot := range r {
			if seen[slot]++; seen[slot] == next[slot] {
				note(int(slot), timeOf(&s.tickets[p]))
			}
		}
	}
}

// sortOwnBelow: a range with fewer tickets than the copy's times by this factor sorts its
// own times rather than reading the copy's every time in order (at a million tickets, 30
// days, 28,000, read the order in about 2.5 ms of CPU and sorted their own in 3).
const sortOwnBelow = 64

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

	weeks := weekStarts(q.From, q.To, loc)
	fig.Weekly = weeks
	weekUnix := make([]int64, len(weeks))
	for i, w := range weeks {
		weekUnix[i] = w.Unix()
	}
	// The slots: the total, then each team, agent, priority (a byte), organisation and
	// week, by their small numbers.
	l := &layout{lo: lo, hi: hi, weekUnix: weekUnix, prioIndex: prio, now: now.Unix(), team: 1,
		channelN: make([]int, len(channels)+1), categoryN: make([]int, len(s.categories))}
	l.agent = l.team + len(s.teams)
	l.prio = l.agent + len(s.agents)
	l.org = l.prio + 256
	l.week = l.org + len(s.orgs)
	l.slots = l.week + len(weeks)

	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	sc.counts = grow(sc.counts, l.slots*classes)
	clear(sc.counts)
	sc.stats = grow(sc.stats, l.slots)
	if l.slots <= 1<<16 {
		sc.rows16 = grow(sc.rows16, hi-lo)
		slotted(s, q, l, sc, sc.rows16)
	} else {
		sc.rows32 = grow(sc.rows32, hi-lo)
		slotted(s, q, l, sc, sc.rows32)
	}
	fig.Total = sc.stats[0]
	// of returns the slots from at with tickets, keyed by key.
	of := func(at, n int, key func(int) int64) []Stat {
		var out []Stat
		for i, st := range sc.stats[at : at+n] {
			if st.N > 0 {
				st.Key = key(i)
				out = append(out, st)
			}
		}
		return out
	}
	idOf := func(ids []int64) func(int) int64 { return func(i int) int64 { return ids[i] } }
	place := func(i int) int64 { return int64(i) }
	byN := func(a, b Stat) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	}
	fig.Teams = of(l.team, len(s.teams), idOf(s.teams))
	fig.Agents = of(l.agent, len(s.agents), idOf(s.agents))
	fig.Priorities = of(l.prio, 256, place)
	fig.Orgs = of(l.org, len(s.orgs), idOf(s.orgs))
	for _, ss := range [][]Stat{fig.Teams, fig.Agents, fig.Orgs} {
		slices.SortFunc(ss, byN)
	}
	// Every week of the range, also those without tickets.
	fig.Weeks = make([]Stat, len(weeks))
	for i := range fig.Weeks {
		fig.Weeks[i] = sc.stats[l.week+i]
		fig.Weeks[i].Key = int64(i)
	}
	for i, n := range l.channelN {
		if n > 0 && i < len(channels) {
			fig.Channels = append(fig.Channels, Count{Key: int64(i), N: n})
		}
	}
	for i, n := range l.categoryN {
		if n > 0 {
			fig.Categories = append(fig.Categories, Count{Key: s.categories[i], N: n})
		}
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
