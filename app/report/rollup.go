package report

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/calendar"
	"tugi/app/database"
)

// RollupEvery is how often the job report.rollup runs: the figures are at most about a
// minute behind the tickets.
const RollupEvery = time.Minute

// rollupBatch is how many tickets one transaction of the rollup writes.
const rollupBatch = 2000

// slack is how far before the last pass the rollup looks again for changed tickets: a
// change whose transaction began before the pass and committed after it carries an
// updated_at a little before the pass began.
const slack = 2 * time.Minute

// Calendar gives the support calendar in force (sla.Calendars.Current).
type Calendar func(ctx context.Context) (*calendar.Calendar, error)

// Rollup keeps report_tickets and report_chats: the job report.rollup.
type Rollup struct {
	db  *sqlx.DB
	cal Calendar
}

// NewRollup returns the rollup of db, whose business times count by cal.
func NewRollup(db *sqlx.DB, cal Calendar) *Rollup { return &Rollup{db: db, cal: cal} }

// factRow is a ticket as the rollup reads it (ticketFacts).
type factRow struct {
	ID              int64      `db:"id"`
	OrgID           int64      `db:"org_id"`
	TeamID          *int64     `db:"team_id"`
	AssigneeID      *int64     `db:"assignee_id"`
	CategoryID      int64      `db:"category_id"`
	Priority        string     `db:"priority"`
	Channel         string     `db:"channel"`
	CreatedAt       time.Time  `db:"created_at"`
	FirstResponseAt *time.Time `db:"first_response_at"`
	ResolvedAt      *time.Time `db:"resolved_at"`
	FStopped        *time.Time `db:"f_stopped"`
	FBreached       bool       `db:"f_breached"`
	FUsed           *int64     `db:"f_used"`
	FTarget         *int64     `db:"f_target"`
	FDue            *time.Time `db:"f_due"`
	FExists         bool       `db:"f_exists"`
	RStopped        *time.Time `db:"r_stopped"`
	RBreached       bool       `db:"r_breached"`
	RUsed           *int64     `db:"r_used"`
	RTarget         *int64     `db:"r_target"`
	RDue            *time.Time `db:"r_due"`
	RExists         bool       `db:"r_exists"`
}

// clockOutcome is what a clock says of its target: met, missed, or open (still
// counting or paused); "" when the ticket has no such clock.
func clockOutcome(exists bool, stopped *time.Time, breached bool, used, target *int64) string {
	switch {
	case !exists:
		return ""
	case breached:
		return "missed"
	case stopped != nil:
		if used != nil && target != nil && *used > *target {
			return "missed"
		}
		return "met"
	}
	return "open"
}

// Run does one pass: the first walk over the tickets that existed before the rollup,
// then the tickets and chats changed since the last pass.
func (r *Rollup) Run(ctx context.Context) error {
	cal, err := r.cal(ctx)
	if err != nil {
		return err
	}
	var st struct {
		BackfillID     int64     `db:"backfill_id"`
		Backfilled     bool      `db:"backfilled"`
		TicketsThrough time.Time `db:"tickets_through"`
		ChatsThrough   time.Time `db:"chats_through"`
	}
	// The walk: one transaction a batch, each moving backfill_id on with its rows.
	for {
		done := false
		err := database.WithTx(ctx, r.db, func(tx *sqlx.Tx) error {
			if err := tx.GetContext(ctx, &st, selectState); err != nil {
				return err
			}
			if st.Backfilled {
				done = true
				return nil
			}
			if st.BackfillID == 0 {
				// Tickets changed from now on are read again after the walk.
				if err := tx.GetContext(ctx, &st.TicketsThrough, dbNow); err != nil {
					return err
				}
			}
			var rows []factRow
			if err := tx.SelectContext(ctx, &rows, backfillTickets, st.BackfillID, rollupBatch); err != nil {
				return err
			}
			if err := writeTickets(ctx, tx, cal, rows); err != nil {
				return err
			}
			if len(rows) > 0 {
				st.BackfillID = rows[len(rows)-1].ID
			}
			st.Backfilled = len(rows) < rollupBatch
			_, err := tx.ExecContext(ctx, updateState, st.BackfillID, st.Backfilled, st.TicketsThrough, st.ChatsThrough)
			return err
		})
		if err != nil {
			return fmt.Errorf("report: rollup: %w", err)
		}
		if done || st.Backfilled {
			break
		}
	}
	// What changed since the last pass.
	err = database.WithTx(ctx, r.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &st, selectState); err != nil {
			return err
		}
		var now time.Time
		if err := tx.GetContext(ctx, &now, dbNow); err != nil {
			return err
		}
		var rows []factRow
		if err := tx.SelectContext(ctx, &rows, changedTickets, st.TicketsThrough.Add(-slack)); err != nil {
			return err
		}
		for len(rows) > 0 {
			n := min(len(rows), rollupBatch)
			if err := writeTickets(ctx, tx, cal, rows[:n]); err != nil {
				return err
			}
			rows = rows[n:]
		}
		var chats []chatRow
		if err := tx.SelectContext(ctx, &chats, changedChats, st.ChatsThrough.Add(-24*time.Hour)); err != nil {
			return err
		}
		if err := writeChats(ctx, tx, cal, chats); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, updateState, st.BackfillID, st.Backfilled, now, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("report: rollup: %w", err)
	}
	return nil
}

