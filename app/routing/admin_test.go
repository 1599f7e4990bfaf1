package routing_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
	"tugi/app/routing"
)

func count(t testing.TB, app *apptest.App, query string, args ...any) int64 {
	return id(t, app.DB, query, args...)
}

// ruleOrder returns the rules' ids in the order they are tried.
func ruleOrder(t testing.TB, app *apptest.App) []int64 {
	t.Helper()
	var ids []int64
	if err := app.DB.Select(&ids, `SELECT id FROM routing_rules ORDER BY position`); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestAdminEditsRulesAudited(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, toomas)
	team := strconv.FormatInt(defaultTeam(t, app.DB), 10)
	billing := strconv.FormatInt(categoryID(t, app.DB, "Billing"), 10)

	// Bad input: 422, the input kept, the message beside the field, nothing written.
	audits := count(t, app, `SELECT count(*) FROM audit_events`)
	for _, bad := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"words": {"arve"}}, "team_id"},
		{url.Values{"team_id": {"999999"}}, "team_id"},
		{url.Values{"team_id": {team}, "words": {"arve, <b>bold</b>"}}, "words"},
		{url.Values{"team_id": {team}, "category_id": {"999999"}}, "category_id"},
		{url.Values{"team_id": {team}, "raise_to": {"critical"}}, "raise_to"},
		{url.Values{"team_id": {team}, "priority": {"nope"}}, "priority"},
	} {
		p := c.Post(t, "/admin/routing", bad.form, http.StatusUnprocessableEntity)
		if p.FieldError(bad.field) == "" {
			t.Errorf("%v: error beside %s %q, want a message", bad.form, bad.field, p.FieldError(bad.field))
		}
		if w := bad.form.Get("words"); w != "" && p.InputValue("words") != w {
			t.Errorf("the words were not kept: %q", p.InputValue("words"))
		}
	}
	if n := count(t, app, `SELECT count(*) FROM routing_rules`); n != 0 {
		t.Errorf("%d rules stored from bad input", n)
	}
	if n := count(t, app, `SELECT count(*) FROM audit_events`); n != audits {
		t.Errorf("bad input wrote %d audit events", n-audits)
	}

	// Add two rules; the list shows them in order.
	for _, f := range []url.Values{
		{"team_id": {team}, "category_id": {billing}, "raise_to": {"high"}},
		{"team_id": {team}, "words": {"Arve, TÕRGE arve"}},
	} {
		if p := c.Post(t, "/admin/routing", f, http.StatusSeeOther); p.Location() != "/admin/routing" {
			t.Fatalf("add %v: %s", f, p.Text("main"))
		}
	}
	ids := ruleOrder(t, app)
	var words string
	app.DB.Get(&words, `SELECT array_to_string(subject_words, ' ') FROM routing_rules WHERE id = $1`, ids[1])
	if words != "arve tõrge" {
		t.Errorf("words stored as %q, want lower case, each once", words)
	}
	page := c.Get(t, "/admin/routing", http.StatusOK)
	rows := page.Doc.Find("#routing-rules tbody tr")
	if rows.Length() != 2 || !strings.Contains(rows.Eq(0).Text(), "Billing") || !strings.Contains(rows.Eq(1).Text(), "arve, tõrge") {
		t.Errorf("the list shows %q", page.Text("#routing-rules tbody"))
	}

	// Edit: the form shows the rule; saving changes it.
	path := "/admin/routing/" + strconv.FormatInt(ids[1], 10)
	edit := c.Get(t, path, http.StatusOK)
	if edit.InputValue("words") != "arve tõrge" {
		t.Fatalf("edit page: words %q", edit.InputValue("words"))
	}
	c.Post(t, path, url.Values{"team_id": {team}, "words": {"invoice"}, "priority": {"urgent"}}, http.StatusSeeOther)
	app.DB.Get(&words, `SELECT array_to_string(subject_words, ' ') FROM routing_rules WHERE id = $1`, ids[1])
	if words != "invoice" {
		t.Errorf("after saving, words %q", words)
	}

	// Move the second rule up: the order swaps.
	c.Post(t, path+"/move", url.Values{"direction": {"up"}}, http.StatusSeeOther)
	if got := ruleOrder(t, app); got[0] != ids[1] || got[1] != ids[0] {
		t.Errorf("after moving up: %v, want %v first", got, ids[1])
	}
	// The first rule moves no further up, and writes nothing.
	before := count(t, app, `SELECT count(*) FROM audit_events WHERE action = 'routing.rule_move'`)
	c.Post(t, path+"/move", url.Values{"direction": {"up"}}, http.StatusSeeOther)
	if n := count(t, app, `SELECT count(*) FROM audit_events WHERE action = 'routing.rule_move'`); n != before {
		t.Errorf("moving the first rule up wrote %d events", n-before)
	}

	c.Post(t, path+"/delete", nil, http.StatusSeeOther)
	if got := ruleOrder(t, app); len(got) != 1 || got[0] != ids[0] {
		t.Errorf("after deleting: %v", got)
	}
	c.Get(t, path, http.StatusNotFound)

	// Every change is audited, by the admin, on the rule.
	var actions []string
	if err := app.DB.Select(&actions, `SELECT action FROM audit_events WHERE object_type = 'routing_rule' AND actor_user_id = $1 ORDER BY id`,
		userID(t, app.DB, toomas)); err != nil {
		t.Fatal(err)
	}
	want := "routing.rule_create routing.rule_create routing.rule_update routing.rule_move routing.rule_delete"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audited %q, want %q", got, want)
	}
}

