// Package mail is Tugi's outgoing e-mail: an outbox in PostgreSQL that features write to in
// the transaction of their change (Enqueue), and a worker that sends it over SMTP.
package mail

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strconv"
	"strings"

	"github.com/lib/pq"

	"tugi/app/database"
)

// Address is a recipient.
type Address struct {
	Name  string
	Email string
}

// Message is one e-mail to one recipient.
type Message struct {
	To      Address
	Subject string
	Text    string // the plain-text body
	// Thread is the local part of the Message-ID of the thread's first message (a
	// ticket's is ThreadOf("ticket", id)); the message replies to it, so mail clients
	// show every notice about one object as one conversation. Empty for none.
	Thread string
	// InReplyTo and References are e-mail Message-IDs (with their domains, without angle
	// brackets) of the mail it answers, and of the thread's earlier mail: a notice about
	// a ticket that came by mail threads under the customer's own messages. Empty: the
	// message answers the thread's first message (Thread) only.
	InReplyTo  string
	References []string
	// AutoSubmitted is the message's Auto-Submitted header (RFC 3834): "auto-replied"
	// for an automatic answer to someone's mail; "auto-generated" (the default) for
	// other notices.
	AutoSubmitted string
	// Kind says what caused the message ("ticket.reply", "sla.breach").
	Kind string
	// What the message is about, and whose it is: for finding and erasing it.
	ObjectType string
	ObjectID   string
	OrgID      int64 // the customer organisation; 0 for none
	UserID     int64 // the recipient's user id; 0 when they are no user
}

// ThreadOf returns the thread of an object: the local part of the Message-ID that all mail
// about it replies to.
func ThreadOf(objectType, objectID string) string { return objectType + "-" + objectID }

// Enqueue queues m for sending through q, which should be the transaction of the change the
// message tells about, so that the message is sent exactly when the change commits. It
// returns the local part of the message's Message-ID.
func Enqueue(ctx context.Context, q database.Queryer, m Message) (string, error) {
	ids, err := EnqueueAll(ctx, q, []Message{m})
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// EnqueueAll queues the messages ms as Enqueue does, in one statement (one round trip
// whatever their number), and returns their Message-IDs' local parts in the same order.
func EnqueueAll(ctx context.Context, q database.Queryer, ms []Message) ([]string, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	var cols [14][]string
	ids := make([]string, len(ms))
	kinds := make([]string, len(ms))
	for i, m := range ms {
		if m.To.Email == "" || m.Subject == "" || m.Kind == "" {
			return nil, fmt.Errorf("mail: a message needs a recipient, a subject and a kind")
		}
		id, err := newMessageID(m.Thread)
		if err != nil {
			return nil, err
		}
		if m.AutoSubmitted == "" {
			m.AutoSubmitted = "auto-generated"
		}
		ids[i], kinds[i] = id, m.Kind
		for c, v := range [14]string{id, m.Thread, strings.ToLower(m.To.Email), m.To.Name, m.Subject, m.Text, m.Kind,
			m.ObjectType, m.ObjectID, strconv.FormatInt(m.OrgID, 10), strconv.FormatInt(m.UserID, 10),
			m.InReplyTo, strings.Join(m.References, " "), m.AutoSubmitted} {
			cols[c] = append(cols[c], v)
		}
	}
	args := make([]any, len(cols))
	for c := range cols {
		args[c] = pq.StringArray(cols[c])
	}
	if _, err := q.ExecContext(ctx, insertMessages, args...); err != nil {
		return nil, fmt.Errorf("mail: enqueue %s: %w", strings.Join(kinds, ", "), err)
	}
	return ids, nil
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newMessageID returns a unique Message-ID local part, beginning with the thread's so a
// person reading headers sees what it belongs to.
func newMessageID(thread string) (string, error) {
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	id := strings.ToLower(idEncoding.EncodeToString(b[:]))
	if thread != "" {
		id = thread + "." + id
	}
	return id, nil
}
