package retention_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tugi/app/apptest"
	"tugi/app/blob"
	"tugi/app/retention"
)

// The page is the admins' and the CISO's: customers, agents and employees are refused,
// the CISO reads it without its forms and cannot change anything.
func TestRetentionPageAccess(t *testing.T) {
	t.Parallel()
	a := apptest.New(t)
	for _, email := range []string{"customer@demo-customer.example", "agent@tugi.example", "employee@tugi.example"} {
		c := a.SignIn(t, email)
		for _, path := range []string{"/admin/retention"} {
			p, err := c.Try(http.MethodGet, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
				t.Errorf("%s GET %s: %d, want 403 or 404", email, path, p.Status)
			}
		}
		p, err := c.TryPost("/admin/retention/rules", url.Values{"days_tickets": {"400"}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
			t.Errorf("%s POST the rules: %d, want 403 or 404", email, p.Status)
		}
	}

	ciso := a.SignIn(t, "ciso@tugi.example")
	p := ciso.Get(t, "/admin/retention", http.StatusOK)
	if p.Doc.Find("#retention-rules form, #new-hold, #new-override").Length() != 0 {
		t.Error("the CISO's page shows forms that change the rules or holds")
	}
	if got := p.Text("#preview-totals"); !strings.Contains(got, "Closed tickets") {
		t.Errorf("the CISO's page lacks the preview: %q", got)
	}
	for path, form := range map[string]url.Values{
		"/admin/retention/rules":           {"days_tickets": {"400"}},
		"/admin/retention/holds":           {"hold_on": {"person"}, "hold_email": {"agent@tugi.example"}, "hold_reason": {"Test"}},
		"/admin/retention/holds/1/release": nil,
	} {
		p, err := ciso.TryPost(path, form)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
			t.Errorf("the CISO POST %s: %d, want 403 or 404", path, p.Status)
		}
	}
	var n int
	if err := a.DB.Get(&n, `SELECT count(*) FROM legal_holds`); err != nil || n != 0 {
		t.Errorf("%d holds after refused requests (%v)", n, err)
	}
	if err := a.DB.Get(&n, `SELECT count(*) FROM retention_rules WHERE days IS NOT NULL AND kind = 'tickets'`); err != nil || n != 0 {
		t.Errorf("a refused request set the tickets' rule (%d, %v)", n, err)
	}

	admin := a.SignIn(t, "admin@tugi.example")
	p = admin.Get(t, "/admin/retention", http.StatusOK)
	if p.Doc.Find("#retention-rules form").Length() != 1 || p.Doc.Find("#new-hold").Length() != 1 {
		t.Error("the admin's page lacks its forms")
	}
}

