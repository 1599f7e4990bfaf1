package calendar

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestCivilDaysAgainstTimePackage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	check := func(n int64) {
		want := time.Unix(n*secondsPerDay, 0).UTC()
		y, m, d := civilFromDays(n)
		if y != want.Year() || m != want.Month() || d != want.Day() {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %s", n, y, m, d, want)
		}
		if got := daysFromCivil(y, int(m), d); got != n {
			t.Fatalf("daysFromCivil(%d-%d-%d) = %d, want %d", y, m, d, got, n)
		}
		if got := weekday(n); got != want.Weekday() {
			t.Fatalf("weekday(%d) = %s, want %s", n, got, want.Weekday())
		}
	}
	for n := int64(-800_000); n <= 3_000_000; n += 1 + r.Int64N(50) { // years -220 to 10183
		check(n)
	}
	for _, d := range []Date{{2026, 4, 31}, {2026, 13, 1}, {2026, 0, 1}, {2026, -13, 40}, {2028, 2, 29}} {
		want := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
		if got := dateOfDays(d.days()); got != (Date{want.Year(), want.Month(), want.Day()}) {
			t.Errorf("%v normalises to %s, time.Date says %s", d, got, want.Format("2006-01-02"))
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, ok := range map[string]bool{
		"2026-12-24": true, "2028-02-29": true, "0001-01-01": true, "9999-12-31": true,
		"2027-02-29": false, "0000-01-01": false, "2026-1-01": false, "2026/01/01": false,
		"2026-00-10": false, "2026-12-32": false, "+026-12-24": false, "2026-12-24 ": false, "": false,
	} {
		d, err := ParseDate(in)
		if (err == nil) != ok {
			t.Errorf("ParseDate(%q) error = %v, want ok=%v", in, err, ok)
		}
		if ok && d.String() != in {
			t.Errorf("ParseDate(%q).String() = %q", in, d)
		}
	}
}

func TestParseDayRule(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ok   bool
		want dayRule
	}{
		{"12-24", true, dayRule{month: 12, day: 24}},
		{"02-29", true, dayRule{month: 2, day: 29}},
		{"easter", true, dayRule{easter: true}},
		{"easter-2", true, dayRule{easter: true, offset: -2}},
		{"easter+49", true, dayRule{easter: true, offset: 49}},
		{"easter+250", true, dayRule{easter: true, offset: 250}},
		{"easter-80", true, dayRule{easter: true, offset: -80}},
		{"easter-81", false, dayRule{}},
		{"easter+", false, dayRule{}},
		{"easter+1000", false, dayRule{}},
		{"Easter", false, dayRule{}},
		{"easter2", false, dayRule{}},
		{"02-30", false, dayRule{}},
		{"00-10", false, dayRule{}},
		{"1-1", false, dayRule{}},
	} {
		got, err := parseDayRule(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseDayRule(%q) = %+v, %v", tc.in, got, err)
		}
	}
	// The offsets allowed keep the day in Easter's year, whatever the year.
	for y := 1900; y < 2300; y++ {
		e := Easter(y).days()
		for _, off := range []int64{minEasterOffset, maxEasterOffset} {
			if got, _, _ := civilFromDays(e + off); got != y {
				t.Fatalf("easter%+d of %d falls in %d", off, y, got)
			}
		}
	}
}

