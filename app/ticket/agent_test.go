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

	"tugi/app/apptest"
	"tugi/app/calendar"
	"tugi/app/sla"
)

// queueRefs returns the references a queue page lists, following its pages.
func queueRefs(t *testing.T, c *apptest.Client, query string) []string {
	t.Helper()
	var out []string
	next := "/queue?" + query
	for pages := 0; next != ""; pages++ {
		if pages > 20 {
			t.Fatalf("the pages of %s do not end", query)
		}
		p := c.Get(t, next, http.StatusOK)
		out = append(out, refs(p, "#queue")...)
		next, _ = p.Doc.Find("#next-page").Attr("href")
	}
	return out
}

// dbRefs returns the references of the tickets a condition on tickets t selects, in the
// queue's default order (SLA due time, then id).
func dbRefs(t *testing.T, app *apptest.App, cond string, args ...any) []string {
	t.Helper()
	var out []string
	err := app.DB.Select(&out, `SELECT 'T-' || extract(year FROM t.created_at AT TIME ZONE 'Europe/Tallinn') || '-' || lpad(t.id::text, 5, '0')
		FROM tickets t WHERE `+cond+` ORDER BY coalesce(t.next_due_at, 'infinity'), t.id`, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestQueueViewsAndFilters(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	a := app.SignIn(t, andres)
	andresID, kadriID := userID(t, app.DB, andres), userID(t, app.DB, kadri)
	unresolved := `t.status IN ('new', 'open', 'waiting', 'on_hold')`

	for _, tt := range []struct {
		query string
		cond  string
		args  []any
	}{
		{"view=unassigned", unresolved + ` AND t.assignee_id IS NULL`, nil},
		{"", unresolved + ` AND t.assignee_id IS NULL`, nil}, // the default view
		{"view=mine", unresolved + ` AND t.assignee_id = $1`, []any{andresID}},
		{"view=team", unresolved + ` AND t.team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)`, []any{andresID}},
		{"view=waiting", `t.status = 'waiting'`, nil},
		{"view=all", unresolved, nil},
		{"view=all&assignee=" + strconv.FormatInt(kadriID, 10), unresolved + ` AND t.assignee_id = $1`, []any{kadriID}},
		{"view=all&status=solved", `t.status = 'solved'`, nil},
		{"view=all&status=closed", `t.status = 'closed'`, nil},
		{"view=all&priority=high", unresolved + ` AND t.priority = 'high'`, nil},
		{"view=all&category=" + strconv.FormatInt(categoryID(t, app.DB, "Billing"), 10), unresolved + ` AND t.category_id = $1`, []any{categoryID(t, app.DB, "Billing")}},
		{"view=all&org=" + orgID(t, app, jaan), unresolved + ` AND t.org_id = $1`, []any{orgID(t, app, jaan)}},
		{"view=all&org_name=second+customer+as", unresolved + ` AND t.org_id = $1`, []any{orgID(t, app, jaan)}}, // named, in any case
		{"view=all&org_name=Sec", unresolved + ` AND t.org_id = $1`, []any{orgID(t, app, jaan)}},                // the only one beginning so
	} {
		got, want := queueRefs(t, a, tt.query), dbRefs(t, app, tt.cond, tt.args...)
		if !slices.Equal(got, want) {
			t.Errorf("queue %q lists %v, want %v", tt.query, got, want)
		}
		if len(want) == 0 && !strings.Contains(tt.query, "status=") {
			t.Errorf("queue %q: the demo data has no ticket for it, so the test checks nothing", tt.query)
		}
	}
}

// An organisation is chosen by typing its name, with suggestions: a list of thousands of
// organisations in every queue page would cost more than the tickets.
func TestQueueOrganisationFilterByName(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	a := app.SignIn(t, andres)
	if _, err := app.DB.Exec(`INSERT INTO organisations (name) VALUES ('Second Customer Holding'), ('50% Off & Co_')`); err != nil {
		t.Fatal(err)
	}
	for query, msg := range map[string]string{
		"view=all&org_name=Nobody":          "No organisation has a name beginning so.",
		"view=all&org_name=Second+Customer": "Several organisations have a name beginning so: type more of it.",
		"view=all&org_name=%25":             "No organisation has a name beginning so.", // % is a letter, not a pattern
	} {
		p := a.Get(t, "/queue?"+query, http.StatusOK)
		if p.FieldError("org_name") != msg {
			t.Errorf("%s: message %q, want %q", query, p.FieldError("org_name"), msg)
		}
		if v := p.InputValue("org_name"); v == "" {
			t.Errorf("%s: the typed name is not kept", query)
		}
		if got := refs(p, "#queue"); len(got) != 0 {
			t.Errorf("%s lists %v, want nothing", query, got)
		}
	}
	p := a.Get(t, "/queue/organisations?org_name=second", http.StatusOK)
	var got []string
	p.Doc.Find("option").Each(func(_ int, o *goquery.Selection) { got = append(got, o.AttrOr("value", "")) })
	if want := []string{"Second Customer AS", "Second Customer Holding"}; !slices.Equal(got, want) {
		t.Errorf("suggestions for 'second': %q, want %q", got, want)
	}
	if p := a.Get(t, "/queue/organisations?org_name=50%25", http.StatusOK); p.Doc.Find("option").AttrOr("value", "") != "50% Off & Co_" {
		t.Errorf("suggestions for '50%%': %s", p.Body)
	}
	// A link by id shows the organisation's name in the field.
	if p := a.Get(t, "/queue?view=all&org="+orgID(t, app, jaan), http.StatusOK); p.InputValue("org_name") != "Second Customer AS" {
		t.Errorf("filtered by id, the field shows %q", p.InputValue("org_name"))
	}
}

func orgID(t *testing.T, app *apptest.App, email string) string {
	t.Helper()
	var id int64
	if err := app.DB.Get(&id, `SELECT org_id FROM users WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func TestQueuePagesAndRefreshes(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: nov(23, 9, 0)}
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	c := app.SignIn(t, jaan)
	for i := range 40 {
		clock.set(nov(23, 9, i))
		open(t, app, c, fmt.Sprintf("Paged %02d", i))
	}
	a := app.SignIn(t, kadri)
	unassigned := `t.status IN ('new', 'open', 'waiting', 'on_hold') AND t.assignee_id IS NULL`
	want := dbRefs(t, app, unassigned)
	if got := queueRefs(t, a, "view=unassigned"); !slices.Equal(got, want) {
		t.Errorf("paging by due time: %d tickets %v, want %d %v", len(got), got, len(want), want)
	}
	first := a.Get(t, "/queue?view=unassigned", http.StatusOK)
	if n := len(refs(first, "#queue")); n != 25 {
		t.Errorf("the first page has %d rows, want 25", n)
	}

	// By latest activity: newest first, and every ticket once.
	var byUpdated []string
	err := app.DB.Select(&byUpdated, `SELECT 'T-' || extract(year FROM t.created_at AT TIME ZONE 'Europe/Tallinn') || '-' || lpad(t.id::text, 5, '0')
		FROM tickets t WHERE `+unassigned+` ORDER BY t.updated_at DESC, t.id DESC`)
	if err != nil {
		t.Fatal(err)
	}
	if got := queueRefs(t, a, "view=unassigned&sort=updated"); !slices.Equal(got, byUpdated) {
		t.Errorf("paging by last update: %v, want %v", got, byUpdated)
	}

	// The table no longer polls: the page follows the live queue of its view (live_test.go
	// has the rows arrive), and a route still sends the table alone.
	if first.Doc.Find("#queue-table[hx-trigger]").Length() != 0 {
		t.Error("the table still polls")
	}
	if src, _ := first.Doc.Find("#queue-live").Attr("sse-connect"); !strings.HasPrefix(src, "/queue/live?") || !strings.Contains(src, "view=unassigned") {
		t.Fatalf("the queue's live stream: %q", src)
	}
}

func TestBreachingSoon(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: nov(23, 9, 0)}
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	c := app.SignIn(t, jaan)
	early := open(t, app, c, "Early") // first response due 13:00
	clock.set(nov(23, 12, 0))         //
	late := open(t, app, c, "Later")  // due 16:00
	a := app.SignIn(t, andres)        //
	clock.set(nov(23, 12, 30))        // early is due within two business hours, late not
	p := a.Get(t, "/queue?view=breaching", http.StatusOK)
	ids := func(p *apptest.Page) []string {
		var out []string
		p.Doc.Find("#queue tbody tr[data-ticket]").Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("data-ticket", "")) })
		return out
	}
	if got := ids(p); !slices.Contains(got, strconv.FormatInt(early, 10)) || slices.Contains(got, strconv.FormatInt(late, 10)) {
		t.Errorf("breaching soon at 12:30 lists %v; want %d and not %d", got, early, late)
	}
	if cls, _ := p.Doc.Find(fmt.Sprintf(`tr[data-ticket="%d"] .due`, early)).Attr("class"); !strings.Contains(cls, "warn") {
		t.Errorf("a clock past its warning point is shown as %q", cls)
	}
	clock.set(nov(23, 14, 30)) // early is breached, late due within two hours
	p = a.Get(t, "/queue?view=breaching", http.StatusOK)
	if cls, _ := p.Doc.Find(fmt.Sprintf(`tr[data-ticket="%d"] .due`, early)).Attr("class"); !strings.Contains(cls, "breach") {
		t.Errorf("a breached clock is shown as %q", cls)
	}
	if got := ids(p); !slices.Contains(got, strconv.FormatInt(late, 10)) {
		t.Errorf("at 14:30 the ticket due at 16:00 is not breaching soon: %v", got)
	}
}

func TestTakeIt(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	id := open(t, app, app.SignIn(t, mari), "Take me")
	a := app.SignIn(t, kadri)
	q := a.Get(t, "/queue?view=unassigned", http.StatusOK)
	form := q.Doc.Find(fmt.Sprintf(`tr[data-ticket="%d"] form.take`, id))
	action, _ := form.Attr("action")
	if action != path(id, "/take") {
		t.Fatalf("the unassigned queue offers no Take it for the new ticket: %q", action)
	}
	p := a.Post(t, action, nil, http.StatusSeeOther)
	if p.Location() != path(id, "") {
		t.Fatalf("take: went to %q", p.Location())
	}
	page := a.Get(t, path(id, ""), http.StatusOK)
	if s := page.Text("#assignee strong"); s != "Kadri Kask" {
		t.Errorf("assignee %q", s)
	}
	if page.Doc.Find("#take-form").Length() != 0 {
		t.Error("Take it is still offered to the assignee")
	}
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = 'ticket.assign' AND object_id = $1 AND actor_user_id = $2`,
		strconv.FormatInt(id, 10), userID(t, app.DB, kadri)); n != 1 {
		t.Errorf("%d ticket.assign events, want 1", n)
	}
	if got := refs(a.Get(t, "/queue?view=unassigned", http.StatusOK), "#queue"); slices.Contains(got, page.Text("h1 .ref")) {
		t.Error("the taken ticket is still unassigned")
	}
	if got := refs(a.Get(t, "/queue?view=mine", http.StatusOK), "#queue"); !slices.Contains(got, page.Text("h1 .ref")) {
		t.Error("the taken ticket is not in Mine")
	}
}

func TestFieldChangesSwapThePanel(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: nov(23, 10, 0)}
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	id := open(t, app, app.SignIn(t, mari), "Fields")
	a := app.SignIn(t, andres)
	page := a.Get(t, path(id, ""), http.StatusOK)
	for _, f := range []string{"#field-status", "#field-priority", "#field-category", "#field-assignee", "#field-team"} {
		form := page.Doc.Find(f)
		if post, _ := form.Attr("hx-post"); post != path(id, "/fields") {
			t.Errorf("%s posts to %q", f, post)
		}
		if target, _ := form.Attr("hx-target"); target != "#ticket-panel" {
			t.Errorf("%s swaps %q", f, target)
		}
	}
	kadriID := strconv.FormatInt(userID(t, app.DB, kadri), 10)
	billing := strconv.FormatInt(categoryID(t, app.DB, "Billing"), 10)
	var team string
	app.DB.Get(&team, `SELECT id::text FROM teams WHERE name = 'User Support'`)

	for _, tt := range []struct {
		field, value, action, shown string
	}{
		{"status", "on_hold", "ticket.status", "On hold"},
		{"priority", "urgent", "ticket.priority", "Urgent"},
		{"category_id", billing, "ticket.category", "Billing"},
		{"assignee_id", kadriID, "ticket.assign", "Kadri Kask"},
		{"assignee_id", "", "ticket.assign", "Nobody"},
		{"team_id", "", "ticket.team", "No team"},
		{"team_id", team, "ticket.team", "User Support"},
		{"status", "solved", "ticket.status", "Solved"},
		{"status", "open", "ticket.reopen", "Open"},
	} {
		before := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = $1 AND object_id = $2`, tt.action, strconv.FormatInt(id, 10))
		values := page.Doc.Find("#field-" + strings.TrimSuffix(tt.field, "_id")).Length()
		if values != 1 {
			t.Fatalf("no form for %s", tt.field)
		}
		p := a.Post(t, path(id, "/fields"), url.Values{tt.field: {tt.value}}, http.StatusOK, "HX-Request", "true")
		if strings.Contains(p.Body, "<html") || strings.Contains(p.Body, "conversation") || p.Doc.Find("aside#ticket-panel").Length() != 1 {
			t.Errorf("%s=%s: the answer is not the panel alone", tt.field, tt.value)
		}
		if s := p.Text(".saved"); s != "Saved." {
			t.Errorf("%s=%s: the panel says %q", tt.field, tt.value, s)
		}
		sel := p.Doc.Find("#" + tt.field + " option[selected]")
		if got := strings.TrimSpace(sel.Text()); got != tt.shown && !(tt.shown == "Nobody" || tt.shown == "No team") {
			t.Errorf("%s=%s: the panel shows %q selected, want %q", tt.field, tt.value, got, tt.shown)
		}
		after := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = $1 AND object_id = $2`, tt.action, strconv.FormatInt(id, 10))
		if after != before+1 {
			t.Errorf("%s=%s: %d new %s events, want 1", tt.field, tt.value, after-before, tt.action)
		}
	}
	var got struct {
		Status   string  `db:"status"`
		Priority string  `db:"priority"`
		Category string  `db:"category"`
		Assignee *int64  `db:"assignee_id"`
		Team     *string `db:"team"`
	}
	app.DB.Get(&got, `SELECT status, priority, category_id::text AS category, assignee_id, team_id::text AS team FROM tickets WHERE id = $1`, id)
	if got.Status != "open" || got.Priority != "urgent" || got.Category != billing || got.Assignee != nil || got.Team == nil || *got.Team != team {
		t.Errorf("ticket after the changes: %+v", got)
	}

	// Nothing changes when nothing is new: no event.
	before := take(t, app.DB)
	a.Post(t, path(id, "/fields"), url.Values{"priority": {"urgent"}}, http.StatusOK, "HX-Request", "true")
	before.unchanged(t, app.DB, "setting the priority it has")

	// Bad values come back as 422 with a message beside the field, and change nothing.
	employee := strconv.FormatInt(userID(t, app.DB, eva), 10)
	for _, tt := range []struct{ field, value string }{
		{"status", "lost"}, {"status", "new"}, {"priority", "whenever"}, {"category_id", "999999"},
		{"assignee_id", employee}, {"team_id", "999999"}, {"assignee_id", "x"},
	} {
		p := a.Post(t, path(id, "/fields"), url.Values{tt.field: {tt.value}}, http.StatusUnprocessableEntity, "HX-Request", "true")
		if p.FieldError(tt.field) == "" || p.Doc.Find("aside#ticket-panel").Length() != 1 {
			t.Errorf("%s=%s: message %q", tt.field, tt.value, p.FieldError(tt.field))
		}
	}
	before.unchanged(t, app.DB, "refused field changes")

	// Without htmx, the form is redirected back to the ticket.
	p := a.Post(t, path(id, "/fields"), url.Values{"priority": {"low"}}, http.StatusSeeOther)
	if p.Location() != path(id, "") {
		t.Errorf("plain form: went to %q", p.Location())
	}
}

