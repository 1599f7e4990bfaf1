package sla

import (
	"context"
	"time"

	"tugi/app/calendar"
)

// Location is the support calendar's time zone, in which pages show every time, its
// zone named. The calendar is cached (see Current), so asking for each time a page
// prints costs no query; if it cannot be read, the default calendar's zone is used.
func (cs *Calendars) Location() *time.Location {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cal, err := cs.Current(ctx)
	if err != nil {
		return calendar.Default().Location()
	}
	return cal.Location()
}
