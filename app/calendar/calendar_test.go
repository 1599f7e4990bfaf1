package calendar_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"tugi/app/calendar"
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var (
	tallinn = mustZone("Europe/Tallinn")
	newYork = mustZone("America/New_York")
	tokyo   = mustZone("Asia/Tokyo")
)

// at reads "2006-01-02 15:04" (optionally with seconds and fraction) as Tallinn time.
func at(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, tallinn); err == nil {
			return t
		}
	}
	panic("bad time in test: " + s)
}

// mustNew builds a calendar from cfg, failing the test on an error.
func mustNew(t testing.TB, cfg calendar.Config) *calendar.Calendar {
	t.Helper()
	c, err := calendar.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// weekdays returns a Config in zone with the same hours Monday to Friday.
func weekdays(zone string, hours ...string) calendar.Config {
	cfg := calendar.Config{TimeZone: zone}
	for d := time.Monday; d <= time.Friday; d++ {
		cfg.Weekly.SetHours(d, hours)
	}
	return cfg
}

// everyDay returns a Config in zone with the same hours every day of the week.
func everyDay(zone string, hours ...string) calendar.Config {
	cfg := calendar.Config{TimeZone: zone}
	for d := time.Sunday; d <= time.Saturday; d++ {
		cfg.Weekly.SetHours(d, hours)
	}
	return cfg
}

func TestIsOpenBoundaries(t *testing.T) {
	c := calendar.Default()
	for _, tc := range []struct {
		at   string
		open bool
	}{
		{"2026-03-10 09:00", true}, // Tuesday: opening is inside
		{"2026-03-10 08:59:59.999999999", false},
		{"2026-03-10 12:00", true},
		{"2026-03-10 16:59:59.999999999", true},
		{"2026-03-10 17:00", false}, // closing is outside
		{"2026-03-10 00:00", false}, // midnight
		{"2026-03-10 23:59:59.999999999", false},
		{"2026-03-14 12:00", false}, // Saturday
		{"2026-03-15 12:00", false}, // Sunday
		{"2026-04-03 12:00", false}, // Good Friday
		{"2026-04-06 12:00", true},  // Easter Monday is not an Estonian holiday
		{"2026-12-23 13:59:59.999999999", true},
		{"2026-12-23 14:00", false}, // shortened day closes at 14:00
		{"2026-12-24 10:00", false}, // Christmas Eve
		{"2026-12-28 09:00", true},
	} {
		if got := c.IsOpen(at(tc.at)); got != tc.open {
			t.Errorf("IsOpen(%s) = %v, want %v", tc.at, got, tc.open)
		}
	}
}

func TestNextOpen(t *testing.T) {
	c := calendar.Default()
	for _, tc := range []struct{ from, want string }{
		{"2026-03-10 10:30", "2026-03-10 10:30"}, // open: itself
		{"2026-03-10 09:00", "2026-03-10 09:00"},
		{"2026-03-10 00:00", "2026-03-10 09:00"}, // midnight
		{"2026-03-10 08:59:59.5", "2026-03-10 09:00"},
		{"2026-03-10 17:00", "2026-03-11 09:00"},
		{"2026-03-06 18:00", "2026-03-09 09:00"}, // Friday evening: Monday
		{"2026-03-07 11:00", "2026-03-09 09:00"}, // Saturday
		{"2026-12-23 14:00", "2026-12-28 09:00"}, // 24-26 Dec are Thu-Sat
		{"2026-12-23 15:30", "2026-12-28 09:00"},
		{"2026-12-31 14:00", "2027-01-04 09:00"}, // 1 Jan 2027 is a Friday
		{"2026-04-02 17:00", "2026-04-06 09:00"}, // Good Friday, then Easter Monday is open
		{"2026-03-27 17:00", "2026-03-30 09:00"}, // over the spring DST change
		{"2026-10-23 17:00", "2026-10-26 09:00"}, // over the autumn DST change
	} {
		got := c.NextOpen(at(tc.from))
		if want := at(tc.want); !got.Equal(want) {
			t.Errorf("NextOpen(%s) = %s, want %s", tc.from, got, want)
		}
	}
}

func TestAdd(t *testing.T) {
	c := calendar.Default()
	const ns = time.Nanosecond
	for _, tc := range []struct {
		name  string
		start string
		d     time.Duration
		want  string
	}{
		{"spring DST weekend", "2026-03-27 16:00", 2 * time.Hour, "2026-03-30 10:00"},
		{"autumn DST weekend", "2026-10-23 16:00", 2 * time.Hour, "2026-10-26 10:00"},
		{"whole day ends at closing", "2026-03-10 09:00", 8 * time.Hour, "2026-03-10 17:00"},
		{"reaching closing exactly", "2026-03-13 16:00", time.Hour, "2026-03-13 17:00"},
		{"a nanosecond past closing", "2026-03-10 09:00", 8*time.Hour + ns, "2026-03-11 09:00:00.000000001"},
		{"zero when closed does not jump", "2026-03-14 12:00", 0, "2026-03-14 12:00"},
		{"zero when open", "2026-03-10 10:00", 0, "2026-03-10 10:00"},
		{"negative is zero", "2026-03-14 12:00", -time.Hour, "2026-03-14 12:00"},
		{"closed start counts from next opening", "2026-03-14 12:00", time.Hour, "2026-03-16 10:00"},
		{"from closing time", "2026-03-13 17:00", ns, "2026-03-16 09:00:00.000000001"},
		{"from midnight", "2026-03-10 00:00", 30 * time.Minute, "2026-03-10 09:30"},
		{"one working week", "2026-03-09 09:00", 40 * time.Hour, "2026-03-13 17:00"},
		{"over Good Friday", "2026-04-02 16:00", 2 * time.Hour, "2026-04-06 10:00"},
		{"shortened day then Christmas", "2026-12-23 13:00", 2 * time.Hour, "2026-12-28 10:00"},
		{"ending at a shortened day's closing", "2026-12-22 16:00", 6 * time.Hour, "2026-12-23 14:00"},
		{"past a shortened day's closing", "2026-12-22 16:00", 6*time.Hour + time.Minute, "2026-12-28 09:01"},
		{"New Year's Eve to New Year", "2026-12-31 13:00", 2 * time.Hour, "2027-01-04 10:00"},
		{"a year of open time", "2026-01-01 00:00", 2004 * time.Hour, "2026-12-31 14:00"},
		{"a year and a nanosecond", "2026-01-01 00:00", 2004*time.Hour + ns, "2027-01-04 09:00:00.000000001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := at(tc.start)
			got := c.Add(start, tc.d)
			if want := at(tc.want); !got.Equal(want) {
				t.Fatalf("Add(%s, %s) = %s, want %s", tc.start, tc.d, got, want)
			}
			if tc.d > 0 {
				if b := c.Between(start, got); b != tc.d {
					t.Errorf("Between(start, Add(start, %s)) = %s", tc.d, b)
				}
			}
		})
	}
}

