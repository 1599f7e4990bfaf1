package routing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/user"
)

// lockClass is the first key of the transaction-scoped advisory lock that a hand-back
// takes on each team it may give tickets to (the second key is the team's id), so that
// two hand-backs in one team take turns.
const lockClass = 7007

// Assign picks the agent of team teamID a new ticket goes to, through q: round-robin
// among the team's available agents below the team's cap, the one assigned longest ago
// first, but never the person except. It returns nil when the team assigns nothing
// automatically (cap 0 or none) or nobody can take the ticket; the ticket then waits
// unassigned in the queue.
//
// The agent's membership row in the team stays locked until q (a transaction) ends, so
// two tickets created at once are never given to one agent each without counting the
// other: nobody goes beyond the cap. An agent whose row another creation holds is passed
// over for the next in turn, so tickets of one team are created side by side, where a
// lock on the whole team made each wait for the one before to commit; only when every
// agent with room is being given a ticket at that moment does it wait, for the first of
// them, so that a ticket someone could take never waits in the queue for being created
// in a busy moment. The caller must store the assignment in the same transaction.
func Assign(ctx context.Context, q database.Queryer, teamID int64, except int64) (*Agent, error) {
	return assign(ctx, q, teamID, except, true, nil)
}

// Agent is the agent a ticket was assigned to, with what a notice to them needs, as the
// assignment read them (active, an agent).
type Agent struct {
	ID    int64  `db:"user_id"`
	Email string `db:"email"`
	Name  string `db:"name"`
	Lang  string `db:"language"`
}

// assign picks the agent of team teamID a ticket goes to, never the person except: the
// first in turn whose row no other transaction holds (nextAgentSkip) when skip, else
// the first in turn, waiting for their row (nextAgentWait). It checks them again under
// the lock (markAssigned, a statement of its own, whose snapshot holds every assignment
// committed before the lock was granted) and passes over one who has no room by then.
// A hand-back (not skip) holds its own agent's rows and waits for colleagues'; a
// creation never waits while it holds a row. pending holds the tickets the transaction
// has given each agent and not yet written (a hand-back's), which their count does not
// hold yet.
func assign(ctx context.Context, q database.Queryer, teamID, except int64, skip bool, pending map[int64]int) (*Agent, error) {
	passed := []int64{} // an array, never NULL, for the statement's <> ALL
	for {
		var id sql.NullInt64
		busy := !skip
		if skip {
			if err := q.QueryRowxContext(ctx, nextAgentSkip, teamID, except, pq.Array(passed)).Scan(&id, &busy); err != nil {
				return nil, fmt.Errorf("routing: next agent of team %d: %w", teamID, err)
			}
		}
		// Waiting is only for a transaction that holds no agent's row yet: one that
		// holds one (passed over) and waited for another's could deadlock with a
		// hand-back waiting for the first.
		if !id.Valid && busy && (!skip || len(passed) == 0) {
			err := q.GetContext(ctx, &id, nextAgentWait, teamID, except, pq.Array(passed))
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("routing: next agent of team %d: %w", teamID, err)
			}
		}
		if !id.Valid {
			return nil, nil
		}
		var marked Agent
		err := q.GetContext(ctx, &marked, markAssigned, teamID, id.Int64, pending[id.Int64])
		if errors.Is(err, sql.ErrNoRows) { // filled up, or went away, meanwhile
			passed = append(passed, id.Int64)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("routing: mark %d assigned in team %d: %w", id.Int64, teamID, err)
		}
		return &marked, nil
	}
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
// foreign key takes FOR KEY SHARE while it holds the agent's row of the team, does not
// wait for it, so a hand-back, which takes locks after this one, cannot deadlock with it) and
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
// decides (which tickets, to whom, under its locks); the ticket feature, which owns
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
		// Lock every team the tickets may go back to, in order, so that two hand-backs in
		// one team take turns (each waits below for colleagues' rows); then the agent's
		// own rows in their teams, which waits for the creations assigning to them right
		// now to commit. Those tickets are then read and handed back too, and none is
		// assigned to them after, as they are unavailable by then.
		var teams []int64
		if err := tx.SelectContext(ctx, &teams, handBackTeams, userID); err != nil {
			return fmt.Errorf("routing: teams of %d: %w", userID, err)
		}
		for _, team := range teams {
			if _, err := tx.ExecContext(ctx, lockTeam, lockClass, team); err != nil {
				return fmt.Errorf("routing: lock team %d: %w", team, err)
			}
		}
		if _, err := tx.ExecContext(ctx, lockMemberships, userID); err != nil {
			return fmt.Errorf("routing: lock the teams' rows of %d: %w", userID, err)
		}
		var ts []struct {
			ID     int64  `db:"id"`
			TeamID *int64 `db:"team_id"`
			to     *int64
		}
		if err := tx.SelectContext(ctx, &ts, handBackTickets, userID); err != nil {
			return fmt.Errorf("routing: tickets of %d: %w", userID, err)
		}
		// Every ticket's colleague is chosen first, and only then are the tickets
		// written. Writing a ticket moves its colleague's count of unresolved tickets,
		// whose row stays locked until the transaction ends, and a creation that holds
		// the colleague's row of another team waits for that count: had the hand-back
		// then waited for that row of the team, each would wait for the other. The
		// counts do not hold the tickets chosen and not yet written: pending does.
		pending := map[int64]int{}
		for i, t := range ts {
			if t.TeamID == nil {
				continue
			}
			// A colleague another transaction is assigning to is waited for, not
			// passed over: a ticket handed back goes to the next in turn.
			agent, err := assign(ctx, tx, *t.TeamID, userID, false, pending)
			if err != nil {
				return err
			}
			if agent != nil {
				ts[i].to = &agent.ID
				pending[agent.ID]++
			}
		}
		// Then the counts the writing moves, the agent's own and the colleagues', are
		// locked in one statement in the order of the agents' ids (the order in which
		// the trigger takes the two counts of one ticket), not one by one in the
		// tickets' order: two hand-backs that share colleagues cannot take them in
		// opposite orders.
		counted := []int64{userID}
		for id := range pending {
			counted = append(counted, id)
		}
		if _, err := tx.ExecContext(ctx, lockCounts, pq.Array(counted)); err != nil {
			return fmt.Errorf("routing: lock the counts of %d and colleagues: %w", userID, err)
		}
		for _, t := range ts {
			if err := tickets.HandBack(ctx, tx, actor, t.ID, t.to); err != nil {
				return fmt.Errorf("routing: hand back ticket %d: %w", t.ID, err)
			}
			if t.to == nil {
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