// TestClocksThroughATicketsLife drives a ticket through its life over HTTP with the
// clock set, and checks the stored clocks against sla.Timer on the default calendar.
func TestClocksThroughATicketsLife(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: nov(23, 10, 0)}
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	cal := calendar.Default()
	ps, err := sla.NewStore(app.DB).Policies(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	policy := map[sla.Priority]sla.Policy{}
	for _, p := range ps {
		policy[p.Priority] = p
	}
	normal, high := policy[sla.Normal], policy[sla.High]

	c, a := app.SignIn(t, mari), app.SignIn(t, andres)
	id := open(t, app, c, "Clocks") // normal priority

	type stored struct {
		Metric  string     `db:"metric"`
		Due     *time.Time `db:"due_at"`
		Warn    *time.Time `db:"warn_at"`
		Stopped *time.Time `db:"stopped_at"`
		Used    int64      `db:"used_seconds"`
		Target  int64      `db:"target_seconds"`
	}
	clocks := func() map[string]stored {
		var rows []stored
		if err := app.DB.Select(&rows, `SELECT metric, due_at, warn_at, stopped_at, used_seconds, target_seconds FROM ticket_clocks WHERE ticket_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		m := map[string]stored{}
		for _, r := range rows {
			m[r.Metric] = r
		}
		return m
	}
	nextDue := func() *time.Time {
		var d *time.Time
		app.DB.Get(&d, `SELECT next_due_at FROM tickets WHERE id = $1`, id)
		return d
	}
	// expect checks a clock against a timer: its due and warning time, stop and use.
	expect := func(step, metric string, tm sla.Timer, warnPercent int) {
		t.Helper()
		got, ok := clocks()[metric]
		if !ok {
			t.Errorf("%s: no %s clock", step, metric)
			return
		}
		same := func(p *time.Time, want time.Time) bool {
			return (p == nil && want.IsZero()) || (p != nil && p.Equal(want))
		}
		if !same(got.Due, tm.Due(cal)) || !same(got.Warn, tm.WarnAt(cal, warnPercent)) || !same(got.Stopped, tm.StoppedAt) ||
			got.Used != int64(tm.Used/time.Second) || got.Target != int64(tm.Target/time.Second) {
			t.Errorf("%s: %s stored as due %v, warn %v, stopped %v, used %ds of %ds; the timer says due %v, warn %v, stopped %v, used %v of %v",
				step, metric, got.Due, got.Warn, got.Stopped, got.Used, got.Target, tm.Due(cal), tm.WarnAt(cal, warnPercent), tm.StoppedAt, tm.Used, tm.Target)
		}
	}

	// Created Monday 10:00.
	first := sla.Start(normal.FirstResponse, nov(23, 10, 0))
	resolution := sla.Start(normal.Resolution, nov(23, 10, 0))
	expect("created", "first_response", first, normal.WarnPercent)
	expect("created", "resolution", resolution, normal.WarnPercent)
	if !first.Due(cal).Equal(nov(23, 14, 0)) {
		t.Errorf("the default policy changed: first response due %v", first.Due(cal))
	}
	if d := nextDue(); d == nil || !d.Equal(nov(23, 14, 0)) {
		t.Errorf("next due %v, want the first response's", d)
	}
	// The agent's page says so, in support time.
	pg := a.Get(t, path(id, ""), http.StatusOK)
	if s := pg.Text(`#clocks [data-metric="first_response"]`); !strings.Contains(s, "Due Monday 23 Nov 14:00 EET, in 4 h of support time") {
		t.Errorf("the first-response clock reads %q", s)
	}
	// And carries the instants it turns amber and red at (static/js/live.js), the
	// stored ones.
	fr := pg.Doc.Find(`#clocks [data-metric="first_response"]`)
	if w, d := fr.AttrOr("data-warn-at", ""), fr.AttrOr("data-due-at", ""); w != first.WarnAt(cal, normal.WarnPercent).UTC().Format(jsInstant) ||
		d != "2026-11-23T12:00:00.000Z" || !fr.HasClass("ok") {
		t.Errorf("the first-response clock: class %q, turns amber at %q and red at %q", fr.AttrOr("class", ""), w, d)
	}

	// Monday 11:00: the agent replies and waits: first response met, resolution paused.
	clock.set(nov(23, 11, 0))
	a.Post(t, path(id, "/reply"), url.Values{"body": {"Which one?"}, "then": {"wait"}}, http.StatusSeeOther)
	first = first.Stop(cal, nov(23, 11, 0))
	resolution = resolution.Pause(cal, nov(23, 11, 0))
	expect("answered", "first_response", first, normal.WarnPercent)
	expect("waiting", "resolution", resolution, normal.WarnPercent)
	if d := nextDue(); d != nil {
		t.Errorf("next due %v while waiting for the customer, want none", d)
	}
	if s := a.Get(t, path(id, ""), http.StatusOK).Text(`#clocks [data-metric="resolution"]`); !strings.Contains(s, "Paused while waiting for the customer; 39 h of support time left") {
		t.Errorf("the paused clock reads %q", s)
	}

	// Tuesday 10:00: the customer answers: next response starts, resolution resumes.
	clock.set(nov(24, 10, 0))
	c.Post(t, path(id, "/reply"), url.Values{"body": {"The big one."}}, http.StatusSeeOther)
	next := sla.Start(normal.NextResponse, nov(24, 10, 0))
	resolution = resolution.Resume(nov(24, 10, 0))
	expect("customer answered", "next_response", next, normal.WarnPercent)
	expect("customer answered", "resolution", resolution, normal.WarnPercent)
	if d := nextDue(); d == nil || !d.Equal(next.Due(cal)) {
		t.Errorf("next due %v, want the next response's %v", d, next.Due(cal))
	}

	// Tuesday 10:30: the priority goes up: the clocks that run are retargeted.
	clock.set(nov(24, 10, 30))
	a.Post(t, path(id, "/fields"), url.Values{"priority": {"high"}}, http.StatusOK, "HX-Request", "true")
	next, resolution = next.Retarget(high.NextResponse), resolution.Retarget(high.Resolution)
	first = first.Retarget(first.Target) // stopped: unchanged
	expect("priority high", "next_response", next, high.WarnPercent)
	expect("priority high", "resolution", resolution, high.WarnPercent)
	expect("priority high", "first_response", first, high.WarnPercent)
	if !next.Due(cal).Equal(nov(24, 14, 0)) {
		t.Errorf("next response due %v after raising the priority, want 14:00", next.Due(cal))
	}

	// Tuesday 12:00: the agent replies and keeps it open: next response met.
	clock.set(nov(24, 12, 0))
	a.Post(t, path(id, "/reply"), url.Values{"body": {"Fixed, please try."}, "then": {"open"}}, http.StatusSeeOther)
	next = next.Stop(cal, nov(24, 12, 0))
	expect("replied", "next_response", next, high.WarnPercent)
	expect("replied", "resolution", resolution, high.WarnPercent)

	// Wednesday 09:30: solved: resolution stops.
	clock.set(nov(25, 9, 30))
	a.Post(t, path(id, "/fields"), url.Values{"status": {"solved"}}, http.StatusOK, "HX-Request", "true")
	resolution = resolution.Stop(cal, nov(25, 9, 30))
	expect("solved", "resolution", resolution, high.WarnPercent)
	if d := nextDue(); d != nil {
		t.Errorf("next due %v when solved", d)
	}

	// Thursday 10:00: the customer reopens it: resolution runs on from what it used.
	clock.set(nov(26, 10, 0))
	c.Post(t, path(id, "/reopen"), nil, http.StatusSeeOther)
	resolution.StoppedAt = time.Time{}
	resolution = resolution.Resume(nov(26, 10, 0))
	expect("reopened", "resolution", resolution, high.WarnPercent)
	if d := nextDue(); d == nil || !d.Equal(resolution.Due(cal)) {
		t.Errorf("next due %v after reopening, want %v", d, resolution.Due(cal))
	}
}

func TestInternalNotesNeverReachCustomers(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	id := open(t, app, c, "Notes")
	a := app.SignIn(t, andres)
	const secret = "INTERNAL-ONLY: the customer's admin broke it"
	a.Post(t, path(id, "/compose"), url.Values{"kind": {"note"}, "body": {secret}}, http.StatusSeeOther)
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = 'ticket.note' AND object_id = $1`, strconv.FormatInt(id, 10)); n != 1 {
		t.Errorf("%d ticket.note events", n)
	}
	agentPage := a.Get(t, path(id, ""), http.StatusOK)
	if note := agentPage.Doc.Find("#conversation .message.internal"); note.Length() != 1 || !strings.Contains(note.Text(), secret) || !strings.Contains(note.Text(), "Internal note") {
		t.Errorf("the agent does not see the note marked internal: %q", note.Text())
	}
	a.Post(t, path(id, "/reply"), url.Values{"body": {"A public answer"}, "then": {"wait"}}, http.StatusSeeOther)

	// Every page and fragment a customer can get of this ticket.
	for _, r := range []struct {
		name string
		get  func() *apptest.Page
	}{
		{"ticket page", func() *apptest.Page { return c.Get(t, path(id, ""), http.StatusOK) }},
		{"ticket fragment", func() *apptest.Page { return c.Get(t, path(id, ""), http.StatusOK, "HX-Request", "true") }},
		{"boosted ticket page", func() *apptest.Page {
			return c.Get(t, path(id, ""), http.StatusOK, "HX-Request", "true", "HX-Boosted", "true")
		}},
		{"list", func() *apptest.Page { return c.Get(t, "/tickets", http.StatusOK) }},
		{"list fragment", func() *apptest.Page { return c.Get(t, "/tickets", http.StatusOK, "HX-Request", "true") }},
		{"refused reply", func() *apptest.Page {
			return c.Post(t, path(id, "/reply"), url.Values{"body": {""}}, http.StatusUnprocessableEntity)
		}},
		{"refused reply fragment", func() *apptest.Page {
			return c.Post(t, path(id, "/reply"), url.Values{"body": {""}}, http.StatusUnprocessableEntity, "HX-Request", "true")
		}},
		{"home", func() *apptest.Page { return c.Get(t, "/", http.StatusOK) }},
	} {
		p := r.get()
		if strings.Contains(p.Body, "INTERNAL-ONLY") || strings.Contains(p.Body, "Internal note") {
			t.Errorf("%s (%d) shows the internal note", r.name, p.Status)
		}
	}
	if s := c.Get(t, path(id, ""), http.StatusOK).Text("#conversation"); !strings.Contains(s, "A public answer") {
		t.Errorf("the customer does not see the public answer: %q", s)
	}
	// A customer cannot write one.
	before := take(t, app.DB)
	c.Post(t, path(id, "/compose"), url.Values{"kind": {"note"}, "body": {"mine"}}, http.StatusForbidden)
	before.unchanged(t, app.DB, "a customer's note")
}

func TestStaffWithoutTicketsAreRefused(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	id := open(t, app, app.SignIn(t, mari), "Private matter")
	routes := map[string]string{
		"GET /queue": "", "GET /tickets": "", "GET /tickets/new": "",
		"GET " + path(id, ""): "", "POST " + path(id, "/reply"): "", "POST " + path(id, "/compose"): "",
		"POST " + path(id, "/fields"): "", "POST " + path(id, "/take"): "", "POST " + path(id, "/close"): "",
		"POST " + path(id, "/reopen"): "", "POST /tickets": "",
	}
	for _, email := range []string{eva, toomas} {
		c := app.SignIn(t, email)
		before := take(t, app.DB)
		for r := range routes {
			method, p, _ := strings.Cut(r, " ")
			var res *apptest.Page
			if method == http.MethodGet {
				res = c.Get(t, p, http.StatusForbidden)
			} else {
				res = c.Post(t, p, url.Values{"body": {"x"}, "note": {"x"}, "status": {"closed"}, "subject": {"x"}}, http.StatusForbidden)
			}
			if strings.Contains(res.Body, "Private matter") {
				t.Errorf("%s: %s %s shows the ticket", email, method, p)
			}
		}
		before.unchanged(t, app.DB, email)
		if nav := c.Get(t, "/", http.StatusOK).Text(".mainnav"); strings.Contains(nav, "Queue") || strings.Contains(nav, "Tickets") {
			t.Errorf("%s's navigation offers %q", email, nav)
		}
	}
	// Agents and the CISO see the queue and the ticket; an agent may not open a ticket as
	// a customer would.
	for _, email := range []string{andres, sirje} {
		c := app.SignIn(t, email)
		if p := c.Get(t, path(id, ""), http.StatusOK); !strings.Contains(p.Text("h1"), "Private matter") {
			t.Errorf("%s: ticket page headed %q", email, p.Text("h1"))
		}
		c.Get(t, "/queue", http.StatusOK)
		if nav := c.Get(t, "/", http.StatusOK).Text(".mainnav"); !strings.Contains(nav, "Queue") {
			t.Errorf("%s's navigation lacks the queue: %q", email, nav)
		}
		c.Get(t, "/tickets/new", http.StatusForbidden)
	}
}

func TestAgentHomeCounts(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	a := app.SignIn(t, andres)
	want := func(cond string, args ...any) string {
		return strconv.Itoa(count(t, app.DB, `SELECT count(*) FROM tickets WHERE status IN ('new', 'open', 'waiting', 'on_hold') AND `+cond, args...))
	}
	p := a.Get(t, "/", http.StatusOK)
	var got []string
	p.Doc.Find("#ticket-counts dd").Each(func(_ int, s *goquery.Selection) { got = append(got, s.Text()) })
	exp := []string{want(`assignee_id IS NULL`), want(`assignee_id = $1`, userID(t, app.DB, andres))}
	if !slices.Equal(got, exp) || exp[0] == "0" || exp[1] == "0" {
		t.Errorf("agent home counts %v, want %v (unassigned, mine), neither zero in the demo data", got, exp)
	}
	if c := app.SignIn(t, mari).Get(t, "/", http.StatusOK); c.Doc.Find(`#home-customer a[href="/tickets/new"]`).Length() != 1 || c.Doc.Find(`#home-customer a[href="/tickets"]`).Length() != 1 {
		t.Error("the customer's home does not link to their tickets and a new one")
	}
}