func TestBetween(t *testing.T) {
	c := calendar.Default()
	for _, tc := range []struct {
		from, to string
		want     time.Duration
	}{
		{"2026-03-10 09:00", "2026-03-10 17:00", 8 * time.Hour},
		{"2026-03-10 00:00", "2026-03-11 00:00", 8 * time.Hour},                           // midnight to midnight
		{"2026-03-10 09:00", "2026-03-10 09:00", 0},                                       // empty
		{"2026-03-10 17:00", "2026-03-10 09:00", 0},                                       // reversed
		{"2026-03-10 16:59:59.999999999", "2026-03-10 17:00", 1},                          // half-open: the last nanosecond
		{"2026-03-10 17:00", "2026-03-11 09:00", 0},                                       // overnight
		{"2026-03-10 08:00", "2026-03-10 09:00:00.000000001", 1},                          // opening is inside
		{"2026-03-27 09:00", "2026-03-30 17:00", 16 * time.Hour},                          // spring DST weekend
		{"2026-03-27 17:00", "2026-03-30 09:00", 0},                                       // the weekend itself
		{"2026-10-23 09:00", "2026-10-26 17:00", 16 * time.Hour},                          // autumn DST weekend
		{"2026-03-23 00:00", "2026-03-30 00:00", 40 * time.Hour},                          // week before the change
		{"2026-12-21 00:00", "2026-12-28 00:00", 8*time.Hour + 8*time.Hour + 5*time.Hour}, // Mon, Tue, shortened Wed
		// Whole years, counted by hand: 261 weekdays less the holidays on weekdays, 8 hours
		// each, less 3 hours for each shortened day that falls on a working day.
		{"2025-01-01 00:00", "2026-01-01 00:00", (261-10)*8*time.Hour - 2*3*time.Hour}, // 23 Feb, 22 Jun on Sundays
		{"2026-01-01 00:00", "2027-01-01 00:00", (261-9)*8*time.Hour - 4*3*time.Hour},
		{"2027-01-01 00:00", "2028-01-01 00:00", (261-7)*8*time.Hour - 4*3*time.Hour},
		{"2026-01-01 00:00", "2028-01-01 00:00", 2004*time.Hour + 2020*time.Hour},
	} {
		from, to := at(tc.from), at(tc.to)
		if got := c.Between(from, to); got != tc.want {
			t.Errorf("Between(%s, %s) = %s, want %s", tc.from, tc.to, got, tc.want)
		}
	}
}