func TestOnlyAdminsEditRules(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	team := defaultTeam(t, app.DB)
	rule := addRule(t, app.DB, routing.Rule{TeamID: team})
	path := "/admin/routing/" + strconv.FormatInt(rule, 10)
	for _, who := range []string{andres, sirje, mari} {
		c := app.SignIn(t, who)
		c.Post(t, "/admin/routing", url.Values{"team_id": {strconv.FormatInt(team, 10)}}, http.StatusForbidden)
		c.Post(t, path, url.Values{"team_id": {strconv.FormatInt(team, 10)}, "words": {"x"}}, http.StatusForbidden)
		c.Post(t, path+"/delete", nil, http.StatusForbidden)
		c.Post(t, "/admin/teams/"+strconv.FormatInt(team, 10)+"/cap", url.Values{"cap": {"1"}}, http.StatusForbidden)
	}
	if n := count(t, app, `SELECT count(*) FROM routing_rules`); n != 1 {
		t.Errorf("%d rules after refused requests, want 1", n)
	}
}

func TestTeamsPage(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, toomas)
	team := strconv.FormatInt(defaultTeam(t, app.DB), 10)
	p := c.Get(t, "/admin/teams", http.StatusOK)
	if !strings.Contains(p.Text("#team-"+team), "Andres Agent") {
		t.Fatalf("teams page: %s", p.Text("main"))
	}
	andresID := strconv.FormatInt(userID(t, app.DB, andres), 10)
	c.Post(t, "/admin/teams/"+team+"/members/remove", url.Values{"user_id": {andresID}}, http.StatusSeeOther)
	if strings.Contains(c.Get(t, "/admin/teams", http.StatusOK).Text("#team-"+team+" .members"), "Andres Agent") {
		t.Error("Andres is still listed after his removal")
	}
	// Only an active agent can be added.
	sirjeID := strconv.FormatInt(userID(t, app.DB, sirje), 10)
	if p := c.Post(t, "/admin/teams/"+team+"/members", url.Values{"user_id": {sirjeID}}, http.StatusUnprocessableEntity); p.FieldError("user_id_"+team) == "" {
		t.Errorf("adding the CISO (no agent): %q", p.FieldError("user_id_"+team))
	}
	c.Post(t, "/admin/teams/"+team+"/members", url.Values{"user_id": {andresID}}, http.StatusSeeOther)
	// The cap: a whole number 0–1000.
	for _, bad := range []string{"-1", "lots", "1001", ""} {
		if p := c.Post(t, "/admin/teams/"+team+"/cap", url.Values{"cap": {bad}}, http.StatusUnprocessableEntity); p.FieldError("cap_"+team) == "" {
			t.Errorf("cap %q: %q", bad, p.FieldError("cap_"+team))
		}
	}
	c.Post(t, "/admin/teams/"+team+"/cap", url.Values{"cap": {"5"}}, http.StatusSeeOther)
	if n := count(t, app, `SELECT assign_cap FROM teams WHERE id = $1`, team); n != 5 {
		t.Errorf("cap %d, want 5", n)
	}
	var actions []string
	app.DB.Select(&actions, `SELECT action FROM audit_events WHERE object_type = 'team' AND object_id = $1 AND actor_user_id IS NOT NULL ORDER BY id`, team)
	if got := strings.Join(actions, " "); got != "team.remove_member team.add_member team.set_cap" {
		t.Errorf("audited %q", got)
	}
}

