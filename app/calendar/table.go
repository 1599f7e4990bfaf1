package calendar

import (
	"math"
	"sync/atomic"
	"time"
)

// The open time of a calendar is worked out a year at a time, as a yearTable: the year's
// open intervals as Unix seconds, with a running total. Between is then two binary searches
// and a sum of yearly totals; Add is a binary search on the running total. Neither walks
// minutes or days, and neither allocates once the years involved are cached.
//
// The tables of the years cacheFirstYear to cacheFirstYear+cacheYears-1 are kept, and of
// the first and last years covered, each built on first use and published with a compare-and-swap (two goroutines may both build
// one; both build the same table and one is kept). Other years are built on each use and
// not kept, so that no input can make a calendar hold an unbounded amount of memory.
const (
	cacheFirstYear = 1900
	cacheYears     = 400

	firstYear = 1    // the calendar is closed before this year in its zone
	lastYear  = 9998 // and after this one, so that every answer comes before Never

	// maxClosedYears ends a search for open time after so many years in a row without any.
	maxClosedYears = 400
)

// span is a stretch of open time [start, end) in Unix seconds.
type span struct{ start, end int64 }

type yearTable struct {
	year       int
	start, end int64  // the first instant of the year and of the next one, Unix seconds
	spans      []span // in order, disjoint and not touching
	cum        []int64
}

// total returns the open time of the whole year in nanoseconds (at most 366 days, far from
// overflowing).
func (y *yearTable) total() int64 { return y.cum[len(y.spans)] }