// dayHours formats c.Day(d) as "HH:MM-HH:MM" intervals in the calendar's zone, with the
// zone's abbreviation where a test asks for it.
func dayHours(c *calendar.Calendar, d calendar.Date, layout string) []string {
	var out []string
	for _, iv := range c.Day(d) {
		out = append(out, iv.Start.Format(layout)+"-"+iv.End.Format(layout))
	}
	return out
}

func date(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestShortenedDays(t *testing.T) {
	c := calendar.Default()
	for _, tc := range []struct {
		date, why string
		want      []string
	}{
		{"2026-12-23", "Wednesday before Christmas Eve", []string{"09:00-14:00"}},
		{"2026-06-22", "Monday before Victory Day", []string{"09:00-14:00"}},
		{"2026-02-23", "Monday before Independence Day", []string{"09:00-14:00"}},
		{"2026-12-31", "Thursday before New Year's Day", []string{"09:00-14:00"}},
		{"2027-12-31", "Friday before New Year's Day", []string{"09:00-14:00"}},
		{"2025-12-23", "Tuesday before Christmas Eve", []string{"09:00-14:00"}},
		// The day before is a weekend: nothing is shortened, and not the Friday before.
		{"2025-06-20", "Friday; 22 June 2025 is a Sunday", []string{"09:00-17:00"}},
		{"2025-06-22", "Sunday before Victory Day", nil},
		{"2025-02-21", "Friday; 23 February 2025 is a Sunday", []string{"09:00-17:00"}},
		{"2024-06-21", "Friday; 22 June 2024 is a Saturday", []string{"09:00-17:00"}},
		{"2028-12-22", "Friday; 23 December 2028 is a Saturday", []string{"09:00-17:00"}},
		{"2022-12-30", "Friday; 31 December 2022 is a Saturday", []string{"09:00-17:00"}},
		// The days around a shortened day are ordinary.
		{"2026-12-22", "Tuesday", []string{"09:00-17:00"}},
		{"2026-12-24", "Christmas Eve", nil},
		{"2027-01-04", "first Monday of 2027", []string{"09:00-17:00"}},
	} {
		got := dayHours(c, date(tc.date), "15:04")
		if !slices.Equal(got, tc.want) {
			t.Errorf("Day(%s) (%s) = %v, want %v", tc.date, tc.why, got, tc.want)
		}
	}

	var names []string
	for _, h := range c.Holidays(2025) {
		if h.Shortened() {
			names = append(names, h.Date.String()+" "+h.Name)
		}
	}
	if want := []string{"2025-12-23 Day before Christmas Eve", "2025-12-31 New Year's Eve"}; !slices.Equal(names, want) {
		t.Errorf("shortened days listed for 2025 = %q, want %q (23 Feb and 22 Jun are Sundays)", names, want)
	}
}

func TestHolidaysList(t *testing.T) {
	var got []string
	for _, h := range calendar.Default().Holidays(2026) {
		s := fmt.Sprintf("%s %s %s", h.Date, h.Date.Weekday().String()[:3], h.Name)
		if h.Shortened() {
			s += " " + strings.Join(h.Hours, ",")
		}
		got = append(got, s)
	}
	want := []string{
		"2026-01-01 Thu New Year's Day",
		"2026-02-23 Mon Day before Independence Day 09:00-14:00",
		"2026-02-24 Tue Independence Day",
		"2026-04-03 Fri Good Friday",
		"2026-04-05 Sun Easter Sunday",
		"2026-05-01 Fri Spring Day",
		"2026-05-24 Sun Whit Sunday",
		"2026-06-22 Mon Day before Victory Day 09:00-14:00",
		"2026-06-23 Tue Victory Day",
		"2026-06-24 Wed Midsummer Day",
		"2026-08-20 Thu Day of Restoration of Independence",
		"2026-12-23 Wed Day before Christmas Eve 09:00-14:00",
		"2026-12-24 Thu Christmas Eve",
		"2026-12-25 Fri Christmas Day",
		"2026-12-26 Sat Boxing Day", // on a Saturday: listed, not moved
		"2026-12-31 Thu New Year's Eve 09:00-14:00",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Holidays(2026) =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestEasterHolidays(t *testing.T) {
	c := calendar.Default()
	for _, easter := range []string{
		"2024-03-31", "2025-04-20", "2026-04-05", "2027-03-28", "2028-04-16", "2029-04-01",
		"2030-04-21", "2031-04-13", "2032-03-28", "2033-04-17", "2034-04-09", "2035-03-25",
	} {
		e := date(easter)
		if got := calendar.Easter(e.Year); got != e {
			t.Errorf("Easter(%d) = %s, want %s", e.Year, got, e)
		}
		day := func(offset int) calendar.Date {
			return calendar.Date{Year: e.Year, Month: e.Month, Day: e.Day + offset}
		}
		listed := map[string]string{}
		for _, h := range c.Holidays(e.Year) {
			listed[h.Date.String()] = h.Name
		}
		for _, h := range []struct {
			offset int
			name   string
		}{{-2, "Good Friday"}, {0, "Easter Sunday"}, {49, "Whit Sunday"}} {
			d := day(h.offset)
			if got := c.Day(d); got != nil {
				t.Errorf("%s (%s, %s) is open: %v", h.name, d, d.Weekday(), got)
			}
			if got := listed[normal(d)]; got != h.name {
				t.Errorf("Holidays(%d) lists %q on %s, want %q", e.Year, got, normal(d), h.name)
			}
		}
		// Maundy Thursday, Easter Monday and Whit Monday are ordinary working days.
		for _, offset := range []int{-3, 1, 50} {
			if got := dayHours(c, day(offset), "15:04"); !slices.Equal(got, []string{"09:00-17:00"}) {
				t.Errorf("%s (Easter%+d) hours = %v, want 09:00-17:00", normal(day(offset)), offset, got)
			}
		}
	}
}

// normal writes d normalised, e.g. 2026-04-54 as 2026-05-24.
func normal(d calendar.Date) string {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}

func TestHolidaysOnWeekendsAreNotMoved(t *testing.T) {
	c := calendar.Default()
	for _, d := range []string{
		"2026-12-28", // Monday after Boxing Day on a Saturday
		"2027-05-03", // Monday after Spring Day on a Saturday
		"2027-12-27", // Monday after Christmas Day and Boxing Day on a weekend
		"2022-01-03", // Monday after New Year's Day on a Saturday
	} {
		if got := dayHours(c, date(d), "15:04"); !slices.Equal(got, []string{"09:00-17:00"}) {
			t.Errorf("Day(%s) = %v, want an ordinary 09:00-17:00", d, got)
		}
	}
}

func TestTimeZonesOfInputs(t *testing.T) {
	c := calendar.Default()
	starts := []string{"2026-03-27 16:00", "2026-10-23 16:30", "2026-12-23 13:15", "2026-03-14 12:00", "2026-06-22 08:00"}
	for _, s := range starts {
		local := at(s)
		want := c.Add(local, 3*time.Hour)
		wantNext := c.NextOpen(local)
		for _, loc := range []*time.Location{time.UTC, newYork, tokyo, tallinn} {
			in := local.In(loc)
			got := c.Add(in, 3*time.Hour)
			if !got.Equal(want) {
				t.Errorf("Add(%s in %s) = %s, want %s", s, loc, got, want)
			}
			if got.Location() != loc {
				t.Errorf("Add(%s in %s) is in %s, want the input's location", s, loc, got.Location())
			}
			if got := c.NextOpen(in); !got.Equal(wantNext) || got.Location() != loc {
				t.Errorf("NextOpen(%s in %s) = %s, want %s", s, loc, got, wantNext)
			}
			if got := c.IsOpen(in); got != c.IsOpen(local) {
				t.Errorf("IsOpen(%s in %s) = %v", s, loc, got)
			}
			for _, loc2 := range []*time.Location{time.UTC, newYork, tokyo} {
				if got := c.Between(in, want.In(loc2)); got != 3*time.Hour {
					t.Errorf("Between(%s in %s, result in %s) = %s, want 3h", s, loc, loc2, got)
				}
			}
		}
	}
	// A date in Tokyo can be a different date in Tallinn: 2026-03-10 01:00 JST is Monday
	// evening in Tallinn, closed; 16:00 JST is 09:00 EET, open.
	if c.IsOpen(time.Date(2026, 3, 10, 1, 0, 0, 0, tokyo)) {
		t.Error("open at 2026-03-10 01:00 JST (Monday 18:00 in Tallinn)")
	}
	if !c.IsOpen(time.Date(2026, 3, 10, 16, 0, 0, 0, tokyo)) {
		t.Error("closed at 2026-03-10 16:00 JST (Tuesday 09:00 in Tallinn)")
	}
	if d := c.DateOf(time.Date(2026, 3, 10, 1, 0, 0, 0, tokyo)); d != date("2026-03-09") {
		t.Errorf("DateOf(2026-03-10 01:00 JST) = %s, want 2026-03-09", d)
	}
}

// TestDaylightSavingAtNight checks calendars open while clocks change: intervals count real
// elapsed time, skipped wall times are the instant of the change, repeated ones their first
// occurrence.
func TestDaylightSavingAtNight(t *testing.T) {
	allDay := mustNew(t, everyDay("Europe/Tallinn", "00:00-24:00"))
	for _, tc := range []struct {
		day  string
		want time.Duration
	}{
		{"2026-03-28", 24 * time.Hour},
		{"2026-03-29", 23 * time.Hour}, // clocks go forward 03:00 -> 04:00
		{"2026-10-25", 25 * time.Hour}, // clocks go back 04:00 -> 03:00
		{"2026-10-26", 24 * time.Hour},
	} {
		d := date(tc.day)
		from := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, tallinn)
		to := time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, tallinn)
		if got := allDay.Between(from, to); got != tc.want {
			t.Errorf("24/7: Between over %s = %s, want %s", tc.day, got, tc.want)
		}
		days := allDay.Day(d)
		if len(days) != 1 || days[0].Duration() != tc.want {
			t.Errorf("24/7: Day(%s) = %v, want one interval of %s", tc.day, days, tc.want)
		}
	}

	for _, tc := range []struct {
		name, hours, day string
		want             []string // as "15:04 MST" pairs
		length           time.Duration
	}{
		{"across spring change", "02:00-05:00", "2026-03-29", []string{"02:00 EET-05:00 EEST"}, 2 * time.Hour},
		{"across autumn change", "02:00-05:00", "2026-10-25", []string{"02:00 EEST-05:00 EET"}, 4 * time.Hour},
		{"start skipped in spring", "03:30-05:00", "2026-03-29", []string{"04:00 EEST-05:00 EEST"}, time.Hour},
		{"wholly skipped in spring", "03:10-03:50", "2026-03-29", nil, 0},
		{"start repeated in autumn: first", "03:30-05:00", "2026-10-25", []string{"03:30 EEST-05:00 EET"}, 150 * time.Minute},
		{"end repeated in autumn: first", "02:00-03:30", "2026-10-25", []string{"02:00 EEST-03:30 EEST"}, 90 * time.Minute},
		{"an ordinary night", "02:00-05:00", "2026-03-22", []string{"02:00 EET-05:00 EET"}, 3 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, everyDay("Europe/Tallinn", tc.hours))
			d := date(tc.day)
			if got := dayHours(c, d, "15:04 MST"); !slices.Equal(got, tc.want) {
				t.Errorf("Day(%s) = %v, want %v", tc.day, got, tc.want)
			}
			from := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, tallinn)
			to := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, tallinn)
			if got := c.Between(from, to); got != tc.length {
				t.Errorf("Between(%s 00:00, 12:00) = %s, want %s", tc.day, got, tc.length)
			}
			if tc.length > 0 {
				// The last nanosecond of the interval is open; the closing instant is not.
				end := c.Add(from, tc.length)
				if !c.IsOpen(end.Add(-1)) || c.IsOpen(end) {
					t.Errorf("interval does not end at %s", end)
				}
			}
		})
	}

	// A zone that skips midnight: Cuba moves clocks from 00:00 to 01:00 on the second Sunday
	// of March, so that day starts at 01:00 and has 23 hours.
	havana := mustNew(t, everyDay("America/Havana", "00:00-24:00"))
	got := havana.Day(date("2026-03-08"))
	if len(got) != 1 || got[0].Start.Format("15:04 MST") != "01:00 CDT" || got[0].Duration() != 23*time.Hour {
		t.Errorf("Havana Day(2026-03-08) = %v, want one interval from 01:00 CDT of 23h", got)
	}
}

