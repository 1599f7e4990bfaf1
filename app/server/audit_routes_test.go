package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/demo"
	"tugi/app/user"
)

// auditSample is a request that performs a route's operation for real: who sends it,
// with which form, and the status that shows it succeeded.
type auditSample struct {
	as     string     // the demo person who sends it; "" for nobody signed in
	form   url.Values // the form sent (POST)
	status int        // the status of success; default 303 See Other
	// prepare, when set, makes what the operation needs (a ticket, a session) and
	// returns the path to request, its ids filled in, and the form when it depends on
	// the page.
	prepare func(t *testing.T, app *apptest.App) (path string, form url.Values)
}

const (
	mari   = "customer@demo-customer.example"
	andres = "agent@tugi.example"
	kadri  = "agent2@tugi.example"
	sirje  = "ciso@tugi.example"
	eva    = "employee@tugi.example"
	toomas = "admin@tugi.example"
)

// auditedRoutes holds a sample request for every route that changes something, and for
// the GET routes that must be audited too (exports, and later the views of incidents). A
// route missing here fails TestEveryOperationIsAudited. The samples share one Tugi, so
// each changes only what no other sample relies on.
var auditedRoutes = map[string]auditSample{
	"POST /login":  {form: url.Values{"email": {kadri}, "password": {demo.Password}}},
	"POST /logout": {as: kadri},
	"POST /account/password": {as: eva, form: url.Values{"current_password": {demo.Password},
		"new_password": {"a new password for the route walk"}, "confirm_password": {"a new password for the route walk"}}},
	"POST /account/language": {as: sirje, form: url.Values{"language": {"et"}}},
	"POST /account/sessions/:id/revoke": {as: kadri, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		app.SignIn(t, kadri)
		var id int64
		if err := app.DB.Get(&id, `SELECT max(s.id) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1`, kadri); err != nil {
			t.Fatal(err)
		}
		return "/account/sessions/" + strconv.FormatInt(id, 10) + "/revoke", nil
	}},

	"POST /admin/users": {as: toomas, form: url.Values{"email": {"walker@tugi.example"}, "name": {"Route Walker"},
		"roles": {"employee"}, "password": {"a long enough password"}}},
	"POST /admin/users/:id/roles": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return userPath(t, app, kadri, "roles"), url.Values{"roles": {"employee", "agent", "ciso"}}
	}},
	"POST /admin/users/:id/deactivate": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return userPath(t, app, "customer@second-customer.example", "deactivate"), nil
	}},
	"POST /admin/users/:id/activate": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		ctx := context.Background()
		svc := user.NewService(app.DB, app.Server.Sessions)
		id, err := svc.Create(ctx, audit.Job("test"), user.NewUser{Email: "gone@tugi.example", Name: "Gone", Roles: user.RoleList{access.Employee}})
		if err == nil {
			err = svc.SetActive(ctx, audit.Job("test"), id, false)
		}
		if err != nil {
			t.Fatal(err)
		}
		return "/admin/users/" + strconv.FormatInt(id, 10) + "/activate", nil
	}},
	"POST /admin/organisations": {as: toomas, form: url.Values{"name": {"Route Walk OÜ"}}},
	"POST /admin/subprocessors": {as: toomas, form: url.Values{"name": {"Route Walk Hosting OÜ"}, "purpose": {"hosting"},
		"location": {"Tartu, Estonia"}, "starts_on": {time.Now().AddDate(0, 0, 40).Format(time.DateOnly)}}},
	"POST /admin/subprocessors/:id/end": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		var id int64
		if err := app.DB.Get(&id, `SELECT min(id) FROM subprocessors`); err != nil {
			t.Fatal(err)
		}
		return "/admin/subprocessors/" + strconv.FormatInt(id, 10) + "/end", url.Values{"ends_on": {time.Now().AddDate(0, 0, 40).Format(time.DateOnly)}}
	}},
	"POST /admin/role-changes/:id/approve": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return roleChangePath(t, app, sirje, "approve", access.Employee, access.CISO, access.Admin), nil
	}},
	"POST /admin/role-changes/:id/reject": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return roleChangePath(t, app, andres, "reject", access.Employee, access.Agent, access.CISO), nil
	}},

	"POST /admin/sla": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		form := pageForm(t, app, toomas, "/admin/sla", "/admin/sla")
		for k, v := range form {
			if strings.HasSuffix(k, "_warn") {
				form.Set(k, map[bool]string{true: "77", false: "78"}[v[0] != "77"])
				return "/admin/sla", form
			}
		}
		t.Fatal("the SLA form has no warning percentage to change")
		return "", nil
	}},
	"POST /admin/calendar/hours": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		form := pageForm(t, app, toomas, "/admin/calendar", "/admin/calendar/hours")
		for k, v := range form {
			if len(v) == 1 && v[0] == "" {
				form.Set(k, "10:00-14:00")
				return "/admin/calendar/hours", form
			}
		}
		t.Fatal("the weekly hours have no closed day to open")
		return "", nil
	}},
	"POST /admin/calendar/exceptions": {as: toomas, form: url.Values{"kind": {"closure"},
		"date": {time.Now().AddDate(1, 0, 0).Format(time.DateOnly)}, "note": {"Route walk"}}},
	"POST /admin/calendar/exceptions/remove": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		c := app.SignIn(t, toomas)
		day := time.Now().AddDate(2, 0, 0).Format(time.DateOnly)
		c.Post(t, "/admin/calendar/exceptions", url.Values{"kind": {"closure"}, "date": {day}}, http.StatusSeeOther)
		return "/admin/calendar/exceptions/remove", c.Get(t, "/admin/calendar", http.StatusOK).FormValues(`form[action="/admin/calendar/exceptions/remove"]:has(input[value="` + day + `"])`)
	}},

	"POST /tickets": {as: mari, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return "/tickets", ticketForm(t, app)
	}},
	"POST /tickets/:id/reply": {as: mari, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newTicket(t, app) + "/reply", url.Values{"body": {"Any news?"}}
	}},
	"POST /tickets/:id/close": {as: mari, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newTicket(t, app) + "/close", nil
	}},
	"POST /tickets/:id/reopen": {as: mari, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		path := newTicket(t, app)
		app.SignIn(t, mari).Post(t, path+"/close", nil, http.StatusSeeOther)
		return path + "/reopen", nil
	}},
	"POST /tickets/:id/note": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newTicket(t, app) + "/note", url.Values{"note": {"Checked the logs."}}
	}},
	"POST /tickets/:id/fields": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newTicket(t, app) + "/fields", url.Values{"status": {"open"}}
	}},
	"POST /tickets/:id/take": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newTicket(t, app) + "/take", nil
	}},
	"POST /tickets/:id/call": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newTicket(t, app) + "/call", url.Values{"call": {"Talked it through on the phone."}, "then": {"open"}}
	}},
	"POST /tickets/:id/links": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		other := strings.TrimPrefix(newTicket(t, app), "/tickets/")
		return newTicket(t, app) + "/links", url.Values{"reference": {other}, "kind": {"related"}}
	}},
	"POST /tickets/:id/links/:link/delete": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		path, other := newTicket(t, app), strings.TrimPrefix(newTicket(t, app), "/tickets/")
		app.SignIn(t, andres).Post(t, path+"/links", url.Values{"reference": {other}, "kind": {"duplicate"}}, http.StatusSeeOther)
		var id int64
		if err := app.DB.Get(&id, `SELECT max(id) FROM ticket_links`); err != nil {
			t.Fatal(err)
		}
		return path + "/links/" + strconv.FormatInt(id, 10) + "/delete", nil
	}},
	"POST /queue/phone": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		form := ticketForm(t, app)
		var mariID int64
		if err := app.DB.Get(&mariID, `SELECT id FROM users WHERE email = $1`, mari); err != nil {
			t.Fatal(err)
		}
		form.Set("requester_id", strconv.FormatInt(mariID, 10))
		form.Set("priority", "normal")
		return "/queue/phone", form
	}},
	"POST /queue/canned": {as: andres, form: url.Values{"title": {"Route walk"}, "body": {"Hello {{customer_name}}"}}},
	"POST /queue/canned/:canned": {as: kadri, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return cannedPath(t, app, "Route walk edit"), url.Values{"title": {"Route walk edited"}, "body": {"Changed."}}
	}},
	"POST /queue/canned/:canned/delete": {as: kadri, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return cannedPath(t, app, "Route walk delete") + "/delete", nil
	}},

	// Downloads of attachments are audited: customer data leaving Tugi.
	"GET /tickets/:id/attachments/:aid/:name": {as: andres, status: http.StatusOK, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		p := app.SignIn(t, mari).PostFiles(t, "/tickets", ticketForm(t, app), []apptest.Upload{{Field: "files", Name: "walk.txt", Data: []byte("route walk\n")}}, http.StatusSeeOther)
		var aid int64
		if err := app.DB.Get(&aid, `SELECT max(id) FROM ticket_attachments`); err != nil {
			t.Fatal(err)
		}
		return p.Location() + "/attachments/" + strconv.FormatInt(aid, 10) + "/walk.txt", nil
	}},
	"GET /audit/export.csv": {as: sirje, status: http.StatusOK},

	"POST /admin/routing": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return "/admin/routing", url.Values{"team_id": {teamID(t, app)}, "words": {"walk"}}
	}},
	"POST /admin/routing/:id": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return routingRule(t, app, ""), url.Values{"team_id": {teamID(t, app)}, "words": {"changed"}}
	}},
	"POST /admin/routing/:id/move": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		routingRule(t, app, "")
		return routingRule(t, app, "/move"), url.Values{"direction": {"up"}}
	}},
	"POST /admin/routing/:id/delete": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return routingRule(t, app, "/delete"), nil
	}},
	"POST /admin/teams/:id/members": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		id, err := user.NewService(app.DB, app.Server.Sessions).Create(context.Background(), audit.Job("test"),
			user.NewUser{Email: "new-agent@tugi.example", Name: "New Agent", Roles: user.RoleList{access.Agent}})
		if err != nil {
			t.Fatal(err)
		}
		return "/admin/teams/" + teamID(t, app) + "/members", url.Values{"user_id": {strconv.FormatInt(id, 10)}}
	}},
	"POST /admin/teams/:id/members/remove": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return "/admin/teams/" + teamID(t, app) + "/members/remove", url.Values{"user_id": {userID(t, app, andres)}}
	}},
	"POST /admin/teams/:id/cap": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return "/admin/teams/" + teamID(t, app) + "/cap", url.Values{"cap": {"7"}}
	}},
	"POST /availability": {as: kadri, form: url.Values{"available": {"true"}}},
	"POST /hand-back":    {as: andres},
}

