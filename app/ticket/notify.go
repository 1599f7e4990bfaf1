package ticket

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tugi/app/access"
	"tugi/app/calendar"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/mail"
	"tugi/app/sla"
)

// E-mail notices about tickets. They are queued in the outbox (app/mail) in the
// transaction of the change they tell about, before its audit event, so a notice exists
// exactly when its change does:
//
//   - to the customer who asked (the requester): their ticket was received (with when
//     support opens, when it is closed now); an agent replied publicly (never for an
//     internal note); an agent set the ticket waiting, solved or closed;
//   - to agents: the assignee, when someone else assigns the ticket to them; the assignee
//     (or, while nobody has it, the members of its team) when the customer replies.
//
// Nobody is told of their own change, and only active people are told. A customer's
// notice holds only what their ticket page shows them: their ticket, and public messages.
// Every notice is in its recipient's language, its subject starts with the ticket's
// reference, and it belongs to the ticket's mail thread, so mail clients group them.

// recipient is a person a notice goes to; a routing.Agent converts to one.
type recipient struct {
	ID    int64  `db:"id"`
	Email string `db:"email"`
	Name  string `db:"name"`
	Lang  string `db:"language"`
}

// notifier writes the notices; it has what the text needs besides the ticket.
type notifier struct {
	q         database.Queryer
	publicURL string
	now       time.Time
	// mailIDs are the e-mail Message-IDs of the customer's mail on the ticket (see
	// mailThread), when known without reading them (a ticket just opened); nil: read.
	mailIDs []string
}

func (n *notifier) link(id int64) string { return n.publicURL + ticketPath(id) }

// enqueue queues one notice about ticket t to r; body is the text between the greeting
// and the link.
func (n *notifier) enqueue(ctx context.Context, t *Ticket, r recipient, kind, body string) (string, error) {
	m, err := n.message(ctx, t, r, kind, body)
	if err != nil {
		return "", err
	}
	return mail.Enqueue(ctx, n.q, m)
}

// message is the notice enqueue queues.
func (n *notifier) message(ctx context.Context, t *Ticket, r recipient, kind, body string) (mail.Message, error) {
	text := i18n.T(r.Lang, "Dear %s,", r.Name) + "\n\n" + body + "\n\n" +
		i18n.T(r.Lang, "Read and answer it at %s", n.link(t.ID)) + "\n"
	var th thread
	if n.mailIDs != nil {
		th = threadOf(n.mailIDs, kind)
	} else {
		var err error
		if th, err = mailThread(ctx, n.q, t.ID, kind); err != nil {
			return mail.Message{}, err
		}
	}
	return mail.Message{
		InReplyTo:     th.inReplyTo,
		References:    th.references,
		AutoSubmitted: th.autoSubmitted,
		To:            mail.Address{Name: r.Name, Email: r.Email},
		Subject:       "[" + Reference(t.ID, t.CreatedAt) + "] " + t.Subject,
		Text:          text,
		Thread:        mail.ThreadOf("ticket", strconv.FormatInt(t.ID, 10)),
		Kind:          kind,
		ObjectType:    "ticket",
		ObjectID:      strconv.FormatInt(t.ID, 10),
		OrgID:         t.OrgID,
		UserID:        r.ID,
	}, nil
}

func (n *notifier) requester(ctx context.Context, t *Ticket) (*recipient, error) {
	var rs []recipient
	if err := n.q.SelectContext(ctx, &rs, selectRequester, t.RequesterID, t.OrgID); err != nil {
		return nil, fmt.Errorf("ticket notice: requester of %d: %w", t.ID, err)
	}
	if len(rs) == 0 {
		return nil, nil // deactivated, or moved: no mail
	}
	return &rs[0], nil
}

