package ticket

import (
	"testing"
	"time"

	"tugi/app/calendar"
)

func TestDueFromNow(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		due  time.Duration
		want string
	}{
		{20 * time.Second, "in 1 min"},
		{45 * time.Minute, "in 45 min"},
		{2 * time.Hour, "in 2 h"},
		{2*time.Hour + 10*time.Minute, "in 2 h 10 min"},
		{17*time.Hour + 20*time.Minute, "in 17 h"},
		{3*24*time.Hour + 5*time.Hour, "in 3 days"},
		{-15 * time.Minute, "overdue 15 min"},
		{-26 * time.Hour, "overdue 26 h"},
	} {
		if got := dueFromNow("en", now.Add(tc.due), now); got != tc.want {
			t.Errorf("due in %s: %q, want %q", tc.due, got, tc.want)
		}
	}
	if got := dueFromNow("et", now.Add(2*time.Hour), now); got == "in 2 h" {
		t.Errorf("Estonian reads %q", got)
	}
}

// TestEstonianDates: Estonian writes weekdays and months in lower case, the month in full
// as everywhere else (web.DateIn), the day with a full stop.
func TestEstonianDates(t *testing.T) {
	ci := &calendarInfo{cal: calendar.Default()}
	at := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC) // Monday 09:00 in Tallinn
	if got := ci.when("et", at, at); got != "esmaspäev 30. november 09:00 EET" {
		t.Errorf("Estonian: %q", got)
	}
	if got := ci.when("en", at, at); got != "Monday 30 Nov 09:00 EET" {
		t.Errorf("English: %q", got)
	}
}

// TestDueClass: a queue's due cell is ok until the warning time, amber from it, red from
// the due time on, and red once the clock was marked breached whatever its times — the
// instants static/js/live.js turns an open page's cells at (data-warn-at, data-due-at).
func TestDueClass(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	warn, due := now.Add(time.Hour), now.Add(2*time.Hour)
	for _, tc := range []struct {
		at       time.Time
		warn     *time.Time
		breached bool
		want     string
	}{
		{now, &warn, false, "ok"},
		{warn.Add(-time.Second), &warn, false, "ok"},
		{warn, &warn, false, "warn"},
		{due.Add(-time.Second), &warn, false, "warn"},
		{due, &warn, false, "breach"},
		{due.Add(time.Hour), &warn, false, "breach"},
		{now, nil, false, "ok"},
		{due.Add(-time.Second), nil, false, "ok"},
		{due, nil, false, "breach"},
		{now, &warn, true, "breach"},
	} {
		if got := dueClass(tc.at, due, tc.warn, tc.breached); got != tc.want {
			t.Errorf("at %s (warn %v, due %s, breached %v): %q, want %q", tc.at.Format(time.TimeOnly), tc.warn, due.Format(time.TimeOnly), tc.breached, got, tc.want)
		}
	}
}
