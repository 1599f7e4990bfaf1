package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"tugi/app/database"
)

func TestErrorHandler(t *testing.T) {
	r := testRenderer(t)
	var logs strings.Builder
	handle := ErrorHandler(r, slog.New(slog.NewTextHandler(&logs, nil)))
	for _, tt := range []struct {
		name    string
		method  string
		err     error
		status  int
		heading string
	}{
		{"database error", http.MethodGet, errors.New("pq: secret"), 500, "Something went wrong"},
		{"wrapped not found", http.MethodGet, echo.ErrNotFound.WithInternal(errors.New("secret")), 404, "Not found"},
		{"forbidden", http.MethodGet, echo.ErrForbidden, 403, "No access"},
		{"commit uncertain", http.MethodPost, fmt.Errorf("ticket: create: %w", fmt.Errorf("database: commit: %w: %w", database.ErrCommitUncertain, errors.New("secret"))), 503, "Not confirmed"},
		{"csrf", http.MethodPost, CSRFError(errors.New("secret"), nil), 403, "This form has expired"},
		{"too large", http.MethodPost, echo.ErrStatusRequestEntityTooLarge, 413, "Too large"},
		{"head", http.MethodHead, errors.New("pq: secret"), 500, ""},
	} {
		req := httptest.NewRequest(tt.method, "/x", nil)
		rec := httptest.NewRecorder()
		e := echo.New()
		e.Renderer = r
		c := e.NewContext(req, rec)
		c.Response().Header().Set(echo.HeaderXRequestID, "rid-"+strings.ReplaceAll(tt.name, " ", "-"))
		handle(tt.err, c)
		if rec.Code != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, rec.Code, tt.status)
		}
		body := rec.Body.String()
		if tt.method == http.MethodHead {
			if body != "" {
				t.Errorf("%s: a body for HEAD", tt.name)
			}
			continue
		}
		if !strings.Contains(body, "<h1>"+tt.heading+"</h1>") || strings.Contains(body, "secret") {
			t.Errorf("%s: want heading %q and no internal text; got %s", tt.name, tt.heading, body)
		}
		if !strings.Contains(body, "rid-"+strings.ReplaceAll(tt.name, " ", "-")) {
			t.Errorf("%s: no request id on the page", tt.name)
		}
		if !strings.Contains(logs.String(), "request_id=rid-"+strings.ReplaceAll(tt.name, " ", "-")) {
			t.Errorf("%s: not logged with its request id", tt.name)
		}
	}

	// A client that went away is no error: logged at info as 499, no page.
	logs.Reset()
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/queue", nil).WithContext(gone), rec)
	handle(fmt.Errorf("ticket store: queue: %w", context.Canceled), c)
	if rec.Code != StatusClientClosedRequest || rec.Body.Len() != 0 || strings.Contains(logs.String(), "level=ERROR") ||
		!strings.Contains(logs.String(), "abandoned") {
		t.Errorf("a client gone: %d, %d bytes, logged %q", rec.Code, rec.Body.Len(), logs.String())
	}
	// The same error while the client is still there is a server's failure.
	rec = httptest.NewRecorder()
	c = echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/queue", nil), rec)
	c.Echo().Renderer = r
	handle(fmt.Errorf("ticket store: queue: %w", context.Canceled), c)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("canceled with the client there: %d, want 500", rec.Code)
	}

	// An answer already sent is left alone.
	rec = httptest.NewRecorder()
	c = echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	c.String(http.StatusOK, "done")
	handle(errors.New("late"), c)
	if b, _ := io.ReadAll(rec.Body); rec.Code != http.StatusOK || string(b) != "done" {
		t.Errorf("a committed response was changed: %d %q", rec.Code, b)
	}
}
