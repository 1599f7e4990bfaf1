// Package calendar is Tugi's business-hours arithmetic: whether support is open at an
// instant, when it opens next, how much open time lies between two instants, and the instant
// at which a given amount of open time has passed. SLA clocks are built on it.
//
// It is pure: no database, no HTTP, no clock. Its only input from outside is the time zone
// database, which time.LoadLocation reads from the system or, where the system has none,
// from the copy embedded here with time/tzdata.
//
// # Wall-clock hours and daylight saving time
//
// Opening hours are wall-clock times in the calendar's zone, and every answer is in real
// elapsed time. A wall-clock time stands for the first instant at which the zone's clocks
// show that time or a later one:
//   - a time that does not exist, because clocks go forward past it, is the instant of the
//     change: in Tallinn on the last Sunday of March, clocks go from 03:00 EET to 04:00 EEST,
//     so "03:30" that day is 04:00 EEST;
//   - a time that happens twice, because clocks go back, is its first occurrence: on the last
//     Sunday of October, "03:30" is 03:30 EEST, not the 03:30 EET an hour later.
//
// An interval counts the real time between its ends, so "00:00-24:00" lasts 23 hours on the
// day clocks go forward and 25 on the day they go back, "02:00-05:00" lasts 2 and 4 hours.
// (time.Date leaves the choice for such times unspecified; this rule is fixed and makes the
// wall-to-instant mapping monotonic.) Estonia changes at 03:00/04:00, outside the default
// hours, so Default is unaffected.
//
// # Years covered
//
// The calendar covers the years 1 to 9998 in its zone; before and after them it is closed.
// When NextOpen or Add find no answer in that range — or none in 400 years in a row without
// any open time, or none after the last extra opening of a calendar without weekly hours —
// they return Never.
package calendar

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the same answers on a machine without a zone database
)

// Calendar answers questions about one configured set of opening hours. It is immutable
// and safe for use by many goroutines at once; build it with New or Default.
type Calendar struct {
	cfg         Config
	loc         *time.Location
	week        [7][]wallSpan // by time.Weekday
	holidays    []holidayRule
	shortened   []shortenedRule
	exceptions  map[int64]*exception // by day number (days from 1970-01-01)
	weeklyEmpty bool                 // no weekly hours: open only on extra openings
	lastOpening int                  // the year of the last extra opening

	// cache holds the open intervals of the years from cacheFirstYear, each built on first
	// use. Entries are only ever set once, from nil, to a table that is never changed.
	cache [cacheYears]atomic.Pointer[yearTable]
	edges [2]atomic.Pointer[yearTable] // the tables of firstYear and lastYear
	// totals holds the open time of every year covered, once worked out; allocated on first
	// use of a year outside the cache.
	totals atomic.Pointer[yearTotals]
}

type holidayRule struct {
	name string
	when dayRule
}

type shortenedRule struct {
	name  string
	when  dayRule
	hours []wallSpan
	text  []string
}

// exception gathers the closures and openings of one date.
type exception struct {
	closedAllDay bool
	closedBy     int // index in Config.Closures of a whole-day closure
	closed, open []wallSpan
}

// Interval is a half-open stretch of time [Start, End).
type Interval struct {
	Start, End time.Time
}

// Duration returns the length of the interval.
func (i Interval) Duration() time.Duration { return i.End.Sub(i.Start) }

// Holiday is a day on which a holiday or shortened-day rule takes effect, for display.
type Holiday struct {
	Date Date
	Name string
	// Hours are the opening hours of a shortened day, as configured ("09:00-14:00"); nil
	// when support is closed all day.
	Hours []string
}

// Shortened reports whether support opens for fewer hours on the day, rather than closing.
func (h Holiday) Shortened() bool { return len(h.Hours) > 0 }

// Never is what NextOpen and Add return when the calendar does not open (enough) again:
// 9999-12-31 23:59:59 UTC, after every instant the calendar covers. Being a real, late
// time, it compares after every deadline, so a check such as now.After(deadline) stays
// false, and it still formats as RFC 3339.
func Never() time.Time { return time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) }

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := New(DefaultConfig())
	if err != nil {
		panic("calendar: the default config is invalid: " + err.Error())
	}
	return c
})

// Default returns the vendor's support calendar, built from DefaultConfig. Every call
// returns the same Calendar, so the years it has worked out are shared.
func Default() *Calendar { return defaultCalendar() }

