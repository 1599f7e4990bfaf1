package incident

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes are the incident pages. Any member of staff reports and follows their own
// reports; the changes of handling are for agents and the CISO, and on each incident
// the scope decides further (ScopeOf): a person who may not see an incident gets 404,
// one who sees it but may not make the change 403.
//
// Reporting, one's own reports and an incident's page answer any session: an employee
// signs in with a password alone. The handling routes need a second factor (or an
// ID-card), and so does an incident's full page (renderIncident steps up to it).
func (h *Handler) Routes() []route.Route {
	staff := access.AnyOf(access.Employee, access.Agent, access.CISO, access.Admin)
	handlers := access.AnyOf(access.Agent, access.CISO)
	get, post := http.MethodGet, http.MethodPost
	return []route.Route{
		{Method: get, Path: "/incidents", Kind: route.Page, Rule: staff, Handler: h.List},
		{Method: get, Path: "/incidents/new", Kind: route.Page, Rule: staff, Handler: h.New},
		{Method: post, Path: "/incidents/new", Kind: route.Upload, Rule: staff, Handler: h.Create},
		{Method: get, Path: "/incidents/organisations", Kind: route.Page, Rule: staff, Handler: h.OrganisationOptions},
		{Method: get, Path: "/incidents/:id", Kind: route.Page, Rule: staff, Handler: h.Show},
		{Method: post, Path: "/incidents/:id/classify", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.Classify},
		{Method: post, Path: "/incidents/:id/severity", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.OverrideSeverity},
		{Method: post, Path: "/incidents/:id/decisions", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.Decide},
		{Method: post, Path: "/incidents/:id/handlers", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.AddHandler},
		{Method: post, Path: "/incidents/:id/handlers/:user/delete", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.RemoveHandler},
		{Method: post, Path: "/incidents/:id/owner", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.SetOwner},
		{Method: post, Path: "/incidents/:id/state", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.Move},
		{Method: post, Path: "/incidents/:id/notes", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.AddNote},
		{Method: post, Path: "/incidents/:id/tasks", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.AddTask},
		{Method: post, Path: "/incidents/:id/tasks/:task/done", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.CompleteTask},
		{Method: post, Path: "/incidents/:id/evidence", Kind: route.Upload, Rule: handlers, Strength: access.SecondFactor, Handler: h.AddEvidence},
		{Method: get, Path: "/incidents/:id/evidence/:eid/:name", Kind: route.Download, Rule: handlers, Strength: access.SecondFactor, Handler: h.Download},
		{Method: post, Path: "/incidents/:id/review", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.WriteReview},
		{Method: post, Path: "/incidents/:id/organisations", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.AddOrganisation},
		{Method: post, Path: "/incidents/:id/organisations/:org/delete", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.RemoveOrganisation},
		{Method: post, Path: "/incidents/from-ticket/:ticket", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.FromTicket},
		{Method: post, Path: "/incidents/link-ticket/:ticket", Kind: route.Form, Rule: handlers, Strength: access.SecondFactor, Handler: h.LinkTicket},
	}
}
