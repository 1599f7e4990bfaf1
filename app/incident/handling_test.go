package incident_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/incident"
)

// An evidence download is an event of the chain of custody, listed on the incident; to
// anyone who may not see the incident in full it is not found, and nothing is recorded.
func TestEvidenceDownloadIsAudited(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	path, inc := newIncident(t, app)
	file := evidencePath(t, app, path)
	count := func() int {
		var n int
		if err := app.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'incident.evidence_download' AND object_id = $1`,
			strconv.FormatInt(inc.ID, 10)); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, who := range []string{agent2, employee2} {
		app.SignIn(t, who).Get(t, file, map[string]int{agent2: 404, employee2: 403}[who])
	}
	if n := count(); n != 0 {
		t.Errorf("%d downloads recorded for refused requests", n)
	}
	p := app.SignIn(t, agent).Get(t, file, http.StatusOK)
	if p.Body != "08:14 badge 1234 server room\n" || !strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %q, %q", p.Body, p.Header.Get("Content-Disposition"))
	}
	if n := count(); n != 1 {
		t.Errorf("%d downloads recorded, want 1", n)
	}
	page := app.SignIn(t, ciso).Get(t, path, http.StatusOK)
	custody := page.Text("#custody")
	if !strings.Contains(custody, "Uploaded") || !strings.Contains(custody, "Downloaded") || !strings.Contains(custody, "Andres Agent") {
		t.Errorf("chain of custody: %q", custody)
	}
	var sha string
	app.DB.Get(&sha, `SELECT sha256 FROM incident_evidence WHERE incident_id = $1`, inc.ID)
	if len(sha) != 64 || !strings.Contains(page.Text("#evidence-list"), sha) {
		t.Errorf("the evidence list does not show the SHA-256 %q: %q", sha, page.Text("#evidence-list"))
	}
}

// A high or critical incident cannot close without its post-incident review; once it is
// written, it closes. A low one closes without. Closing is the CISO's alone.
func TestClosingRules(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	ctx := context.Background()
	svc := service(app)
	cisoV, agentV := viewer(t, app, ciso), viewer(t, app, agent)
	job := audit.Job("test")
	for _, c := range []struct {
		urgency incident.Urgency
		review  bool
	}{{incident.UrgencyHigh, true}, {incident.UrgencyLow, false}} {
		_, inc := newIncident(t, app)
		// Impact high: with high urgency critical, with low urgency medium.
		if err := svc.Classify(ctx, job, agentV, inc.ID, incident.Classification{Class: "intrusions", Type: "burglary",
			C: incident.LevelHigh, I: incident.LevelNone, A: incident.LevelNone, Urgency: c.urgency}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []incident.State{incident.Triage, incident.Investigating, incident.Resolved} {
			if err := svc.Move(ctx, job, agentV, inc.ID, s, ""); err != nil {
				t.Fatalf("handler moving to %s: %v", s, err)
			}
		}
		if err := svc.Move(ctx, job, agentV, inc.ID, incident.Closed, ""); !errors.Is(err, incident.ErrNotAllowed) {
			t.Errorf("a handler closing: %v, want ErrNotAllowed", err)
		}
		err := svc.Move(ctx, job, cisoV, inc.ID, incident.Closed, "")
		var refused *incident.CloseRefusedError
		if c.review {
			if !errors.As(err, &refused) || !strings.Contains(strings.Join(refused.Reasons, " "), "post-incident review") {
				t.Fatalf("closing a critical incident without review: %v", err)
			}
			page := app.SignIn(t, ciso).Post(t, incident.Path(inc.ID)+"/state", url.Values{"state": {"closed"}}, http.StatusUnprocessableEntity)
			if !strings.Contains(page.FieldError("state"), "post-incident review") || !strings.Contains(page.Text("#close-reasons"), "post-incident review") {
				t.Errorf("the page does not say why: %q / %q", page.FieldError("state"), page.Text("#close-reasons"))
			}
			if err := svc.WriteReview(ctx, job, agentV, inc.ID, incident.Review{WhatHappened: "A badge was cloned.",
				RootCause: "Old badge readers.", Changes: "New readers.", Lessons: "Audit readers yearly."}); err != nil {
				t.Fatal(err)
			}
			err = svc.Move(ctx, job, cisoV, inc.ID, incident.Closed, "")
		}
		if err != nil {
			t.Errorf("urgency %s: closing: %v", c.urgency, err)
		}
		got, err := incident.NewStore(app.DB).Get(ctx, incident.ScopeOf(cisoV), inc.ID)
		if err != nil || got.State != incident.Closed || got.ClosedAt == nil {
			t.Errorf("urgency %s: after closing: %+v, %v", c.urgency, got, err)
		}
	}
}

// Who may make which move: the reporter none, a handler those of handling, the CISO also
// "not an incident" (with a reason) and closing; a move the states do not allow is
// refused to everyone.
func TestStateMoves(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	path, _ := newIncident(t, app)
	reporter, handler, cisoC := app.SignIn(t, employee), app.SignIn(t, agent), app.SignIn(t, ciso)
	reporter.Post(t, path+"/state", url.Values{"state": {"triage"}}, http.StatusForbidden)
	handler.Post(t, path+"/state", url.Values{"state": {"not_incident"}, "not_incident_reason": {"No"}}, http.StatusForbidden)
	p := handler.Post(t, path+"/state", url.Values{"state": {"resolved"}}, http.StatusUnprocessableEntity)
	if p.FieldError("state") == "" {
		t.Error("a move the states do not allow says nothing beside the field")
	}
	handler.Post(t, path+"/state", url.Values{"state": {"triage"}}, http.StatusSeeOther)
	p = cisoC.Post(t, path+"/state", url.Values{"state": {"not_incident"}}, http.StatusUnprocessableEntity)
	if p.FieldError("not_incident_reason") == "" {
		t.Error("not an incident without a reason: no message beside the field")
	}
	cisoC.Post(t, path+"/state", url.Values{"state": {"not_incident"}, "not_incident_reason": {"A drill."}}, http.StatusSeeOther)
	if got := cisoC.Get(t, path, http.StatusOK).Text("#incident-state"); got != "Not an incident" {
		t.Errorf("state shown: %q", got)
	}
	if got := reporter.Get(t, path, http.StatusOK).Text("#incident-status"); got != "Not an incident" {
		t.Errorf("the reporter's view of the state: %q", got)
	}
	handler.Post(t, path+"/state", url.Values{"state": {"investigating"}}, http.StatusUnprocessableEntity)
}

// The report form sent twice (a double click, the back button) makes one incident.
func TestDoubleSubmitMakesOneIncident(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, employee2)
	went := c.SendTwice(t, "/incidents/new", "#report-incident", "/incidents/new", url.Values{"summary": {"Sent twice"}})
	var n int
	app.DB.Get(&n, `SELECT count(*) FROM incidents WHERE summary = 'Sent twice'`)
	if n != 1 {
		t.Errorf("%d incidents made, want 1", n)
	}
	if !strings.HasPrefix(went, "/incidents/") {
		t.Errorf("went to %q", went)
	}
}

// A report without "what happened" comes back with a message beside that field and the
// rest of the input kept; nothing is written.
func TestReportValidation(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, employee)
	p := c.Post(t, "/incidents/new", url.Values{"summary": {"  "}, "system_or_data": {"Payroll"}, "personal_data": {"yes"},
		"organisations": {"No Such Org"}}, http.StatusUnprocessableEntity)
	if p.FieldError("summary") == "" {
		t.Error("no message beside what happened")
	}
	if p.FieldError("organisations") == "" {
		t.Error("an organisation no one is called: no message")
	}
	if p.InputValue("system_or_data") != "Payroll" || p.Doc.Find(`input[name="personal_data"][value="yes"][checked]`).Length() != 1 {
		t.Error("the input was not kept")
	}
	var n int
	app.DB.Get(&n, `SELECT count(*) FROM incidents WHERE system_or_data = 'Payroll'`)
	if n != 0 {
		t.Errorf("%d incidents written from an invalid form", n)
	}
}

// A report gets its reference at once, the reporter lands on their view of it, the
// CISO is told by e-mail with nothing but the reference and a link, and the reporter's
// view never shows an internal note.
func TestReportNotifiesAndReporterSeesOnlyWhatIsTold(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, employee)
	var org int64
	app.DB.Get(&org, `SELECT id FROM organisations WHERE name = 'Second Customer AS'`)
	p := c.PostFiles(t, "/incidents/new", url.Values{"summary": {"Secret payroll file mailed to the wrong person"},
		"organisations": {"Second"}, "personal_data": {"yes"}},
		[]apptest.Upload{{Field: "files", Name: "mail.txt", Data: []byte("From: x\n")}}, http.StatusSeeOther)
	page := c.Get(t, p.Location(), http.StatusOK)
	ref := page.Text("h1 .ref")
	if !strings.HasPrefix(ref, "INC-") || !strings.Contains(page.Text(".flash, [role=status], main"), ref) {
		t.Errorf("reference %q not told at once: %q", ref, page.Text("main"))
	}
	var mail []struct {
		To      string `db:"to_address"`
		Subject string `db:"subject"`
		Body    string `db:"body_text"`
	}
	if err := app.DB.Select(&mail, `SELECT to_address, subject, body_text FROM mail_outbox WHERE object_type = 'incident' AND subject LIKE '%' || $1 || '%'`, ref); err != nil {
		t.Fatal(err)
	}
	toCISO := false
	for _, m := range mail {
		if strings.Contains(m.Subject+m.Body, "payroll") {
			t.Errorf("mail to %s tells what happened: %q", m.To, m.Body)
		}
		toCISO = toCISO || m.To == ciso
	}
	if !toCISO {
		t.Errorf("the CISO was not told: %+v", mail)
	}
	var orgs int
	app.DB.Get(&orgs, `SELECT count(*) FROM incident_organisations io JOIN incidents i ON i.id = io.incident_id WHERE i.reference = $1 AND io.org_id = $2`, ref, org)
	if orgs != 1 {
		t.Error("the organisation typed was not recorded")
	}
	handler := app.SignIn(t, ciso)
	// An agent named a handler is told, by reference and link only.
	handler.Post(t, p.Location()+"/handlers", url.Values{"user_id": {strconv.FormatInt(viewer(t, app, agent2).UserID, 10)}}, http.StatusSeeOther)
	var named []string
	app.DB.Select(&named, `SELECT body_text FROM mail_outbox WHERE to_address = $1 AND kind = 'incident.handler'`, agent2)
	if len(named) != 1 || !strings.Contains(named[0], ref) || strings.Contains(named[0], "payroll") {
		t.Errorf("the handler's notice: %q", named)
	}
	handler.Post(t, p.Location()+"/notes", url.Values{"note": {"INTERNAL: check the mail server logs"}}, http.StatusSeeOther)
	handler.Post(t, p.Location()+"/notes", url.Values{"note": {"We asked the recipient to delete it."}, "tell_reporter": {"1"}}, http.StatusSeeOther)
	view := c.Get(t, p.Location(), http.StatusOK).Text("main")
	if strings.Contains(view, "INTERNAL") || !strings.Contains(view, "We asked the recipient to delete it.") {
		t.Errorf("the reporter's view: %q", view)
	}
	if strings.Contains(view, "mail.txt") || strings.Contains(view, "Chain of custody") {
		t.Errorf("the reporter's view shows the handlers' part: %q", view)
	}
}

// References count per year from 1: INC-<year>-0001, -0002, ...
func TestReferencesNumberPerYear(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	var refs []string
	app.DB.Select(&refs, `SELECT reference FROM incidents ORDER BY id`)
	if len(refs) < 2 {
		t.Fatalf("demo incidents: %v", refs)
	}
	for i, r := range refs {
		if want := "-" + strings.Repeat("0", 4-len(strconv.Itoa(i+1))) + strconv.Itoa(i+1); !strings.HasSuffix(r, want) || !strings.HasPrefix(r, "INC-20") {
			t.Errorf("reference %d: %q", i+1, r)
		}
	}
}

// The ticket an incident was reported from shows the link only to those who may see
// the incident; the customer sees nothing of it.
func TestTicketShowsLinkOnlyToThoseWhoMaySee(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	var ticketID int64
	var ref string
	app.DB.Get(&ticketID, `SELECT ticket_id FROM incident_ticket_links LIMIT 1`)
	app.DB.Get(&ref, `SELECT i.reference FROM incidents i JOIN incident_ticket_links l ON l.incident_id = i.id`)
	if ticketID == 0 || ref == "" {
		t.Fatal("the demo has no incident reported from a ticket")
	}
	path := "/tickets/" + strconv.FormatInt(ticketID, 10)
	for who, sees := range map[string]bool{ciso: true, agent: true, agent2: false} {
		p := app.SignIn(t, who).Get(t, path, http.StatusOK)
		if got := strings.Contains(p.Body, ref); got != sees {
			t.Errorf("%s sees the link to %s: %v, want %v", who, ref, got, sees)
		}
	}
	var customer string
	app.DB.Get(&customer, `SELECT u.email FROM tickets t JOIN users u ON u.id = t.requester_id WHERE t.id = $1`, ticketID)
	if p := app.SignIn(t, customer).Get(t, path, http.StatusOK); strings.Contains(p.Body, "INC-") || strings.Contains(p.Body, "incident") {
		t.Errorf("the customer's ticket page mentions the incident")
	}
}
