package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Config describes a business calendar in a form people can read, store and edit: every
// value is a string, and ParseConfig and Config.Format convert it from and to JSON. New
// checks it and builds the Calendar.
//
// Times are wall-clock times in TimeZone, written "HH:MM"; hours are half-open intervals
// "HH:MM-HH:MM" (open at the first time, closed at the second), "24:00" may end one, and an
// interval never crosses midnight (write "22:00-24:00" on one day and "00:00-02:00" on the
// next). A list of intervals may hold several, such as a lunch break, but they must not
// overlap; intervals that touch are joined.
//
// The hours of a date come from these rules, in this order:
//
//  1. Weekly: the hours of its weekday.
//  2. Holidays: a holiday closes the whole day. Holidays are not moved when they fall on a
//     day that is closed anyway (Estonia has no substitute days).
//  3. ShortenedDays: on a working day — one with weekly hours that is not a holiday — the
//     rule's hours replace the weekly hours; on any other day the rule does nothing (it is not
//     moved to an earlier day).
//  4. Openings: their hours are added to the day's hours, even on a holiday or a weekend.
//  5. Closures: their hours, or without hours the whole day, are taken away; a closure wins
//     over an opening of the same hours.
type Config struct {
	// TimeZone is an IANA time zone name such as "Europe/Tallinn" or "UTC".
	TimeZone string `json:"time_zone"`
	// Weekly holds the opening hours of each day of an ordinary week.
	Weekly Week `json:"weekly"`
	// Holidays close every year on a date fixed or relative to Easter.
	Holidays []HolidayRule `json:"holidays,omitempty"`
	// ShortenedDays give other hours every year to a date, when it is a working day.
	ShortenedDays []ShortenedDayRule `json:"shortened_days,omitempty"`
	// Closures close support on one date, the whole day or some hours.
	Closures []Exception `json:"closures,omitempty"`
	// Openings open support on one date for some hours.
	Openings []Exception `json:"openings,omitempty"`
}

// Week holds, for each day of the week, its opening hours as "HH:MM-HH:MM" intervals. A day
// with none is closed.
type Week struct {
	Monday    []string `json:"monday,omitempty"`
	Tuesday   []string `json:"tuesday,omitempty"`
	Wednesday []string `json:"wednesday,omitempty"`
	Thursday  []string `json:"thursday,omitempty"`
	Friday    []string `json:"friday,omitempty"`
	Saturday  []string `json:"saturday,omitempty"`
	Sunday    []string `json:"sunday,omitempty"`
}

// Hours returns the opening hours of weekday d.
func (w Week) Hours(d time.Weekday) []string { return *w.day(d) }

// SetHours sets the opening hours of weekday d.
func (w *Week) SetHours(d time.Weekday, hours []string) { *w.day(d) = hours }

func (w *Week) day(d time.Weekday) *[]string {
	switch d {
	case time.Monday:
		return &w.Monday
	case time.Tuesday:
		return &w.Tuesday
	case time.Wednesday:
		return &w.Wednesday
	case time.Thursday:
		return &w.Thursday
	case time.Friday:
		return &w.Friday
	case time.Saturday:
		return &w.Saturday
	case time.Sunday:
		return &w.Sunday
	}
	panic(fmt.Sprintf("calendar: weekday %d out of range", int(d)))
}

// HolidayRule is a public holiday that closes support all day, every year.
type HolidayRule struct {
	// Name is shown to people, in English, e.g. "Good Friday".
	Name string `json:"name"`
	// Date is "MM-DD" for a fixed date ("12-24"; "02-29" is a holiday in leap years only),
	// or "easter", "easter+N" or "easter-N" for N days after or before Easter Sunday
	// ("easter-2" is Good Friday, "easter+49" Whit Sunday), N from -80 to +250 so that the
	// day falls in the same year as Easter.
	Date string `json:"date"`
}

// ShortenedDayRule gives a date other opening hours every year, if it is a working day.
type ShortenedDayRule struct {
	// Name is shown to people, in English, e.g. "New Year's Eve".
	Name string `json:"name"`
	// Date is written as in HolidayRule.
	Date string `json:"date"`
	// Hours replace the weekday's hours on that date; at least one interval.
	Hours []string `json:"hours"`
}

// Exception closes or opens support on one date.
type Exception struct {
	// Date is "YYYY-MM-DD".
	Date string `json:"date"`
	// Hours are the intervals closed or opened. A closure without hours closes the whole
	// day; an opening needs at least one interval.
	Hours []string `json:"hours,omitempty"`
	// Note says why, for people.
	Note string `json:"note,omitempty"`
}

