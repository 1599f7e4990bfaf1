package calendar_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"tugi/app/calendar"
)

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*calendar.Config)
		field string // the field named
		says  string // part of its message
	}{
		{"no zone", func(c *calendar.Config) { c.TimeZone = "" }, "time_zone", "required"},
		{"unknown zone", func(c *calendar.Config) { c.TimeZone = "Europe/Tartu" }, "time_zone", `"Europe/Tartu" is not a known time zone`},
		{"machine zone", func(c *calendar.Config) { c.TimeZone = "Local" }, "time_zone", "depends on the machine"},
		{"end before start", func(c *calendar.Config) { c.Weekly.Monday = []string{"17:00-09:00"} }, "weekly.monday[0]", "ends before it starts"},
		{"empty interval", func(c *calendar.Config) { c.Weekly.Tuesday = []string{"09:00-09:00"} }, "weekly.tuesday[0]", "is empty"},
		{"overlap", func(c *calendar.Config) { c.Weekly.Friday = []string{"09:00-12:00", "11:00-13:00"} }, "weekly.friday", `"09:00-12:00" overlaps "11:00-13:00"`},
		{"bad clock", func(c *calendar.Config) { c.Weekly.Monday = []string{"9:00-17:00"} }, "weekly.monday[0]", "HH:MM-HH:MM"},
		{"25 o'clock", func(c *calendar.Config) { c.Weekly.Monday = []string{"09:00-25:00"} }, "weekly.monday[0]", `"25:00" is not a time`},
		{"start at 24:00", func(c *calendar.Config) { c.Weekly.Sunday = []string{"24:00-24:00"} }, "weekly.sunday[0]", `"24:00" is not a time`},
		{"minutes", func(c *calendar.Config) { c.Weekly.Monday = []string{"09:60-17:00"} }, "weekly.monday[0]", `"09:60" is not a time`},
		{"holiday date", func(c *calendar.Config) { c.Holidays[0].Date = "13-01" }, "holidays[0].date", "not a day of the year"},
		{"holiday 31 April", func(c *calendar.Config) { c.Holidays[0].Date = "04-31" }, "holidays[0].date", "not a day of the year"},
		{"holiday name", func(c *calendar.Config) { c.Holidays[2].Name = " " }, "holidays[2].name", "required"},
		{"easter offset", func(c *calendar.Config) { c.Holidays[2].Date = "easter+300" }, "holidays[2].date", "from -80 to +250"},
		{"easter syntax", func(c *calendar.Config) { c.Holidays[2].Date = "easter 2" }, "holidays[2].date", "easter+N"},
		{"shortened hours", func(c *calendar.Config) { c.ShortenedDays[1].Hours = nil }, "shortened_days[1].hours", "required"},
		{"shortened interval", func(c *calendar.Config) { c.ShortenedDays[1].Hours = []string{"14:00-09:00"} }, "shortened_days[1].hours[0]", "ends before"},
		{"closure date", func(c *calendar.Config) { c.Closures = []calendar.Exception{{Date: "2026-02-30"}} }, "closures[0].date", "not a date of the calendar"},
		{"closure format", func(c *calendar.Config) { c.Closures = []calendar.Exception{{Date: "3.7.2026"}} }, "closures[0].date", "YYYY-MM-DD"},
		{"opening without hours", func(c *calendar.Config) { c.Openings = []calendar.Exception{{Date: "2026-07-04"}} }, "openings[0].hours", "required"},
		{"opening on a closed day", func(c *calendar.Config) {
			c.Closures = []calendar.Exception{{Date: "2026-07-03"}}
			c.Openings = []calendar.Exception{{Date: "2026-07-03", Hours: []string{"10:00-12:00"}}}
		}, "openings[0].date", "closed all day by closures[0]"},
		{"never open", func(c *calendar.Config) { c.Weekly = calendar.Week{} }, "weekly", "would never be open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := calendar.DefaultConfig()
			tc.edit(&cfg)
			c, err := calendar.New(cfg)
			if err == nil {
				t.Fatalf("New accepted it: %v", c)
			}
			var ce *calendar.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *ConfigError", err)
			}
			found := false
			for _, p := range ce.Problems {
				found = found || (p.Field == tc.field && strings.Contains(p.Message, tc.says))
			}
			if !found {
				t.Errorf("problems %q do not name %s with %q", ce.Problems, tc.field, tc.says)
			}
			if !strings.HasPrefix(err.Error(), "calendar config: "+tc.field+": ") {
				t.Errorf("message %q does not start with the field", err)
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	cfg := calendar.DefaultConfig()
	cfg.TimeZone = "Nowhere/City"
	cfg.Weekly.Monday = []string{"x"}
	cfg.Holidays[3].Date = "easter++1"
	_, err := calendar.New(cfg)
	var ce *calendar.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *ConfigError", err)
	}
	var fields []string
	for _, p := range ce.Problems {
		fields = append(fields, p.Field)
	}
	if want := []string{"time_zone", "weekly.monday[0]", "holidays[3].date"}; !slices.Equal(fields, want) {
		t.Errorf("fields = %q, want %q", fields, want)
	}
}