func TestAgentsToggleTheirOwnAvailability(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, andres)
	home := c.Get(t, "/", http.StatusOK)
	if got := home.Text("#availability-state"); got != "Unavailable for new tickets" {
		t.Errorf("home shows %q", got)
	}
	form := home.FormValues(`#availability form`)
	if p := c.Post(t, "/availability", form, http.StatusSeeOther); p.Location() != "/" {
		t.Fatalf("toggle: went to %q", p.Location())
	}
	if got := c.Get(t, "/", http.StatusOK).Text("#availability-state"); got != "Available for new tickets" {
		t.Errorf("after the toggle, home shows %q", got)
	}
	if got := c.Get(t, "/queue", http.StatusOK).Text("#availability-state"); got != "Available for new tickets" {
		t.Errorf("the queue shows %q", got)
	}
	var avail []string
	app.DB.Select(&avail, `SELECT email FROM users WHERE available ORDER BY email`)
	if strings.Join(avail, " ") != andres {
		t.Errorf("available: %v, want Andres only", avail)
	}
	if n := count(t, app, `SELECT count(*) FROM audit_events WHERE action = 'user.availability' AND object_id = $1 AND actor_user_id = $1::bigint`,
		strconv.FormatInt(userID(t, app.DB, andres), 10)); n != 1 {
		t.Errorf("%d user.availability events by Andres on himself, want 1", n)
	}
	// Who is no agent has no availability.
	for _, who := range []string{toomas, sirje, mari} {
		app.SignIn(t, who).Post(t, "/availability", url.Values{"available": {"true"}}, http.StatusForbidden)
	}
	if n := count(t, app, `SELECT count(*) FROM users WHERE available`); n != 1 {
		t.Errorf("%d available after refused requests, want 1", n)
	}
}

func TestHandBack(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	team := newTeam(t, app.DB, "Handers", 2)
	a := newAgent(t, app, "Agent A", team, true)
	addRule(t, app.DB, routing.Rule{TeamID: team})
	m := customer(t, app.DB, mari)
	var ids []int64
	for i := range 3 {
		ids = append(ids, create(t, app, m, "Ticket "+strconv.Itoa(i), "Question", "one_person").ID)
	}
	// A holds two (the cap), the third waits. B comes, with room for one.
	b := newAgent(t, app, "Agent B", team, true)
	if _, err := app.DB.Exec(`UPDATE tickets SET assignee_id = $2 WHERE id = $1`, ids[2], b); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.Exec(`UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = $1) WHERE id = $2`, andres, a); err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(t, "agent.a@tugi.example")
	confirm := c.Get(t, "/hand-back", http.StatusOK)
	if !strings.Contains(confirm.Text("#hand-back"), "You have 2 unresolved tickets") {
		t.Fatalf("confirmation: %q", confirm.Text("#hand-back"))
	}
	c.Post(t, "/hand-back", confirm.FormValues(`#hand-back form`), http.StatusSeeOther)
	var got []int64
	app.DB.Select(&got, `SELECT coalesce(assignee_id, 0) FROM tickets WHERE id = ANY ($1) ORDER BY id`, ids)
	// B had one (cap 2): the first goes to B, the second waits unassigned.
	if want := []int64{b, 0, b}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("after hand-back: assignees %v, want %v", got, want)
	}
	if count(t, app, `SELECT count(*) FROM users WHERE id = $1 AND available`, a) != 0 {
		t.Error("A is still available after handing back")
	}
	if n := count(t, app, `SELECT count(*) FROM audit_events WHERE action = 'ticket.hand_back' AND actor_user_id = $1 AND (changes->'assignee_id'->>'old')::bigint = $1`, a); n != 2 {
		t.Errorf("%d ticket.hand_back events, want one per ticket, 2", n)
	}
	// B hears of the ticket that is theirs now, as of any assignment; the ticket's
	// customer hears nothing, and its last activity stays.
	if n := count(t, app, `SELECT count(*) FROM mail_outbox WHERE kind = 'ticket.assign' AND user_id = $1 AND object_id = $2`, b, strconv.FormatInt(ids[0], 10)); n != 1 {
		t.Errorf("B was told %d times of the ticket handed to them, want once", n)
	}
	if n := count(t, app, `SELECT count(*) FROM mail_outbox WHERE kind = 'ticket.assign' AND object_id = $1`, strconv.FormatInt(ids[1], 10)); n != 1 {
		t.Errorf("%d notices of the ticket that waits unassigned, want only A's of its first assignment", n)
	}
	if home := c.Get(t, "/", http.StatusOK).Text("main"); !strings.Contains(home, "1 tickets went to available colleagues; 1 wait unassigned") {
		t.Errorf("no message about the hand-back: %q", home)
	}
	// Customers and admins cannot hand back.
	for _, who := range []string{mari, toomas} {
		app.SignIn(t, who).Post(t, "/hand-back", nil, http.StatusForbidden)
	}
}

