package mail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"tugi/app/database"
	"tugi/app/mail"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestEnqueueWritesWithTheTransaction(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	m := mail.Message{To: mail.Address{Name: "Mari", Email: "Mari@Example.com"}, Subject: "Re: T-2026-00001",
		Text: "Hello", Thread: mail.ThreadOf("ticket", "1"), Kind: "ticket.reply", ObjectType: "ticket", ObjectID: "1"}

	// A rolled-back change leaves no mail.
	err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		if _, err := mail.Enqueue(ctx, tx, m); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatal(err)
	}
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM mail_outbox`); err != nil || n != 0 {
		t.Fatalf("after rollback: %d rows, %v", n, err)
	}

	var id string
	err = database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		var err error
		id, err = mail.Enqueue(ctx, tx, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "ticket-1.") {
		t.Errorf("message id %q does not begin with its thread", id)
	}
	var row struct {
		To     string `db:"to_address"`
		Thread string `db:"thread_id"`
	}
	if err := db.GetContext(ctx, &row, `SELECT to_address, thread_id FROM mail_outbox WHERE message_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if row.To != "mari@example.com" || row.Thread != "ticket-1" {
		t.Errorf("stored %+v", row)
	}
}

var errRollback = errorString("rollback")

type errorString string

func (e errorString) Error() string { return string(e) }

// Several messages queued in one statement are stored each as its own, in the order given,
// and a message without a thread, an organisation or a user stores none.
func TestEnqueueAllWritesEachInOrder(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	var org int64
	if err := db.GetContext(ctx, &org, `INSERT INTO organisations (name) VALUES ('Mail OÜ') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	ms := []mail.Message{
		{To: mail.Address{Name: "Mari", Email: "mari@example.com"}, Subject: "[T-1] Received", Text: "Dear Mari,\n\"quoted\" {braces}, back\\slash",
			Thread: mail.ThreadOf("ticket", "1"), InReplyTo: "a@mail.example", References: []string{"a@mail.example", "b@mail.example"},
			AutoSubmitted: "auto-replied", Kind: "ticket.created", ObjectType: "ticket", ObjectID: "1", OrgID: org},
		{To: mail.Address{Name: "Andres", Email: "andres@tugi.example"}, Subject: "[T-1] Assigned", Text: "Dear Andres",
			Kind: "ticket.assign"},
	}
	var ids []string
	err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		var err error
		ids, err = mail.EnqueueAll(ctx, tx, ms)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		MessageID  string  `db:"message_id"`
		Thread     *string `db:"thread_id"`
		To         string  `db:"to_address"`
		Text       string  `db:"body_text"`
		Kind       string  `db:"kind"`
		OrgID      *int64  `db:"org_id"`
		UserID     *int64  `db:"user_id"`
		InReplyTo  string  `db:"in_reply_to"`
		References string  `db:"references_ids"`
		Auto       string  `db:"auto_submitted"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT message_id, thread_id, to_address, body_text, kind, org_id, user_id,
		in_reply_to, references_ids, auto_submitted FROM mail_outbox ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || len(ids) != 2 {
		t.Fatalf("%d rows, %d ids for 2 messages", len(rows), len(ids))
	}
	first, second := rows[0], rows[1]
	if first.MessageID != ids[0] || second.MessageID != ids[1] || first.Kind != "ticket.created" || second.Kind != "ticket.assign" {
		t.Errorf("stored %s (%s), %s (%s); want %s then %s", first.MessageID, first.Kind, second.MessageID, second.Kind, ids[0], ids[1])
	}
	if first.Text != ms[0].Text || first.Thread == nil || *first.Thread != "ticket-1" || first.OrgID == nil || *first.OrgID != org ||
		first.InReplyTo != "a@mail.example" || first.References != "a@mail.example b@mail.example" || first.Auto != "auto-replied" {
		t.Errorf("first message stored as %+v", first)
	}
	if second.Thread != nil || second.OrgID != nil || second.UserID != nil || second.Auto != "auto-generated" || second.To != "andres@tugi.example" {
		t.Errorf("second message stored as %+v", second)
	}
}
