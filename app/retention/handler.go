package retention

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/route"
	"tugi/app/user"
	"tugi/app/web"
)

// tplRetention is the template of the page.
const tplRetention = "admin/retention"

// path is the page's address.
const path = "/admin/retention"

// Handler serves /admin/retention: admins change the rules and holds, the CISO reads them.
type Handler struct {
	svc      *Service
	db       database.Queryer
	render   *web.Renderer
	validate *web.Validator
}

// NewHandler returns the page of svc.
func NewHandler(svc *Service, r *web.Renderer, v *web.Validator) *Handler {
	return &Handler{svc: svc, db: svc.o.DB, render: r, validate: v}
}

// Routes are the page, for the admins and the CISO, and its forms, for the admins.
func (h *Handler) Routes() []route.Route {
	admins := access.AnyOf(access.Admin)
	return []route.Route{
		{Method: http.MethodGet, Path: path, Kind: route.Page, Rule: access.AnyOf(access.Admin, access.CISO), Strength: access.SecondFactor, Handler: h.Page},
		{Method: http.MethodPost, Path: path + "/rules", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.SetDefaults},
		{Method: http.MethodPost, Path: path + "/overrides", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.SetOverride},
		{Method: http.MethodPost, Path: path + "/overrides/remove", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.RemoveOverride},
		{Method: http.MethodPost, Path: path + "/holds", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.PlaceHold},
		{Method: http.MethodPost, Path: path + "/holds/:id/release", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.ReleaseHold},
	}
}

// Page is the data of the page.
type Page struct {
	Defaults  []DefaultRow
	OrgKinds  []web.Option // the kinds an organisation may have a rule of its own for
	Overrides []Rule
	Active    []Hold
	Released  []Hold
	Preview   Figures
	Totals    []Total
	Runs      []Run
	CanChange bool // an admin: the forms show
	Zone      string
}

// DefaultRow is one kind's default rule, as its field shows it.
type DefaultRow struct {
	KindInfo
	Field string // the form field: days_<kind>
	Days  string // "" for ever
}

// Total is how many things of one kind the next run would remove.
type Total struct {
	KindInfo
	Count int64
}

// Label names the figure's kind in lang.
func (f Figure) Label(lang string) string { return f.Kind.Label(lang) }

// Page shows the rules, the holds, what the next run would remove, and the latest runs.
func (h *Handler) Page(c echo.Context) error {
	return h.show(c, http.StatusOK, web.Form{})
}

func (h *Handler) show(c echo.Context, status int, form web.Form) error {
	ctx := c.Request().Context()
	rules, err := h.svc.Rules(ctx)
	if err != nil {
		return err
	}
	holds, err := h.svc.Holds(ctx)
	if err != nil {
		return err
	}
	preview, err := h.svc.Preview(ctx)
	if err != nil {
		return err
	}
	runs, err := h.svc.Runs(ctx, 30)
	if err != nil {
		return err
	}
	lang := web.ViewerOf(c).Lang
	data := Page{Preview: preview, Runs: runs, CanChange: web.ViewerOf(c).Has(access.Admin), Zone: audit.Zone().String()}
	for _, k := range Kinds {
		row := DefaultRow{KindInfo: k, Field: "days_" + string(k.Kind)}
		for _, r := range rules {
			if r.Kind == k.Kind && !r.OrgID.Valid && r.Days.Valid {
				row.Days = strconv.FormatInt(r.Days.Int64, 10)
			}
		}
		data.Defaults = append(data.Defaults, row)
		data.Totals = append(data.Totals, Total{KindInfo: k, Count: preview.Total(k.Kind)})
		if k.OrgBound {
			data.OrgKinds = append(data.OrgKinds, web.Option{Value: string(k.Kind), Label: k.Kind.Label(lang)})
		}
	}
	for _, r := range rules {
		if r.OrgID.Valid {
			data.Overrides = append(data.Overrides, r)
		}
	}
	for _, hold := range holds {
		if hold.ReleasedAt.Valid {
			data.Released = append(data.Released, hold)
		} else {
			data.Active = append(data.Active, hold)
		}
	}
	p := h.render.NewPage(c, "Retention")
	p.Form = form
	p.Data = data
	return c.Render(status, tplRetention, p)
}

// readDays reads a field of days: empty is for ever (nil); else a whole number from the
// kind's shortest period to MaxDays, or a message beside the field.
func readDays(form *web.Form, lang, field, value string, info KindInfo) *int {
	value = strings.TrimSpace(value)
	if value == "" {
		return nil
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < info.MinDays || n > MaxDays {
		form.Fail(field, i18n.T(lang, "Enter a whole number of days from %d to %d, or leave it empty to keep them for ever.", info.MinDays, MaxDays))
		return nil
	}
	return &n
}

// SetDefaults saves the default rules of every kind at once, or none when a field needs
// fixing.
func (h *Handler) SetDefaults(c echo.Context) error {
	params, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "the form could not be read").SetInternal(err)
	}
	form := web.Form{Values: params}
	lang := web.ViewerOf(c).Lang
	days := map[Kind]*int{}
	for _, k := range Kinds {
		field := "days_" + string(k.Kind)
		days[k.Kind] = readDays(&form, lang, field, params.Get(field), k)
	}
	if form.Invalid() {
		return h.show(c, http.StatusUnprocessableEntity, form)
	}
	if err := h.svc.SetDefaults(c.Request().Context(), web.Actor(c), days); err != nil {
		return err
	}
	web.Flash(c, i18n.T(lang, "The retention rules were saved. The next run applies them."))
	return web.Redirect(c, path)
}

