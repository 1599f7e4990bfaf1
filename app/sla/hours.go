package sla

import (
	"context"
	"slices"
	"strings"
	"time"

	"tugi/app/calendar"
	"tugi/app/i18n"
)

// Hours describes, in lang, the weekly opening hours of the support calendar in force,
// for the pages that tell customers when support answers (see HoursText).
func (cs *Calendars) Hours(ctx context.Context, lang string) (string, error) {
	cal, err := cs.Current(ctx)
	if err != nil {
		return "", err
	}
	return HoursText(cal.Config(), lang), nil
}

// weekday is the i-th day of the week as opening hours are told, Monday first.
func weekday(i int) time.Weekday { return time.Weekday((i + 1) % 7) }

// dayAbbr translates the short name of a weekday; a function, not a table, so that every
// text reaches i18n.T as a literal.
func dayAbbr(lang string, d time.Weekday) string {
	switch d {
	case time.Monday:
		return i18n.T(lang, "Mon")
	case time.Tuesday:
		return i18n.T(lang, "Tue")
	case time.Wednesday:
		return i18n.T(lang, "Wed")
	case time.Thursday:
		return i18n.T(lang, "Thu")
	case time.Friday:
		return i18n.T(lang, "Fri")
	case time.Saturday:
		return i18n.T(lang, "Sat")
	}
	return i18n.T(lang, "Sun")
}

// HoursText tells the weekly hours of cfg in lang, consecutive days with the same hours
// together, closed days left out, and the time zone they are in: "Mon–Fri 09:00–17:00
// (Europe/Tallinn); closed on public holidays". The holidays are mentioned when the
// calendar has any.
func HoursText(cfg calendar.Config, lang string) string {
	var groups []string
	for i := 0; i < 7; {
		hours := cfg.Weekly.Hours(weekday(i))
		j := i
		for j+1 < 7 && slices.Equal(cfg.Weekly.Hours(weekday(j+1)), hours) {
			j++
		}
		if len(hours) > 0 {
			days := dayAbbr(lang, weekday(i))
			if j > i {
				days += "–" + dayAbbr(lang, weekday(j))
			}
			spans := make([]string, len(hours))
			for k, h := range hours {
				spans[k] = strings.ReplaceAll(h, "-", "–")
			}
			groups = append(groups, days+" "+strings.Join(spans, ", "))
		}
		i = j + 1
	}
	text := i18n.T(lang, "no regular hours")
	if len(groups) > 0 {
		text = strings.Join(groups, "; ")
	}
	text += " (" + cfg.TimeZone + ")"
	if len(cfg.Holidays) > 0 {
		text += i18n.T(lang, "; closed on public holidays")
	}
	return text
}