func TestTwentyFourSeven(t *testing.T) {
	c := mustNew(t, everyDay("Europe/Tallinn", "00:00-24:00"))
	for _, tc := range []struct {
		start string
		d     time.Duration
	}{
		{"2026-03-28 22:00", 10 * time.Hour}, // over the spring change
		{"2026-10-24 22:00", 10 * time.Hour}, // over the autumn change
		{"2026-12-31 23:59:59.999999999", time.Nanosecond},
		{"2026-06-01 12:00", 365 * 24 * time.Hour},
		{"2026-06-01 12:00", 0},
	} {
		start := at(tc.start)
		if got, want := c.Add(start, tc.d), start.Add(tc.d); !got.Equal(want) {
			t.Errorf("24/7 Add(%s, %s) = %s, want %s", tc.start, tc.d, got, want)
		}
		if got := c.Between(start, start.Add(tc.d)); got != tc.d {
			t.Errorf("24/7 Between(%s, +%s) = %s", tc.start, tc.d, got)
		}
		if !c.IsOpen(start) || !c.NextOpen(start).Equal(start) {
			t.Errorf("24/7 closed at %s", tc.start)
		}
	}
}

func TestLunchBreak(t *testing.T) {
	c := mustNew(t, weekdays("Europe/Tallinn", "13:00-17:00", "09:00-12:00")) // any order
	for _, tc := range []struct {
		start string
		d     time.Duration
		want  string
	}{
		{"2026-03-10 09:00", 3 * time.Hour, "2026-03-10 12:00"}, // reaches the break exactly: 12:00, not 13:00
		{"2026-03-10 11:00", 2 * time.Hour, "2026-03-10 14:00"},
		{"2026-03-10 12:30", time.Hour, "2026-03-10 14:00"}, // counting starts at 13:00
		{"2026-03-10 09:00", 7 * time.Hour, "2026-03-10 17:00"},
		{"2026-03-13 16:00", 2 * time.Hour, "2026-03-16 10:00"},
	} {
		if got := c.Add(at(tc.start), tc.d); !got.Equal(at(tc.want)) {
			t.Errorf("Add(%s, %s) = %s, want %s", tc.start, tc.d, got, tc.want)
		}
	}
	if got := c.Between(at("2026-03-10 00:00"), at("2026-03-11 00:00")); got != 7*time.Hour {
		t.Errorf("Between over a day = %s, want 7h", got)
	}
	if c.IsOpen(at("2026-03-10 12:30")) || !c.IsOpen(at("2026-03-10 13:00")) || c.IsOpen(at("2026-03-10 12:00")) {
		t.Error("IsOpen is wrong around the lunch break")
	}
	if got := c.NextOpen(at("2026-03-10 12:00")); !got.Equal(at("2026-03-10 13:00")) {
		t.Errorf("NextOpen(12:00) = %s, want 13:00", got)
	}
}

