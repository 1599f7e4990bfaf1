package main

import (
	"context"
	"testing"

	"tugi/app/mail"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The run's verdict counts what a person would call lost or repeated: an acknowledged
// ticket missing from the database, a message never received or received twice without
// the outbox saying it may have been, a message still queued.
func TestCheckCountsLossesAndRepeats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	queue := func(state string) string {
		id, err := mail.Enqueue(ctx, db, mail.Message{To: mail.Address{Email: "a@tugi.example"}, Subject: "S", Text: "B", Kind: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE mail_outbox SET sent_at = CASE WHEN $2 <> 'queued' THEN now() END,
			possibly_sent = $2 = 'recorded' WHERE message_id = $1`, id, state); err != nil {
			t.Fatal(err)
		}
		return id + "@faultrun.example"
	}
	once, recorded, unrecorded := queue("sent"), queue("recorded"), queue("sent")
	queue("sent") // lost: marked sent, never received
	queue("queued")
	delivered := map[string]int{once: 1, recorded: 2, unrecorded: 3}
	reqs := []request{
		{kind: "ticket", key: "faultrun 1-0-1", ticketID: 1, acked: true},
		{kind: "reply", key: "faultrun reply 1-0-2", ticketID: 1},
	}
	r, err := check(ctx, db, reqs, delivered)
	if err != nil {
		t.Fatal(err)
	}
	if r.tickets != (tally{sent: 1, acked: 1, lost: 1}) || r.replies != (tally{sent: 1}) {
		t.Errorf("tickets %+v, replies %+v; want the acknowledged ticket lost, the unacknowledged reply not counted", r.tickets, r.replies)
	}
	if r.mailQueued != 5 || r.mailDelivered != 3 || r.mailDuplicated != 2 || r.mailRepeats != 3 || r.mailDupRecorded != 1 ||
		r.mailLost != 1 || r.mailPending != 1 || r.mailPossiblySent != 1 {
		t.Errorf("mail figures %+v", r)
	}
	r.chainOK = true
	if r.ok() {
		t.Error("a run with a lost ticket, lost and unrecorded repeated mail passes")
	}
	clean := report{chainOK: true, mailDuplicated: 1, mailDupRecorded: 1, tickets: tally{sent: 3, acked: 2, unackedWritten: 1}}
	if !clean.ok() {
		t.Error("a run whose only repeat is recorded as possibly sent fails")
	}
}
