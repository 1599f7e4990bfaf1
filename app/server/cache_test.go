package server_test

import (
	"net/http"
	"strings"
	"testing"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/route"
)

// No cache keeps a page Tugi shows a signed-in person, nor the sign-in page: on a shared
// computer, the next person cannot page back to them. Static files keep their caching.
func TestPagesAreNotStoredStaticFilesAreCached(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	anon := app.Client(t)
	login := anon.Get(t, "/login", http.StatusOK)
	if got := login.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("GET /login: Cache-Control %q, want no-store", got)
	}
	css, ok := login.Doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !ok || !strings.HasPrefix(css, "/static/") {
		t.Fatalf("the sign-in page links no stylesheet (%q)", css)
	}
	if got := anon.Get(t, css, http.StatusOK).Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("GET %s: Cache-Control %q, want a year's immutable caching", css, got)
	}
	for _, email := range []string{"customer@demo-customer.example", "agent@tugi.example", "admin@tugi.example"} {
		pp := person(email)
		viewer := &access.Viewer{Email: pp.Email, Roles: pp.Roles}
		c := app.SignIn(t, email)
		var self int64
		if err := app.DB.Get(&self, `SELECT id FROM users WHERE email = $1`, email); err != nil {
			t.Fatal(err)
		}
		pages := 0
		for _, r := range app.Server.Routes {
			if r.Method != http.MethodGet || strings.HasSuffix(r.Path, "*") || r.Rule.IsPublic() || !r.Rule.Allows(viewer) || r.Kind == route.Stream {
				continue
			}
			p := path(r, self)
			// Some ids are not the person's (TestAccessMatrix checks each status); the
			// header is the same on every answer.
			res, err := c.Try(http.MethodGet, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status >= 500 {
				t.Errorf("%s: GET %s: %d", email, p, res.Status)
			}
			if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "no-store") {
				t.Errorf("%s: GET %s (%d): Cache-Control %q, want no-store", email, p, res.Status, got)
			}
			pages++
		}
		if pages < 3 {
			t.Errorf("%s: only %d pages tried", email, pages)
		}
	}
}
