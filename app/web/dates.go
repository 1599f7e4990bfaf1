package web

import (
	"strconv"
	"strings"
	"time"

	"tugi/app/i18n"
)

// DateIn is how pages print a moment in lang, in the time's own zone, the zone named:
// "6 Dec 2026 15:04 EET" in English, "6. detsember 2026 15:04 EET" in Estonian, which
// writes the day with a full stop and the month's name in full and in lower case. The
// templates' "date" is this in the page's language.
func DateIn(lang string, t time.Time) string {
	return dayMonthYear(lang, t) + " " + t.Format("15:04 MST")
}

// SecondIn is DateIn to the second, for the audit log.
func SecondIn(lang string, t time.Time) string {
	return dayMonthYear(lang, t) + " " + t.Format("15:04:05 MST")
}

func dayMonthYear(lang string, t time.Time) string {
	if lang == "et" {
		return strconv.Itoa(t.Day()) + ". " + monthName(lang, t.Month()) + " " + strconv.Itoa(t.Year())
	}
	return t.Format("2 Jan 2006")
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
