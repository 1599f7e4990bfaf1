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

// TestShortAndWhenIn: a table's and a sentence's dates leave out what the reader knows
// (the day today, the year this year), in the reader's language, in the time's zone.
func TestShortAndWhenIn(t *testing.T) {
	tallinn, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 UTC on 24 November is already 25 November in Tallinn.
	now := time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC)
	today := time.Date(2026, 11, 25, 14, 3, 0, 0, tallinn)
	tuesday := time.Date(2026, 11, 24, 10, 30, 0, 0, tallinn)
	lastYear := time.Date(2025, 9, 1, 8, 5, 0, 0, tallinn)
	for _, c := range []struct {
		lang, what, got, want string
	}{
		{"en", "short today", web.ShortIn("en", today, now), "14:03 EET"},
		{"et", "short today", web.ShortIn("et", today, now), "14:03 EET"},
		{"en", "short this year", web.ShortIn("en", tuesday, now), "24 Nov 10:30 EET"},
		{"et", "short this year", web.ShortIn("et", tuesday, now), "24. november 10:30 EET"},
		{"en", "short last year", web.ShortIn("en", lastYear, now), "1 Sep 2025 08:05 EEST"},
		{"et", "short last year", web.ShortIn("et", lastYear, now), "1. september 2025 08:05 EEST"},
		{"en", "when", web.WhenIn("en", tuesday, now), "Tuesday 24 Nov 10:30 EET"},
		{"et", "when", web.WhenIn("et", tuesday, now), "teisipäev 24. november 10:30 EET"},
		{"et", "when last year", web.WhenIn("et", lastYear, now), "esmaspäev 1. september 2025 08:05 EEST"},
		{"en", "day", web.DayIn("en", tuesday), "24 Nov 2026"},
		{"et", "day", web.DayIn("et", tuesday), "24. november 2026"},
	} {
		if c.got != c.want {
			t.Errorf("%s %s = %q, want %q", c.lang, c.what, c.got, c.want)
		}
	}
}
