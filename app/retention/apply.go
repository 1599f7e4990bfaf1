package retention

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/chat"
	"tugi/app/database"
	"tugi/app/inbound"
	"tugi/app/incident"
	"tugi/app/retention/scope"
	"tugi/app/ticket"
)

// The schedule of the job retention.apply.
const (
	// Every is the time between runs: daily.
	Every = 24 * time.Hour
	// CheckEvery is how often the job looks whether a run is due: the schedule is kept in
	// retention_runs, so a restarted process, or another one, keeps it.
	CheckEvery = time.Hour
)

// JobName is the job's name and the audit actor of what it removes.
const JobName = "retention.apply"

// Figure is how many things of a kind of one organisation (0: none) a run removed or the
// next run would remove.
type Figure struct {
	Kind    Kind   `json:"kind"`
	OrgID   int64  `json:"org_id,omitempty"`
	OrgName string `json:"-"`
	Count   int64  `json:"count"`
}

// Figures are a run's figures, by kind in the order of Kinds, then by organisation.
type Figures []Figure

// Total is the figures' sum for kind.
func (fs Figures) Total(kind Kind) int64 {
	var n int64
	for _, f := range fs {
		if f.Kind == kind {
			n += f.Count
		}
	}
	return n
}

// figuresOf turns counts per kind into Figures, in order.
func figuresOf(counts map[Kind]scope.Counts) Figures {
	var fs Figures
	for _, k := range Kinds {
		var orgs []int64
		for org := range counts[k.Kind] {
			orgs = append(orgs, org)
		}
		slices.Sort(orgs)
		for _, org := range orgs {
			if n := counts[k.Kind][org]; n > 0 {
				fs = append(fs, Figure{Kind: k.Kind, OrgID: org, Count: n})
			}
		}
	}
	return fs
}

// step is how one kind is counted and removed, through its owner's functions.
type step struct {
	count  func(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held) (scope.Counts, error)
	remove func(ctx context.Context, q database.Queryer, actor audit.Actor, c scope.Cutoffs, h scope.Held, limit int) (scope.Counts, error)
}

var steps = map[Kind]step{
	Incidents: {count: incident.CountExpired, remove: incident.DeleteExpired},
	Tickets:   {count: ticket.CountExpiredClosed, remove: removeTickets},
	Chats:     {count: chat.CountExpired, remove: chat.DeleteExpired},
	Attachments: {
		count: func(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held) (scope.Counts, error) {
			a, err := ticket.CountExpiredFiles(ctx, q, c, h)
			if err != nil {
				return nil, err
			}
			b, err := chat.CountExpiredFiles(ctx, q, c, h)
			return merge(a, b), err
		},
		remove: func(ctx context.Context, q database.Queryer, actor audit.Actor, c scope.Cutoffs, h scope.Held, limit int) (scope.Counts, error) {
			a, err := ticket.DeleteExpiredFiles(ctx, q, actor, c, h, limit)
			if err != nil {
				return nil, err
			}
			b, err := chat.DeleteExpiredFiles(ctx, q, actor, c, h, limit)
			return merge(a, b), err
		},
	},
	Mail: {count: inbound.CountExpiredRaw,
		remove: func(ctx context.Context, q database.Queryer, _ audit.Actor, c scope.Cutoffs, h scope.Held, limit int) (scope.Counts, error) {
			return inbound.ClearExpiredRaw(ctx, q, c, h, limit)
		}},
	Signins: {count: auth.CountExpiredSessions,
		remove: func(ctx context.Context, q database.Queryer, _ audit.Actor, c scope.Cutoffs, h scope.Held, limit int) (scope.Counts, error) {
			return auth.DeleteExpiredSessions(ctx, q, c, h, limit)
		}},
}

// removeTickets removes expired closed tickets: the chats they came from let go of them
// and the mail added to them goes (each by its owner), then the tickets.
func removeTickets(ctx context.Context, q database.Queryer, actor audit.Actor, c scope.Cutoffs, h scope.Held, limit int) (scope.Counts, error) {
	objs, err := ticket.ExpiredClosed(ctx, q, c, h, limit)
	if err != nil || len(objs) == 0 {
		return scope.Counts{}, err
	}
	ids := scope.IDs(objs)
	if err := chat.DetachTickets(ctx, q, ids); err != nil {
		return nil, err
	}
	if err := inbound.ForgetTickets(ctx, q, ids); err != nil {
		return nil, err
	}
	if err := ticket.DeleteExpired(ctx, q, actor, objs); err != nil {
		return nil, err
	}
	removed := scope.Counts{}
	for _, o := range objs {
		removed.Add(o.OrgID, 1)
	}
	return removed, nil
}

func merge(a, b scope.Counts) scope.Counts {
	out := scope.Counts{}
	for org, n := range a {
		out.Add(org, n)
	}
	for org, n := range b {
		out.Add(org, n)
	}
	return out
}

// Preview returns what a run now would remove, per kind and organisation, read in one
// snapshot with the same selections the run removes by.
func (s *Service) Preview(ctx context.Context) (Figures, error) {
	tx, err := s.o.DB.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	defer tx.Rollback()
	var rules []Rule
	if err := tx.SelectContext(ctx, &rules, selectRules); err != nil {
		return nil, fmt.Errorf("retention: read the rules: %w", err)
	}
	held, err := HeldNow(ctx, tx)
	if err != nil {
		return nil, err
	}
	cut := cutoffs(rules, s.o.Now())
	counts := map[Kind]scope.Counts{}
	for _, k := range Kinds {
		if cut[k.Kind].KeepsAll() {
			continue // kept for ever: no need to look at a million closed tickets
		}
		if counts[k.Kind], err = steps[k.Kind].count(ctx, tx, cut[k.Kind], held); err != nil {
			return nil, err
		}
	}
	fs := figuresOf(counts)
	return fs, s.name(ctx, fs)
}

