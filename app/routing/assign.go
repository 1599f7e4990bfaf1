package routing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/database"
)

// lockClass is the first key of the transaction-scoped advisory lock that serialises
// automatic assignment in one team (the second key is the team's id).
const lockClass = 7007

const lockTeam = `SELECT pg_advisory_xact_lock($1, $2::integer)`

// teamAssigns tells whether team $1 assigns tickets automatically and has an available
// agent (other than $2) to take one.
const teamAssigns = `
SELECT coalesce(t.assign_cap, 0) > 0 AND EXISTS (
    SELECT FROM team_members m JOIN users u ON u.id = m.user_id
    WHERE m.team_id = t.id AND u.active AND u.available AND 'agent' = ANY (u.roles) AND u.id <> $2)
FROM teams t WHERE t.id = $1`

// nextAgent is the team's available agent assigned longest ago (never first) who has
// fewer unresolved tickets than the cap. The count reads the tickets_assignee_due index.
const nextAgent = `
SELECT m.user_id
FROM team_members m
JOIN users u ON u.id = m.user_id
WHERE m.team_id = $1 AND u.active AND u.available AND 'agent' = ANY (u.roles) AND u.id <> $3
  AND (SELECT count(*) FROM tickets t
       WHERE t.assignee_id = u.id AND t.status IN ('new', 'open', 'waiting', 'on_hold')) < $2
ORDER BY m.last_assigned_at NULLS FIRST, m.created_at, m.user_id
LIMIT 1`

// Assign picks the agent of team teamID a new (or handed-back) ticket goes to, through q:
// round-robin among the team's available agents below the team's cap, the one assigned
// longest ago first, but never the person except. It returns nil when the team assigns
// nothing automatically (cap 0 or none) or nobody can take the ticket; the ticket then
// waits unassigned in the queue.
//
// It takes a lock on the team that lasts until q (a transaction) ends, so two tickets
// created at once are assigned one after the other, each counting the other's: nobody
// goes beyond the cap. The caller must store the assignment in the same transaction.
func Assign(ctx context.Context, q database.Queryer, teamID int64, except int64) (*int64, error) {
	// Most tickets of a team that assigns nothing, or whose agents are all away, need no
	// lock: it would make every creation in the team wait for the one before to commit.
	// An agent who becomes available meanwhile misses this ticket, as if it had come a
	// moment earlier.
	var assigns bool
	if err := q.GetContext(ctx, &assigns, teamAssigns, teamID, except); err != nil {
		return nil, fmt.Errorf("routing: does team %d assign: %w", teamID, err)
	}
	if !assigns {
		return nil, nil
	}
	if _, err := q.ExecContext(ctx, lockTeam, lockClass, teamID); err != nil {
		return nil, fmt.Errorf("routing: lock team %d: %w", teamID, err)
	}
	var limit sql.NullInt64
	if err := q.GetContext(ctx, &limit, `SELECT assign_cap FROM teams WHERE id = $1`, teamID); err != nil {
		return nil, fmt.Errorf("routing: cap of team %d: %w", teamID, err)
	}
	if !limit.Valid || limit.Int64 == 0 {
		return nil, nil
	}
	var id int64
	err := q.GetContext(ctx, &id, nextAgent, teamID, limit.Int64, except)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("routing: next agent of team %d: %w", teamID, err)
	}
	// clock_timestamp, not the transaction's time: tickets created in one instant still
	// go round in order.
	if _, err := q.ExecContext(ctx, `UPDATE team_members SET last_assigned_at = clock_timestamp() WHERE team_id = $1 AND user_id = $2`, teamID, id); err != nil {
		return nil, fmt.Errorf("routing: mark %d assigned in team %d: %w", id, teamID, err)
	}
	return &id, nil
}

// SetAvailable marks the agent userID available for new tickets or not, audited as
// user.availability when it changes.
func SetAvailable(ctx context.Context, db *sqlx.DB, actor audit.Actor, userID int64, available bool) error {
	return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		ev, err := setAvailable(ctx, tx, userID, available)
		if err != nil || ev == nil {
			return err
		}
		return audit.Record(ctx, tx, actor, *ev)
	})
}

