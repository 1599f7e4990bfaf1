package mail

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"tugi/app/audit"
	"tugi/app/config"
	"tugi/app/database"
)

// The worker's defaults.
const (
	DefaultBatch = 10              // messages sent over one connection at a time
	DefaultPoll  = 3 * time.Second // how often it looks for due mail
	// DefaultLease is how long a claimed message is the worker's alone. It outlasts
	// connecting (at most twice sendTimeout) and a send (at most sendTimeout), so a live
	// worker never loses a message it is sending to another; a worker that dies holds its
	// one message in flight this long.
	DefaultLease = 3 * time.Minute
	// ClearEvery is how often the bodies older than KeepBody are cleared.
	ClearEvery = time.Hour
	// KeepBody is how long the text of a sent (or given-up) message is kept; then it is
	// cleared, as personal data no longer needed. The row, without it, stays as a record.
	KeepBody = 7 * 24 * time.Hour
	// sendTimeout bounds connecting and each SMTP command, so a hanging server cannot hold
	// a claimed message for long.
	sendTimeout = 30 * time.Second
	// interrupted is the last error of a message claimed again after its lease ran out.
	interrupted = "an earlier attempt was interrupted after it may have been sent: sent again with the same Message-ID"
)

// Worker sends the outbox's due messages over SMTP. Any number of workers, in any number
// of processes, may run against one outbox: each message is claimed with a lease (FOR
// UPDATE SKIP LOCKED, committed before the send), then sent, then marked in a transaction
// of its own, so no two workers send one message, and a fault (a crash, a lost database)
// can repeat at most the one message in flight, recorded as possibly sent.
type Worker struct {
	db    *sqlx.DB
	cfg   config.Mail
	log   *slog.Logger
	owner string // host and pid, written as leased_by
	Batch int
	Poll  time.Duration
	Lease time.Duration
}

// NewWorker returns a worker sending through the server cfg names.
func NewWorker(db *sqlx.DB, cfg config.Mail, log *slog.Logger) *Worker {
	if cfg.MaxAttempts < 1 {
		cfg.MaxAttempts = config.DefaultMailMaxAttempts
	}
	host, _ := os.Hostname()
	return &Worker{db: db, cfg: cfg, log: log, owner: host + ":" + strconv.Itoa(os.Getpid()),
		Batch: DefaultBatch, Poll: DefaultPoll, Lease: DefaultLease}
}

// Backoff is the pause after a message's attempts-th failed attempt: 1 minute, doubling,
// at most an hour.
func Backoff(attempts int) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	if attempts > 7 {
		return time.Hour
	}
	return min(time.Minute<<(attempts-1), time.Hour)
}

// Configured reports whether a mail server is configured, and says in the log where mail
// goes. Without a server it says once that mail stays queued, and how to read it in
// development; the job "mail.send" (Send) is then not run.
func (w *Worker) Configured(ctx context.Context) bool {
	if w.cfg.SMTP == nil {
		var n int
		_ = w.db.GetContext(ctx, &n, countQueued)
		w.log.Warn("e-mail is not sent: TUGI_SMTP_URL is unset, so mail stays queued in the table mail_outbox. "+
			"To read it in development: go tool task mail, then start Tugi with "+
			"TUGI_SMTP_URL='smtp://127.0.0.1:1025?tls=none' TUGI_MAIL_FROM='Tugi <tugi@localhost>' (docs/email.md)", "queued", n)
		return false
	}
	w.log.Info("sending e-mail", "server", w.cfg.SMTP.String(), "from", w.cfg.From.String())
	return true
}

// Send is a pass of the job "mail.send", run every Poll: it sends the due mail, batch
// after batch as long as they come full, so a burst goes out at once rather than a batch
// every Poll. When the mail server cannot be reached, the error is an *UnreachableError
// (the batch's messages are retried later, each after its backoff).
func (w *Worker) Send(ctx context.Context) error {
	for {
		n, err := w.SendDue(ctx)
		if err != nil {
			return err
		}
		if n < w.Batch || ctx.Err() != nil {
			return nil
		}
	}
}

// ClearBodies is a pass of the job "mail.clear_bodies", run hourly: Purge.
func (w *Worker) ClearBodies(ctx context.Context) error {
	if _, err := w.Purge(ctx); err != nil {
		return fmt.Errorf("mail: clearing old message bodies: %w", err)
	}
	return nil
}

