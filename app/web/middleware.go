package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// contentSecurityPolicy allows only Tugi's own scripts, styles and images: no inline
// script, no eval (htmx is configured for that), no framing by other sites.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// SecurityHeaders sets the headers every response carries; hsts adds
// Strict-Transport-Security, for when people reach Tugi over HTTPS.
//
// Cache-Control: no-store keeps the pages of a signed-in person (and the sign-in page,
// with its form) out of every cache, the browser's back-forward and disk caches and any
// proxy's: on a shared computer the next person cannot page back to them. A handler whose
// answer may be kept sets its own Cache-Control over it, as static files do.
func SecurityHeaders(hsts bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", contentSecurityPolicy)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
			h.Set("Cache-Control", "no-store")
			if hsts {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// RequestLog logs every request once it is answered, with its request id and who made it.
func RequestLog(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogRemoteIP: true,
		HandleError: true, // so the status logged is the one the error handler sent
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			attrs := []any{"request_id", v.RequestID, "method", v.Method, "path", v.URIPath,
				"status", v.Status, "duration", v.Latency.Round(time.Microsecond), "client_ip", v.RemoteIP}
			if viewer := ViewerOf(c); viewer != nil {
				attrs = append(attrs, "user_id", viewer.UserID)
			}
			log.Info("request", attrs...)
			return nil
		},
	})
}

// AssignRequestID gives every request an id, sent back as X-Request-ID, logged with every line
// about the request and shown on error pages. An id from a proxy in front is kept when it
// looks like one (8 to 64 letters, digits, '.', '_' or '-'); anything else is replaced, so
// a client cannot write arbitrary text into the logs.
func AssignRequestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Request().Header
			id := h.Get(echo.HeaderXRequestID)
			if !validRequestID(id) {
				b := make([]byte, 12)
				_, _ = rand.Read(b) // crypto/rand.Read does not fail on Linux
				id = hex.EncodeToString(b)
				h.Del(echo.HeaderXRequestID)
			}
			c.Response().Header().Set(echo.HeaderXRequestID, id)
			return next(c)
		}
	}
}

func validRequestID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Admit lets at most n requests through to their handlers at once; the others wait, in
// the order they came, until one finishes, or until their client gives up.
//
// With two cores and sixteen requests in progress, each took sixteen times its own work to
// finish, all of them slowed alike, and a few much more: the machine switched between
// sixteen handlers and sixteen database backends. Served a few at a time, a request waits
// its turn and then runs at full speed, which is as fast on average and far more even
// (the agent queue's p99 went from 25 to 21 ms at the same throughput). A handler that may
// hold its turn on a slow network rather than on the CPU must not pass here: reading a
// large upload, sending a file, a stream (see app/route's kinds).
func Admit(n int) echo.MiddlewareFunc {
	turns := make(chan struct{}, n)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			select {
			case turns <- struct{}{}:
			case <-c.Request().Context().Done():
				return c.Request().Context().Err()
			}
			defer func() { <-turns }()
			return next(c)
		}
	}
}

// Compress gzips responses of 1 KiB or more for clients that accept it, at the fastest
// level, with klauspost/compress's gzhttp: its deflate takes about half the CPU of the
// standard library's, and compression was 8 % of the machine serving the customer's
// list. A handler's error reaches the error
// handler (see RequestLog) after this middleware, with nothing written, and the error
// page is sent uncompressed; so does a panic's, which Recover turns into an error.
func Compress() (echo.MiddlewareFunc, error) {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.CompressionLevel(gzip.BestSpeed))
	if err != nil {
		return nil, fmt.Errorf("compress: %w", err)
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			raw := res.Writer
			defer func() { res.Writer = raw }() // also when the handler panics: Recover's page needs it
			var err error
			wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				res.Writer = w
				c.SetRequest(r)
				err = next(c)
			})).ServeHTTP(raw, c.Request())
			return err
		}
	}, nil
}
