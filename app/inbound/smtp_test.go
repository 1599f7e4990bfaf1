package inbound_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	netmail "net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"tugi/app/apptest"
	"tugi/app/config"
	"tugi/app/inbound"
	"tugi/app/mail"
)

// startReceiver runs Tugi's SMTP receiver for a on a loopback port.
func startReceiver(t testing.TB, a *apptest.App, o inbound.SMTPOptions) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.Support == "" {
		o.Support = "support@tugi.example"
	}
	if o.Security == "" {
		o.Security = "security@tugi.example"
	}
	r := inbound.NewSMTPServer(a.Server.Inbound, o)
	done := make(chan struct{})
	go func() { _ = r.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Shutdown(ctx)
		<-done
	})
	return ln.Addr().String()
}

// sendSMTP delivers raw from a relay to addr, as net/smtp's client does.
func sendSMTP(addr string, to []string, raw []byte) error {
	return smtp.SendMail(addr, nil, "relay-bounce@mx.example", to, raw)
}

func TestSMTPReceiverTakesSupportMailAndStoresBefore250(t *testing.T) {
	a := newApp(t)
	addr := startReceiver(t, a, inbound.SMTPOptions{MaxBytes: 1 << 20})
	raw := mailFrom(demoCustomer, "Over SMTP", "Hello over SMTP")
	if err := sendSMTP(addr, []string{"Support@Tugi.example"}, raw); err != nil {
		t.Fatalf("delivery refused: %v", err)
	}
	// 250 came: the message and its ticket are committed.
	if n := count(t, a, `SELECT count(*) FROM inbound_mail i JOIN tickets t ON t.id = i.ticket_id WHERE t.subject = 'Over SMTP' AND i.via = 'smtp'`); n != 1 {
		t.Errorf("%d stored tickets after 250", n)
	}
	// Delivered again (the relay lost our 250): accepted, nothing new.
	if err := sendSMTP(addr, []string{"support@tugi.example"}, raw); err != nil {
		t.Fatal(err)
	}
	if n := count(t, a, `SELECT count(*) FROM tickets WHERE subject = 'Over SMTP'`); n != 1 {
		t.Errorf("%d tickets from one message delivered twice", n)
	}
	// Anyone else is refused at RCPT.
	err := sendSMTP(addr, []string{"ceo@tugi.example"}, mailFrom(demoCustomer, "To the CEO", "Hi"))
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("mail to another address: %v, want 550 at RCPT", err)
	}
	// Too large: refused while it arrives.
	big := mailFrom(demoCustomer, "Big", strings.Repeat(strings.Repeat("x", 70)+"\n", 30000))
	if err := sendSMTP(addr, []string{"support@tugi.example"}, big); err == nil || !strings.Contains(err.Error(), "552") {
		t.Errorf("a message over the size limit: %v, want 552", err)
	}
}

func TestSMTPReceiverRefusesWhoIsNoRelay(t *testing.T) {
	a := newApp(t)
	_, only, _ := net.ParseCIDR("192.0.2.0/24")
	addr := startReceiver(t, a, inbound.SMTPOptions{Relays: []*net.IPNet{only}})
	err := sendSMTP(addr, []string{"support@tugi.example"}, mailFrom(demoCustomer, "Not a relay", "Hi"))
	if err == nil || !strings.Contains(err.Error(), "554") {
		t.Errorf("a connection from outside the relays: %v, want 554", err)
	}
	if n := count(t, a, `SELECT count(*) FROM inbound_mail`); n != 0 {
		t.Errorf("%d messages stored from a stranger", n)
	}
}

func TestSMTPSecurityAddress(t *testing.T) {
	a := newApp(t)
	addr := startReceiver(t, a, inbound.SMTPOptions{})
	if err := sendSMTP(addr, []string{"security@tugi.example"}, mailFrom(demoCustomer, "Phishing mail", "We got a phishing mail in your name.")); err != nil {
		t.Fatal(err)
	}
	var security bool
	if err := a.DB.Get(&security, `SELECT c.security FROM tickets t JOIN categories c ON c.id = t.category_id WHERE t.subject = 'Phishing mail'`); err != nil || !security {
		t.Errorf("a customer's mail to the security address: security concern %v (%v)", security, err)
	}
	// A staff member's report: an incident (TestStaffMailToSecurityIsTheirIncidentReport).
	if err := sendSMTP(addr, []string{"security@tugi.example"}, mailFrom("employee@tugi.example", "Lost laptop", "I lost my laptop.")); err != nil {
		t.Fatal(err)
	}
	var state, reason string
	if err := a.DB.QueryRow(`SELECT state, reason FROM inbound_mail WHERE subject = 'Lost laptop'`).Scan(&state, &reason); err != nil || state != inbound.Incident || !strings.HasPrefix(reason, "INC-") {
		t.Errorf("staff report: %q %q %v", state, reason, err)
	}
}