type outgoing struct {
	ID           int64  `db:"id"`
	MessageID    string `db:"message_id"`
	ThreadID     string `db:"thread_id"`
	To           string `db:"to_address"`
	ToName       string `db:"to_name"`
	Subject      string `db:"subject"`
	Body         string `db:"body_text"`
	Kind         string `db:"kind"`
	Attempts     int    `db:"attempts"` // this attempt included
	PossiblySent bool   `db:"possibly_sent"`
	// The Message-IDs the message answers (in_reply_to) and its thread's earlier ones
	// (references_ids, space-separated), as full ids; empty: the thread's first only.
	InReplyTo     string `db:"in_reply_to"`
	References    string `db:"references_ids"`
	AutoSubmitted string `db:"auto_submitted"`
}

// SendDue sends up to Batch due messages over one connection and returns how many it
// claimed. Each is claimed (its attempt counted, under a lease) before it is sent, and
// marked sent, or failed with its next attempt (or given up), right after, each in a
// transaction of its own: if the database is lost in between, only the message in flight
// is left claimed, and when its lease runs out it is sent again, recorded as possibly
// sent. When ctx ends, no further message is claimed; the one in flight is still marked.
// When the mail server cannot be reached, every message claimed is marked failed and the
// error returned is an *UnreachableError.
func (w *Worker) SendDue(ctx context.Context) (int, error) {
	if w.cfg.SMTP == nil {
		return 0, errors.New("mail: no mail server configured (TUGI_SMTP_URL)")
	}
	var (
		claimed int
		client  *gomail.Client
		conn    *gosmtp.Client
		dialErr error
	)
	defer func() {
		if conn != nil {
			_ = client.CloseWithSMTPClient(conn)
		}
	}()
	for claimed < w.Batch && ctx.Err() == nil {
		var m outgoing
		err := w.db.GetContext(ctx, &m, claimNext, w.Lease.Seconds(), w.owner, interrupted)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return claimed, fmt.Errorf("mail: claim: %w", err)
		}
		claimed++
		if m.PossiblySent && m.Attempts > w.cfg.MaxAttempts {
			// Interrupted again and again (a message that kills its worker?): given up
			// rather than sent once more.
			if err := w.record(context.WithoutCancel(ctx), m, errors.New(interrupted), true, false); err != nil {
				return claimed, err
			}
			continue
		}
		if m.PossiblySent {
			w.log.Warn("mail claimed again after an interrupted attempt; it may be delivered twice",
				"outbox_id", m.ID, "kind", m.Kind, "attempts", m.Attempts)
		}
		if claimed == 1 {
			client, conn, dialErr = w.dial(ctx)
		}
		sendErr, permanent := dialErr, false
		if sendErr == nil {
			var msg *gomail.Msg
			if msg, sendErr = w.compose(m); sendErr != nil {
				permanent = true
			} else {
				sendErr = client.SendWithSMTPClient(conn, msg)
			}
		}
		// What was sent must be recorded as sent, also when ctx has ended meanwhile.
		if err := w.record(context.WithoutCancel(ctx), m, sendErr, permanent, dialErr != nil); err != nil {
			return claimed, err
		}
	}
	if dialErr != nil {
		return claimed, &UnreachableError{Server: w.cfg.SMTP.String(), Messages: claimed, Err: dialErr}
	}
	return claimed, nil
}

// UnreachableError is a batch that could not be sent because connecting to the mail
// server (or starting TLS, or signing in) failed.
type UnreachableError struct {
	Server   string // without the password
	Messages int    // in the batch, each to be retried (or given up)
	Err      error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("mail: cannot send through %s: %s", e.Server, shortError(e.Err))
}

func (e *UnreachableError) Unwrap() error { return e.Err }

func (w *Worker) dial(ctx context.Context) (*gomail.Client, *gosmtp.Client, error) {
	s := w.cfg.SMTP
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(sendTimeout), gomail.WithHELO(w.cfg.Domain),
		gomail.WithTLSConfig(&tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12})}
	switch s.Security {
	case config.TLS:
		opts = append(opts, gomail.WithSSL())
	case config.STARTTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case config.NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.Username),
			gomail.WithPassword(s.Password))
	}
	client, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, nil, err
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, nil, err
	}
	return client, conn, nil
}

