package web

import (
	"strconv"
	"strings"
	"time"

	"tugi/app/i18n"
)

// Every moment Go writes for a person goes through these, in the reader's language and in
// the time's own zone, which they name (callers convert it to the zone their text speaks
// of): one format, day, month, year, time and zone, of which ShortIn and WhenIn leave out
// what the reader already knows. English writes "6 Dec 2026 15:04 EET"; Estonian writes
// the day with a full stop and the month's name in full and in lower case, "6. detsember
// 2026 15:04 EET", and weekdays in lower case ("pühapäev"). Code outside this package
// never formats a month or weekday name itself (TestNoEnglishDatesOutsideWeb).

// DateIn is how pages and mail print a moment in lang, in the time's own zone, the zone
// named: "6 Dec 2026 15:04 EET", "6. detsember 2026 15:04 EET". The templates' "date" is
// this in the page's language.
func DateIn(lang string, t time.Time) string {
	return DayIn(lang, t) + " " + t.Format("15:04 MST")
}

// SecondIn is DateIn to the second, for the audit log.
func SecondIn(lang string, t time.Time) string {
	return DayIn(lang, t) + " " + t.Format("15:04:05 MST")
}

// DayIn is t's day alone, as DateIn writes it: "6 Dec 2026", "6. detsember 2026".
func DayIn(lang string, t time.Time) string {
	return dayMonth(lang, t) + " " + strconv.Itoa(t.Year())
}

// ShortIn is DateIn for a table, as short as now allows: "14:03 EET" on now's day, "25
// Nov 14:03 EET" ("25. november 14:03 EET") on another day of now's year, DateIn on
// others. Days are t's zone's; t is in the zone to show.
func ShortIn(lang string, t, now time.Time) string {
	now = now.In(t.Location())
	switch {
	case t.YearDay() == now.YearDay() && t.Year() == now.Year():
		return t.Format("15:04 MST")
	case t.Year() == now.Year():
		return dayMonth(lang, t) + " " + t.Format("15:04 MST")
	}
	return DateIn(lang, t)
}

// WhenIn is a moment inside a sentence, with its weekday, and its year when that is not
// now's: "Tuesday 24 Nov 10:30 EET", "teisipäev 24. november 10:30 EET". t is in the
// zone to show.
func WhenIn(lang string, t, now time.Time) string {
	s := WeekdayIn(lang, t.Weekday()) + " " + dayMonth(lang, t)
	if t.Year() != now.In(t.Location()).Year() {
		s += " " + strconv.Itoa(t.Year())
	}
	return s + " " + t.Format("15:04 MST")
}

// dayMonth is t's day and month: "6 Dec", "6. detsember".
func dayMonth(lang string, t time.Time) string {
	if lang == "et" {
		return strconv.Itoa(t.Day()) + ". " + monthName(lang, t.Month())
	}
	return t.Format("2 Jan")
}

// WeekdayIn is d's name in lang as written inside a sentence or a table: Estonian writes
// weekdays in lower case ("pühapäev").
func WeekdayIn(lang string, d time.Weekday) string {
	s := weekdayName(lang, d)
	if lang == "et" {
		s = strings.ToLower(s)
	}
	return s
}

// weekdayName translates d's name; a function, not a table, so that every name reaches
// i18n.T as a literal.
func weekdayName(lang string, d time.Weekday) string {
	switch d {
	case time.Monday:
		return i18n.T(lang, "Monday")
	case time.Tuesday:
		return i18n.T(lang, "Tuesday")
	case time.Wednesday:
		return i18n.T(lang, "Wednesday")
	case time.Thursday:
		return i18n.T(lang, "Thursday")
	case time.Friday:
		return i18n.T(lang, "Friday")
	case time.Saturday:
		return i18n.T(lang, "Saturday")
	}
	return i18n.T(lang, "Sunday")
}

// monthName is month m's full name in lang (lower case in Estonian, as its catalogue
// writes them).
func monthName(lang string, m time.Month) string {
	switch m {
	case time.January:
		return i18n.T(lang, "January")
	case time.February:
		return i18n.T(lang, "February")
	case time.March:
		return i18n.T(lang, "March")
	case time.April:
		return i18n.T(lang, "April")
	case time.May:
		return i18n.T(lang, "May")
	case time.June:
		return i18n.T(lang, "June")
	case time.July:
		return i18n.T(lang, "July")
	case time.August:
		return i18n.T(lang, "August")
	case time.September:
		return i18n.T(lang, "September")
	case time.October:
		return i18n.T(lang, "October")
	case time.November:
		return i18n.T(lang, "November")
	}
	return i18n.T(lang, "December")
}