// setAvailable stores the agent's availability and returns the audit event of the
// change, or nil when there was none. The row lock is FOR NO KEY UPDATE: a ticket being
// assigned to the agent at the same moment (whose foreign key takes FOR KEY SHARE while
// it holds its team's lock) does not wait for it, so a hand-back, which takes team locks
// after this one, cannot deadlock with it.
func setAvailable(ctx context.Context, tx *sqlx.Tx, userID int64, available bool) (*audit.Event, error) {
	var was bool
	err := tx.GetContext(ctx, &was, `SELECT available FROM users WHERE id = $1 AND 'agent' = ANY (roles) FOR NO KEY UPDATE`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotAnAgent
	}
	if err != nil {
		return nil, fmt.Errorf("routing: availability of %d: %w", userID, err)
	}
	if was == available {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET available = $2 WHERE id = $1`, userID, available); err != nil {
		return nil, fmt.Errorf("routing: set availability of %d: %w", userID, err)
	}
	return &audit.Event{Action: "user.availability", ObjectType: "user", ObjectID: strconv.FormatInt(userID, 10),
		Changes: map[string]audit.Change{"available": {Old: was, New: available}}}, nil
}

// handBackTeams are the teams of the agent and of their unresolved tickets, in order.
const handBackTeams = `
SELECT team_id FROM team_members WHERE user_id = $1
UNION
SELECT coalesce(t.team_id, (SELECT id FROM teams WHERE is_default)) FROM tickets t
WHERE t.assignee_id = $1 AND t.status IN ('new', 'open', 'waiting', 'on_hold') AND (t.team_id IS NOT NULL OR EXISTS (SELECT FROM teams WHERE is_default))
ORDER BY 1`

// handBackTickets are the agent's unresolved tickets, locked, in the order of their
// teams so that the team locks of Assign are always taken in one order.
const handBackTickets = `
SELECT t.id, t.org_id, coalesce(t.team_id, (SELECT id FROM teams WHERE is_default)) AS team_id
FROM tickets t
WHERE t.assignee_id = $1 AND t.status IN ('new', 'open', 'waiting', 'on_hold')
ORDER BY 3 NULLS LAST, t.id
FOR UPDATE OF t`

// HandBack makes the agent userID unavailable and gives their unresolved tickets back to
// their teams: each goes round-robin to an available colleague below the cap, or, when
// nobody is, waits unassigned in the queue. One ticket.hand_back event per ticket. It
// returns how many tickets went to a colleague and how many are now unassigned.
func HandBack(ctx context.Context, db *sqlx.DB, actor audit.Actor, userID int64) (reassigned, unassigned int, err error) {
	err = database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		reassigned, unassigned = 0, 0
		ev, err := setAvailable(ctx, tx, userID, false)
		if err != nil {
			return err
		}
		var events []audit.Event
		if ev != nil {
			events = append(events, *ev)
		}
		// Lock every team the tickets may go back to before reading them: a ticket being
		// assigned to this agent right now is committed (and handed back) first, and none
		// is assigned to them after, as they are unavailable by then.
		var teams []int64
		if err := tx.SelectContext(ctx, &teams, handBackTeams, userID); err != nil {
			return fmt.Errorf("routing: teams of %d: %w", userID, err)
		}
		for _, team := range teams {
			if _, err := tx.ExecContext(ctx, lockTeam, lockClass, team); err != nil {
				return fmt.Errorf("routing: lock team %d: %w", team, err)
			}
		}
		var ts []struct {
			ID     int64  `db:"id"`
			OrgID  int64  `db:"org_id"`
			TeamID *int64 `db:"team_id"`
		}
		if err := tx.SelectContext(ctx, &ts, handBackTickets, userID); err != nil {
			return fmt.Errorf("routing: tickets of %d: %w", userID, err)
		}
		for _, t := range ts {
			var to *int64
			if t.TeamID != nil {
				if to, err = Assign(ctx, tx, *t.TeamID, userID); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET assignee_id = $2 WHERE id = $1`, t.ID, to); err != nil {
				return fmt.Errorf("routing: hand back ticket %d: %w", t.ID, err)
			}
			if to == nil {
				unassigned++
			} else {
				reassigned++
			}
			events = append(events, audit.Event{Action: "ticket.hand_back", ObjectType: "ticket", ObjectID: strconv.FormatInt(t.ID, 10),
				OrgID: t.OrgID, Changes: map[string]audit.Change{"assignee_id": {Old: userID, New: to}}})
		}
		for _, ev := range events {
			if err := audit.Record(ctx, tx, actor, ev); err != nil {
				return err
			}
		}
		return nil
	})
	return reassigned, unassigned, err
}

// OpenAssigned counts the agent's unresolved tickets.
func OpenAssigned(ctx context.Context, q database.Queryer, userID int64) (int, error) {
	var n int
	err := q.GetContext(ctx, &n, `SELECT count(*) FROM tickets WHERE assignee_id = $1 AND status IN ('new', 'open', 'waiting', 'on_hold')`, userID)
	if err != nil {
		return 0, fmt.Errorf("routing: open tickets of %d: %w", userID, err)
	}
	return n, nil
}
