package incident_test

import (
	"context"

	"github.com/PuerkitoBio/goquery"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/incident"
	"tugi/app/ticket"
)

// The demo people the tests sign in as.
const (
	customer  = "customer@demo-customer.example"
	employee  = "employee@tugi.example"  // reports the incidents of the tests
	employee2 = "employee2@tugi.example" // reports none of them
	agent     = "agent@tugi.example"     // named a handler on them
	agent2    = "agent2@tugi.example"    // named on none
	ciso      = "ciso@tugi.example"
	admin     = "admin@tugi.example"
)

var everyone = []string{customer, employee, employee2, agent, agent2, ciso, admin}

// viewer is a demo person as the service sees them.
func viewer(t *testing.T, app *apptest.App, email string) *access.Viewer {
	t.Helper()
	var u struct {
		ID    int64  `db:"id"`
		Roles string `db:"roles"`
		Org   *int64 `db:"org_id"`
	}
	if err := app.DB.Get(&u, `SELECT id, array_to_string(roles, ',') AS roles, org_id FROM users WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	v := &access.Viewer{UserID: u.ID, Email: email, Lang: "en"}
	for _, r := range strings.Split(u.Roles, ",") {
		v.Roles = append(v.Roles, access.Role(r))
	}
	if u.Org != nil {
		v.OrgID = *u.Org
	}
	return v
}

func service(app *apptest.App) *incident.Service {
	return incident.NewService(incident.Options{DB: app.DB, PublicURL: "https://tugi.example"})
}

// newIncident has employee report an incident, with evidence, and the CISO name agent
// its handler; it returns the incident's path.
func newIncident(t *testing.T, app *apptest.App) (string, *incident.Incident) {
	t.Helper()
	ctx := context.Background()
	svc := service(app)
	inc, err := svc.Report(ctx, audit.Job("test"), viewer(t, app, employee), incident.ReportRequest{
		Summary: "Someone used my badge to enter the server room.",
		Files:   []ticket.File{ticket.FileOf("door-log.txt", []byte("08:14 badge 1234 server room\n"))}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.AddHandler(ctx, audit.Job("test"), viewer(t, app, ciso), inc.ID, viewer(t, app, agent).UserID); err != nil {
		t.Fatal(err)
	}
	return incident.Path(inc.ID), inc
}

func evidencePath(t *testing.T, app *apptest.App, path string) string {
	t.Helper()
	var id int64
	if err := app.DB.Get(&id, `SELECT max(id) FROM incident_evidence WHERE incident_id = $1`, strings.TrimPrefix(path, "/incidents/")); err != nil {
		t.Fatal(err)
	}
	return path + "/evidence/" + strconv.FormatInt(id, 10) + "/door-log.txt"
}

// TestPermissionMatrix tries every incident route as every kind of person, on an incident
// reported by employee and handled by agent: the rule of the route refuses with 403 whom
// it does not admit; of the rest, whoever may not see the incident gets 404 (its
// existence is not revealed), and whoever sees it but may not make the change 403.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	clients := map[string]*apptest.Client{}
	for _, who := range everyone {
		clients[who] = app.SignIn(t, who)
	}
	var ticketID, org int64
	if err := app.DB.Get(&ticketID, `SELECT id FROM tickets WHERE subject = 'Monthly report export fails'`); err != nil {
		t.Fatal(err)
	}
	if err := app.DB.Get(&org, `SELECT id FROM organisations WHERE name = 'Demo Customer OÜ'`); err != nil {
		t.Fatal(err)
	}
	refused := func(who string) bool { return who == customer || who == employee || who == employee2 || who == admin }
	staff := map[string]int{employee: 200, employee2: 200, agent2: 200, admin: 200}
	// What each person gets from each route: 403 when the rule refuses them, 404 for
	// agent2 (named on nothing), and the status given for agent and the CISO, unless
	// others says otherwise.
	cases := []struct {
		method, pattern, query string
		form                   url.Values
		agent, ciso            int
		others                 map[string]int
	}{
		{"GET", "/incidents", "", nil, 200, 200, staff},
		{"GET", "/incidents/new", "", nil, 200, 200, staff},
		{"POST", "/incidents/new", "", url.Values{"summary": {"Matrix report"}}, 303, 303, map[string]int{employee: 303, employee2: 303, agent2: 303, admin: 303}},
		{"GET", "/incidents/organisations", "?organisations=Demo", nil, 200, 200, staff},
		{"GET", "/incidents/:id", "", nil, 200, 200, map[string]int{employee: 200, employee2: 404, admin: 404}},
		{"GET", "/incidents/:id/evidence/:eid/:name", "", nil, 200, 200, nil},
		{"POST", "/incidents/:id/classify", "", url.Values{"taxonomy": {"intrusions/burglary"}, "impact_c": {"medium"},
			"impact_i": {"low"}, "impact_a": {"none"}, "urgency": {"medium"}}, 303, 303, nil},
		{"POST", "/incidents/:id/severity", "", url.Values{"severity_override": {"high"}, "override_reason": {"Server room"}}, 403, 303, nil},
		{"POST", "/incidents/:id/decisions", "", url.Values{"personal_breach": {"no"}, "breach_rationale": {"No data taken"}}, 403, 303, nil},
		{"POST", "/incidents/:id/handlers", "", url.Values{"user_id": {"{agent2}"}}, 403, 303, nil},
		{"POST", "/incidents/:id/handlers/:user/delete", "", nil, 403, 303, nil},
		{"POST", "/incidents/:id/owner", "", url.Values{"user_id": {"{ciso}"}}, 403, 303, nil},
		{"POST", "/incidents/:id/state", "", url.Values{"state": {"triage"}}, 303, 303, nil},
		{"POST", "/incidents/:id/notes", "", url.Values{"note": {"Checked the door log."}}, 303, 303, nil},
		{"POST", "/incidents/:id/tasks", "", url.Values{"task_title": {"Collect the camera footage"}}, 303, 303, nil},
		{"POST", "/incidents/:id/tasks/:task/done", "", nil, 303, 303, nil},
		// No file chosen: the form says so, to those who see the incident.
		{"POST", "/incidents/:id/evidence", "", url.Values{}, 422, 422, nil},
		{"POST", "/incidents/:id/review", "", url.Values{"review_what_happened": {"a"}, "review_root_cause": {"b"},
			"review_changes": {"c"}, "review_lessons": {"d"}}, 303, 303, nil},
		{"POST", "/incidents/:id/organisations", "", url.Values{"org_name": {"Second Customer AS"}}, 303, 303, nil},
		{"POST", "/incidents/:id/organisations/:org/delete", "", nil, 303, 303, nil},
		// Any agent may report a ticket as an incident; linking one to an incident they
		// may not see only says that no incident they handle has that reference.
		{"POST", "/incidents/from-ticket/:ticket", "", url.Values{}, 303, 303, map[string]int{agent2: 303}},
		{"POST", "/incidents/link-ticket/:ticket", "", url.Values{"incident_reference": {"{ref}"}}, 303, 303, map[string]int{agent2: 303}},
	}
	ctx := context.Background()
	tried := map[string]bool{}
	for _, c := range cases {
		tried[c.method+" "+c.pattern] = true
		for _, who := range everyone {
			path, inc := newIncident(t, app)
			if err := service(app).AddTask(ctx, audit.Job("test"), viewer(t, app, ciso), inc.ID, "A task", 0, nil); err != nil {
				t.Fatal(err)
			}
			if err := service(app).AddOrganisation(ctx, audit.Job("test"), viewer(t, app, ciso), inc.ID, org); err != nil {
				t.Fatal(err)
			}
			var task, evidence int64
			app.DB.Get(&task, `SELECT max(id) FROM incident_tasks WHERE incident_id = $1`, inc.ID)
			app.DB.Get(&evidence, `SELECT max(id) FROM incident_evidence WHERE incident_id = $1`, inc.ID)
			ids := strings.NewReplacer("/incidents/:id", path, ":eid", strconv.FormatInt(evidence, 10), ":name", "door-log.txt",
				":user", strconv.FormatInt(viewer(t, app, agent).UserID, 10), ":task", strconv.FormatInt(task, 10),
				":org", strconv.FormatInt(org, 10), ":ticket", strconv.FormatInt(ticketID, 10),
				"{agent2}", strconv.FormatInt(viewer(t, app, agent2).UserID, 10), "{ciso}", strconv.FormatInt(viewer(t, app, ciso).UserID, 10),
				"{ref}", inc.Reference)
			target := ids.Replace(c.pattern) + c.query
			form := url.Values{}
			for k, vs := range c.form {
				for _, v := range vs {
					form.Add(k, ids.Replace(v))
				}
			}
			status, ok := c.others[who]
			switch {
			case ok:
			case who == agent:
				status = c.agent
			case who == ciso:
				status = c.ciso
			case refused(who):
				status = http.StatusForbidden
			default:
				status = http.StatusNotFound
			}
			t.Run(c.method+" "+c.pattern+" as "+who, func(t *testing.T) {
				if c.method == http.MethodGet {
					clients[who].Get(t, target, status)
				} else {
					clients[who].Post(t, target, form, status)
				}
			})
		}
	}
	// Every incident route of the router is in the matrix.
	for _, r := range app.Server.Routes {
		if strings.HasPrefix(r.Path, "/incidents") && !tried[r.Method+" "+r.Path] {
			t.Errorf("%s %s is not in the permission matrix", r.Method, r.Path)
		}
	}
	// agent2 linked nothing: the incident they may not see stayed unlinked by them.
	var links int
	app.DB.Get(&links, `SELECT count(*) FROM incident_ticket_links l JOIN users u ON u.id = l.linked_by WHERE u.email = $1`, agent2)
	if links != 1 { // their own report from the ticket only
		t.Errorf("agent2 made %d ticket links, want 1 (their own report from the ticket)", links)
	}
}

// TestListsShowOnlyWhatEachMaySee opens /incidents as every member of staff and finds in
// its lists exactly the incidents the need-to-know rule lets them see, as the database
// says independently of the scope: the CISO every one; anyone else their own reports
// and, on the board, those naming them as a handler.
func TestListsShowOnlyWhatEachMaySee(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	newIncident(t, app)
	for _, who := range everyone[1:] {
		p := app.SignIn(t, who).Get(t, "/incidents", http.StatusOK)
		var reported, board []string
		app.DB.Select(&reported, `SELECT i.reference FROM incidents i JOIN users u ON u.id = i.reporter_id WHERE u.email = $1 ORDER BY 1`, who)
		app.DB.Select(&board, `SELECT i.reference FROM incidents i WHERE i.state NOT IN ('closed', 'not_incident') AND (
			EXISTS (SELECT 1 FROM users u WHERE u.email = $1 AND 'ciso' = ANY (u.roles)) OR
			EXISTS (SELECT 1 FROM incident_handlers h JOIN users u ON u.id = h.user_id WHERE h.incident_id = i.id AND u.email = $1)) ORDER BY 1`, who)
		if got := references(p, "#reported"); !slices.Equal(got, reported) {
			t.Errorf("%s: own reports %v, want %v", who, got, reported)
		}
		if got := references(p, "#board"); !slices.Equal(got, board) {
			t.Errorf("%s: board %v, want %v", who, got, board)
		}
		if who == agent2 && len(references(p, "#board"))+len(references(p, "#reported"))+len(references(p, "#closed")) != 0 {
			t.Errorf("agent2, named on nothing, sees incidents: %s", p.Text("main"))
		}
	}
	if n := len(references(app.SignIn(t, ciso).Get(t, "/incidents", http.StatusOK), "#board")); n < 4 {
		t.Errorf("the CISO's board shows %d incidents, want every open one", n)
	}
}

// references are the incidents a list shows, by their references.
func references(p *apptest.Page, table string) []string {
	var refs []string
	p.Doc.Find(table + " tr[data-incident]").Each(func(_ int, s *goquery.Selection) {
		refs = append(refs, s.AttrOr("data-incident", ""))
	})
	slices.Sort(refs)
	return refs
}
