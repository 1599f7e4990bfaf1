package ticket_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/lib/pq"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/ticket"
)

func TestCustomerOpensATicket(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	form := c.Get(t, "/tickets/new", http.StatusOK)
	if form.Doc.Find("form#new-ticket").Length() != 1 {
		t.Fatal("new-ticket form: no form#new-ticket")
	}
	if n := form.Doc.Find("#category_id option[value!='']").Length(); n != 5 {
		t.Errorf("%d categories offered, want the 5 seeded ones", n)
	}

	before := take(t, app.DB)
	p := c.Post(t, "/tickets", url.Values{
		"subject":     {"Cannot print invoices"},
		"body":        {"Printing any invoice shows a blank page.\nSince yesterday."},
		"category_id": {strconv.FormatInt(categoryID(t, app.DB, "Problem or error"), 10)},
		"impact":      {"several_people"},
	}, http.StatusSeeOther)
	m := ticketPath.FindStringSubmatch(p.Location())
	if m == nil {
		t.Fatalf("create: went to %q: %s", p.Location(), p.Text("main"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	if after := take(t, app.DB); after.tickets != before.tickets+1 || after.messages != before.messages+1 || after.audit != before.audit+1 {
		t.Errorf("one ticket, one message and one audit event should be written: %+v then %+v", before, after)
	}

	var row struct {
		OrgID       int64  `db:"org_id"`
		RequesterID int64  `db:"requester_id"`
		Status      string `db:"status"`
		Priority    string `db:"priority"`
		Channel     string `db:"channel"`
		Team        string `db:"team"`
		Body        string `db:"body"`
		Clocks      string `db:"clocks"`
		Year        int    `db:"year"`
		NextDue     bool   `db:"next_due"`
	}
	err := app.DB.Get(&row, `SELECT t.org_id, t.requester_id, t.status, t.priority, t.channel, tm.name AS team,
		(SELECT body FROM ticket_messages WHERE ticket_id = t.id) AS body,
		(SELECT string_agg(metric, ',' ORDER BY metric) FROM ticket_clocks WHERE ticket_id = t.id AND running_since IS NOT NULL) AS clocks,
		extract(year FROM t.created_at AT TIME ZONE 'Europe/Tallinn')::int AS year,
		t.next_due_at = (SELECT min(due_at) FROM ticket_clocks WHERE ticket_id = t.id) AS next_due
		FROM tickets t JOIN teams tm ON tm.id = t.team_id WHERE t.id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	var mariOrg int64
	app.DB.Get(&mariOrg, `SELECT org_id FROM users WHERE email = $1`, mari)
	if row.OrgID != mariOrg || row.RequesterID != userID(t, app.DB, mari) {
		t.Errorf("ticket of org %d by %d, want Mari's", row.OrgID, row.RequesterID)
	}
	if row.Status != "new" || row.Priority != "high" || row.Channel != "web" || row.Team != "User Support" {
		t.Errorf("new ticket: %+v, want new, high (several people), web, User Support", row)
	}
	if row.Body != "Printing any invoice shows a blank page.\nSince yesterday." {
		t.Errorf("first message %q", row.Body)
	}
	if row.Clocks != "first_response,resolution" || !row.NextDue {
		t.Errorf("running clocks %q, next_due_at the nearest: %v", row.Clocks, row.NextDue)
	}

	var ev struct {
		Actor   int64  `db:"actor_user_id"`
		OrgID   int64  `db:"org_id"`
		Changes string `db:"changes"`
	}
	if err := app.DB.Get(&ev, `SELECT actor_user_id, org_id, changes::text FROM audit_events WHERE action = 'ticket.create' AND object_id = $1`, strconv.FormatInt(id, 10)); err != nil {
		t.Fatalf("audit event: %v", err)
	}
	if ev.Actor != userID(t, app.DB, mari) || ev.OrgID != mariOrg || strings.Contains(ev.Changes, "invoice") {
		t.Errorf("audit event %+v: want Mari, her organisation, and no text of the ticket", ev)
	}

	page := c.Get(t, p.Location(), http.StatusOK)
	ref := fmt.Sprintf("T-%d-%05d", row.Year, id)
	if flash := page.Text(".flash"); !strings.Contains(flash, ref+" has been received") {
		t.Errorf("flash %q, want the reference %s", flash, ref)
	}
	if h1 := page.Text("h1"); h1 != ref+" Cannot print invoices" {
		t.Errorf("heading %q", h1)
	}
	if body := page.Text("#conversation .message .body"); !strings.Contains(body, "blank page") {
		t.Errorf("conversation %q", body)
	}
	if exp := page.Text("#expect"); exp == "" || exp == "—" {
		t.Errorf("no next expected reply on a new ticket: %q", exp)
	}
	list := c.Get(t, "/tickets", http.StatusOK)
	if got := refs(list, "#tickets"); len(got) == 0 || got[0] != ref {
		t.Errorf("the list starts with %v, want the new ticket %s first", got, ref)
	}
}

func TestNewTicketRefusesBadInput(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	question := strconv.FormatInt(categoryID(t, app.DB, "Question"), 10)
	good := url.Values{"subject": {"Help"}, "body": {"Please help."}, "category_id": {question}, "impact": {"one_person"}}
	with := func(field, value string) url.Values {
		v := url.Values{}
		for k, vs := range good {
			v[k] = vs
		}
		v.Set(field, value)
		return v
	}
	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no subject", with("subject", "  "), "subject"},
		{"subject too long", with("subject", strings.Repeat("x", 201)), "subject"},
		{"no description", with("body", ""), "body"},
		{"no category", with("category_id", ""), "category_id"},
		{"category not a number", with("category_id", "abc"), "category_id"},
		{"no such category", with("category_id", "999999"), "category_id"},
		{"unknown impact", with("impact", "everyone"), "impact"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := take(t, app.DB)
			p := c.Post(t, "/tickets", tt.form, http.StatusUnprocessableEntity)
			if p.FieldError(tt.field) == "" {
				t.Errorf("no message beside %s; page: %s", tt.field, p.Text("main"))
			}
			// The person's input comes back.
			if tt.field != "subject" && p.InputValue("subject") != "Help" {
				t.Errorf("subject came back as %q", p.InputValue("subject"))
			}
			if tt.field != "body" && p.Text("textarea#body") != "Please help." {
				t.Errorf("description came back as %q", p.Text("textarea#body"))
			}
			before.unchanged(t, app.DB, tt.name)
		})
	}
	// htmx gets the same 422 as a fragment.
	p := c.Post(t, "/tickets", with("subject", ""), http.StatusUnprocessableEntity, "HX-Request", "true")
	if strings.Contains(p.Body, "<html") || p.FieldError("subject") == "" {
		t.Errorf("htmx 422: whole page %v", strings.Contains(p.Body, "<html"))
	}
}

func TestCustomersSeeOnlyTheirOrganisation(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	m, j := app.SignIn(t, mari), app.SignIn(t, jaan)
	mine := open(t, app, m, "Mari's own question")
	theirs := open(t, app, j, "Jaan's own question")

	orgTickets := func(email string) []string {
		var out []string
		err := app.DB.Select(&out, `SELECT t.subject FROM tickets t JOIN users u ON u.org_id = t.org_id WHERE u.email = $1`, email)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tt := range []struct {
		c        *apptest.Client
		email    string
		own      int64
		other    int64
		otherOrg string
	}{{m, mari, mine, theirs, "Second Customer AS"}, {j, jaan, theirs, mine, "Demo Customer OÜ"}} {
		p := tt.c.Get(t, "/tickets", http.StatusOK)
		rows := p.Doc.Find("#tickets tbody tr td:nth-child(2)")
		var shown []string
		rows.Each(func(_ int, s *goquery.Selection) { shown = append(shown, strings.TrimSpace(s.Text())) })
		want := orgTickets(tt.email)
		slices.Sort(shown)
		slices.Sort(want)
		if !slices.Equal(shown, want) {
			t.Errorf("%s sees %q, want their organisation's %q", tt.email, shown, want)
		}
		if strings.Contains(p.Body, tt.otherOrg) {
			t.Errorf("%s's list names %s", tt.email, tt.otherOrg)
		}
		if strings.Contains(p.Body, "/tickets/"+strconv.FormatInt(tt.other, 10)+`"`) {
			t.Errorf("%s's list links the other organisation's ticket", tt.email)
		}
		tt.c.Get(t, path(tt.own, ""), http.StatusOK)
	}
}

func TestCustomerListPages(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, jaan)
	for i := range 30 {
		open(t, app, c, fmt.Sprintf("Question %02d", i))
	}
	total := count(t, app.DB, `SELECT count(*) FROM tickets t JOIN users u ON u.org_id = t.org_id WHERE u.email = $1`, jaan)
	var seen []string
	next := "/tickets"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("the pages do not end")
		}
		p := c.Get(t, next, http.StatusOK)
		got := refs(p, "#tickets")
		if len(got) > 25 {
			t.Fatalf("%d rows on a page", len(got))
		}
		seen = append(seen, got...)
		next, _ = p.Doc.Find("#next-page").Attr("href")
	}
	if len(seen) != total {
		t.Errorf("the pages list %d tickets, want %d", len(seen), total)
	}
	if len(slices.Compact(slices.Clone(seen))) != len(seen) {
		t.Error("a ticket is listed twice across pages")
	}
	// Latest activity first: the last question opened comes first.
	if p := c.Get(t, "/tickets", http.StatusOK); p.Text("#tickets tbody tr:first-child td:nth-child(2)") != "Question 29" {
		t.Errorf("first row %q, want the newest", p.Text("#tickets tbody tr:first-child td:nth-child(2)"))
	}
}

