package routing_test

import (
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/routing"
	"tugi/app/ticket"
	"tugi/app/ticket/unresolved"
)

// wrongCounts lists the agents whose count in agent_open_tickets is not the number of
// unresolved tickets they hold, as "agent: count, tickets".
func wrongCounts(t testing.TB, db *sqlx.DB) []string {
	t.Helper()
	var wrong []string
	err := db.Select(&wrong, `
SELECT format('%s: %s, %s', coalesce(a.user_id, c.assignee_id), coalesce(a.open, 0), coalesce(c.n, 0))
FROM agent_open_tickets a
FULL JOIN (SELECT t.assignee_id, count(*) AS n FROM tickets t WHERE t.assignee_id IS NOT NULL AND `+unresolved.SQL+`
           GROUP BY t.assignee_id) c ON c.assignee_id = a.user_id
WHERE coalesce(a.open, 0) <> coalesce(c.n, 0)
ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	return wrong
}

// openOf is agent's number of unresolved tickets as the team page and the cap read it.
func openOf(t testing.TB, app *apptest.App, agent int64) int {
	t.Helper()
	n, err := routing.OpenAssigned(ctx, app.DB, agent)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Each agent's count of unresolved tickets, which the cap reads, follows every kind of
// change of a ticket's assignee or status, whichever feature makes it, and counting them
// again from the tickets (as the migration did) gives the same counts.
func TestAgentCountsFollowEveryChange(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	team := defaultTeam(t, app.DB)
	a := newAgent(t, app, "Count Agent A", team, true)
	b := newAgent(t, app, "Count Agent B", team, true)
	m := customer(t, app.DB, mari)
	svc := service(app)
	agent := &access.Viewer{UserID: a, Roles: []access.Role{access.Agent}}
	var tks []*ticket.Ticket
	for i := range 4 {
		tks = append(tks, create(t, app, m, fmt.Sprintf("Counted %d", i), "Question", ticket.OnePerson))
	}
	held := map[int64]int{}
	for _, tk := range tks {
		if tk.AssigneeID == nil {
			t.Fatalf("ticket %d was not assigned", tk.ID)
		}
		held[*tk.AssigneeID]++
	}
	if openOf(t, app, a) != held[a] || openOf(t, app, b) != held[b] || held[a] == 0 || held[b] == 0 {
		t.Fatalf("after creation: A holds %d, B %d; want %d and %d", openOf(t, app, a), openOf(t, app, b), held[a], held[b])
	}
	first, second := tks[0].ID, tks[1].ID
	status := func(s ticket.Status) ticket.Fields { return ticket.Fields{Status: &s} }
	steps := []struct {
		what   string
		change func() error
	}{
		{"reassigned to B", func() error {
			return svc.SetFields(ctx, audit.Actor{UserID: a}, agent, first, ticket.Fields{AssigneeID: &b})
		}},
		{"reassigned back to A", func() error {
			return svc.SetFields(ctx, audit.Actor{UserID: a}, agent, first, ticket.Fields{AssigneeID: &a})
		}},
		{"waiting", func() error { return svc.SetFields(ctx, audit.Actor{UserID: a}, agent, first, status(ticket.Waiting)) }},
		{"on hold", func() error { return svc.SetFields(ctx, audit.Actor{UserID: a}, agent, first, status(ticket.OnHold)) }},
		{"open again", func() error { return svc.SetFields(ctx, audit.Actor{UserID: a}, agent, first, status(ticket.Open)) }},
		{"solved", func() error { return svc.SetFields(ctx, audit.Actor{UserID: a}, agent, first, status(ticket.Solved)) }},
		{"reopened", func() error { return svc.Reopen(ctx, audit.Actor{UserID: m.UserID}, m, first) }},
		{"closed", func() error { return svc.Close(ctx, audit.Actor{UserID: a}, agent, first) }},
		{"unassigned", func() error {
			_, err := app.DB.Exec(`UPDATE tickets SET assignee_id = NULL WHERE id = $1`, second)
			return err
		}},
		{"assigned with its status in one change", func() error {
			_, err := app.DB.Exec(`UPDATE tickets SET assignee_id = $2, status = 'on_hold' WHERE id = $1`, second, b)
			return err
		}},
		{"handed back", func() error {
			_, _, err := routing.HandBack(ctx, app.DB, svc, audit.Actor{UserID: b}, b)
			return err
		}},
		{"deleted", func() error { // as retention deletes a ticket, its messages first
			if _, err := app.DB.Exec(`DELETE FROM ticket_messages WHERE ticket_id = $1`, tks[2].ID); err != nil {
				return err
			}
			_, err := app.DB.Exec(`DELETE FROM tickets WHERE id = $1`, tks[2].ID)
			return err
		}},
	}
	for _, s := range steps {
		if err := s.change(); err != nil {
			t.Fatalf("%s: %v", s.what, err)
		}
		if wrong := wrongCounts(t, app.DB); len(wrong) > 0 {
			t.Errorf("after %s: counts differ from the tickets (agent: count, tickets): %v", s.what, wrong)
		}
	}
	if n := openOf(t, app, b); n != 0 {
		t.Errorf("B, handed back, holds %d unresolved tickets, want 0", n)
	}
	// Counted again from scratch, as the migration fills the table.
	want := openOf(t, app, a)
	if _, err := app.DB.Exec(`UPDATE agent_open_tickets SET open = open + 7`); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.Exec(`SELECT agent_open_tickets_recount()`); err != nil {
		t.Fatal(err)
	}
	if wrong := wrongCounts(t, app.DB); len(wrong) > 0 || openOf(t, app, a) != want || want == 0 {
		t.Errorf("counted again: A holds %d (want %d), counts differ: %v", openOf(t, app, a), want, wrong)
	}
}
