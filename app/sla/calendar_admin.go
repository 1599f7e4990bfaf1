package sla

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/calendar"
	"tugi/app/i18n"
	"tugi/app/web"
)

const tplCalendar = "sla/calendar"

// weekdays in the order the page lists them, with their form field names.
var weekdays = []struct {
	Day   time.Weekday
	Field string
	Label string
}{
	{time.Monday, "monday", "Monday"}, {time.Tuesday, "tuesday", "Tuesday"}, {time.Wednesday, "wednesday", "Wednesday"},
	{time.Thursday, "thursday", "Thursday"}, {time.Friday, "friday", "Friday"}, {time.Saturday, "saturday", "Saturday"},
	{time.Sunday, "sunday", "Sunday"},
}

// CalendarPage is the data of the support calendar page.
type CalendarPage struct {
	Zone       string
	Status     Status
	Weekdays   []WeekdayRow
	Years      []YearRow
	Exceptions []ExceptionRow // closures and openings, by date
	Preview    *Preview
	Priority   []Priority
}

// WeekdayRow is one weekday's hours on the page.
type WeekdayRow struct{ Field, Label string }

// YearRow lists one year's holidays and shortened days.
type YearRow struct {
	Year     int
	Holidays []HolidayRow
}

// HolidayRow is a holiday or shortened day as the page shows it.
type HolidayRow struct {
	Date    string // 2026-12-24
	Weekday string // Thursday
	Name    string
	Hours   string // of a shortened day: "09:00-14:00"; empty when closed all day
}

// ExceptionRow is an extra closure or opening, with its place in the configuration.
type ExceptionRow struct {
	Kind  string // "closure" or "opening"
	Index int    // in Config.Closures or Config.Openings
	calendar.Exception
}

// Preview answers "a ticket of this priority arriving then is due when".
type Preview struct {
	Priority      Priority
	Arrival       time.Time
	FirstResponse time.Time
	NextResponse  time.Time
	Resolution    time.Time
}

// Calendar shows the support calendar: weekly hours, the holidays of this year and the
// next, extra closures and openings, and a preview of due times.
func (a *Admin) Calendar(c echo.Context) error {
	return a.renderCalendar(c, http.StatusOK, web.Form{})
}

func (a *Admin) renderCalendar(c echo.Context, status int, form web.Form) error {
	ctx := c.Request().Context()
	cal, err := a.calendars.Current(ctx)
	if err != nil {
		return err
	}
	cfg := cal.Config()
	now := time.Now().In(cal.Location())
	data := CalendarPage{Zone: cfg.TimeZone, Status: StatusAt(cal, now), Priority: Priorities}
	for _, w := range weekdays {
		data.Weekdays = append(data.Weekdays, WeekdayRow{Field: w.Field, Label: w.Label})
	}
	for _, y := range []int{now.Year(), now.Year() + 1} {
		row := YearRow{Year: y}
		for _, h := range cal.Holidays(y) {
			row.Holidays = append(row.Holidays, HolidayRow{Date: h.Date.String(), Weekday: web.WeekdayIn(web.ViewerOf(c).Lang, h.Date.Weekday()),
				Name: holidayName(web.ViewerOf(c).Lang, h.Name), Hours: strings.Join(h.Hours, ", ")})
		}
		data.Years = append(data.Years, row)
	}
	for i, x := range cfg.Closures {
		data.Exceptions = append(data.Exceptions, ExceptionRow{Kind: "closure", Index: i, Exception: x})
	}
	for i, x := range cfg.Openings {
		data.Exceptions = append(data.Exceptions, ExceptionRow{Kind: "opening", Index: i, Exception: x})
	}
	slices.SortStableFunc(data.Exceptions, func(a, b ExceptionRow) int { return strings.Compare(a.Date, b.Date) })
	if form.Values == nil {
		form.Values = url.Values{}
	}
	for _, w := range weekdays {
		if _, ok := form.Values[w.Field]; !ok {
			form.Values.Set(w.Field, strings.Join(cfg.Weekly.Hours(w.Day), ", "))
		}
	}

	// The preview: from the query string, or a ticket arriving now at normal priority.
	q := c.QueryParams()
	pr, arrival := Priority(q.Get("priority")), now
	if !slices.Contains(Priorities, pr) {
		pr = Normal
	}
	if s := q.Get("arrival"); s != "" {
		if t, err := time.ParseInLocation("2006-01-02T15:04", s, cal.Location()); err == nil {
			arrival = t
		} else {
			form.Fail("arrival", "Enter a date and time.")
		}
	}
	form.Values.Set("priority", string(pr))
	form.Values.Set("arrival", arrival.Format("2006-01-02T15:04"))
	policies, err := NewStore(a.db).Policies(ctx)
	if err != nil {
		return err
	}
	for _, p := range policies {
		if p.Priority == pr {
			data.Preview = &Preview{Priority: pr, Arrival: arrival,
				FirstResponse: cal.Add(arrival, p.FirstResponse),
				NextResponse:  cal.Add(arrival, p.NextResponse),
				Resolution:    cal.Add(arrival, p.Resolution)}
		}
	}

	p := a.render.NewPage(c, "Support calendar")
	p.Form = form
	p.Data = data
	if web.IsPartial(c) && c.Request().Method == http.MethodGet && q.Has("arrival") {
		return c.Render(status, tplCalendar+"#preview", p)
	}
	return c.Render(status, tplCalendar, p)
}

