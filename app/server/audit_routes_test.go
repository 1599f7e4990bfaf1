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
	"tugi/app/auth"
	"tugi/app/demo"
	"tugi/app/inbound"
	"tugi/app/incident"
	"tugi/app/retention"
	"tugi/app/user"
)

// auditSample is a request that performs a route's operation for real: who sends it,
// with which form, and the status that shows it succeeded.
type auditSample struct {
	as     string           // the demo person who sends it; "" for nobody signed in
	form   url.Values       // the form sent (POST)
	status int              // the status of success; default 303 See Other
	files  []apptest.Upload // files sent with the form, as multipart/form-data
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
	peeter = "employee2@tugi.example"
	toomas = "admin@tugi.example"
)

// auditedRoutes holds a sample request for every route that changes something, and for
// the GET routes that must be audited too (exports, and later the views of incidents). A
// route missing here fails TestEveryOperationIsAudited. The samples share one Tugi, so
// each changes only what no other sample relies on.
var auditedRoutes = map[string]auditSample{
	"POST /login": {form: url.Values{"email": {mari}, "password": {demo.Password}}},
	// A wrong code is audited as a failed sign-in (app/auth's tests check the right one's
	// event: the code a sample could carry is taken before its sign-in uses a later one).
	"POST /login/second-factor":    {as: toomas, form: url.Values{"code": {"not-a-code"}}, status: http.StatusUnauthorized},
	"POST /account/recovery-codes": {as: toomas, status: http.StatusOK}, // the new codes, shown once
	// An employee the sample makes (the policy does not ask a second factor of employees,
	// and another sample changes Eva's password).
	"POST /account/totp/remove": {as: "remover@tugi.example", prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		ctx := context.Background()
		hash, err := user.HashPassword(demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		id, err := user.NewService(app.DB, app.Server.Sessions).Create(ctx, audit.Job("test"),
			user.NewUser{Email: "remover@tugi.example", Name: "Remover", Roles: user.RoleList{access.Employee}, PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		if err := auth.EnrolTOTP(ctx, app.DB, app.FactorKey, audit.Job("test"), id, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		return "/account/totp/remove", nil
	}},
	"POST /admin/sign-in": {as: toomas, form: url.Values{"roles": {"agent", "ciso", "admin"}}},
	"POST /admin/users/:id/second-factor/reset": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return userPath(t, app, "customer@second-customer.example", "second-factor/reset"), nil
	}},
	"POST /admin/users/:id/sessions/end": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return userPath(t, app, "customer@second-customer.example", "sessions/end"), nil
	}},
	"POST /admin/users/:id/personal-code": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return userPath(t, app, "customer@second-customer.example", "personal-code"), url.Values{"personal_code": {"37605030299"}}
	}},
	"POST /admin/users/:id/erase": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		id, err := user.NewService(app.DB, app.Server.Sessions).Create(context.Background(), audit.Job("test"),
			user.NewUser{Email: "erasable@tugi.example", Name: "Erasable", Roles: user.RoleList{access.Employee}})
		if err != nil {
			t.Fatal(err)
		}
		return "/admin/users/" + strconv.FormatInt(id, 10) + "/erase", url.Values{"confirm": {"1"}}
	}},
	"POST /admin/users/:id/org-export": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return userPath(t, app, "customer@second-customer.example", "org-export"), url.Values{"allow": {"yes"}}
	}},
	"GET /admin/users/:id/export": {as: toomas, status: http.StatusOK, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return userPath(t, app, mari, "export"), nil
	}},
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
	"POST /admin/retention/rules":     {as: toomas, form: url.Values{"days_tickets": {"3650"}, "days_signins": {"90"}, "days_mail": {"90"}}},
	"POST /admin/retention/overrides": {as: toomas, form: url.Values{"override_org": {"Second Customer AS"}, "override_kind": {"chats"}, "override_days": {"400"}}},
	"POST /admin/retention/overrides/remove": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		var org int64
		if err := app.DB.Get(&org, `SELECT id FROM organisations WHERE name = 'Demo Customer OÜ'`); err != nil {
			t.Fatal(err)
		}
		days := 800
		if err := retention.New(retention.Options{DB: app.DB}).SetOverride(context.Background(), audit.Job("test"), retention.Mail, org, &days); err != nil {
			t.Fatal(err)
		}
		return "/admin/retention/overrides/remove", url.Values{"kind": {"mail"}, "org_id": {strconv.FormatInt(org, 10)}}
	}},
	"POST /admin/retention/holds": {as: toomas, form: url.Values{"hold_on": {"person"}, "hold_email": {peeter}, "hold_reason": {"Route walk: a court's request"}}},
	"POST /admin/retention/holds/:id/release": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		var admin int64
		if err := app.DB.Get(&admin, `SELECT id FROM users WHERE email = $1`, toomas); err != nil {
			t.Fatal(err)
		}
		id, err := retention.New(retention.Options{DB: app.DB}).PlaceHold(context.Background(), audit.Actor{UserID: admin},
			retention.Subject{UserID: admin}, "Route walk: to release")
		if err != nil {
			t.Fatal(err)
		}
		return "/admin/retention/holds/" + strconv.FormatInt(id, 10) + "/release", nil
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

	"POST /queue/mail/:id/assign": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return inboundMail(t, app, "stranger@route-walk.example", "") + "/assign", url.Values{"organisation": {"Second Customer AS"}}
	}},
	"POST /queue/mail/:id/release": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return inboundMail(t, app, mari, "Authentication-Results: mx.tugi.example; dmarc=fail") + "/release", nil
	}},
	"POST /queue/mail/:id/discard": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return inboundMail(t, app, "spam@route-walk.example", "") + "/discard", nil
	}},
	"POST /queue/mail/bounces/clear": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		if _, err := app.DB.Exec(`INSERT INTO mail_bounces (address, status) VALUES ($1, '5.1.1')`, mari); err != nil {
			t.Fatal(err)
		}
		return "/queue/mail/bounces/clear", url.Values{"address": {mari}, "back": {"/queue/mail"}}
	}},
	"POST /password/:token": {prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return passwordLink(t, app), url.Values{"new_password": {"a password set by link"}, "confirm_password": {"a password set by link"}}
	}},
	"POST /admin/mail-domains": {as: toomas, form: url.Values{"domain": {"route-walk.example"}, "organisation": {"Demo Customer OÜ"}}},
	"POST /admin/mail-domains/:domain/delete": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		if _, err := app.DB.Exec(`INSERT INTO org_mail_domains (domain, org_id) SELECT 'walk-away.example', id FROM organisations LIMIT 1`); err != nil {
			t.Fatal(err)
		}
		return "/admin/mail-domains/walk-away.example/delete", nil
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
	"POST /tickets/:id/compose": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newTicket(t, app) + "/compose", url.Values{"kind": {"note"}, "body": {"Checked the logs."}}
	}},
	"POST /tickets/:id/fields": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newTicket(t, app) + "/fields", url.Values{"status": {"open"}}
	}},
	"POST /tickets/:id/take": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newTicket(t, app) + "/take", nil
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
	"POST /admin/contact": {as: toomas, form: url.Values{"phone": {"+372 600 1234"}, "email": {"walk@tugi.example"}}},
	"POST /queue/bulk": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		id := strings.TrimPrefix(newTicket(t, app), "/tickets/")
		return "/queue/bulk", url.Values{"ids": {id}, "bulk_priority": {"low"}}
	}},
	"POST /queue/views": {as: andres, form: url.Values{"view_name": {"Route walk"}, "query": {"view=all&priority=high"}}},
	"POST /queue/views/:view/delete": {as: kadri, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		app.SignIn(t, kadri).Post(t, "/queue/views", url.Values{"view_name": {"Route walk delete"}, "query": {"view=mine"}}, http.StatusSeeOther)
		var id int64
		if err := app.DB.Get(&id, `SELECT max(id) FROM queue_views`); err != nil {
			t.Fatal(err)
		}
		return "/queue/views/" + strconv.FormatInt(id, 10) + "/delete", nil
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
	"POST /admin/teams": {as: toomas, form: url.Values{"name": {"Route Walk Team"}}},
	"POST /admin/teams/:id/name": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return "/admin/teams/" + teamID(t, app) + "/name", url.Values{"name": {"First Line"}}
	}},
	"POST /admin/teams/:id/retire": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return "/admin/teams/" + newTeamID(t, app, false) + "/retire", nil
	}},
	"POST /admin/teams/:id/reinstate": {as: toomas, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return "/admin/teams/" + newTeamID(t, app, true) + "/reinstate", nil
	}},
	"POST /incidents/new": {as: peeter, form: url.Values{"summary": {"Route walk: a strange USB stick on my desk."}}},
	"POST /incidents/:id/classify": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/classify", url.Values{"taxonomy": {"malicious-code/infected-system"},
			"impact_c": {"low"}, "impact_i": {"low"}, "impact_a": {"none"}, "urgency": {"medium"}}
	}},
	"POST /incidents/:id/severity": {as: sirje, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/severity", url.Values{"severity_override": {"high"}, "override_reason": {"Route walk"}}
	}},
	"POST /incidents/:id/decisions": {as: sirje, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/decisions", url.Values{"nis2_significant": {"no"}, "nis2_rationale": {"Route walk"}}
	}},
	"POST /incidents/:id/handlers": {as: sirje, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/handlers", url.Values{"user_id": {userID(t, app, kadri)}}
	}},
	"POST /incidents/:id/handlers/:user/delete": {as: sirje, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/handlers/" + userID(t, app, andres) + "/delete", nil
	}},
	"POST /incidents/:id/owner": {as: sirje, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/owner", url.Values{"user_id": {userID(t, app, sirje)}}
	}},
	"POST /incidents/:id/state": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/state", url.Values{"state": {"triage"}}
	}},
	"POST /incidents/:id/notes": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/notes", url.Values{"note": {"Route walk"}, "tell_reporter": {"1"}}
	}},
	"POST /incidents/:id/tasks": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/tasks", url.Values{"task_title": {"Route walk"}, "task_owner": {userID(t, app, andres)}}
	}},
	"POST /incidents/:id/tasks/:task/done": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		path := newIncident(t, app)
		app.SignIn(t, andres).Post(t, path+"/tasks", url.Values{"task_title": {"Route walk"}}, http.StatusSeeOther)
		var id int64
		if err := app.DB.Get(&id, `SELECT max(id) FROM incident_tasks`); err != nil {
			t.Fatal(err)
		}
		return path + "/tasks/" + strconv.FormatInt(id, 10) + "/done", nil
	}},
	"POST /incidents/:id/evidence": {as: andres, files: []apptest.Upload{{Field: "evidence", Name: "walk.log", Data: []byte("route walk\n")}},
		prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
			return newIncident(t, app) + "/evidence", nil
		}},
	"GET /incidents/:id/evidence/:eid/:name": {as: andres, status: http.StatusOK, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		path := newIncident(t, app)
		app.SignIn(t, andres).PostFiles(t, path+"/evidence", nil, []apptest.Upload{{Field: "evidence", Name: "walk.txt", Data: []byte("route walk\n")}}, http.StatusSeeOther)
		var id int64
		if err := app.DB.Get(&id, `SELECT max(id) FROM incident_evidence`); err != nil {
			t.Fatal(err)
		}
		return path + "/evidence/" + strconv.FormatInt(id, 10) + "/walk.txt", nil
	}},
	"POST /incidents/:id/review": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/review", url.Values{"review_what_happened": {"a"}, "review_root_cause": {"b"}, "review_changes": {"c"}, "review_lessons": {"d"}}
	}},
	"POST /incidents/:id/organisations": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/organisations", url.Values{"org_name": {"Demo Customer"}}
	}},
	"POST /incidents/:id/organisations/:org/delete": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		path := newIncident(t, app)
		app.SignIn(t, andres).Post(t, path+"/organisations", url.Values{"org_name": {"Second Customer"}}, http.StatusSeeOther)
		var id int64
		if err := app.DB.Get(&id, `SELECT id FROM organisations WHERE name = 'Second Customer AS'`); err != nil {
			t.Fatal(err)
		}
		return path + "/organisations/" + strconv.FormatInt(id, 10) + "/delete", nil
	}},
	"POST /incidents/from-ticket/:ticket": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return "/incidents/from-ticket/" + strings.TrimPrefix(newTicket(t, app), "/tickets/"), url.Values{"incident_summary": {"Route walk"}}
	}},
	"POST /incidents/link-ticket/:ticket": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		inc := newIncident(t, app)
		var ref string
		if err := app.DB.Get(&ref, `SELECT reference FROM incidents WHERE id = $1`, strings.TrimPrefix(inc, "/incidents/")); err != nil {
			t.Fatal(err)
		}
		return "/incidents/link-ticket/" + strings.TrimPrefix(newTicket(t, app), "/tickets/"), url.Values{"incident_reference": {ref}}
	}},

	// Incident deadlines (app/incident, deadline_handler.go).
	"POST /incidents/:id/notices": {as: sirje, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/notices", url.Values{"clock": {"authority"}, "channel": {"portal"}, "body": {"Route walk"},
			"submitted_at": {time.Now().In(tallinn(t)).Add(-time.Minute).Format("2006-01-02T15:04")}}
	}},
	"POST /incidents/:id/breach": {as: sirje, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return newIncident(t, app) + "/breach", url.Values{"effects": {"Route walk"}}
	}},
	"POST /notices/:id/acknowledge": {as: mari, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		inc, c := newIncident(t, app), app.SignIn(t, sirje)
		c.Post(t, inc+"/organisations", url.Values{"org_name": {"Demo Customer OÜ"}}, http.StatusSeeOther)
		var org, notice int64
		if err := app.DB.Get(&org, `SELECT id FROM organisations WHERE name = 'Demo Customer OÜ'`); err != nil {
			t.Fatal(err)
		}
		c.Post(t, inc+"/notices", url.Values{"clock": {"customer:" + strconv.FormatInt(org, 10)}, "body": {"Route walk"}}, http.StatusSeeOther)
		if err := app.DB.Get(&notice, `SELECT max(id) FROM incident_notices`); err != nil {
			t.Fatal(err)
		}
		return "/notices/" + strconv.FormatInt(notice, 10) + "/acknowledge", nil
	}},
	"POST /admin/incidents":       {as: toomas, form: url.Values{"hours": {"24"}}},
	"GET /incidents/register.csv": {as: sirje, status: http.StatusOK},
	"GET /incidents/figures.csv":  {as: sirje, status: http.StatusOK},

	"POST /availability": {as: kadri, form: url.Values{"available": {"true"}}},
	"POST /hand-back":    {as: andres},
}

