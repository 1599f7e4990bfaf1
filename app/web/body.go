package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// ReadBody reads a small request body (a form, at most limit bytes) into memory before
// the request goes on, and gives the handler those bytes to parse. The whole body must
// arrive within the given time of this middleware's start; a client slower than that
// gets 408 Request Timeout, and one sending more than limit gets 413.
//
// It goes before Admit: a request takes its turn only once its body is here, so clients
// that send their bodies a byte at a time hold a connection each, never a turn of the
// requests that are ready to run (eight of them once made /login time out for everyone).
func ReadBody(limit int64, within time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.Body == nil || req.Body == http.NoBody || req.ContentLength == 0 {
				return next(c)
			}
			if req.ContentLength > limit {
				return echo.ErrStatusRequestEntityTooLarge
			}
			rc := http.NewResponseController(c.Response())
			// A connection that cannot take deadlines (a test's recorder) reads as it is.
			_ = rc.SetReadDeadline(time.Now().Add(within))
			data, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
			if err != nil {
				// The deadline stays: the server, draining what is left before it answers,
				// waits no longer for this client either, and closes the connection.
				c.Response().Header().Set(echo.HeaderConnection, "close")
				if errors.Is(err, os.ErrDeadlineExceeded) {
					return echo.NewHTTPError(http.StatusRequestTimeout, "the request did not arrive in time").SetInternal(err)
				}
				return echo.NewHTTPError(http.StatusBadRequest, "the request could not be read").SetInternal(fmt.Errorf("read body: %w", err))
			}
			// The body is here: past this point the read deadline would only end the
			// server's wait for the connection's next bytes, and with it the request's
			// context while the handler runs; the server sets its own deadline for the
			// next request.
			_ = rc.SetReadDeadline(time.Time{})
			if int64(len(data)) > limit {
				return echo.ErrStatusRequestEntityTooLarge
			}
			req.Body.Close()
			req.Body = io.NopCloser(bytes.NewReader(data))
			req.ContentLength = int64(len(data))
			return next(c)
		}
	}
}

// ReadMultipart reads a form that may carry files (multipart/form-data) before the
// request goes on, in bounded memory: files are kept in memory up to memory bytes in
// all, and the rest of them in temporary files, removed when the request is answered.
// The handler then finds them in the request's MultipartForm. A client too slow for the
// connection's read deadline gets 408 Request Timeout.
//
// It goes before the uploads' own Admit: a request carrying files takes its turn to
// check and store them only once they are all here, so slow senders hold a connection
// and a temporary file each, never one of the few turns.
func ReadMultipart(memory int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if !strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
				return next(c)
			}
			err := req.ParseMultipartForm(memory)
			if mf := req.MultipartForm; mf != nil {
				defer mf.RemoveAll()
			}
			if err != nil {
				c.Response().Header().Set(echo.HeaderConnection, "close")
				var he *echo.HTTPError
				switch {
				case errors.As(err, &he): // the body limit's 413
					return he
				case errors.Is(err, os.ErrDeadlineExceeded):
					return echo.NewHTTPError(http.StatusRequestTimeout, "the request did not arrive in time").SetInternal(err)
				}
				return echo.NewHTTPError(http.StatusBadRequest, "the form could not be read").SetInternal(fmt.Errorf("read multipart form: %w", err))
			}
			return next(c)
		}
	}
}
