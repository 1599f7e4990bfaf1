package mail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jmoiron/sqlx"

	"tugi/app/config"
	"tugi/app/mail"
	"tugi/app/testdb"
)

// received is one message as the test SMTP server got it.
type received struct {
	from string
	to   []string
	data string
}

// smtpServer is a real SMTP server in the test process (emersion/go-smtp), keeping what
// it receives.
type smtpServer struct {
	addr string
	srv  *smtp.Server
	mu   sync.Mutex
	msgs []received
	// onData, when set, runs as the n-th message (from 1) has been received, before the
	// server acknowledges it.
	onData func(n int)
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }

type session struct {
	s   *smtpServer
	msg received
}

func (x *session) Reset()        { x.msg = received{} }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.msg.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.msg.to = append(x.msg.to, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.msg.data = string(b)
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, x.msg)
	n, hook := len(x.s.msgs), x.s.onData
	x.s.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return nil
}

// startSMTP starts a server on addr ("127.0.0.1:0" for any port).
func startSMTP(t *testing.T, addr string) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{addr: ln.Addr().String()}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// freeAddr returns an address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func worker(t *testing.T, db *sqlx.DB, addr string, maxAttempts int) *mail.Worker {
	t.Helper()
	smtpCfg, err := config.ParseSMTPURL("smtp://" + addr + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	w := mail.NewWorker(db, config.Mail{SMTP: smtpCfg, From: &netmail.Address{Name: "Tugi Klienditugi", Address: "support@tugi.example"},
		Domain: "tugi.example", MaxAttempts: maxAttempts}, slog.New(slog.DiscardHandler))
	return w
}

func enqueue(t *testing.T, db *sqlx.DB, m mail.Message) string {
	t.Helper()
	id, err := mail.Enqueue(context.Background(), db, m)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// header returns the value of a header of a raw message, unfolded and MIME-decoded.
func header(t *testing.T, raw, name string) string {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, raw)
	}
	v := msg.Header.Get(name)
	if d, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		return d
	}
	return v
}

