// Package mail is Tugi's outgoing e-mail: an outbox in PostgreSQL that features write to in
// the transaction of their change (Enqueue), and a worker that sends it over SMTP.
package mail

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"

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
	if m.To.Email == "" || m.Subject == "" || m.Kind == "" {
		return "", fmt.Errorf("mail: a message needs a recipient, a subject and a kind")
	}
	id, err := newMessageID(m.Thread)
	if err != nil {
		return "", err
	}
	if m.AutoSubmitted == "" {
		m.AutoSubmitted = "auto-generated"
	}
	_, err = q.ExecContext(ctx, insertMessage,
		id, m.Thread, strings.ToLower(m.To.Email), m.To.Name, m.Subject, m.Text, m.Kind, m.ObjectType, m.ObjectID, m.OrgID, m.UserID,
		m.InReplyTo, strings.Join(m.References, " "), m.AutoSubmitted)
	if err != nil {
		return "", fmt.Errorf("mail: enqueue %s: %w", m.Kind, err)
	}
	return id, nil
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
