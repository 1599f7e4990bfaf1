package sla

import (
	"context"
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/audit"
	"tugi/app/database"
)

// Priority is a ticket's priority; each has its own policy.
type Priority string

// The priorities, most pressing first.
const (
	Urgent Priority = "urgent"
	High   Priority = "high"
	Normal Priority = "normal"
	Low    Priority = "low"
)

// Priorities lists the priorities, most pressing first.
var Priorities = []Priority{Urgent, High, Normal, Low}

// Label is the priority's name as people read it.
func (p Priority) Label() string {
	if p == "" {
		return ""
	}
	return strings.ToUpper(string(p[:1])) + string(p[1:])
}

// Recipient names who is told when a clock warns or is breached.
type Recipient string

// The recipients a policy can name.
const (
	Assignee Recipient = "assignee" // the agent the ticket is assigned to
	Team     Recipient = "team"     // every agent of the ticket's team
)

// Recipients lists the recipients a policy can name.
var Recipients = []Recipient{Assignee, Team}

// Label is the recipient as people read it.
func (r Recipient) Label() string {
	if r == Team {
		return "The ticket's team"
	}
	return "The assigned agent"
}

// RecipientList is a set of recipients, stored as a text array.
type RecipientList []Recipient

// Scan implements sql.Scanner.
func (rl *RecipientList) Scan(src any) error {
	var a pq.StringArray
	if err := a.Scan(src); err != nil {
		return err
	}
	*rl = make(RecipientList, len(a))
	for i, s := range a {
		(*rl)[i] = Recipient(s)
	}
	return nil
}

// Value implements driver.Valuer.
func (rl RecipientList) Value() (driver.Value, error) {
	s := make([]string, len(rl))
	for i, r := range rl {
		s[i] = string(r)
	}
	return pq.StringArray(s).Value()
}

// Has reports whether the list names r.
func (rl RecipientList) Has(r Recipient) bool { return slices.Contains(rl, r) }

// Policy is the service level promised for tickets of one priority. Its targets count
// business time of the support calendar.
type Policy struct {
	Priority      Priority      `db:"priority"`
	FirstResponse time.Duration `db:"-"`
	NextResponse  time.Duration `db:"-"`
	Resolution    time.Duration `db:"-"`
	WarnPercent   int           `db:"warn_percent"`
	NotifyWarning RecipientList `db:"notify_warning"`
	NotifyBreach  RecipientList `db:"notify_breach"`
	UpdatedAt     time.Time     `db:"updated_at"`
}

type policyRow struct {
	Policy
	FirstMinutes int `db:"first_response_minutes"`
	NextMinutes  int `db:"next_response_minutes"`
	ResMinutes   int `db:"resolution_minutes"`
}

// Store reads and writes SLA policies. Make one per transaction.
type Store struct{ q database.Queryer }

// NewStore returns a store that runs its SQL through q.
func NewStore(q database.Queryer) *Store { return &Store{q: q} }

// Policies returns the policy of each priority, most pressing first.
func (s *Store) Policies(ctx context.Context) ([]Policy, error) {
	var rows []policyRow
	if err := s.q.SelectContext(ctx, &rows, listPolicies); err != nil {
		return nil, fmt.Errorf("sla store: policies: %w", err)
	}
	out := make([]Policy, len(rows))
	for i, r := range rows {
		p := r.Policy
		p.FirstResponse = time.Duration(r.FirstMinutes) * time.Minute
		p.NextResponse = time.Duration(r.NextMinutes) * time.Minute
		p.Resolution = time.Duration(r.ResMinutes) * time.Minute
		out[i] = p
	}
	return out, nil
}

func (s *Store) update(ctx context.Context, p Policy) error {
	_, err := s.q.ExecContext(ctx, updatePolicy, p.Priority, int(p.FirstResponse/time.Minute), int(p.NextResponse/time.Minute),
		int(p.Resolution/time.Minute), p.WarnPercent, p.NotifyWarning, p.NotifyBreach)
	if err != nil {
		return fmt.Errorf("sla store: update %s: %w", p.Priority, err)
	}
	return nil
}

// SavePolicies stores the policies that differ from the current ones, each change
// audited, all in one transaction; it returns the priorities it changed.
func SavePolicies(ctx context.Context, db *sqlx.DB, actor audit.Actor, policies []Policy) ([]Priority, error) {
	var changed []Priority
	err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		current, err := st.Policies(ctx)
		if err != nil {
			return err
		}
		old := map[Priority]Policy{}
		for _, p := range current {
			old[p.Priority] = p
		}
		var events []audit.Event
		for _, p := range policies {
			o, ok := old[p.Priority]
			if !ok {
				return fmt.Errorf("sla: no policy for priority %q", p.Priority)
			}
			ch := diff(o, p)
			if len(ch) == 0 {
				continue
			}
			if err := st.update(ctx, p); err != nil {
				return err
			}
			changed = append(changed, p.Priority)
			events = append(events, audit.Event{Action: "settings.sla_policy", ObjectType: "settings", ObjectID: "sla_policy/" + string(p.Priority), Changes: ch})
		}
		if retimes(events) {
			if err := requestRecompute(ctx, tx, RecomputePolicy); err != nil {
				return err
			}
		}
		for _, ev := range events {
			if err := audit.Record(ctx, tx, actor, ev); err != nil {
				return err
			}
		}
		return nil
	})
	return changed, err
}

// retimes reports whether the policy changes of events move due or warning times: a
// target or a warning point changed, not only who is told.
func retimes(events []audit.Event) bool {
	for _, ev := range events {
		for k := range ev.Changes {
			if k != "notify_warning" && k != "notify_breach" {
				return true
			}
		}
	}
	return false
}

func diff(o, n Policy) map[string]audit.Change {
	ch := map[string]audit.Change{}
	minutes := func(name string, a, b time.Duration) {
		if a != b {
			ch[name] = audit.Change{Old: int(a / time.Minute), New: int(b / time.Minute)}
		}
	}
	minutes("first_response_minutes", o.FirstResponse, n.FirstResponse)
	minutes("next_response_minutes", o.NextResponse, n.NextResponse)
	minutes("resolution_minutes", o.Resolution, n.Resolution)
	if o.WarnPercent != n.WarnPercent {
		ch["warn_percent"] = audit.Change{Old: o.WarnPercent, New: n.WarnPercent}
	}
	if !slices.Equal(o.NotifyWarning, n.NotifyWarning) {
		ch["notify_warning"] = audit.Change{Old: o.NotifyWarning, New: n.NotifyWarning}
	}
	if !slices.Equal(o.NotifyBreach, n.NotifyBreach) {
		ch["notify_breach"] = audit.Change{Old: o.NotifyBreach, New: n.NotifyBreach}
	}
	return ch
}
