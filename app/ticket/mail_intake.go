package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
)

// What e-mail into Tugi (app/inbound) needs of tickets: a ticket opened from a mail, a
// reply or a note added from one, in the transaction of app/inbound's own row for the
// mail, so the mail is marked processed exactly when its ticket change commits; and the
// facts threading decides by.

// MailRequest is a ticket or reply that came by e-mail.
type MailRequest struct {
	Subject  string
	Body     string // the text the sender wrote, quoted history folded away
	Security bool   // to the security address: the security-concern category
	MailID   string // the mail's Message-ID, "" for none
	Files    []File // its attachments and inline images
	Quiet    bool   // the sender asked for no automatic answer
}

// MailFileRefusal is a file of a mail that was not attached: a mail is not refused for
// one file, as a form would be; the agent is told which were left out, and why.
type MailFileRefusal = FileError

// mailFiles checks each file of a mail on its own, against the limits: the accepted ones
// (up to MaxFiles), and why each other one was refused.
func (s *Service) mailFiles(files []File) ([]checkedFile, []MailFileRefusal, error) {
	var ok []checkedFile
	var refused []MailFileRefusal
	for _, f := range files {
		if len(ok) == s.limits.MaxFiles {
			refused = append(refused, FileError{Name: CleanFilename(f.Name), Reason: TooManyFiles})
			continue
		}
		c, err := s.limits.Check([]File{f})
		var fe *FileError
		switch {
		case errors.As(err, &fe):
			refused = append(refused, *fe)
		case err != nil:
			return nil, nil, err
		default:
			ok = append(ok, c...)
		}
	}
	return ok, refused, nil
}

// refusedNote tells, below a mail's text, which of its files were not attached and why.
func refusedNote(refused []MailFileRefusal) string {
	if len(refused) == 0 {
		return ""
	}
	var parts []string
	for _, r := range refused {
		why := map[string]string{TooManyFiles: "too many files", FileTooLarge: "too large", FileEmpty: "empty",
			FileType: "a type Tugi does not take", OverQuota: "over the organisation's storage quota"}[r.Reason]
		parts = append(parts, r.Name+" ("+why+")")
	}
	return "\n\n[Not attached: " + strings.Join(parts, ", ") + "]"
}

// mailCategory is the category of a ticket from mail: the first security category for
// the security address, the first other one otherwise (the admins' order).
func mailCategory(ch Choices, security bool) (int64, error) {
	for _, c := range ch.Categories {
		if c.Security == security {
			return c.ID, nil
		}
	}
	return 0, ErrNoSuchCategory
}

// CreateFromMail opens a ticket for the customer v from their e-mail r, in tx: channel
// e-mail, its SLA clocks running from now, the customer acknowledged (unless r.Quiet) in
// a mail that threads under theirs. Files that fail the attachment checks are left out
// and returned.
func (s *Service) CreateFromMail(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, v *access.Viewer, r MailRequest) (*Ticket, []MailFileRefusal, error) {
	if !v.IsCustomer() || v.OrgID == 0 {
		return nil, nil, ErrNotAllowed
	}
	files, refused, err := s.mailFiles(r.Files)
	if err != nil {
		return nil, nil, err
	}
	r.Body += refusedNote(refused)
	cal, err := s.calendars.Current(ctx)
	if err != nil {
		return nil, nil, err
	}
	fs, err := s.facts(ctx)
	if err != nil {
		return nil, nil, err
	}
	cat, err := mailCategory(fs.choices, r.Security)
	if err != nil {
		return nil, nil, err
	}
	q := s.reads.Tx(tx)
	mailID, err := freeMailID(ctx, q, r.MailID)
	if err != nil {
		return nil, nil, err
	}
	t, ev, err := s.create(ctx, q, v, Request{Subject: r.Subject, Body: r.Body, CategoryID: cat, Impact: OnePerson,
		Channel: Email, MailID: mailID, Quiet: r.Quiet}, files, cal, fs, s.Now())
	if err != nil {
		return nil, nil, err
	}
	return t, refused, audit.Record(ctx, q, actor, ev)
}

