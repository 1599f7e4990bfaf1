package inbound_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"tugi/app/apptest"
	"tugi/app/inbound"
)

// pdf is a small PDF, as a reporter would attach a screenshot's print.
const pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

// reportMail is a staff member's mail to the security address, with a PDF and a program
// attached (the program is no evidence Tugi keeps).
func reportMail(from, subject, body string) []byte {
	id := fmt.Sprintf("<r%d.%d@tugi.example>", time.Now().UnixNano(), msgSeq.Add(1))
	var b strings.Builder
	b.WriteString("From: " + from + "\r\nTo: security@tugi.example\r\nSubject: " + subject + "\r\nMessage-ID: " + id +
		"\r\nDate: Mon, 7 Dec 2026 10:00:00 +0200\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
	b.WriteString("--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n") + "\r\n")
	b.WriteString("--b1\r\nContent-Type: application/pdf; name=\"phish.pdf\"\r\nContent-Disposition: attachment; filename=\"phish.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(base64.StdEncoding.EncodeToString([]byte(pdf)) + "\r\n")
	b.WriteString("--b1\r\nContent-Type: application/octet-stream; name=\"invoice.exe\"\r\nContent-Disposition: attachment; filename=\"invoice.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(base64.StdEncoding.EncodeToString([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")) + "\r\n--b1--\r\n")
	return []byte(b.String())
}