func TestClosuresAndOpenings(t *testing.T) {
	cfg := calendar.DefaultConfig()
	cfg.Closures = []calendar.Exception{
		{Date: "2026-07-03", Note: "summer day"},                           // Friday, whole day
		{Date: "2026-07-07", Hours: []string{"12:00-24:00"}, Note: "move"}, // Tuesday afternoon
		{Date: "2026-07-07", Hours: []string{"09:00-10:00"}},               // and the first hour
	}
	cfg.Openings = []calendar.Exception{
		{Date: "2026-07-04", Hours: []string{"10:00-14:00"}, Note: "migration"}, // Saturday
		{Date: "2026-06-24", Hours: []string{"10:00-12:00"}},                    // on a holiday
		{Date: "2026-07-08", Hours: []string{"16:00-19:00"}},                    // longer Wednesday
	}
	c := mustNew(t, cfg)
	for _, tc := range []struct {
		date string
		want []string
	}{
		{"2026-07-02", []string{"09:00-17:00"}},
		{"2026-07-03", nil},
		{"2026-07-04", []string{"10:00-14:00"}},
		{"2026-07-05", nil},
		{"2026-07-07", []string{"10:00-12:00"}},
		{"2026-06-24", []string{"10:00-12:00"}},
		{"2026-07-08", []string{"09:00-19:00"}},
		{"2027-07-03", nil}, // a Saturday: closures are for one date only
		{"2027-07-07", []string{"09:00-17:00"}},
	} {
		if got := dayHours(c, date(tc.date), "15:04"); !slices.Equal(got, tc.want) {
			t.Errorf("Day(%s) = %v, want %v", tc.date, got, tc.want)
		}
	}
	if got := c.Add(at("2026-07-02 16:00"), 2*time.Hour); !got.Equal(at("2026-07-04 11:00")) {
		t.Errorf("Add over the closure = %s, want Saturday 11:00", got)
	}
	if got := c.NextOpen(at("2026-07-04 14:00")); !got.Equal(at("2026-07-06 09:00")) {
		t.Errorf("NextOpen after the Saturday opening = %s, want Monday 09:00", got)
	}
	// Default itself is unaffected.
	if !calendar.Default().IsOpen(at("2026-07-03 10:00")) {
		t.Error("Default is closed on 2026-07-03")
	}
}

