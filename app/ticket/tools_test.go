package ticket_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
	"tugi/app/server"
)

func flashes(p *apptest.Page) string { return p.Text(".flash") }

// TestTakeRefusesATicketTakenMeanwhile: Andres and Kadri both see a ticket nobody has;
// Kadri takes it first, and Andres's Take it is refused, naming her, and writes nothing.
func TestTakeRefusesATicketTakenMeanwhile(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	id := open(t, app, app.SignIn(t, mari), "Wanted by two")
	a, k := app.SignIn(t, andres), app.SignIn(t, kadri)
	andresForm := a.Get(t, path(id, ""), http.StatusOK).FormValues("#take-form")
	kadriForm := k.Get(t, "/queue?view=unassigned", http.StatusOK).FormValues(fmt.Sprintf(`tr[data-ticket="%d"] form.take`, id))
	if !andresForm.Has("seen_assignee") || !kadriForm.Has("seen_assignee") {
		t.Fatalf("the Take it forms do not say whom the agent saw: page %v, queue %v", andresForm, kadriForm)
	}
	k.Post(t, path(id, "/take"), kadriForm, http.StatusSeeOther)
	before := take(t, app.DB)
	p := a.Post(t, path(id, "/take"), andresForm, http.StatusSeeOther)
	if p.Location() != path(id, "") {
		t.Fatalf("Andres's late take: went to %q", p.Location())
	}
	before.unchanged(t, app.DB, "a take of a ticket taken meanwhile")
	page := a.Get(t, path(id, ""), http.StatusOK)
	if got := flashes(page); got != "Kadri Kask took this ticket a moment ago." {
		t.Errorf("Andres is told %q", got)
	}
	if s := page.Text("#assignee strong"); s != "Kadri Kask" {
		t.Errorf("assignee %q, want Kadri Kask", s)
	}
	// Having seen that Kadri has it, Andres may still take it over, deliberately.
	a.Post(t, path(id, "/take"), page.FormValues("#take-form"), http.StatusSeeOther)
	if s := a.Get(t, path(id, ""), http.StatusOK).Text("#assignee strong"); s != "Andres Agent" {
		t.Errorf("after a deliberate take-over the assignee is %q", s)
	}
}

// TestTicketHistory: the agent's page shows the ticket's audit events, newest first,
// with readable labels and names; the customer's page never does.
func TestTicketHistory(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	id := open(t, app, app.SignIn(t, mari), "With a past")
	a := app.SignIn(t, andres)
	steps := []struct {
		path string
		form url.Values
	}{
		{"/take", nil},
		{"/fields", url.Values{"priority": {"high"}}},
		{"/compose", url.Values{"kind": {"note"}, "body": {"Looked at it."}}},
		{"/reply", url.Values{"body": {"Done?"}, "then": {"wait"}}},
	}
	for _, s := range steps {
		a.Post(t, path(id, s.path), s.form, http.StatusSeeOther)
	}
	// The CISO, who is not an agent, is named too (the page knows agents' and the
	// customer's names already, and asks the directory for anyone else).
	app.SignIn(t, sirje).Post(t, path(id, "/compose"), url.Values{"kind": {"note"}, "body": {"Not a security matter."}}, http.StatusSeeOther)
	page := a.Get(t, path(id, ""), http.StatusOK)
	var what, who []string
	page.Doc.Find("#history tbody tr").Each(func(_ int, tr *goquery.Selection) {
		what = append(what, strings.TrimSpace(tr.Find("td").Eq(1).Text()))
		who = append(who, strings.TrimSpace(tr.Find("td").Eq(2).Text()))
	})
	wantWhat := []string{"Internal note added", "Reply", "Internal note added", "Priority changed", "Assignee changed", "Ticket opened"}
	wantWho := []string{"Sirje Security", "Andres Agent", "Andres Agent", "Andres Agent", "Andres Agent", "Mari Maasikas"}
	if !slices.Equal(what, wantWhat) || !slices.Equal(who, wantWho) {
		t.Errorf("history %v by %v, want %v by %v", what, who, wantWhat, wantWho)
	}
	// In people's words: fields by their labels, people, categories and values by name.
	h := strings.Join(strings.Fields(page.Text("#history")), " ")
	for _, want := range []string{"Priority: Normal → High", "Assignee: Andres Agent", "Category: Question", "Requester: Mari Maasikas", "Impact: Only me", "Status: New"} {
		if !strings.Contains(h, want) {
			t.Errorf("the history does not say %q: %s", want, h)
		}
	}
	for _, raw := range []string{"_id", "one_person", "message"} {
		if strings.Contains(h, raw) {
			t.Errorf("the history shows the stored %q: %s", raw, h)
		}
	}
	if c := app.SignIn(t, mari).Get(t, path(id, ""), http.StatusOK); c.Doc.Find("#history").Length() != 0 || strings.Contains(c.Body, "Priority changed") {
		t.Error("the customer's page shows the ticket's audit history")
	}

	// Every action recorded on tickets has a label, in English and in Estonian.
	var actions []string
	if err := app.DB.Select(&actions, `SELECT DISTINCT action FROM audit_events WHERE object_type = 'ticket'`); err != nil {
		t.Fatal(err)
	}
	if len(actions) < 6 {
		t.Fatalf("the demo data and this test recorded only %v", actions)
	}
	labels, err := server.AuditActions()
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range append(actions, "ticket.link", "ticket.unlink", "canned.create", "canned.update", "canned.delete") {
		if labels.Label("en", action) == action || labels.Label("et", action) == labels.Label("en", action) {
			t.Errorf("%s has no label (en %q, et %q)", action, labels.Label("en", action), labels.Label("et", action))
		}
	}

	// Only the newest 50 events are shown.
	for i := range 50 {
		a.Post(t, path(id, "/compose"), url.Values{"kind": {"note"}, "body": {fmt.Sprintf("Note %d", i)}}, http.StatusSeeOther)
	}
	if n := a.Get(t, path(id, ""), http.StatusOK).Doc.Find("#history tbody tr").Length(); n != 50 {
		t.Errorf("the history shows %d events, want the newest 50", n)
	}
}

