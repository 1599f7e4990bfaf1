package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/jmoiron/sqlx"
)

// tally is what became of one kind of request.
type tally struct {
	sent, acked                  int
	lost, duplicated, halfWrites int // of the acknowledged
	unackedWritten               int // unacknowledged, yet saved (once): the person could not know
}

// report is the run's outcome.
type report struct {
	tickets, replies tally
	// Mail: queued rows; delivered (their Message-ID received at least once); received
	// more than once, and of those the ones the outbox records as possibly sent; sent
	// by the outbox's account but never received; still unsent at the end.
	mailQueued, mailDelivered, mailDuplicated, mailDupRecorded, mailLost, mailPending int
	mailRepeats                                                                       int // extra deliveries in all
	mailPossiblySent                                                                  int // rows recorded as possibly sent twice
	chainOK                                                                           bool
	faults                                                                            []fault
}

func (r report) ok() bool {
	for _, t := range []tally{r.tickets, r.replies} {
		if t.lost+t.duplicated+t.halfWrites > 0 {
			return false
		}
	}
	for _, f := range r.faults {
		if f.failure != nil {
			return false
		}
	}
	return r.chainOK && r.mailLost == 0 && r.mailDuplicated == r.mailDupRecorded && r.mailPending == 0
}

// written is what the database holds of one request's change: how many copies, and
// whether the one is whole.
type written struct {
	copies int
	whole  bool
	id     int64 // the ticket's
}

// check counts, for every request the customers sent, whether its change is in the
// database exactly once and whole, and for every queued message how often the catcher
// received it.
func check(ctx context.Context, db *sqlx.DB, reqs []request, delivered map[string]int) (report, error) {
	var r report
	tickets, replies, err := readWrites(ctx, db)
	if err != nil {
		return r, err
	}
	for _, q := range reqs {
		t, w := &r.tickets, tickets[q.key]
		if q.kind == "reply" {
			t, w = &r.replies, replies[q.key]
		}
		t.sent++
		if !q.acked {
			if w.copies > 0 {
				t.unackedWritten++
			}
			continue
		}
		t.acked++
		switch {
		case w.copies == 0:
			t.lost++
		case w.copies > 1:
			t.duplicated++
		case !w.whole || (q.kind == "ticket" && w.id != q.ticketID):
			t.halfWrites++
		}
	}

	var rows []struct {
		MessageID    string `db:"message_id"`
		Done         bool   `db:"done"`
		PossiblySent bool   `db:"possibly_sent"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT message_id, sent_at IS NOT NULL OR failed_at IS NOT NULL AS done, possibly_sent
		FROM mail_outbox`); err != nil {
		return r, fmt.Errorf("read the outbox: %w", err)
	}
	for _, m := range rows {
		r.mailQueued++
		if m.PossiblySent {
			r.mailPossiblySent++
		}
		n := delivered[m.MessageID+"@faultrun.example"]
		switch {
		case !m.Done:
			r.mailPending++
		case n == 0: // sent, or given up, and never received
			r.mailLost++
		}
		if n > 0 {
			r.mailDelivered++
		}
		if n > 1 {
			r.mailDuplicated++
			r.mailRepeats += n - 1
			if m.PossiblySent {
				r.mailDupRecorded++
			}
		}
	}
	return r, nil
}

// readWrites reads every ticket and reply the run's customers wrote, by subject or text:
// a ticket is whole with its first message, its SLA clocks and its audit event; a reply
// with the audit event that names it.
func readWrites(ctx context.Context, db *sqlx.DB) (tickets, replies map[string]written, err error) {
	var ts []struct {
		ID      int64  `db:"id"`
		Subject string `db:"subject"`
		Whole   bool   `db:"whole"`
	}
	err = db.SelectContext(ctx, &ts, `SELECT t.id, t.subject,
		(SELECT count(*) FROM ticket_messages m WHERE m.ticket_id = t.id AND m.body = 'Opened by the fault run: ' || t.subject) = 1
		AND EXISTS (SELECT FROM ticket_clocks k WHERE k.ticket_id = t.id)
		AND (SELECT count(*) FROM audit_events e WHERE e.object_type = 'ticket' AND e.object_id = t.id::text AND e.action = 'ticket.create') = 1 AS whole
		FROM tickets t WHERE t.subject LIKE 'faultrun %'`)
	if err != nil {
		return nil, nil, fmt.Errorf("read the run's tickets: %w", err)
	}
	tickets = map[string]written{}
	for _, t := range ts {
		w := tickets[t.Subject]
		tickets[t.Subject] = written{copies: w.copies + 1, whole: t.Whole, id: t.ID}
	}
	var rs []struct {
		Body  string `db:"body"`
		Whole bool   `db:"whole"`
	}
	err = db.SelectContext(ctx, &rs, `SELECT m.body,
		(SELECT count(*) FROM audit_events e WHERE e.object_type = 'ticket' AND e.object_id = m.ticket_id::text
			AND e.action = 'ticket.reply' AND e.changes->'message_id'->>'new' = m.id::text) = 1 AS whole
		FROM ticket_messages m WHERE m.body LIKE 'faultrun reply %'`)
	if err != nil {
		return nil, nil, fmt.Errorf("read the run's replies: %w", err)
	}
	replies = map[string]written{}
	for _, x := range rs {
		w := replies[x.Body]
		replies[x.Body] = written{copies: w.copies + 1, whole: x.Whole}
	}
	return tickets, replies, nil
}

func (r report) print(out io.Writer) {
	fmt.Fprintln(out)
	for _, f := range r.faults {
		fmt.Fprintf(out, "fault at %-5s %-20s %-16s ready again in %s\n", f.at, f.name, f.detail, f.back.Round(10*time.Millisecond))
	}
	fmt.Fprintln(out)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "\tsent\tacknowledged\tlost\tduplicated\thalf-written\tunacknowledged but saved\t")
	for _, x := range []struct {
		name string
		t    tally
	}{{"tickets", r.tickets}, {"replies", r.replies}} {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", x.name, x.t.sent, x.t.acked, x.t.lost, x.t.duplicated, x.t.halfWrites, x.t.unackedWritten)
	}
	_ = w.Flush()
	fmt.Fprintln(out)
	fmt.Fprintf(out, "mail: %d queued, %d delivered, %d delivered more than once (%d extra deliveries; %d of them recorded as possibly sent), %d lost, %d still queued\n",
		r.mailQueued, r.mailDelivered, r.mailDuplicated, r.mailRepeats, r.mailDupRecorded, r.mailLost, r.mailPending)
	fmt.Fprintf(out, "mail recorded as possibly sent twice (a fault interrupted its attempt): %d\n", r.mailPossiblySent)
	chain := "ok"
	if !r.chainOK {
		chain = "BROKEN"
	}
	fmt.Fprintln(out, "audit chain (tugi audit verify):", chain)
	verdict := "PASS"
	if !r.ok() {
		verdict = "FAIL"
	}
	fmt.Fprintln(out, "faultrun:", verdict)
}
