package calendar_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"tugi/app/calendar"
)

// FuzzParseConfig checks that ParseConfig never panics, that what it accepts New accepts,
// and that Format writes it so that ParseConfig reads back the same config and the same
// text. It also asks each accepted calendar a few questions, which must not panic or hang.
func FuzzParseConfig(f *testing.F) {
	f.Add(calendar.DefaultConfig().Format())
	custom := calendar.DefaultConfig()
	custom.TimeZone = "America/New_York"
	custom.Weekly.Saturday = []string{"00:00-01:00", "01:00-03:00", "22:00-24:00"}
	custom.Holidays = append(custom.Holidays, calendar.HolidayRule{Name: "Leap", Date: "02-29"}, calendar.HolidayRule{Name: "Late", Date: "easter+250"})
	custom.Closures = []calendar.Exception{{Date: "2026-07-03"}, {Date: "2026-07-07", Hours: []string{"12:00-17:00"}, Note: "é <&>"}}
	custom.Openings = []calendar.Exception{{Date: "2026-07-04", Hours: []string{"10:00-14:00"}}}
	f.Add(custom.Format())
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"time_zone":"UTC"}`,
		`{"time_zone":"UTC","weekly":{"monday":["09:00-17:00"]}}`,
		`{"time_zone":"UTC","openings":[{"date":"9998-12-31","hours":["23:59-24:00"]}]}`,
		`{"time_zone":"Europe/Tallinn","weekly":{"sunday":["00:00-24:00"]},"holidays":[{"name":"a","date":"easter-80"}]}`,
		`{"time_zone":"UTC","weekly":{"monday":["09:00-12:00","11:00-13:00"]}}`,
		`{"time_zone":"../../etc/passwd","weekly":{"monday":["09:00-17:00"]}}`,
		`{"time_zone":"UTC","weekly":{"monday":["09:00-17:00"]},"holidays":[{"name":"\u0000","date":"easter+-1"}]}`,
		`{"TIME_ZONE":"UTC","Weekly":{"MONDAY":["09:00-17:00"]}}`,
		`{"time_zone":"UTC","weekly":{"monday":["09:00-17:00"]},"closures":[{"date":"2026-07-03"}],"openings":[{"date":"2026-07-03","hours":["10:00-11:00"]}]}`,
	} {
		f.Add([]byte(s))
	}
	start := time.Date(2026, 3, 27, 16, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := calendar.ParseConfig(data)
		if err != nil {
			return
		}
		out := cfg.Format()
		again, err := calendar.ParseConfig(out)
		if err != nil {
			t.Fatalf("Format output does not parse: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(again, cfg) {
			t.Fatalf("round trip changed the config:\n%#v\n%#v", cfg, again)
		}
		if out2 := again.Format(); !bytes.Equal(out, out2) {
			t.Fatalf("Format is not stable:\n%s\n%s", out, out2)
		}
		c, err := calendar.New(cfg)
		if err != nil {
			t.Fatalf("ParseConfig accepted what New rejects: %v", err)
		}
		u := c.Add(start, 10*time.Hour)
		if u.Before(start) || (!u.Equal(calendar.Never()) && c.Between(start, u) != 10*time.Hour) {
			t.Fatalf("Add(%s, 10h) = %s, Between = %s", start, u, c.Between(start, u))
		}
		_ = c.Holidays(2026)
		_ = c.Day(calendar.Date{Year: 2026, Month: 7, Day: 3})
	})
}

// FuzzAddBetween checks Add and Between against each other on the default calendar for any
// start from 1900 to 2300 and any duration up to about 30 years of open time.
func FuzzAddBetween(f *testing.F) {
	f.Add(int64(1774620000), int64(0), int64(2*time.Hour))
	f.Add(int64(1798754400), int64(999999999), int64(1))
	f.Add(int64(-2208988800), int64(0), int64(60000*time.Hour))
	c := calendar.Default()
	lo, hi := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	f.Fuzz(func(t *testing.T, sec, nsec, d int64) {
		sec = lo + (sec%(hi-lo)+(hi-lo))%(hi-lo)
		nsec = (nsec%1e9 + 1e9) % 1e9
		d %= int64(60000 * time.Hour)
		start := time.Unix(sec, nsec).UTC()
		u := c.Add(start, time.Duration(d))
		want := max(time.Duration(d), 0)
		if got := c.Between(start, u); got != want {
			t.Fatalf("Between(%s, Add(start, %s) = %s) = %s", start, time.Duration(d), u, got)
		}
		if half := c.Add(start, time.Duration(d/2)); half.After(u) {
			t.Fatalf("Add(%s, %s) = %s after Add(start, %s) = %s", start, time.Duration(d/2), half, time.Duration(d), u)
		}
	})
}
