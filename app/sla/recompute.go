package sla

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"tugi/app/calendar"
	"tugi/app/database"
)

// Why the due times of the running clocks must be computed again.
const (
	RecomputeCalendar = "calendar" // the support calendar changed
	RecomputePolicy   = "policy"   // a target or warning point changed
)

// requestRecompute asks the SLA job (app/ticket) to recompute every clock that has not
// stopped: it writes a row of sla_recomputes through q, the transaction of the change,
// so the request exists exactly when the change does. The job works the requests
// through PendingRecomputations, StartRecomputation and AdvanceRecomputation.
func requestRecompute(ctx context.Context, q database.Queryer, reason string) error {
	if _, err := q.ExecContext(ctx, insertRecompute, reason); err != nil {
		return fmt.Errorf("sla: request recompute: %w", err)
	}
	return nil
}

// Recomputation is a request to recompute the running clocks, as the SLA job works it:
// it walks the unresolved tickets in id order, a batch per transaction.
type Recomputation struct {
	ID        int64        `db:"id"`
	Reason    string       `db:"reason"`
	StartedAt sql.NullTime `db:"started_at"` // null until the walk starts
	AfterID   int64        `db:"after_id"`   // the last ticket the walk did
	Ripe      bool         `db:"ripe"`       // requested longer ago than the grace given
}

// PendingRecomputations returns the recomputations not finished, oldest first. Ripe
// tells those requested more than grace ago: the job waits that long, so that every
// process's copy of the calendar has caught up before it starts.
func PendingRecomputations(ctx context.Context, q database.Queryer, grace time.Duration) ([]Recomputation, error) {
	var rs []Recomputation
	if err := q.SelectContext(ctx, &rs, pendingRecomputes, grace.Seconds()); err != nil {
		return nil, fmt.Errorf("sla: pending recomputations: %w", err)
	}
	return rs, nil
}

// StartRecomputation marks recomputation id started, and finishes the requests before it
// that have not started, merged into it: its walk reads the settings as they are, so it
// does what they asked for too.
func StartRecomputation(ctx context.Context, q database.Queryer, id int64) error {
	if _, err := q.ExecContext(ctx, startRecompute, id); err != nil {
		return fmt.Errorf("sla: start recomputation %d: %w", id, err)
	}
	if _, err := q.ExecContext(ctx, mergeRecomputes, id); err != nil {
		return fmt.Errorf("sla: merge recomputations into %d: %w", id, err)
	}
	return nil
}

// AdvanceRecomputation records that recomputation id's walk got to ticket afterID,
// changing the clocks of tickets more tickets; done finishes it.
func AdvanceRecomputation(ctx context.Context, q database.Queryer, id, afterID int64, tickets int, done bool) error {
	if _, err := q.ExecContext(ctx, advanceRecompute, id, afterID, tickets, done); err != nil {
		return fmt.Errorf("sla: advance recomputation %d: %w", id, err)
	}
	return nil
}

// LoadCalendar returns the support calendar stored now, read through q: for work that
// must not use a copy up to ten seconds old (Calendars), such as the recomputation.
func LoadCalendar(ctx context.Context, q database.Queryer) (*calendar.Calendar, error) {
	cfg, _, err := loadCalendarConfig(ctx, q)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("sla: the stored support calendar: %w", err)
	}
	return cal, nil
}