// Bad input is refused beside its field, the input kept and nothing written; good input
// is saved and shown.
func TestRetentionPageForms(t *testing.T) {
	t.Parallel()
	a := apptest.New(t)
	admin := a.SignIn(t, "admin@tugi.example")

	p := admin.Post(t, "/admin/retention/rules", url.Values{"days_tickets": {"3650"}, "days_chats": {"ten"}, "days_attachments": {"5"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(p.FieldError("days_chats"), "whole number of days from 30") || !strings.Contains(p.FieldError("days_attachments"), "from 30") {
		t.Errorf("messages: chats %q, attachments %q", p.FieldError("days_chats"), p.FieldError("days_attachments"))
	}
	if p.InputValue("days_chats") != "ten" || p.InputValue("days_tickets") != "3650" {
		t.Errorf("input not kept: chats %q, tickets %q", p.InputValue("days_chats"), p.InputValue("days_tickets"))
	}
	var n int
	if err := a.DB.Get(&n, `SELECT count(*) FROM retention_rules WHERE kind = 'tickets' AND days IS NOT NULL`); err != nil || n != 0 {
		t.Fatalf("a refused form saved the tickets' rule (%d, %v)", n, err)
	}
	admin.Post(t, "/admin/retention/rules", url.Values{"days_tickets": {"3650"}, "days_mail": {"90"}, "days_signins": {"90"}}, http.StatusSeeOther)
	p = admin.Get(t, "/admin/retention", http.StatusOK)
	if p.InputValue("days_tickets") != "3650" || p.InputValue("days_chats") != "" {
		t.Errorf("saved: tickets %q, chats %q", p.InputValue("days_tickets"), p.InputValue("days_chats"))
	}

	// An organisation's own rule: the organisation must exist, the kind be one per
	// organisation.
	p = admin.Post(t, "/admin/retention/overrides", url.Values{"override_org": {"No Such Company"}, "override_kind": {"incidents"}, "override_days": {"400"}}, http.StatusUnprocessableEntity)
	if p.FieldError("override_org") == "" || p.FieldError("override_kind") == "" || p.InputValue("override_org") != "No Such Company" {
		t.Errorf("override: org %q, kind %q, kept %q", p.FieldError("override_org"), p.FieldError("override_kind"), p.InputValue("override_org"))
	}
	admin.Post(t, "/admin/retention/overrides", url.Values{"override_org": {"Second Customer AS"}, "override_kind": {"tickets"}, "override_days": {""}}, http.StatusSeeOther)
	p = admin.Get(t, "/admin/retention", http.StatusOK)
	if got := p.Text("#overrides"); !strings.Contains(got, "Second Customer AS") || !strings.Contains(got, "for ever") {
		t.Errorf("the organisations' rules: %q", got)
	}

	// Holds: the subject must exist, the reason be given.
	p = admin.Post(t, "/admin/retention/holds", url.Values{"hold_on": {"person"}, "hold_email": {"nobody@example.com"}, "hold_reason": {""}}, http.StatusUnprocessableEntity)
	if p.FieldError("hold_email") == "" || p.FieldError("hold_reason") == "" || p.InputValue("hold_email") != "nobody@example.com" {
		t.Errorf("hold: email %q, reason %q, kept %q", p.FieldError("hold_email"), p.FieldError("hold_reason"), p.InputValue("hold_email"))
	}
	p = admin.Post(t, "/admin/retention/holds", url.Values{"hold_on": {"incident"}, "hold_incident": {"INC-1999-0001"}, "hold_reason": {"Audit"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(p.FieldError("hold_incident"), "No incident") {
		t.Errorf("hold on an unknown incident: %q", p.FieldError("hold_incident"))
	}
	if err := a.DB.Get(&n, `SELECT count(*) FROM legal_holds`); err != nil || n != 0 {
		t.Fatalf("refused holds wrote %d rows (%v)", n, err)
	}
	admin.Post(t, "/admin/retention/holds", url.Values{"hold_on": {"organisation"}, "hold_org": {"Demo Customer OÜ"}, "hold_reason": {"Court order 2-26-1234"}}, http.StatusSeeOther)
	p = admin.Get(t, "/admin/retention", http.StatusOK)
	if got := p.Text("#holds"); !strings.Contains(got, "Demo Customer OÜ") || !strings.Contains(got, "Court order 2-26-1234") {
		t.Errorf("the holds: %q", got)
	}
	var id string
	if err := a.DB.Get(&id, `SELECT id::text FROM legal_holds`); err != nil {
		t.Fatal(err)
	}
	admin.Post(t, "/admin/retention/holds/"+id+"/release", nil, http.StatusSeeOther)
	p = admin.Get(t, "/admin/retention", http.StatusOK)
	if strings.Contains(p.Text("#holds"), "Court order") || !strings.Contains(p.Text("#released-holds"), "Court order 2-26-1234") {
		t.Errorf("released: in force %q, released %q", p.Text("#holds"), p.Text("#released-holds"))
	}
	admin.Post(t, "/admin/retention/holds/999999/release", nil, http.StatusNotFound)
}

// Mail whose raw message retention cleared still shows what it was and became; the agent
// is told the message as received is gone, and asking for it answers 404.
func TestExpiredMailShowsItsRawRemoved(t *testing.T) {
	t.Parallel()
	a := apptest.New(t)
	raw, err := blob.Postgres{}.Put(ctx, a.DB, bytes.NewReader([]byte("From: c@x\r\nSubject: Printer\r\n\r\nIt prints empty pages.\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	id := idOf(t, a.DB, `
INSERT INTO inbound_mail (message_key, raw_sha256, size, via, mailbox, from_address, subject, state, reason, received_at, processed_at)
VALUES ('<old@x>', $1, 40, 'smtp', 'support', 'c@x', 'Printer', 'discarded', 'automatic reply', now() - interval '100 days', now() - interval '100 days')
RETURNING id`, raw.SHA256)
	agent := a.SignIn(t, "agent@tugi.example")
	path := "/queue/mail/" + strconv.FormatInt(id, 10)
	if p := agent.Get(t, path, http.StatusOK); p.Doc.Find("#raw").Length() != 1 {
		t.Fatal("before the run the mail page offers no download of the message")
	}
	agent.Get(t, path+"/raw", http.StatusOK)

	if _, err := retention.New(retention.Options{DB: a.DB}).Apply(ctx); err != nil { // mail: 90 days by default
		t.Fatal(err)
	}
	p := agent.Get(t, path, http.StatusOK)
	if p.Doc.Find("#raw").Length() != 0 || !strings.Contains(p.Text("#raw-removed"), "removed after its retention period") {
		t.Errorf("after the run: download offered %v, notice %q", p.Doc.Find("#raw").Length() != 0, p.Text("#raw-removed"))
	}
	if !strings.Contains(p.Text("#mail-facts"), "Printer") && !strings.Contains(p.Text("h1"), "Printer") {
		t.Errorf("the mail's subject is gone too: %q", p.Text("h1"))
	}
	agent.Get(t, path+"/raw", http.StatusNotFound)
}
