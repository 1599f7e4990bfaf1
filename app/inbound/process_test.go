package inbound_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tugi/app/apptest"
	"tugi/app/config"
	"tugi/app/inbound"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const (
	demoCustomer   = "customer@demo-customer.example"
	secondCustomer = "customer@second-customer.example"
)

var msgSeq atomic.Int64

// mailFrom writes a plain message as a mail client would.
func mailFrom(from, subject, body string, headers ...string) []byte {
	id := fmt.Sprintf("<m%d.%d@client.example>", time.Now().UnixNano(), msgSeq.Add(1))
	var b strings.Builder
	b.WriteString("From: " + from + "\r\nTo: support@tugi.example\r\nSubject: " + subject + "\r\n")
	hasID := false
	for _, h := range headers {
		if strings.HasPrefix(strings.ToLower(h), "message-id:") {
			hasID = true
		}
		b.WriteString(h + "\r\n")
	}
	if !hasID {
		b.WriteString("Message-ID: " + id + "\r\n")
	}
	b.WriteString("Date: Mon, 7 Dec 2026 10:00:00 +0200\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n") + "\r\n")
	return []byte(b.String())
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newApp(t *testing.T) *apptest.App { return newAppB(t) }

func newAppB(t testing.TB) *apptest.App {
	t.Helper()
	return apptest.NewWith(t, apptest.Options{Configure: func(c *config.Config) { c.Mail.Domain = "tugi.example" }})
}

