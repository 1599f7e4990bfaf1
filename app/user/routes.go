package user

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes are the admin's pages of people and organisations.
func (a *Admin) Routes() []route.Route {
	admins := access.AnyOf(access.Admin)
	get, post := http.MethodGet, http.MethodPost
	return []route.Route{
		{Method: get, Path: "/admin/users", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.Users},
		{Method: get, Path: "/admin/users/new", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.NewUser},
		{Method: post, Path: "/admin/users", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.CreateUser},
		{Method: get, Path: "/admin/users/:id", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.User},
		{Method: post, Path: "/admin/users/:id/roles", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.SetRoles},
		{Method: post, Path: "/admin/role-changes/:id/approve", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.ApproveRoleChange},
		{Method: post, Path: "/admin/role-changes/:id/reject", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.RejectRoleChange},
		{Method: post, Path: "/admin/users/:id/personal-code", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.SetPersonalCode},
		{Method: post, Path: "/admin/users/:id/deactivate", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.Deactivate},
		{Method: post, Path: "/admin/users/:id/activate", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.Activate},
		{Method: get, Path: "/admin/organisations", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.Organisations},
		{Method: get, Path: "/admin/organisations/names", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.OrganisationOptions},
		{Method: get, Path: "/admin/organisations/:id", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: a.Organisation},
		{Method: post, Path: "/admin/organisations", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: a.CreateOrganisation},
	}
}
