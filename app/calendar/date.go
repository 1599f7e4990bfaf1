package calendar

import (
	"fmt"
	"time"
)

// Date is a day of the proleptic Gregorian calendar, without a time or a zone: the unit of
// holidays, closures and Calendar.Day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads a date written YYYY-MM-DD, with a year from 0001 to 9999.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s[:4]) || !digits(s[5:7]) || !digits(s[8:]) {
		return Date{}, fmt.Errorf("%q is not a date written YYYY-MM-DD", s)
	}
	d := Date{Year: atoi(s[:4]), Month: time.Month(atoi(s[5:7])), Day: atoi(s[8:])}
	if d.Year == 0 || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > daysIn(d.Month, d.Year) {
		return Date{}, fmt.Errorf("%q is not a date of the calendar", s)
	}
	return d, nil
}

// String returns the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return weekday(d.days()) }

// days returns the number of days from 1970-01-01 to d. A date out of range, such as
// 31 April or month 13, is normalised the way time.Date does (to 1 May, January next year).
func (d Date) days() int64 {
	m := int64(d.Month) - 1
	y := int64(d.Year) + floorDiv(m, 12)
	return daysFromCivil(int(y), int(floorMod(m, 12))+1, 1) + int64(d.Day) - 1
}

// dateOfDays is the inverse of Date.days.
func dateOfDays(n int64) Date {
	y, m, d := civilFromDays(n)
	return Date{Year: y, Month: m, Day: d}
}

// secondsPerDay is the length of a civil day: wall-clock seconds, not elapsed time.
const secondsPerDay = 86400

// daysFromCivil returns the number of days from 1970-01-01 to year-month-day (month 1..12)
// in the proleptic Gregorian calendar (Howard Hinnant's algorithm; any year).
func daysFromCivil(year, month, day int) int64 {
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (int64(month) + 9) % 12 // March is 0
	doy := (153*mp+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(n int64) (year int, month time.Month, day int) {
	n += 719468
	era := floorDiv(n, 146097)
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = int(doy - (153*mp+2)/5 + 1)
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	return int(y), time.Month(m), day
}

// weekday returns the day of the week of day number n (days from 1970-01-01, a Thursday).
func weekday(n int64) time.Weekday { return time.Weekday(floorMod(n+4, 7)) }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if isLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// atoi converts a short string of ASCII digits, already checked with digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// Easter returns the date of Western Easter Sunday in year, by the anonymous Gregorian
// algorithm (Meeus/Jones/Butcher). It is always between 22 March and 25 April.
func Easter(year int) Date {
	y := int64(year)
	a := floorMod(y, 19)
	b, c := floorDiv(y, 100), floorMod(y, 100)
	d, e := floorDiv(b, 4), floorMod(b, 4)
	f := floorDiv(b+8, 25)
	g := floorDiv(b-f+1, 3)
	h := floorMod(19*a+b-d-g+15, 30)
	i, k := c/4, c%4
	l := floorMod(32+2*e+2*i-h-k, 7)
	m := (a + 11*h + 22*l) / 451
	n := h + l - 7*m + 114
	return Date{Year: year, Month: time.Month(n / 31), Day: int(n%31) + 1}
}
