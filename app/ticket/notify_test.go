package ticket_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"tugi/app/apptest"
)

// queued is a row of the mail outbox.
type queued struct {
	MessageID string `db:"message_id"`
	Thread    string `db:"thread_id"`
	To        string `db:"to_address"`
	Subject   string `db:"subject"`
	Body      string `db:"body_text"`
	Kind      string `db:"kind"`
	OrgID     *int64 `db:"org_id"`
}

// outbox returns the mail queued about ticket id, oldest first.
func outbox(t *testing.T, db *sqlx.DB, id int64) []queued {
	t.Helper()
	var qs []queued
	err := db.Select(&qs, `SELECT message_id, coalesce(thread_id, '') AS thread_id, to_address, subject, body_text, kind, org_id
		FROM mail_outbox WHERE object_type = 'ticket' AND object_id = $1 ORDER BY id`, strconv.FormatInt(id, 10))
	if err != nil {
		t.Fatal(err)
	}
	return qs
}

// since returns the mail queued about ticket id after the first n.
func since(t *testing.T, db *sqlx.DB, id int64, n int) []queued { return outbox(t, db, id)[n:] }

func recipients(qs []queued) []string {
	var out []string
	for _, q := range qs {
		out = append(out, q.To+" "+q.Kind)
	}
	return out
}

func reference(t *testing.T, db *sqlx.DB, id int64) string {
	t.Helper()
	return dbRefs(t, &apptest.App{DB: db}, `t.id = $1`, id)[0]
}

func TestOpeningATicketConfirmsItByMail(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: nov(28, 12, 0)} // a Saturday: support opens Monday 30 November 09:00
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	if _, err := app.DB.Exec(`UPDATE users SET language = 'et' WHERE email = $1`, mari); err != nil {
		t.Fatal(err)
	}
	id := open(t, app, app.SignIn(t, mari), "Arve ei avane – äriregistri päring")
	qs := outbox(t, app.DB, id)
	if len(qs) != 1 {
		t.Fatalf("opening a ticket queued %v, want one mail to the customer", recipients(qs))
	}
	q, ref := qs[0], reference(t, app.DB, id)
	if q.To != mari || q.Kind != "ticket.created" || q.Thread != "ticket-"+strconv.FormatInt(id, 10) {
		t.Errorf("queued to %s, kind %s, thread %q", q.To, q.Kind, q.Thread)
	}
	if q.Subject != "["+ref+"] Arve ei avane – äriregistri päring" {
		t.Errorf("subject %q", q.Subject)
	}
	for _, want := range []string{
		"Lugupeetud Mari Maasikas,",
		"Teie pöördumine " + ref + " on vastu võetud.",
		"Klienditugi on praegu suletud. See avatakse esmaspäev 30. november 09:00 EET.",
		app.Config.PublicURL.String() + "/tickets/" + strconv.FormatInt(id, 10),
	} {
		if !strings.Contains(q.Body, want) {
			t.Errorf("the mail does not say %q:\n%s", want, q.Body)
		}
	}
}