func toSecurity(t *testing.T, a *apptest.App, raw []byte) inbound.Receipt {
	t.Helper()
	r, err := a.Server.Inbound.Receive(context.Background(), inbound.Delivery{Raw: raw, Mailbox: inbound.Security, Via: "smtp"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type incidentRow struct {
	ID        int64  `db:"id"`
	Reference string `db:"reference"`
	Summary   string `db:"summary"`
	Channel   string `db:"channel"`
	Reporter  string `db:"reporter"`
}

func incidentsOf(t *testing.T, a *apptest.App, subject string) []incidentRow {
	t.Helper()
	var rows []incidentRow
	if err := a.DB.Select(&rows, `
SELECT i.id, i.reference, i.summary, i.channel, u.email AS reporter
FROM incidents i JOIN users u ON u.id = i.reporter_id WHERE i.summary LIKE $1 || '%' ORDER BY i.id`, subject); err != nil {
		t.Fatal(err)
	}
	return rows
}

// A staff member's mail to the security address is their incident report: its text the
// summary, the message and its files the evidence, the CISO told and able to open it,
// an agent with no part in it not.
func TestStaffMailToSecurityIsTheirIncidentReport(t *testing.T) {
	a := newApp(t)
	addr := startReceiver(t, a, inbound.SMTPOptions{})
	raw := reportMail("Eva Employee <employee@tugi.example>", "Phishing in my inbox", "I clicked the link in the attached mail and typed my password.")
	if err := sendSMTP(addr, []string{"security@tugi.example"}, raw); err != nil {
		t.Fatal(err)
	}
	incs := incidentsOf(t, a, "Phishing in my inbox")
	if len(incs) != 1 {
		t.Fatalf("%d incidents from one mail", len(incs))
	}
	inc := incs[0]
	if inc.Channel != "email" || inc.Reporter != "employee@tugi.example" ||
		!strings.Contains(inc.Summary, "I clicked the link in the attached mail and typed my password.") ||
		!strings.Contains(inc.Summary, "invoice.exe (a type Tugi does not take)") {
		t.Errorf("incident %+v", inc)
	}
	var state, reason string
	if err := a.DB.QueryRow(`SELECT state, reason FROM inbound_mail WHERE subject = 'Phishing in my inbox'`).Scan(&state, &reason); err != nil ||
		state != inbound.Incident || reason != inc.Reference {
		t.Errorf("the mail: %q %q %v, want %q %q", state, reason, err, inbound.Incident, inc.Reference)
	}
	var evidence []string
	if err := a.DB.Select(&evidence, `SELECT filename FROM incident_evidence WHERE incident_id = $1 ORDER BY id`, inc.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Join(evidence, ",") != "message.eml,phish.pdf" {
		t.Errorf("evidence %v, want the message and the PDF", evidence)
	}
	if n := count(t, a, `SELECT count(*) FROM mail_outbox WHERE to_address = 'ciso@tugi.example' AND body_text LIKE '%' || $1 || '%'`, inc.Reference); n != 1 {
		t.Errorf("%d notices of %s to the CISO", n, inc.Reference)
	}

	ciso := a.SignIn(t, "ciso@tugi.example")
	page := ciso.Get(t, fmt.Sprintf("/incidents/%d", inc.ID), http.StatusOK)
	if !strings.Contains(page.Doc.Text(), "I clicked the link in the attached mail") || !strings.Contains(page.Doc.Text(), "phish.pdf") {
		t.Errorf("the CISO's page of %s lacks the mail's text or file", inc.Reference)
	}
	reporter := a.SignIn(t, "employee@tugi.example")
	reporter.Get(t, fmt.Sprintf("/incidents/%d", inc.ID), http.StatusOK)
	other := a.SignIn(t, "agent2@tugi.example")
	other.Get(t, fmt.Sprintf("/incidents/%d", inc.ID), http.StatusNotFound)
}

// The same report delivered twice is one incident; and when the intake's transaction
// fails after the report committed, the mail is processed again later and adopts that
// incident: nothing doubled, nothing lost.
func TestIncidentMailIsOneIncidentWhateverHappens(t *testing.T) {
	a := newApp(t)
	raw := reportMail("employee@tugi.example", "Laptop stolen", "My laptop was stolen from the car.")
	first := toSecurity(t, a, raw)
	again := toSecurity(t, a, raw)
	if first.State != inbound.Incident || !again.Duplicate {
		t.Fatalf("first %+v, again %+v", first, again)
	}
	if n := len(incidentsOf(t, a, "Laptop stolen")); n != 1 {
		t.Fatalf("%d incidents from one mail delivered twice", n)
	}

	// A fault after the report committed, before the mail is marked: the intake's
	// transaction rolls back, the mail is kept to be processed again.
	if _, err := a.DB.Exec(`
CREATE FUNCTION fail_marking() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'fault injected'; END $$;
CREATE TRIGGER fail_marking BEFORE UPDATE ON inbound_mail FOR EACH ROW WHEN (NEW.state = 'incident') EXECUTE FUNCTION fail_marking();`); err != nil {
		t.Fatal(err)
	}
	r := toSecurity(t, a, reportMail("employee@tugi.example", "USB stick found", "Found a USB stick in the car park."))
	if r.State != inbound.Received {
		t.Fatalf("with the fault: %+v, want the mail stored, not processed", r)
	}
	incs := incidentsOf(t, a, "USB stick found")
	if len(incs) != 1 {
		t.Fatalf("%d incidents after the fault, want the one Report committed", len(incs))
	}
	if _, err := a.DB.Exec(`DROP TRIGGER fail_marking ON inbound_mail`); err != nil {
		t.Fatal(err)
	}
	if n, err := a.Server.Inbound.ProcessLeft(context.Background(), 0); err != nil || n != 1 {
		t.Fatalf("processed %d: %v", n, err)
	}
	if after := incidentsOf(t, a, "USB stick found"); len(after) != 1 || after[0].ID != incs[0].ID {
		t.Errorf("after processing again: %+v, want only %+v", after, incs[0])
	}
	var state, reason string
	if err := a.DB.QueryRow(`SELECT state, reason FROM inbound_mail WHERE id = $1`, r.ID).Scan(&state, &reason); err != nil ||
		state != inbound.Incident || reason != incs[0].Reference {
		t.Errorf("the mail: %q %q %v, want it marked with %s", state, reason, err, incs[0].Reference)
	}
	if n := count(t, a, `SELECT count(*) FROM incident_evidence WHERE incident_id = $1`, incs[0].ID); n != 2 {
		t.Errorf("%d evidence files, want 2 (once)", n)
	}
	if n := count(t, a, `SELECT count(*) FROM mail_outbox WHERE to_address = 'ciso@tugi.example' AND body_text LIKE '%' || $1 || '%'`, incs[0].Reference); n != 1 {
		t.Errorf("the CISO was told %d times", n)
	}
}

// A report whose transaction rolls back makes nothing: no incident, no notice, no live
// event, no remembered token; the mail waits and is reported once the fault is gone.
func TestIncidentReportRolledBackMakesNothing(t *testing.T) {
	a := newApp(t)
	if _, err := a.DB.Exec(`
CREATE FUNCTION fail_evidence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'fault injected'; END $$;
CREATE TRIGGER fail_evidence BEFORE INSERT ON incident_evidence FOR EACH ROW EXECUTE FUNCTION fail_evidence();`); err != nil {
		t.Fatal(err)
	}
	before := map[string]int{}
	tables := []string{"incidents", "mail_outbox", "live_events", "form_submissions", "tickets"}
	for _, table := range tables {
		before[table] = count(t, a, `SELECT count(*) FROM `+table)
	}
	r := toSecurity(t, a, reportMail("employee@tugi.example", "Strange login", "Someone signed in as me at night."))
	if r.State != inbound.Received {
		t.Fatalf("receipt %+v, want stored and waiting", r)
	}
	for _, table := range tables {
		if n := count(t, a, `SELECT count(*) FROM `+table); n != before[table] {
			t.Errorf("%s: %d rows, %d before the rolled-back report", table, n, before[table])
		}
	}
	if _, err := a.DB.Exec(`DROP TRIGGER fail_evidence ON incident_evidence`); err != nil {
		t.Fatal(err)
	}
	if n, err := a.Server.Inbound.ProcessLeft(context.Background(), 0); err != nil || n != 1 {
		t.Fatalf("processed %d: %v", n, err)
	}
	if n := len(incidentsOf(t, a, "Strange login")); n != 1 {
		t.Errorf("%d incidents once the fault is gone", n)
	}
}

// A customer's mail to the security address is a ticket flagged as a security concern:
// the security category, the CISO told; no incident.
func TestCustomerMailToSecurityIsASecurityConcern(t *testing.T) {
	a := newApp(t)
	raw := mailFrom(demoCustomer, "Your invoice mail looks forged", "We got an invoice mail in your name from a strange address.")
	r := toSecurity(t, a, raw)
	if r.State != inbound.MadeTicket {
		t.Fatalf("receipt %+v", r)
	}
	tk := ticketOf(t, a, r)
	var security bool
	if err := a.DB.Get(&security, `SELECT c.security FROM tickets t JOIN categories c ON c.id = t.category_id WHERE t.id = $1`, tk.ID); err != nil || !security {
		t.Errorf("security category: %v %v", security, err)
	}
	if n := count(t, a, `SELECT count(*) FROM mail_outbox WHERE to_address = 'ciso@tugi.example' AND subject LIKE '%Your invoice mail looks forged%'`); n != 1 {
		t.Errorf("%d notices to the CISO", n)
	}
	if n := len(incidentsOf(t, a, "Your invoice mail")); n != 0 {
		t.Errorf("a customer's mail made %d incidents", n)
	}
	agent := a.SignIn(t, "agent@tugi.example")
	agent.Get(t, fmt.Sprintf("/tickets/%d", tk.ID), http.StatusOK)
}

// A ticket whose transaction rolls back (a fault as the mail is marked) is not made at
// all: no ticket, no acknowledgement, no live event; the mail is kept, and made into one
// ticket once the fault is gone.
func TestTicketRolledBackMakesNothing(t *testing.T) {
	a := newApp(t)
	if _, err := a.DB.Exec(`
CREATE FUNCTION fail_marking() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'fault injected'; END $$;
CREATE TRIGGER fail_marking BEFORE UPDATE ON inbound_mail FOR EACH ROW WHEN (NEW.state = 'ticket') EXECUTE FUNCTION fail_marking();`); err != nil {
		t.Fatal(err)
	}
	before := map[string]int{}
	tables := []string{"tickets", "ticket_messages", "mail_outbox", "live_events"}
	for _, table := range tables {
		before[table] = count(t, a, `SELECT count(*) FROM `+table)
	}
	r := receive(t, a, mailFrom(demoCustomer, "Printer offline", "The printer is offline again."))
	if r.State != inbound.Received {
		t.Fatalf("receipt %+v, want stored and waiting", r)
	}
	for _, table := range tables {
		if n := count(t, a, `SELECT count(*) FROM `+table); n != before[table] {
			t.Errorf("%s: %d rows, %d before the rolled-back ticket", table, n, before[table])
		}
	}
	if _, err := a.DB.Exec(`DROP TRIGGER fail_marking ON inbound_mail`); err != nil {
		t.Fatal(err)
	}
	if n, err := a.Server.Inbound.ProcessLeft(context.Background(), 0); err != nil || n != 1 {
		t.Fatalf("processed %d: %v", n, err)
	}
	if n := count(t, a, `SELECT count(*) FROM tickets WHERE subject = 'Printer offline'`); n != 1 {
		t.Errorf("%d tickets once the fault is gone", n)
	}
}

// Mail in a staff member's name that fails DMARC (anyone can write the From line) is held,
// not reported in their name, until an agent releases it.
func TestForgedStaffReportIsHeld(t *testing.T) {
	a := newApp(t)
	raw := reportMail("ciso@tugi.example", "Disable the firewall now", "Please disable the firewall for maintenance.")
	raw = append([]byte("Authentication-Results: mx.tugi.example; dmarc=fail header.from=tugi.example\r\n"), raw...)
	r := toSecurity(t, a, raw)
	if r.State != inbound.Held {
		t.Fatalf("receipt %+v, want held", r)
	}
	if n := len(incidentsOf(t, a, "Disable the firewall")); n != 0 {
		t.Fatalf("%d incidents made in a forged name", n)
	}
	agent := a.SignIn(t, "agent@tugi.example")
	agent.Post(t, fmt.Sprintf("/queue/mail/%d/release", r.ID), nil, http.StatusSeeOther)
	if n := len(incidentsOf(t, a, "Disable the firewall")); n != 1 {
		t.Errorf("%d incidents after the release, want 1", n)
	}
}