func TestNewAcceptsEdgeConfigs(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  calendar.Config
	}{
		{"touching intervals", weekdays("UTC", "12:00-17:00", "09:00-12:00")},
		{"whole day", everyDay("Pacific/Kiritimati", "00:00-24:00")},
		{"only openings", calendar.Config{TimeZone: "UTC", Openings: []calendar.Exception{{Date: "2026-01-01", Hours: []string{"00:00-00:01"}}}}},
		{"leap-day holiday", func() calendar.Config {
			c := weekdays("UTC", "09:00-17:00")
			c.Holidays = []calendar.HolidayRule{{Name: "Leap day", Date: "02-29"}, {Name: "Shrove Tuesday", Date: "easter-47"}, {Name: "Last", Date: "easter+250"}, {Name: "First", Date: "easter-80"}}
			return c
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := calendar.New(tc.cfg); err != nil {
				t.Fatal(err)
			}
		})
	}

	c := mustNew(t, func() calendar.Config {
		c := weekdays("UTC", "09:00-17:00")
		c.Holidays = []calendar.HolidayRule{{Name: "Leap day", Date: "02-29"}}
		return c
	}())
	if c.Day(date("2028-02-29")) != nil || c.Day(date("2027-03-01")) == nil || len(c.Holidays(2027)) != 0 {
		t.Error("a 02-29 holiday is wrong in leap or common years")
	}
}

func TestDefaultConfig(t *testing.T) {
	cfg := calendar.DefaultConfig()
	if cfg.TimeZone != "Europe/Tallinn" {
		t.Errorf("zone %q", cfg.TimeZone)
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		want := []string{"09:00-17:00"}
		if d == time.Saturday || d == time.Sunday {
			want = nil
		}
		if got := cfg.Weekly.Hours(d); !slices.Equal(got, want) {
			t.Errorf("%s hours %q, want %q", d, got, want)
		}
	}
	// Editing one copy, as the admin page does, changes neither Default nor the next copy.
	cfg.Weekly.Monday[0] = "10:00-11:00"
	cfg.Holidays[0].Name = "changed"
	if again := calendar.DefaultConfig(); again.Weekly.Monday[0] != "09:00-17:00" || again.Holidays[0].Name != "New Year's Day" {
		t.Error("DefaultConfig shares its slices")
	}
	got := calendar.Default().Config()
	got.Weekly.Tuesday[0] = "10:00-11:00"
	if !reflect.DeepEqual(calendar.Default().Config(), calendar.DefaultConfig()) {
		t.Error("Default().Config() is not DefaultConfig(), or shares its slices")
	}
	if calendar.Default() != calendar.Default() {
		t.Error("Default builds a new calendar on each call")
	}
}

func TestParseConfigRoundTrip(t *testing.T) {
	cfg := calendar.DefaultConfig()
	cfg.Weekly.Saturday = []string{"10:00-12:00", "13:00-15:00"}
	cfg.Closures = []calendar.Exception{{Date: "2026-07-03", Note: "summer <day> & \"team\""}, {Date: "2026-07-07", Hours: []string{"12:00-17:00"}}}
	cfg.Openings = []calendar.Exception{{Date: "2026-07-05", Hours: []string{"10:00-14:00"}}}
	text := cfg.Format()
	back, err := calendar.ParseConfig(text)
	if err != nil {
		t.Fatalf("ParseConfig(Format()): %v\n%s", err, text)
	}
	if !reflect.DeepEqual(back, cfg) {
		t.Errorf("round trip changed the config:\n got %+v\nwant %+v", back, cfg)
	}
	for _, want := range []string{`"time_zone": "Europe/Tallinn"`, `"date": "easter-2"`, `"saturday": [`, `"shortened_days": [`} {
		if !strings.Contains(string(text), want) {
			t.Errorf("Format() lacks %s:\n%s", want, text)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ in, says string }{
		{``, "EOF"},
		{`{"time_zone": "UTC", "weekly": {"monday": ["09:00-17:00"]}, "colour": "red"}`, `unknown field "colour"`},
		{`{"time_zone": "UTC", "weekly": {"funday": ["09:00-17:00"]}}`, `unknown field "funday"`},
		{`{"time_zone": "UTC", "weekly": {"monday": "09:00-17:00"}}`, "cannot unmarshal string"},
		{`{"time_zone": "UTC", "weekly": {"monday": ["09:00-17:00"]}} {}`, "more data after"},
		{`{"time_zone": "UTC"}`, "weekly: no opening hours"},
		{`null`, "time_zone: required"},
		{`{"time_zone": "UTC", "weekly": {"monday": ["09:00-17:00"]}, "holidays": [{"name": "X", "date": "12-32"}]}`, "holidays[0].date"},
		{strings.Repeat(" ", 1<<20+1), "more than"},
	} {
		_, err := calendar.ParseConfig([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("ParseConfig(%.60q) error = %v, want one saying %q", tc.in, err, tc.says)
		}
	}
	// Empty lists are read as absent, so that a config equals itself after a round trip.
	cfg, err := calendar.ParseConfig([]byte(`{"time_zone": "UTC", "weekly": {"monday": ["09:00-17:00"], "tuesday": []}, "holidays": []}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Weekly.Tuesday != nil || cfg.Holidays != nil {
		t.Errorf("empty lists kept: %#v", cfg)
	}
}