// businessSeconds is the business time from a to b, in whole seconds; nil without b.
func businessSeconds(cal *calendar.Calendar, a time.Time, b *time.Time) *int64 {
	if b == nil {
		return nil
	}
	s := int64(cal.Between(a, *b) / time.Second)
	return &s
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// writeTickets writes the facts of rows.
func writeTickets(ctx context.Context, q database.Queryer, cal *calendar.Calendar, rows []factRow) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	ids, orgs, teams, assignees, cats := make([]int64, n), make([]int64, n), make([]*int64, n), make([]*int64, n), make([]int64, n)
	prios, channels := make([]string, n), make([]string, n)
	created, first, resolved := make([]time.Time, n), make([]*time.Time, n), make([]*time.Time, n)
	firstSecs, resSecs := make([]*int64, n), make([]*int64, n)
	fSLA, rSLA := make([]*string, n), make([]*string, n)
	fDue, rDue := make([]*time.Time, n), make([]*time.Time, n)
	for i, t := range rows {
		ids[i], orgs[i], teams[i], assignees[i], cats[i] = t.ID, t.OrgID, t.TeamID, t.AssigneeID, t.CategoryID
		prios[i], channels[i], created[i], first[i], resolved[i] = t.Priority, t.Channel, t.CreatedAt, t.FirstResponseAt, t.ResolvedAt
		firstSecs[i], resSecs[i] = businessSeconds(cal, t.CreatedAt, t.FirstResponseAt), businessSeconds(cal, t.CreatedAt, t.ResolvedAt)
		fSLA[i] = orNull(clockOutcome(t.FExists, t.FStopped, t.FBreached, t.FUsed, t.FTarget))
		rSLA[i] = orNull(clockOutcome(t.RExists, t.RStopped, t.RBreached, t.RUsed, t.RTarget))
		fDue[i], rDue[i] = t.FDue, t.RDue
	}
	_, err := q.ExecContext(ctx, upsertTickets, pq.Array(ids), pq.Array(orgs), pq.Array(teams), pq.Array(assignees),
		pq.Array(cats), pq.Array(prios), pq.Array(channels), pq.Array(created), pq.Array(first), pq.Array(resolved),
		pq.Array(firstSecs), pq.Array(resSecs), pq.Array(fSLA), pq.Array(fDue), pq.Array(rSLA), pq.Array(rDue))
	return err
}

// chatRow is a chat as the rollup reads it.
type chatRow struct {
	ID         int64      `db:"id"`
	OrgID      int64      `db:"org_id"`
	AgentID    *int64     `db:"agent_id"`
	CreatedAt  time.Time  `db:"created_at"`
	AcceptedAt *time.Time `db:"accepted_at"`
	EndedAt    *time.Time `db:"ended_at"`
}

// writeChats writes the facts of chats: the business time each waited, and how long it
// lasted once accepted.
func writeChats(ctx context.Context, q database.Queryer, cal *calendar.Calendar, chats []chatRow) error {
	for len(chats) > 0 {
		n := min(len(chats), rollupBatch)
		batch := chats[:n]
		chats = chats[n:]
		ids, orgs, agents := make([]int64, n), make([]int64, n), make([]*int64, n)
		created, accepted, ended := make([]time.Time, n), make([]*time.Time, n), make([]*time.Time, n)
		waits, lengths := make([]*int64, n), make([]*int64, n)
		for i, c := range batch {
			ids[i], orgs[i], agents[i], created[i], accepted[i], ended[i] = c.ID, c.OrgID, c.AgentID, c.CreatedAt, c.AcceptedAt, c.EndedAt
			waits[i] = businessSeconds(cal, c.CreatedAt, c.AcceptedAt)
			if c.AcceptedAt != nil && c.EndedAt != nil {
				s := int64(max(0, c.EndedAt.Sub(*c.AcceptedAt)) / time.Second)
				lengths[i] = &s
			}
		}
		if _, err := q.ExecContext(ctx, upsertChats, pq.Array(ids), pq.Array(orgs), pq.Array(agents), pq.Array(created),
			pq.Array(accepted), pq.Array(ended), pq.Array(waits), pq.Array(lengths)); err != nil {
			return err
		}
	}
	return nil
}
