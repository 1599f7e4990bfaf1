package sla

import (
	"time"

	"tugi/app/calendar"
)

// Status says whether support is open at an instant and, if not, when it opens.
type Status struct {
	Open    bool
	OpensAt time.Time // when closed: the next opening, in the calendar's zone
	Never   bool      // closed, and no opening is planned
}

// StatusAt returns the support status at now.
func StatusAt(cal *calendar.Calendar, now time.Time) Status {
	if cal.IsOpen(now) {
		return Status{Open: true}
	}
	next := cal.NextOpen(now)
	if next.Equal(calendar.Never()) {
		return Status{Never: true}
	}
	return Status{OpensAt: next.In(cal.Location())}
}
