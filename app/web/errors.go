package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"tugi/app/database"
	"tugi/app/formtoken"
	"tugi/app/i18n"
)

// StatusClientClosedRequest is the status logged for a request whose client went away
// before the answer (nginx's 499): never sent, as nobody is there to read it.
const StatusClientClosedRequest = 499

// ErrorPage is the data of views/errors/error.html.
type ErrorPage struct {
	Status  int
	Heading string
	Message string
}

// errCSRF marks a request refused for a missing or wrong CSRF token.
var errCSRF = errors.New("csrf check failed")

// CSRFError is the CSRF middleware's ErrorHandler: it keeps the refusal recognisable, so
// the person is told their form expired instead of a bare "forbidden".
func CSRFError(err error, c echo.Context) error {
	return echo.NewHTTPError(http.StatusForbidden).SetInternal(errors.Join(errCSRF, err))
}

// ErrorHandler turns every error a handler returns into a response: a page (or, for an
// htmx request, a fragment) with a plain message and the request id. Server errors are
// logged with the request id; their text is never shown.
func ErrorHandler(r *Renderer, log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		var sent *formtoken.AlreadySentError
		if errors.As(err, &sent) {
			// A form sent again (a double click, the back button, a retry): its change
			// was made the first time; go where that went.
			lang := ""
			if v := ViewerOf(c); v != nil {
				lang = v.Lang
			}
			log.Info("form already sent", "request_id", RequestID(c), "method", c.Request().Method,
				"path", c.Request().URL.Path, "location", sent.Location)
			Flash(c, i18n.T(lang, "This was already sent."))
			location := sent.Location
			if location == "" {
				location = "/"
			}
			_ = Redirect(c, location)
			return
		}
		if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
			// The client went away (closed the tab, gave up waiting): nothing failed, and
			// nobody reads the answer. Logged as nginx logs it, 499.
			log.Info("request abandoned by the client", "request_id", RequestID(c), "method", c.Request().Method,
				"path", c.Request().URL.Path)
			_ = c.NoContent(StatusClientClosedRequest)
			return
		}
		status := http.StatusInternalServerError
		var he *echo.HTTPError
		if errors.As(err, &he) {
			status = he.Code
		}
		if errors.Is(err, database.ErrCommitUncertain) {
			status = http.StatusServiceUnavailable
		}
		ep := ErrorPage{Status: status}
		switch {
		case errors.Is(err, database.ErrCommitUncertain):
			// Not "nothing was changed": it may have been. Sent again blindly, a form
			// without a form token would make the change twice.
			ep.Heading = "Not confirmed"
			ep.Message = "We could not confirm whether this was saved — look before you send it again."
		case errors.Is(err, errCSRF):
			ep.Heading = "This form has expired"
			ep.Message = "For your safety, a form is only accepted from the page Tugi gave you, and not after a long pause. Go back, reload the page and send it again."
		case status == http.StatusNotFound:
			ep.Heading = "Not found"
			ep.Message = "There is no such page, or you do not have access to it."
		case status == http.StatusForbidden:
			ep.Heading = "No access"
			ep.Message = "Your role does not give access to this page. If you need it, ask an administrator."
		case status == http.StatusMethodNotAllowed:
			ep.Heading = "Not allowed"
			ep.Message = "This page cannot be used that way."
		case status == http.StatusRequestEntityTooLarge:
			ep.Heading = "Too large"
			ep.Message = "What you sent is larger than Tugi accepts."
		case status == http.StatusTooManyRequests:
			ep.Heading = "Too many requests"
			ep.Message = "Wait a moment and try again."
		case status < 500:
			ep.Heading = "Bad request"
			ep.Message = "Tugi could not understand this request."
		default:
			ep.Heading = "Something went wrong"
			ep.Message = "Tugi could not finish this request and nothing was changed. Try again in a moment; if it keeps happening, tell support the request id below."
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.Log(c.Request().Context(), level, "request failed",
			"request_id", RequestID(c), "method", c.Request().Method, "path", c.Request().URL.Path,
			"status", status, "error", err)

		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		if IsPartial(c) {
			// Show the error where the page's content goes, whatever the request targeted.
			c.Response().Header().Set("HX-Retarget", "#main")
			c.Response().Header().Set("HX-Reswap", "innerHTML")
		}
		page := r.NewPage(c, ep.Heading)
		page.Data = ep
		perr := c.Render(status, "errors/error", page)
		if perr != nil {
			log.Error("error page failed", "request_id", RequestID(c), "error", perr)
			_ = c.String(status, ep.Heading+". Request id: "+RequestID(c))
		}
	}
}
