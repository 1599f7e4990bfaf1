package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/demo"
	"tugi/app/route"
)

// viewers are the demo people the access matrix signs in as, one per kind of person.
var viewers = []string{
	"customer@demo-customer.example",
	"employee@tugi.example",
	"agent@tugi.example",
	"ciso@tugi.example",
	"admin@tugi.example",
}

func person(email string) demo.Person {
	for _, p := range demo.People {
		if p.Email == email {
			return p
		}
	}
	panic("no demo person " + email)
}

// path fills a route's parameters: ids with id, a wildcard with nothing.
func path(r route.Route, id int64) string {
	parts := strings.Split(r.Path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = strconv.FormatInt(id, 10)
		}
	}
	return strings.TrimSuffix(strings.Join(parts, "/"), "*")
}

func hasParams(r route.Route) bool { return strings.ContainsAny(r.Path, ":*") }

// alsoCISO are the admin pages the CISO reaches too, with the rule they have.
var alsoCISO = map[string]string{
	"/admin/backups":   "admin|ciso", // the CISO answers for backups too (ISO/IEC 27001 8.13)
	"/admin/retention": "admin|ciso", // the CISO reads the retention rules and legal holds; admins change them
}

// Every route the router serves has a rule: the router is asked, not the table, so a route
// added to Echo some other way than through the table is caught too. Each refuses a person
// who is not signed in (to the sign-in page), but the few public ones.
func TestEveryRouteHasARule(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.Client(t)
	public := []string{"/healthz", "/readyz", "/metrics", "/static/*", "/login", "/login/second-factor", "/login/id-card", "/password/:token"}
	var table []string
	publicRoutes := 0
	for _, r := range app.Server.Routes {
		table = append(table, r.Method+" "+r.Path)
		if r.Rule.IsPublic() {
			publicRoutes++
		}
		if r.Rule.IsPublic() != slices.Contains(public, r.Path) {
			t.Errorf("%s %s: rule %q", r.Method, r.Path, r.Rule)
		}
		if strings.HasPrefix(r.Path, "/admin/") && r.Rule.String() != string(access.Admin) && r.Rule.String() != alsoCISO[r.Path] {
			t.Errorf("%s %s is for %q, want admins only", r.Method, r.Path, r.Rule)
		}
	}
	checked := 0
	for _, r := range app.Server.Echo.Routes() {
		if !slices.Contains(table, r.Method+" "+r.Path) {
			t.Errorf("%s %s is served but not in the route table", r.Method, r.Path)
		}
		if slices.Contains(public, r.Path) {
			continue
		}
		p := path(route.Route{Path: r.Path}, 1)
		var res *apptest.Page
		want := "/login" // and back here after signing in, for a page
		switch r.Method {
		case http.MethodGet:
			res = c.Get(t, p, http.StatusSeeOther)
			if p != "/" {
				want += "?next=" + url.QueryEscape(p)
			}
		case http.MethodPost:
			res = c.Post(t, p, url.Values{}, http.StatusSeeOther)
		default:
			t.Errorf("%s %s: a method the test does not try", r.Method, r.Path)
			continue
		}
		if res.Location() != want {
			t.Errorf("%s %s: to %q, want to %q", r.Method, p, res.Location(), want)
		}
		checked++
	}
	if checked != len(table)-publicRoutes {
		t.Errorf("%d routes tried of %d in the table", checked, len(table))
	}
}

// Someone not signed in who asks for a page is sent to sign in and then brought back to it,
// its query kept (every route's own path: TestEveryRouteHasARule).
func TestAnonymousIsSentToSignIn(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.Client(t)
	// With a query string, next keeps it.
	if res := c.Get(t, "/admin/users?q=mari", http.StatusSeeOther); res.Location() != "/login?next="+url.QueryEscape("/admin/users?q=mari") {
		t.Errorf("next with a query: %q", res.Location())
	}
	// htmx is told where to go instead of following a redirect into a fragment.
	res := c.Get(t, "/account", http.StatusUnauthorized, "HX-Request", "true")
	if res.Header.Get("HX-Redirect") != "/login?next=%2Faccount" {
		t.Errorf("htmx request: HX-Redirect %q", res.Header.Get("HX-Redirect"))
	}
}

