package auditpage_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/server"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const (
	cisoEmail  = "ciso@tugi.example"
	adminEmail = "admin@tugi.example"
)

// seqs returns the seq column of the page's events, top to bottom.
func seqs(t *testing.T, p *apptest.Page) []int64 {
	t.Helper()
	var out []int64
	p.Doc.Find("#events tbody tr").Each(func(_ int, tr *goquery.Selection) {
		if tr.Find("td").Length() < 8 {
			return // "No events match."
		}
		n, err := strconv.ParseInt(strings.TrimSpace(tr.Find("td").Last().Text()), 10, 64)
		if err != nil {
			t.Fatalf("seq cell %q", tr.Find("td").Last().Text())
		}
		out = append(out, n)
	})
	return out
}

// actions returns the machine names of the actions on the page, top to bottom.
func actions(p *apptest.Page) []string {
	var out []string
	p.Doc.Find("#events tbody tr td:nth-child(3) code").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Text()))
	})
	return out
}

func record(t *testing.T, app *apptest.App, actor audit.Actor, ev audit.Event) {
	t.Helper()
	if err := audit.Record(context.Background(), app.DB, actor, ev); err != nil {
		t.Fatal(err)
	}
}

func userID(t *testing.T, app *apptest.App, email string) int64 {
	t.Helper()
	var id int64
	if err := app.DB.Get(&id, `SELECT id FROM users WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestOnlyTheCISOAndAdminsReadTheLog(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	for _, email := range []string{"customer@demo-customer.example", "employee@tugi.example", "agent@tugi.example"} {
		c := app.SignIn(t, email)
		for _, path := range []string{"/audit", "/audit/export.csv"} {
			c.Get(t, path, http.StatusForbidden)
		}
		if nav := c.Get(t, "/", http.StatusOK).Text(".mainnav"); strings.Contains(nav, "Audit") {
			t.Errorf("%s's navigation offers the audit log: %q", email, nav)
		}
	}
	for _, email := range []string{cisoEmail, adminEmail} {
		c := app.SignIn(t, email)
		p := c.Get(t, "/audit", http.StatusOK)
		if p.Text("h1") != "Audit log" {
			t.Errorf("%s: GET /audit: %q", email, p.Text("h1"))
		}
		if !strings.Contains(p.Text(".mainnav"), "Audit log") {
			t.Errorf("%s's navigation lacks the audit log: %q", email, p.Text(".mainnav"))
		}
	}
}

func TestTheCISOSeesTheLogNewestFirstWithTheHead(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, cisoEmail)
	p := c.Get(t, "/audit", http.StatusOK)
	got := seqs(t, p)
	var n int64
	var head string
	app.DB.QueryRow(`SELECT seq, encode(hash, 'hex') FROM audit_head`).Scan(&n, &head)
	if len(got) == 0 || got[0] != n || !slices.IsSortedFunc(got, func(a, b int64) int { return int(b - a) }) {
		t.Errorf("seqs on the page %v; want newest first from %d", got, n)
	}
	first := p.Doc.Find("#events tbody tr").First()
	if txt := first.Text(); !strings.Contains(txt, "Signed in") || !strings.Contains(txt, "Sirje Security") || !strings.Contains(txt, "auth.sign_in") {
		t.Errorf("the newest event is not the CISO's sign-in: %q", strings.Join(strings.Fields(txt), " "))
	}
	if p.Text("#head-hash") != head || !strings.Contains(p.Text("#chain-head"), strconv.FormatInt(n, 10)) {
		t.Errorf("chain head shown: %q, want seq %d hash %s", p.Text("#chain-head"), n, head)
	}
	if !strings.Contains(p.Text("#audit-filter"), "Europe/Tallinn") || !strings.Contains(first.Find("td").First().Text(), "EE") {
		t.Errorf("times are not shown in Tallinn time, named: %q", first.Find("td").First().Text())
	}

	// In Estonian.
	c.Post(t, "/account/language", url.Values{"language": {"et"}}, http.StatusSeeOther)
	p = c.Get(t, "/audit", http.StatusOK)
	if p.Text("h1") != "Auditilogi" || !strings.Contains(p.Text("#events"), "Keel muudetud") {
		t.Errorf("in Estonian: %q, %q", p.Text("h1"), p.Text("#events tbody tr:first-child"))
	}
}

// The filter's list offers the action of every feature, each labelled in the reader's
// language by the feature that records it.
func TestTheFilterOffersEveryFeaturesActions(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	labels, err := server.AuditActions()
	if err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(t, cisoEmail)
	for _, lang := range []string{"en", "et"} {
		c.Post(t, "/account/language", url.Values{"language": {lang}}, http.StatusSeeOther)
		p := c.Get(t, "/audit", http.StatusOK)
		offered := map[string]string{}
		var order []string
		p.Doc.Find("datalist#actions option").Each(func(_ int, o *goquery.Selection) {
			v, _ := o.Attr("value")
			offered[v] = o.Text()
			order = append(order, v)
		})
		var want []string
		for _, l := range labels.List() {
			want = append(want, l.Action)
			if offered[l.Action] != l.In(lang) {
				t.Errorf("in %s, %s is offered as %q, want %q", lang, l.Action, offered[l.Action], l.In(lang))
			}
		}
		if !slices.Equal(order, want) {
			t.Errorf("in %s the filter offers %v, want %v", lang, order, want)
		}
	}
	// Those of routing and of the support calendar among them, in Estonian.
	if got := c.Get(t, "/audit", http.StatusOK).Text(`datalist#actions option[value="routing.rule_create"]`); got != "Suunamisreegel lisatud" {
		t.Errorf("routing.rule_create is offered as %q", got)
	}
	if got := c.Get(t, "/audit", http.StatusOK).Text(`datalist#actions option[value="settings.calendar"]`); got != "Klienditoe kalender muudetud" {
		t.Errorf("settings.calendar is offered as %q", got)
	}
}