func TestUnionSubtract(t *testing.T) {
	h := func(a, b int32) wallSpan { return wallSpan{a * 3600, b * 3600} }
	for _, tc := range []struct {
		a, b, union, minus []wallSpan
	}{
		{[]wallSpan{h(9, 17)}, nil, []wallSpan{h(9, 17)}, []wallSpan{h(9, 17)}},
		{nil, []wallSpan{h(9, 17)}, []wallSpan{h(9, 17)}, nil},
		{[]wallSpan{h(9, 17)}, []wallSpan{h(12, 13)}, []wallSpan{h(9, 17)}, []wallSpan{h(9, 12), h(13, 17)}},
		{[]wallSpan{h(9, 12), h(13, 17)}, []wallSpan{h(12, 13)}, []wallSpan{h(9, 17)}, []wallSpan{h(9, 12), h(13, 17)}},
		{[]wallSpan{h(9, 17)}, []wallSpan{h(16, 19)}, []wallSpan{h(9, 19)}, []wallSpan{h(9, 16)}},
		{[]wallSpan{h(9, 17)}, []wallSpan{h(0, 24)}, []wallSpan{h(0, 24)}, nil},
		{[]wallSpan{h(9, 11), h(13, 15)}, []wallSpan{h(8, 10), h(14, 20)}, []wallSpan{h(8, 11), h(13, 20)}, []wallSpan{h(10, 11), h(13, 14)}},
	} {
		if got := union(tc.a, tc.b); !slices.Equal(got, tc.union) {
			t.Errorf("union(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.union)
		}
		if got := subtract(tc.a, tc.b); !slices.Equal(got, tc.minus) {
			t.Errorf("subtract(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.minus)
		}
	}
}

// TestResolver checks wall-clock times against Tallinn's changes in 2026 and Lord Howe's
// half-hour change, which goes back and forward by 30 minutes at 02:00.
func TestResolver(t *testing.T) {
	for _, tc := range []struct {
		zone, wall, want string // want is RFC 3339
	}{
		{"Europe/Tallinn", "2026-03-29 02:59", "2026-03-29T02:59:00+02:00"},
		{"Europe/Tallinn", "2026-03-29 03:00", "2026-03-29T04:00:00+03:00"}, // skipped: the change
		{"Europe/Tallinn", "2026-03-29 03:30", "2026-03-29T04:00:00+03:00"},
		{"Europe/Tallinn", "2026-03-29 04:00", "2026-03-29T04:00:00+03:00"},
		{"Europe/Tallinn", "2026-03-29 04:01", "2026-03-29T04:01:00+03:00"},
		{"Europe/Tallinn", "2026-10-25 02:59", "2026-10-25T02:59:00+03:00"},
		{"Europe/Tallinn", "2026-10-25 03:00", "2026-10-25T03:00:00+03:00"}, // repeated: first
		{"Europe/Tallinn", "2026-10-25 03:59", "2026-10-25T03:59:00+03:00"},
		{"Europe/Tallinn", "2026-10-25 04:00", "2026-10-25T04:00:00+02:00"},
		{"Australia/Lord_Howe", "2026-10-04 02:15", "2026-10-04T02:30:00+11:00"},
		{"Australia/Lord_Howe", "2026-04-05 01:45", "2026-04-05T01:45:00+11:00"},
		{"UTC", "2026-03-29 03:30", "2026-03-29T03:30:00Z"},
	} {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := time.Parse("2006-01-02 15:04", tc.wall)
		want, _ := time.Parse(time.RFC3339, tc.want)
		r := resolver{ps: zonePeriods(loc, w.Unix()-3*secondsPerDay, w.Unix()+3*secondsPerDay)}
		if got := r.at(w.Unix()); got != want.Unix() {
			t.Errorf("%s %s = %s, want %s", tc.zone, tc.wall, time.Unix(got, 0).In(loc).Format(time.RFC3339), tc.want)
		}
	}
}

// TestYearTablesConcurrently builds the same years from many goroutines at once (run with
// -race) and checks that they all get the answers of a calendar used from one goroutine.
func TestYearTablesConcurrently(t *testing.T) {
	shared, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	alone, _ := New(DefaultConfig())
	loc := alone.Location()
	var starts []time.Time
	for y := 2020; y < 2040; y++ {
		starts = append(starts, time.Date(y, 12, 30, 10, 0, 0, 0, loc))
	}
	want := make([]time.Time, len(starts))
	for i, s := range starts {
		want[i] = alone.Add(s, 1000*time.Hour)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(starts))
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i, s := range starts {
				if got := shared.Add(s, 1000*time.Hour); !got.Equal(want[i]) {
					errs <- got.String() + " != " + want[i].String()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestOnlyCachedYearsAreKept(t *testing.T) {
	c, _ := New(DefaultConfig())
	c.Between(time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1910, 1, 1, 0, 0, 0, 0, time.UTC))
	c.IsOpen(time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC))
	kept := 0
	for i := range c.cache {
		if c.cache[i].Load() != nil {
			kept++
		}
	}
	if kept != 11 { // 1900 to 1910, where Between's end lies; not 1850 to 1899 nor 2500
		t.Errorf("%d years kept, want 11", kept)
	}
}

func TestAddDoesNotAllocate(t *testing.T) {
	c := Default()
	start := time.Date(2026, 3, 10, 10, 0, 0, 0, c.Location())
	c.Add(start, 2000*time.Hour) // work the years out first
	c.Between(start, Never())
	if n := testing.AllocsPerRun(100, func() {
		_ = c.Add(start, 2000*time.Hour)
		_ = c.Between(start, start.AddDate(1, 0, 0))
		_ = c.NextOpen(start)
		_ = c.IsOpen(start)
		_ = c.Between(start, Never()) // 7,700 years, summed from kept totals
	}); n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}
