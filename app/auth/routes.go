package auth

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes are sign-in and its second step, setting a password by a mailed link, sign-out,
// each person's own account, and the admin's sign-in policy and a person's factors and
// sessions; and passkeys, where Tugi has a domain name (TUGI_PUBLIC_URL) for them.
func (h *Handler) Routes() []route.Route {
	admins := access.AnyOf(access.Admin)
	strong := access.SecondFactor
	routes := []route.Route{
		{Method: http.MethodGet, Path: "/login", Kind: route.Page, Rule: access.Public, Handler: h.LoginPage},
		{Method: http.MethodPost, Path: "/login", Kind: route.Form, Rule: access.Public, Handler: h.Login},
		{Method: http.MethodGet, Path: IDCardPath, Kind: route.Page, Rule: access.Public, Handler: h.IDCardLogin},
		{Method: http.MethodGet, Path: SecondFactorPath, Kind: route.Page, Rule: access.Public, Handler: h.SecondFactor},
		{Method: http.MethodPost, Path: SecondFactorPath, Kind: route.Form, Rule: access.Public, Handler: h.ConfirmSecondFactor},
		{Method: http.MethodGet, Path: "/password/:token", Kind: route.Page, Rule: access.Public, Handler: h.PasswordLinkPage},
		{Method: http.MethodPost, Path: "/password/:token", Kind: route.Form, Rule: access.Public, Handler: h.SetPasswordByLink},
		{Method: http.MethodPost, Path: "/logout", Kind: route.Form, Rule: access.SignedIn, Handler: h.Logout},
		{Method: http.MethodGet, Path: "/account", Kind: route.Page, Rule: access.SignedIn, Handler: h.Account},
		{Method: http.MethodPost, Path: "/account/password", Kind: route.Form, Rule: access.SignedIn, Handler: h.ChangePassword},
		{Method: http.MethodPost, Path: "/account/language", Kind: route.Form, Rule: access.SignedIn, Handler: h.SetLanguage},
		{Method: http.MethodPost, Path: "/account/sessions/:id/revoke", Kind: route.Form, Rule: access.SignedIn, Handler: h.RevokeSession},
		{Method: http.MethodPost, Path: "/account/recovery-codes", Kind: route.Form, Rule: access.SignedIn, Strength: strong, Handler: h.NewRecoveryCodes},
		{Method: http.MethodPost, Path: "/account/totp/remove", Kind: route.Form, Rule: access.SignedIn, Strength: strong, Handler: h.RemoveTOTP},
		{Method: http.MethodGet, Path: "/admin/sign-in", Kind: route.Page, Rule: admins, Strength: strong, Handler: h.Policy},
		{Method: http.MethodPost, Path: "/admin/sign-in", Kind: route.Form, Rule: admins, Strength: strong, Handler: h.SavePolicy},
		{Method: http.MethodPost, Path: "/admin/users/:id/second-factor/reset", Kind: route.Form, Rule: admins, Strength: strong, Handler: h.ResetSecondFactor},
		{Method: http.MethodPost, Path: "/admin/users/:id/sessions/end", Kind: route.Form, Rule: admins, Strength: strong, Handler: h.EndSessions},
	}
	if h.rp == nil { // Tugi at an IP address: browsers take no passkeys there
		return routes
	}
	return append(routes,
		route.Route{Method: http.MethodPost, Path: PasskeyPath, Kind: route.Form, Rule: access.Public, Handler: h.ConfirmPasskey},
		route.Route{Method: http.MethodPost, Path: "/account/passkeys", Kind: route.Form, Rule: access.SignedIn, Handler: h.AddPasskey},
		route.Route{Method: http.MethodPost, Path: "/account/passkeys/:id/remove", Kind: route.Form, Rule: access.SignedIn, Strength: strong, Handler: h.RemovePasskey},
	)
}