// ReplyFromMail adds the customer v's e-mail r to ticket id, in tx, as Reply does for a
// message from the ticket's page (a waiting or solved ticket opens again, the clocks
// run). A closed ticket takes no more (ErrClosed), nor one solved too long ago
// (ErrReopenExpired): the caller opens a new ticket instead.
func (s *Service) ReplyFromMail(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, v *access.Viewer, id int64, r MailRequest) ([]MailFileRefusal, error) {
	files, refused, err := s.mailFiles(r.Files)
	if err != nil {
		return nil, err
	}
	r.Body += refusedNote(refused)
	err = s.applyIn(ctx, tx, actor, v, id, func(c *change) error {
		if c.t.Status == Closed {
			return ErrClosed
		}
		if c.t.Status == Solved && !c.t.CanReopen(c.now) {
			return ErrReopenExpired
		}
		mailID, err := freeMailID(ctx, c.st.q, r.MailID)
		if err != nil {
			return err
		}
		msgID, err := c.st.AddMessage(ctx, NewMessage{TicketID: c.t.ID, OrgID: c.t.OrgID, AuthorID: v.UserID, Channel: Email,
			Body: r.Body, MessageID: mailID, At: c.now})
		if err != nil {
			return err
		}
		attached, err := c.st.attach(ctx, s.blobs, s.limits.OrgQuota, c.t.ID, c.t.OrgID, msgID, v.UserID, files, c.now)
		if err != nil {
			return err
		}
		rules, err := c.rules()
		if err != nil {
			return err
		}
		if to := c.t.Status; to == Waiting || to == Solved || to == OnHold {
			if err := c.setStatus(Open); err != nil {
				return err
			}
		}
		c.clocks = rules.CustomerReplied(c.clocks, c.now)
		c.touched = true
		changes := map[string]audit.Change{"message_id": {New: msgID}, "channel": {New: Email}}
		if len(attached) > 0 {
			changes["attachment_ids"] = audit.Change{New: attached}
		}
		if c.old.Status != c.t.Status {
			changes["status"] = audit.Change{Old: c.old.Status, New: c.t.Status}
		}
		c.record("ticket.reply", changes)
		return nil
	})
	return refused, err
}

// NoteFromMail adds an internal note about a mail to ticket id, in tx: an out-of-office
// reply, or mail held back by a rate limit. No author (Tugi wrote it), no change of
// status or clock, no notice, no activity the customer sees.
func (s *Service) NoteFromMail(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, id int64, body string) error {
	system := &access.Viewer{Roles: []access.Role{access.Agent}}
	return s.applyIn(ctx, tx, actor, system, id, func(c *change) error {
		var msgID int64
		if err := c.st.q.GetContext(ctx, &msgID, insertMailNote, c.t.ID, c.t.OrgID, body, c.now); err != nil {
			return fmt.Errorf("ticket: mail note on %d: %w", c.t.ID, err)
		}
		c.record("ticket.note", map[string]audit.Change{"message_id": {New: msgID}})
		return nil
	})
}

// insertMailNote adds Tugi's internal note $3 to ticket $1 (of organisation $2), with no
// author, and returns its id.
const insertMailNote = `
INSERT INTO ticket_messages (ticket_id, org_id, author_id, internal, channel, body, created_at)
VALUES ($1, $2, NULL, true, 'email', $3, $4)
RETURNING id`

// freeMailID is the Message-ID id, or "" when a message carries it already: a mail sent
// again under the same Message-ID (app/inbound keeps one per Message-ID, so only a
// forged one) records none, rather than fail.
func freeMailID(ctx context.Context, q database.Queryer, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	var taken bool
	if err := q.GetContext(ctx, &taken, messageIDTaken, id); err != nil {
		return "", fmt.Errorf("ticket: mail id: %w", err)
	}
	if taken {
		return "", nil
	}
	return id, nil
}

