package ticket

import (
	"time"

	"tugi/app/i18n"
)

// dueFromNow says when due is, seen from now, as an agent scanning the queue reads it:
// "in 45 min", "in 2 h 10 min", "in 3 days", "overdue 15 min". It counts wall-clock
// time (the queue shows the due time itself on hover, in the calendar's zone); the
// ticket's page says how much support time is left.
func dueFromNow(lang string, due, now time.Time) string {
	d := due.Sub(now)
	if d < 0 {
		return i18n.T(lang, "overdue %s", roughly(lang, -d))
	}
	return i18n.T(lang, "in %s", roughly(lang, d))
}

// roughly writes a span as precisely as a glance needs: minutes under an hour, hours and
// minutes under ten hours, hours under two days, days beyond.
func roughly(lang string, d time.Duration) string {
	switch {
	case d < time.Minute:
		return i18n.T(lang, "%d min", 1)
	case d < 10*time.Hour:
		return span(lang, d)
	case d < 48*time.Hour:
		return i18n.T(lang, "%d h", int(d.Round(time.Hour)/time.Hour))
	}
	return i18n.T(lang, "%d days", int(d.Round(24*time.Hour)/(24*time.Hour)))
}