// TestAccessMatrix signs in as each kind of demo person and tries every route: a route
// whose rule does not allow the person refuses them, and every page they may open opens.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	for _, email := range viewers {
		t.Run(email, func(t *testing.T) {
			t.Parallel()
			pp := person(email)
			viewer := &access.Viewer{Email: pp.Email, Roles: pp.Roles}
			c := app.SignIn(t, email)
			var self int64
			if err := app.DB.Get(&self, `SELECT id FROM users WHERE email = $1`, email); err != nil {
				t.Fatal(err)
			}
			refused, opened := 0, 0
			for _, r := range app.Server.Routes {
				p := path(r, self)
				if !r.Rule.Allows(viewer) {
					var res *apptest.Page
					if r.Method == http.MethodGet {
						res = c.Get(t, p, http.StatusForbidden)
					} else {
						res = c.Post(t, p, url.Values{"name": {"Made by " + email}, "roles": {"admin"}}, http.StatusForbidden)
					}
					if res.Text("h1") != "No access" {
						t.Errorf("%s %s (%s): %q, want No access", r.Method, p, r.Rule, res.Text("h1"))
					}
					refused++
					continue
				}
				if r.Method != http.MethodGet || strings.HasSuffix(r.Path, "*") || r.Kind == route.Stream {
					continue // changing things is for the features' own tests; a stream never ends (app/ticket's TestStreamAuthorisation opens them)
				}
				// The answer depends on the route (and on the demo data behind an id): the
				// cases below check every status.
				res, err := c.Try(http.MethodGet, p, nil)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case r.Path == "/login":
					if res.Status != http.StatusSeeOther || res.Location() != "/" {
						t.Errorf("GET /login signed in: %d to %q, want home", res.Status, res.Location())
					}
				case r.Path == "/login/second-factor":
					// Signed in with a second factor: home; with the password alone (a
					// customer), the page offers to set an authenticator up.
					if (res.Status != http.StatusSeeOther || res.Location() != "/") && res.Status != http.StatusOK {
						t.Errorf("GET %s signed in: %d to %q, want home or the page", r.Path, res.Status, res.Location())
					}
				case r.Path == "/login/id-card" && res.Status == http.StatusNotFound:
					// Tugi here takes no ID-cards (app/auth's tests configure them).
				case (strings.HasPrefix(r.Path, "/tickets/:") || strings.HasPrefix(r.Path, "/incidents/:") || strings.HasPrefix(r.Path, "/chat/:") || r.Path == "/admin/routing/:id" || r.Path == "/admin/organisations/:id" ||
					strings.HasPrefix(r.Path, "/queue/mail/:") || r.Path == "/password/:token") &&
					res.Status == http.StatusNotFound:
					// Filled with the person's own id, which need not be a ticket they may
					// see (or a routing rule, an organisation, a password link's token):
					// app/ticket's, app/routing's, app/user's and app/inbound's tests open
					// real ones.
				case strings.HasPrefix(r.Path, "/organisation/") && (res.Status == http.StatusSeeOther || res.Status == http.StatusNotFound):
					// Only for a customer with the right and a second factor (a demo
					// customer has neither): app/privacy's TestOrganisationExport opens it.
				case res.Status != http.StatusOK:
					t.Errorf("GET %s (%s): %d, want 200", p, r.Rule, res.Status)
				}
				opened++
			}
			if opened < 3 {
				t.Errorf("only %d pages opened", opened)
			}
			if !slices.Contains(pp.Roles, access.Admin) && refused == 0 {
				t.Error("nothing refused to a non-admin: the matrix checks nothing")
			}
			var made int
			app.DB.Get(&made, `SELECT count(*) FROM organisations WHERE name = $1`, "Made by "+email)
			if made != 0 {
				t.Errorf("a refused request created an organisation")
			}
		})
	}
}

func TestCustomerCannotReachAdmin(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, "customer@demo-customer.example")
	var self int64
	app.DB.Get(&self, `SELECT id FROM users WHERE email = 'customer@demo-customer.example'`)
	before := orgCount(t, app)
	checked := 0
	for _, r := range app.Server.Routes {
		if !strings.HasPrefix(r.Path, "/admin/") {
			continue
		}
		p := path(r, self)
		if r.Method == http.MethodGet {
			c.Get(t, p, http.StatusForbidden)
		} else {
			c.Post(t, p, url.Values{"name": {"Customer's own"}, "roles": {"admin"}}, http.StatusForbidden)
		}
		checked++
	}
	if checked < 9 {
		t.Errorf("only %d admin routes checked", checked)
	}
	if orgCount(t, app) != before {
		t.Error("a customer created an organisation")
	}
	var roles string
	app.DB.Get(&roles, `SELECT array_to_string(roles, ',') || active::text FROM users WHERE id = $1`, self)
	if roles != "customertrue" {
		t.Errorf("the customer changed their own account: %s", roles)
	}
	home := c.Get(t, "/", http.StatusOK)
	if nav := home.Text(".mainnav"); strings.Contains(nav, "Users") || strings.Contains(nav, "Organisations") {
		t.Errorf("customer's navigation offers admin pages: %q", nav)
	}
}

func orgCount(t *testing.T, app *apptest.App) int {
	t.Helper()
	var n int
	if err := app.DB.Get(&n, `SELECT count(*) FROM organisations`); err != nil {
		t.Fatal(err)
	}
	return n
}
