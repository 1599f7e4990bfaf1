package ticket_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tugi/app/apptest"
)

// TestQueueRows: each row names the requester, says when the ticket is due from now
// with the time itself on hover, and offers "Take it" on a ticket nobody has but
// "Take over" on a colleague's.
func TestQueueRows(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	free := open(t, app, c, "Nobody has me")
	kadris := open(t, app, c, "Kadri has me")
	app.SignIn(t, kadri).Post(t, path(kadris, "/take"), nil, http.StatusSeeOther)
	a := app.SignIn(t, andres)
	q := a.Get(t, "/queue?view=all", http.StatusOK)
	row := func(id int64) string { return fmt.Sprintf(`tr[data-ticket="%d"]`, id) }
	if s := q.Text(row(free) + " td.requester"); s != "Mari Maasikas" {
		t.Errorf("the requester column reads %q", s)
	}
	due := q.Doc.Find(row(free) + " .due")
	if !regexp.MustCompile(`^(in|overdue) \d+ (min|h|days)`).MatchString(strings.TrimSpace(due.Text())) {
		t.Errorf("the due time reads %q, want it relative to now", due.Text())
	}
	if title, _ := due.Attr("title"); !regexp.MustCompile(`\d\d:\d\d (EET|EEST)$`).MatchString(title) {
		t.Errorf("the due time's hover text is %q, want the time with its zone", title)
	}
	// A running clock's cell carries the instants it turns amber and red, so the open
	// page turns it then by itself; a breached one carries none.
	warnAt, dueAt := time.Now().Add(time.Hour).UTC().Truncate(time.Second), time.Now().Add(2*time.Hour).UTC().Truncate(time.Second)
	app.DB.MustExec(`UPDATE ticket_clocks SET warn_at = $2, breached = false WHERE ticket_id = $1`, free, warnAt)
	app.DB.MustExec(`UPDATE tickets SET next_due_at = $2 WHERE id = $1`, free, dueAt)
	app.DB.MustExec(`UPDATE ticket_clocks SET breached = true WHERE ticket_id = $1`, kadris)
	q = a.Get(t, "/queue?view=all", http.StatusOK)
	due = q.Doc.Find(row(free) + " .due")
	if w, d := due.AttrOr("data-warn-at", ""), due.AttrOr("data-due-at", ""); w != warnAt.Format(jsInstant) || d != dueAt.Format(jsInstant) || !due.HasClass("ok") {
		t.Errorf("the running clock's cell: class %q, turns amber at %q and red at %q; want ok, %s and %s", due.AttrOr("class", ""), w, d,
			warnAt.Format(jsInstant), dueAt.Format(jsInstant))
	}
	breached := q.Doc.Find(row(kadris) + " .due")
	if _, ok := breached.Attr("data-due-at"); ok || !breached.HasClass("breach") {
		t.Errorf("the breached clock's cell: class %q, data-due-at %v: want breach and no instants", breached.AttrOr("class", ""), ok)
	}
	if s := q.Text(row(free) + " form.take button"); s != "Take it" {
		t.Errorf("a free ticket offers %q", s)
	}
	if s := q.Text(row(kadris) + " form.take button"); s != "Take over" {
		t.Errorf("Kadri's ticket offers %q, want Take over", s)
	}
	if s := q.Text(row(free) + " td.subject a"); s != "Nobody has me" {
		t.Errorf("the subject cell reads %q", s)
	}
	// On the ticket's own page too.
	if s := a.Get(t, path(kadris, ""), http.StatusOK).Text("#take-form button"); s != "Take over" {
		t.Errorf("Kadri's ticket's page offers %q", s)
	}
}