// search returns the index of the first span that ends after second sec: the span that
// holds an instant within that second, or the next one.
func (y *yearTable) search(sec int64) int {
	lo, hi := 0, len(y.spans)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if y.spans[m].end > sec {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// openBefore returns the open time, in nanoseconds, from the start of the year to the
// instant sec+nsec (any instant: before the year it is 0, after it the total).
func (y *yearTable) openBefore(sec, nsec int64) int64 {
	i := y.search(sec)
	if i == len(y.spans) {
		return y.total()
	}
	s := y.spans[i]
	if sec < s.start {
		return y.cum[i]
	}
	return y.cum[i] + (sec-s.start)*int64(time.Second) + nsec
}

// locate returns the earliest instant, as seconds and nanoseconds to add, by which the
// year has been open for target nanoseconds, 0 < target <= total.
func (y *yearTable) locate(target int64) (sec, nsec int64) {
	lo, hi := 0, len(y.spans)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if y.cum[m+1] >= target {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return y.spans[lo].start, target - y.cum[lo]
}

// year returns the table of year, from the cache when it is in its range.
func (c *Calendar) year(year int) *yearTable {
	var p *atomic.Pointer[yearTable]
	switch i := year - cacheFirstYear; {
	case uint(i) < cacheYears:
		p = &c.cache[i]
	case year == firstYear: // where time.Time{} and other early instants land
		p = &c.edges[0]
	case year == lastYear: // where Never and later instants land
		p = &c.edges[1]
	default:
		return c.buildYear(year)
	}
	if y := p.Load(); y != nil {
		return y
	}
	y := c.buildYear(year)
	if p.CompareAndSwap(nil, y) {
		return y
	}
	return p.Load()
}

// tableAt returns the table of the year that holds Unix second sec in the calendar's zone,
// or of the first or last year covered when sec lies outside them.
func (c *Calendar) tableAt(sec int64) *yearTable {
	guess, _, _ := civilFromDays(floorDiv(sec, secondsPerDay)) // the year in UTC: at most one off
	guess = min(max(guess, firstYear), lastYear)
	y := c.year(guess)
	switch {
	case sec < y.start && guess > firstYear:
		return c.year(guess - 1)
	case sec >= y.end && guess < lastYear:
		return c.year(guess + 1)
	}
	return y
}

// yearTotals holds, for each year covered, 1 + its open time in nanoseconds, or 0 while
// not yet worked out.
type yearTotals [lastYear + 1]atomic.Int64

// total returns the open time of year (firstYear..lastYear) in nanoseconds. Totals of years
// outside the cached tables are kept too, 8 bytes a year, so that Between over centuries
// (to Never, say) or a huge Add is slow only the first time.
func (c *Calendar) total(year int) int64 {
	if uint(year-cacheFirstYear) < cacheYears || year == firstYear || year == lastYear {
		return c.year(year).total()
	}
	all := c.totals.Load()
	if all == nil {
		c.totals.CompareAndSwap(nil, new(yearTotals))
		all = c.totals.Load()
	}
	if v := all[year].Load(); v != 0 {
		return v - 1
	}
	t := c.buildYear(year).total()
	all[year].Store(t + 1)
	return t
}

// searchAfter walks the years after year and returns the first whose open time exceeds
// left nanoseconds or, with inclusive, reaches it, and left less the open time of the years
// passed. ok is false when the search gives up: past lastYear, past the last
// opening of a calendar without weekly hours, or after maxClosedYears years in a row
// without open time.
func (c *Calendar) searchAfter(year int, left int64, inclusive bool) (found int, rest int64, ok bool) {
	closed := 0
	for y := year + 1; y <= lastYear && closed < maxClosedYears && !(c.weeklyEmpty && y > c.lastOpening); y++ {
		t := c.total(y)
		if t > left || (inclusive && t == left && t > 0) {
			return y, left, true
		}
		left -= t
		if t == 0 {
			closed++
		} else {
			closed = 0
		}
	}
	return 0, 0, false
}

// buildYear works out the open intervals of year.
func (c *Calendar) buildYear(year int) *yearTable {
	first, next := daysFromCivil(year, 1, 1), daysFromCivil(year+1, 1, 1)
	r := resolver{ps: zonePeriods(c.loc, (first-2)*secondsPerDay, (next+2)*secondsPerDay)}
	rules := c.rulesOf(year)
	y := &yearTable{year: year, start: r.at(first * secondsPerDay)}
	for n := first; n < next; n++ {
		midnight := n * secondsPerDay
		for _, h := range c.hoursOn(n, &rules) {
			s, e := r.at(midnight+int64(h.start)), r.at(midnight+int64(h.end))
			if e <= s { // the whole interval lies in a gap skipped by a change of clocks
				continue
			}
			if k := len(y.spans); k > 0 && s <= y.spans[k-1].end {
				y.spans[k-1].end = max(y.spans[k-1].end, e)
				continue
			}
			y.spans = append(y.spans, span{s, e})
		}
	}
	y.end = r.at(next * secondsPerDay)
	y.cum = make([]int64, len(y.spans)+1)
	for i, s := range y.spans {
		y.cum[i+1] = y.cum[i] + (s.end-s.start)*int64(time.Second)
	}
	return y
}

// yearRules are the holiday and shortened-day rules worked out for one year.
type yearRules struct {
	first   int64     // day number of 1 January
	holiday [6]uint64 // bit n-first is set when a holiday falls on day n
	short   []shortDay
}

// shortDay is a shortened-day rule that takes effect on day.
type shortDay struct {
	day  int64
	rule int
}

func (r *yearRules) isHoliday(n int64) bool {
	i := n - r.first
	return i >= 0 && i < 366 && r.holiday[i/64]>>(i%64)&1 != 0
}

func (c *Calendar) rulesOf(year int) yearRules {
	r := yearRules{first: daysFromCivil(year, 1, 1)}
	easter := Easter(year).days()
	for _, h := range c.holidays {
		if n, ok := h.when.in(year, easter); ok {
			i := n - r.first
			r.holiday[i/64] |= 1 << (i % 64)
		}
	}
	// A shortened day takes effect on a working day only: one with weekly hours that is not
	// a holiday. On any other day it does nothing, and nothing moves to an earlier day.
	for i, s := range c.shortened {
		if n, ok := s.when.in(year, easter); ok && len(c.week[weekday(n)]) > 0 && !r.isHoliday(n) {
			r.short = append(r.short, shortDay{day: n, rule: i})
		}
	}
	return r
}

// hoursOn returns the opening hours of day n, by the rules in the order Config describes.
func (c *Calendar) hoursOn(n int64, r *yearRules) []wallSpan {
	h := c.week[weekday(n)]
	if r.isHoliday(n) {
		h = nil
	} else if len(h) > 0 {
		for _, s := range r.short {
			if s.day == n {
				h = c.shortened[s.rule].hours
				break
			}
		}
	}
	if e := c.exceptions[n]; e != nil {
		if e.closedAllDay {
			return nil
		}
		h = subtract(union(h, e.open), e.closed)
	}
	return h
}

// union returns the sorted, joined union of two sorted lists of disjoint intervals.
func union(a, b []wallSpan) []wallSpan {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	all := make([]wallSpan, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		var w wallSpan
		if len(b) == 0 || (len(a) > 0 && a[0].start <= b[0].start) {
			w, a = a[0], a[1:]
		} else {
			w, b = b[0], b[1:]
		}
		if k := len(all); k > 0 && w.start <= all[k-1].end {
			all[k-1].end = max(all[k-1].end, w.end)
			continue
		}
		all = append(all, w)
	}
	return all
}

// subtract returns the parts of the sorted disjoint intervals a not covered by b.
func subtract(a, b []wallSpan) []wallSpan {
	if len(b) == 0 {
		return a
	}
	var out []wallSpan
	for _, w := range a {
		for _, x := range b {
			if x.end <= w.start || x.start >= w.end {
				continue
			}
			if x.start > w.start {
				out = append(out, wallSpan{w.start, x.start})
			}
			w.start = x.end
			if w.start >= w.end {
				break
			}
		}
		if w.start < w.end {
			out = append(out, w)
		}
	}
	return out
}

// period is a stretch of time [start, end), in Unix seconds, during which the zone's
// clocks are offset seconds ahead of UTC.
type period struct{ start, end, offset int64 }

// zonePeriods returns the zone's periods that cover the Unix seconds from to to.
func zonePeriods(loc *time.Location, from, to int64) []period {
	var ps []period
	t := time.Unix(from, 0).In(loc)
	for {
		_, offset := t.Zone()
		s, e := t.ZoneBounds()
		p := period{start: math.MinInt64, end: math.MaxInt64, offset: int64(offset)}
		if !s.IsZero() {
			p.start = s.Unix()
		}
		if !e.IsZero() {
			p.end = e.Unix()
		}
		ps = append(ps, p)
		if p.end > to || p.end <= t.Unix() {
			return ps
		}
		t = e
	}
}

// resolver turns wall-clock times, as Unix seconds of the same wall time in UTC, into
// instants: the first instant at which the zone's clocks show that time or a later one (see
// the package documentation). It must be asked in non-decreasing order of wall time, and
// its periods must start at least a day before the first time asked.
type resolver struct {
	ps []period
	i  int
}

func (r *resolver) at(wall int64) int64 {
	for {
		p := r.ps[r.i]
		u := wall - p.offset
		if u < p.start {
			// The clocks went forward past wall at the start of this period; the
			// previous period ended before showing it.
			return p.start
		}
		if u < p.end || r.i == len(r.ps)-1 {
			return u
		}
		r.i++
	}
}