func TestReplyNotesAndStatusNotifyTheCustomer(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c, a := app.SignIn(t, mari), app.SignIn(t, andres)
	id := open(t, app, c, "Printer on fire")
	n := len(outbox(t, app.DB, id))

	// An internal note: no mail to anyone.
	const secret = "Internal: the customer's admin password is in the wiki"
	a.Post(t, path(id, "/compose"), url.Values{"kind": {"note"}, "body": {secret}}, http.StatusSeeOther)
	if qs := since(t, app.DB, id, n); len(qs) != 0 {
		t.Fatalf("an internal note queued %v", recipients(qs))
	}

	// A public reply: one mail to the requester, threaded on the ticket, with the reply.
	a.Post(t, path(id, "/reply"), url.Values{"body": {"Please unplug it.\nThen tell us."}, "then": {"wait"}}, http.StatusSeeOther)
	qs := since(t, app.DB, id, n)
	if len(qs) != 1 || qs[0].To != mari || qs[0].Kind != "ticket.reply" {
		t.Fatalf("an agent's reply queued %v, want one ticket.reply to %s", recipients(qs), mari)
	}
	q := qs[0]
	if q.Thread != "ticket-"+strconv.FormatInt(id, 10) || !strings.HasPrefix(q.Subject, "["+reference(t, app.DB, id)+"] ") {
		t.Errorf("thread %q, subject %q", q.Thread, q.Subject)
	}
	for _, want := range []string{"> Please unplug it.\n> Then tell us.", "is waiting for your reply."} {
		if !strings.Contains(q.Body, want) {
			t.Errorf("the reply mail does not say %q:\n%s", want, q.Body)
		}
	}
	if strings.Contains(q.Body, secret) {
		t.Errorf("the customer's mail holds the internal note:\n%s", q.Body)
	}
	var mailID string
	if err := app.DB.Get(&mailID, `SELECT coalesce(message_id, '') FROM ticket_messages WHERE ticket_id = $1 AND body LIKE 'Please unplug%'`, id); err != nil || mailID != q.MessageID {
		t.Errorf("the reply's message_id is %q (%v), want the mail's %q", mailID, err, q.MessageID)
	}

	// The agent solves it: the customer is told, once.
	n = len(outbox(t, app.DB, id))
	a.Post(t, path(id, "/fields"), url.Values{"status": {"solved"}}, http.StatusOK, "HX-Request", "true")
	qs = since(t, app.DB, id, n)
	if len(qs) != 1 || qs[0].To != mari || qs[0].Kind != "ticket.status" || !strings.Contains(qs[0].Body, "has been solved") {
		t.Fatalf("solving queued %v", recipients(qs))
	}

	// The customer closes it themself: nobody is told.
	n = len(outbox(t, app.DB, id))
	c.Post(t, path(id, "/close"), nil, http.StatusSeeOther)
	if qs := since(t, app.DB, id, n); len(qs) != 0 {
		t.Errorf("the customer's own close queued %v", recipients(qs))
	}
	// Every mail about the ticket went to its requester and staff of the vendor only.
	for _, q := range outbox(t, app.DB, id) {
		if q.To != mari && !strings.HasSuffix(q.To, "@tugi.example") {
			t.Errorf("mail about the ticket went to %s", q.To)
		}
	}
}

func TestCustomerReplyAndAssignmentNotifyAgents(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c, a := app.SignIn(t, mari), app.SignIn(t, andres)
	id := open(t, app, c, "VPN drops")
	n := len(outbox(t, app.DB, id))

	// Unassigned: the customer's message goes to the ticket's team (both agents).
	c.Post(t, path(id, "/reply"), url.Values{"body": {"It dropped again at 10:15."}}, http.StatusSeeOther)
	qs := since(t, app.DB, id, n)
	if got := strings.Join(recipients(qs), ", "); got != andres+" ticket.customer_reply, "+kadri+" ticket.customer_reply" {
		t.Fatalf("a customer's reply on an unassigned ticket queued %s", got)
	}
	if !strings.Contains(qs[0].Body, "Mari Maasikas (Demo Customer OÜ) replied") || !strings.Contains(qs[0].Body, "> It dropped again at 10:15.") {
		t.Errorf("the agents' mail:\n%s", qs[0].Body)
	}

	// Andres takes it himself: no mail.
	n = len(outbox(t, app.DB, id))
	a.Post(t, path(id, "/take"), nil, http.StatusSeeOther)
	if qs := since(t, app.DB, id, n); len(qs) != 0 {
		t.Errorf("taking a ticket queued %v", recipients(qs))
	}

	// Now the customer's message goes to Andres only.
	c.Post(t, path(id, "/reply"), url.Values{"body": {"And again."}}, http.StatusSeeOther)
	qs = since(t, app.DB, id, n)
	if got := strings.Join(recipients(qs), ", "); got != andres+" ticket.customer_reply" {
		t.Errorf("a customer's reply on Andres's ticket queued %s", got)
	}

	// Andres gives it to Kadri: she is told.
	n = len(outbox(t, app.DB, id))
	a.Post(t, path(id, "/fields"), url.Values{"assignee_id": {strconv.FormatInt(userID(t, app.DB, kadri), 10)}}, http.StatusOK, "HX-Request", "true")
	qs = since(t, app.DB, id, n)
	if got := strings.Join(recipients(qs), ", "); got != kadri+" ticket.assign" {
		t.Errorf("assigning to Kadri queued %s", got)
	}
}