// TestBulkActions: the agent selects rows and changes their assignee, status or
// priority at once; each ticket gets its own audit event, and a ticket that cannot be
// changed is named while the others change.
func TestBulkActions(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	one, two := open(t, app, c, "Bulk one"), open(t, app, c, "Bulk two")
	a := app.SignIn(t, andres)
	q := a.Get(t, "/queue?view=unassigned", http.StatusOK)
	if q.Doc.Find(fmt.Sprintf(`input[name=ids][value="%d"][form=bulk-form]`, one)).Length() != 1 {
		t.Fatal("the row has no checkbox for the bulk form")
	}
	f := q.FormValues("#bulk-form")
	f["ids"] = []string{strconv.FormatInt(one, 10), strconv.FormatInt(two, 10)}
	f.Set("bulk_assignee", strconv.FormatInt(userID(t, app.DB, kadri), 10))
	f.Set("bulk_priority", "high")
	p := a.Post(t, "/queue/bulk", f, http.StatusSeeOther)
	if p.Location() != "/queue?view=unassigned" {
		t.Errorf("after the bulk action: %q", p.Location())
	}
	if flash := a.Get(t, p.Location(), http.StatusOK).Text(".flash"); !strings.Contains(flash, "2 of 2 tickets changed.") {
		t.Errorf("flash %q", flash)
	}
	for _, id := range []int64{one, two} {
		oid := strconv.FormatInt(id, 10)
		if n := count(t, app.DB, `SELECT count(*) FROM tickets WHERE id = $1 AND priority = 'high' AND assignee_id = $2`, id, userID(t, app.DB, kadri)); n != 1 {
			t.Errorf("ticket %d was not changed", id)
		}
		if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE object_id = $1 AND action IN ('ticket.assign', 'ticket.priority') AND actor_user_id = $2`, oid, userID(t, app.DB, andres)); n != 2 {
			t.Errorf("ticket %d has %d audit events of the bulk action, want its own 2", id, n)
		}
	}
	// A closed ticket cannot be set back to new; a ticket of no one's is not found:
	// named, and the others still change.
	a.Post(t, "/queue/bulk", url.Values{"ids": {strconv.FormatInt(one, 10), "999999"}, "bulk_status": {"on_hold"}, "back": {"view=all"}}, http.StatusSeeOther)
	flash := a.Get(t, "/queue?view=all", http.StatusOK).Text(".flash")
	if !strings.Contains(flash, "1 of 2 tickets changed.") || !strings.Contains(flash, "#999999: not found") {
		t.Errorf("flash %q", flash)
	}
	before := take(t, app.DB)
	a.Post(t, "/queue/bulk", url.Values{"ids": {strconv.FormatInt(two, 10)}, "bulk_status": {"new"}}, http.StatusUnprocessableEntity)
	a.Post(t, "/queue/bulk", url.Values{"ids": {strconv.FormatInt(two, 10)}}, http.StatusSeeOther)
	before.unchanged(t, app.DB, "bulk actions without a change")
	app.SignIn(t, mari).Post(t, "/queue/bulk", url.Values{"ids": {strconv.FormatInt(two, 10)}, "bulk_status": {"closed"}}, http.StatusForbidden)
}

// TestSavedViews: an agent saves the queue's filters under a name, finds them as a tab,
// and deletes them; names are their own, and another agent neither sees nor deletes them.
func TestSavedViews(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	open(t, app, app.SignIn(t, mari), "Urgent matter")
	a := app.SignIn(t, andres)
	q := a.Get(t, "/queue?view=all&priority=normal&sort=updated&after=x_1", http.StatusBadRequest)
	q = a.Get(t, "/queue?view=all&priority=normal&sort=updated", http.StatusOK)
	f := q.FormValues("#save-view")
	f.Set("view_name", "Normal ones")
	p := a.Post(t, "/queue/views", f, http.StatusSeeOther)
	if p.Location() != "/queue?priority=normal&sort=updated&view=all" {
		t.Errorf("saving went to %q", p.Location())
	}
	q = a.Get(t, p.Location(), http.StatusOK)
	tab := q.Doc.Find("#queue-views a.saved-view")
	if strings.TrimSpace(tab.Text()) != "★ Normal ones" || tab.AttrOr("aria-current", "") != "page" {
		t.Errorf("the saved view's tab: %q current=%q", tab.Text(), tab.AttrOr("aria-current", ""))
	}
	// The same name again, in another case: refused beside the field, nothing saved.
	before := take(t, app.DB)
	f.Set("view_name", "normal ONES")
	f.Set("form_token", "")
	if p := a.Post(t, "/queue/views", f, http.StatusUnprocessableEntity); p.FieldError("view_name") != "You have a view of this name already." || p.InputValue("view_name") != "normal ONES" {
		t.Errorf("a second view of the name: %q", p.FieldError("view_name"))
	}
	before.unchanged(t, app.DB, "a refused view")
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = 'queue_view.create'`); n != 1 {
		t.Errorf("%d queue_view.create events, want 1", n)
	}
	// Kadri does not see it, and cannot delete it.
	k := app.SignIn(t, kadri)
	if k.Get(t, "/queue", http.StatusOK).Doc.Find("#queue-views a.saved-view").Length() != 0 {
		t.Error("Kadri sees Andres's saved view")
	}
	del, _ := q.Doc.Find("#delete-view").Attr("action")
	k.Post(t, del, nil, http.StatusNotFound)
	a.Post(t, del, nil, http.StatusSeeOther)
	if a.Get(t, "/queue", http.StatusOK).Doc.Find("#queue-views a.saved-view").Length() != 0 {
		t.Error("the deleted view is still a tab")
	}
}

// jsInstant is how a page writes the instants its script turns clocks at (whole
// milliseconds, UTC).
const jsInstant = "2006-01-02T15:04:05.000Z07:00"
