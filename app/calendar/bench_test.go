package calendar_test

import (
	"testing"
	"time"

	"tugi/app/calendar"
)

// spans are the lengths benchmarked: Add is given the open time of the span, Between the
// span itself. A year of open time is about 2,000 hours in the default calendar.
var spans = []struct {
	name  string
	wall  time.Duration
	years int
}{
	{"hour", time.Hour, 0},
	{"week", 7 * 24 * time.Hour, 0},
	{"year", 0, 1},
}

// benchStarts are 64 start instants spread over 2026, at varied times of day, so that a run
// does not measure one lucky position.
func benchStarts() []time.Time {
	var out []time.Time
	t := time.Date(2026, 1, 2, 8, 17, 3, 0, tallinn)
	for range 64 {
		out = append(out, t)
		t = t.Add(137*time.Hour + 11*time.Minute)
	}
	return out
}

func end(start time.Time, wall time.Duration, years int) time.Time {
	if years > 0 {
		return start.AddDate(years, 0, 0)
	}
	return start.Add(wall)
}

func BenchmarkAdd(b *testing.B) {
	c := calendar.Default()
	starts := benchStarts()
	for _, s := range spans {
		ds := make([]time.Duration, len(starts))
		for i, start := range starts {
			ds[i] = c.Between(start, end(start, s.wall, s.years)) // also builds the years
			if s.name == "hour" {
				ds[i] = time.Hour // an hour of open time
			}
		}
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_ = c.Add(starts[i%len(starts)], ds[i%len(ds)])
				i++
			}
		})
	}
}

func BenchmarkBetween(b *testing.B) {
	c := calendar.Default()
	starts := benchStarts()
	for _, s := range spans {
		ends := make([]time.Time, len(starts))
		for i, start := range starts {
			ends[i] = end(start, s.wall, s.years)
			c.Between(start, ends[i]) // build the years
		}
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_ = c.Between(starts[i%len(starts)], ends[i%len(ends)])
				i++
			}
		})
	}
}

func BenchmarkIsOpen(b *testing.B) {
	c := calendar.Default()
	starts := benchStarts()
	c.IsOpen(starts[0])
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = c.IsOpen(starts[i%len(starts)])
		i++
	}
}

// BenchmarkBuildYear measures what the first question about a year costs: working out its
// open intervals.
func BenchmarkBuildYear(b *testing.B) {
	c := calendar.Default()
	start := time.Date(3000, 6, 1, 12, 0, 0, 0, time.UTC) // outside the cached years: built each time
	b.ReportAllocs()
	for b.Loop() {
		_ = c.IsOpen(start)
	}
}