// applyIn is apply in the caller's transaction tx.
func (s *Service) applyIn(ctx context.Context, sqltx *sqlx.Tx, actor audit.Actor, v *access.Viewer, id int64, fn func(c *change) error) error {
	scope := ScopeOf(v)
	if scope.None() {
		return ErrNotFound
	}
	cal, err := s.calendars.Current(ctx)
	if err != nil {
		return err
	}
	fs, err := s.facts(ctx)
	if err != nil {
		return err
	}
	tx := s.reads.Tx(sqltx)
	st := NewStore(tx)
	t, err := st.Lock(ctx, scope, id)
	if err != nil {
		return err
	}
	clocks, err := st.Clocks(ctx, scope, id)
	if err != nil {
		return err
	}
	c := &change{now: s.Now(), cal: cal, policies: fs.policies, choices: fs.choices, scope: scope, st: st, old: *t, t: t, oldClock: clocks, clocks: clocks}
	if err := fn(c); err != nil {
		return err
	}
	if len(c.events) == 0 {
		return nil
	}
	rules, err := c.rules()
	if err != nil {
		return err
	}
	if err := st.SaveClocks(ctx, id, c.oldClock, c.clocks, cal, rules.Policy.WarnPercent); err != nil {
		return err
	}
	c.t.NextDueAt, c.t.ReplyDueAt = timePtr(c.clocks.NextDue(cal)), timePtr(c.clocks.ReplyDue(cal))
	if c.touched {
		c.t.UpdatedAt = c.now
	}
	return s.save(ctx, tx, actor, v, c)
}

// MailTarget is what threading needs to know of a ticket a mail names.
type MailTarget struct {
	ID          int64     `db:"id"`
	OrgID       int64     `db:"org_id"`
	CreatedAt   time.Time `db:"created_at"`
	Participant bool      `db:"participant"` // the sender asked it, or wrote on it
}

// MailTargetOf reads ticket id for a mail from user sender (0: no user): its
// organisation, and whether the sender takes part in it. ErrNotFound when there is no
// such ticket.
func MailTargetOf(ctx context.Context, q database.Queryer, id, sender int64) (MailTarget, error) {
	var m MailTarget
	err := q.GetContext(ctx, &m, selectMailTarget, id, sender)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("ticket: mail target %d: %w", id, err)
	}
	return m, nil
}

const selectMailTarget = `
SELECT t.id, t.org_id, t.created_at,
       (t.requester_id = $2 OR EXISTS (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = t.id AND m.author_id = $2)) AS participant
FROM tickets t WHERE t.id = $1`

// MailOfMessage returns the ticket whose message carries the e-mail Message-ID id (a
// customer's mail, or an agent's reply as sent), or ErrNotFound.
func MailOfMessage(ctx context.Context, q database.Queryer, ids []string) (int64, error) {
	var ticketID int64
	err := q.GetContext(ctx, &ticketID, selectTicketOfMailIDs, pq.Array(ids))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("ticket: ticket of mail: %w", err)
	}
	return ticketID, nil
}

const selectTicketOfMailIDs = `
SELECT ticket_id FROM ticket_messages WHERE message_id = ANY ($1::text[]) ORDER BY id DESC LIMIT 1`

// thread is how a notice about a ticket threads in the recipient's mail client beside
// the customer's own mail: the Message-ID it answers (the customer's latest mail on the
// ticket), the thread's earlier ones, and its Auto-Submitted value.
type thread struct {
	inReplyTo     string
	references    []string
	autoSubmitted string
}

// mailThread reads the e-mail Message-IDs of the customer's mail on ticket id (those
// with an "@": Tugi's own are stored without their domain) for a notice of kind.
func mailThread(ctx context.Context, q database.Queryer, id int64, kind string) (thread, error) {
	var ids []string
	if err := q.SelectContext(ctx, &ids, selectCustomerMailIDs, id); err != nil {
		return thread{}, fmt.Errorf("ticket: mail thread of %d: %w", id, err)
	}
	return threadOf(ids, kind), nil
}

// threadOf is the thread of a notice of kind on a ticket whose customer mail has the
// Message-IDs ids, oldest first.
func threadOf(ids []string, kind string) thread {
	var th thread
	if len(ids) > 0 {
		th.inReplyTo = ids[len(ids)-1]
		if len(ids) > 20 { // the first and the latest: enough for every client
			ids = append(ids[:1:1], ids[len(ids)-19:]...)
		}
		th.references = ids
		if kind == "ticket.created" {
			th.autoSubmitted = "auto-replied" // RFC 3834: an automatic answer to their mail
		}
	}
	return th
}

const selectCustomerMailIDs = `
SELECT message_id FROM ticket_messages
WHERE ticket_id = $1 AND NOT internal AND channel = 'email' AND message_id LIKE '%@%'
ORDER BY id`
