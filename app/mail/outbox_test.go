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
