package routing_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/routing"
	"tugi/app/ticket"
	"tugi/app/web"
)

// teamActions are the audit actions of team, oldest first, with their changes.
func teamActions(t *testing.T, app *apptest.App, team int64) string {
	t.Helper()
	var actions []string
	if err := app.DB.Select(&actions, `SELECT action || ' ' || changes::text FROM audit_events
		WHERE object_type = 'team' AND object_id = $1 AND actor_user_id IS NOT NULL ORDER BY id`, strconv.FormatInt(team, 10)); err != nil {
		t.Fatal(err)
	}
	return strings.Join(actions, "\n")
}

// optionLabels are the labels of the options of the select sel.
func optionLabels(p *apptest.Page, sel string) []string {
	var out []string
	for _, s := range p.Doc.Find(sel + " option").Nodes {
		for c := s.FirstChild; c != nil; c = c.NextSibling {
			out = append(out, c.Data)
		}
	}
	return out
}

// TestTeamLife: an admin creates a team, renames it and retires it; a name that is
// empty, too long or taken is refused beside its field with the input kept; retiring a
// team that a routing rule or an unresolved ticket still targets is refused, saying
// which; a retired team is offered nowhere and nothing new can name it; every change is
// audited.
func TestTeamLife(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	admin := app.SignIn(t, toomas)
	support := defaultTeam(t, app.DB)

	// Bad names: 422, the message beside the field, the input kept, nothing written.
	events := count(t, app, `SELECT count(*) FROM audit_events`)
	for _, bad := range []string{"", "   ", strings.Repeat("x", 201), "user SUPPORT", "ab\xff", "a\x00b"} {
		p := admin.Post(t, "/admin/teams", url.Values{"name": {bad}}, http.StatusUnprocessableEntity)
		if p.FieldError("name") == "" || (web.Storable(bad) && p.InputValue("name") != bad) {
			t.Errorf("name %q: error %q, kept %q", bad, p.FieldError("name"), p.InputValue("name"))
		}
	}
	if n := count(t, app, `SELECT count(*) FROM teams`); n != 1 {
		t.Errorf("%d teams after bad names, want 1", n)
	}
	if n := count(t, app, `SELECT count(*) FROM audit_events`); n != events {
		t.Errorf("bad names wrote %d audit events", n-events)
	}

	admin.Post(t, "/admin/teams", url.Values{"name": {"  Billing   desk "}}, http.StatusSeeOther)
	billing := id(t, app.DB, `SELECT id FROM teams WHERE name = 'Billing desk'`)
	b := strconv.FormatInt(billing, 10)
	page := admin.Get(t, "/admin/teams", http.StatusOK)
	if !strings.Contains(page.Text("#team-"+b+" h2"), "Billing desk") {
		t.Fatalf("the new team is not listed: %s", page.Text("main"))
	}
	// The "add an agent" list leaves out those already in the team.
	if got := optionLabels(page, "#user_id_"+b); strings.Join(got, ",") != "Andres Agent,Kadri Kask" {
		t.Errorf("the new team offers %v", got)
	}
	if page.Doc.Find("#user_id_" + strconv.FormatInt(support, 10)).Is("select") {
		t.Errorf("User Support, which has every agent, still offers %v", optionLabels(page, "#user_id_"+strconv.FormatInt(support, 10)))
	}
	admin.Post(t, "/admin/teams/"+b+"/members", url.Values{"user_id": {strconv.FormatInt(userID(t, app.DB, andres), 10)}}, http.StatusSeeOther)
	if got := optionLabels(admin.Get(t, "/admin/teams", http.StatusOK), "#user_id_"+b); strings.Join(got, ",") != "Kadri Kask" {
		t.Errorf("after adding Andres the list offers %v", got)
	}

	// Renaming: a taken name is refused beside the field; a new one is kept and audited.
	p := admin.Post(t, "/admin/teams/"+b+"/name", url.Values{"name": {"User Support"}}, http.StatusUnprocessableEntity)
	if kept, _ := p.Doc.Find("#name_" + b).Attr("value"); p.FieldError("name_"+b) == "" || kept != "User Support" {
		t.Errorf("a taken name: error %q, kept %q", p.FieldError("name_"+b), kept)
	}
	admin.Post(t, "/admin/teams/"+b+"/name", url.Values{"name": {"Invoices"}}, http.StatusSeeOther)
	admin.Post(t, "/admin/teams/999999/name", url.Values{"name": {"Nobody"}}, http.StatusNotFound)

	// A rule sends billing questions to the team, and a customer's question lands there.
	rule := addRule(t, app.DB, routing.Rule{CategoryID: ptr(categoryID(t, app.DB, "Billing")), TeamID: billing})
	tk := create(t, app, customer(t, app.DB, mari), "Invoice twice", "Billing", ticket.OnePerson)
	if tk.TeamID == nil || *tk.TeamID != billing {
		t.Fatalf("the ticket went to team %v, want %d", tk.TeamID, billing)
	}

	// The default team is never retired.
	admin.Post(t, "/admin/teams/"+strconv.FormatInt(support, 10)+"/retire", nil, http.StatusConflict)
	// Retiring a team in use is refused, naming the rule (linked) and the open ticket.
	refused := admin.Post(t, "/admin/teams/"+b+"/retire", nil, http.StatusConflict)
	msg := refused.Text("#team-" + b + " #retire-refused")
	if !strings.Contains(msg, "Routing rule 1") || !strings.Contains(msg, "1 unresolved tickets") {
		t.Errorf("the refusal says %q", msg)
	}
	if href, _ := refused.Doc.Find("#retire-refused a").Attr("href"); href != "/admin/routing/"+strconv.FormatInt(rule, 10) {
		t.Errorf("the refusal links the rule as %q", href)
	}
	admin.Post(t, "/admin/routing/"+strconv.FormatInt(rule, 10)+"/delete", nil, http.StatusSeeOther)
	if msg := admin.Post(t, "/admin/teams/"+b+"/retire", nil, http.StatusConflict).Text("#retire-refused"); strings.Contains(msg, "Routing rule") || !strings.Contains(msg, "1 unresolved") {
		t.Errorf("with the rule gone the refusal says %q", msg)
	}
	agent := app.SignIn(t, andres)
	tid := strconv.FormatInt(tk.ID, 10)
	agent.Post(t, "/tickets/"+tid+"/fields", url.Values{"team_id": {strconv.FormatInt(support, 10)}}, http.StatusSeeOther)
	admin.Post(t, "/admin/teams/"+b+"/retire", nil, http.StatusSeeOther)

	// Retired: listed apart, offered by no select, and nothing new can name it.
	page = admin.Get(t, "/admin/teams", http.StatusOK)
	if !strings.Contains(page.Text("#retired-teams"), "Invoices") || page.Doc.Find("section#team-"+b).Length() != 0 {
		t.Errorf("after retiring, the retired list reads %q", page.Text("#retired-teams"))
	}
	if got := optionLabels(admin.Get(t, "/admin/routing", http.StatusOK), "#team_id"); strings.Contains(strings.Join(got, ","), "Invoices") {
		t.Errorf("the rule form offers the retired team: %v", got)
	}
	if p := admin.Post(t, "/admin/routing", url.Values{"team_id": {b}}, http.StatusUnprocessableEntity); p.FieldError("team_id") == "" {
		t.Error("a rule could name the retired team")
	}
	if _, err := routing.CreateRule(ctx, app.DB, audit.Job("test"), &routing.Rule{TeamID: billing}); err != routing.ErrNoSuchTeam {
		t.Errorf("a rule stored past the form for the retired team: %v", err)
	}
	if got := optionLabels(agent.Get(t, "/tickets/"+tid, http.StatusOK), "#team_id"); strings.Contains(strings.Join(got, ","), "Invoices") {
		t.Errorf("the ticket's team select offers the retired team: %v", got)
	}
	if p := agent.Post(t, "/tickets/"+tid+"/fields", url.Values{"team_id": {b}}, http.StatusUnprocessableEntity); p.FieldError("team_id") == "" {
		t.Error("a ticket could be moved to the retired team")
	}
	if n := count(t, app, `SELECT count(*) FROM tickets WHERE team_id = $1`, billing); n != 0 {
		t.Errorf("%d tickets in the retired team", n)
	}

	// Brought back, it is offered again with its member.
	admin.Post(t, "/admin/teams/"+b+"/reinstate", nil, http.StatusSeeOther)
	if got := optionLabels(admin.Get(t, "/admin/routing", http.StatusOK), "#team_id"); !strings.Contains(strings.Join(got, ","), "Invoices") {
		t.Errorf("after bringing it back the rule form offers %v", got)
	}
	if !strings.Contains(admin.Get(t, "/admin/teams", http.StatusOK).Text("#team-"+b), "Andres Agent") {
		t.Error("the team came back without its member")
	}

	audited := teamActions(t, app, billing)
	for _, want := range []string{`team.create {"name":{"new":"Billing desk"}}`, `team.rename {"name":{"old":"Billing desk","new":"Invoices"}}`,
		`team.retire`, `team.reinstate`} {
		if !strings.Contains(audited, want) {
			t.Errorf("the audit lacks %s:\n%s", want, audited)
		}
	}
	if strings.Count(audited, "team.retire") != 1 {
		t.Errorf("refused retirements were audited:\n%s", audited)
	}
}