type overrideForm struct {
	Organisation string `form:"override_org" validate:"required,max=200"`
	Kind         string `form:"override_kind" validate:"required"`
	Days         string `form:"override_days" validate:"max=10"`
}

// SetOverride saves an organisation's own rule for one kind.
func (h *Handler) SetOverride(c echo.Context) error {
	var f overrideForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	lang := web.ViewerOf(c).Lang
	ctx := c.Request().Context()
	var org user.OrgName
	if _, failed := form.Errors["override_org"]; !failed {
		org, err = user.ReadOrganisation(ctx, h.db, f.Organisation)
		var nameErr *user.OrganisationNameError
		if errors.As(err, &nameErr) {
			form.Fail("override_org", nameErr.Message())
		} else if err != nil {
			return err
		}
	}
	info, ok := Info(Kind(f.Kind))
	if _, failed := form.Errors["override_kind"]; !failed && (!ok || !info.OrgBound) {
		form.Fail("override_kind", "Choose one of the kinds an organisation may have a rule of its own for.")
	}
	var days *int
	if ok {
		days = readDays(&form, lang, "override_days", f.Days, info)
	}
	if form.Invalid() {
		return h.show(c, http.StatusUnprocessableEntity, form)
	}
	if err := h.svc.SetOverride(ctx, web.Actor(c), info.Kind, org.ID, days); err != nil {
		return err
	}
	web.Flash(c, i18n.T(lang, "The rule of %s was saved.", org.Name))
	return web.Redirect(c, path)
}

// RemoveOverride removes an organisation's own rule: the default applies to it again.
func (h *Handler) RemoveOverride(c echo.Context) error {
	org, err := strconv.ParseInt(c.FormValue("org_id"), 10, 64)
	if err != nil || org <= 0 {
		return echo.ErrNotFound
	}
	err = h.svc.RemoveRule(c.Request().Context(), web.Actor(c), Kind(c.FormValue("kind")), org)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, "The organisation's rule was removed: the default applies to it."))
	return web.Redirect(c, path)
}

type holdForm struct {
	On           string `form:"hold_on" validate:"required,oneof=organisation person incident"`
	Organisation string `form:"hold_org" validate:"max=200"`
	Email        string `form:"hold_email" validate:"max=254"`
	Incident     string `form:"hold_incident" validate:"max=40"`
	Reason       string `form:"hold_reason" validate:"required,max=2000"`
}

// PlaceHold places a legal hold on the organisation, person or incident named.
func (h *Handler) PlaceHold(c echo.Context) error {
	var f holdForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var subject Subject
	switch f.On {
	case "organisation":
		if f.Organisation == "" {
			form.Fail("hold_org", "Name the organisation.")
			break
		}
		org, err := user.ReadOrganisation(ctx, h.db, f.Organisation)
		var nameErr *user.OrganisationNameError
		if errors.As(err, &nameErr) {
			form.Fail("hold_org", nameErr.Message())
		} else if err != nil {
			return err
		}
		subject.OrgID = org.ID
	case "person":
		if f.Email == "" {
			form.Fail("hold_email", "Enter the person's e-mail address.")
			break
		}
		if subject.UserID, err = h.svc.UserByEmail(ctx, f.Email); errors.Is(err, ErrNotFound) {
			form.Fail("hold_email", "No one in Tugi has this e-mail address.")
		} else if err != nil {
			return err
		}
	case "incident":
		if f.Incident == "" {
			form.Fail("hold_incident", "Enter the incident's reference, such as INC-2026-0001.")
			break
		}
		if subject.IncidentID, err = h.svc.IncidentByReference(ctx, f.Incident); errors.Is(err, ErrNotFound) {
			form.Fail("hold_incident", "No incident has this reference.")
		} else if err != nil {
			return err
		}
	}
	if form.Invalid() {
		return h.show(c, http.StatusUnprocessableEntity, form)
	}
	if _, err := h.svc.PlaceHold(web.Once(c, path), web.Actor(c), subject, f.Reason); err != nil {
		return err
	}
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, "The legal hold was placed: retention removes nothing it covers until it is released."))
	return web.Redirect(c, path)
}

// ReleaseHold releases a hold in force.
func (h *Handler) ReleaseHold(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	lang := web.ViewerOf(c).Lang
	err = h.svc.ReleaseHold(c.Request().Context(), web.Actor(c), id)
	switch {
	case errors.Is(err, ErrNotFound):
		return echo.ErrNotFound
	case errors.Is(err, ErrReleased):
		web.Flash(c, i18n.T(lang, "That hold was released already."))
		return web.Redirect(c, path)
	case err != nil:
		return err
	}
	web.Flash(c, i18n.T(lang, "The legal hold was released."))
	return web.Redirect(c, path)
}
