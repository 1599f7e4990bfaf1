package home

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes is the home page of each role.
func (h *Handler) Routes() []route.Route {
	return []route.Route{
		{Method: http.MethodGet, Path: "/", Kind: route.Page, Rule: access.SignedIn, Handler: h.Home},
	}
}
