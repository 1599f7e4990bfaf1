package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"tugi/app/database"
	"tugi/app/sla"
)

// Store reads and writes tickets, their messages and their clocks. Every read of a
// ticket or a message takes the Scope of the person it is for (see scope.go). Make one
// per transaction.
type Store struct{ q database.Queryer }

// NewStore returns a store that runs its SQL through q.
func NewStore(q database.Queryer) *Store { return &Store{q: q} }

// Get returns ticket id if scope may see it, and ErrNotFound otherwise.
func (s *Store) Get(ctx context.Context, scope Scope, id int64) (*Ticket, error) {
	var t Ticket
	err := s.q.GetContext(ctx, &t, getTicket, scope.args(id)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ticket store: get %d: %w", id, err)
	}
	return &t, nil
}

// Lock locks ticket id until the transaction ends and returns it, if scope may see it;
// ErrNotFound otherwise. Every change of a ticket starts here, so two changes of one
// ticket (and of its clocks) happen one after the other.
func (s *Store) Lock(ctx context.Context, scope Scope, id int64) (*Ticket, error) {
	var t Ticket
	err := s.q.GetContext(ctx, &t, lockTicket, scope.args(id)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ticket store: lock %d: %w", id, err)
	}
	return &t, nil
}

// ListPage selects a page of a customer's tickets, latest activity first.
type ListPage struct {
	After   time.Time // keyset: the updated_at and id of the last ticket of the previous page
	AfterID int64
	Limit   int
}

// List returns up to p.Limit tickets scope may see, latest activity first, and whether
// more follow. The tickets carry what the list shows alone: their id, subject, status,
// creation and last activity, and when the next reply is due (ReplyDueAt).
func (s *Store) List(ctx context.Context, scope Scope, p ListPage) ([]Ticket, bool, error) {
	var after any
	if !p.After.IsZero() {
		after = p.After
	}
	rows, err := s.q.QueryContext(ctx, listTickets, scope.args(after, p.AfterID, p.Limit+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("ticket store: list: %w", err)
	}
	defer rows.Close()
	ts := make([]Ticket, 0, p.Limit+1)
	for rows.Next() {
		var t Ticket
		var status string
		if err := rows.Scan(listDest(&t, &status)...); err != nil {
			return nil, false, fmt.Errorf("ticket store: list: %w", err)
		}
		t.Status = Status(status)
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("ticket store: list: %w", err)
	}
	if len(ts) > p.Limit {
		return ts[:p.Limit], true, nil
	}
	return ts, false, nil
}

// QueueRow is a ticket as the agent queue shows it: its id, subject, organisation's
// name, priority, status, assignee (id and name), creation, last activity and next due
// time, and its clocks' figures; nothing else of the ticket is read.
type QueueRow struct {
	Ticket
	NextWarnAt *time.Time `db:"next_warn_at"`
	Breached   bool       `db:"running_breached"`
}

// QueueQuery selects a page of an agent queue. Zero values select everything.
type QueueQuery struct {
	Status     Status // one status; "" for every unresolved one
	OrgID      int64
	CategoryID int64
	Priority   sla.Priority
	AssigneeID int64     // assigned to this agent
	Unassigned bool      // assigned to nobody
	TeamsOf    int64     // in a team of this agent
	DueBefore  time.Time // a running clock due before this (breaching soon, or breached)
	ByUpdated  bool      // latest activity first, instead of SLA due time
	After      Cursor
	Limit      int
	TicketID   int64 // only this ticket (a row the live queue asks for)
}

// Cursor is where a queue page starts: after the row with this sort key and id.
type Cursor struct {
	Key string // the sort key: an RFC 3339 time, or "infinity" for no due time
	ID  int64
}

// Queue returns a page of the queue q describes and whether more follow. Only staff see
// queues: any other scope gets nothing.
func (s *Store) Queue(ctx context.Context, scope Scope, q QueueQuery) ([]QueueRow, bool, error) {
	if !scope.Staff() {
		return nil, false, nil
	}
	query, args := queueSQL(q)
	rs, err := s.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("ticket store: queue: %w", err)
	}
	defer rs.Close()
	rows := make([]QueueRow, 0, q.Limit+1)
	for rs.Next() {
		var r QueueRow
		var priority, status string
		var org sql.NullString
		if err := rs.Scan(r.queueDest(&org, &priority, &status)...); err != nil {
			return nil, false, fmt.Errorf("ticket store: queue: %w", err)
		}
		r.OrgName, r.Priority, r.Status = org.String, sla.Priority(priority), Status(status)
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return nil, false, fmt.Errorf("ticket store: queue: %w", err)
	}
	if len(rows) > q.Limit {
		return rows[:q.Limit], true, nil
	}
	return rows, false, nil
}