// teamID returns the id of the default team, as a form value.
func teamID(t *testing.T, app *apptest.App) string {
	t.Helper()
	var id int64
	if err := app.DB.Get(&id, `SELECT id FROM teams WHERE is_default`); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func userID(t *testing.T, app *apptest.App, email string) string {
	t.Helper()
	var id int64
	if err := app.DB.Get(&id, `SELECT id FROM users WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

// routingRule adds a routing rule as Toomas and returns its path with suffix.
func routingRule(t *testing.T, app *apptest.App, suffix string) string {
	t.Helper()
	app.SignIn(t, toomas).Post(t, "/admin/routing", url.Values{"team_id": {teamID(t, app)}, "words": {"sample"}}, http.StatusSeeOther)
	var id int64
	if err := app.DB.Get(&id, `SELECT max(id) FROM routing_rules`); err != nil {
		t.Fatal(err)
	}
	return "/admin/routing/" + strconv.FormatInt(id, 10) + suffix
}

func userPath(t *testing.T, app *apptest.App, email, action string) string {
	t.Helper()
	var id int64
	if err := app.DB.Get(&id, `SELECT id FROM users WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	return "/admin/users/" + strconv.FormatInt(id, 10) + "/" + action
}

// pageForm returns the form that posts to action on the page at path, as shown to as.
func pageForm(t *testing.T, app *apptest.App, as, path, action string) url.Values {
	t.Helper()
	p := app.SignIn(t, as).Get(t, path, http.StatusOK)
	return p.FormValues(`form[action="` + action + `"]`)
}

func ticketForm(t *testing.T, app *apptest.App) url.Values {
	t.Helper()
	var category int64
	if err := app.DB.Get(&category, `SELECT min(id) FROM categories`); err != nil {
		t.Fatal(err)
	}
	return url.Values{"subject": {"Route walk"}, "body": {"Checking that this is audited."},
		"category_id": {strconv.FormatInt(category, 10)}, "impact": {"one_person"}}
}

// cannedPath adds a canned reply titled title as Andres and returns its path.
func cannedPath(t *testing.T, app *apptest.App, title string) string {
	t.Helper()
	app.SignIn(t, andres).Post(t, "/queue/canned", url.Values{"title": {title}, "body": {"Text"}}, http.StatusSeeOther)
	var id int64
	if err := app.DB.Get(&id, `SELECT id FROM canned_replies WHERE title = $1`, title); err != nil {
		t.Fatal(err)
	}
	return "/queue/canned/" + strconv.FormatInt(id, 10)
}

// roleChangePath has a second admin ask for the person's roles to become roles, and
// returns the path that decides the change with action.
func roleChangePath(t *testing.T, app *apptest.App, email, action string, roles ...access.Role) string {
	t.Helper()
	ctx := context.Background()
	svc := user.NewService(app.DB, app.Server.Sessions)
	var asker int64
	err := app.DB.Get(&asker, `SELECT id FROM users WHERE email = 'second.admin@tugi.example'`)
	if err != nil {
		asker, err = svc.Create(ctx, audit.Job("test"), user.NewUser{Email: "second.admin@tugi.example", Name: "Second Admin",
			Roles: user.RoleList{access.Employee, access.Admin}})
	}
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := app.DB.Get(&id, `SELECT id FROM users WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetRoles(ctx, audit.Actor{UserID: asker}, id, user.RoleList(roles), nil); err != nil {
		t.Fatal(err)
	}
	var change int64
	if err := app.DB.Get(&change, `SELECT id FROM role_changes WHERE user_id = $1 AND outcome IS NULL`, id); err != nil {
		t.Fatal(err)
	}
	return "/admin/role-changes/" + strconv.FormatInt(change, 10) + "/" + action
}

// newTicket opens a ticket as Mari and returns its path.
func newTicket(t *testing.T, app *apptest.App) string {
	t.Helper()
	p := app.SignIn(t, mari).Post(t, "/tickets", ticketForm(t, app), http.StatusSeeOther)
	return p.Location()
}

// TestEveryOperationIsAudited walks the route table: every route that changes something
// (every non-GET route) and every GET route listed in auditedRoutes is sent its sample
// request, and must write at least one audit event in that very request.
func TestEveryOperationIsAudited(t *testing.T) {
	app := apptest.New(t)
	seen := map[string]bool{}
	for _, r := range app.Server.Routes {
		key := r.Method + " " + r.Path
		s, ok := auditedRoutes[key]
		seen[key] = ok
		if !ok {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				t.Errorf("%s changes state but has no sample request: add one to auditedRoutes in app/server/audit_routes_test.go "+
					"(who sends it, with which form), so that this test can check that it writes its audit event", key)
			}
			continue
		}
		t.Run(key, func(t *testing.T) {
			path, form := r.Path, s.form
			if s.prepare != nil {
				path, form = s.prepare(t, app)
			}
			if strings.Contains(path, ":") {
				t.Fatalf("the sample for %s needs a prepare that fills in the path's ids", key)
			}
			c := app.Client(t)
			if s.as != "" {
				c = app.SignIn(t, s.as)
			}
			want := s.status
			if want == 0 {
				want = http.StatusSeeOther
			}
			var p *apptest.Page
			if r.Method == http.MethodGet {
				p = c.Get(t, path, want)
			} else {
				p = c.Post(t, path, form, want)
			}
			rid := p.Header.Get("X-Request-Id")
			var events []string
			if err := app.DB.Select(&events, `SELECT action FROM audit_events WHERE request_id = $1 ORDER BY seq`, rid); err != nil {
				t.Fatal(err)
			}
			if len(events) == 0 {
				t.Errorf("%s %s as %q succeeded but wrote no audit event in that request (%s): record one with audit.Record in the transaction of the change",
					r.Method, path, s.as, rid)
			}
		})
	}
	for key := range auditedRoutes {
		if _, ok := seen[key]; !ok {
			t.Errorf("auditedRoutes has a sample for %s, which is no route: remove or rename it", key)
		}
	}
	if _, err := audit.Verify(context.Background(), app.DB, nil); err != nil {
		t.Errorf("after the walk: %v", err)
	}
}
