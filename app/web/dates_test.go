package web_test

import (
	"testing"
	"time"

	"tugi/app/web"
)

func TestDateIn(t *testing.T) {
	tallinn, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		t.Fatal(err)
	}
	sunday := time.Date(2026, 12, 6, 15, 4, 5, 0, tallinn)
	summer := time.Date(2026, 5, 31, 9, 0, 0, 0, tallinn)
	for _, c := range []struct {
		lang string
		t    time.Time
		date string
		sec  string
		day  string
	}{
		{"en", sunday, "6 Dec 2026 15:04 EET", "6 Dec 2026 15:04:05 EET", "Sunday"},
		{"et", sunday, "6. detsember 2026 15:04 EET", "6. detsember 2026 15:04:05 EET", "pühapäev"},
		{"et", summer, "31. mai 2026 09:00 EEST", "31. mai 2026 09:00:00 EEST", "pühapäev"},
		{"et", time.Date(2026, 7, 1, 9, 0, 0, 0, tallinn), "1. juuli 2026 09:00 EEST", "1. juuli 2026 09:00:00 EEST", "kolmapäev"},
	} {
		if got := web.DateIn(c.lang, c.t); got != c.date {
			t.Errorf("DateIn(%s, %v) = %q, want %q", c.lang, c.t, got, c.date)
		}
		if got := web.SecondIn(c.lang, c.t); got != c.sec {
			t.Errorf("SecondIn(%s, %v) = %q, want %q", c.lang, c.t, got, c.sec)
		}
		if got := web.WeekdayIn(c.lang, c.t.Weekday()); got != c.day {
			t.Errorf("WeekdayIn(%s, %v) = %q, want %q", c.lang, c.t.Weekday(), got, c.day)
		}
	}
}
