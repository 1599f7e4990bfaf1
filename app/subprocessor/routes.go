package subprocessor

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes are the list, for everyone signed in (customers above all), and the admin's page
// that changes it.
func (h *Handler) Routes() []route.Route {
	admins := access.AnyOf(access.Admin)
	return []route.Route{
		{Method: http.MethodGet, Path: "/subprocessors", Kind: route.Page, Rule: access.SignedIn, Handler: h.List},
		{Method: http.MethodGet, Path: "/admin/subprocessors", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: h.Admin},
		{Method: http.MethodPost, Path: "/admin/subprocessors", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.Add},
		{Method: http.MethodPost, Path: "/admin/subprocessors/:id/end", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.End},
	}
}
