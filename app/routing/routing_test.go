package routing_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/routing"
	"tugi/app/sla"
	"tugi/app/testdb"
	"tugi/app/ticket"
	"tugi/app/user"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The demo people the tests act as.
const (
	mari   = "customer@demo-customer.example" // Demo Customer OÜ
	jaan   = "customer@second-customer.example"
	andres = "agent@tugi.example"
	kadri  = "agent2@tugi.example"
	sirje  = "ciso@tugi.example"
	toomas = "admin@tugi.example"
)

var ctx = context.Background()

func id(t testing.TB, db *sqlx.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func userID(t testing.TB, db *sqlx.DB, email string) int64 {
	return id(t, db, `SELECT id FROM users WHERE email = $1`, email)
}

func categoryID(t testing.TB, db *sqlx.DB, name string) int64 {
	return id(t, db, `SELECT id FROM categories WHERE name = $1`, name)
}

func defaultTeam(t testing.TB, db *sqlx.DB) int64 {
	return id(t, db, `SELECT id FROM teams WHERE is_default`)
}

// newTeam adds a team with the assignment cap limit (nil: none).
func newTeam(t testing.TB, db *sqlx.DB, name string, limit any) int64 {
	return id(t, db, `INSERT INTO teams (name, assign_cap) VALUES ($1, $2) RETURNING id`, name, limit)
}

// newAgent adds an agent, available or not, in team.
func newAgent(t testing.TB, app *apptest.App, name string, team int64, available bool) int64 {
	t.Helper()
	uid, err := user.NewService(app.DB, app.Server.Sessions).Create(ctx, audit.Job("test"), user.NewUser{
		Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@tugi.example", Name: name, Roles: user.RoleList{access.Agent}})
	if err != nil {
		t.Fatal(err)
	}
	if err := routing.AddMember(ctx, app.DB, audit.Job("test"), team, uid); err != nil {
		t.Fatal(err)
	}
	if available {
		if err := routing.SetAvailable(ctx, app.DB, audit.Job("test"), uid, true); err != nil {
			t.Fatal(err)
		}
	}
	return uid
}

func addRule(t testing.TB, db *sqlx.DB, r routing.Rule) int64 {
	t.Helper()
	rid, err := routing.CreateRule(ctx, db, audit.Job("test"), &r)
	if err != nil {
		t.Fatal(err)
	}
	return rid
}

func ptr[T any](v T) *T { return &v }

// service is the ticket service of app, for creating tickets without a browser.
func service(app *apptest.App) *ticket.Service {
	return ticket.NewService(ticket.Options{DB: app.DB, Calendars: sla.NewCalendars(app.DB), PublicURL: "https://support.example.com"})
}

// customer is the viewer of the demo customer email.
func customer(t testing.TB, db *sqlx.DB, email string) *access.Viewer {
	t.Helper()
	var v access.Viewer
	if err := db.Get(&v, `SELECT id AS userid, org_id AS orgid FROM users WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	v.Roles, v.Email, v.Lang = []access.Role{access.Customer}, email, "en"
	return &v
}

// create opens a ticket as the customer v and returns it as stored.
func create(t testing.TB, app *apptest.App, v *access.Viewer, subject, category string, impact ticket.Impact) *ticket.Ticket {
	t.Helper()
	tk, err := service(app).Create(ctx, audit.Actor{UserID: v.UserID}, v, ticket.Request{Subject: subject, Body: "Secret details of " + subject,
		CategoryID: categoryID(t, app.DB, category), Impact: impact})
	if err != nil {
		t.Fatalf("create %q: %v", subject, err)
	}
	return tk
}

func TestWords(t *testing.T) {
	got := routing.Words("TÕRGE: arve-saatmine ei tööta (v2), Šokk!")
	want := []string{"tõrge", "arve", "saatmine", "ei", "tööta", "v2", "šokk"}
	if !slices.Equal(got, want) {
		t.Errorf("Words = %q, want %q", got, want)
	}
}

func TestRaiseNeverLowers(t *testing.T) {
	for _, c := range []struct{ p, to, want sla.Priority }{
		{sla.Normal, sla.High, sla.High},
		{sla.Low, sla.Urgent, sla.Urgent},
		{sla.Urgent, sla.High, sla.Urgent},
		{sla.High, sla.Low, sla.High},
		{sla.High, sla.High, sla.High},
	} {
		if got := routing.Raise(c.p, c.to); got != c.want {
			t.Errorf("Raise(%s, %s) = %s, want %s", c.p, c.to, got, c.want)
		}
	}
}

func TestRulesMatchInOrderFirstWins(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	billing := newTeam(t, app.DB, "Billing", nil)
	vip := newTeam(t, app.DB, "Key accounts", nil)
	words := newTeam(t, app.DB, "Invoices", nil)
	mariOrg := id(t, app.DB, `SELECT org_id FROM users WHERE email = $1`, mari)
	// Both the first and the second rule match Mari's billing tickets: the first wins.
	first := addRule(t, app.DB, routing.Rule{CategoryID: ptr(categoryID(t, app.DB, "Billing")), OrgID: &mariOrg, TeamID: vip})
	second := addRule(t, app.DB, routing.Rule{CategoryID: ptr(categoryID(t, app.DB, "Billing")), TeamID: billing})
	third := addRule(t, app.DB, routing.Rule{Words: []string{"arve", "invoice"}, TeamID: words})

	m, j := customer(t, app.DB, mari), customer(t, app.DB, jaan)
	cases := []struct {
		who     *access.Viewer
		subject string
		cat     string
		team    int64
		rule    *int64
	}{
		{m, "Payment question", "Billing", vip, &first},
		{j, "Payment question", "Billing", billing, &second},
		{j, "Küsimus ARVE kohta", "Question", words, &third},
		{j, "Where is my Invoice?", "Question", words, &third},
		{j, "Arved ja arvete saatmine", "Question", defaultTeam(t, app.DB), nil}, // whole words only
		{m, "Nothing special", "Question", defaultTeam(t, app.DB), nil},
	}
	for _, c := range cases {
		tk := create(t, app, c.who, c.subject, c.cat, ticket.OnePerson)
		if tk.TeamID == nil || *tk.TeamID != c.team {
			t.Errorf("%q (%s): team %v, want %d", c.subject, c.cat, tk.TeamID, c.team)
		}
		var changes struct {
			Rule *int64 `db:"rule"`
			Team *int64 `db:"team"`
		}
		if err := app.DB.Get(&changes, `SELECT (changes->'rule_id'->>'new')::bigint AS rule, (changes->'team_id'->>'new')::bigint AS team
			FROM audit_events WHERE action = 'ticket.create' AND object_id = $1`, strconv.FormatInt(tk.ID, 10)); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(deref(changes.Rule)) != fmt.Sprint(deref(c.rule)) || deref(changes.Team) != c.team {
			t.Errorf("%q: audit shows rule %v team %v, want rule %v team %d", c.subject, deref(changes.Rule), deref(changes.Team), deref(c.rule), c.team)
		}
	}
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func TestRulePriorityIsRaisedNeverLowered(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	team := newTeam(t, app.DB, "Outages", nil)
	addRule(t, app.DB, routing.Rule{Words: []string{"outage"}, TeamID: team, RaiseTo: ptr(sla.High)})
	addRule(t, app.DB, routing.Rule{Priority: ptr(sla.Urgent), Words: []string{"down"}, TeamID: team, RaiseTo: ptr(sla.Low)})
	m := customer(t, app.DB, mari)
	for _, c := range []struct {
		subject string
		impact  ticket.Impact
		want    sla.Priority
	}{
		{"Outage in Tartu", ticket.OnePerson, sla.High},             // normal raised to high
		{"Outage everywhere", ticket.WholeOrganisation, sla.Urgent}, // urgent stays urgent
		{"Everything down", ticket.WholeOrganisation, sla.Urgent},   // a rule to "low" lowers nothing
		{"Printer", ticket.OnePerson, sla.Normal},                   // no rule: as the impact says
	} {
		if tk := create(t, app, m, c.subject, "Problem or error", c.impact); tk.Priority != c.want {
			t.Errorf("%q (%s): priority %s, want %s", c.subject, c.impact, tk.Priority, c.want)
		}
	}
	// The priority condition matches the priority the ticket starts with.
	if tk := create(t, app, m, "Down, but only me", "Problem or error", ticket.OnePerson); *tk.TeamID != defaultTeam(t, app.DB) {
		t.Errorf("a normal ticket matched a rule for urgent ones: team %d", *tk.TeamID)
	}
}

func TestSecurityConcernGoesToUserSupportAndTellsEveryCISO(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	other := newTeam(t, app.DB, "Elsewhere", nil)
	addRule(t, app.DB, routing.Rule{TeamID: other}) // matches every ticket
	svc := user.NewService(app.DB, app.Server.Sessions)
	second, err := svc.Create(ctx, audit.Job("test"), user.NewUser{Email: "ciso2@tugi.example", Name: "Teine Turvajuht", Roles: user.RoleList{access.Employee, access.CISO}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.Exec(`UPDATE users SET language = 'et' WHERE id = $1`, second); err != nil {
		t.Fatal(err)
	}
	gone, err := svc.Create(ctx, audit.Job("test"), user.NewUser{Email: "ciso-gone@tugi.example", Name: "Gone", Roles: user.RoleList{access.CISO}})
	if err == nil {
		err = svc.SetActive(ctx, audit.Job("test"), gone, false)
	}
	if err != nil {
		t.Fatal(err)
	}

	m := customer(t, app.DB, mari)
	tk := create(t, app, m, "Someone logged in as me", "Security concern", ticket.OnePerson)
	if tk.TeamID == nil || *tk.TeamID != defaultTeam(t, app.DB) {
		t.Errorf("security concern went to team %v, want User Support (%d)", tk.TeamID, defaultTeam(t, app.DB))
	}
	var mails []struct {
		To      string `db:"to_address"`
		Subject string `db:"subject"`
		Body    string `db:"body_text"`
		Thread  string `db:"thread_id"`
		UserID  int64  `db:"user_id"`
	}
	if err := app.DB.Select(&mails, `SELECT to_address, subject, body_text, thread_id, user_id FROM mail_outbox
		WHERE kind = 'ticket.security_concern' AND object_id = $1 ORDER BY to_address`, strconv.FormatInt(tk.ID, 10)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ml := range mails {
		got = append(got, ml.To)
		ref := "[" + tk.Reference() + "]"
		if !strings.HasPrefix(ml.Subject, ref) || !strings.Contains(ml.Subject, "Someone logged in as me") {
			t.Errorf("subject %q: want the reference %s and the ticket's subject", ml.Subject, ref)
		}
		if strings.Contains(ml.Body, "Secret details") {
			t.Errorf("the mail to %s carries the customer's description: %q", ml.To, ml.Body)
		}
		if !strings.Contains(ml.Body, "https://support.example.com/tickets/"+strconv.FormatInt(tk.ID, 10)) {
			t.Errorf("the mail to %s has no link to the ticket: %q", ml.To, ml.Body)
		}
		if ml.Thread != "ticket-"+strconv.FormatInt(tk.ID, 10) {
			t.Errorf("thread %q", ml.Thread)
		}
		if ml.UserID == second && !strings.Contains(ml.Subject, "Turvaprobleem") {
			t.Errorf("the Estonian CISO got %q", ml.Subject)
		}
	}
	if want := []string{"ciso2@tugi.example", sirje}; !slices.Equal(got, want) {
		t.Errorf("mail to %q, want one to each active CISO %q", got, want)
	}
	// An ordinary ticket tells no CISO (its customer gets their confirmation).
	plain := create(t, app, m, "A question", "Question", ticket.OnePerson)
	if n := id(t, app.DB, `SELECT count(*) FROM mail_outbox WHERE object_id = $1 AND kind = 'ticket.security_concern'`, strconv.FormatInt(plain.ID, 10)); n != 0 {
		t.Errorf("%d security notices about an ordinary ticket, want none", n)
	}
}

// assignees returns the assignee of each ticket, 0 for none.
func assignees(tks []*ticket.Ticket) []int64 {
	var out []int64
	for _, tk := range tks {
		out = append(out, deref(tk.AssigneeID))
	}
	return out
}

func TestRoundRobinIsFairAndSkipsTheUnavailable(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	team := newTeam(t, app.DB, "Round", 20)
	a := newAgent(t, app, "Agent A", team, true)
	b := newAgent(t, app, "Agent B", team, true)
	newAgent(t, app, "Agent Away", team, false)
	c := newAgent(t, app, "Agent C", team, true)
	addRule(t, app.DB, routing.Rule{TeamID: team})
	m := customer(t, app.DB, mari)
	var tks []*ticket.Ticket
	for i := range 6 {
		tks = append(tks, create(t, app, m, fmt.Sprintf("Ticket %d", i), "Question", ticket.OnePerson))
	}
	if got, want := assignees(tks), []int64{a, b, c, a, b, c}; !slices.Equal(got, want) {
		t.Errorf("assigned %v, want %v (in turn, never the unavailable agent)", got, want)
	}
	// B goes away: A and C take turns.
	if err := routing.SetAvailable(ctx, app.DB, audit.Job("test"), b, false); err != nil {
		t.Fatal(err)
	}
	tks = tks[:0]
	for i := range 3 {
		tks = append(tks, create(t, app, m, fmt.Sprintf("Later %d", i), "Question", ticket.OnePerson))
	}
	if got, want := assignees(tks), []int64{a, c, a}; !slices.Equal(got, want) {
		t.Errorf("with B away: assigned %v, want %v", got, want)
	}
	ev := id(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = 'ticket.create' AND (changes->'assignee_id'->>'new')::bigint = $1`, a)
	if ev != 4 {
		t.Errorf("%d ticket.create events show assignee A, want 4", ev)
	}
	// Each agent hears of the tickets given to them.
	if n := id(t, app.DB, `SELECT count(*) FROM mail_outbox WHERE kind = 'ticket.assign' AND user_id = $1`, a); n != 4 {
		t.Errorf("agent A was told of %d assignments, want 4", n)
	}
}

func TestCapIsRespected(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	team := newTeam(t, app.DB, "Capped", 2)
	a := newAgent(t, app, "Agent A", team, true)
	b := newAgent(t, app, "Agent B", team, true)
	off := newTeam(t, app.DB, "Manual", 0)
	newAgent(t, app, "Agent M", off, true)
	addRule(t, app.DB, routing.Rule{Words: []string{"manual"}, TeamID: off})
	addRule(t, app.DB, routing.Rule{TeamID: team})
	m := customer(t, app.DB, mari)
	var tks []*ticket.Ticket
	for i := range 5 {
		tks = append(tks, create(t, app, m, fmt.Sprintf("Ticket %d", i), "Question", ticket.OnePerson))
	}
	if got, want := assignees(tks), []int64{a, b, a, b, 0}; !slices.Equal(got, want) {
		t.Errorf("assigned %v, want %v (the fifth waits: both are at the cap of 2)", got, want)
	}
	// A solved ticket no longer counts: A has room again.
	if _, err := app.DB.Exec(`UPDATE tickets SET status = 'solved', solved_at = now() WHERE id = $1`, tks[0].ID); err != nil {
		t.Fatal(err)
	}
	if tk := create(t, app, m, "After one is solved", "Question", ticket.OnePerson); deref(tk.AssigneeID) != a {
		t.Errorf("after A solved one: assigned %d, want A (%d)", deref(tk.AssigneeID), a)
	}
	// Cap 0: the team assigns nothing.
	if tk := create(t, app, m, "Manual please", "Question", ticket.OnePerson); tk.AssigneeID != nil || *tk.TeamID != off {
		t.Errorf("cap 0 team: team %d assignee %v, want team %d unassigned", *tk.TeamID, tk.AssigneeID, off)
	}
}

func TestConcurrentCreationsNeverExceedTheCap(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	team := newTeam(t, app.DB, "Busy", 3)
	a := newAgent(t, app, "Agent A", team, true)
	b := newAgent(t, app, "Agent B", team, true)
	addRule(t, app.DB, routing.Rule{TeamID: team})
	m := customer(t, app.DB, mari)
	question := categoryID(t, app.DB, "Question") // on the test's goroutine: categoryID may fail t
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := service(app).Create(ctx, audit.Actor{UserID: m.UserID}, m, ticket.Request{Subject: fmt.Sprintf("Rush %d", i),
				Body: "At once", CategoryID: question, Impact: ticket.OnePerson})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, agent := range []int64{a, b} {
		if got := id(t, app.DB, `SELECT count(*) FROM tickets WHERE assignee_id = $1`, agent); got != 3 {
			t.Errorf("agent %d has %d tickets, want exactly the cap, 3", agent, got)
		}
	}
	if got := id(t, app.DB, `SELECT count(*) FROM tickets WHERE team_id = $1 AND assignee_id IS NULL`, team); got != n-6 {
		t.Errorf("%d tickets wait unassigned, want %d", got, n-6)
	}
}

// A hand-back while tickets are being created: no deadlock, no error, and nothing stays
// with the agent who handed back.
func TestHandBackDuringCreations(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	team := newTeam(t, app.DB, "Busy", 1000)
	a := newAgent(t, app, "Agent A", team, true)
	newAgent(t, app, "Agent B", team, true)
	addRule(t, app.DB, routing.Rule{TeamID: team})
	m := customer(t, app.DB, mari)
	for i := range 4 {
		create(t, app, m, fmt.Sprintf("Before %d", i), "Question", ticket.OnePerson)
	}
	question := categoryID(t, app.DB, "Question") // on the test's goroutine: categoryID may fail t
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := service(app).Create(ctx, audit.Actor{UserID: m.UserID}, m, ticket.Request{Subject: fmt.Sprintf("During %d", i),
				Body: "At once", CategoryID: question, Impact: ticket.OnePerson})
			errs <- err
		}()
		if i == n/2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := routing.HandBack(ctx, app.DB, service(app), audit.Actor{UserID: a}, a)
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := id(t, app.DB, `SELECT count(*) FROM tickets WHERE assignee_id = $1`, a); got != 0 {
		t.Errorf("agent A still has %d tickets after handing back", got)
	}
}

// With every agent of the team at the cap, a creation takes no team lock: a transaction
// holding the lock (another creation, a hand-back) does not make it wait.
func TestCreationWithEveryoneAtTheCapTakesNoTeamLock(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	team := newTeam(t, app.DB, "Full", 1)
	a := newAgent(t, app, "Agent A", team, true)
	addRule(t, app.DB, routing.Rule{TeamID: team})
	m := customer(t, app.DB, mari)
	if got := create(t, app, m, "First", "Question", ticket.OnePerson); got.AssigneeID == nil || *got.AssigneeID != a {
		t.Fatalf("the first ticket went to %v, want agent A (%d)", got.AssigneeID, a)
	}
	holder, err := app.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7007, $1::integer)`, team); err != nil {
		t.Fatal(err)
	}
	question := categoryID(t, app.DB, "Question")
	wait, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	tk, err := service(app).Create(wait, audit.Actor{UserID: m.UserID}, m, ticket.Request{Subject: "Second",
		Body: "While the team is locked", CategoryID: question, Impact: ticket.OnePerson})
	if err != nil {
		t.Fatalf("a creation with everyone at the cap waited for the team's lock: %v", err)
	}
	if tk.AssigneeID != nil {
		t.Errorf("the second ticket went to %d beyond the cap of 1", *tk.AssigneeID)
	}
}

// A creation passes over an agent whose row of the team another transaction holds (a
// ticket being given to them at that moment) for the next in turn, without waiting for
// it; once every agent with room is held, it waits for the first of them, and the ticket
// is assigned rather than left in the queue.
func TestCreationPassesOverAnAgentBeingAssigned(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	team := newTeam(t, app.DB, "Side by side", 20)
	a := newAgent(t, app, "Agent A", team, true)
	b := newAgent(t, app, "Agent B", team, true)
	addRule(t, app.DB, routing.Rule{TeamID: team})
	m := customer(t, app.DB, mari)
	question := categoryID(t, app.DB, "Question")
	hold := func(agent int64) *sqlx.Tx {
		tx, err := app.DB.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tx.Rollback() })
		if _, err := tx.ExecContext(ctx, `SELECT FROM team_members WHERE team_id = $1 AND user_id = $2 FOR UPDATE`, team, agent); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	holdA := hold(a) // A is first in turn, never assigned yet
	wait, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	tk, err := service(app).Create(wait, audit.Actor{UserID: m.UserID}, m, ticket.Request{Subject: "While A is being assigned",
		Body: "Side by side", CategoryID: question, Impact: ticket.OnePerson})
	if err != nil {
		t.Fatalf("a creation waited for the agent another transaction holds: %v", err)
	}
	if deref(tk.AssigneeID) != b {
		t.Errorf("the ticket went to %d, want B (%d), the next in turn", deref(tk.AssigneeID), b)
	}
	// Both held: the creation waits for A, the first in turn, and gets A once A is free.
	holdB := hold(b)
	done := createWaiting(t, app, m, ticket.Request{Subject: "While both are", Body: "Waits", CategoryID: question, Impact: ticket.OnePerson},
		"with every agent held, the creation did not wait")
	if err := holdA.Rollback(); err != nil {
		t.Fatal(err)
	}
	if tk := <-done; tk == nil || deref(tk.AssigneeID) != a {
		t.Errorf("once A was free, the waiting ticket went to %v, want A (%d)", tk, a)
	}
	holdB.Rollback()
}

// An assignment by the team committed to an agent while a creation waits for their row
// counts against the cap: the creation counts the agent's tickets again once it holds the
// row (markAssigned), and, the agent being at the cap then, leaves its ticket in the queue.
func TestCapHoldsForAnAssignmentCommittedWhileWaiting(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	team := newTeam(t, app.DB, "One each", 1)
	a := newAgent(t, app, "Agent A", team, false)
	addRule(t, app.DB, routing.Rule{TeamID: team})
	m := customer(t, app.DB, mari)
	first := create(t, app, m, "Waiting in the queue", "Question", ticket.OnePerson)
	if first.AssigneeID != nil {
		t.Fatalf("the first ticket went to %d while nobody was available", *first.AssigneeID)
	}
	if err := routing.SetAvailable(ctx, app.DB, audit.Job("test"), a, true); err != nil {
		t.Fatal(err)
	}
	// Another assignment by the team, under way: it holds A's row, gives A the first
	// ticket and moves A on in turn, as Assign and the ticket's creation do.
	holder, err := app.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	for _, q := range []string{
		`SELECT FROM team_members WHERE team_id = $1 AND user_id = $2 FOR UPDATE`,
		`UPDATE team_members SET last_assigned_at = clock_timestamp() WHERE team_id = $1 AND user_id = $2`,
	} {
		if _, err := holder.ExecContext(ctx, q, team, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := holder.ExecContext(ctx, `UPDATE tickets SET assignee_id = $1 WHERE id = $2`, a, first.ID); err != nil {
		t.Fatal(err)
	}
	done := createWaiting(t, app, m, ticket.Request{Subject: "While A is being given one", Body: "Waits for A",
		CategoryID: categoryID(t, app.DB, "Question"), Impact: ticket.OnePerson}, "the creation did not wait for the agent being assigned")
	if err := holder.Commit(); err != nil {
		t.Fatal(err)
	}
	if tk := <-done; tk == nil || tk.AssigneeID != nil {
		t.Errorf("the second ticket went to %v beyond the cap of 1, want the queue", tk)
	}
	if n := id(t, app.DB, `SELECT count(*) FROM tickets WHERE assignee_id = $1`, a); n != 1 {
		t.Errorf("agent A holds %d tickets, cap 1", n)
	}
}

// createWaiting starts creating r as customer m and fails the test with why unless the
// creation is still waiting 300 ms later (for a row another transaction holds); the
// ticket comes on the channel once it is made.
func createWaiting(t *testing.T, app *apptest.App, m *access.Viewer, r ticket.Request, why string) <-chan *ticket.Ticket {
	t.Helper()
	done := make(chan *ticket.Ticket, 1)
	go func() {
		tk, err := service(app).Create(ctx, audit.Actor{UserID: m.UserID}, m, r)
		if err != nil {
			t.Error(err)
		}
		done <- tk
	}()
	select {
	case tk := <-done:
		t.Fatalf("%s: %v", why, tk)
	case <-time.After(300 * time.Millisecond):
	}
	return done
}
