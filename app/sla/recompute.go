package sla

import (
	"context"
	"fmt"

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
// so the request exists exactly when the change does.
func requestRecompute(ctx context.Context, q database.Queryer, reason string) error {
	if _, err := q.ExecContext(ctx, insertRecompute, reason); err != nil {
		return fmt.Errorf("sla: request recompute: %w", err)
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