func body(t *testing.T, raw string) string {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type outboxRow struct {
	Attempts    int        `db:"attempts"`
	LastError   string     `db:"last_error"`
	SentAt      *time.Time `db:"sent_at"`
	FailedAt    *time.Time `db:"failed_at"`
	RetryInSecs float64    `db:"retry_in"`
}

func row(t *testing.T, db *sqlx.DB, messageID string) outboxRow {
	t.Helper()
	var r outboxRow
	err := db.Get(&r, `SELECT attempts, last_error, sent_at, failed_at, extract(epoch FROM next_attempt_at - now()) AS retry_in
		FROM mail_outbox WHERE message_id = $1`, messageID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestWorkerSendsWithHeaders(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	srv := startSMTP(t, "127.0.0.1:0")
	w := worker(t, db, srv.addr, 5)
	thread := mail.ThreadOf("ticket", "12")
	id := enqueue(t, db, mail.Message{To: mail.Address{Name: "Mari Maasikas", Email: "Mari@Demo-Customer.example"},
		Subject: "[T-2026-00012] Õun, äpp, öö, üle – šokolaad ja žürii", Text: "Tere!\n\nJõudsime Teie pöördumiseni: öö, äär, üks, šokk, žanr.\n",
		Thread: thread, Kind: "ticket.reply", ObjectType: "ticket", ObjectID: "12"})

	n, err := w.SendDue(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("SendDue = %d, %v; want 1 claimed", n, err)
	}
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("the server received %d messages, want 1", len(got))
	}
	m := got[0]
	if m.from != "support@tugi.example" || len(m.to) != 1 || m.to[0] != "mari@demo-customer.example" {
		t.Errorf("envelope from %q to %v", m.from, m.to)
	}
	for name, want := range map[string]string{
		"Message-ID":     "<" + id + "@tugi.example>",
		"In-Reply-To":    "<ticket-12@tugi.example>",
		"References":     "<ticket-12@tugi.example>",
		"From":           `"Tugi Klienditugi" <support@tugi.example>`,
		"To":             `"Mari Maasikas" <mari@demo-customer.example>`,
		"Subject":        "[T-2026-00012] Õun, äpp, öö, üle – šokolaad ja žürii",
		"Auto-Submitted": "auto-generated",
	} {
		if got := header(t, m.data, name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if !strings.HasPrefix(id, "ticket-12.") {
		t.Errorf("Message-ID local part %q does not begin with its thread", id)
	}
	if ct := header(t, m.data, "Content-Type"); !strings.Contains(ct, "text/plain") || !strings.Contains(strings.ToLower(ct), "utf-8") {
		t.Errorf("Content-Type %q, want text/plain in UTF-8", ct)
	}
	if b := body(t, m.data); !strings.Contains(b, "Jõudsime Teie pöördumiseni: öö, äär, üks, šokk, žanr.") {
		t.Errorf("body lost its letters:\n%s", b)
	}
	if r := row(t, db, id); r.SentAt == nil || r.Attempts != 1 || r.LastError != "" {
		t.Errorf("after sending: %+v", r)
	}
	// Sent once: the next round finds nothing.
	if n, err := w.SendDue(context.Background()); n != 0 || err != nil || len(srv.received()) != 1 {
		t.Errorf("second round claimed %d (%v); server has %d", n, err, len(srv.received()))
	}
}

func TestWorkerRetriesWhileServerIsDown(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	addr := freeAddr(t)
	w := worker(t, db, addr, 10)
	id := enqueue(t, db, mail.Message{To: mail.Address{Email: "agent@tugi.example"}, Subject: "Hello", Text: "Body", Kind: "test"})

	// Down: the attempt fails, and the message waits 1 minute, then 2.
	for i, wait := range []time.Duration{time.Minute, 2 * time.Minute} {
		var down *mail.UnreachableError
		if _, err := w.SendDue(context.Background()); !errors.As(err, &down) || down.Messages != 1 {
			t.Fatalf("SendDue with the server down: %v, want an UnreachableError for 1 message", err)
		}
		r := row(t, db, id)
		if r.SentAt != nil || r.FailedAt != nil || r.Attempts != i+1 || r.LastError == "" {
			t.Fatalf("after failed attempt %d: %+v", i+1, r)
		}
		if d := time.Duration(r.RetryInSecs * float64(time.Second)); d < wait-5*time.Second || d > wait+time.Second {
			t.Errorf("after attempt %d the next is in %s, want %s", i+1, d, wait)
		}
		if strings.Contains(r.LastError, "\n") || len(r.LastError) > 310 {
			t.Errorf("last_error is not one short line: %q", r.LastError)
		}
		// Not due yet: nothing is claimed.
		if n, _ := w.SendDue(context.Background()); n != 0 {
			t.Errorf("claimed a message that is not due yet")
		}
		mustExec(t, db, `UPDATE mail_outbox SET next_attempt_at = now() WHERE message_id = $1`, id) // time passes
	}

	srv := startSMTP(t, addr) // the server is back
	if _, err := w.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := srv.received(); len(got) != 1 || header(t, got[0].data, "Message-ID") != "<"+id+"@tugi.example>" {
		t.Fatalf("the server received %d messages after it came back, want the one queued", len(got))
	}
	if r := row(t, db, id); r.SentAt == nil || r.Attempts != 3 || r.LastError != "" {
		t.Errorf("after delivery: %+v", r)
	}
}

func TestWorkerGivesUp(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	w := worker(t, db, freeAddr(t), 3)
	id := enqueue(t, db, mail.Message{To: mail.Address{Email: "agent@tugi.example"}, Subject: "Hello", Text: "Body", Kind: "test"})
	for i := 1; i <= 3; i++ {
		if _, err := w.SendDue(context.Background()); err == nil {
			t.Fatal("SendDue with the server down reported no error")
		}
		r := row(t, db, id)
		if r.Attempts != i || (r.FailedAt != nil) != (i == 3) {
			t.Fatalf("after attempt %d: attempts %d, given up %v", i, r.Attempts, r.FailedAt != nil)
		}
		mustExec(t, db, `UPDATE mail_outbox SET next_attempt_at = now() WHERE message_id = $1`, id)
	}
	if n, _ := w.SendDue(context.Background()); n != 0 {
		t.Error("a message given up on was tried again")
	}
}

func TestTwoWorkersSendEachMessageOnce(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	srv := startSMTP(t, "127.0.0.1:0")
	const total = 60
	ids := map[string]bool{}
	for range total {
		ids["<"+enqueue(t, db, mail.Message{To: mail.Address{Email: "agent@tugi.example"}, Subject: "S", Text: "B", Kind: "test"})+"@tugi.example>"] = true
	}
	var wg sync.WaitGroup
	for range 2 {
		w := worker(t, db, srv.addr, 5)
		w.Batch = 4
		wg.Go(func() {
			for {
				n, err := w.SendDue(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, m := range srv.received() {
		seen[header(t, m.data, "Message-ID")]++
	}
	for id, n := range seen {
		if n != 1 || !ids[id] {
			t.Errorf("%s received %d times (queued: %v)", id, n, ids[id])
		}
	}
	if len(seen) != total {
		t.Errorf("%d distinct messages received, want %d", len(seen), total)
	}
	if n := count(t, db, `SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL AND attempts = 1`); n != total {
		t.Errorf("%d rows sent on the first attempt, want %d", n, total)
	}
}

func TestWorkerRefusesPlainTextWhenSTARTTLSIsRequired(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	srv := startSMTP(t, "127.0.0.1:0") // offers no STARTTLS
	smtpCfg, err := config.ParseSMTPURL("smtp://tugi:secret-password@" + srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	w := mail.NewWorker(db, config.Mail{SMTP: smtpCfg, From: &netmail.Address{Address: "support@tugi.example"}, Domain: "tugi.example", MaxAttempts: 5},
		slog.New(slog.DiscardHandler))
	id := enqueue(t, db, mail.Message{To: mail.Address{Email: "agent@tugi.example"}, Subject: "S", Text: "B", Kind: "test"})
	_, err = w.SendDue(context.Background())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") || strings.Contains(err.Error(), "secret-password") {
		t.Errorf("SendDue without STARTTLS: %v, want an error about STARTTLS, without the password", err)
	}
	if len(srv.received()) != 0 {
		t.Fatal("mail went over a connection without TLS")
	}
	r := row(t, db, id)
	if r.SentAt != nil || r.Attempts != 1 || strings.Contains(r.LastError, "secret-password") {
		t.Errorf("after refusing: %+v", r)
	}
}

func TestPurgeClearsOldBodies(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	w := worker(t, db, freeAddr(t), 5)
	old := enqueue(t, db, mail.Message{To: mail.Address{Email: "a@tugi.example"}, Subject: "S", Text: "old", Kind: "test"})
	recent := enqueue(t, db, mail.Message{To: mail.Address{Email: "a@tugi.example"}, Subject: "S", Text: "recent", Kind: "test"})
	queued := enqueue(t, db, mail.Message{To: mail.Address{Email: "a@tugi.example"}, Subject: "S", Text: "queued", Kind: "test"})
	mustExec(t, db, `UPDATE mail_outbox SET sent_at = now() - interval '8 days' WHERE message_id = $1`, old)
	mustExec(t, db, `UPDATE mail_outbox SET sent_at = now() - interval '6 days' WHERE message_id = $1`, recent)
	n, err := w.Purge(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1", n, err)
	}
	if n := count(t, db, `SELECT count(*) FROM audit_events WHERE action = 'mail.clear_bodies' AND actor_job = 'mail' AND changes->'messages'->>'new' = '1'`); n != 1 {
		t.Errorf("%d audit events of clearing one message, want 1", n)
	}
	if n, err := w.Purge(context.Background()); err != nil || n != 0 {
		t.Errorf("second Purge = %d, %v; want nothing to clear", n, err)
	}
	if n := count(t, db, `SELECT count(*) FROM audit_events WHERE action = 'mail.clear_bodies'`); n != 1 {
		t.Errorf("a Purge that cleared nothing was audited (%d events)", n)
	}
	for id, want := range map[string]string{old: "", recent: "recent", queued: "queued"} {
		var b string
		if err := db.Get(&b, `SELECT body_text FROM mail_outbox WHERE message_id = $1`, id); err != nil || b != want {
			t.Errorf("body %q (%v), want %q", b, err, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempts, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 6: 32 * time.Minute, 7: time.Hour, 40: time.Hour} {
		if got := mail.Backoff(attempts); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", attempts, got, want)
		}
	}
	var total time.Duration
	for i := 1; i < config.DefaultMailMaxAttempts; i++ {
		total += mail.Backoff(i)
	}
	if total < 46*time.Hour || total > 50*time.Hour {
		t.Errorf("the default gives up after %s, want about two days", total)
	}
}

func mustExec(t *testing.T, db *sqlx.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, db *sqlx.DB, q string) int {
	t.Helper()
	var n int
	if err := db.Get(&n, q); err != nil {
		t.Fatal(err)
	}
	return n
}

// A pass of mail.send sends a burst of mail at once, batch after batch, not one batch
// per interval.
func TestSendSendsEveryFullBatch(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	srv := startSMTP(t, "127.0.0.1:0")
	w := worker(t, db, srv.addr, 5)
	w.Batch = 3
	for i := range 7 {
		enqueue(t, db, mail.Message{To: mail.Address{Email: "agent@tugi.example"}, Subject: fmt.Sprint("S", i), Text: "B", Kind: "test"})
	}
	if err := w.Send(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.received()); n != 7 {
		t.Errorf("one pass sent %d of 7 messages in batches of 3", n)
	}
	if n := count(t, db, `SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL`); n != 0 {
		t.Errorf("%d messages left unsent", n)
	}
}

// A pass against a server that cannot be reached fails, saying so, for the job runner to
// record; the messages stay due for later.
func TestSendFailsWhenTheServerIsDown(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	w := worker(t, db, freeAddr(t), 5)
	enqueue(t, db, mail.Message{To: mail.Address{Email: "agent@tugi.example"}, Subject: "S", Text: "B", Kind: "test"})
	err := w.Send(context.Background())
	var down *mail.UnreachableError
	if !errors.As(err, &down) || down.Messages != 1 {
		t.Fatalf("Send: %v, want an *UnreachableError for 1 message", err)
	}
	if n := count(t, db, `SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL AND attempts = 1`); n != 1 {
		t.Errorf("%d messages waiting for a retry, want 1", n)
	}
}

func TestConfiguredWithoutServerSaysSo(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	var logs strings.Builder
	w := mail.NewWorker(db, config.Mail{}, slog.New(slog.NewTextHandler(&logs, nil)))
	enqueue(t, db, mail.Message{To: mail.Address{Email: "agent@tugi.example"}, Subject: "S", Text: "B", Kind: "test"})
	if w.Configured(context.Background()) {
		t.Error("a worker without TUGI_SMTP_URL says it is configured")
	}
	if !strings.Contains(logs.String(), "TUGI_SMTP_URL is unset") || !strings.Contains(logs.String(), "queued=1") {
		t.Errorf("log: %s", logs.String())
	}
}

func TestHeadersCannotBeInjected(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	srv := startSMTP(t, "127.0.0.1:0")
	enqueue(t, db, mail.Message{To: mail.Address{Name: "Mari\r\nBcc: evil@attacker.example", Email: "mari@demo-customer.example"},
		Subject: "Hello\r\nBcc: evil@attacker.example\r\n\r\nfake body", Text: "B", Kind: "test"})
	if _, err := worker(t, db, srv.addr, 5).SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 1 || len(got[0].to) != 1 {
		t.Fatalf("received %+v", got)
	}
	msg, err := netmail.ReadMessage(strings.NewReader(got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := msg.Header["Bcc"]; ok {
		t.Errorf("a Bcc header was injected:\n%s", got[0].data)
	}
	if s := header(t, got[0].data, "Subject"); s != "Hello  Bcc: evil@attacker.example    fake body" {
		t.Errorf("subject %q", s)
	}
}

// A fault between sending a message and recording it (here the worker's database
// connections are killed, and its pool closed as a process that dies loses it, while the
// server receives the third message of a batch) repeats at most that one message, and the
// outbox records that it may have gone out twice; every other message is delivered once.
func TestFaultBetweenSendAndMarkRepeatsOneMessageAtMost(t *testing.T) {
	t.Parallel()
	dsn := testdb.NewDSN(t)
	open := func() *sqlx.DB { return openPool(t, dsn) }
	ctl, doomed := open(), open()
	srv := startSMTP(t, "127.0.0.1:0")
	const total = 6
	var ids []string
	for range total {
		ids = append(ids, enqueue(t, ctl, mail.Message{To: mail.Address{Email: "agent@tugi.example"}, Subject: "S", Text: "B", Kind: "test"}))
	}
	faulted := make(chan error, 1)
	srv.mu.Lock()
	srv.onData = func(n int) {
		if n != 3 {
			return
		}
		_, err := ctl.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`)
		_ = doomed.Close()
		faulted <- err
	}
	srv.mu.Unlock()
	if _, err := worker(t, doomed, srv.addr, 5).SendDue(context.Background()); err == nil {
		t.Error("SendDue reported no error although its database went away before it could record a sent message")
	}
	if err := <-faulted; err != nil {
		t.Fatalf("killing the worker's connections: %v", err)
	}

	// Another process takes over once the dead one's lease has run out.
	mustExec(t, ctl, `UPDATE mail_outbox SET leased_until = now() - interval '1 second' WHERE leased_until IS NOT NULL`)
	if n, err := worker(t, ctl, srv.addr, 5).SendDue(context.Background()); err != nil || n != total-2 {
		t.Fatalf("the next worker's SendDue = %d, %v; want the %d messages not recorded as sent", n, err, total-2)
	}
	delivered := map[string]int{}
	for _, m := range srv.received() {
		delivered[strings.TrimSuffix(strings.TrimPrefix(header(t, m.data, "Message-ID"), "<"), "@tugi.example>")]++
	}
	for i, id := range ids {
		var r struct {
			outboxRow
			PossiblySent bool `db:"possibly_sent"`
		}
		if err := ctl.Get(&r, `SELECT attempts, last_error, sent_at, failed_at, 0 AS retry_in, possibly_sent
			FROM mail_outbox WHERE message_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		inFlight := i == 2
		want, wantAttempts := 1, 1
		if inFlight {
			want, wantAttempts = 2, 2
		}
		if delivered[id] != want {
			t.Errorf("message %d delivered %d times, want %d", i+1, delivered[id], want)
		}
		if r.SentAt == nil || r.Attempts != wantAttempts || r.PossiblySent != inFlight {
			t.Errorf("message %d: sent %v, attempts %d, possibly sent %v; want sent, %d attempts, possibly sent %v",
				i+1, r.SentAt != nil, r.Attempts, r.PossiblySent, wantAttempts, inFlight)
		}
	}
}

// A message whose attempts keep being interrupted (its worker dies each time) is given up
// after the last attempt, as a failing one is, rather than sent again and again.
func TestInterruptedMessageIsGivenUpAfterTheLastAttempt(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	srv := startSMTP(t, "127.0.0.1:0")
	id := enqueue(t, db, mail.Message{To: mail.Address{Email: "agent@tugi.example"}, Subject: "S", Text: "B", Kind: "test"})
	// Three attempts claimed, the last one's lease run out unreleased.
	mustExec(t, db, `UPDATE mail_outbox SET attempts = 3, leased_until = now() - interval '1 second', leased_by = 'dead:1'
		WHERE message_id = $1`, id)
	if _, err := worker(t, db, srv.addr, 3).SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.received()); n != 0 {
		t.Errorf("a message interrupted on its last attempt was sent again (%d received)", n)
	}
	r := row(t, db, id)
	if r.FailedAt == nil || r.SentAt != nil || !strings.Contains(r.LastError, "interrupted") {
		t.Errorf("after its last attempt was interrupted: %+v; want given up, saying why", r)
	}
	if n := count(t, db, `SELECT count(*) FROM mail_outbox WHERE possibly_sent AND leased_until IS NULL`); n != 1 {
		t.Errorf("%d messages recorded as possibly sent and released, want 1", n)
	}
}

// When the worker's database connections are killed while a message is being sent, but
// the database is still there, the worker records the message as sent on a new
// connection: nothing is left to be sent twice, nor flagged as possibly sent.
func TestConnectionsKilledDuringSendLoseNoMark(t *testing.T) {
	t.Parallel()
	dsn := testdb.NewDSN(t)
	open := func() *sqlx.DB { return openPool(t, dsn) }
	ctl, db := open(), open()
	srv := startSMTP(t, "127.0.0.1:0")
	var ids []string
	for range 4 {
		ids = append(ids, enqueue(t, ctl, mail.Message{To: mail.Address{Email: "agent@tugi.example"}, Subject: "S", Text: "B", Kind: "test"}))
	}
	faulted := make(chan error, 1)
	srv.mu.Lock()
	srv.onData = func(n int) {
		if n == 2 {
			_, err := ctl.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid()`)
			faulted <- err
		}
	}
	srv.mu.Unlock()
	n, err := worker(t, db, srv.addr, 5).SendDue(context.Background())
	if err := <-faulted; err != nil {
		t.Fatalf("killing the worker's connections: %v", err)
	}
	if err != nil || n != 4 {
		t.Errorf("SendDue with its connections killed midway = %d, %v; want all 4 sent", n, err)
	}
	if got := len(srv.received()); got != 4 {
		t.Errorf("%d messages received, want 4", got)
	}
	if n := count(t, ctl, `SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL AND leased_until IS NULL AND NOT possibly_sent AND attempts = 1`); n != 4 {
		t.Errorf("%d messages recorded as sent once, want 4", n)
	}
}

// openPool opens a pool of its own on dsn, closed when the test ends: a worker whose
// connections a test can kill or close without touching the test's own.
func openPool(t *testing.T, dsn string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