// quote indents a message as mail quotes it.
func quote(body string) string {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(body, "\r\n", "\n"), "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}

// opened is what the caller of notifyCreated knows of the ticket it has just opened,
// so that nothing is read back: the requester (nil: read them), the agent routing
// assigned it to (nil: read them, if it has one), and the e-mail Message-IDs of the
// customer's mail on it (see mailThread; nil: read them).
type opened struct {
	requester *recipient
	assignee  *recipient
	mailIDs   []string
}

// notifyCreated tells the customer that their new ticket t was received, and the agent
// routing assigned it to, if any, that it is theirs, in one statement. o is what the
// caller knows (nil: nothing). Without ack, the customer is not told (their mail asked
// for no automatic answer).
func (s *Service) notifyCreated(ctx context.Context, q database.Queryer, t *Ticket, o *opened, cal *calendar.Calendar, ack bool) error {
	if s.publicURL == "" {
		return nil
	}
	if o == nil {
		o = &opened{}
	}
	n := &notifier{q: q, publicURL: s.publicURL, now: t.CreatedAt, mailIDs: o.mailIDs}
	var ms []mail.Message
	if r := o.requester; ack {
		if r == nil {
			var err error
			if r, err = n.requester(ctx, t); err != nil {
				return err
			}
		}
		if r != nil {
			ref := Reference(t.ID, t.CreatedAt)
			body := i18n.T(r.Lang, "Your ticket %s has been received.", ref)
			if st := sla.StatusAt(cal, n.now); !st.Open && !st.Never {
				body += "\n\n" + i18n.T(r.Lang, "Support is closed now. It opens %s.", (&calendarInfo{cal: cal}).when(r.Lang, st.OpensAt, n.now))
			}
			m, err := n.message(ctx, t, *r, "ticket.created", body)
			if err != nil {
				return err
			}
			ms = append(ms, m)
		}
	}
	// Routing gave it to an agent.
	told, err := n.assignedMessages(ctx, t, 0, o.assignee)
	if err != nil {
		return err
	}
	_, err = mail.EnqueueAll(ctx, q, append(ms, told...))
	return err
}

// notify queues the notices of change c, made by v.
func (s *Service) notify(ctx context.Context, q database.Queryer, c *change, v *access.Viewer) error {
	if s.publicURL == "" {
		return nil
	}
	n := &notifier{q: q, publicURL: s.publicURL, now: c.now}
	t := c.t
	byUserID, replied := v.UserID, false
	for _, ev := range c.events {
		switch ev.Action {
		case "ticket.reply":
			replied = true
			msgID, ok := ev.Changes["message_id"].New.(int64)
			if !ok {
				return fmt.Errorf("ticket notice: reply on %d without its message id", t.ID)
			}
			var body string
			if err := q.GetContext(ctx, &body, selectMessageBody, msgID, t.ID); err != nil {
				return fmt.Errorf("ticket notice: message %d: %w", msgID, err)
			}
			if c.scope.Staff() {
				if err := n.agentReplied(ctx, t, msgID, body); err != nil {
					return err
				}
			} else if err := n.customerReplied(ctx, t, v, body); err != nil {
				return err
			}
		case "ticket.assign", "ticket.hand_back":
			if err := n.assigned(ctx, t, byUserID); err != nil {
				return err
			}
		}
	}
	// An agent's change of status the customer should act on or know of; a reply tells
	// of its own change of status.
	if c.scope.Staff() && !replied && c.old.Status != t.Status {
		if err := n.statusChanged(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// assigned tells t's assignee that the ticket is theirs now, unless they took it
// themself (by is who made the change; 0 for routing).
func (n *notifier) assigned(ctx context.Context, t *Ticket, by int64) error {
	ms, err := n.assignedMessages(ctx, t, by, nil)
	if err != nil {
		return err
	}
	_, err = mail.EnqueueAll(ctx, n.q, ms)
	return err
}

// assignedMessages are the notices assigned queues; known is the assignee when the
// caller has read them (active, an agent), nil: read here.
func (n *notifier) assignedMessages(ctx context.Context, t *Ticket, by int64, known *recipient) ([]mail.Message, error) {
	if t.AssigneeID == nil || *t.AssigneeID == by {
		return nil, nil
	}
	var rs []recipient
	if known != nil && known.ID == *t.AssigneeID {
		rs = append(rs, *known)
	} else if err := n.q.SelectContext(ctx, &rs, selectAgentsToTell, *t.AssigneeID, nil, by); err != nil {
		return nil, fmt.Errorf("ticket notice: assignee of %d: %w", t.ID, err)
	}
	ref := Reference(t.ID, t.CreatedAt)
	ms := make([]mail.Message, 0, len(rs))
	for _, r := range rs {
		m, err := n.message(ctx, t, r, "ticket.assign", i18n.T(r.Lang, "Ticket %s has been assigned to you: %s", ref, t.Subject))
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// statusLine is what the customer reads of their ticket's new status, or "" for a
// status they need not hear of.
func statusLine(lang string, t *Ticket) string {
	ref := Reference(t.ID, t.CreatedAt)
	switch t.Status {
	case Waiting:
		return i18n.T(lang, "Your ticket %s is waiting for your reply.", ref)
	case Solved:
		return i18n.T(lang, "Your ticket %s has been solved. If you still need help, reply within %d days and it opens again.",
			ref, int(ReopenWindow/(24*time.Hour)))
	case Closed:
		return i18n.T(lang, "Your ticket %s has been closed.", ref)
	}
	return ""
}

func (n *notifier) statusChanged(ctx context.Context, t *Ticket) error {
	r, err := n.requester(ctx, t)
	if err != nil || r == nil {
		return err
	}
	line := statusLine(r.Lang, t)
	if line == "" {
		return nil
	}
	_, err = n.enqueue(ctx, t, *r, "ticket.status", line)
	return err
}

// agentReplied sends the agent's public reply to the customer, and records its
// Message-ID on the message: the reply is that e-mail.
func (n *notifier) agentReplied(ctx context.Context, t *Ticket, msgID int64, body string) error {
	r, err := n.requester(ctx, t)
	if err != nil || r == nil {
		return err
	}
	text := i18n.T(r.Lang, "There is a new reply on your ticket %s:", Reference(t.ID, t.CreatedAt)) + "\n\n" + quote(body)
	if line := statusLine(r.Lang, t); line != "" {
		text += "\n\n" + line
	}
	id, err := n.enqueue(ctx, t, *r, "ticket.reply", text)
	if err != nil {
		return err
	}
	if _, err := n.q.ExecContext(ctx, setMessageMailID, msgID, id); err != nil {
		return fmt.Errorf("ticket notice: message id of %d: %w", msgID, err)
	}
	return nil
}

// customerReplied tells the assignee, or while nobody has the ticket its team, of the
// customer's message.
func (n *notifier) customerReplied(ctx context.Context, t *Ticket, v *access.Viewer, body string) error {
	var rs []recipient
	if err := n.q.SelectContext(ctx, &rs, selectAgentsToTell, t.AssigneeID, t.TeamID, v.UserID); err != nil {
		return fmt.Errorf("ticket notice: agents of %d: %w", t.ID, err)
	}
	for _, r := range rs {
		text := i18n.T(r.Lang, "%s (%s) replied on ticket %s:", v.Name, t.OrgName, Reference(t.ID, t.CreatedAt)) + "\n\n" + quote(body)
		if _, err := n.enqueue(ctx, t, r, "ticket.customer_reply", text); err != nil {
			return err
		}
	}
	return nil
}