// CursorAfter returns the cursor of the page after row, for the queue's sort order.
func CursorAfter(row QueueRow, byUpdated bool) Cursor {
	switch {
	case byUpdated:
		return Cursor{Key: row.UpdatedAt.UTC().Format(time.RFC3339Nano), ID: row.ID}
	case row.NextDueAt == nil:
		return Cursor{Key: "infinity", ID: row.ID}
	}
	return Cursor{Key: row.NextDueAt.UTC().Format(time.RFC3339Nano), ID: row.ID}
}

// Counts are the figures of an agent's home page.
type Counts struct {
	Unassigned int `db:"unassigned"`
	Mine       int `db:"mine"`
}

// CountLimit caps the counts: past it, a page says "more than".
const CountLimit = 1000

// Counts returns how many unresolved tickets nobody has, and how many the scope's person
// has, each up to CountLimit+1. Only staff see them: any other scope gets zeros.
func (s *Store) Counts(ctx context.Context, scope Scope) (Counts, error) {
	var n Counts
	if !scope.Staff() {
		return n, nil
	}
	if err := s.q.GetContext(ctx, &n, countTickets, scope.UserID, CountLimit+1); err != nil {
		return n, fmt.Errorf("ticket store: counts: %w", err)
	}
	return n, nil
}

// clockRow is a row of ticket_clocks.
type clockRow struct {
	Metric            Metric     `db:"metric" json:"metric"`
	TargetSeconds     int64      `db:"target_seconds" json:"target_seconds"`
	UsedSeconds       int64      `db:"used_seconds" json:"used_seconds"`
	StartedAt         time.Time  `db:"started_at" json:"started_at"`
	RunningSince      *time.Time `db:"running_since" json:"running_since"`
	StoppedAt         *time.Time `db:"stopped_at" json:"stopped_at"`
	Breached          bool       `db:"breached" json:"breached"`
	WarningNotifiedAt *time.Time `db:"warning_notified_at" json:"warning_notified_at"`
	BreachNotifiedAt  *time.Time `db:"breach_notified_at" json:"breach_notified_at"`
}

// clock returns the clock r stores.
func (r clockRow) clock() Clock {
	return Clock{
		Timer: sla.Timer{
			Target:       time.Duration(r.TargetSeconds) * time.Second,
			Used:         time.Duration(r.UsedSeconds) * time.Second,
			RunningSince: deref(r.RunningSince),
			StoppedAt:    deref(r.StoppedAt),
			Breached:     r.Breached,
		},
		StartedAt:         r.StartedAt,
		WarningNotifiedAt: deref(r.WarningNotifiedAt),
		BreachNotifiedAt:  deref(r.BreachNotifiedAt),
	}
}

// Clocks returns the SLA clocks of ticket id, if scope may see it.
func (s *Store) Clocks(ctx context.Context, scope Scope, id int64) (Clocks, error) {
	var rows []clockRow
	if err := s.q.SelectContext(ctx, &rows, listClocks, scope.args(id)...); err != nil {
		return nil, fmt.Errorf("ticket store: clocks of %d: %w", id, err)
	}
	cs := Clocks{}
	for _, r := range rows {
		cs[r.Metric] = r.clock()
	}
	return cs, nil
}