// SaveHours stores the weekly opening hours.
func (a *Admin) SaveHours(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	form := web.Form{Values: values}
	cal, err := a.calendars.Current(c.Request().Context())
	if err != nil {
		return err
	}
	cfg := cal.Config()
	for _, w := range weekdays {
		cfg.Weekly.SetHours(w.Day, splitHours(values.Get(w.Field)))
	}
	return a.saveCalendar(c, form, cfg, "weekly hours", func(field string) string {
		for _, w := range weekdays {
			if strings.HasPrefix(field, "weekly."+w.Field) {
				return w.Field
			}
		}
		return "monday" // "weekly": open on no day at all
	})
}

type exceptionForm struct {
	Kind  string `form:"kind" validate:"required,oneof=closure opening"`
	Date  string `form:"date" validate:"required"`
	Hours string `form:"hours" validate:"max=200"`
	Note  string `form:"note" validate:"max=200"`
}

// AddException adds an extra closure or opening on one date.
func (a *Admin) AddException(c echo.Context) error {
	var f exceptionForm
	form, err := a.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	if _, err := calendar.ParseDate(f.Date); f.Date != "" && err != nil {
		form.Fail("date", "Enter a date.")
	}
	if f.Kind == "opening" && f.Hours == "" {
		form.Fail("hours", "An extra opening needs its hours, such as 10:00-14:00.")
	}
	if form.Invalid() {
		return a.renderCalendar(c, http.StatusUnprocessableEntity, form)
	}
	cal, err := a.calendars.Current(c.Request().Context())
	if err != nil {
		return err
	}
	cfg := cal.Config()
	x := calendar.Exception{Date: f.Date, Hours: splitHours(f.Hours), Note: f.Note}
	field := "openings"
	if f.Kind == "closure" {
		cfg.Closures = append(cfg.Closures, x)
		field = "closures"
	} else {
		cfg.Openings = append(cfg.Openings, x)
	}
	return a.saveCalendar(c, form, cfg, f.Kind+" added", func(path string) string {
		if strings.HasPrefix(path, field) && strings.HasSuffix(path, ".date") {
			return "date"
		}
		return "hours"
	})
}

// RemoveException removes an extra closure or opening.
func (a *Admin) RemoveException(c echo.Context) error {
	cal, err := a.calendars.Current(c.Request().Context())
	if err != nil {
		return err
	}
	cfg := cal.Config()
	list := &cfg.Openings
	if c.FormValue("kind") == "closure" {
		list = &cfg.Closures
	}
	i, err := strconv.Atoi(c.FormValue("index"))
	// The date guards against removing another entry when the list changed meanwhile.
	if err != nil || i < 0 || i >= len(*list) || (*list)[i].Date != c.FormValue("date") {
		return echo.ErrNotFound
	}
	*list = slices.Delete(*list, i, i+1)
	return a.saveCalendar(c, web.Form{}, cfg, c.FormValue("kind")+" removed", func(string) string { return "date" })
}

// saveCalendar stores cfg, or shows the page again with the problems beside the fields
// that fieldOf names for each configuration path.
func (a *Admin) saveCalendar(c echo.Context, form web.Form, cfg calendar.Config, change string, fieldOf func(path string) string) error {
	err := a.calendars.SaveCalendar(c.Request().Context(), web.Actor(c), change, cfg)
	var ce *calendar.ConfigError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			form.Fail(fieldOf(p.Field), "Write hours as 09:00-17:00, several separated by commas, not overlapping; leave empty for closed.")
		}
		return a.renderCalendar(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, "Support calendar saved."))
	return web.Redirect(c, "/admin/calendar")
}

// splitHours reads "09:00-12:00, 13:00 - 17:00" as a list of intervals.
func splitHours(s string) []string {
	var out []string
	for _, h := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if h = strings.Join(strings.Fields(h), ""); h != "" {
			out = append(out, h)
		}
	}
	return out
}