// sink is an SMTP server that keeps what Tugi's outbox sends.
type sink struct {
	mu   sync.Mutex
	msgs [][]byte
}

func (s *sink) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct{ s *sink }

func (*sinkSession) Reset()                                 {}
func (*sinkSession) Logout() error                          { return nil }
func (*sinkSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (*sinkSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, b)
	ss.s.mu.Unlock()
	return err
}

func startSink(t *testing.T) (*sink, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{}
	srv := gosmtp.NewServer(s)
	srv.Domain = "sink.example"
	srv.AllowInsecureAuth = true
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s, ln.Addr().String()
}

// sent sends the outbox and returns the messages to address to.
func sent(t *testing.T, a *apptest.App, s *sink, addr, to string) []*netmail.Message {
	t.Helper()
	smtpCfg, err := config.ParseSMTPURL("smtp://" + addr + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	w := mail.NewWorker(a.DB, config.Mail{SMTP: smtpCfg, From: &netmail.Address{Name: "Tugi", Address: "support@tugi.example"},
		Domain: "tugi.example", MaxAttempts: 3}, slog.New(slog.DiscardHandler))
	if err := w.Send(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*netmail.Message
	for _, raw := range s.msgs {
		m, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(m.Header.Get("To"), to) {
			out = append(out, m)
		}
	}
	s.msgs = nil
	return out
}

// TestJourneyMailToTicketAndBack: a customer mails support, an agent answers in Tugi,
// the answer threads in the customer's client, the customer's reply reaches the same
// ticket; another organisation's reply quoting the reference opens its own; an
// out-of-office creates nothing; a bounce reopens nothing.
func TestJourneyMailToTicketAndBack(t *testing.T) {
	a := newApp(t)
	addr := startReceiver(t, a, inbound.SMTPOptions{})
	s, sinkAddr := startSink(t)

	first := mailFrom("Mari Maasikas <"+demoCustomer+">", "Eksport ei tööta", "Tere!\n\nAruande eksport annab vea.\n\nMari",
		"Message-ID: <CAF1rst.mari@mail.gmail.com>")
	if err := sendSMTP(addr, []string{"support@tugi.example"}, first); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := a.DB.Get(&id, `SELECT id FROM tickets WHERE subject = 'Eksport ei tööta'`); err != nil {
		t.Fatal(err)
	}
	agent := a.SignIn(t, "agent@tugi.example")
	q := agent.Get(t, "/queue", http.StatusOK)
	if !strings.Contains(q.Doc.Text(), "Eksport ei tööta") {
		t.Fatal("the mailed ticket is not in the agent's queue")
	}
	if n := count(t, a, `SELECT count(*) FROM ticket_clocks WHERE ticket_id = $1 AND running_since IS NOT NULL`, id); n == 0 {
		t.Error("no SLA clock runs on the mailed ticket")
	}
	ack := sent(t, a, s, sinkAddr, demoCustomer)
	if len(ack) != 1 || ack[0].Header.Get("In-Reply-To") != "<CAF1rst.mari@mail.gmail.com>" || ack[0].Header.Get("Auto-Submitted") != "auto-replied" {
		t.Fatalf("acknowledgement: %d messages %v", len(ack), headersOf(ack))
	}

	agent.Post(t, fmt.Sprintf("/tickets/%d/reply", id), url.Values{"body": {"Palun proovige uuesti."}, "then": {"wait"}}, http.StatusSeeOther)
	replies := sent(t, a, s, sinkAddr, demoCustomer)
	if len(replies) != 1 {
		t.Fatalf("%d mails to the customer after the agent's reply", len(replies))
	}
	h := replies[0].Header
	if h.Get("In-Reply-To") != "<CAF1rst.mari@mail.gmail.com>" || !strings.Contains(h.Get("References"), "<CAF1rst.mari@mail.gmail.com>") ||
		!strings.Contains(h.Get("References"), fmt.Sprintf("<ticket-%d@tugi.example>", id)) || h.Get("Thread-Index") == "" {
		t.Errorf("the agent's reply does not thread: %v", h)
	}
	body, _ := io.ReadAll(replies[0].Body)
	if strings.Contains(string(body), "Aruande eksport annab vea") {
		t.Errorf("the agent's reply quotes the customer: %s", body)
	}

	// The customer answers from their mail client.
	answer := mailFrom("Mari Maasikas <"+demoCustomer+">", "Re: "+h.Get("Subject"), "Nüüd töötab, aitäh!\n\nOn Mon, Tugi wrote:\n> Palun proovige uuesti.",
		"In-Reply-To: "+h.Get("Message-Id"), "References: <CAF1rst.mari@mail.gmail.com> "+h.Get("Message-Id"))
	if err := sendSMTP(addr, []string{"support@tugi.example"}, answer); err != nil {
		t.Fatal(err)
	}
	var status string
	var msgs int
	if err := a.DB.QueryRow(`SELECT status, (SELECT count(*) FROM ticket_messages WHERE ticket_id = $1) FROM tickets WHERE id = $1`, id).Scan(&status, &msgs); err != nil {
		t.Fatal(err)
	}
	if status != "open" || msgs != 3 {
		t.Errorf("after the customer's mailed answer: status %q, %d messages; want open, 3", status, msgs)
	}
	page := agent.Get(t, fmt.Sprintf("/tickets/%d", id), http.StatusOK)
	if !strings.Contains(page.Doc.Text(), "Nüüd töötab, aitäh!") || strings.Contains(page.Doc.Text(), "> Palun proovige uuesti.") {
		t.Errorf("the answer is not on the ticket, or its quote is not folded away")
	}

	// Another organisation's customer quoting the reference: a ticket of their own.
	ref := strings.Trim(strings.Fields(h.Get("Subject"))[0], "[]")
	if err := sendSMTP(addr, []string{"support@tugi.example"}, mailFrom(secondCustomer, "Re: ["+ref+"] Eksport ei tööta", "Meil ka!",
		"In-Reply-To: "+h.Get("Message-Id"))); err != nil {
		t.Fatal(err)
	}
	if n := count(t, a, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, id); n != 3 {
		t.Errorf("another organisation's mail reached the ticket")
	}
	if n := count(t, a, `SELECT count(*) FROM tickets t JOIN users u ON u.id = t.requester_id WHERE u.email = $1 AND t.channel = 'email'`, secondCustomer); n != 1 {
		t.Errorf("another organisation's mail: %d tickets of their own, want 1", n)
	}

	// An out-of-office creates nothing; a bounce reopens nothing.
	tickets := count(t, a, `SELECT count(*) FROM tickets`)
	agent.Post(t, fmt.Sprintf("/tickets/%d/reply", id), url.Values{"body": {"Lahendatud."}, "then": {"wait"}}, http.StatusSeeOther)
	sent(t, a, s, sinkAddr, demoCustomer)
	if err := sendSMTP(addr, []string{"support@tugi.example"}, mailFrom(demoCustomer, "Automatic reply: "+h.Get("Subject"), "Puhkusel.",
		"Auto-Submitted: auto-replied", "In-Reply-To: "+h.Get("Message-Id"))); err != nil {
		t.Fatal(err)
	}
	bounce := strings.NewReplacer("left.company@example-customer.ee", demoCustomer).Replace(string(readFile(t, "testdata/postfix_bounce.eml")))
	if err := sendSMTP(addr, []string{"support@tugi.example"}, []byte(bounce)); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.Get(&status, `SELECT status FROM tickets WHERE id = $1`, id); err != nil || status != "waiting" {
		t.Errorf("after an out-of-office and a bounce the ticket is %q, want still waiting", status)
	}
	if n := count(t, a, `SELECT count(*) FROM tickets`); n != tickets {
		t.Errorf("an out-of-office or a bounce made a ticket")
	}
	if got := sent(t, a, s, sinkAddr, demoCustomer); len(got) != 0 {
		t.Errorf("an automatic message was answered: %v", headersOf(got))
	}
}

func headersOf(ms []*netmail.Message) []netmail.Header {
	var hs []netmail.Header
	for _, m := range ms {
		hs = append(hs, m.Header)
	}
	return hs
}
