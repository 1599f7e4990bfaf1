package routing

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes are the admin's routing rules and teams, and each agent's own availability and
// hand-back.
func (a *Admin) Routes() []route.Route {
	admins := access.AnyOf(access.Admin)
	agents := access.AnyOf(access.Agent)
	get, post := http.MethodGet, http.MethodPost
	return []route.Route{
		{Method: get, Path: "/admin/routing", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.Rules},
		{Method: post, Path: "/admin/routing", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.CreateRule},
		{Method: get, Path: "/admin/routing/organisations", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.OrganisationOptions},
		{Method: get, Path: "/admin/routing/:id", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.Rule},
		{Method: post, Path: "/admin/routing/:id", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.UpdateRule},
		{Method: post, Path: "/admin/routing/:id/move", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.MoveRule},
		{Method: post, Path: "/admin/routing/:id/delete", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.DeleteRule},
		{Method: get, Path: "/admin/teams", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.Teams},
		{Method: post, Path: "/admin/teams", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.CreateTeam},
		{Method: post, Path: "/admin/teams/:id/name", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.RenameTeam},
		{Method: post, Path: "/admin/teams/:id/retire", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.RetireTeam},
		{Method: post, Path: "/admin/teams/:id/reinstate", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.ReinstateTeam},
		{Method: post, Path: "/admin/teams/:id/members", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.AddMember},
		{Method: post, Path: "/admin/teams/:id/members/remove", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.RemoveMember},
		{Method: post, Path: "/admin/teams/:id/cap", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.SetCap},
		{Method: post, Path: "/availability", Kind: route.Form, Rule: agents, Handler: a.SetAvailability},
		{Method: get, Path: "/hand-back", Kind: route.Page, Rule: agents, Handler: a.HandBackForm},
		{Method: post, Path: "/hand-back", Kind: route.Form, Rule: agents, Handler: a.HandBack},
	}
}
