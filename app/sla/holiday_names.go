package sla

import "tugi/app/i18n"

// holidayName is the name of a holiday or shortened day of the default calendar in lang
// (Estonian writes them in lower case, as in the act); a name the admin gave is shown
// as they wrote it.
func holidayName(lang, name string) string {
	switch name {
	case "New Year's Day":
		return i18n.T(lang, "New Year's Day")
	case "Independence Day":
		return i18n.T(lang, "Independence Day")
	case "Good Friday":
		return i18n.T(lang, "Good Friday")
	case "Easter Sunday":
		return i18n.T(lang, "Easter Sunday")
	case "Spring Day":
		return i18n.T(lang, "Spring Day")
	case "Whit Sunday":
		return i18n.T(lang, "Whit Sunday")
	case "Victory Day":
		return i18n.T(lang, "Victory Day")
	case "Midsummer Day":
		return i18n.T(lang, "Midsummer Day")
	case "Day of Restoration of Independence":
		return i18n.T(lang, "Day of Restoration of Independence")
	case "Christmas Eve":
		return i18n.T(lang, "Christmas Eve")
	case "Christmas Day":
		return i18n.T(lang, "Christmas Day")
	case "Boxing Day":
		return i18n.T(lang, "Boxing Day")
	case "Day before Independence Day":
		return i18n.T(lang, "Day before Independence Day")
	case "Day before Victory Day":
		return i18n.T(lang, "Day before Victory Day")
	case "Day before Christmas Eve":
		return i18n.T(lang, "Day before Christmas Eve")
	case "New Year's Eve":
		return i18n.T(lang, "New Year's Eve")
	}
	return name
}