// An admin reads what administration is about: people, organisations, settings and
// sign-ins; never an event about a ticket or an incident, on the page or in the export.
func TestAdminsSeeOnlyTheAdministration(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	record(t, app, audit.Actor{UserID: 4, Roles: []string{"agent"}}, audit.Event{Action: "ticket.create", ObjectType: "ticket", ObjectID: "T-2026-00001"})
	record(t, app, audit.Job("test"), audit.Event{Action: "settings.calendar", ObjectType: "settings"})
	admin, ciso := app.SignIn(t, adminEmail), app.SignIn(t, cisoEmail)

	pa, pc := admin.Get(t, "/audit", http.StatusOK), ciso.Get(t, "/audit", http.StatusOK)
	if slices.Contains(actions(pa), "ticket.create") || strings.Contains(pa.Body, "T-2026-00001") {
		t.Error("an admin sees an event about a ticket")
	}
	if !slices.Contains(actions(pc), "ticket.create") {
		t.Error("the CISO does not see the event about a ticket")
	}
	for _, want := range []string{"settings.calendar", "auth.sign_in", "user.create", "organisation.create"} {
		if !slices.Contains(actions(pa), want) {
			t.Errorf("an admin does not see %s", want)
		}
	}
	if pa.Text("#scope") == "" || pc.Text("#scope") != "" {
		t.Errorf("the note on what admins see: admin %q, CISO %q", pa.Text("#scope"), pc.Text("#scope"))
	}
	if got := seqs(t, admin.Get(t, "/audit?object_type=ticket", http.StatusOK)); len(got) != 0 {
		t.Errorf("an admin asking for tickets gets %v", got)
	}
	if body := admin.Get(t, "/audit/export.csv", http.StatusOK).Body; strings.Contains(body, "ticket.create") || !strings.Contains(body, "settings.calendar") {
		t.Errorf("an admin's export:\n%s", body)
	}
	if body := ciso.Get(t, "/audit/export.csv", http.StatusOK).Body; !strings.Contains(body, "ticket.create") {
		t.Error("the CISO's export lacks the ticket's event")
	}
}

