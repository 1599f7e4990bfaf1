package web

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
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
	// The values are made once and put into each response's header map as they are, which
	// costs neither the canonical form of each name nor a new slice for each value (seven
	// allocations a request). Each slice holds one value to its capacity, so a handler that
	// adds a value to one of these headers gets a new slice, never writes into the shared one.
	set := [][2]string{
		{"Content-Security-Policy", contentSecurityPolicy},
		{"X-Content-Type-Options", "nosniff"},
		{"X-Frame-Options", "DENY"},
		{"Referrer-Policy", "same-origin"},
		{"Cross-Origin-Opener-Policy", "same-origin"},
		{"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"},
		{"Cache-Control", "no-store"},
	}
	if hsts {
		set = append(set, [2]string{"Strict-Transport-Security", "max-age=63072000; includeSubDomains"})
	}
	type header struct {
		name  string
		value []string
	}
	headers := make([]header, len(set))
	for i, kv := range set {
		headers[i] = header{http.CanonicalHeaderKey(kv[0]), []string{kv[1]}[:1:1]}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			for _, kv := range headers {
				h[kv.name] = kv.value
			}
			return next(c)
		}
	}
}

// RequestLog logs every request once it is answered, with its request id and who made it,
// but for a successful answer on one of the route paths quiet: a load balancer asks
// /healthz every few seconds, and a line for each told nothing while costing the request
// a write to the log, the dearest part of answering it (docs/performance.md). A failed
// answer on those paths is logged as any other.
func RequestLog(log *slog.Logger, quiet ...string) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogRemoteIP: true,
		HandleError: true, // so the status logged is the one the error handler sent
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			if v.Status < http.StatusBadRequest && slices.Contains(quiet, c.Path()) {
				return nil
			}
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
//
// A new id is this process's random prefix (16 hexadecimal digits, drawn at start) and a
// count of the ids it gave, 24 characters like the random ones it replaces: unique across
// processes and restarts as those were, without a call into the kernel for each request.
func AssignRequestID() echo.MiddlewareFunc {
	var prefix [8]byte
	_, _ = rand.Read(prefix[:]) // crypto/rand.Read does not fail on Linux
	var seq atomic.Uint64
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Request().Header
			id := h.Get(echo.HeaderXRequestID)
			if !validRequestID(id) {
				id = newRequestID(prefix, seq.Add(1))
				h.Del(echo.HeaderXRequestID)
			}
			c.Response().Header()[requestIDHeader] = []string{id}
			return next(c)
		}
	}
}

// requestIDHeader is X-Request-ID in the form http.Header keeps names in.
var requestIDHeader = http.CanonicalHeaderKey(echo.HeaderXRequestID)

// newRequestID returns prefix and n in hexadecimal, n's last 8 digits.
func newRequestID(prefix [8]byte, n uint64) string {
	var b [24]byte
	hex.Encode(b[:16], prefix[:])
	var count [4]byte
	binary.BigEndian.PutUint32(count[:], uint32(n))
	hex.Encode(b[16:], count[:])
	return string(b[:])
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
