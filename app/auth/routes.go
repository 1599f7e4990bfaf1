package auth

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes are sign-in, sign-out and each person's own account.
func (h *Handler) Routes() []route.Route {
	return []route.Route{
		{Method: http.MethodGet, Path: "/login", Kind: route.Page, Rule: access.Public, Handler: h.LoginPage},
		{Method: http.MethodPost, Path: "/login", Kind: route.Form, Rule: access.Public, Handler: h.Login},
		{Method: http.MethodPost, Path: "/logout", Kind: route.Form, Rule: access.SignedIn, Handler: h.Logout},
		{Method: http.MethodGet, Path: "/account", Kind: route.Page, Rule: access.SignedIn, Handler: h.Account},
		{Method: http.MethodPost, Path: "/account/password", Kind: route.Form, Rule: access.SignedIn, Handler: h.ChangePassword},
		{Method: http.MethodPost, Path: "/account/language", Kind: route.Form, Rule: access.SignedIn, Handler: h.SetLanguage},
		{Method: http.MethodPost, Path: "/account/sessions/:id/revoke", Kind: route.Form, Rule: access.SignedIn, Handler: h.RevokeSession},
	}
}