func TestFilters(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, cisoEmail)
	agent := userID(t, app, "agent@tugi.example")
	app.SignIn(t, adminEmail)
	var demoOrg int64
	app.DB.Get(&demoOrg, `SELECT id FROM organisations WHERE name = 'Demo Customer OÜ'`)
	today := time.Now().In(audit.Zone()).Format(time.DateOnly)

	count := func(where string, args ...any) int {
		var n int
		if err := app.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE `+where, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"person=admin@tugi.example", count(`actor_user_id = (SELECT id FROM users WHERE email = 'admin@tugi.example')`)},
		{"person=ADMIN@tugi.example", count(`actor_user_id = (SELECT id FROM users WHERE email = 'admin@tugi.example')`)},
		// A page shows 50 events at most (the demo's events are more: its incidents).
		{"person=demo", min(count(`actor_job = 'demo'`), 50)},
		{"action=user.create", count(`action = 'user.create'`)},
		{"object_type=user", count(`object_type = 'user'`)},
		{"object_type=user&object_id=" + strconv.FormatInt(agent, 10), count(`object_type = 'user' AND object_id = $1`, strconv.FormatInt(agent, 10))},
		{"org=" + strconv.FormatInt(demoOrg, 10), count(`org_id = $1`, demoOrg)},
		{"action=user.create&org=" + strconv.FormatInt(demoOrg, 10), 1},
		{"org_name=demo+cust", count(`org_id = $1`, demoOrg)},
		{"org_name=DEMO+CUSTOMER+O%C3%9C&action=user.create", 1},
		{"from=" + today + "&to=" + today, min(count(`true`), 50)},
		{"to=2020-01-31", 0},
		{"from=2999-01-01", 0},
	} {
		p := c.Get(t, "/audit?"+tc.query, http.StatusOK)
		if len(seqs(t, p)) != tc.want {
			t.Errorf("%s: %d events; want %d", tc.query, len(seqs(t, p)), tc.want)
		}
		if tc.want == 0 && !strings.Contains(p.Text("#events"), "No events match.") {
			t.Errorf("%s: no word that nothing matches", tc.query)
		}
	}
	// The form keeps what was asked.
	p := c.Get(t, "/audit?person=demo&action=user.create&org="+strconv.FormatInt(demoOrg, 10), http.StatusOK)
	if p.InputValue("person") != "demo" || p.InputValue("action") != "user.create" || p.InputValue("org_name") != "Demo Customer OÜ" {
		t.Errorf("the filter form shows person %q action %q org %q", p.InputValue("person"), p.InputValue("action"), p.InputValue("org_name"))
	}
	// The organisation is typed, with suggestions, not chosen from every customer.
	var offered []string
	c.Get(t, "/audit/organisations?org_name=second", http.StatusOK, "HX-Request", "true").Doc.Find("option").Each(func(_ int, s *goquery.Selection) {
		offered = append(offered, s.AttrOr("value", ""))
	})
	if len(offered) != 1 || offered[0] != "Second Customer AS" {
		t.Errorf("suggestions for %q: %q", "second", offered)
	}
	for _, tc := range []struct{ query, field, msg string }{
		{"person=nobody@example.com", "person", "No one has this e-mail address."},
		{"from=yesterday", "from", "Enter a date as YYYY-MM-DD."},
		{"from=2026-05-02&to=2026-05-01", "to", "The end date is before the start date."},
		{"object_id=7", "object_type", "Choose the type of object too."},
		{"org=x", "org_name", "No organisation has a name beginning so."},
		{"org_name=Nobody+Inc", "org_name", "No organisation has a name beginning so."},
	} {
		p := c.Get(t, "/audit?"+tc.query, http.StatusUnprocessableEntity)
		if p.FieldError(tc.field) != tc.msg || len(seqs(t, p)) != 0 {
			t.Errorf("%s: %s says %q, %d events; want %q", tc.query, tc.field, p.FieldError(tc.field), len(seqs(t, p)), tc.msg)
		}
	}
	c.Get(t, "/audit?before=x", http.StatusNotFound)
}

// Pages follow one another by seq: fifty each, none left out or shown twice, the filter
// kept, however many events come meanwhile.
func TestKeysetPaging(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	for i := range 120 {
		record(t, app, audit.Job("test"), audit.Event{Action: "test.page", ObjectID: strconv.Itoa(i)})
	}
	c := app.SignIn(t, cisoEmail)
	p := c.Get(t, "/audit?action=test.page", http.StatusOK)
	var all []int64
	for pages := 1; ; pages++ {
		got := seqs(t, p)
		if pages < 3 && len(got) != 50 || pages == 3 && len(got) != 20 {
			t.Fatalf("page %d has %d events", pages, len(got))
		}
		all = append(all, got...)
		if pages > 1 && p.Doc.Find("#newest").Length() == 0 {
			t.Errorf("page %d has no link to the newest events", pages)
		}
		older, ok := p.Doc.Find("#older").Attr("href")
		if !ok {
			if pages != 3 {
				t.Fatalf("page %d has no link to older events", pages)
			}
			break
		}
		if !strings.Contains(older, "action=test.page") {
			t.Errorf("the older link %q drops the filter", older)
		}
		record(t, app, audit.Job("test"), audit.Event{Action: "test.page", ObjectID: "meanwhile"})
		p = c.Get(t, older, http.StatusOK)
	}
	for i := 1; i < len(all); i++ {
		if all[i] != all[i-1]-1 {
			t.Fatalf("seqs across the pages are not consecutive newest first: %v", all)
		}
	}
	if len(all) != 120 {
		t.Errorf("%d events over the pages, want 120", len(all))
	}
}

func TestExportIsCSVAndAudited(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	record(t, app, audit.Actor{UserID: 1, Roles: []string{"agent"}, ClientIP: "192.0.2.7", RequestID: "+req"},
		audit.Event{Action: "test.csv", ObjectType: "ticket", ObjectID: `=HYPERLINK("http://evil.example")`,
			Changes: map[string]audit.Change{"subject": {Old: "a, \"b\"\nc", New: "@SUM(1)"}}})
	record(t, app, audit.Job("-job"), audit.Event{Action: "test.csv", ObjectID: "plain"})
	c := app.SignIn(t, cisoEmail)
	p := c.Get(t, "/audit/export.csv?action=test.csv", http.StatusOK)
	if p.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(p.Header.Get("Content-Disposition"), `attachment; filename="tugi-audit-`) {
		t.Fatalf("export: %q %q", p.Header.Get("Content-Type"), p.Header.Get("Content-Disposition"))
	}
	records := readCSV(t, p.Body, ',')
	if len(records) != 3 || strings.Join(records[0], ",") != "seq,time,actor_user_id,actor_name,actor_roles,actor_job,client_ip,request_id,action,object_type,object_id,org_id,organisation,changes,hash" {
		t.Fatalf("export:\n%s", p.Body)
	}
	col := func(r []string, name string) string { return r[slices.Index(records[0], name)] }
	newest, older := records[1], records[2]
	if col(newest, "actor_job") != "'-job" || col(newest, "object_id") != "plain" {
		t.Errorf("newest row %q", newest)
	}
	if col(older, "object_id") != `'=HYPERLINK("http://evil.example")` || col(older, "request_id") != "'+req" ||
		col(older, "client_ip") != "192.0.2.7" || col(older, "actor_roles") != "agent" {
		t.Errorf("a cell a spreadsheet would run is not defused: %q", older)
	}
	var changes map[string]struct{ Old, New string }
	if err := json.Unmarshal([]byte(col(older, "changes")), &changes); err != nil || changes["subject"].Old != "a, \"b\"\nc" || changes["subject"].New != "@SUM(1)" {
		t.Errorf("changes %q (%v)", col(older, "changes"), err)
	}
	var hash string
	app.DB.Get(&hash, `SELECT encode(hash, 'hex') FROM audit_events WHERE seq = $1`, col(older, "seq"))
	if col(older, "hash") != hash || !strings.HasPrefix(col(older, "time"), time.Now().In(audit.Zone()).Format("2006-01-02T")) {
		t.Errorf("hash %q time %q", col(older, "hash"), col(older, "time"))
	}

	// The export is audited: who, with which filter, in that request.
	var ev struct {
		Actor     int64  `db:"actor_user_id"`
		RequestID string `db:"request_id"`
		Changes   string `db:"changes"`
	}
	if err := app.DB.Get(&ev, `SELECT actor_user_id, request_id, changes FROM audit_events WHERE action = 'audit.export'`); err != nil {
		t.Fatalf("the export left no event: %v", err)
	}
	if ev.Actor != userID(t, app, cisoEmail) || ev.RequestID != p.Header.Get("X-Request-Id") || !strings.Contains(ev.Changes, `"action":"test.csv"`) {
		t.Errorf("export event %+v", ev)
	}
	// An export without a filter includes its own event, first.
	all := readCSV(t, c.Get(t, "/audit/export.csv", http.StatusOK).Body, ',')
	if len(all) < 3 || all[1][slices.Index(records[0], "action")] != "audit.export" {
		t.Errorf("the full export does not start with its own event: %q", all[:min(len(all), 2)])
	}
	if n := len(all) - 1; fmt.Sprint(n) != countEvents(t, app) {
		t.Errorf("the full export has %d events, the log %s", n, countEvents(t, app))
	}
	// A bad filter gets the page back, and no export nor event.
	before := countEvents(t, app)
	if p := c.Get(t, "/audit/export.csv?from=soon", http.StatusUnprocessableEntity); p.FieldError("from") == "" {
		t.Error("an export with a bad filter: no message beside from")
	}
	if countEvents(t, app) != before {
		t.Error("a refused export was audited as done")
	}
}

