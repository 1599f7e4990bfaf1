package ticket_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"tugi/app/apptest"
	"tugi/app/sla"
	"tugi/app/ticket"
)

// The SLA job's tests run in the week of Monday 16 November 2026 (no holiday: support is
// open 09:00-17:00 each weekday). A ticket of normal priority opened at 09:00 on Monday
// warns at 12:00 (75% of its 4 h first response) and breaches after 13:00; its
// resolution (40 h) is due on Friday at 17:00. Every assertion is about the test's own
// tickets, not the demo ones.

type slaEnv struct {
	app   *apptest.App
	clock *fakeClock
	mari  *apptest.Client
	agent *apptest.Client
}

func newSLAEnv(t *testing.T) *slaEnv {
	t.Helper()
	clock := &fakeClock{t: nov(16, 9, 0)}
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	return &slaEnv{app: app, clock: clock, mari: app.SignIn(t, mari), agent: app.SignIn(t, andres)}
}

func (e *slaEnv) job() *ticket.SLAJob {
	return ticket.NewSLAJob(ticket.JobOptions{DB: e.app.DB, Calendars: sla.NewCalendars(e.app.DB), Now: e.clock.Now,
		BaseURL: "https://tugi.example/", Grace: -1})
}

// run runs a job once at the time at.
func (e *slaEnv) run(t *testing.T, at time.Time) ticket.JobResult {
	t.Helper()
	e.clock.set(at)
	r, err := e.job().RunOnce(context.Background())
	if err != nil {
		t.Fatalf("job at %s: %v", at, err)
	}
	return r
}

// fields posts the agent's side-panel form for ticket id.
func (e *slaEnv) fields(t *testing.T, id int64, values url.Values) {
	t.Helper()
	e.agent.Post(t, path(id, "/fields"), values, http.StatusSeeOther)
}

type sent struct {
	To      string `db:"to_address"`
	Kind    string `db:"kind"`
	Subject string `db:"subject"`
	Body    string `db:"body_text"`
	Thread  string `db:"thread_id"`
	UserID  int64  `db:"user_id"`
	OrgID   int64  `db:"org_id"`
}

