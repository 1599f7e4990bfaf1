package ticket

import (
	"strconv"
	"strings"
	"time"

	"tugi/app/i18n"
)

// dayMonth writes t's day and month as lang writes them: "24 Nov" in English, "24. nov"
// in Estonian, whose month names are lower case.
func dayMonth(lang string, t time.Time) string {
	day := strconv.Itoa(t.Day())
	if lang == "et" {
		day += "."
	}
	return day + " " + monthAbbr(lang, t.Month())
}

// monthAbbr is month's short name in lang; a function, not a table, so that every name
// reaches i18n.T as a literal.
func monthAbbr(lang string, m time.Month) string {
	switch m {
	case time.January:
		return i18n.T(lang, "Jan")
	case time.February:
		return i18n.T(lang, "Feb")
	case time.March:
		return i18n.T(lang, "Mar")
	case time.April:
		return i18n.T(lang, "Apr")
	case time.May:
		return i18n.T(lang, "May")
	case time.June:
		return i18n.T(lang, "Jun")
	case time.July:
		return i18n.T(lang, "Jul")
	case time.August:
		return i18n.T(lang, "Aug")
	case time.September:
		return i18n.T(lang, "Sep")
	case time.October:
		return i18n.T(lang, "Oct")
	case time.November:
		return i18n.T(lang, "Nov")
	case time.December:
		return i18n.T(lang, "Dec")
	}
	return m.String()
}

// weekdayIn is d's name in lang as it is written inside a sentence: Estonian writes
// weekdays in lower case ("avatakse esmaspäev").
func weekdayIn(lang string, d time.Weekday) string {
	s := i18n.T(lang, d.String())
	if lang == "et" {
		s = strings.ToLower(s)
	}
	return s
}
