package sla

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes are the admin's service levels and support calendar.
func (a *Admin) Routes() []route.Route {
	admins := access.AnyOf(access.Admin)
	get, post := http.MethodGet, http.MethodPost
	return []route.Route{
		{Method: get, Path: "/admin/sla", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.Policies},
		{Method: post, Path: "/admin/sla", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.SavePolicies},
		{Method: post, Path: "/admin/sla/chat", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.SaveChat},
		{Method: get, Path: "/admin/calendar", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.Calendar},
		{Method: post, Path: "/admin/calendar/hours", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.SaveHours},
		{Method: post, Path: "/admin/calendar/exceptions", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.AddException},
		{Method: post, Path: "/admin/calendar/exceptions/remove", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.RemoveException},
	}
}