// customerRoutes returns the routes of one ticket that a customer may use.
func customerRoutes(t *testing.T, app *apptest.App) []struct{ Method, Path string } {
	t.Helper()
	customer := &access.Viewer{UserID: 1, OrgID: 1, Roles: []access.Role{access.Customer}}
	var out []struct{ Method, Path string }
	for _, r := range app.Server.Routes {
		if strings.HasPrefix(r.Path, "/tickets/:id") && r.Rule.Allows(customer) {
			out = append(out, struct{ Method, Path string }{r.Method, r.Path})
		}
	}
	if len(out) < 4 {
		t.Fatalf("only %d ticket routes for customers: %v", len(out), out)
	}
	return out
}

// TestOtherOrganisationsTicketsAreNotFound tries every ticket route a customer may use on
// every ticket of the other organisation, in every state, with forms that would change
// it: each answers 404 and nothing is written.
func TestOtherOrganisationsTicketsAreNotFound(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	routes := customerRoutes(t, app)
	for _, tt := range []struct{ who, victim string }{{mari, jaan}, {jaan, mari}} {
		c := app.SignIn(t, tt.who)
		secret := openWithFiles(t, app, app.SignIn(t, tt.victim), "A secret of "+tt.victim, file("secret.pdf", pdfData))
		// The attachment route is tried with the victim's real attachment, named as its
		// link names it.
		var aid int64
		if err := app.DB.Get(&aid, `SELECT id FROM ticket_attachments WHERE ticket_id = $1`, secret); err != nil {
			t.Fatal(err)
		}
		params := strings.NewReplacer(":aid", strconv.FormatInt(aid, 10), ":name", "secret.pdf")
		var ids []int64
		if err := app.DB.Select(&ids, `SELECT t.id FROM tickets t JOIN users u ON u.org_id = t.org_id WHERE u.email = $1`, tt.victim); err != nil {
			t.Fatal(err)
		}
		var statuses []string
		app.DB.Select(&statuses, `SELECT DISTINCT status FROM tickets WHERE id = ANY ($1)`, pq.Array(ids))
		if tt.victim == mari && len(statuses) < 4 {
			t.Errorf("the demo organisation's tickets are in only %v: the matrix should meet several states", statuses)
		}
		before := take(t, app.DB)
		for _, id := range append(ids, 999999) {
			for _, r := range routes {
				p := params.Replace(strings.Replace(r.Path, ":id", strconv.FormatInt(id, 10), 1))
				var res *apptest.Page
				if r.Method == http.MethodGet {
					res = c.Get(t, p, http.StatusNotFound)
				} else {
					res = c.Post(t, p, url.Values{"body": {"I was not here"}, "then": {"open"}, "status": {"closed"}}, http.StatusNotFound)
					c.Post(t, p, url.Values{}, http.StatusNotFound) // an empty form too: a 422 would tell it exists
				}
				if res.Text("h1") != "Not found" {
					t.Errorf("%s %s %s: %q, want Not found", tt.who, r.Method, p, res.Text("h1"))
				}
				if strings.Contains(res.Body, "secret") || strings.Contains(res.Body, "T-20") {
					t.Errorf("%s %s %s: the answer shows something of the ticket", tt.who, r.Method, p)
				}
			}
		}
		before.unchanged(t, app.DB, tt.who+" on the other organisation's tickets")
	}
}