// mails returns the queued mail about ticket id, by recipient and kind.
func mails(t *testing.T, e *slaEnv, id int64) []sent {
	t.Helper()
	var ms []sent
	err := e.app.DB.Select(&ms, `SELECT to_address, kind, subject, body_text, thread_id, user_id, org_id FROM mail_outbox
		WHERE object_type = 'ticket' AND object_id = $1 AND kind LIKE 'sla.%' ORDER BY kind, to_address`, strconv.FormatInt(id, 10))
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func recipientsOf(ms []sent, kind string) []string {
	var out []string
	for _, m := range ms {
		if m.Kind == kind {
			out = append(out, m.To)
		}
	}
	return out
}

// slaEvents returns the job's audit events about ticket id: "action metric due_at".
func slaEvents(t *testing.T, e *slaEnv, id int64) []string {
	t.Helper()
	var out []string
	err := e.app.DB.Select(&out, `SELECT action || ' ' || (changes->'metric'->>'new') || ' ' || (changes->'due_at'->>'new')
		FROM audit_events WHERE actor_job = 'sla' AND object_type = 'ticket' AND object_id = $1 AND actor_user_id IS NULL
		AND org_id = (SELECT org_id FROM tickets WHERE id = $2) ORDER BY seq`, strconv.FormatInt(id, 10), id)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// teamEmails are the addresses of the active members of the ticket's team.
func teamEmails(t *testing.T, e *slaEnv, id int64) []string {
	t.Helper()
	var out []string
	err := e.app.DB.Select(&out, `SELECT u.email FROM users u JOIN team_members m ON m.user_id = u.id
		JOIN tickets t ON t.team_id = m.team_id WHERE t.id = $1 AND u.active ORDER BY u.email`, id)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type clockState struct {
	Target   int        `db:"target_seconds"`
	Due      *time.Time `db:"due_at"`
	Warn     *time.Time `db:"warn_at"`
	Breached bool       `db:"breached"`
	Warned   *time.Time `db:"warning_notified_at"`
	Told     *time.Time `db:"breach_notified_at"`
}

func clockOf(t *testing.T, e *slaEnv, id int64, m ticket.Metric) clockState {
	t.Helper()
	var c clockState
	err := e.app.DB.Get(&c, `SELECT target_seconds, due_at, warn_at, breached, warning_notified_at, breach_notified_at
		FROM ticket_clocks WHERE ticket_id = $1 AND metric = $2`, id, m)
	if err != nil {
		t.Fatalf("clock %s of %d: %v", m, id, err)
	}
	return c
}

// nextDue and replyDue are ticket id's own copies of its nearest due time and of when
// the customer can expect the next reply.
func nextDue(t *testing.T, e *slaEnv, id int64) *time.Time {
	return ticketTime(t, e, id, "next_due_at")
}
func replyDue(t *testing.T, e *slaEnv, id int64) *time.Time {
	return ticketTime(t, e, id, "reply_due_at")
}

func ticketTime(t *testing.T, e *slaEnv, id int64, column string) *time.Time {
	t.Helper()
	var d *time.Time
	if err := e.app.DB.Get(&d, `SELECT `+column+` FROM tickets WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return d
}

func same(a *time.Time, b time.Time) bool { return a != nil && a.Equal(b) }

func TestSLAJobWarnsThenBreachesOnceToWhomThePolicyNames(t *testing.T) {
	t.Parallel()
	e := newSLAEnv(t)
	id := open(t, e.app, e.mari, "Printer prints blank pages")
	e.fields(t, id, url.Values{"assignee_id": {strconv.FormatInt(userID(t, e.app.DB, andres), 10)}})
	if _, err := e.app.DB.Exec(`UPDATE users SET language = 'et' WHERE email = $1`, kadri); err != nil {
		t.Fatal(err)
	}
	team := teamEmails(t, e, id)
	if !slices.Contains(team, andres) || !slices.Contains(team, kadri) {
		t.Fatalf("the demo team is %v; the test expects Andres and Kadri in it", team)
	}
	var ref string
	if err := e.app.DB.Get(&ref, `SELECT 'T-2026-' || lpad(id::text, 5, '0') FROM tickets WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}

	// Before the warning point: nothing.
	e.run(t, nov(16, 11, 59))
	if ms := mails(t, e, id); len(ms) != 0 {
		t.Fatalf("before the warning point the job queued %v", ms)
	}

	// At 12:00 the first response warns: the normal policy tells the assignee only.
	e.run(t, nov(16, 12, 0))
	ms := mails(t, e, id)
	if got := recipientsOf(ms, "sla.warning"); !slices.Equal(got, []string{andres}) {
		t.Fatalf("the warning went to %v, want the assignee %s only", got, andres)
	}
	w := ms[0]
	if !strings.Contains(w.Subject, "["+ref+"]") || !strings.Contains(w.Subject, "SLA warning: First response is due Monday 16 Nov 13:00 EET") {
		t.Errorf("warning subject %q", w.Subject)
	}
	if w.Thread != "ticket-"+strconv.FormatInt(id, 10) || w.UserID != userID(t, e.app.DB, andres) || w.OrgID == 0 {
		t.Errorf("warning thread %q, user %d, org %d", w.Thread, w.UserID, w.OrgID)
	}
	for _, s := range []string{"Printer prints blank pages", "Demo Customer OÜ", "Priority: Normal", "Assigned to: Andres Agent",
		"https://tugi.example/tickets/" + strconv.FormatInt(id, 10)} {
		if !strings.Contains(w.Body, s) {
			t.Errorf("the warning's text lacks %q:\n%s", s, w.Body)
		}
	}
	if c := clockOf(t, e, id, ticket.FirstResponse); c.Warned == nil || c.Told != nil || c.Breached {
		t.Errorf("after the warning the clock is %+v", c)
	}

	// Not again, on this run or a later one before the breach; at 13:00 itself the
	// clock is still in time.
	for _, at := range []time.Time{nov(16, 12, 0), nov(16, 12, 30), nov(16, 13, 0)} {
		e.run(t, at)
	}
	if n := len(mails(t, e, id)); n != 1 {
		t.Fatalf("%d mails after repeated runs, want 1", n)
	}

	// A second after 13:00 it breached: the assignee and the team, Andres once.
	e.run(t, nov(16, 13, 0).Add(time.Second))
	ms = mails(t, e, id)
	if got := recipientsOf(ms, "sla.breach"); !slices.Equal(got, team) {
		t.Fatalf("the breach went to %v, want %v (the assignee and the team, each once)", got, team)
	}
	for _, m := range ms {
		switch {
		case m.Kind == "sla.breach" && m.To == kadri:
			if !strings.Contains(m.Subject, "["+ref+"] SLA rikutud: Esimene vastus") || !strings.Contains(m.Body, "Prioriteet: Tavaline") {
				t.Errorf("Kadri reads Estonian; her breach notice is %q:\n%s", m.Subject, m.Body)
			}
		case m.Kind == "sla.breach":
			if !strings.Contains(m.Subject, "SLA breached: First response was due Monday 16 Nov 13:00 EET") {
				t.Errorf("breach subject %q", m.Subject)
			}
		}
	}
	if c := clockOf(t, e, id, ticket.FirstResponse); !c.Breached || c.Told == nil {
		t.Errorf("after the breach the clock is %+v", c)
	}

	// Never again: not on the next runs, not by a new job (a restart).
	e.run(t, nov(16, 14, 0))
	e.run(t, nov(16, 15, 0))
	if n := len(mails(t, e, id)); n != 1+len(team) {
		t.Errorf("%d mails after more runs, want %d", n, 1+len(team))
	}
	due := nov(16, 13, 0).UTC().Format(time.RFC3339)
	if got, want := slaEvents(t, e, id), []string{"ticket.sla_warning first_response " + due, "ticket.sla_breach first_response " + due}; !slices.Equal(got, want) {
		t.Errorf("audit events %v, want %v", got, want)
	}

	// People see it: the ticket page shows the clock red, the queue lists it as breaching.
	p := e.agent.Get(t, path(id, ""), http.StatusOK)
	if cls, _ := p.Doc.Find(`#clocks li[data-metric="first_response"]`).Attr("class"); !strings.Contains(cls, "breach") {
		t.Errorf("the first-response clock has class %q, want breach", cls)
	}
	q := e.agent.Get(t, "/queue?view=breaching", http.StatusOK)
	if cls, ok := q.Doc.Find(fmt.Sprintf(`#queue tr[data-ticket="%d"] .due`, id)).Attr("class"); !ok || !strings.Contains(cls, "breach") {
		t.Errorf("the breaching-soon queue shows %s with class %q (listed: %v), want breach", ref, cls, refs(q, "#queue"))
	}

	// A closure added for Monday afterwards moves the due time to Tuesday 13:00: the
	// breach stays a breach (marked), on the page and in the queue, and is not told again.
	admin := e.app.SignIn(t, toomas)
	admin.Post(t, "/admin/calendar/exceptions", url.Values{"kind": {"closure"}, "date": {"2026-11-16"}}, http.StatusSeeOther)
	e.run(t, nov(16, 15, 30))
	if c := clockOf(t, e, id, ticket.FirstResponse); !same(c.Due, nov(17, 13, 0)) || !c.Breached {
		t.Fatalf("after the closure the clock is %+v, want due Tuesday 13:00 and still breached", c)
	}
	p = e.agent.Get(t, path(id, ""), http.StatusOK)
	if cls, _ := p.Doc.Find(`#clocks li[data-metric="first_response"]`).Attr("class"); !strings.Contains(cls, "breach") {
		t.Errorf("after the closure the first-response clock has class %q, want breach", cls)
	}
	q = e.agent.Get(t, "/queue?view=all", http.StatusOK)
	if cls, ok := q.Doc.Find(fmt.Sprintf(`#queue tr[data-ticket="%d"] .due`, id)).Attr("class"); !ok || !strings.Contains(cls, "breach") {
		t.Errorf("after the closure the queue shows %s with class %q, want breach", ref, cls)
	}
	if n := len(mails(t, e, id)); n != 1+len(team) {
		t.Errorf("%d mails after the closure, want still %d", n, 1+len(team))
	}
}

func TestSLAJobTellsALateClockOnlyOfItsBreach(t *testing.T) {
	t.Parallel()
	e := newSLAEnv(t)
	id := open(t, e.app, e.mari, "Nobody looked in time")
	if _, err := e.app.DB.Exec(`UPDATE users SET active = false WHERE email = $1`, kadri); err != nil {
		t.Fatal(err)
	}
	if team := teamEmails(t, e, id); slices.Contains(team, kadri) || len(team) == 0 {
		t.Fatalf("the active team is %v; want it without Kadri, who left, and not empty", team)
	}

	// The job did not run between the warning point and the due time (Tugi was down).
	e.run(t, nov(16, 13, 30))
	ms := mails(t, e, id)
	if got := recipientsOf(ms, "sla.warning"); len(got) != 0 {
		t.Errorf("a late clock was warned too: %v", got)
	}
	if got, want := recipientsOf(ms, "sla.breach"), teamEmails(t, e, id); !slices.Equal(got, want) {
		t.Errorf("the breach of an unassigned ticket went to %v, want its active team %v", got, want)
	}
	if c := clockOf(t, e, id, ticket.FirstResponse); c.Warned == nil || c.Told == nil || !c.Breached {
		t.Errorf("the late clock is %+v: want its warning marked as passed and its breach told", c)
	}
	e.run(t, nov(16, 14, 0))
	if n := len(mails(t, e, id)); n != len(ms) {
		t.Errorf("%d mails after another run, want %d", n, len(ms))
	}
	due := nov(16, 13, 0).UTC().Format(time.RFC3339)
	if got, want := slaEvents(t, e, id), []string{"ticket.sla_breach first_response " + due}; !slices.Equal(got, want) {
		t.Errorf("audit events %v, want %v", got, want)
	}
}

func TestSLAJobLeavesPausedAndStoppedClocksAlone(t *testing.T) {
	t.Parallel()
	e := newSLAEnv(t)
	waiting := open(t, e.app, e.mari, "Waits for the customer")
	solved := open(t, e.app, e.mari, "Solved at once")
	running := open(t, e.app, e.mari, "Answered, not resolved")
	e.clock.set(nov(16, 9, 30))
	for id, then := range map[int64]string{waiting: "wait", solved: "open", running: "open"} {
		e.agent.Post(t, path(id, "/reply"), url.Values{"body": {"Looking into it."}, "then": {then}}, http.StatusSeeOther)
	}
	e.fields(t, solved, url.Values{"status": {"solved"}})

	// Friday 17:00:01: the running resolution clock breached; the paused and stopped
	// ones, and the first responses given in time, are told nothing.
	e.run(t, nov(20, 17, 0).Add(time.Second))
	for _, id := range []int64{waiting, solved} {
		if ms := mails(t, e, id); len(ms) != 0 || len(slaEvents(t, e, id)) != 0 {
			t.Errorf("ticket %d (paused or stopped) was told: %v", id, ms)
		}
	}
	due := nov(20, 17, 0).UTC().Format(time.RFC3339)
	if got, want := slaEvents(t, e, running), []string{"ticket.sla_breach resolution " + due}; !slices.Equal(got, want) {
		t.Errorf("the running ticket's events are %v, want %v", got, want)
	}
}

func TestSLAJobsRunningTogetherTellEachClockOnce(t *testing.T) {
	t.Parallel()
	e := newSLAEnv(t)
	var ids []int64
	for i := range 120 {
		ids = append(ids, open(t, e.app, e.mari, fmt.Sprintf("Crowd %d", i)))
	}
	team := teamEmails(t, e, ids[0])
	e.clock.set(nov(16, 13, 30))

	var wg sync.WaitGroup
	results := make([]ticket.JobResult, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = e.job().RunOnce(context.Background())
		}()
	}
	wg.Wait()
	breaches := 0
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("job %d: %v", i, errs[i])
		}
		breaches += r.Breaches
	}
	// The demo tickets are younger than the test's clock: only ours are due.
	if breaches != len(ids) {
		t.Errorf("the jobs told %d breaches together, want %d", breaches, len(ids))
	}
	objs := make([]string, len(ids))
	for i, id := range ids {
		objs[i] = strconv.FormatInt(id, 10)
	}
	if n := count(t, e.app.DB, `SELECT count(*) FROM mail_outbox WHERE kind = 'sla.breach' AND object_id = ANY ($1)`, pq.Array(objs)); n != len(ids)*len(team) {
		t.Errorf("%d breach mails, want %d (each ticket's team once)", n, len(ids)*len(team))
	}
	if n := count(t, e.app.DB, `SELECT count(DISTINCT (object_id, to_address)) FROM mail_outbox WHERE kind = 'sla.breach' AND object_id = ANY ($1)`, pq.Array(objs)); n != len(ids)*len(team) {
		t.Errorf("%d distinct breach mails, want %d", n, len(ids)*len(team))
	}
	if n := count(t, e.app.DB, `SELECT count(*) FROM audit_events WHERE action = 'ticket.sla_breach' AND object_id = ANY ($1)`, pq.Array(objs)); n != len(ids) {
		t.Errorf("%d breach events, want %d", n, len(ids))
	}
	if n := count(t, e.app.DB, `SELECT count(*) FROM mail_outbox WHERE kind = 'sla.warning' AND object_id = ANY ($1)`, pq.Array(objs)); n != 0 {
		t.Errorf("%d warnings of late clocks, want none", n)
	}
}