// TestOnlyAdminsShapeTeams: an agent cannot create, rename or retire a team.
func TestOnlyAdminsShapeTeams(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	agent := app.SignIn(t, andres)
	team := strconv.FormatInt(newTeam(t, app.DB, "Night shift", 5), 10)
	agent.Post(t, "/admin/teams", url.Values{"name": {"Mine"}}, http.StatusForbidden)
	agent.Post(t, "/admin/teams/"+team+"/name", url.Values{"name": {"Mine"}}, http.StatusForbidden)
	agent.Post(t, "/admin/teams/"+team+"/retire", nil, http.StatusForbidden)
	if n := count(t, app, `SELECT count(*) FROM teams WHERE name = 'Night shift' AND retired_at IS NULL`); n != 1 {
		t.Error("an agent changed a team")
	}
}

// TestRetiredTeamAssignsNothing: a solved ticket of a retired team that comes back to
// life stays in its team, but a hand-back gives it to nobody, not to a colleague in the
// retired team: a retired team takes no new work.
func TestRetiredTeamAssignsNothing(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	night := newTeam(t, app.DB, "Night shift", 5)
	first, second := newAgent(t, app, "Night One", night, true), newAgent(t, app, "Night Two", night, true)
	rule := addRule(t, app.DB, routing.Rule{CategoryID: ptr(categoryID(t, app.DB, "Billing")), TeamID: night})
	tk := create(t, app, customer(t, app.DB, mari), "Invoice at night", "Billing", ticket.OnePerson)
	if tk.AssigneeID == nil || (*tk.AssigneeID != first && *tk.AssigneeID != second) {
		t.Fatalf("the ticket went to %v", tk.AssigneeID)
	}
	if err := routing.DeleteRule(ctx, app.DB, audit.Job("test"), rule); err != nil {
		t.Fatal(err)
	}
	// Solved, the team retired, then the customer's reply opens it again.
	if _, err := app.DB.Exec(`UPDATE tickets SET status = 'solved', solved_at = now() WHERE id = $1`, tk.ID); err != nil {
		t.Fatal(err)
	}
	if err := routing.RetireTeam(ctx, app.DB, audit.Job("test"), night); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.Exec(`UPDATE tickets SET status = 'open' WHERE id = $1`, tk.ID); err != nil {
		t.Fatal(err)
	}
	moved, waiting, err := routing.HandBack(ctx, app.DB, service(app), audit.Job("test"), *tk.AssigneeID)
	if err != nil || moved != 0 || waiting != 1 {
		t.Errorf("the hand-back moved %d and left %d waiting (%v), want 0 and 1", moved, waiting, err)
	}
	if n := count(t, app, `SELECT count(*) FROM tickets WHERE id = $1 AND assignee_id IS NULL AND team_id = $2`, tk.ID, night); n != 1 {
		t.Error("the ticket of the retired team went to a colleague in it")
	}
}
