package server_test

import (
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
	"tugi/app/demo"
	"tugi/static"
)

func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

func TestFragmentsAndPages(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, "admin@tugi.example")

	for _, tt := range []struct {
		name   string
		header []string
		full   bool
	}{
		{"plain", nil, true},
		{"htmx", []string{"HX-Request", "true"}, false},
		{"boosted", []string{"HX-Request", "true", "HX-Boosted", "true"}, true},
		{"history restore", []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, true},
	} {
		p := c.Get(t, "/admin/users", http.StatusOK, tt.header...)
		if full := strings.Contains(p.Body, "<html"); full != tt.full {
			t.Errorf("%s: whole page %v, want %v", tt.name, full, tt.full)
		}
		if p.Doc.Find("table#users tbody tr").Length() != len(demo.People) {
			t.Errorf("%s: %d users listed, want the %d demo people", tt.name, p.Doc.Find("table#users tbody tr").Length(), len(demo.People))
		}
		if !varies(p.Header, "HX-Request") {
			t.Errorf("%s: Vary %q lacks HX-Request", tt.name, p.Header.Values("Vary"))
		}
	}

	t.Run("invalid htmx form comes back as a 422 fragment", func(t *testing.T) {
		p := c.Post(t, "/admin/organisations", url.Values{"name": {""}}, http.StatusUnprocessableEntity, "HX-Request", "true")
		if strings.Contains(p.Body, "<html") {
			t.Error("got the whole page, want the fragment")
		}
		if p.FieldError("name") != "Please fill this in." {
			t.Errorf("name: %q", p.FieldError("name"))
		}
		// The same without htmx is the whole page, with the same message.
		full := c.Post(t, "/admin/organisations", url.Values{"name": {"   "}}, http.StatusUnprocessableEntity)
		if !strings.Contains(full.Body, "<html") || full.FieldError("name") != "Please fill this in." {
			t.Errorf("plain post: message %q", full.FieldError("name"))
		}
		dup := c.Post(t, "/admin/organisations", url.Values{"name": {"demo customer oü"}}, http.StatusUnprocessableEntity)
		if dup.FieldError("name") != "An organisation with this name already exists." {
			t.Errorf("duplicate name: %q", dup.FieldError("name"))
		}
		if dup.InputValue("name") != "demo customer oü" {
			t.Errorf("the name typed is not kept: %q", dup.InputValue("name"))
		}
	})

	t.Run("successful post redirects and flashes", func(t *testing.T) {
		p := c.Post(t, "/admin/organisations", url.Values{"name": {"Third Customer OÜ"}}, http.StatusSeeOther)
		if p.Location() != "/admin/organisations" {
			t.Fatalf("create: went to %q", p.Location())
		}
		list := c.Get(t, p.Location(), http.StatusOK)
		if got := list.Text(".flash"); got != "Organisation Third Customer OÜ created." {
			t.Errorf("flash %q", got)
		}
		if !strings.Contains(list.Text("#organisations"), "Third Customer OÜ") {
			t.Error("the new organisation is not listed")
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.Client(t)
	for path, status := range map[string]int{"/login": http.StatusOK, "/no/such/page": http.StatusNotFound} {
		p := c.Get(t, path, status)
		csp := p.Header.Get("Content-Security-Policy")
		directives := map[string]string{}
		for _, d := range strings.Split(csp, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
			directives[name] = value
		}
		script, ok := directives["script-src"]
		if !ok {
			script = directives["default-src"]
		}
		if script == "" || strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'unsafe-eval'") || strings.Contains(script, "*") {
			t.Errorf("%s: script-src %q", path, script)
		}
		if directives["frame-ancestors"] != "'none'" {
			t.Errorf("%s: frame-ancestors %q", path, directives["frame-ancestors"])
		}
		if p.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", path, p.Header.Get("X-Content-Type-Options"))
		}
		if rp := p.Header.Get("Referrer-Policy"); rp == "" || rp == "unsafe-url" {
			t.Errorf("%s: Referrer-Policy %q", path, rp)
		}
	}
	// No inline scripts or handlers that the policy would block.
	p := c.Get(t, "/login", http.StatusOK)
	p.Doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if _, ok := s.Attr("src"); !ok || strings.TrimSpace(s.Text()) != "" {
			t.Errorf("inline script: %s", s.Text())
		}
	})
	if strings.Contains(p.Body, "hx-on") || strings.Contains(p.Body, " onclick=") || strings.Contains(p.Body, " style=") {
		t.Error("the page uses inline handlers or styles that the policy blocks")
	}
}

