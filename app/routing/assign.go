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
	"tugi/app/user"
)

// lockClass is the first key of the transaction-scoped advisory lock that serialises
// automatic assignment in one team (the second key is the team's id).
const lockClass = 7007

// Assign picks the agent of team teamID a new (or handed-back) ticket goes to, through q:
// round-robin among the team's available agents below the team's cap, the one assigned
// longest ago first, but never the person except. It returns nil when the team assigns
// nothing automatically (cap 0 or none) or nobody can take the ticket; the ticket then
// waits unassigned in the queue.
//
// When someone may have room, it takes a lock on the team that lasts until q (a
// transaction) ends, so two tickets created at once are assigned one after the other,
// each counting the other's: nobody goes beyond the cap. The caller must store the
// assignment in the same transaction.
func Assign(ctx context.Context, q database.Queryer, teamID int64, except int64) (*int64, error) {
	// A ticket of a team that assigns nothing, whose agents are all away, or all at the
	// cap, needs no lock: it would make every creation in the team wait for the one
	// before to commit, which is most creations when the team is busy. Only when this
	// cheap read finds someone with room is the lock taken and the choice made again
	// under it. An agent who gets room meanwhile misses this ticket, as if it had come a
	// moment earlier.
	var room bool
	if err := q.GetContext(ctx, &room, teamHasRoom, teamID, except); err != nil {
		return nil, fmt.Errorf("routing: has team %d room: %w", teamID, err)
	}
	if !room {
		return nil, nil
	}
	if _, err := q.ExecContext(ctx, lockTeam, lockClass, teamID); err != nil {
		return nil, fmt.Errorf("routing: lock team %d: %w", teamID, err)
	}
	var limit sql.NullInt64
	if err := q.GetContext(ctx, &limit, teamCap, teamID); err != nil {
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
	if _, err := q.ExecContext(ctx, markAssigned, teamID, id); err != nil {
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

// setAvailable stores the agent's availability (app/user writes it, locking the agent's
// row FOR NO KEY UPDATE: a ticket being assigned to the agent at the same moment, whose
// foreign key takes FOR KEY SHARE while it holds its team's lock, does not wait for it,
// so a hand-back, which takes team locks after this one, cannot deadlock with it) and
// returns the audit event of the change, or nil when there was none.
func setAvailable(ctx context.Context, tx *sqlx.Tx, userID int64, available bool) (*audit.Event, error) {
	was, err := user.NewStore(tx).SetAvailable(ctx, userID, available)
	if errors.Is(err, user.ErrNotFound) {
		return nil, ErrNotAnAgent
	}
	if err != nil {
		return nil, fmt.Errorf("routing: availability of %d: %w", userID, err)
	}
	if was == available {
		return nil, nil
	}
	return &audit.Event{Action: "user.availability", ObjectType: "user", ObjectID: strconv.FormatInt(userID, 10),
		Changes: map[string]audit.Change{"available": {Old: was, New: available}}}, nil
}

// Reassigner gives a handed-back ticket to the agent routing chose for it. Routing
// decides (which tickets, to whom, under its team locks); the ticket feature, which owns
// tickets, writes the change as any change of assignee (the new assignee is told) and
// its audit event. ticket.Service is one.
type Reassigner interface {
	// HandBack gives ticket id, locked in tx, to the agent to (nil: nobody), in tx,
	// audited as ticket.hand_back by actor.
	HandBack(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, id int64, to *int64) error
}

// HandBack makes the agent userID unavailable and gives their unresolved tickets back to
// their teams: each goes round-robin to an available colleague below the cap, or, when
// nobody is, waits unassigned in the queue; tickets writes each change (one
// ticket.hand_back event per ticket). It returns how many tickets went to a colleague
// and how many are now unassigned.
func HandBack(ctx context.Context, db *sqlx.DB, tickets Reassigner, actor audit.Actor, userID int64) (reassigned, unassigned int, err error) {
	err = database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		reassigned, unassigned = 0, 0
		ev, err := setAvailable(ctx, tx, userID, false)
		if err != nil {
			return err
		}
		if ev != nil {
			if err := audit.Record(ctx, tx, actor, *ev); err != nil {
				return err
			}
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
			if err := tickets.HandBack(ctx, tx, actor, t.ID, to); err != nil {
				return fmt.Errorf("routing: hand back ticket %d: %w", t.ID, err)
			}
			if to == nil {
				unassigned++
			} else {
				reassigned++
			}
		}
		return nil
	})
	return reassigned, unassigned, err
}

// OpenAssigned counts the agent's unresolved tickets.
func OpenAssigned(ctx context.Context, q database.Queryer, userID int64) (int, error) {
	var n int
	if err := q.GetContext(ctx, &n, countAssigned, userID); err != nil {
		return 0, fmt.Errorf("routing: open tickets of %d: %w", userID, err)
	}
	return n, nil
}