// TestPhoneTicket: an agent finds the customer who called, logs the call as a ticket for
// them, and the customer sees it with its channel.
func TestPhoneTicket(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	a := app.SignIn(t, andres)
	mariID, andresID := userID(t, app.DB, mari), userID(t, app.DB, andres)

	// The search: by the start of the name or the e-mail address, customers only.
	for q, want := range map[string]string{"mari": "Mari Maasikas", "MARI m": "Mari Maasikas", "customer@second": "Jaan Tamm"} {
		p := a.Get(t, "/queue/phone?"+url.Values{"q": {q}}.Encode(), http.StatusOK)
		if got := p.Text("#contacts label"); !strings.Contains(got, want) {
			t.Errorf("search %q offers %q, want %s", q, got, want)
		}
	}
	for _, q := range []string{"andres", "eva", "agent@", "%", "aari"} {
		if p := a.Get(t, "/queue/phone?"+url.Values{"q": {q}}.Encode(), http.StatusOK); p.Doc.Find("#contacts input").Length() != 0 || p.Text("#no-contacts") == "" {
			t.Errorf("search %q offers %q", q, p.Text("#contacts"))
		}
	}
	// As the agent types, htmx gets the results alone.
	frag := a.Get(t, "/queue/phone?q=jaan", http.StatusOK, "HX-Request", "true")
	if frag.Doc.Find("#contacts input[name=requester_id]").Length() != 1 || frag.Doc.Find("form, nav").Length() != 0 {
		t.Errorf("the htmx search answers %s", frag.Body)
	}

	// Logged: a phone ticket for Mari, entered and held by Andres, open, first response given.
	form := url.Values{"q": {"mari"}, "requester_id": {strconv.FormatInt(mariID, 10)}, "subject": {"Cannot print invoices"},
		"body": {"Mari called: the print button does nothing."}, "category_id": {strconv.FormatInt(categoryID(t, app.DB, "Problem or error"), 10)},
		"priority": {"high"}, "impact": {"several_people"}}
	p := a.Post(t, "/queue/phone", form, http.StatusSeeOther)
	m := ticketPath.FindStringSubmatch(p.Location())
	if m == nil {
		t.Fatalf("log a phone call: went to %q: %s", p.Location(), p.Text("main"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	var row struct {
		Channel, Status, Priority string
		Requester, CreatedBy      int64
		Assignee                  *int64
	}
	if err := app.DB.Get(&row, `SELECT channel, status, priority, requester_id AS requester, created_by AS createdby, assignee_id AS assignee FROM tickets WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if row.Channel != "phone" || row.Status != "open" || row.Priority != "high" || row.Requester != mariID || row.CreatedBy != andresID ||
		row.Assignee == nil || *row.Assignee != andresID {
		t.Errorf("the phone ticket is %+v", row)
	}
	if n := count(t, app.DB, `SELECT count(*) FROM ticket_clocks WHERE ticket_id = $1 AND metric = 'first_response' AND stopped_at IS NOT NULL AND NOT breached`, id); n != 1 {
		t.Error("the call is not the ticket's first response")
	}
	if n := count(t, app.DB, `SELECT count(*) FROM ticket_clocks WHERE ticket_id = $1 AND metric = 'resolution' AND running_since IS NOT NULL AND stopped_at IS NULL`, id); n != 1 {
		t.Error("the resolution clock does not run")
	}
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = 'ticket.create' AND object_id = $1 AND actor_user_id = $2
		AND org_id = (SELECT org_id FROM users WHERE id = $3) AND changes->'channel'->>'new' = 'phone'`, strconv.FormatInt(id, 10), andresID, mariID); n != 1 {
		t.Errorf("%d ticket.create events with channel phone by Andres, want 1", n)
	}
	if got := a.Get(t, path(id, ""), http.StatusOK).Text("#ticket-meta"); !strings.Contains(got, "via Phone") {
		t.Errorf("the agent's page says %q", got)
	}
	cp := app.SignIn(t, mari).Get(t, path(id, ""), http.StatusOK)
	if !strings.Contains(cp.Text("#ticket-meta"), "via Phone") || !strings.Contains(cp.Text("#conversation"), "the print button does nothing") ||
		!strings.Contains(cp.Text("#conversation .badge"), "Phone call") {
		t.Errorf("Mari's page: %q, %q", cp.Text("#ticket-meta"), cp.Text("#conversation"))
	}
	app.SignIn(t, jaan).Get(t, path(id, ""), http.StatusNotFound)

	// Refused: nobody chosen, an employee, a deactivated customer; the input is kept.
	if _, err := app.DB.Exec(`UPDATE users SET active = false WHERE email = $1`, jaan); err != nil {
		t.Fatal(err)
	}
	before := take(t, app.DB)
	for requester, msg := range map[string]string{
		"": "Find the customer who called, and choose them.",
		strconv.FormatInt(userID(t, app.DB, eva), 10):  "Find the customer who called, and choose them.",
		strconv.FormatInt(userID(t, app.DB, jaan), 10): "This customer's account is deactivated: no ticket can be opened for them.",
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("requester_id", requester)
		p := a.Post(t, "/queue/phone", f, http.StatusUnprocessableEntity)
		if p.FieldError("requester_id") != msg {
			t.Errorf("requester %q: %q", requester, p.FieldError("requester_id"))
		}
		if p.InputValue("subject") != "Cannot print invoices" || !strings.Contains(p.Text("#body"), "print button") {
			t.Errorf("requester %q: the input is lost", requester)
		}
	}
	f := url.Values{"requester_id": {strconv.FormatInt(mariID, 10)}, "priority": {"high"}, "impact": {"one_person"}}
	if p := a.Post(t, "/queue/phone", f, http.StatusUnprocessableEntity); p.FieldError("subject") == "" || p.FieldError("body") == "" || p.FieldError("category_id") == "" {
		t.Errorf("an empty call: errors %q %q %q", p.FieldError("subject"), p.FieldError("body"), p.FieldError("category_id"))
	}
	before.unchanged(t, app.DB, "refused phone calls")
}

// TestLogACall: a call logged on a ticket is the agent's public reply, by phone.
func TestLogACall(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	id := open(t, app, app.SignIn(t, mari), "Call me")
	a := app.SignIn(t, andres)
	form := a.Get(t, path(id, ""), http.StatusOK).FormValues("#compose-form")
	form.Set("kind", "call")
	form.Set("body", "Called Mari back and explained the setting.")
	form.Set("then", "open")
	a.PostFiles(t, path(id, "/compose"), form, nil, http.StatusSeeOther)
	if n := count(t, app.DB, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND channel = 'phone' AND NOT internal AND author_id = $2`, id, userID(t, app.DB, andres)); n != 1 {
		t.Errorf("%d public phone messages by Andres, want 1", n)
	}
	if n := count(t, app.DB, `SELECT count(*) FROM ticket_clocks WHERE ticket_id = $1 AND metric = 'first_response' AND stopped_at IS NOT NULL`, id); n != 1 {
		t.Error("the call did not count as the first response")
	}
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = 'ticket.reply' AND object_id = $1 AND changes->'channel'->>'new' = 'phone'`, strconv.FormatInt(id, 10)); n != 1 {
		t.Errorf("%d ticket.reply events with channel phone, want 1", n)
	}
	if cp := app.SignIn(t, mari).Get(t, path(id, ""), http.StatusOK); !strings.Contains(cp.Text("#conversation"), "explained the setting") || !strings.Contains(cp.Text("#conversation .badge"), "Phone call") {
		t.Errorf("Mari's conversation: %q", cp.Text("#conversation"))
	}
	before := take(t, app.DB)
	if p := a.Post(t, path(id, "/compose"), url.Values{"kind": {"call"}, "body": {"  "}}, http.StatusUnprocessableEntity); p.FieldError("body") == "" || !p.Doc.Find("#kind-call[checked]").Is("input") {
		t.Errorf("an empty call: %q, or the composer no longer says it is a call", p.FieldError("body"))
	}
	before.unchanged(t, app.DB, "an empty call")
}

// TestCannedReplies: agents share prepared replies, and insert one into a reply with its
// placeholders filled, with htmx and without.
func TestCannedReplies(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	a, k := app.SignIn(t, andres), app.SignIn(t, kadri)
	body := "Hello {{customer_name}}, about {{ticket_reference}}: {{.Viewer}} {{agent_name}}"
	a.Post(t, "/queue/canned", url.Values{"title": {"Greeting"}, "body": {body}}, http.StatusSeeOther)
	list := k.Get(t, "/queue/canned", http.StatusOK)
	if !strings.Contains(list.Text("#canned"), "Greeting") {
		t.Fatalf("Kadri does not see Andres's canned reply: %q", list.Text("main"))
	}
	var cannedID int64
	if err := app.DB.Get(&cannedID, `SELECT id FROM canned_replies WHERE title = 'Greeting'`); err != nil {
		t.Fatal(err)
	}
	cpath := "/queue/canned/" + strconv.FormatInt(cannedID, 10)
	before := take(t, app.DB)
	if p := a.Post(t, "/queue/canned", url.Values{"title": {"greeting"}, "body": {"Again"}}, http.StatusUnprocessableEntity); p.FieldError("title") != "Another canned reply has this title." {
		t.Errorf("a second Greeting: %q", p.FieldError("title"))
	}
	if p := a.Post(t, "/queue/canned", url.Values{"title": {"Empty"}}, http.StatusUnprocessableEntity); p.FieldError("body") == "" || p.InputValue("title") != "Empty" {
		t.Errorf("no text: %q", p.FieldError("body"))
	}
	before.unchanged(t, app.DB, "refused canned replies")
	// Kadri edits it from the list.
	edit := k.Get(t, "/queue/canned?edit="+strconv.FormatInt(cannedID, 10), http.StatusOK)
	f := edit.FormValues("#canned-form")
	if f.Get("title") != "Greeting" || f.Get("body") != body {
		t.Fatalf("the edit form holds %v", f)
	}
	f.Set("body", body+"\nBest regards")
	k.Post(t, cpath, f, http.StatusSeeOther)

	id := open(t, app, app.SignIn(t, mari), "Greet me")
	ref := a.Get(t, path(id, ""), http.StatusOK).Text("h1 .ref")
	want := "Hello Mari Maasikas, about " + ref + ": {{.Viewer}} Andres Agent\nBest regards"
	// Without JavaScript: the Insert button GETs the page with the text in the box, after
	// what the agent typed.
	page := a.Get(t, path(id, ""), http.StatusOK)
	rf := page.FormValues("#compose-form")
	if rf.Get("canned_id") != strconv.FormatInt(cannedID, 10) {
		t.Fatalf("the reply form offers %v", rf)
	}
	action, _ := page.Doc.Find("#canned-button").Attr("formaction")
	rf.Set("body", "Thanks for waiting.")
	rf.Set("kind", "call")
	p := a.Get(t, action+"?"+rf.Encode(), http.StatusOK)
	if p.Text("#body") != "Thanks for waiting.\n\n"+want {
		t.Errorf("inserted without JS: %q", p.Text("#body"))
	}
	if !p.Doc.Find("#kind-call[checked]").Is("input") {
		t.Error("inserting a canned reply without JS forgot that the agent was logging a call")
	}
	// With htmx: the reply box alone.
	frag := a.Get(t, path(id, "/canned?")+url.Values{"canned_id": {strconv.FormatInt(cannedID, 10)}, "body": {""}}.Encode(), http.StatusOK, "HX-Request", "true")
	if frag.Text("#reply-box #body") != want || frag.Doc.Find("#conversation, nav").Length() != 0 {
		t.Errorf("inserted with htmx: %s", frag.Body)
	}
	if p := a.Get(t, path(id, "/canned?canned_id=999999&body=Mine"), http.StatusUnprocessableEntity, "HX-Request", "true"); p.FieldError("canned_id") == "" || p.Text("#body") != "Mine" {
		t.Errorf("an unknown canned reply: %q %q", p.FieldError("canned_id"), p.Text("#body"))
	}
	// Customers reach neither the list nor the insert, even on their own ticket.
	c := app.SignIn(t, mari)
	for _, u := range []string{"/queue/canned", path(id, "/canned?canned_id=") + strconv.FormatInt(cannedID, 10)} {
		if p := c.Get(t, u, http.StatusForbidden); strings.Contains(p.Body, "Best regards") {
			t.Errorf("customer GET %s: the answer shows the canned reply", u)
		}
	}

	a.Post(t, cpath+"/delete", nil, http.StatusSeeOther)
	if strings.Contains(a.Get(t, "/queue/canned", http.StatusOK).Text("#canned, #no-canned"), "Greeting") {
		t.Error("the deleted reply is still listed")
	}
	a.Post(t, cpath+"/delete", nil, http.StatusNotFound)
	var actions []string
	if err := app.DB.Select(&actions, `SELECT action FROM audit_events WHERE object_type = 'canned_reply' AND object_id = $1 ORDER BY seq`,
		strconv.FormatInt(cannedID, 10)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(actions, []string{"canned.create", "canned.update", "canned.delete"}) {
		t.Errorf("audited %v", actions)
	}
}

// TestLinkedTickets: an agent links two tickets by reference; both agent pages show the
// link, customers see none, and unlinking removes it from both; all of it audited on both.
func TestLinkedTickets(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	first := open(t, app, app.SignIn(t, mari), "The original")
	dup := open(t, app, app.SignIn(t, mari), "The same again")
	other := open(t, app, app.SignIn(t, jaan), "Another organisation's")
	a := app.SignIn(t, andres)
	firstRef, otherRef := a.Get(t, path(first, ""), http.StatusOK).Text("h1 .ref"), a.Get(t, path(other, ""), http.StatusOK).Text("h1 .ref")

	a.Post(t, path(dup, "/links"), url.Values{"reference": {strings.ToLower(firstRef)}, "kind": {"duplicate"}}, http.StatusSeeOther)
	a.Post(t, path(dup, "/links"), url.Values{"reference": {strconv.FormatInt(other, 10)}, "kind": {"related"}}, http.StatusSeeOther)
	dupPage := a.Get(t, path(dup, ""), http.StatusOK)
	if got := dupPage.Text("#links li"); !strings.Contains(got, "Duplicate of "+firstRef) || !strings.Contains(got, "Related to "+otherRef) {
		t.Errorf("the duplicate's links: %q", got)
	}
	if got := a.Get(t, path(first, ""), http.StatusOK).Text("#links li"); !strings.Contains(got, "Duplicated by ") {
		t.Errorf("the original's links: %q", got)
	}
	if got := a.Get(t, path(other, ""), http.StatusOK).Text("#links li"); !strings.Contains(got, "Related to ") {
		t.Errorf("the other organisation's ticket's links: %q", got)
	}
	for _, tt := range []struct {
		who  string
		sees []int64 // the tickets of the customer's organisation
	}{{mari, []int64{first, dup}}, {jaan, []int64{other}}} {
		for _, id := range []int64{first, dup, other} {
			want := http.StatusNotFound
			if slices.Contains(tt.sees, id) {
				want = http.StatusOK
			}
			p := app.SignIn(t, tt.who).Get(t, path(id, ""), want)
			if p.Status == http.StatusOK && (p.Doc.Find("#links").Length() != 0 || strings.Contains(p.Body, otherRef) && id != other) {
				t.Errorf("%s sees links on ticket %d", tt.who, id)
			}
		}
	}

	before := take(t, app.DB)
	links := count(t, app.DB, `SELECT count(*) FROM ticket_links`)
	dupID := strconv.FormatInt(dup, 10)
	for _, tt := range []struct {
		from     int64
		ref, msg string
	}{
		{first, dupID, "These tickets are linked already."}, // made the other way round: the same link
		{dup, strings.ToLower(firstRef), "These tickets are linked already."},
		{dup, dupID, "A ticket cannot be linked to itself."},
		{first, "T-2001-" + firstRef[7:], "No ticket has this reference."},
		{first, "T-2026-99999", "No ticket has this reference."},
		{first, "nonsense", "No ticket has this reference."},
	} {
		p := a.Post(t, path(tt.from, "/links"), url.Values{"reference": {tt.ref}, "kind": {"related"}}, http.StatusUnprocessableEntity)
		if p.FieldError("reference") != tt.msg {
			t.Errorf("link %d to %q: %q, want %q", tt.from, tt.ref, p.FieldError("reference"), tt.msg)
		}
		if p.InputValue("reference") != tt.ref {
			t.Errorf("link to %q: the input is lost", tt.ref)
		}
	}
	if p := a.Post(t, path(first, "/links"), url.Values{"reference": {""}, "kind": {"related"}}, http.StatusUnprocessableEntity); p.FieldError("reference") == "" {
		t.Errorf("link to nothing: %q", p.FieldError("reference"))
	}
	if n := count(t, app.DB, `SELECT count(*) FROM ticket_links`); n != links {
		t.Errorf("refused links wrote %d links", n-links)
	}
	before.unchanged(t, app.DB, "refused links")

	// Unlinked from the original's side: gone from both.
	linkID, _ := a.Get(t, path(first, ""), http.StatusOK).Doc.Find("#links li").First().Attr("data-link")
	a.Post(t, path(other, "/links/"+linkID+"/delete"), nil, http.StatusNotFound)
	a.Post(t, path(first, "/links/"+linkID+"/delete"), nil, http.StatusSeeOther)
	if got := a.Get(t, path(dup, ""), http.StatusOK).Text("#links li"); strings.Contains(got, firstRef) || !strings.Contains(got, otherRef) {
		t.Errorf("after unlinking, the duplicate's links: %q", got)
	}
	for id, linked := range map[int64]int64{first: dup, dup: first} {
		var actions []string
		app.DB.Select(&actions, `SELECT action FROM audit_events WHERE object_type = 'ticket' AND object_id = $1 AND action LIKE 'ticket.%link'
			AND coalesce(changes->'linked_ticket_id'->>'new', changes->'linked_ticket_id'->>'old') = $2 ORDER BY seq`,
			strconv.FormatInt(id, 10), strconv.FormatInt(linked, 10))
		if !slices.Equal(actions, []string{"ticket.link", "ticket.unlink"}) {
			t.Errorf("ticket %d audited %v about %d", id, actions, linked)
		}
	}
}

// TestAgentToolsRefuseOthers: customers, employees and admins reach none of the agent
// tools; nothing is written.
func TestAgentToolsRefuseOthers(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	id := open(t, app, app.SignIn(t, mari), "Mine alone")
	other := open(t, app, app.SignIn(t, mari), "Mine too")
	app.SignIn(t, andres).Post(t, "/queue/canned", url.Values{"title": {"Kept"}, "body": {"Kept"}}, http.StatusSeeOther)
	var cannedID string
	app.DB.Get(&cannedID, `SELECT id::text FROM canned_replies WHERE title = 'Kept'`)
	routes := []string{
		"GET /queue/phone?q=mari", "POST /queue/phone", "GET /queue/canned", "POST /queue/canned",
		"POST /queue/canned/" + cannedID, "POST /queue/canned/" + cannedID + "/delete",
		"GET " + path(id, "/canned?canned_id="+cannedID), "POST " + path(id, "/compose"), "POST " + path(id, "/links"),
		"POST " + path(id, "/links/1/delete"),
	}
	form := url.Values{"reference": {strconv.FormatInt(other, 10)}, "kind": {"related"}, "title": {"x"}, "body": {"x"},
		"requester_id": {strconv.FormatInt(userID(t, app.DB, mari), 10)}, "subject": {"x"}, "category_id": {"1"}, "priority": {"low"}, "impact": {"one_person"}}
	for _, email := range []string{mari, jaan, eva, toomas} {
		c := app.SignIn(t, email)
		before := take(t, app.DB)
		for _, r := range routes {
			method, p, _ := strings.Cut(r, " ")
			var res *apptest.Page
			if method == http.MethodGet {
				res = c.Get(t, p, http.StatusForbidden)
			} else {
				res = c.Post(t, p, form, http.StatusForbidden)
			}
			if strings.Contains(res.Body, "Kept") {
				t.Errorf("%s: %s shows what it should not", email, r)
			}
		}
		before.unchanged(t, app.DB, email)
		if n := count(t, app.DB, `SELECT count(*) FROM canned_replies`); n != 1 {
			t.Errorf("%s changed the canned replies: %d", email, n)
		}
	}
}
