package sla

import (
	"testing"

	"tugi/app/calendar"
)

// TestHolidayNamesTranslated: every holiday and shortened day of the default calendar
// has an Estonian name; one the admin names is shown as written.
func TestHolidayNamesTranslated(t *testing.T) {
	cfg := calendar.DefaultConfig()
	var names []string
	for _, h := range cfg.Holidays {
		names = append(names, h.Name)
	}
	for _, d := range cfg.ShortenedDays {
		names = append(names, d.Name)
	}
	for _, n := range names {
		if et := holidayName("et", n); et == n {
			t.Errorf("%q has no Estonian name", n)
		}
	}
	if got := holidayName("et", "Company summer day"); got != "Company summer day" {
		t.Errorf("an admin's name became %q", got)
	}
}
