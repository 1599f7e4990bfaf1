package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/config"
	"tugi/app/route"
	"tugi/views"
)

// A stream route takes no admission slot, is sent as it is written and uncompressed, and
// outlives the server's write timeout: three streams stay open on a server that admits
// one request at a time and cuts writes after 300 ms, while a page is still answered.
func TestStreamRoute(t *testing.T) {
	t.Parallel()
	app := apptest.NewWith(t, apptest.Options{Configure: func(c *config.Config) { c.ActiveRequests = 1 }})
	const events, every = 8, 100 * time.Millisecond
	app.Server.Add(route.Route{Method: http.MethodGet, Path: "/test/stream", Kind: route.Stream, Rule: access.SignedIn,
		Handler: func(c echo.Context) error {
			res := c.Response()
			res.Header().Set(echo.HeaderContentType, "text/event-stream")
			res.WriteHeader(http.StatusOK)
			for i := range events {
				// 2 KiB an event: more than compression waits for before it starts.
				fmt.Fprintf(res, "data: %d %s\n\n", i, strings.Repeat("x", 2048))
				res.Flush()
				select {
				case <-time.After(every):
				case <-c.Request().Context().Done():
					return nil
				}
			}
			return nil
		}})
	ts := httptest.NewUnstartedServer(app.Server.Echo)
	ts.Config.WriteTimeout = 300 * time.Millisecond
	ts.Start()
	t.Cleanup(ts.Close)
	beside := *app
	beside.URL = ts.URL
	c := app.SignIn(t, "agent@tugi.example").On(&beside)

	open := func() (*http.Response, error) {
		req, err := http.NewRequest(http.MethodGet, ts.URL+"/test/stream", nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept-Encoding", "gzip") // asked for, so the client does not undo it silently
		return c.HTTP().Do(req)
	}
	var streams []*bufio.Reader
	for range 3 {
		res, err := open()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" {
			t.Fatalf("stream: %d, Content-Encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
		}
		r := bufio.NewReader(res.Body)
		if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "data: 0 ") {
			t.Fatalf("the first event did not arrive as it was written: %q, %v", line, err)
		}
		streams = append(streams, r)
	}

	// Three streams are open and the server admits one request at a time: a page answers.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/login", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("a page while streams are open: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("a page while streams are open: %d", res.StatusCode)
	}

	// Each stream goes on past the write timeout to its last event.
	var wg sync.WaitGroup
	errs := make([]error, len(streams))
	for i, r := range streams {
		wg.Go(func() {
			n := 1
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					errs[i] = fmt.Errorf("stream %d ended after %d events of %d: %v", i, n, events, err)
					return
				}
				if strings.HasPrefix(line, "data: ") {
					if n++; n == events {
						return
					}
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// A route that needs a second factor sends a session that signed in with a password
// alone to the second step, to come back afterwards, and refuses what it cannot replay;
// the same route without that need lets it in.
func TestRouteStrength(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "in\n") }
	app.Server.Add(
		route.Route{Method: http.MethodGet, Path: "/test/strong", Kind: route.Page, Rule: access.SignedIn, Strength: access.SecondFactor, Handler: ok},
		route.Route{Method: http.MethodGet, Path: "/test/any", Kind: route.Page, Rule: access.SignedIn, Handler: ok},
	)
	app.Server.Add(route.Route{Method: http.MethodPost, Path: "/test/strong", Kind: route.Form, Rule: access.SignedIn, Strength: access.SecondFactor, Handler: ok})
	c := app.SignIn(t, "ciso@tugi.example")
	// As a session opened with the password alone (before the policy named the CISO).
	app.DB.MustExec(`UPDATE sessions SET auth_method = 'password'`)
	if p := c.Get(t, "/test/strong", http.StatusSeeOther); p.Location() != "/login/second-factor?next=%2Ftest%2Fstrong" {
		t.Errorf("a password session went to %q, want the second step", p.Location())
	}
	c.Post(t, "/test/strong", nil, http.StatusForbidden)
	if p := c.Get(t, "/test/any", http.StatusOK); p.Body != "in\n" {
		t.Errorf("a route for any session answered %q", p.Body)
	}
}

// A form that carries files posts to an upload route, and an upload route is a form's that
// carries files: the kind, which decides the body limit, admission and deadlines, follows the
// pages, so a new file field cannot be cut off at 2 MB by a route left a plain form.
func TestUploadRoutesAreTheFormsWithFiles(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	uploads := map[string]bool{}
	for _, r := range app.Server.Routes {
		if r.Kind == route.Upload {
			uploads[r.Method+" "+r.Path] = false
		}
	}
	form := regexp.MustCompile(`<form\s[^>]*>`)
	attr := func(tag, name string) string {
		m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return ""
		}
		return m[1]
	}
	forms := 0
	err := fs.WalkDir(views.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".html") {
			return err
		}
		b, err := fs.ReadFile(views.FS, name)
		if err != nil {
			return err
		}
		for _, tag := range form.FindAllString(string(b), -1) {
			if attr(tag, "enctype") != "multipart/form-data" {
				continue
			}
			forms++
			// The action's template parts stand for a route's parameters.
			action := regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllString(attr(tag, "action"), "1")
			found := false
			for _, r := range app.Server.Routes {
				if r.Method == strings.ToUpper(attr(tag, "method")) && path(r, 1) == action {
					found = true
					if r.Kind != route.Upload {
						t.Errorf("%s: a form with files posts to %s %s, a route of kind %s", name, r.Method, r.Path, r.Kind)
					}
					uploads[r.Method+" "+r.Path] = true
				}
			}
			if !found {
				t.Errorf("%s: a form with files posts to %q, which no route serves", name, attr(tag, "action"))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if forms == 0 {
		t.Fatal("no form with files found in the views")
	}
	for r, used := range uploads {
		if !used {
			t.Errorf("%s is an upload route, but no form with files posts to it", r)
		}
	}
}