// DefaultConfig returns the vendor's support calendar, which Default builds: Europe/Tallinn,
// Monday to Friday 09:00-17:00, closed on Estonia's public holidays, and three hours shorter
// (09:00-14:00) on the working days before New Year's Day, Independence Day, Victory Day and
// Christmas Eve.
//
// The shortened days follow the Employment Contracts Act (töölepingu seadus) § 53 (1): "the
// working day immediately preceding New Year's Day, Independence Day, Victory Day and
// Christmas Eve is shortened by three hours". Tugi reads "immediately preceding" as the
// calendar day directly before the holiday, when that day is a working day: 31 December,
// 23 February, 22 June and 23 December. When that day is a Saturday, a Sunday or a holiday,
// nothing is shortened: the rule is not moved to the Friday before.
func DefaultConfig() Config {
	weekday := []string{"09:00-17:00"}
	short := []string{"09:00-14:00"}
	return Config{
		TimeZone: "Europe/Tallinn",
		Weekly: Week{
			Monday:    slices.Clone(weekday),
			Tuesday:   slices.Clone(weekday),
			Wednesday: slices.Clone(weekday),
			Thursday:  slices.Clone(weekday),
			Friday:    slices.Clone(weekday),
		},
		// The public holidays of the Public Holidays and Days of National Importance Act
		// (pühade ja tähtpäevade seadus) § 2.
		Holidays: []HolidayRule{
			{Name: "New Year's Day", Date: "01-01"},
			{Name: "Independence Day", Date: "02-24"},
			{Name: "Good Friday", Date: "easter-2"},
			{Name: "Easter Sunday", Date: "easter"},
			{Name: "Spring Day", Date: "05-01"},
			{Name: "Whit Sunday", Date: "easter+49"},
			{Name: "Victory Day", Date: "06-23"},
			{Name: "Midsummer Day", Date: "06-24"},
			{Name: "Day of Restoration of Independence", Date: "08-20"},
			{Name: "Christmas Eve", Date: "12-24"},
			{Name: "Christmas Day", Date: "12-25"},
			{Name: "Boxing Day", Date: "12-26"},
		},
		ShortenedDays: []ShortenedDayRule{
			{Name: "Day before Independence Day", Date: "02-23", Hours: slices.Clone(short)},
			{Name: "Day before Victory Day", Date: "06-22", Hours: slices.Clone(short)},
			{Name: "Day before Christmas Eve", Date: "12-23", Hours: slices.Clone(short)},
			{Name: "New Year's Eve", Date: "12-31", Hours: slices.Clone(short)},
		},
	}
}

// maxConfigBytes and maxRules bound what ParseConfig and New accept, so that a pasted file
// cannot make building the calendar slow.
const (
	maxConfigBytes = 1 << 20
	maxRules       = 1000
)