func TestNeverOpenAgain(t *testing.T) {
	// Only extra openings: after the last, the calendar never opens again.
	cfg := calendar.Config{TimeZone: "Europe/Tallinn", Openings: []calendar.Exception{
		{Date: "2026-05-02", Hours: []string{"10:00-12:00"}},
	}}
	c := mustNew(t, cfg)
	start := at("2026-01-01 00:00")
	if got := c.Add(start, time.Hour); !got.Equal(at("2026-05-02 11:00")) {
		t.Errorf("Add(1h) = %s, want 2026-05-02 11:00", got)
	}
	if got := c.Add(start, 2*time.Hour); !got.Equal(at("2026-05-02 12:00")) {
		t.Errorf("Add(2h) = %s, want 2026-05-02 12:00", got)
	}
	if got := c.Add(start, 3*time.Hour); !got.Equal(calendar.Never()) {
		t.Errorf("Add(3h) = %s, want Never", got)
	}
	if got := c.NextOpen(at("2026-05-02 12:00")); !got.Equal(calendar.Never()) {
		t.Errorf("NextOpen after the last opening = %s, want Never", got)
	}
	if got := c.Between(start, calendar.Never()); got != 2*time.Hour {
		t.Errorf("Between(start, Never) = %s, want 2h", got)
	}

	// Weekly hours on Mondays only, but a holiday on every date: a search gives up after 400
	// years without open time.
	cfg = calendar.Config{TimeZone: "UTC", Weekly: calendar.Week{Monday: []string{"09:00-17:00"}}}
	for m := time.January; m <= time.December; m++ {
		for d := 1; d <= 31; d++ {
			if t := time.Date(2000, m, d, 0, 0, 0, 0, time.UTC); t.Month() == m {
				cfg.Holidays = append(cfg.Holidays, calendar.HolidayRule{Name: "closed", Date: t.Format("01-02")})
			}
		}
	}
	c = mustNew(t, cfg)
	if got := c.Add(at("2026-01-01 00:00"), time.Hour); !got.Equal(calendar.Never()) {
		t.Errorf("always-holiday Add = %s, want Never", got)
	}
	if got := c.NextOpen(at("2026-01-01 00:00")); !got.Equal(calendar.Never()) {
		t.Errorf("always-holiday NextOpen = %s, want Never", got)
	}

	// Never sorts after every answer and survives JSON, for storing deadlines.
	if _, err := json.Marshal(calendar.Never()); err != nil {
		t.Errorf("Never does not marshal: %v", err)
	}
	if got := calendar.Default().Add(at("2026-01-01 00:00"), 1<<62); !got.Before(calendar.Never()) {
		t.Errorf("Default Add of ~146 years of open time = %s, want before Never", got)
	}
}