// SaveClocks stores the clocks of ticket id that differ from old, with their due and
// warning times on cal at the policy's warning percentage, in one statement.
func (s *Store) SaveClocks(ctx context.Context, id int64, old, cs Clocks, cal sla.Calendar, warnPercent int) error {
	args := []any{id}
	n := 0
	for _, m := range Metrics {
		c, ok := cs[m]
		if !ok {
			continue
		}
		if o, had := old[m]; had && o.equal(c) {
			continue
		}
		args = append(args, clockArgs(m, c, cal, warnPercent)...)
		n++
	}
	if n == 0 {
		return nil
	}
	_, err := s.q.ExecContext(ctx, fmt.Sprintf(saveClocks, clockValues(n, 2)), args...)
	if err != nil {
		return fmt.Errorf("ticket store: save clocks of %d: %w", id, err)
	}
	return nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// NewTicket is what it takes to store a new ticket.
type NewTicket struct {
	OrgID       int64
	RequesterID int64
	CreatedBy   int64
	Subject     string
	CategoryID  int64
	Impact      Impact
	Priority    sla.Priority
	Channel     Channel
	TeamID      *int64
	AssigneeID  *int64
	At          time.Time
	NextDueAt   time.Time // the nearest due time of its clocks
	ReplyDueAt  time.Time // the due time of its response clock (Clocks.ReplyDue)
}

// ticket is the ticket nt became, as it was stored with id and status, named from ch.
func (nt NewTicket) ticket(id int64, status Status, ch Choices) *Ticket {
	t := &Ticket{ID: id, OrgID: nt.OrgID, RequesterID: nt.RequesterID, Subject: nt.Subject, CategoryID: nt.CategoryID,
		Impact: nt.Impact, Priority: nt.Priority, Status: status, Channel: nt.Channel, TeamID: nt.TeamID, AssigneeID: nt.AssigneeID,
		CreatedAt: nt.At, UpdatedAt: nt.At}
	if !nt.NextDueAt.IsZero() {
		next := nt.NextDueAt
		t.NextDueAt = &next
	}
	if !nt.ReplyDueAt.IsZero() {
		reply := nt.ReplyDueAt
		t.ReplyDueAt = &reply
	}
	if c, err := ch.Category(nt.CategoryID); err == nil {
		t.Category = *c
	}
	for _, tm := range ch.Teams {
		if nt.TeamID != nil && tm.ID == *nt.TeamID {
			t.TeamName = &tm.Name
		}
	}
	for _, a := range ch.Agents {
		if nt.AssigneeID != nil && a.ID == *nt.AssigneeID {
			t.Assignee = &a.Name
		}
	}
	return t
}

// Open stores new ticket nt in status, with its first message (the description, public,
// by author, in the ticket's channel) and its clocks cs, and returns the ids of the
// ticket and the message.
func (s *Store) Open(ctx context.Context, nt NewTicket, status Status, author int64, body string, cs Clocks, cal sla.Calendar, warnPercent int) (int64, int64, error) {
	args := []any{nt.OrgID, nt.RequesterID, nt.CreatedBy, nt.Subject, nt.CategoryID, nt.Impact, nt.Priority, status,
		nt.Channel, nt.TeamID, nt.At, nullTime(nt.NextDueAt), nt.AssigneeID, author, body, nullTime(nt.ReplyDueAt)}
	first, n := len(args)+1, 0
	for _, m := range Metrics {
		if c, ok := cs[m]; ok {
			args = append(args, clockArgs(m, c, cal, warnPercent)...)
			n++
		}
	}
	var ids struct {
		Ticket  int64 `db:"id"`
		Message int64 `db:"message_id"`
	}
	err := s.q.GetContext(ctx, &ids, fmt.Sprintf(openTicket, clockValues(n, first)), args...)
	switch {
	case database.IsConstraint(err, "tickets_category_id_fkey"):
		return 0, 0, ErrNoSuchCategory
	case err != nil:
		return 0, 0, fmt.Errorf("ticket store: open: %w", err)
	}
	return ids.Ticket, ids.Message, nil
}

// Save stores the changeable fields of t: category, priority, status, team, assignee,
// the times of its last activity, solution and closing, and its next due times.
func (s *Store) Save(ctx context.Context, t *Ticket) error {
	_, err := s.q.ExecContext(ctx, updateTicket, t.ID, t.CategoryID, t.Priority, t.Status, t.TeamID, t.AssigneeID,
		t.UpdatedAt, t.SolvedAt, t.ClosedAt, t.NextDueAt, t.ReplyDueAt)
	switch {
	case database.IsConstraint(err, "tickets_category_id_fkey"):
		return ErrNoSuchCategory
	case database.IsConstraint(err, "tickets_team_id_fkey"):
		return ErrNoSuchTeam
	case database.IsConstraint(err, "tickets_assignee_id_fkey"):
		return ErrNotAnAgent
	case err != nil:
		return fmt.Errorf("ticket store: save %d: %w", t.ID, err)
	}
	return nil
}

// NewMessage is what it takes to store a message.
type NewMessage struct {
	TicketID  int64
	OrgID     int64
	AuthorID  int64
	Internal  bool
	Channel   Channel
	Body      string
	MessageID string // the e-mail Message-ID; "" for none
	At        time.Time
}

// AddMessage inserts a message and returns its id.
func (s *Store) AddMessage(ctx context.Context, nm NewMessage) (int64, error) {
	var id int64
	err := s.q.GetContext(ctx, &id, insertMessage, nm.TicketID, nm.OrgID, nm.AuthorID, nm.Internal, nm.Channel,
		nm.Body, nm.MessageID, nm.At)
	if err != nil {
		return 0, fmt.Errorf("ticket store: add message to %d: %w", nm.TicketID, err)
	}
	return id, nil
}

// Categories lists the categories customers may choose, in the order an admin gave them.
func (s *Store) Categories(ctx context.Context) ([]Category, error) {
	var cs []Category
	if err := s.q.SelectContext(ctx, &cs, listCategories); err != nil {
		return nil, fmt.Errorf("ticket store: categories: %w", err)
	}
	return cs, nil
}

// Choices are the lists the agent's pages offer in their selects: the categories
// customers may choose (Categories), the active agents (Agents) and the teams (Teams),
// each in its own order.
type Choices struct {
	Categories []Category
	Agents     []Agent
	Teams      []Team
}

// Category returns the active category id, or ErrNoSuchCategory.
func (ch Choices) Category(id int64) (*Category, error) {
	for i := range ch.Categories {
		if ch.Categories[i].ID == id {
			c := ch.Categories[i]
			return &c, nil
		}
	}
	return nil, ErrNoSuchCategory
}

// Choices reads the lists of Choices.
func (s *Store) Choices(ctx context.Context) (Choices, error) {
	var rows []struct {
		Kind string `db:"kind"`
		N    int64  `db:"n"`
		Category
	}
	var ch Choices
	if err := s.q.SelectContext(ctx, &rows, listChoices); err != nil {
		return ch, fmt.Errorf("ticket store: choices: %w", err)
	}
	for _, r := range rows {
		switch r.Kind {
		case "category":
			ch.Categories = append(ch.Categories, r.Category)
		case "agent":
			ch.Agents = append(ch.Agents, Agent{ID: r.ID, Name: r.Name})
		case "team":
			ch.Teams = append(ch.Teams, Team{ID: r.ID, Name: r.Name})
		}
	}
	return ch, nil
}

// IsAgent reports whether user id is an active agent.
func (s *Store) IsAgent(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := s.q.GetContext(ctx, &ok, isAgent, id)
	if err != nil {
		return false, fmt.Errorf("ticket store: is %d an agent: %w", id, err)
	}
	return ok, nil
}

// Organisation is a customer organisation, for the queue's filter.
type Organisation struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Organisation returns organisation id.
func (s *Store) Organisation(ctx context.Context, id int64) (*Organisation, error) {
	var o Organisation
	if err := s.q.GetContext(ctx, &o, getOrganisation, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("ticket store: organisation %d: %w", id, err)
	}
	return &o, nil
}
