package server_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/route"
)

func TestNotFound(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	for _, c := range []*apptest.Client{app.Client(t), app.SignIn(t, "customer@demo-customer.example")} {
		p := c.Get(t, "/no/such/page", http.StatusNotFound)
		if p.Text("h1") != "Not found" {
			t.Fatalf("unknown path: %q", p.Text("h1"))
		}
		rid := p.Header.Get(echo.HeaderXRequestID)
		if rid == "" || p.Text(".request-id") != rid {
			t.Errorf("request id shown %q, header %q", p.Text(".request-id"), rid)
		}
		for _, internal := range []string{"code=404", "message=", "Not Found"} {
			if strings.Contains(p.Body, internal) {
				t.Errorf("page shows internal text %q", internal)
			}
		}
	}
}

// A server error shows a plain message and the request id; the error itself goes to the
// log, with the same request id, and never to the person.
func TestServerError(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	page := func(path string, h echo.HandlerFunc) route.Route {
		return route.Route{Method: http.MethodGet, Path: path, Kind: route.Page, Rule: access.SignedIn, Handler: h}
	}
	app.Server.Add(
		page("/test/fail", func(echo.Context) error {
			return errors.New("pq: relation secret_table does not exist")
		}),
		page("/test/panic", func(echo.Context) error {
			panic("secret_panic_value")
		}),
		page("/test/http-error", func(echo.Context) error {
			return echo.NewHTTPError(http.StatusBadRequest, "secret_message").SetInternal(errors.New("secret_internal"))
		}),
	)

	for _, tt := range []struct {
		path, secret, heading string
		status                int
	}{
		{"/test/fail", "secret_table", "Something went wrong", http.StatusInternalServerError},
		{"/test/panic", "secret_panic_value", "Something went wrong", http.StatusInternalServerError},
		{"/test/http-error", "secret_internal", "Bad request", http.StatusBadRequest},
	} {
		for _, hx := range []bool{false, true} {
			c := app.SignIn(t, "agent@tugi.example")
			var p *apptest.Page
			if hx {
				p = c.Get(t, tt.path, tt.status, "HX-Request", "true")
			} else {
				p = c.Get(t, tt.path, tt.status)
			}
			if p.Text("h1") != tt.heading {
				t.Errorf("%s (htmx %v): %q, want %q", tt.path, hx, p.Text("h1"), tt.heading)
			}
			rid := p.Header.Get(echo.HeaderXRequestID)
			if rid == "" || p.Text(".request-id") != rid {
				t.Errorf("%s: request id shown %q, header %q", tt.path, p.Text(".request-id"), rid)
			}
			for _, leak := range []string{"pq:", "secret_", "relation", "goroutine", ".go:"} {
				if strings.Contains(p.Body, leak) {
					t.Errorf("%s (htmx %v): the page shows %q", tt.path, hx, leak)
				}
			}
			if hx {
				if strings.Contains(p.Body, "<html") || p.Header.Get("HX-Retarget") != "#main" {
					t.Errorf("%s: htmx error is not a fragment for #main (HX-Retarget %q)", tt.path, p.Header.Get("HX-Retarget"))
				}
			} else if p.Doc.Find("header.topbar .who-name").Text() != "Andres Agent" {
				t.Errorf("%s: the error page lost who is signed in", tt.path)
			}
			var logged bool
			for _, line := range strings.Split(app.Logs.String(), "\n") {
				if strings.Contains(line, "request_id="+rid) && strings.Contains(line, tt.secret) {
					logged = true
				}
			}
			if !logged {
				t.Errorf("%s: no log line holds both the request id %s and the error", tt.path, rid)
			}
		}
	}
	// The process survived the panic.
	app.Client(t).Get(t, "/healthz", http.StatusOK)
	if !strings.Contains(app.Logs.String(), "msg=panic") {
		t.Error("the panic was not logged as one")
	}
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	p := app.SignIn(t, "agent@tugi.example").Get(t, "/logout", http.StatusMethodNotAllowed)
	if p.Text("h1") != "Not allowed" {
		t.Errorf("GET /logout: %q", p.Text("h1"))
	}
}