// Apply removes what the rules let expire and no hold covers, kind by kind, in
// transactions of at most Batch things each (every one audited by its owner, the holds
// read and locked in each), then records the run with its figures and one audit event,
// retention.applied (retention.failed when a step failed: what was removed before stays
// removed and counted).
func (s *Service) Apply(ctx context.Context) (Figures, error) {
	started := s.o.Now()
	actor := audit.Job(JobName)
	counts := map[Kind]scope.Counts{}
	var failure error
	for _, kind := range applyOrder {
		counts[kind] = scope.Counts{}
		for {
			var got scope.Counts
			err := database.WithTx(ctx, s.o.DB, func(tx *sqlx.Tx) error {
				if _, err := tx.ExecContext(ctx, lockHolds); err != nil {
					return fmt.Errorf("retention: %w", err)
				}
				var rules []Rule
				if err := tx.SelectContext(ctx, &rules, selectRules); err != nil {
					return fmt.Errorf("retention: read the rules: %w", err)
				}
				cut := cutoffs(rules, started)[kind]
				if cut.KeepsAll() {
					return nil
				}
				held, err := HeldNow(ctx, tx)
				if err != nil {
					return err
				}
				got, err = steps[kind].remove(ctx, tx, actor, cut, held, s.o.Batch)
				return err
			})
			if err != nil {
				failure = fmt.Errorf("retention: %s: %w", kind, err)
				break
			}
			var n int64
			for org, c := range got {
				counts[kind].Add(org, c)
				n += c
			}
			if n < int64(s.o.Batch) {
				break
			}
		}
		if failure != nil {
			break
		}
	}
	fs := figuresOf(counts)
	if err := s.record(ctx, started, fs, failure); err != nil {
		return fs, errors.Join(failure, err)
	}
	if failure != nil {
		return fs, failure
	}
	var total int64
	for _, f := range fs {
		total += f.Count
	}
	s.o.Log.Info("retention: applied", "removed", total)
	return fs, s.name(ctx, fs)
}

// record writes the run and its audit event.
func (s *Service) record(ctx context.Context, started time.Time, fs Figures, failure error) error {
	removed, err := json.Marshal(fs)
	if err != nil {
		return err
	}
	if fs == nil {
		removed = []byte("[]")
	}
	run := Run{StartedAt: started, FinishedAt: s.o.Now(), OK: failure == nil, Removed: string(removed)}
	action := "retention.applied"
	if failure != nil {
		run.Error = failure.Error()
		action = "retention.failed"
		s.o.Log.Error("retention: a run failed", "error", failure)
	}
	changes := map[string]audit.Change{}
	for _, k := range Kinds {
		changes[string(k.Kind)] = audit.Change{New: fs.Total(k.Kind)}
	}
	return database.WithTx(ctx, s.o.DB, func(tx *sqlx.Tx) error {
		if _, err := tx.NamedExecContext(ctx, insertRun, run); err != nil {
			return fmt.Errorf("retention: record the run: %w", err)
		}
		return audit.Record(ctx, tx, audit.Job(JobName), audit.Event{Action: action, ObjectType: "retention_run",
			ObjectID: started.UTC().Format(time.RFC3339), Changes: changes})
	})
}

// Job is the pass of the job retention.apply: a run when the latest is a day old (or there
// is none). Runs are one process at a time (the runner's advisory lock), and the schedule
// is read inside it, so two processes never both run.
func (s *Service) Job(ctx context.Context) error {
	var last sql.NullTime
	if err := s.o.DB.GetContext(ctx, &last, lastRun); err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	// Due a little early, so that the check interval does not push each day's run later.
	if last.Valid && s.o.Now().Sub(last.Time) < Every-CheckEvery {
		return nil
	}
	_, err := s.Apply(ctx)
	return err
}

// Run is one run of retention.apply as retention_runs keeps it.
type Run struct {
	ID         int64     `db:"id"`
	StartedAt  time.Time `db:"started_at"`
	FinishedAt time.Time `db:"finished_at"`
	OK         bool      `db:"ok"`
	Removed    string    `db:"removed"` // Figures as JSON
	Error      string    `db:"error"`
	Figures    Figures   `db:"-"`
}

// Runs returns the latest limit runs, newest first, with their figures.
func (s *Service) Runs(ctx context.Context, limit int) ([]Run, error) {
	var runs []Run
	if err := s.o.DB.SelectContext(ctx, &runs, selectRuns, limit); err != nil {
		return nil, fmt.Errorf("retention: read the runs: %w", err)
	}
	for i := range runs {
		if err := json.Unmarshal([]byte(runs[i].Removed), &runs[i].Figures); err != nil {
			return nil, fmt.Errorf("retention: run %d: %w", runs[i].ID, err)
		}
		if err := s.name(ctx, runs[i].Figures); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

// name fills in the organisations' names of fs.
func (s *Service) name(ctx context.Context, fs Figures) error {
	var ids pq.Int64Array
	for _, f := range fs {
		if f.OrgID != 0 {
			ids = append(ids, f.OrgID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	if err := s.o.DB.SelectContext(ctx, &rows, orgNames, ids); err != nil {
		return fmt.Errorf("retention: name the organisations: %w", err)
	}
	names := map[int64]string{}
	for _, r := range rows {
		names[r.ID] = r.Name
	}
	for i := range fs {
		fs[i].OrgName = names[fs[i].OrgID]
	}
	return nil
}