// ParseConfig reads a Config written as JSON, as Config.Format writes it, and checks it as
// New does. Unknown fields are errors. Empty lists are read as absent.
func ParseConfig(data []byte) (Config, error) {
	if len(data) > maxConfigBytes {
		return Config{}, fmt.Errorf("calendar config: %d bytes, more than the %d allowed", len(data), maxConfigBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("calendar config: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Config{}, errors.New("calendar config: more data after the JSON object")
	}
	c = c.clone()
	if _, err := New(c); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Format writes c as indented JSON, which ParseConfig reads back to an equal Config.
func (c Config) Format() []byte {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil { // cannot happen: Config holds only strings and slices of them
		panic("calendar: formatting config: " + err.Error())
	}
	return b
}

// clone returns a deep copy of c, with empty lists as nil.
func (c Config) clone() Config {
	for d := time.Sunday; d <= time.Saturday; d++ {
		c.Weekly.SetHours(d, cloneList(c.Weekly.Hours(d)))
	}
	c.Holidays = cloneList(c.Holidays)
	c.ShortenedDays = cloneList(c.ShortenedDays)
	for i := range c.ShortenedDays {
		c.ShortenedDays[i].Hours = cloneList(c.ShortenedDays[i].Hours)
	}
	for _, list := range []*[]Exception{&c.Closures, &c.Openings} {
		*list = cloneList(*list)
		for i := range *list {
			(*list)[i].Hours = cloneList((*list)[i].Hours)
		}
	}
	return c
}

// cloneList copies s, or returns nil when it is empty.
func cloneList[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// FieldError is one problem in a Config. Field names it as a path in the JSON form, such
// as "weekly.monday[1]" or "holidays[3].date", so that a form can show Message beside it.
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// ConfigError lists every problem New found in a Config.
type ConfigError struct {
	Problems []FieldError
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("calendar config: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// wallSpan is an interval of wall-clock seconds within one day: [start, end), 0 <= start <
// end <= 86400.
type wallSpan struct{ start, end int32 }

// parseClock reads "HH:MM", 00:00 to 24:00, as seconds after midnight.
func parseClock(s string) (int32, bool) {
	if len(s) != 5 || s[2] != ':' || !digits(s[:2]) || !digits(s[3:]) {
		return 0, false
	}
	h, m := atoi(s[:2]), atoi(s[3:])
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return int32(h*3600 + m*60), true
}

// parseInterval reads "HH:MM-HH:MM".
func parseInterval(s string) (wallSpan, error) {
	if len(s) != 11 || s[5] != '-' {
		return wallSpan{}, fmt.Errorf("%q is not an interval written HH:MM-HH:MM", s)
	}
	a, okA := parseClock(s[:5])
	b, okB := parseClock(s[6:])
	switch {
	case !okA || a == secondsPerDay:
		return wallSpan{}, fmt.Errorf("%q: %q is not a time from 00:00 to 23:59", s, s[:5])
	case !okB:
		return wallSpan{}, fmt.Errorf("%q: %q is not a time from 00:01 to 24:00", s, s[6:])
	case b < a:
		return wallSpan{}, fmt.Errorf("%q ends before it starts (an interval cannot cross midnight: split it at 24:00)", s)
	case b == a:
		return wallSpan{}, fmt.Errorf("%q is empty", s)
	}
	return wallSpan{a, b}, nil
}

// dayRule is a parsed HolidayRule.Date: a fixed month and day, or days from Easter Sunday.
type dayRule struct {
	easter bool
	offset int64 // days after Easter Sunday
	month  time.Month
	day    int
}

// Easter-relative offsets stay within Easter's year: Easter falls from 22 March (day 81 of
// a common year) to 25 April (day 115 of a common year, 116 of a leap year).
const minEasterOffset, maxEasterOffset = -80, 250

func parseDayRule(s string) (dayRule, error) {
	if rest, ok := strings.CutPrefix(s, "easter"); ok {
		if rest == "" {
			return dayRule{easter: true}, nil
		}
		n := rest[1:]
		if (rest[0] != '+' && rest[0] != '-') || len(n) > 3 || !digits(n) {
			return dayRule{}, fmt.Errorf("%q is not written easter, easter+N or easter-N", s)
		}
		off := int64(atoi(n))
		if rest[0] == '-' {
			off = -off
		}
		if off < minEasterOffset || off > maxEasterOffset {
			return dayRule{}, fmt.Errorf("%q: N must be from %d to +%d, to stay in Easter's year", s, minEasterOffset, maxEasterOffset)
		}
		return dayRule{easter: true, offset: off}, nil
	}
	if len(s) != 5 || s[2] != '-' || !digits(s[:2]) || !digits(s[3:]) {
		return dayRule{}, fmt.Errorf("%q is not a date written MM-DD or a day relative to Easter such as easter-2", s)
	}
	m, d := time.Month(atoi(s[:2])), atoi(s[3:])
	if m < 1 || m > 12 || d < 1 || d > daysIn(m, 2000) {
		return dayRule{}, fmt.Errorf("%q is not a day of the year", s)
	}
	return dayRule{month: m, day: d}, nil
}

// in returns the day number of the rule's date in year, given Easter Sunday's day number;
// false for 29 February in a common year.
func (r dayRule) in(year int, easter int64) (int64, bool) {
	if r.easter {
		return easter + r.offset, true
	}
	if r.day > daysIn(r.month, year) {
		return 0, false
	}
	return daysFromCivil(year, int(r.month), r.day), true
}

// checker collects the problems of a Config.
type checker struct{ problems []FieldError }

func (c *checker) bad(field, format string, args ...any) {
	c.problems = append(c.problems, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// hours parses a list of intervals, reporting each bad one and each overlap, and returns
// them sorted with touching intervals joined.
func (c *checker) hours(field string, list []string) []wallSpan {
	type parsed struct {
		wallSpan
		text string
	}
	var ps []parsed
	for i, s := range list {
		w, err := parseInterval(s)
		if err != nil {
			c.bad(fmt.Sprintf("%s[%d]", field, i), "%v", err)
			continue
		}
		ps = append(ps, parsed{w, s})
	}
	slices.SortStableFunc(ps, func(a, b parsed) int { return int(a.start - b.start) })
	var out []wallSpan
	for i, p := range ps {
		if i > 0 && p.start < ps[i-1].end {
			c.bad(field, "%q overlaps %q", ps[i-1].text, p.text)
			continue
		}
		if n := len(out); n > 0 && p.start == out[n-1].end {
			out[n-1].end = p.end
			continue
		}
		out = append(out, p.wallSpan)
	}
	return out
}

func (c *checker) name(field, s string) {
	switch {
	case strings.TrimSpace(s) == "":
		c.bad(field, "required")
	case len(s) > 200:
		c.bad(field, "longer than 200 bytes")
	}
}

func (c *checker) count(field string, n int) {
	if n > maxRules {
		c.bad(field, "%d entries, more than the %d allowed", n, maxRules)
	}
}