// compose builds the message m: From the configuration, the Message-ID of its row, and
// when it belongs to a thread, the headers that thread it in every client:
// In-Reply-To (the customer's mail it answers, else the thread's first message) and
// References (the thread's first message, then the customer's mail: Gmail and Apple Mail
// thread by these), and Thread-Index and Thread-Topic (Outlook threads by these). The
// body is plain UTF-8 text, quoted-printable.
func (w *Worker) compose(m outgoing) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.FromFormat(w.cfg.From.Name, w.cfg.From.Address); err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}
	if err := msg.AddToFormat(oneLine(m.ToName), m.To); err != nil {
		return nil, fmt.Errorf("recipient %q is not a valid address", m.To)
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetMessageIDWithValue(m.MessageID + "@" + w.cfg.Domain)
	if m.ThreadID != "" {
		root := m.ThreadID + "@" + w.cfg.Domain
		refs := []string{"<" + root + ">"}
		for _, id := range strings.Fields(m.References) {
			if id != root {
				refs = append(refs, "<"+oneLine(id)+">")
			}
		}
		reply := "<" + root + ">"
		if m.InReplyTo != "" {
			reply = "<" + oneLine(m.InReplyTo) + ">"
		}
		msg.SetGenHeader(gomail.HeaderInReplyTo, reply)
		msg.SetGenHeader(gomail.HeaderReferences, strings.Join(refs, " "))
		msg.SetGenHeader(gomail.Header("Thread-Index"), ThreadIndex(root, m.MessageID))
		msg.SetGenHeader(gomail.Header("Thread-Topic"), oneLine(threadTopic(m.Subject)))
	}
	// RFC 3834: an automatic message, so out-of-office replies are not sent back to it:
	// auto-replied for an answer to someone's mail, auto-generated for other notices.
	auto := m.AutoSubmitted
	if auto == "" {
		auto = "auto-generated"
	}
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), auto)
	msg.SetUserAgent("Tugi") // instead of go-mail's name and version
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return msg, nil
}

// ThreadIndex is the Thread-Index header Outlook threads by: a 22-byte conversation
// header (a version byte, five bytes and a 16-byte conversation id, all derived from the
// thread's root Message-ID, so every message of the thread shares it) and a 5-byte child
// block for this message, base64-encoded.
func ThreadIndex(root, messageID string) string {
	h := sha256.Sum256([]byte(root))
	c := sha256.Sum256([]byte(messageID))
	b := make([]byte, 0, 27)
	b = append(b, 0x01)
	b = append(b, h[:21]...)
	b = append(b, c[:5]...)
	return base64.StdEncoding.EncodeToString(b)
}

// threadTopic is a subject without its reference, as Outlook's Thread-Topic names a
// conversation.
func threadTopic(subject string) string {
	if strings.HasPrefix(subject, "[") {
		if i := strings.Index(subject, "] "); i > 0 {
			return subject[i+2:]
		}
	}
	return subject
}

// record stores the outcome of sending m, and releases its lease: sent when sendErr is
// nil; otherwise a failed attempt, and the message given up after the last one, or at once
// when permanent. A retry is logged unless quiet (the failure to connect is logged once).
func (w *Worker) record(ctx context.Context, m outgoing, sendErr error, permanent, quiet bool) error {
	if sendErr == nil {
		if _, err := w.db.ExecContext(ctx, markSent, m.ID); err != nil {
			return fmt.Errorf("mail: mark %d sent: %w", m.ID, err)
		}
		w.log.Debug("mail sent", "outbox_id", m.ID, "kind", m.Kind)
		return nil
	}
	reason := shortError(sendErr)
	var gaveUp bool
	err := w.db.GetContext(ctx, &gaveUp, markFailed, m.ID, reason, Backoff(m.Attempts).Seconds(), w.cfg.MaxAttempts, permanent)
	if err != nil {
		return fmt.Errorf("mail: mark %d failed: %w", m.ID, err)
	}
	if gaveUp {
		w.log.Error("mail given up", "outbox_id", m.ID, "kind", m.Kind, "attempts", m.Attempts, "error", reason)
	} else if !quiet {
		w.log.Warn("mail not sent; will retry", "outbox_id", m.ID, "kind", m.Kind, "attempts", m.Attempts,
			"retry_in", Backoff(m.Attempts), "error", reason)
	}
	return nil
}

// oneLine is s with its line breaks and other control characters turned into spaces: a
// header value from a form can never start a header of its own, nor make the message
// unsendable.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// shortError is err on one line of at most 300 bytes, for last_error. The SMTP password
// is never part of an error: go-mail does not log or wrap authentication data.
func shortError(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "") + "…"
	}
	return s
}

// Purge clears the text of messages sent or given up on more than KeepBody ago, and
// returns how many it cleared. Clearing is audited (mail.clear_bodies, by the job "mail",
// with the number of messages), as personal data removed.
func (w *Worker) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := database.WithTx(ctx, w.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, purgeBodies, KeepBody.Seconds())
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return audit.Record(ctx, tx, audit.Job("mail"), audit.Event{Action: "mail.clear_bodies", ObjectType: "mail_outbox",
			Changes: map[string]audit.Change{"messages": {New: n}}})
	})
	return n, err
}
