package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// KeepURLOnFailedSubmit stops htmx from putting a form's action in the address bar when
// the submission is refused (a 422 with the form again, say): reloading should show the
// page the person was on, not re-send the form.
func KeepURLOnFailedSubmit() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if IsHTMX(c) && c.Request().Method != http.MethodGet {
				res := c.Response()
				res.Before(func() {
					if res.Status >= 400 {
						res.Header().Set("HX-Push-Url", "false")
					}
				})
			}
			return next(c)
		}
	}
}
