package calendar_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"tugi/app/calendar"
)

// gaussEaster computes Easter Sunday by Gauss's algorithm with its two exceptions, an
// independent check on calendar.Easter's anonymous Gregorian algorithm.
func gaussEaster(y int) time.Time {
	a, b, c := y%19, y%4, y%7
	k := y / 100
	p := (13 + 8*k) / 25
	q := k / 4
	m := (15 - p + k - q) % 30
	n := (4 + k - q) % 7
	d := (19*a + m) % 30
	e := (2*b + 4*c + 6*d + n) % 7
	switch {
	case d == 29 && e == 6:
		return time.Date(y, time.April, 19, 0, 0, 0, 0, time.UTC)
	case d == 28 && e == 6 && (11*m+11)%30 < 19:
		return time.Date(y, time.April, 18, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(y, time.March, 22+d+e, 0, 0, 0, 0, time.UTC) // time.Date carries into April
}

func TestEasterAgainstGauss(t *testing.T) {
	for y := 1583; y <= 4099; y++ {
		want := gaussEaster(y)
		if got := calendar.Easter(y); got.Year != y || got.Month != want.Month() || got.Day != want.Day() {
			t.Fatalf("Easter(%d) = %s, Gauss says %s", y, got, want.Format("2006-01-02"))
		}
	}
	// The extremes: earliest 22 March, latest 25 April.
	for y, want := range map[int]string{1818: "1818-03-22", 2285: "2285-03-22", 1943: "1943-04-25", 2038: "2038-04-25", 1900: "1900-04-15", 2000: "2000-04-23"} {
		if got := calendar.Easter(y).String(); got != want {
			t.Errorf("Easter(%d) = %s, want %s", y, got, want)
		}
	}
}

// refSpan is an open interval of the reference model.
type refSpan struct{ start, end time.Time }

// reference builds the default calendar's open intervals for the given years straight from
// the rules, with time.Date (09:00, 14:00 and 17:00 always exist in Tallinn) and holidays
// from gaussEaster: a model independent of the package's tables.
func reference(fromYear, toYear int) []refSpan {
	var out []refSpan
	for y := fromYear; y <= toYear; y++ {
		e := gaussEaster(y)
		holidays := map[string]bool{}
		for _, md := range []string{"01-01", "02-24", "05-01", "06-23", "06-24", "08-20", "12-24", "12-25", "12-26"} {
			holidays[md] = true
		}
		for _, off := range []int{-2, 0, 49} {
			holidays[e.AddDate(0, 0, off).Format("01-02")] = true
		}
		shortened := map[string]bool{"12-31": true, "02-23": true, "06-22": true, "12-23": true}
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			md := d.Format("01-02")
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || holidays[md] {
				continue
			}
			closing := 17
			if shortened[md] {
				closing = 14
			}
			out = append(out, refSpan{
				time.Date(y, d.Month(), d.Day(), 9, 0, 0, 0, tallinn),
				time.Date(y, d.Month(), d.Day(), closing, 0, 0, 0, tallinn),
			})
		}
	}
	return out
}

func refBetween(ref []refSpan, from, to time.Time) time.Duration {
	var sum time.Duration
	for _, s := range ref {
		a, b := s.start, s.end
		if from.After(a) {
			a = from
		}
		if to.Before(b) {
			b = to
		}
		if b.After(a) {
			sum += b.Sub(a)
		}
	}
	return sum
}

func refAdd(ref []refSpan, start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	for _, s := range ref {
		if !s.end.After(start) {
			continue
		}
		a := s.start
		if start.After(a) {
			a = start
		}
		if avail := s.end.Sub(a); d <= avail {
			return a.Add(d)
		} else {
			d -= avail
		}
	}
	panic("reference too short")
}

// randomInstant returns an instant in [from, to), often on a whole hour or minute so that
// boundaries are hit, in a random one of several zones.
func randomInstant(r *rand.Rand, from, to time.Time) time.Time {
	t := from.Add(time.Duration(r.Int64N(int64(to.Sub(from)))))
	switch r.IntN(4) {
	case 0:
		t = t.Truncate(time.Hour)
	case 1:
		t = t.Truncate(time.Minute)
	}
	return t.In([]*time.Location{time.UTC, tallinn, newYork, tokyo}[r.IntN(4)])
}

// randomDuration returns a duration up to max, often small or whole hours.
func randomDuration(r *rand.Rand, max time.Duration) time.Duration {
	switch r.IntN(5) {
	case 0:
		return 0
	case 1:
		return time.Duration(r.Int64N(int64(2 * time.Hour)))
	case 2:
		return time.Duration(r.Int64N(int64(max/time.Hour))) * time.Hour
	}
	return time.Duration(r.Int64N(int64(max)))
}

func TestDefaultAgainstReference(t *testing.T) {
	ref := reference(2023, 2042) // 400 days of open time is about 5 years
	c := calendar.Default()
	r := rand.New(rand.NewPCG(2026, 12))
	lo, hi := time.Date(2024, 1, 1, 0, 0, 0, 0, tallinn), time.Date(2036, 1, 1, 0, 0, 0, 0, tallinn)
	for i := 0; i < 3000; i++ {
		from, to := randomInstant(r, lo, hi), randomInstant(r, lo, hi)
		if r.IntN(2) == 0 {
			to = from.Add(randomDuration(r, 30*24*time.Hour))
		}
		if got, want := c.Between(from, to), refBetween(ref, from, to); got != want {
			t.Fatalf("Between(%s, %s) = %s, reference %s", from, to, got, want)
		}
		d := randomDuration(r, 400*24*time.Hour)
		if got, want := c.Add(from, d), refAdd(ref, from, d); !got.Equal(want) {
			t.Fatalf("Add(%s, %s) = %s, reference %s", from, d, got, want)
		}
		if got, want := c.NextOpen(from), refAdd(ref, from, time.Nanosecond).Add(-time.Nanosecond); !got.Equal(want) {
			t.Fatalf("NextOpen(%s) = %s, reference %s", from, got, want)
		}
		if got, want := c.IsOpen(from), refBetween(ref, from, from.Add(time.Nanosecond)) == 1; got != want {
			t.Fatalf("IsOpen(%s) = %v, reference %v", from, got, want)
		}
	}
}

// TestProperties checks, on random instants and durations, what Add promises whatever the
// calendar: Between(start, Add(start, d)) == d; Add is monotonic in d; its result is start
// when d is 0 and otherwise the end of an open nanosecond (open, or a closing boundary); and
// it is the earliest such instant.
func TestProperties(t *testing.T) {
	saturday := calendar.DefaultConfig()
	saturday.Openings = []calendar.Exception{{Date: "2027-03-06", Hours: []string{"10:00-14:00"}}}
	saturday.Closures = []calendar.Exception{{Date: "2027-03-05", Hours: []string{"12:00-15:00"}}}
	calendars := map[string]*calendar.Calendar{
		"default":         calendar.Default(),
		"lunch break":     mustNew(t, weekdays("Europe/Tallinn", "09:00-12:00", "13:00-17:00")),
		"24/7":            mustNew(t, everyDay("Europe/Tallinn", "00:00-24:00")),
		"nights over DST": mustNew(t, everyDay("Europe/Tallinn", "00:00-01:00", "02:30-03:30", "03:45-04:15", "23:00-24:00")),
		"New York":        mustNew(t, weekdays("America/New_York", "01:00-03:00", "08:00-18:00")),
		"exceptions":      mustNew(t, saturday),
		"Kiritimati +14":  mustNew(t, everyDay("Pacific/Kiritimati", "00:00-24:00")),
		"Pago Pago -11":   mustNew(t, everyDay("Pacific/Pago_Pago", "00:00-24:00")),
	}
	lo, hi := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, c := range calendars {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(len(name))))
			for i := 0; i < 2000; i++ {
				start := randomInstant(r, lo, hi)
				d1, d2 := randomDuration(r, 400*24*time.Hour), randomDuration(r, 400*24*time.Hour)
				if d1 > d2 {
					d1, d2 = d2, d1
				}
				u1, u2 := c.Add(start, d1), c.Add(start, d2)
				if got := c.Between(start, u1); got != d1 {
					t.Fatalf("Between(%s, Add(start, %s) = %s) = %s", start, d1, u1, got)
				}
				if u2.Before(u1) {
					t.Fatalf("Add(%s, %s) = %s before Add(start, %s) = %s", start, d2, u2, d1, u1)
				}
				if d1 == 0 {
					if !u1.Equal(start) {
						t.Fatalf("Add(%s, 0) = %s", start, u1)
					}
					continue
				}
				if !c.IsOpen(u1.Add(-1)) {
					t.Fatalf("Add(%s, %s) = %s, which does not end open time", start, d1, u1)
				}
				if got := c.Between(start, u1.Add(-1)); got != d1-1 {
					t.Fatalf("Add(%s, %s) = %s is not the earliest: Between to 1ns before = %s", start, d1, u1, got)
				}
				if next := c.NextOpen(start); c.Between(start, next) != 0 || !c.IsOpen(next) || (next.After(start) && c.IsOpen(start)) {
					t.Fatalf("NextOpen(%s) = %s", start, next)
				}
			}
		})
	}

	// 24/7 calendars: plain time arithmetic, including over New Year in zones far from UTC.
	for _, name := range []string{"24/7", "Kiritimati +14", "Pago Pago -11"} {
		c := calendars[name]
		r := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 500; i++ {
			start := randomInstant(r, lo, hi)
			d := randomDuration(r, 800*24*time.Hour)
			if got := c.Add(start, d); !got.Equal(start.Add(d)) {
				t.Fatalf("%s: Add(%s, %s) = %s, want %s", name, start, d, got, start.Add(d))
			}
			if got := c.Between(start, start.Add(d)); got != d {
				t.Fatalf("%s: Between(%s, +%s) = %s", name, start, d, got)
			}
		}
	}
}
