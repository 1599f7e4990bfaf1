package web

import (
	"context"

	"github.com/labstack/echo/v4"

	"tugi/app/formtoken"
)

// FormToken returns a fresh token for one form of the page that creates something, to send
// in its hidden field formtoken.Field: {{template "form-token" .}}. Each call, and so each
// rendering of the form, makes a new one.
func (p *Page) FormToken() string { return formtoken.New() }

// Once returns the request's context carrying the form token the submitted form holds, for
// the service call that makes the form's change: its transaction stores the token, and the
// same form sent again answers "This was already sent." and goes to location (or, when
// location is "", where the change said with formtoken.Locate) instead of changing
// anything. A form without a token gives the request's context as it is.
func Once(c echo.Context, location string) context.Context {
	ctx := c.Request().Context()
	v := ViewerOf(c)
	if v == nil {
		return ctx
	}
	return formtoken.With(ctx, c.FormValue(formtoken.Field), v.UserID, location)
}