// bom is the UTF-8 byte order mark, by which Excel knows a CSV file is UTF-8.
const bom = "\xef\xbb\xbf"

// readCSV checks that the export begins with the byte order mark and parses the rest,
// with comma as the separator.
func readCSV(t *testing.T, body string, comma rune) [][]string {
	t.Helper()
	rest, ok := strings.CutPrefix(body, bom)
	if !ok {
		t.Fatalf("the export does not begin with the UTF-8 byte order mark, so Excel reads it in the local code page: %q", body[:min(len(body), 20)])
	}
	r := csv.NewReader(strings.NewReader(rest))
	r.Comma = comma
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV separated by %q: %v\n%s", comma, err, body)
	}
	return records
}

// TestExportOpensInExcel: an organisation called "Demo Customer OÜ" keeps its Ü when the
// export is opened in Excel, which reads a CSV file as UTF-8 only when it starts with the
// byte order mark; and the link for Excel with a semicolon list separator (as in an Estonian
// locale) gives semicolons, so the columns split there too.
func TestExportOpensInExcel(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	var org int64
	if err := app.DB.Get(&org, `SELECT id FROM organisations WHERE name = 'Demo Customer OÜ'`); err != nil {
		t.Fatal(err)
	}
	record(t, app, audit.Job("demo"), audit.Event{Action: "test.excel", ObjectType: "organisation",
		ObjectID: strconv.FormatInt(org, 10), OrgID: org, Changes: map[string]audit.Change{"note": {New: "a;b"}}})
	c := app.SignIn(t, cisoEmail)

	page := c.Get(t, "/audit?action=test.excel", http.StatusOK)
	comma, _ := page.Doc.Find("#export").Attr("href")
	semicolon, _ := page.Doc.Find("#export-semicolon").Attr("href")
	if comma != "/audit/export.csv?action=test.excel" || semicolon != "/audit/export.csv?action=test.excel&sep=semicolon" {
		t.Fatalf("the export links: %q and %q", comma, semicolon)
	}
	for _, tc := range []struct {
		path  string
		comma rune
	}{{comma, ','}, {semicolon, ';'}} {
		p := c.Get(t, tc.path, http.StatusOK)
		if p.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tc.path, p.Header.Get("Content-Type"))
		}
		records := readCSV(t, p.Body, tc.comma)
		if len(records) != 2 || records[0][0] != "seq" {
			t.Fatalf("%s:\n%s", tc.path, p.Body)
		}
		col := func(name string) string { return records[1][slices.Index(records[0], name)] }
		if col("organisation") != "Demo Customer OÜ" || col("action") != "test.excel" || col("changes") != `{"note":{"new":"a;b"}}` {
			t.Errorf("%s: the row %q", tc.path, records[1])
		}
	}
	c.Get(t, "/audit/export.csv?sep=tab", http.StatusBadRequest)
}

func countEvents(t *testing.T, app *apptest.App) string {
	t.Helper()
	var n int
	if err := app.DB.Get(&n, `SELECT count(*) FROM audit_events`); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(n)
}
