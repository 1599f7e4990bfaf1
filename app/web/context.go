// Package web is the shared plumbing of Tugi's pages: rendering full pages and HTMX
// fragments, forms and their validation, flash messages, errors and middleware.
package web

import (
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
)

const (
	viewerKey  = "tugi.viewer"
	sessionKey = "tugi.session"
	// CSRFField is the form field, and X-CSRF-Token the header, that carry the token.
	CSRFField = "_csrf"
	// CSRFCookie is the cookie that, before sign-in, holds the random value the CSRF
	// secret is bound to (CSRFCookieName).
	CSRFCookie = "tugi_csrf"
)

// SetViewer records who the request acts for; the auth middleware calls it.
func SetViewer(c echo.Context, v *access.Viewer) { c.Set(viewerKey, v) }

// ViewerOf returns who the request acts for, or nil when nobody is signed in.
func ViewerOf(c echo.Context) *access.Viewer {
	v, _ := c.Get(viewerKey).(*access.Viewer)
	return v
}

// SetSession records the request's session; the auth middleware calls it.
func SetSession(c echo.Context, s *sessions.Session) { c.Set(sessionKey, s) }

// SessionOf returns the request's session, or nil.
func SessionOf(c echo.Context) *sessions.Session {
	s, _ := c.Get(sessionKey).(*sessions.Session)
	return s
}

// RequestID returns the request's id, as logged and shown on error pages.
func RequestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// Actor describes who performs the request's operation, for the audit log.
func Actor(c echo.Context) audit.Actor {
	a := audit.Actor{ClientIP: c.RealIP(), RequestID: RequestID(c)}
	if v := ViewerOf(c); v != nil {
		a.UserID = v.UserID
		a.Roles = v.RoleStrings()
	}
	return a
}

// IsHTMX reports whether htmx sent the request.
func IsHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// IsPartial reports whether the request wants a fragment rather than a full page: htmx
// sent it, and it is neither a boosted navigation nor a history restore (those swap the
// whole body and need the full page).
func IsPartial(c echo.Context) bool {
	h := c.Request().Header
	return IsHTMX(c) && h.Get("HX-Boosted") != "true" && h.Get("HX-History-Restore-Request") != "true"
}
