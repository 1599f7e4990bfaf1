package routing_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// A hand-back in two teams while tickets of the second are being created for the same
// colleague: each creation holds the colleague's row of the second team and moves their
// count; the hand-back gives them tickets of both teams. Neither fails (a deadlock between
// them would fail one), and every count is right after.
func TestHandBackInTwoTeamsDuringCreations(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	first := newTeam(t, app.DB, "First line", 1000)
	second := newTeam(t, app.DB, "Billing", 1000)
	leaving := newAgent(t, app, "Agent Leaving", first, true)
	staying := newAgent(t, app, "Agent Staying", first, false)
	for _, a := range []int64{leaving, staying} {
		if err := routing.AddMember(ctx, app.DB, audit.Job("test"), second, a); err != nil {
			t.Fatal(err)
		}
	}
	addRule(t, app.DB, routing.Rule{Words: []string{"invoice"}, TeamID: second})
	addRule(t, app.DB, routing.Rule{TeamID: first})
	m := customer(t, app.DB, mari)
	// The leaving agent holds 40 tickets of the first team, then 10 of the second, handed
	// back in that order; only then is the colleague available.
	tk := create(t, app, m, "A question", "Question", ticket.OnePerson)
	if _, err := app.DB.Exec(`
INSERT INTO tickets (org_id, requester_id, created_by, subject, category_id, impact, priority, status, channel, team_id,
                     assignee_id, created_at, updated_at, next_due_at)
SELECT t.org_id, t.requester_id, t.created_by, 'Held ' || g, t.category_id, t.impact, t.priority, 'open', t.channel,
       CASE WHEN g < 40 THEN $2::bigint ELSE $3::bigint END, t.assignee_id, t.created_at, t.updated_at, t.next_due_at
FROM tickets t, generate_series(0, 49) g WHERE t.id = $1`, tk.ID, first, second); err != nil {
		t.Fatal(err)
	}
	if err := routing.SetAvailable(ctx, app.DB, audit.Job("test"), staying, true); err != nil {
		t.Fatal(err)
	}
	question := categoryID(t, app.DB, "Question")
	stop := make(chan struct{})
	var created atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := service(app).Create(ctx, audit.Actor{UserID: m.UserID}, m, ticket.Request{
					Subject: fmt.Sprintf("Invoice %d", created.Add(1)), Body: "Wrong amount", CategoryID: question, Impact: ticket.OnePerson})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond) // the creations under way
	_, unassigned, err := routing.HandBack(ctx, app.DB, service(app), audit.Actor{UserID: leaving}, leaving)
	close(stop)
	wg.Wait()
	close(errs)
	if err != nil {
		t.Fatalf("hand-back: %v", err)
	}
	for err := range errs {
		t.Errorf("creation: %v", err)
	}
	if unassigned != 0 {
		t.Errorf("the hand-back left %d tickets unassigned, want every one given to the colleague", unassigned)
	}
	if n := openOf(t, app, leaving); n != 0 {
		t.Errorf("the agent who left holds %d unresolved tickets, want 0", n)
	}
	if wrong := wrongCounts(t, app.DB); len(wrong) > 0 {
		t.Errorf("counts differ from the tickets (agent: count, tickets): %v", wrong)
	}
	t.Logf("%d tickets created during the hand-back", created.Load())
}