func TestStaticFiles(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.Client(t)

	t.Run("the layout references only files that exist", func(t *testing.T) {
		for _, who := range []*apptest.Client{c, app.SignIn(t, "admin@tugi.example")} {
			home := "/"
			if who == c {
				// Signed out, / sends the person to the sign-in page.
				home = c.Get(t, "/", http.StatusSeeOther).Location()
			}
			p := who.Get(t, home, http.StatusOK)
			var refs []string
			p.Doc.Find("link[href], script[src], img[src]").Each(func(_ int, s *goquery.Selection) {
				ref, ok := s.Attr("href")
				if !ok {
					ref, _ = s.Attr("src")
				}
				refs = append(refs, ref)
			})
			if len(refs) < 3 {
				t.Fatalf("only %d references found: %q", len(refs), refs)
			}
			for _, ref := range refs {
				if !strings.HasPrefix(ref, "/static/") {
					t.Errorf("%s is not served by Tugi", ref)
					continue
				}
				res := c.Get(t, ref, http.StatusOK)
				if len(res.Body) == 0 {
					t.Errorf("%s: %d bytes", ref, len(res.Body))
				}
				if strings.HasSuffix(strings.Split(ref, "?")[0], ".js") && !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
					t.Errorf("%s: Content-Type %q", ref, res.Header.Get("Content-Type"))
				}
			}
		}
	})

	t.Run("caching", func(t *testing.T) {
		var htmx string
		c.Get(t, "/login", http.StatusOK).Doc.Find("script[src]").Each(func(_ int, s *goquery.Selection) {
			if src, _ := s.Attr("src"); strings.Contains(src, "htmx") {
				htmx = src
			}
		})
		if !strings.HasPrefix(htmx, "/static/vendor/htmx-2.0.11.min.js?v=") {
			t.Fatalf("htmx referenced as %q", htmx)
		}
		versioned := c.Get(t, htmx, http.StatusOK)
		if cc := versioned.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("versioned: Cache-Control %q", cc)
		}
		want, err := fs.ReadFile(static.FS, "vendor/htmx-2.0.11.min.js")
		if err != nil {
			t.Fatal(err)
		}
		if versioned.Body != string(want) {
			t.Error("the served htmx differs from the embedded file")
		}
		for _, p := range []string{"/static/vendor/htmx-2.0.11.min.js", "/static/vendor/htmx-2.0.11.min.js?v=0000"} {
			res := c.Get(t, p, http.StatusOK)
			if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("%s: Cache-Control %q, want no-cache", p, cc)
			}
		}
		etag := versioned.Header.Get("ETag")
		if etag == "" {
			t.Error("revalidation: the versioned file has no ETag")
		}
		c.Get(t, htmx, http.StatusNotModified, "If-None-Match", etag)
	})

	t.Run("only the static files", func(t *testing.T) {
		for _, p := range []string{"/static/embed.go", "/static/../go.mod", "/static/vendor/README.md", "/static/%2e%2e/go.mod", "/static/nope.js"} {
			c.Get(t, p, http.StatusNotFound)
		}
	})
}

func TestSupportFooter(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	for _, tt := range []struct {
		who  string // "" for nobody signed in
		show bool
	}{
		{"", true},
		{"customer@demo-customer.example", true},
		{"customer@second-customer.example", true},
		{"employee@tugi.example", false},
		{"agent@tugi.example", false},
		{"ciso@tugi.example", false},
		{"admin@tugi.example", false},
	} {
		c := app.Client(t)
		path := "/login"
		if tt.who != "" {
			c = app.SignIn(t, tt.who)
			path = "/account"
		}
		p := c.Get(t, path, http.StatusOK)
		footer := p.Text("footer")
		var missing []string
		for _, s := range []string{"+372 671 8578", "info@directo.ee", "09:00–17:00", "Tallinn"} {
			if !strings.Contains(footer, s) {
				missing = append(missing, s)
			}
		}
		if tt.show && len(missing) > 0 {
			t.Errorf("%q: the footer lacks %q: %q", tt.who, missing, footer)
		}
		if !tt.show && len(missing) < 4 {
			t.Errorf("%q: staff see the customer support footer: %q", tt.who, footer)
		}
		if tt.show {
			links := []string{}
			p.Doc.Find("footer a").Each(func(_ int, s *goquery.Selection) { links = append(links, s.AttrOr("href", "")) })
			if !slices.Contains(links, "mailto:info@directo.ee") {
				t.Errorf("%q: no mailto link: %q", tt.who, links)
			}
		}
	}
}
