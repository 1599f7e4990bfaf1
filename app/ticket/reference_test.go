package ticket_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
)

// options returns the labels of the options of the select sel on page p.
func options(p *apptest.Page, sel string) []string {
	var labels []string
	p.Doc.Find(sel + " option").Each(func(_ int, o *goquery.Selection) { labels = append(labels, o.Text()) })
	return labels
}

func offers(p *apptest.Page, sel, label string) bool {
	for _, l := range options(p, sel) {
		if l == label {
			return true
		}
	}
	return false
}

// Each Tugi process keeps its own copies of the reference data (package reference); a
// change made through one process, or straight in the database, shows on the very next
// page another process serves.
func TestReferenceCopiesFollowChanges(t *testing.T) {
	t.Parallel()
	a := apptest.New(t)
	b := a.Beside(t)
	version := func() int64 {
		t.Helper()
		var v int64
		if err := a.DB.Get(&v, `SELECT version FROM reference_version`); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := version()
	agentA := a.SignIn(t, andres)
	agentB := agentA.On(b)
	adminA := a.SignIn(t, toomas)
	mariB := a.SignIn(t, mari).On(b)
	if v := version(); v != before {
		t.Errorf("signing in moved the reference version from %d to %d: every copy would be read again", before, v)
	}

	// B reads its copies once.
	if q := agentB.Get(t, "/queue", http.StatusOK); !offers(q, "#assignee", "Kadri Kask") {
		t.Fatalf("B's queue: assignees %q", options(q, "#assignee"))
	}
	if f := mariB.Get(t, "/tickets/new", http.StatusOK); !offers(f, "#category_id", "Question") {
		t.Fatalf("B's new-ticket form offers %q", options(f, "#category_id"))
	}
	id := open(t, a, mariB, "Printing fails")
	if p := agentB.Get(t, path(id, ""), http.StatusOK); offers(p, "#canned_id", "Printer checklist") {
		t.Fatalf("B's ticket page: canned replies %q", options(p, "#canned_id"))
	}

	// An agent deactivated through A is no longer offered by B.
	kadriID := strconv.FormatInt(userID(t, a.DB, kadri), 10)
	adminA.Post(t, "/admin/users/"+kadriID+"/deactivate", nil, http.StatusSeeOther)
	if q := agentB.Get(t, "/queue", http.StatusOK); offers(q, "#assignee", "Kadri Kask") {
		t.Errorf("B still offers the deactivated agent: %q", options(q, "#assignee"))
	}

	// A canned reply saved through A is offered on B's ticket page.
	agentA.Post(t, "/queue/canned", url.Values{"title": {"Printer checklist"}, "body": {"Is it switched on?"}}, http.StatusSeeOther)
	if p := agentB.Get(t, path(id, ""), http.StatusOK); !offers(p, "#canned_id", "Printer checklist") {
		t.Errorf("B's ticket page offers %q", options(p, "#canned_id"))
	}

	// A routing rule added through A routes the next ticket B creates.
	var billingTeam int64
	if err := a.DB.Get(&billingTeam, `INSERT INTO teams (name) VALUES ('Billing') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	rule := url.Values{"team_id": {strconv.FormatInt(billingTeam, 10)}, "words": {"invoice"}}
	adminA.Post(t, "/admin/routing", rule, http.StatusSeeOther)
	routed := open(t, a, mariB, "Wrong invoice")
	var team int64
	if err := a.DB.Get(&team, `SELECT team_id FROM tickets WHERE id = $1`, routed); err != nil {
		t.Fatal(err)
	}
	if team != billingTeam {
		t.Errorf("the ticket B created went to team %d, want the new rule's %d", team, billingTeam)
	}

	// A category renamed in the database, as a migration would, is named so by B.
	if _, err := a.DB.Exec(`UPDATE categories SET name = 'Questions and answers' WHERE name = 'Question'`); err != nil {
		t.Fatal(err)
	}
	if f := mariB.Get(t, "/tickets/new", http.StatusOK); !offers(f, "#category_id", "Questions and answers") {
		t.Errorf("B's form offers %q after the rename", options(f, "#category_id"))
	}
}
