package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"tugi/app/i18n"
)

// langCookie keeps the language a person chose before signing in (the sign-in page's
// links set it); once signed in, their own setting rules.
const langCookie = "tugi_lang"

// anonymousLang is the language of a page for someone not signed in: the one they chose
// with ?lang= (kept in a cookie), the one they chose before, or the first of their
// browser's Accept-Language that Tugi speaks; English otherwise.
func anonymousLang(c echo.Context) string {
	if l := c.QueryParam("lang"); i18n.Supported(l) {
		c.SetCookie(&http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
		return l
	}
	if ck, err := c.Cookie(langCookie); err == nil && i18n.Supported(ck.Value) {
		return ck.Value
	}
	c.Response().Header().Add("Vary", "Accept-Language")
	return acceptedLang(c.Request().Header.Get("Accept-Language"))
}

// acceptedLang is the first language of an Accept-Language header ("et-EE,et;q=0.9,
// en;q=0.8") that Tugi speaks, by the order of its weights; "en" when none is.
func acceptedLang(header string) string {
	best, bestQ := "en", -1.0
	for i, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		code, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		q -= float64(i) * 1e-6 // the earlier of two equal weights first
		if i18n.Supported(code) && q > bestQ && q > 0 {
			best, bestQ = code, q
		}
	}
	return best
}