func TestCustomerRepliesClosesAndReopens(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: nov(23, 10, 0)}
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	c := app.SignIn(t, mari)
	a := app.SignIn(t, andres)
	id := open(t, app, c, "Printer")

	// The agent answers and waits: the customer reads "waiting for your reply".
	clock.set(nov(23, 11, 0))
	a.Post(t, path(id, "/reply"), url.Values{"body": {"Which printer?"}, "then": {"wait"}}, http.StatusSeeOther)
	p := c.Get(t, path(id, ""), http.StatusOK)
	if s := p.Text("#ticket-status"); s != "Waiting for your reply" {
		t.Errorf("status %q", s)
	}
	if s := p.Text("#expect"); s != "Waiting for you" {
		t.Errorf("next expected reply %q", s)
	}
	if s := c.Get(t, "/tickets", http.StatusOK).Text(fmt.Sprintf(`#tickets tr:has(a[href="/tickets/%d"]) td:last-child`, id)); s != "Waiting for you" {
		t.Errorf("the list expects the reply %q, want waiting for the customer", s)
	}
	// An empty reply is refused beside the field.
	before := take(t, app.DB)
	if p := c.Post(t, path(id, "/reply"), url.Values{"body": {" "}}, http.StatusUnprocessableEntity); p.FieldError("body") == "" {
		t.Errorf("empty reply: %q", p.FieldError("body"))
	}
	before.unchanged(t, app.DB, "an empty reply")

	// The customer answers: open again, and a reply is expected within 8 business hours.
	clock.set(nov(24, 10, 0))
	c.Post(t, path(id, "/reply"), url.Values{"body": {"The one on the 2nd floor."}}, http.StatusSeeOther)
	p = c.Get(t, path(id, ""), http.StatusOK)
	if s := p.Text("#ticket-status"); s != "In progress" {
		t.Errorf("status after the customer's reply %q", s)
	}
	if s := p.Text("#expect"); s != "Wednesday 25 Nov 10:00 EET" {
		t.Errorf("next expected reply %q, want Wednesday 10:00 (8 business hours)", s)
	}
	// The list says the same (it reads the ticket's own copy of the due time).
	if s := c.Get(t, "/tickets", http.StatusOK).Text(fmt.Sprintf(`#tickets tr:has(a[href="/tickets/%d"]) td:last-child`, id)); s != "Wednesday 25 Nov 10:00 EET" {
		t.Errorf("the list expects the reply %q, want Wednesday 10:00", s)
	}

	// Closed by the customer; no more replies, but a reopen for 14 days.
	c.Post(t, path(id, "/close"), nil, http.StatusSeeOther)
	p = c.Get(t, path(id, ""), http.StatusOK)
	if p.Doc.Find("#reply-form").Length() != 0 || p.Doc.Find("#close-form").Length() != 0 || p.Doc.Find("#reopen-form").Length() != 1 {
		t.Error("a closed ticket offers a reply or a close, or no reopen")
	}
	before = take(t, app.DB)
	if p := c.Post(t, path(id, "/reply"), url.Values{"body": {"One more thing"}}, http.StatusUnprocessableEntity); !strings.Contains(p.FieldError("body"), "closed") {
		t.Errorf("reply to a closed ticket: %q", p.FieldError("body"))
	}
	before.unchanged(t, app.DB, "a reply to a closed ticket")

	clock.set(nov(24, 10, 0).Add(ticket.ReopenWindow - time.Minute))
	c.Post(t, path(id, "/reopen"), nil, http.StatusSeeOther)
	if s := c.Get(t, path(id, ""), http.StatusOK).Text("#ticket-status"); s != "In progress" {
		t.Errorf("reopened: status %q", s)
	}
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE object_id = $1 AND action IN ('ticket.close', 'ticket.reopen')`, strconv.FormatInt(id, 10)); n != 2 {
		t.Errorf("%d close/reopen audit events, want 2", n)
	}

	// Closed again, and past the window: the page says to open a new ticket.
	c.Post(t, path(id, "/close"), nil, http.StatusSeeOther)
	clock.set(clock.Now().Add(ticket.ReopenWindow + time.Minute))
	p = c.Get(t, path(id, ""), http.StatusOK)
	if p.Doc.Find("#reopen-form").Length() != 0 || !strings.Contains(p.Text("#too-late"), "Open a new ticket") {
		t.Errorf("past the window: reopen offered %v, text %q", p.Doc.Find("#reopen-form").Length() != 0, p.Text("#too-late"))
	}
	before = take(t, app.DB)
	c.Post(t, path(id, "/reopen"), nil, http.StatusSeeOther)
	if flash := c.Get(t, path(id, ""), http.StatusOK).Text(".flash"); !strings.Contains(flash, "too long ago") {
		t.Errorf("late reopen says %q", flash)
	}
	before.unchanged(t, app.DB, "a reopen past the window")
}

// TestOneColourAStatus: the statuses customers read alike ("In progress": open and on
// hold) look alike on their list.
func TestOneColourAStatus(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	one, two := open(t, app, c, "Open one"), open(t, app, c, "On hold one")
	a := app.SignIn(t, andres)
	a.Post(t, path(one, "/fields"), url.Values{"status": {"open"}}, http.StatusSeeOther)
	a.Post(t, path(two, "/fields"), url.Values{"status": {"on_hold"}}, http.StatusSeeOther)
	classes := map[string]string{}
	c.Get(t, "/tickets", http.StatusOK).Doc.Find("#tickets tbody tr .badge").Each(func(_ int, b *goquery.Selection) {
		label, class := strings.TrimSpace(b.Text()), b.AttrOr("class", "")
		if was, ok := classes[label]; ok && was != class {
			t.Errorf("%q shows as %q and as %q", label, was, class)
		}
		classes[label] = class
	})
	if _, ok := classes["In progress"]; !ok {
		t.Errorf("no ticket in progress on the list: %v", classes)
	}
}

func TestSupportClosedIsSaid(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: nov(28, 12, 0)} // a Saturday
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	c := app.SignIn(t, mari)
	if s := c.Get(t, "/tickets/new", http.StatusOK).Text("#support-status"); !strings.Contains(s, "opens") || !strings.Contains(s, "Monday 30 Nov 09:00 EET") {
		t.Errorf("the form says %q, want when support opens (Monday 09:00)", s)
	}
	id := open(t, app, c, "Weekend question")
	p := c.Get(t, path(id, ""), http.StatusOK)
	// Once, as a notice beside the ticket, in the format of every other due time; the
	// green banner only confirms the ticket.
	if flash := p.Text(".flash"); !strings.Contains(flash, "has been received") || strings.Contains(flash, "closed") {
		t.Errorf("flash %q", flash)
	}
	if n := strings.Count(p.Text("main"), "Support is closed now"); n != 1 {
		t.Errorf("the ticket page says support is closed %d times, want once", n)
	}
	if s := p.Text("p.notice#support-status"); s != "Support is closed now. It opens Monday 30 Nov 09:00 EET." {
		t.Errorf("the ticket page's notice says %q", s)
	}
}