// New checks cfg and builds its Calendar. Its error is a *ConfigError that names every bad
// field. A calendar must open on some weekday or have an extra opening.
func New(cfg Config) (*Calendar, error) {
	cfg = cfg.clone()
	c := &Calendar{cfg: cfg, exceptions: map[int64]*exception{}, weeklyEmpty: true}
	var ck checker

	switch tz := cfg.TimeZone; tz {
	case "":
		ck.bad("time_zone", `required, e.g. "Europe/Tallinn"`)
	case "Local":
		ck.bad("time_zone", `"Local" depends on the machine: name a zone such as "Europe/Tallinn"`)
	default:
		if loc, err := time.LoadLocation(tz); err != nil {
			ck.bad("time_zone", "%q is not a known time zone", tz)
		} else {
			c.loc = loc
		}
	}

	for i := range 7 {
		d := time.Weekday((i + 1) % 7) // Monday first, as people read a week
		c.week[d] = ck.hours("weekly."+strings.ToLower(d.String()), cfg.Weekly.Hours(d))
		if len(c.week[d]) > 0 {
			c.weeklyEmpty = false
		}
	}

	ck.count("holidays", len(cfg.Holidays))
	for i, h := range cfg.Holidays {
		f := fmt.Sprintf("holidays[%d]", i)
		ck.name(f+".name", h.Name)
		r, err := parseDayRule(h.Date)
		if err != nil {
			ck.bad(f+".date", "%v", err)
		}
		c.holidays = append(c.holidays, holidayRule{name: h.Name, when: r})
	}

	ck.count("shortened_days", len(cfg.ShortenedDays))
	for i, s := range cfg.ShortenedDays {
		f := fmt.Sprintf("shortened_days[%d]", i)
		ck.name(f+".name", s.Name)
		r, err := parseDayRule(s.Date)
		if err != nil {
			ck.bad(f+".date", "%v", err)
		}
		if len(s.Hours) == 0 {
			ck.bad(f+".hours", `required: the hours of the shortened day, e.g. "09:00-14:00"`)
		}
		c.shortened = append(c.shortened, shortenedRule{name: s.Name, when: r, hours: ck.hours(f+".hours", s.Hours), text: s.Hours})
	}

	// exceptionOn returns the exception of a date and its year, creating it; nil when the
	// date is bad.
	exceptionOn := func(f string, x Exception) (*exception, int) {
		if len(x.Note) > 200 {
			ck.bad(f+".note", "longer than 200 bytes")
		}
		d, err := ParseDate(x.Date)
		if err != nil {
			ck.bad(f+".date", "%v", err)
			return nil, 0
		}
		e := c.exceptions[d.days()]
		if e == nil {
			e = &exception{}
			c.exceptions[d.days()] = e
		}
		return e, d.Year
	}
	ck.count("closures", len(cfg.Closures))
	for i, x := range cfg.Closures {
		f := fmt.Sprintf("closures[%d]", i)
		hours := ck.hours(f+".hours", x.Hours)
		if e, _ := exceptionOn(f, x); e != nil {
			if len(x.Hours) == 0 && !e.closedAllDay {
				e.closedAllDay, e.closedBy = true, i
			}
			e.closed = union(e.closed, hours)
		}
	}
	ck.count("openings", len(cfg.Openings))
	for i, x := range cfg.Openings {
		f := fmt.Sprintf("openings[%d]", i)
		if len(x.Hours) == 0 {
			ck.bad(f+".hours", `required: the hours of the extra opening, e.g. "10:00-14:00"`)
		}
		hours := ck.hours(f+".hours", x.Hours)
		if e, year := exceptionOn(f, x); e != nil {
			if e.closedAllDay {
				ck.bad(f+".date", "%s is closed all day by closures[%d]", x.Date, e.closedBy)
			}
			e.open = union(e.open, hours)
			c.lastOpening = max(c.lastOpening, year)
		}
	}

	if c.weeklyEmpty && len(cfg.Openings) == 0 {
		ck.bad("weekly", "no opening hours on any day and no openings: the calendar would never be open")
	}
	if len(ck.problems) > 0 {
		return nil, &ConfigError{Problems: ck.problems}
	}
	return c, nil
}