// clockRows is every stored column of ticket id's clocks and its next due time.
func clockRows(t *testing.T, e *slaEnv, id int64) string {
	t.Helper()
	var s string
	err := e.app.DB.Get(&s, `SELECT (SELECT coalesce(next_due_at::text, '-') FROM tickets WHERE id = $1) || ' ' ||
		coalesce(string_agg(k::text, ';' ORDER BY metric), '') FROM ticket_clocks k WHERE ticket_id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSLAJobRecomputesDueTimesAfterACalendarChange(t *testing.T) {
	t.Parallel()
	e := newSLAEnv(t)
	running := open(t, e.app, e.mari, "Runs across the closure")
	solved := open(t, e.app, e.mari, "Done before it")
	e.fields(t, solved, url.Values{"status": {"solved"}})
	solvedBefore := clockRows(t, e, solved)
	if c := clockOf(t, e, running, ticket.FirstResponse); !same(c.Due, nov(16, 13, 0)) {
		t.Fatalf("first response due %v, want Monday 13:00", c.Due)
	}

	admin := e.app.SignIn(t, toomas)
	if p := admin.Get(t, "/admin/calendar", http.StatusOK); !strings.Contains(p.Text("main"), "Tickets under way get new due times within a minute of a change.") {
		t.Error("the calendar page does not say when running tickets follow a change")
	}
	admin.Post(t, "/admin/calendar/exceptions", url.Values{"kind": {"closure"}, "date": {"2026-11-16"}, "note": {"Staff day"}}, http.StatusSeeOther)
	if c := clockOf(t, e, running, ticket.FirstResponse); !same(c.Due, nov(16, 13, 0)) {
		t.Fatalf("the save itself changed the clock (due %v): the job is to", c.Due)
	}

	// Two processes' jobs run together: one walks, and each ticket is done once.
	e.clock.set(nov(16, 9, 30))
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.job().RunOnce(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	// Monday is closed now: 4 h from Monday 09:00 end on Tuesday at 13:00, the warning
	// (3 h) at 12:00; 40 h of resolution on Monday 23 November at 17:00.
	c := clockOf(t, e, running, ticket.FirstResponse)
	if !same(c.Due, nov(17, 13, 0)) || !same(c.Warn, nov(17, 12, 0)) {
		t.Errorf("first response due %v, warns %v; want Tuesday 13:00 and 12:00", c.Due, c.Warn)
	}
	if r := clockOf(t, e, running, ticket.Resolution); !same(r.Due, nov(23, 17, 0)) {
		t.Errorf("resolution due %v, want Monday 23 November 17:00", r.Due)
	}
	if d := nextDue(t, e, running); !same(d, nov(17, 13, 0)) {
		t.Errorf("the ticket's next due time is %v, want Tuesday 13:00", d)
	}
	if d := replyDue(t, e, running); !same(d, nov(17, 13, 0)) {
		t.Errorf("the ticket's reply is due %v, want Tuesday 13:00 with its first response", d)
	}
	if got := clockRows(t, e, solved); got != solvedBefore {
		t.Errorf("the solved ticket changed:\n%s\n%s", solvedBefore, got)
	}
	var events []struct {
		Job string        `db:"actor_job"`
		IDs pq.Int64Array `db:"ids"`
	}
	err := e.app.DB.Select(&events, `SELECT actor_job, ARRAY(SELECT json_array_elements_text(changes->'ticket_ids'->'new')::bigint) AS ids
		FROM audit_events WHERE action = 'sla.recompute' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, ev := range events {
		if ev.Job != "sla" {
			t.Errorf("recompute audited as %q, want the job sla", ev.Job)
		}
		for _, id := range ev.IDs {
			seen[id]++
		}
	}
	if seen[running] != 1 || seen[solved] != 0 {
		t.Errorf("recompute events name the running ticket %d times and the solved one %d times; want once and never", seen[running], seen[solved])
	}
	if n := count(t, e.app.DB, `SELECT count(*) FROM sla_recomputes WHERE finished_at IS NULL`); n != 0 {
		t.Errorf("%d recomputations left unfinished", n)
	}

	// The new times are what the job tells by: no warning at Monday 12:00 any more.
	e.run(t, nov(16, 12, 0))
	if ms := mails(t, e, running); len(ms) != 0 {
		t.Errorf("warned by the old calendar: %v", ms)
	}
}

// policyForm is the SLA policies form as it stands, with change applied.
func policyForm(t *testing.T, e *slaEnv, change func(url.Values)) url.Values {
	t.Helper()
	ps, err := sla.NewStore(e.app.DB).Policies(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v := url.Values{}
	for _, p := range ps {
		k := string(p.Priority) + "_"
		v.Set(k+"first", sla.FormatDuration(p.FirstResponse))
		v.Set(k+"next", sla.FormatDuration(p.NextResponse))
		v.Set(k+"resolution", sla.FormatDuration(p.Resolution))
		v.Set(k+"warn", strconv.Itoa(p.WarnPercent))
		for _, r := range p.NotifyWarning {
			v.Add(k+"notify_warning", string(r))
		}
		for _, r := range p.NotifyBreach {
			v.Add(k+"notify_breach", string(r))
		}
	}
	change(v)
	return v
}

func TestSLAJobRetargetsClocksAfterAPolicyChange(t *testing.T) {
	t.Parallel()
	e := newSLAEnv(t)
	running := open(t, e.app, e.mari, "Normal and running")
	waiting := open(t, e.app, e.mari, "Normal and waiting")
	e.clock.set(nov(16, 9, 30))
	e.agent.Post(t, path(waiting, "/reply"), url.Values{"body": {"Which printer?"}, "then": {"wait"}}, http.StatusSeeOther)
	high := open(t, e.app, e.mari, "Becomes high")
	e.fields(t, high, url.Values{"priority": {"high"}})
	highBefore := clockRows(t, e, high)

	admin := e.app.SignIn(t, toomas)
	if p := admin.Get(t, "/admin/sla", http.StatusOK); !strings.Contains(p.Text("main"), "Tickets under way get the new targets and due times within a minute of saving") {
		t.Error("the policies page does not say when running tickets follow a change")
	}
	// Who is told changes no time: no recomputation.
	before := count(t, e.app.DB, `SELECT count(*) FROM sla_recomputes`)
	admin.Post(t, "/admin/sla", policyForm(t, e, func(v url.Values) { v["normal_notify_warning"] = []string{"assignee", "team"} }), http.StatusSeeOther)
	if n := count(t, e.app.DB, `SELECT count(*) FROM sla_recomputes`); n != before {
		t.Errorf("a change of recipients asked for %d recomputations", n-before)
	}
	admin.Post(t, "/admin/sla", policyForm(t, e, func(v url.Values) {
		v.Set("normal_first", "2h")
		v.Set("normal_resolution", "20h")
	}), http.StatusSeeOther)

	e.run(t, nov(16, 10, 0))
	c := clockOf(t, e, running, ticket.FirstResponse)
	if c.Target != 7200 || !same(c.Due, nov(16, 11, 0)) || !same(c.Warn, nov(16, 10, 30)) {
		t.Errorf("the running first response is %+v; want 2 h, due 11:00, warning 10:30", c)
	}
	if r := clockOf(t, e, running, ticket.Resolution); r.Target != 72000 || !same(r.Due, nov(18, 13, 0)) {
		t.Errorf("the running resolution is %+v; want 20 h, due Wednesday 13:00", r)
	}
	if d := nextDue(t, e, running); !same(d, nov(16, 11, 0)) {
		t.Errorf("next due %v, want 11:00", d)
	}
	if d := replyDue(t, e, running); !same(d, nov(16, 11, 0)) {
		t.Errorf("reply due %v, want 11:00 with the first response", d)
	}
	if r := clockOf(t, e, waiting, ticket.Resolution); r.Target != 72000 || r.Due != nil {
		t.Errorf("the paused resolution is %+v; want the new target and no due time while paused", r)
	}
	if got := clockRows(t, e, high); got != highBefore {
		t.Errorf("a high-priority ticket changed with the normal policy:\n%s\n%s", highBefore, got)
	}

	// And the job warns and breaches by the new target.
	e.run(t, nov(16, 11, 0).Add(time.Second))
	if got, want := recipientsOf(mails(t, e, running), "sla.breach"), teamEmails(t, e, running); !slices.Equal(got, want) {
		t.Errorf("breach by the new target told %v, want %v", got, want)
	}
}