// A rule names its organisation by typing it, with suggestions, instead of choosing from
// a list of every customer: the organisation called so, or the only one whose name begins
// so; otherwise a message beside the field, the input kept and nothing written.
func TestRuleOrganisationTyped(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	if _, err := app.DB.Exec(`INSERT INTO organisations (name) VALUES ('Second Hand OÜ'), ('50% Off & Co_')`); err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(t, toomas)
	team := strconv.FormatInt(defaultTeam(t, app.DB), 10)
	demo := count(t, app, `SELECT id FROM organisations WHERE name = 'Demo Customer OÜ'`)

	for _, bad := range []struct{ typed, message string }{
		{"second", "Several organisations have a name beginning so: type more of it."},
		{"Nobody Inc", "No organisation has a name beginning so."},
	} {
		p := c.Post(t, "/admin/routing", url.Values{"team_id": {team}, "org_name": {bad.typed}}, http.StatusUnprocessableEntity)
		if p.FieldError("org_name") != bad.message || p.InputValue("org_name") != bad.typed {
			t.Errorf("%q: %q beside the field, input %q", bad.typed, p.FieldError("org_name"), p.InputValue("org_name"))
		}
	}
	if n := count(t, app, `SELECT count(*) FROM routing_rules`); n != 0 {
		t.Fatalf("%d rules stored from bad input", n)
	}

	c.Post(t, "/admin/routing", url.Values{"team_id": {team}, "org_name": {"demo cust"}}, http.StatusSeeOther)
	rule := ruleOrder(t, app)[0]
	if got := count(t, app, `SELECT org_id FROM routing_rules WHERE id = $1`, rule); got != demo {
		t.Errorf("rule for organisation %d, want Demo Customer OÜ (%d)", got, demo)
	}
	if v := c.Get(t, "/admin/routing/"+strconv.FormatInt(rule, 10), http.StatusOK).InputValue("org_name"); v != "Demo Customer OÜ" {
		t.Errorf("the rule's form shows %q for its organisation", v)
	}

	var offered []string
	c.Get(t, "/admin/routing/organisations?org_name=50%25", http.StatusOK, "HX-Request", "true").Doc.Find("option").Each(func(_ int, s *goquery.Selection) {
		offered = append(offered, s.AttrOr("value", ""))
	})
	if len(offered) != 1 || offered[0] != "50% Off & Co_" {
		t.Errorf("suggestions for %q: %q", "50%", offered)
	}
	app.SignIn(t, andres).Get(t, "/admin/routing/organisations?org_name=demo", http.StatusForbidden)
}