// tallinn is where the forms' times are typed.
func tallinn(t *testing.T) *time.Location {
	t.Helper()
	l, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// teamID returns the id of the default team, as a form value.
// newTeamID adds a team, retired or not, and returns its id.
func newTeamID(t *testing.T, app *apptest.App, retired bool) string {
	t.Helper()
	var id int64
	if err := app.DB.Get(&id, `INSERT INTO teams (name, retired_at) VALUES ('Route Walk Spare ' || $1::boolean::text, CASE WHEN $1::boolean THEN now() END) RETURNING id`, retired); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

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

// passwordLink has a sender at a domain listed for Demo Customer OÜ mail support, which
// makes them a contact and mails them a password link, and returns the link's path.
func passwordLink(t *testing.T, app *apptest.App) string {
	t.Helper()
	if _, err := app.DB.Exec(`INSERT INTO org_mail_domains (domain, org_id) SELECT 'link-walk.example', id FROM organisations WHERE name = 'Demo Customer OÜ'`); err != nil {
		t.Fatal(err)
	}
	raw := "From: walker@link-walk.example\r\nTo: support@tugi.example\r\nSubject: Route walk link\r\nMessage-ID: <link-walk@route-walk.example>\r\n\r\nHello\r\n"
	if _, err := app.Server.Inbound.Receive(context.Background(), inbound.Delivery{Raw: []byte(raw), Mailbox: inbound.Support, Via: "smtp"}); err != nil {
		t.Fatal(err)
	}
	var body string
	if err := app.DB.Get(&body, `SELECT body_text FROM mail_outbox WHERE kind = 'auth.password_link' AND to_address = 'walker@link-walk.example'`); err != nil {
		t.Fatal(err)
	}
	_, token, ok := strings.Cut(body, "/password/")
	if !ok {
		t.Fatalf("no link in %q", body)
	}
	return "/password/" + strings.Fields(token)[0]
}

// newIncident has Peeter report an incident and Sirje name Andres its handler, through
// the service (no sign-in: each costs a password hash), and returns its path.
func newIncident(t *testing.T, app *apptest.App) string {
	t.Helper()
	ctx := context.Background()
	person := func(email string, roles ...access.Role) *access.Viewer {
		var id int64
		if err := app.DB.Get(&id, `SELECT id FROM users WHERE email = $1`, email); err != nil {
			t.Fatal(err)
		}
		return &access.Viewer{UserID: id, Email: email, Roles: roles}
	}
	svc := incident.NewService(incident.Options{DB: app.DB})
	inc, err := svc.Report(ctx, audit.Job("test"), person(peeter, access.Employee), incident.ReportRequest{Summary: "Route walk"})
	if err == nil {
		err = svc.AddHandler(ctx, audit.Job("test"), person(sirje, access.Employee, access.CISO), inc.ID, person(andres).UserID)
	}
	if err != nil {
		t.Fatal(err)
	}
	return incident.Path(inc.ID)
}

// newTicket opens a ticket as Mari and returns its path.
func newTicket(t *testing.T, app *apptest.App) string {
	t.Helper()
	p := app.SignIn(t, mari).Post(t, "/tickets", ticketForm(t, app), http.StatusSeeOther)
	return p.Location()
}

// unaudited are the POST routes that change nothing kept, with why: they record no audit
// event, and TestSignalsKeepNothing checks that they write nothing.
var unaudited = map[string]string{
	"POST /tickets/:id/presence": "tells the other agents on the ticket's page that this one writes a reply (app/live signal, not kept)",
}

// TestEveryOperationIsAudited walks the route table: every route that changes something
// (every non-GET route) and every GET route listed in auditedRoutes is sent its sample
// request, and must write at least one audit event in that very request.
func TestEveryOperationIsAudited(t *testing.T) {
	app := apptest.NewWith(t, apptest.Options{Now: supportOpen()}) // chat is offered
	seen := map[string]bool{}
	for _, r := range app.Server.Routes {
		key := r.Method + " " + r.Path
		s, ok := auditedRoutes[key]
		seen[key] = ok
		if _, signal := unaudited[key]; signal {
			continue
		}
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
			} else if s.files != nil {
				p = c.PostFiles(t, path, form, s.files, want)
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

// TestSignalsKeepNothing sends each unaudited route its request: it must write neither an
// audit event nor anything else a later page reads (a live signal is not kept).
func TestSignalsKeepNothing(t *testing.T) {
	app := apptest.New(t)
	routes := map[string]bool{}
	for _, r := range app.Server.Routes {
		routes[r.Method+" "+r.Path] = true
	}
	for key := range unaudited {
		if !routes[key] {
			t.Errorf("unaudited names %s, which is no route", key)
		}
	}
	ticket := newTicket(t, app)
	c := app.SignIn(t, kadri)
	kept := func() int {
		var n int
		if err := app.DB.Get(&n, `SELECT (SELECT count(*) FROM audit_events) + (SELECT count(*) FROM live_events)`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := kept()
	c.Post(t, ticket+"/presence", url.Values{"state": {"replying"}}, http.StatusNoContent)
	if after := kept(); after != before {
		t.Errorf("POST /tickets/:id/presence kept %d rows", after-before)
	}
}

// inboundMail receives a mail from from (with the header line extra, if any) and returns
// its page's path: one that waits for an agent, for the mail routes' samples.
func inboundMail(t *testing.T, app *apptest.App, from, extra string) string {
	t.Helper()
	raw := "From: " + from + "\r\nTo: support@tugi.example\r\nSubject: Route walk " + from + "\r\nMessage-ID: <" +
		strconv.FormatInt(time.Now().UnixNano(), 10) + "@route-walk.example>\r\n"
	if extra != "" {
		raw += extra + "\r\n"
	}
	raw += "\r\nHello\r\n"
	r, err := app.Server.Inbound.Receive(context.Background(), inbound.Delivery{Raw: []byte(raw), Mailbox: inbound.Support, Via: "smtp"})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != inbound.UnknownSender && r.State != inbound.Held {
		t.Fatalf("the sample mail was not left waiting: %+v", r)
	}
	return "/queue/mail/" + strconv.FormatInt(r.ID, 10)
}
