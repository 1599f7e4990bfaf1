package sla_test

import (
	"testing"

	"tugi/app/calendar"
	"tugi/app/sla"
)

// The hours are told as the calendar has them: equal neighbours together, closed days
// left out, days with equal hours that are not neighbours apart.
func TestHoursText(t *testing.T) {
	nine := []string{"09:00-17:00"}
	for _, tt := range []struct {
		name     string
		week     calendar.Week
		holidays bool
		lang     string
		want     string
	}{
		{"default", calendar.DefaultConfig().Weekly, true, "en", "Mon–Fri 09:00–17:00 (Europe/Tallinn); closed on public holidays"},
		{"default in Estonian", calendar.DefaultConfig().Weekly, true, "et", "E–R 09:00–17:00 (Europe/Tallinn); riigipühadel suletud"},
		{"gaps", calendar.Week{Monday: nine, Wednesday: nine, Sunday: []string{"10:00-12:00", "13:00-15:00"}}, false, "en",
			"Mon 09:00–17:00; Wed 09:00–17:00; Sun 10:00–12:00, 13:00–15:00 (Europe/Tallinn)"},
		{"every day", calendar.Week{Monday: nine, Tuesday: nine, Wednesday: nine, Thursday: nine, Friday: nine, Saturday: nine, Sunday: nine}, false, "et",
			"E–P 09:00–17:00 (Europe/Tallinn)"},
		{"openings only", calendar.Week{}, false, "en", "no regular hours (Europe/Tallinn)"},
	} {
		cfg := calendar.Config{TimeZone: "Europe/Tallinn", Weekly: tt.week}
		if tt.holidays {
			cfg.Holidays = calendar.DefaultConfig().Holidays
		}
		if got := sla.HoursText(cfg, tt.lang); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