func TestFarDates(t *testing.T) {
	c := calendar.Default()
	for _, tc := range []struct {
		start string
		d     time.Duration
		want  string
	}{
		{"1900-04-12 16:00", 2 * time.Hour, "1900-04-16 10:00"}, // Easter 1900-04-15; Good Friday the 13th
		{"2200-12-23 13:00", 2 * time.Hour, "2200-12-29 10:00"}, // 23 Dec 2200 is a Tuesday
		{"2199-12-31 13:00", 2 * time.Hour, "2200-01-02 10:00"}, // Tuesday, then Thursday 2 Jan
		{"1970-01-01 00:00", 8 * time.Hour, "1970-01-02 17:00"},
	} {
		start := at(tc.start)
		got := c.Add(start, tc.d)
		if !got.Equal(at(tc.want)) {
			t.Errorf("Add(%s, %s) = %s, want %s", tc.start, tc.d, got, tc.want)
		}
		if b := c.Between(start, got); b != tc.d {
			t.Errorf("Between(%s, %s) = %s, want %s", tc.start, got, b, tc.d)
		}
	}
	// Outside the cached years answers are the same, only slower.
	for _, year := range []int{1583, 2400, 3000, 9000} {
		from := time.Date(year, 1, 1, 0, 0, 0, 0, tallinn)
		to := time.Date(year+1, 1, 1, 0, 0, 0, 0, tallinn)
		total := c.Between(from, to)
		if total < 1950*time.Hour || total > 2100*time.Hour {
			t.Errorf("Between over %d = %s", year, total)
		}
		if got := c.Between(from, c.Add(from, total)); got != total {
			t.Errorf("Between(Add) over %d = %s, want %s", year, got, total)
		}
	}
	if c.IsOpen(time.Time{}) {
		t.Error("open at the zero time (1 January of year 1 was a holiday)")
	}
}
