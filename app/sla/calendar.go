package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/calendar"
	"tugi/app/database"
)

// calendarKey is the settings row that holds the support calendar's configuration.
const calendarKey = "support_calendar"

// recheckEvery is how stale a process's copy of the calendar may get after another
// process saved a new one.
const recheckEvery = 10 * time.Second

// Calendars gives the support calendar in force: the one an admin saved, or the vendor's
// default (calendar.Default) until then. Each process keeps a copy and checks for a newer
// one at most every ten seconds, so any number of processes agree within that time.
type Calendars struct {
	db *sqlx.DB

	mu      sync.Mutex
	cal     *calendar.Calendar
	version time.Time // updated_at of the row the copy came from; zero for the default
	checked time.Time
}

// NewCalendars returns the calendar source of db.
func NewCalendars(db *sqlx.DB) *Calendars { return &Calendars{db: db} }

// Current returns the support calendar in force.
func (cs *Calendars) Current(ctx context.Context) (*calendar.Calendar, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.cal != nil && time.Since(cs.checked) < recheckEvery {
		return cs.cal, nil
	}
	var version time.Time
	err := cs.db.GetContext(ctx, &version, calendarVersion, calendarKey)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		cs.cal, cs.version = calendar.Default(), time.Time{}
	case err != nil:
		return nil, fmt.Errorf("sla: calendar version: %w", err)
	case cs.cal == nil || !version.Equal(cs.version):
		cfg, version, err := loadCalendarConfig(ctx, cs.db)
		if err != nil {
			return nil, err
		}
		cal, err := calendar.New(cfg)
		if err != nil {
			return nil, fmt.Errorf("sla: the stored support calendar: %w", err)
		}
		cs.cal, cs.version = cal, version
	}
	cs.checked = time.Now()
	return cs.cal, nil
}

// forget makes the next Current read the database: after this process saved a calendar.
func (cs *Calendars) forget() {
	cs.mu.Lock()
	cs.checked = time.Time{}
	cs.mu.Unlock()
}

func loadCalendarConfig(ctx context.Context, q database.Queryer) (calendar.Config, time.Time, error) {
	var row struct {
		Value     []byte    `db:"value"`
		UpdatedAt time.Time `db:"updated_at"`
	}
	err := q.GetContext(ctx, &row, selectCalendar, calendarKey)
	if errors.Is(err, sql.ErrNoRows) {
		return calendar.DefaultConfig(), time.Time{}, nil
	}
	if err != nil {
		return calendar.Config{}, time.Time{}, fmt.Errorf("sla: load calendar: %w", err)
	}
	cfg, err := calendar.ParseConfig(row.Value)
	if err != nil {
		return calendar.Config{}, time.Time{}, fmt.Errorf("sla: the stored support calendar: %w", err)
	}
	return cfg, row.UpdatedAt, nil
}

// SaveCalendar stores cfg as the support calendar, audited with the old and new
// configuration. change names what changed, for the audit log ("weekly hours",
// "closure added", ...). cfg must be valid (calendar.New accepts it).
func (cs *Calendars) SaveCalendar(ctx context.Context, actor audit.Actor, change string, cfg calendar.Config) error {
	if _, err := calendar.New(cfg); err != nil {
		return err
	}
	err := database.WithTx(ctx, cs.db, func(tx *sqlx.Tx) error {
		old, _, err := loadCalendarConfig(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, saveCalendar,
			calendarKey, string(cfg.Format())); err != nil { // a string: JSON, not binary
			return fmt.Errorf("sla: save calendar: %w", err)
		}
		if err := requestRecompute(ctx, tx, RecomputeCalendar); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "settings.calendar", ObjectType: "settings", ObjectID: calendarKey,
			Changes: map[string]audit.Change{
				"change":   {New: change},
				"calendar": {Old: json.RawMessage(old.Format()), New: json.RawMessage(cfg.Format())},
			}})
	})
	if err == nil {
		cs.forget()
	}
	return err
}
