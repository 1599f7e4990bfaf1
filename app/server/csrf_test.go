package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"tugi/app/apptest"
	"tugi/app/auth"
	"tugi/app/demo"
	"tugi/app/web"
)

const expired = "This form has expired"

func TestCSRF(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	const admin = "admin@tugi.example"

	t.Run("sign-in without a token", func(t *testing.T) {
		t.Parallel()
		for _, fetchFirst := range []bool{false, true} {
			c := app.Client(t)
			if fetchFirst {
				c.Get(t, "/login", http.StatusOK) // has the CSRF cookie, but does not send the token
			}
			p := c.Do(t, http.MethodPost, "/login", url.Values{"email": {admin}, "password": {demo.Password}}, http.StatusForbidden)
			if p.Text("h1") != expired {
				t.Errorf("cookie %v: %q, want %q", fetchFirst, p.Text("h1"), expired)
			}
			if c.Cookie(auth.CookieName) != "" {
				t.Errorf("cookie %v: signed in without a token", fetchFirst)
			}
			c.Get(t, "/", http.StatusSeeOther)
		}
	})

	t.Run("sign-out without a token", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, "agent@tugi.example")
		if p := c.Do(t, http.MethodPost, "/logout", url.Values{}, http.StatusForbidden); p.Text("h1") != expired {
			t.Errorf("sign-out: %q", p.Text("h1"))
		}
		c.Get(t, "/", http.StatusOK)
	})

	t.Run("refused posts change nothing", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, admin)
		token := c.CSRF()
		for _, tt := range []struct {
			name   string
			form   url.Values
			header []string
		}{
			{"no token", url.Values{"name": {"No Token OÜ"}}, nil},
			{"wrong token", url.Values{"name": {"Wrong Token OÜ"}, "_csrf": {"x" + token}}, nil},
			{"wrong header token", url.Values{"name": {"Wrong Header OÜ"}}, []string{"X-CSRF-Token", "x" + token}},
			{"empty token", url.Values{"name": {"Empty Token OÜ"}, "_csrf": {""}}, nil},
			{"cross-site", url.Values{"name": {"Cross Site OÜ"}, "_csrf": {token}}, []string{"Sec-Fetch-Site", "cross-site"}},
			{"same-site without token", url.Values{"name": {"Same Site OÜ"}}, []string{"Sec-Fetch-Site", "same-site"}},
		} {
			p := c.Do(t, http.MethodPost, "/admin/organisations", tt.form, http.StatusForbidden, tt.header...)
			if p.Text("h1") != expired {
				t.Errorf("%s: %q, want %q", tt.name, p.Text("h1"), expired)
			}
			var n int
			app.DB.Get(&n, `SELECT count(*) FROM organisations WHERE name = $1`, tt.form.Get("name"))
			if n != 0 {
				t.Errorf("%s: the organisation was created", tt.name)
			}
		}
	})

	t.Run("token from another client", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, admin)
		other := app.Client(t).CSRF()
		c.Do(t, http.MethodPost, "/admin/organisations", url.Values{"name": {"Borrowed OÜ"}, "_csrf": {other}}, http.StatusForbidden)
	})

	t.Run("htmx sends the token in a header", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, admin)
		page := c.Get(t, "/admin/organisations", http.StatusOK)
		hdr, _ := page.Doc.Find("body").Attr("hx-headers")
		token := apptest.PageCSRF(page)
		if want := `{"X-CSRF-Token": "` + token + `"}`; token == "" || hdr != want {
			t.Fatalf("body hx-headers = %q, want %q", hdr, want)
		}
		p := c.Do(t, http.MethodPost, "/admin/organisations", url.Values{"name": {"Header Token OÜ"}}, http.StatusOK,
			"X-CSRF-Token", token, "HX-Request", "true")
		if p.Header.Get("HX-Redirect") != "/admin/organisations" {
			t.Fatalf("htmx post: HX-Redirect %q", p.Header.Get("HX-Redirect"))
		}
		var n int
		app.DB.Get(&n, `SELECT count(*) FROM organisations WHERE name = 'Header Token OÜ'`)
		if n != 1 {
			t.Error("the organisation was not created")
		}
	})

	// A session's tokens are its own: neither another session's token nor a pre-session
	// cookie planted by a sibling site (one that may set cookies for the domain) with the
	// token that goes with it gets a form through.
	t.Run("token from another session", func(t *testing.T) {
		t.Parallel()
		victim := app.SignIn(t, admin)
		other := app.SignIn(t, admin)
		p := victim.Do(t, http.MethodPost, "/admin/organisations", url.Values{"name": {"Other Session OÜ"}, "_csrf": {other.CSRF()}},
			http.StatusForbidden, "Sec-Fetch-Site", "same-site")
		if p.Text("h1") != expired {
			t.Errorf("another session's token: %q, want %q", p.Text("h1"), expired)
		}
		attacker := app.Client(t)
		token := attacker.CSRF()
		victim.SetCookie(web.CSRFCookie, attacker.Cookie(web.CSRFCookie))
		victim.Do(t, http.MethodPost, "/admin/organisations", url.Values{"name": {"Planted Cookie OÜ"}, "_csrf": {token}},
			http.StatusForbidden, "Sec-Fetch-Site", "same-site")
		var n int
		app.DB.Get(&n, `SELECT count(*) FROM organisations WHERE name IN ('Other Session OÜ', 'Planted Cookie OÜ')`)
		if n != 0 {
			t.Errorf("%d organisations created with a borrowed token", n)
		}
	})

	t.Run("token in the query", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, admin)
		p := c.Do(t, http.MethodPost, "/admin/organisations?_csrf="+url.QueryEscape(c.CSRF()), url.Values{"name": {"Query Token OÜ"}}, http.StatusForbidden)
		if p.Text("h1") != expired {
			t.Errorf("token in the query: %q, want %q", p.Text("h1"), expired)
		}
	})

	// Each page carries its own token (a fresh pad XORed with the session's secret), so a
	// compressed page leaks nothing of it; every one of them is accepted.
	t.Run("each page its own token", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, admin)
		first := apptest.PageCSRF(c.Get(t, "/admin/organisations", http.StatusOK))
		second := apptest.PageCSRF(c.Get(t, "/admin/organisations", http.StatusOK))
		if first == "" || first == second {
			t.Fatalf("two renders carry the tokens %q and %q; want two different ones", first, second)
		}
		c.Post(t, "/admin/organisations", url.Values{"name": {"First Page OÜ"}, "_csrf": {first}}, http.StatusSeeOther)
		c.Post(t, "/admin/organisations", url.Values{"name": {"Second Page OÜ"}, "_csrf": {second}}, http.StatusSeeOther)
	})

	// Before sign-in there is no session: the sign-in form's token is bound to a
	// pre-session cookie, and is worth nothing once signed in.
	t.Run("sign-in form before any session", func(t *testing.T) {
		t.Parallel()
		c := app.Client(t)
		token := apptest.PageCSRF(c.Get(t, "/login", http.StatusOK))
		c.Post(t, "/login", url.Values{"email": {admin}, "password": {demo.Password}, "_csrf": {token}}, http.StatusSeeOther)
		if c.Cookie(web.CSRFCookie) != "" {
			t.Error("the pre-session cookie outlives sign-in")
		}
		c.Do(t, http.MethodPost, "/admin/organisations", url.Values{"name": {"Pre Session OÜ"}, "_csrf": {token}}, http.StatusForbidden)
		c.Post(t, "/admin/organisations", url.Values{"name": {"Signed In OÜ"}}, http.StatusSeeOther)
	})

	t.Run("a stale header beside a fresh form", func(t *testing.T) {
		t.Parallel()
		c := app.Client(t)
		stale := c.CSRF()
		c.Post(t, "/login", url.Values{"email": {admin}, "password": {demo.Password}}, http.StatusSeeOther)
		c.Post(t, "/admin/organisations", url.Values{"name": {"Fresh Form OÜ"}}, http.StatusSeeOther, "X-CSRF-Token", stale)
		c.Do(t, http.MethodPost, "/admin/organisations", url.Values{"name": {"Stale Only OÜ"}}, http.StatusForbidden, "X-CSRF-Token", stale)
	})

	t.Run("a browser's same-origin form", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, admin)
		c.Post(t, "/admin/organisations", url.Values{"name": {"Same Origin OÜ"}}, http.StatusSeeOther, "Sec-Fetch-Site", "same-origin")
	})
}
