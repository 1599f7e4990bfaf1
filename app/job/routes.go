package job

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes are the jobs page, for admins, and /metrics, an infrastructure route that checks
// its reader itself (see Metrics): public as far as sign-in goes, since a scraper has no
// session.
func (h *Handler) Routes() []route.Route {
	return []route.Route{
		{Method: http.MethodGet, Path: "/admin/jobs", Kind: route.Page, Rule: access.AnyOf(access.Admin), Strength: access.SecondFactor, Handler: h.Jobs},
		{Method: http.MethodGet, Path: "/metrics", Kind: route.Infra, Rule: access.Public, Strength: access.AnySession, Handler: h.Metrics},
	}
}