func TestRolledBackChangeQueuesNoMail(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c, a := app.SignIn(t, mari), app.SignIn(t, andres)
	id := open(t, app, c, "Rolled back")
	// The audit append fails for replies, at the commit.
	for _, q := range []string{
		`CREATE FUNCTION test_refuse_reply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`,
		`CREATE TRIGGER test_refuse_reply BEFORE INSERT ON audit_events FOR EACH ROW WHEN (NEW.action = 'ticket.reply') EXECUTE FUNCTION test_refuse_reply()`,
	} {
		if _, err := app.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	before, mails := take(t, app.DB), count(t, app.DB, `SELECT count(*) FROM mail_outbox`)
	a.Post(t, path(id, "/reply"), url.Values{"body": {"This never happened."}}, http.StatusInternalServerError)
	if !strings.Contains(app.Logs.String(), "refused by the test") {
		t.Fatalf("the reply failed before its audit append, not at it:\n%s", app.Logs.String())
	}
	before.unchanged(t, app.DB, "a rolled-back reply")
	if n := count(t, app.DB, `SELECT count(*) FROM mail_outbox`); n != mails {
		t.Errorf("a rolled-back reply left %d mails queued", n-mails)
	}
}

func TestNoMailToARequesterMovedToAnotherOrganisation(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c, a := app.SignIn(t, mari), app.SignIn(t, andres)
	id := open(t, app, c, "Before the move")
	n := len(outbox(t, app.DB, id))
	if _, err := app.DB.Exec(`UPDATE users SET org_id = (SELECT org_id FROM users WHERE email = $2) WHERE email = $1`, mari, jaan); err != nil {
		t.Fatal(err)
	}
	p := a.Post(t, path(id, "/reply"), url.Values{"body": {"An answer for Demo Customer OÜ only."}}, http.StatusSeeOther)
	if saved := count(t, app.DB, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND body = 'An answer for Demo Customer OÜ only.'`, id); saved != 1 || p.Location() != path(id, "") {
		t.Fatalf("the reply: %d saved, sent to %q; want it saved and the ticket shown", saved, p.Location())
	}
	if qs := since(t, app.DB, id, n); len(qs) != 0 {
		t.Errorf("a reply on Demo Customer OÜ's ticket was mailed to its requester, now of another organisation: %v", recipients(qs))
	}
}

func TestPhoneTicketAndLoggedCallNotifyTheCustomer(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	a := app.SignIn(t, andres)
	p := a.Post(t, "/queue/phone", url.Values{"requester_id": {strconv.FormatInt(userID(t, app.DB, mari), 10)}, "subject": {"Cannot print invoices"},
		"body": {"Mari called: the print button does nothing."}, "category_id": {strconv.FormatInt(categoryID(t, app.DB, "Problem or error"), 10)},
		"priority": {"high"}, "impact": {"one_person"}}, http.StatusSeeOther)
	m := ticketPath.FindStringSubmatch(p.Location())
	if m == nil {
		t.Fatalf("log a phone call: went to %q", p.Location())
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	qs := outbox(t, app.DB, id)
	if len(qs) != 1 || qs[0].To != mari || qs[0].Kind != "ticket.created" || !strings.Contains(qs[0].Body, reference(t, app.DB, id)) {
		t.Fatalf("a phone ticket queued %v, want its reference to %s", recipients(qs), mari)
	}
	// A later call is the agent's public reply: the customer gets what was noted.
	a.Post(t, path(id, "/compose"), url.Values{"kind": {"call"}, "body": {"Called back: fixed by a driver update."}}, http.StatusSeeOther)
	qs = since(t, app.DB, id, 1)
	if len(qs) != 1 || qs[0].Kind != "ticket.reply" || !strings.Contains(qs[0].Body, "> Called back: fixed by a driver update.") {
		t.Errorf("a logged call queued %v", recipients(qs))
	}
}

// The demo data's tickets were never really opened: loading them mails nobody, not even the
// CISO about the demo's security concern (its link would lead nowhere: the demo loader has
// no public address).
func TestDemoDataQueuesNoMail(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	var kinds []string
	if err := app.DB.Select(&kinds, `SELECT kind FROM mail_outbox ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(kinds) != 0 {
		t.Errorf("loading the demo data queued mail: %v", kinds)
	}
}