// Config returns a copy of the configuration the calendar was built from.
func (c *Calendar) Config() Config { return c.cfg.clone() }

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// DateOf returns the date in the calendar's zone at instant t.
func (c *Calendar) DateOf(t time.Time) Date {
	t = t.In(c.loc)
	return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

// IsOpen reports whether support is open at instant t. Opening hours are half-open: open
// at 09:00, closed at 17:00.
func (c *Calendar) IsOpen(t time.Time) bool {
	sec := t.Unix()
	y := c.tableAt(sec)
	i := y.search(sec)
	return i < len(y.spans) && sec >= y.spans[i].start
}

// NextOpen returns the earliest instant at or after t at which support is open: t itself
// when it is open, Never when it never opens again. The result is in t's location.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	sec := t.Unix()
	y := c.tableAt(sec)
	if i := y.search(sec); i < len(y.spans) {
		if sec >= y.spans[i].start {
			return t
		}
		return time.Unix(y.spans[i].start, 0).In(t.Location())
	}
	year, _, ok := c.searchAfter(y.year, 0, false)
	if !ok {
		return Never()
	}
	return time.Unix(c.year(year).spans[0].start, 0).In(t.Location())
}

// Add returns the earliest instant u at or after start such that Between(start, u) == d:
// the moment d of open time after start has passed. So
//   - Add(start, 0) is start, even when support is closed then, and so is Add with d < 0;
//   - when support is closed at start, counting starts at NextOpen(start);
//   - when d runs out exactly at closing time, the result is the closing time (17:00), not
//     the next opening.
//
// When the calendar does not open for d more in the years it covers, Add returns Never.
// The result is in start's location.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	sec, nsec := start.Unix(), int64(start.Nanosecond())
	y := c.tableAt(sec)
	before, left := y.openBefore(sec, nsec), int64(d)
	if avail := y.total() - before; left > avail {
		year, rest, ok := c.searchAfter(y.year, left-avail, true)
		if !ok {
			return Never()
		}
		y, before, left = c.year(year), 0, rest
	}
	s, ns := y.locate(before + left)
	return time.Unix(s, ns).In(start.Location())
}

// Between returns the open time in [from, to), 0 when to is not after from. It saturates
// at the largest Duration (about 292 years of open time).
//
// The open intervals of the years 1900 to 2299 are worked out once and kept. A span over
// other years costs about 20 µs for each such year the first time it is asked (only their
// totals are kept), so Between(t, Never()) is slow once, then fast.
func (c *Calendar) Between(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	fs, ts := from.Unix(), to.Unix()
	fy, ty := c.tableAt(fs), c.tableAt(ts)
	a := fy.openBefore(fs, int64(from.Nanosecond()))
	b := ty.openBefore(ts, int64(to.Nanosecond()))
	if fy.year == ty.year {
		return time.Duration(b - a)
	}
	sum := fy.total() - a
	for year := fy.year + 1; year < ty.year; year++ {
		sum = addSat(sum, c.total(year))
	}
	return time.Duration(addSat(sum, b))
}

func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// Day returns the open intervals of date d, in the calendar's zone, in order; nil when
// support is closed all day. An interval open past midnight is cut at midnight.
func (c *Calendar) Day(d Date) []Interval {
	n := d.days()
	year, _, _ := civilFromDays(n)
	if year < firstYear || year > lastYear {
		return nil
	}
	y := c.year(year)
	r := resolver{ps: zonePeriods(c.loc, n*secondsPerDay-2*secondsPerDay, (n+3)*secondsPerDay)}
	lo, hi := r.at(n*secondsPerDay), r.at((n+1)*secondsPerDay)
	var out []Interval
	for i := y.search(lo); i < len(y.spans) && y.spans[i].start < hi; i++ {
		s, e := max(y.spans[i].start, lo), min(y.spans[i].end, hi)
		out = append(out, Interval{Start: time.Unix(s, 0).In(c.loc), End: time.Unix(e, 0).In(c.loc)})
	}
	return out
}

// Holidays lists, in date order, the holidays of year and the shortened days that take
// effect in it (those that fall on a working day). A holiday is listed even when it falls
// on a day that is closed anyway. Extra closures and openings are not listed: Day shows
// their effect.
func (c *Calendar) Holidays(year int) []Holiday {
	r := c.rulesOf(year)
	easter := Easter(year).days()
	var out []Holiday
	for _, h := range c.holidays {
		if n, ok := h.when.in(year, easter); ok {
			out = append(out, Holiday{Date: dateOfDays(n), Name: h.name})
		}
	}
	for _, s := range r.short {
		rule := c.shortened[s.rule]
		out = append(out, Holiday{Date: dateOfDays(s.day), Name: rule.name, Hours: slices.Clone(rule.text)})
	}
	slices.SortStableFunc(out, func(a, b Holiday) int { return int(a.Date.days() - b.Date.days()) })
	return out
}
