package sla

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/i18n"
	"tugi/app/web"
)

const tplPolicies = "sla/policies"

// Admin serves the admin pages of SLA policies and the support calendar.
type Admin struct {
	db        *sqlx.DB
	calendars *Calendars
	render    *web.Renderer
	validate  *web.Validator
}

// NewAdmin returns the SLA admin handlers.
func NewAdmin(db *sqlx.DB, calendars *Calendars, render *web.Renderer, validate *web.Validator) *Admin {
	return &Admin{db: db, calendars: calendars, render: render, validate: validate}
}

// PoliciesPage is the data of the SLA policies page.
type PoliciesPage struct {
	Policies   []Policy
	Recipients []Recipient
	Chat       web.Form // the chat's service level, a form of its own (chat.go)
}

// Policies shows the SLA policies in one form.
func (a *Admin) Policies(c echo.Context) error {
	return a.renderPolicies(c, http.StatusOK, web.Form{})
}

func (a *Admin) renderPolicies(c echo.Context, status int, form web.Form) error {
	return a.renderPage(c, status, form, web.Form{})
}

// renderPage renders the service levels page with the tickets' policies' form and the
// chat's (either as sent, when it comes back with a mistake; as stored otherwise).
func (a *Admin) renderPage(c echo.Context, status int, form, chat web.Form) error {
	st := NewStore(a.db)
	policies, err := st.Policies(c.Request().Context())
	if err != nil {
		return err
	}
	if form.Values == nil {
		form.Values = policyValues(policies)
	}
	if chat.Values == nil {
		cp, err := st.ChatPolicy(c.Request().Context())
		if err != nil {
			return err
		}
		chat.Values = chatValues(cp)
	}
	p := a.render.NewPage(c, "Service levels")
	p.Form = form
	p.Data = PoliciesPage{Policies: policies, Recipients: Recipients, Chat: chat}
	return c.Render(status, tplPolicies, p)
}

// policyValues writes policies as the form's fields: <priority>_first, _next,
// _resolution, _warn, _notify_warning and _notify_breach.
func policyValues(policies []Policy) url.Values {
	v := url.Values{}
	for _, p := range policies {
		k := string(p.Priority) + "_"
		v.Set(k+"first", FormatDuration(p.FirstResponse))
		v.Set(k+"next", FormatDuration(p.NextResponse))
		v.Set(k+"resolution", FormatDuration(p.Resolution))
		v.Set(k+"warn", strconv.Itoa(p.WarnPercent))
		for _, r := range p.NotifyWarning {
			v.Add(k+"notify_warning", string(r))
		}
		for _, r := range p.NotifyBreach {
			v.Add(k+"notify_breach", string(r))
		}
	}
	return v
}

// SavePolicies stores the submitted policies.
func (a *Admin) SavePolicies(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	form := web.Form{Values: values}
	var policies []Policy
	for _, pr := range Priorities {
		k := string(pr) + "_"
		p := Policy{Priority: pr}
		for _, f := range []struct {
			field string
			dst   *time.Duration
		}{{"first", &p.FirstResponse}, {"next", &p.NextResponse}, {"resolution", &p.Resolution}} {
			d, err := ParseDuration(values.Get(k + f.field))
			if err != nil {
				form.Fail(k+f.field, "Enter business time such as 4h, 30m or 1h 30m, at most 1000h.")
			}
			*f.dst = d
		}
		if p.NextResponse != 0 && p.Resolution != 0 && p.FirstResponse > p.Resolution {
			form.Fail(k+"first", "The first response cannot be due after the resolution.")
		}
		warn, err := strconv.Atoi(values.Get(k + "warn"))
		if err != nil || warn < 1 || warn > 99 {
			form.Fail(k+"warn", "Enter a whole percentage from 1 to 99.")
		}
		p.WarnPercent = warn
		var ok bool
		if p.NotifyWarning, ok = recipients(values[k+"notify_warning"]); !ok {
			form.Fail(k+"notify_warning", "Choose one of the options offered.")
		}
		if p.NotifyBreach, ok = recipients(values[k+"notify_breach"]); !ok {
			form.Fail(k+"notify_breach", "Choose one of the options offered.")
		}
		policies = append(policies, p)
	}
	if form.Invalid() {
		return a.renderPolicies(c, http.StatusUnprocessableEntity, form)
	}
	changed, err := SavePolicies(c.Request().Context(), a.db, web.Actor(c), policies)
	if err != nil {
		return err
	}
	lang := web.ViewerOf(c).Lang
	msg := i18n.T(lang, "Nothing changed.")
	if len(changed) > 0 {
		msg = i18n.T(lang, "Service levels saved.")
	}
	web.Flash(c, msg)
	return web.Redirect(c, "/admin/sla")
}

// recipients reads checked recipient boxes, in the canonical order; ok is false when
// one is unknown.
func recipients(names []string) (RecipientList, bool) {
	var rl RecipientList
	for _, r := range Recipients {
		for _, n := range names {
			if n == string(r) {
				rl = append(rl, r)
				break
			}
		}
	}
	return rl, len(rl) == len(names)
}
