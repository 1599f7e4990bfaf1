package auditpage

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes are the audit log's page, its export and its organisation suggestions: for the
// CISO and admins.
func (h *Handler) Routes() []route.Route {
	readers := access.AnyOf(access.CISO, access.Admin)
	return []route.Route{
		{Method: http.MethodGet, Path: "/audit", Kind: route.Page, Rule: readers, Strength: access.SecondFactor, Handler: h.Audit},
		{Method: http.MethodGet, Path: "/audit/export.csv", Kind: route.Page, Rule: readers, Strength: access.SecondFactor, Handler: h.Export},
		{Method: http.MethodGet, Path: "/audit/organisations", Kind: route.Page, Rule: readers, Strength: access.SecondFactor, Handler: h.OrganisationOptions},
	}
}
