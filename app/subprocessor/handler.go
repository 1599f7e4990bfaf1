package subprocessor

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/i18n"
	"tugi/app/web"
)

// The templates of the list.
const (
	tplList  = "subprocessor/list"
	tplAdmin = "admin/subprocessors"
)

// Handler serves the list to everyone signed in and its changes to the admins.
type Handler struct {
	svc      *Service
	render   *web.Renderer
	validate *web.Validator
}

// NewHandler returns the pages of svc.
func NewHandler(svc *Service, r *web.Renderer, v *web.Validator) *Handler {
	return &Handler{svc: svc, render: r, validate: v}
}

// Page is the data of both pages.
type Page struct {
	List       List
	Engaged    []Subprocessor // engaged now or announced: what the admin may still give a last day
	NoticeDays int
	Earliest   string // the first day a change announced now may take effect, for the date fields
}

// List shows the sub-processors: engaged now, announced, and past.
func (h *Handler) List(c echo.Context) error {
	return h.render1(c, tplList, "Sub-processors", http.StatusOK, web.Form{})
}

// Admin shows the list with the forms that change it.
func (h *Handler) Admin(c echo.Context) error {
	return h.render1(c, tplAdmin, "Sub-processors", http.StatusOK, web.Form{})
}

func (h *Handler) render1(c echo.Context, tpl, title string, status int, form web.Form) error {
	l, err := h.svc.List(c.Request().Context())
	if err != nil {
		return err
	}
	p := h.render.NewPage(c, title)
	p.Form = form
	p.Data = Page{List: l, Engaged: append(slices.Clip(l.Current), l.Upcoming...), NoticeDays: NoticeDays, Earliest: h.svc.EarliestChange().Format(time.DateOnly)}
	return c.Render(status, tpl, p)
}

type addForm struct {
	Name     string `form:"name" validate:"required,max=200"`
	Purpose  string `form:"purpose" validate:"required,max=500"`
	Location string `form:"location" validate:"required,max=200"`
	StartsOn string `form:"starts_on" validate:"required"`
	// Existing: engaged already, as the customers' agreements list it; recorded without a
	// notice, since a day in the past.
	Existing bool `form:"existing"`
}

// Add announces a new sub-processor.
func (h *Handler) Add(c echo.Context) error {
	var f addForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	lang := web.ViewerOf(c).Lang
	var day time.Time
	if f.Existing {
		day = parseDay(&form, "starts_on", f.StartsOn)
		if _, failed := form.Errors["starts_on"]; !failed && day.After(h.svc.Today()) {
			form.Fail("starts_on", "One engaged already started today or earlier.")
		}
	} else {
		day = h.day(&form, lang, "starts_on", f.StartsOn)
	}
	if !form.Invalid() {
		sp, ctx := Subprocessor{Name: f.Name, Purpose: f.Purpose, Location: f.Location, StartsOn: day}, web.Once(c, "/admin/subprocessors")
		if f.Existing {
			_, err = h.svc.Record(ctx, web.Actor(c), sp)
		} else {
			_, err = h.svc.Add(ctx, web.Actor(c), sp)
		}
		if err != nil {
			return err
		}
	}
	if form.Invalid() {
		return h.render1(c, tplAdmin, "Sub-processors", http.StatusUnprocessableEntity, form)
	}
	if f.Existing {
		web.Flash(c, i18n.T(lang, "%s recorded.", f.Name))
	} else {
		web.Flash(c, i18n.T(lang, "%s announced to every customer contact.", f.Name))
	}
	return web.Redirect(c, "/admin/subprocessors")
}

type endForm struct {
	EndsOn string `form:"ends_on" validate:"required"`
}

// End announces the last day of a sub-processor.
func (h *Handler) End(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	var f endForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	lang := web.ViewerOf(c).Lang
	day := h.day(&form, lang, "ends_on", f.EndsOn)
	if !form.Invalid() {
		err = h.svc.End(web.Once(c, "/admin/subprocessors"), web.Actor(c), id, day)
		switch {
		case errors.Is(err, ErrNotFound):
			return echo.ErrNotFound
		case errors.Is(err, ErrEnded):
			form.Fail("ends_on", "Its last day is set already.")
		case errors.Is(err, ErrBadDay):
			form.Fail("ends_on", "The last day cannot come before the first.")
		case err != nil:
			return err
		}
	}
	if form.Invalid() {
		form.Values.Set("end_id", c.Param("id"))
		return h.render1(c, tplAdmin, "Sub-processors", http.StatusUnprocessableEntity, form)
	}
	web.Flash(c, i18n.T(lang, "The last day was announced to every customer contact."))
	return web.Redirect(c, "/admin/subprocessors")
}

// day reads a date field, failing it when it is no date or comes sooner than a change may.
func (h *Handler) day(form *web.Form, lang, field, value string) time.Time {
	d := parseDay(form, field, value)
	if _, failed := form.Errors[field]; failed {
		return d
	}
	if earliest := h.svc.EarliestChange(); d.Before(earliest) {
		form.Fail(field, i18n.T(lang, "Customers must be told %d days ahead: %s at the earliest.", NoticeDays, earliest.Format(time.DateOnly)))
	}
	return d
}

// parseDay reads a date field, failing it when it holds no date.
func parseDay(form *web.Form, field, value string) time.Time {
	if _, failed := form.Errors[field]; failed {
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(value))
	if err != nil {
		form.Fail(field, "Enter a date as year-month-day, such as 2027-01-31.")
	}
	return d
}