func receive(t *testing.T, a *apptest.App, raw []byte) inbound.Receipt {
	t.Helper()
	r, err := a.Server.Inbound.Receive(context.Background(), inbound.Delivery{Raw: raw, Mailbox: inbound.Support, Via: "smtp"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type ticketRow struct {
	ID      int64  `db:"id"`
	OrgID   int64  `db:"org_id"`
	Status  string `db:"status"`
	Channel string `db:"channel"`
	Subject string `db:"subject"`
	Msgs    int    `db:"msgs"`
	Running int    `db:"running"`
}

func ticketOf(t *testing.T, a *apptest.App, r inbound.Receipt) ticketRow {
	t.Helper()
	var row ticketRow
	err := a.DB.Get(&row, `
SELECT t.id, t.org_id, t.status, t.channel, t.subject,
       (SELECT count(*) FROM ticket_messages m WHERE m.ticket_id = t.id) AS msgs,
       (SELECT count(*) FROM ticket_clocks k WHERE k.ticket_id = t.id AND k.running_since IS NOT NULL) AS running
FROM inbound_mail i JOIN tickets t ON t.id = i.ticket_id WHERE i.id = $1`, r.ID)
	if err != nil {
		t.Fatalf("ticket of inbound %d (%s): %v", r.ID, r.State, err)
	}
	return row
}

func count(t *testing.T, a *apptest.App, query string, args ...any) int {
	t.Helper()
	var n int
	if err := a.DB.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMailFromCustomerOpensTicketWithClockRunning(t *testing.T) {
	a := newApp(t)
	raw := mailFrom("Mari Maasikas <Customer@Demo-Customer.example>", "Arve ei avane", "Tere!\n\nArve ei avane.\n\n-- \nMari")
	r := receive(t, a, raw)
	if r.State != inbound.MadeTicket || r.Duplicate {
		t.Fatalf("receipt %+v", r)
	}
	tk := ticketOf(t, a, r)
	if tk.Channel != "email" || tk.Status != "new" || tk.Subject != "Arve ei avane" || tk.Running == 0 {
		t.Errorf("ticket %+v: want a new e-mail ticket with its SLA clocks running", tk)
	}
	var body string
	if err := a.DB.Get(&body, `SELECT body FROM ticket_messages WHERE ticket_id = $1`, tk.ID); err != nil {
		t.Fatal(err)
	}
	if body != "Tere!\n\nArve ei avane." {
		t.Errorf("the signature should fold away: %q", body)
	}
	// The customer is acknowledged, threaded under their mail, as an automatic answer.
	var ack struct {
		InReplyTo string `db:"in_reply_to"`
		Auto      string `db:"auto_submitted"`
	}
	if err := a.DB.Get(&ack, `SELECT in_reply_to, auto_submitted FROM mail_outbox WHERE kind = 'ticket.created' AND object_id = $1`,
		fmt.Sprint(tk.ID)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(ack.InReplyTo, "@client.example") || ack.Auto != "auto-replied" {
		t.Errorf("acknowledgement %+v", ack)
	}
	// The agent sees it in the queue.
	agent := a.SignIn(t, "agent@tugi.example")
	p := agent.Get(t, "/queue", 200)
	if !strings.Contains(p.Doc.Text(), "Arve ei avane") {
		t.Errorf("the ticket from mail is not in the queue")
	}
}

func TestSameMessageTwiceMakesOneTicket(t *testing.T) {
	a := newApp(t)
	raw := mailFrom(demoCustomer, "Twice", "Hello")
	first := receive(t, a, raw)
	second := receive(t, a, raw)
	if !second.Duplicate || second.ID != first.ID {
		t.Fatalf("second delivery %+v, first %+v", second, first)
	}
	if n := count(t, a, `SELECT count(*) FROM tickets WHERE subject = 'Twice'`); n != 1 {
		t.Errorf("%d tickets from one message", n)
	}
	// Without a Message-ID, the hash of the message keys it.
	noID := []byte("From: " + demoCustomer + "\r\nSubject: No id\r\n\r\nHello\r\n")
	receive(t, a, noID)
	if r := receive(t, a, noID); !r.Duplicate {
		t.Errorf("a message without Message-ID delivered twice was stored twice")
	}
	if n := count(t, a, `SELECT count(*) FROM tickets WHERE subject = 'No id'`); n != 1 {
		t.Errorf("%d tickets from one message without a Message-ID", n)
	}
}

func TestThreadingIsScopedToTheOrganisation(t *testing.T) {
	a := newApp(t)
	r := receive(t, a, mailFrom(demoCustomer, "VPN is down", "It is down."))
	tk := ticketOf(t, a, r)
	ref := fmt.Sprintf("T-%d-%05d", time.Now().Year(), tk.ID)
	var ourID string
	if err := a.DB.Get(&ourID, `SELECT message_id FROM mail_outbox WHERE object_id = $1 AND kind = 'ticket.created'`, fmt.Sprint(tk.ID)); err != nil {
		t.Fatal(err)
	}
	// The customer answers Tugi's mail: the same ticket.
	reply := receive(t, a, mailFrom(demoCustomer, "Re: ["+ref+"] VPN is down", "Still down.\n\nOn Mon, 7 Dec 2026, Tugi wrote:\n> Your ticket",
		"In-Reply-To: <"+ourID+"@tugi.example>", "References: <"+ourID+"@tugi.example>"))
	if reply.State != inbound.MadeReply || ticketOf(t, a, reply).ID != tk.ID {
		t.Fatalf("reply %+v", reply)
	}
	// A subject reference alone threads too.
	bySubject := receive(t, a, mailFrom(demoCustomer, "Re: "+ref, "And one more thing."))
	if bySubject.State != inbound.MadeReply || ticketOf(t, a, bySubject).ID != tk.ID {
		t.Errorf("by subject %+v", bySubject)
	}
	// Another organisation's customer naming the ticket, in headers and subject: a ticket of their own.
	other := receive(t, a, mailFrom(secondCustomer, "Re: ["+ref+"] VPN is down", "Let me in.",
		"In-Reply-To: <"+ourID+"@tugi.example>", "References: <ticket-"+fmt.Sprint(tk.ID)+"@tugi.example>"))
	ot := ticketOf(t, a, other)
	if other.State != inbound.MadeTicket || ot.ID == tk.ID || ot.OrgID == tk.OrgID {
		t.Errorf("another organisation's mail went to %+v (the first ticket is %d)", ot, tk.ID)
	}
	if got := ticketOf(t, a, reply); got.Msgs != 3 {
		t.Errorf("the first ticket has %d messages, want 3", got.Msgs)
	}
}

func TestOutOfOfficeMakesANoteAndNothingElse(t *testing.T) {
	a := newApp(t)
	r := receive(t, a, mailFrom(demoCustomer, "Printer", "It jams."))
	tk := ticketOf(t, a, r)
	tickets := count(t, a, `SELECT count(*) FROM tickets`)
	outbox := count(t, a, `SELECT count(*) FROM mail_outbox`)
	ooo := receive(t, a, mailFrom(demoCustomer, "Automatic reply: Printer", "I am away until Monday.",
		"Auto-Submitted: auto-replied", fmt.Sprintf("In-Reply-To: <ticket-%d@tugi.example>", tk.ID)))
	if ooo.State != inbound.MadeNote {
		t.Fatalf("out-of-office %+v", ooo)
	}
	after := ticketOf(t, a, ooo)
	if after.Status != tk.Status || count(t, a, `SELECT count(*) FROM tickets`) != tickets || count(t, a, `SELECT count(*) FROM mail_outbox`) != outbox {
		t.Errorf("an out-of-office changed something: %+v, or made a ticket or a mail", after)
	}
	if n := count(t, a, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND internal AND body LIKE 'Automatic reply from%'`, tk.ID); n != 1 {
		t.Errorf("%d notes", n)
	}
	// One that matches no ticket makes nothing at all.
	lone := receive(t, a, mailFrom(demoCustomer, "Out of Office: hello", "Away.", "X-Autoreply: yes"))
	if lone.State != inbound.Automatic || count(t, a, `SELECT count(*) FROM tickets`) != tickets {
		t.Errorf("a lone out-of-office: %+v", lone)
	}
	bulk := receive(t, a, mailFrom(demoCustomer, "Newsletter", "News.", "Precedence: bulk"))
	if bulk.State != inbound.Automatic || count(t, a, `SELECT count(*) FROM tickets`) != tickets {
		t.Errorf("bulk mail: %+v", bulk)
	}
}

func TestBounceMarksTheAddressAndReopensNothing(t *testing.T) {
	a := newApp(t)
	r := receive(t, a, mailFrom(demoCustomer, "Bounce me", "Hi"))
	tk := ticketOf(t, a, r)
	outbox := count(t, a, `SELECT count(*) FROM mail_outbox`)
	raw := strings.ReplaceAll(string(readFile(t, "testdata/postfix_bounce.eml")), "left.company@example-customer.ee", demoCustomer)
	b := receive(t, a, []byte(raw))
	if b.State != inbound.Bounced {
		t.Fatalf("bounce %+v", b)
	}
	if n := count(t, a, `SELECT count(*) FROM mail_bounces WHERE address = $1`, demoCustomer); n != 1 {
		t.Errorf("address not marked bouncing")
	}
	var status string
	if err := a.DB.Get(&status, `SELECT status FROM tickets WHERE id = $1`, tk.ID); err != nil || status != tk.Status {
		t.Errorf("status %q (was %q): %v", status, tk.Status, err)
	}
	if count(t, a, `SELECT count(*) FROM mail_outbox`) != outbox {
		t.Errorf("a bounce notified someone")
	}
	// Mail from the address again: it works.
	receive(t, a, mailFrom(demoCustomer, "I am back", "Hi"))
	if n := count(t, a, `SELECT count(*) FROM mail_bounces WHERE address = $1`, demoCustomer); n != 0 {
		t.Errorf("bounce not cleared by mail from the address")
	}
}

func TestUnknownSenderWaitsUnlessTheDomainIsListed(t *testing.T) {
	a := newApp(t)
	tickets := count(t, a, `SELECT count(*) FROM tickets`)
	r := receive(t, a, mailFrom("Stranger <someone@unknown.example>", "Who am I", "Hello"))
	if r.State != inbound.UnknownSender || count(t, a, `SELECT count(*) FROM tickets`) != tickets {
		t.Fatalf("unknown sender %+v", r)
	}
	var orgID int64
	if err := a.DB.Get(&orgID, `SELECT id FROM organisations WHERE name = 'Demo Customer OÜ'`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.Exec(`INSERT INTO org_mail_domains (domain, org_id) VALUES ('demo-customer.example', $1)`, orgID); err != nil {
		t.Fatal(err)
	}
	c := receive(t, a, mailFrom("Uus Kolleeg <new.colleague@demo-customer.example>", "First mail", "Hello"))
	if c.State != inbound.MadeTicket || ticketOf(t, a, c).OrgID != orgID {
		t.Fatalf("contact's mail %+v", c)
	}
	var u struct {
		Name  string `db:"name"`
		OrgID int64  `db:"org_id"`
		Roles string `db:"roles"`
	}
	if err := a.DB.Get(&u, `SELECT name, org_id, array_to_string(roles, ',') AS roles FROM users WHERE email = 'new.colleague@demo-customer.example'`); err != nil {
		t.Fatal(err)
	}
	if u.Name != "Uus Kolleeg" || u.OrgID != orgID || u.Roles != "customer" {
		t.Errorf("contact %+v", u)
	}
}

func TestDMARCFailureFromAKnownDomainIsHeld(t *testing.T) {
	a := newApp(t)
	tickets := count(t, a, `SELECT count(*) FROM tickets`)
	r := receive(t, a, mailFrom(demoCustomer, "Pay to this account", "New IBAN",
		"Authentication-Results: mx.tugi.example; spf=fail smtp.mailfrom=demo-customer.example; dkim=none; dmarc=fail header.from=demo-customer.example"))
	if r.State != inbound.Held || count(t, a, `SELECT count(*) FROM tickets`) != tickets {
		t.Fatalf("forged mail %+v", r)
	}
	var auth string
	if err := a.DB.Get(&auth, `SELECT auth_spf || '/' || auth_dkim || '/' || auth_dmarc FROM inbound_mail WHERE id = $1`, r.ID); err != nil || auth != "fail/none/fail" {
		t.Errorf("authentication results %q %v", auth, err)
	}
}

func TestRateLimitPerSender(t *testing.T) {
	a := newApp(t)
	var last inbound.Receipt
	for i := 0; i <= inbound.DefaultLimits.PerSender; i++ {
		last = receive(t, a, mailFrom(demoCustomer, fmt.Sprintf("Loop %d", i), "again"))
	}
	if last.State != inbound.RateLimited {
		t.Errorf("message %d from one sender: %+v", inbound.DefaultLimits.PerSender+1, last)
	}
	if n := count(t, a, `SELECT count(*) FROM tickets WHERE subject LIKE 'Loop %'`); n != inbound.DefaultLimits.PerSender {
		t.Errorf("%d tickets, want %d", n, inbound.DefaultLimits.PerSender)
	}
	// The agents are told who is held back, and may release a genuine message.
	agent := a.SignIn(t, "agent@tugi.example")
	if text := agent.Get(t, "/queue/mail", http.StatusOK).Text("#rate-limited"); !strings.Contains(text, demoCustomer) {
		t.Errorf("the mail page does not name the sender held back: %q", text)
	}
	page := agent.Get(t, fmt.Sprintf("/queue/mail/%d", last.ID), http.StatusOK)
	if page.Doc.Find(`#release form[action$="/release"]`).Length() != 1 {
		t.Fatal("a message held back by the rate limit offers no release")
	}
	agent.Post(t, fmt.Sprintf("/queue/mail/%d/release", last.ID), nil, http.StatusSeeOther)
	if n := count(t, a, `SELECT count(*) FROM tickets WHERE subject LIKE 'Loop %'`); n != inbound.DefaultLimits.PerSender+1 {
		t.Errorf("after the release: %d tickets, want %d", n, inbound.DefaultLimits.PerSender+1)
	}
}

func TestProcessRetriesWhatWasLeft(t *testing.T) {
	a := newApp(t)
	r := receive(t, a, mailFrom(demoCustomer, "Left behind", "Hello"))
	// As if the process died after storing: back to received, ticket gone from the row.
	if _, err := a.DB.Exec(`INSERT INTO inbound_mail (message_key, raw_sha256, size, via, mailbox, from_address)
SELECT 'retry@client.example', raw_sha256, size, via, mailbox, from_address FROM inbound_mail WHERE id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	n, err := a.Server.Inbound.ProcessLeft(context.Background(), 0)
	if err != nil || n != 1 {
		t.Fatalf("processed %d: %v", n, err)
	}
	if c := count(t, a, `SELECT count(*) FROM inbound_mail WHERE message_key = 'retry@client.example' AND state = 'ticket'`); c != 1 {
		t.Errorf("the stored message was not processed")
	}
}

func TestRateLimitPerTicketTellsTheAgents(t *testing.T) {
	a := newApp(t)
	r := receive(t, a, mailFrom(demoCustomer, "Looping", "first"))
	tk := ticketOf(t, a, r)
	if _, err := a.DB.Exec(`INSERT INTO org_mail_domains (domain, org_id) VALUES ('demo-customer.example', $1)`, tk.OrgID); err != nil {
		t.Fatal(err)
	}
	ref := fmt.Sprintf("In-Reply-To: <ticket-%d@tugi.example>", tk.ID)
	var last inbound.Receipt
	for i := 0; i <= inbound.DefaultLimits.PerTicket+1; i++ {
		// Colleagues of one organisation, so the per-sender limit is not what stops them.
		last = receive(t, a, mailFrom(fmt.Sprintf("colleague%d@demo-customer.example", i), "Re: Looping", "again", ref))
	}
	if last.State != inbound.RateLimited {
		t.Fatalf("past the ticket's limit: %+v", last)
	}
	if n := count(t, a, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND NOT internal`, tk.ID); n != inbound.DefaultLimits.PerTicket+1 {
		t.Errorf("%d public messages, want the first and %d replies", n, inbound.DefaultLimits.PerTicket)
	}
	if n := count(t, a, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND internal AND body LIKE 'More than % e-mails reached this ticket%'`, tk.ID); n != 1 {
		t.Errorf("%d notes telling the agents of the limit, want 1", n)
	}
}
