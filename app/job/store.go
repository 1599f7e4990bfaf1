package job

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Store keeps the jobs' latest passes in the table job_runs, which only this package
// writes.
type Store struct {
	db *sqlx.DB
}

// NewStore returns the store of job_runs.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

// Pass is one pass of a job, as recorded.
type Pass struct {
	Job     string
	Started time.Time
	Took    time.Duration
	Outcome Outcome
	Process string
	Error   string // the error of a failed pass, one line, trimmed
}

// Status is a job's row of job_runs: its latest pass (by any process), its latest success
// and its latest error.
type Status struct {
	Name            string     `db:"name"`
	FirstSeenAt     time.Time  `db:"first_seen_at"`
	StartedAt       *time.Time `db:"started_at"` // nil before the first pass
	DurationSeconds float64    `db:"duration_seconds"`
	Outcome         *Outcome   `db:"outcome"`
	Process         string     `db:"process"`
	LastOKAt        *time.Time `db:"last_ok_at"`
	LastError       string     `db:"last_error"`
	LastErrorAt     *time.Time `db:"last_error_at"`
}

// register notes the jobs a runner knows, so that one that never succeeds is seen late.
func (s *Store) register(ctx context.Context, names []string) error {
	if _, err := s.db.ExecContext(ctx, registerJobs, pq.Array(names)); err != nil {
		return fmt.Errorf("job store: register: %w", err)
	}
	return nil
}

// record writes p as its job's latest pass.
func (s *Store) record(ctx context.Context, p Pass) error {
	if _, err := s.db.ExecContext(ctx, recordPass, p.Job, p.Started, p.Started.Add(p.Took), p.Took.Seconds(), string(p.Outcome), p.Process, p.Error); err != nil {
		return fmt.Errorf("job store: record %s: %w", p.Job, err)
	}
	return nil
}

// Statuses returns every job's row of job_runs, by name.
func (s *Store) Statuses(ctx context.Context) (map[string]Status, error) {
	var rows []Status
	if err := s.db.SelectContext(ctx, &rows, listStatuses); err != nil {
		return nil, fmt.Errorf("job store: statuses: %w", err)
	}
	m := make(map[string]Status, len(rows))
	for _, r := range rows {
		m[r.Name] = r
	}
	return m, nil
}
